"""Every public Keras layer class: the file reader's shape rule (and mask rule) gives the spec
that introspecting the live model gives.

Each case builds ``keras.Model(inputs, layer(inputs))`` with the layer as the model's output,
saves it, and compares ``read_saved`` and ``read_config_json`` with ``inspect``. Layers that
take a sequence are also tried in a Sequential ``[Input, Masking, layer, LSTM]``, whose file
stores no masks, so the reader's replay of Keras's mask rules is checked as well.
"""

from __future__ import annotations

import inspect as pyinspect
import json
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keras import layers as L

from keras_compat import TENSORFLOW_ONLY, has_tensorflow, needs_tensorflow
from rnndiagram import inspect
from rnndiagram.read.calls import Unsupported
from rnndiagram.read.config import Cfg
from rnndiagram.read.layers import LAYERS, SAVED_NAMES
from rnndiagram.read.rules.base import CallShapes
from rnndiagram.errors import SourceError
from rnndiagram.saved import read_config_json, read_saved

pytestmark = [pytest.mark.usefixtures("keep_keras_auto_names"),
              pytest.mark.filterwarnings("ignore:Layer '.*' \\(of type .*\\) was passed an input with a mask")]

Spec = Tuple[Tuple[Optional[int], ...], str]


def f(*shape: Optional[int]) -> Spec:
    return shape, "float32"


def i(*shape: Optional[int]) -> Spec:
    return shape, "int32"


def s(*shape: Optional[int]) -> Spec:
    return shape, "string"


class Case(NamedTuple):
    kind: str
    make: Callable[[], Any]
    inputs: Sequence[Spec]
    call: Optional[Callable[[Any, List[Any]], Any]] = None
    """How the layer is called on the inputs; by default on the one input or the list."""


def both(layer: Any, xs: List[Any]) -> Any:
    return layer(xs[0], xs[1])


VOCAB = ["a", "b", "c", "d"]
def cases() -> List[Any]:
    """(kind, factory, inputs[, call]) for every layer class, with branches of its rule."""
    c = Case
    table: List[Any] = [
        # Core and activations -------------------------------------------------------------
        c("Activation", lambda: L.Activation("relu"), [f(5, 3)]),
        c("ActivityRegularization", lambda: L.ActivityRegularization(l1=0.1), [f(5, 3)]),
        c("ELU", lambda: L.ELU(), [f(5, 3)]),
        c("LeakyReLU", lambda: L.LeakyReLU(0.2), [f(5, 3)]),
        c("PReLU", lambda: L.PReLU(), [f(5, 3)]),
        c("ReLU", lambda: L.ReLU(max_value=6.0), [f(5, 3)]),
        c("Softmax", lambda: L.Softmax(axis=1), [f(5, 3)]),
        c("Identity", lambda: L.Identity(), [f(5, 3)]),
        c("Masking", lambda: L.Masking(-1.0), [f(5, 3)]),
        c("Dense", lambda: L.Dense(4), [f(3)]),
        c("Dense", lambda: L.Dense(4, activation="tanh"), [f(5, 3)]),
        c("EinsumDense", lambda: L.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c"), [f(3)]),
        c("EinsumDense", lambda: L.EinsumDense("abc,cd->abd", output_shape=(None, 4)), [f(5, 3)]),
        c("EinsumDense", lambda: L.EinsumDense("abc,cde->abde", output_shape=(5, 2, 4)), [f(5, 3)]),
        c("EinsumDense", lambda: L.EinsumDense("...b,bc->...c", output_shape=4), [f(5, 3)]),
        c("EinsumDense", lambda: L.EinsumDense("ab...,bc->ac...", output_shape=4), [f(3, 6, 5)]),
        # Keras's own shape reverses the elided axes here: (None, 6, 5, 4) for inputs (None, 5, 6, 3).
        c("EinsumDense", lambda: L.EinsumDense("...b,bc->...c", output_shape=4), [f(5, 6, 3)]),
        c("Embedding", lambda: L.Embedding(10, 4), [i(5)]),
        c("Embedding", lambda: L.Embedding(10, 4), [i()]),
        c("ReversibleEmbedding", lambda: L.ReversibleEmbedding(10, 4), [i()]),
        c("ReversibleEmbedding", lambda: L.ReversibleEmbedding(10, 4), [i(5)]),
        c("ReversibleEmbedding", lambda: L.ReversibleEmbedding(10, 4), [f(5, 4)],
          lambda layer, xs: layer(xs[0], reverse=True)),
        c("Lambda", lambda: L.Lambda(lambda x: x[:, :2], output_shape=(2, 3)), [f(5, 3)]),
        # Regularization ---------------------------------------------------------------------
        c("Dropout", lambda: L.Dropout(0.2), [f(5, 3)]),
        c("AlphaDropout", lambda: L.AlphaDropout(0.2), [f(5, 3)]),
        c("GaussianDropout", lambda: L.GaussianDropout(0.2), [f(5, 3)]),
        c("GaussianNoise", lambda: L.GaussianNoise(0.2), [f(5, 3)]),
        c("SpatialDropout1D", lambda: L.SpatialDropout1D(0.2), [f(5, 3)]),
        c("SpatialDropout2D", lambda: L.SpatialDropout2D(0.2), [f(4, 4, 3)]),
        c("SpatialDropout3D", lambda: L.SpatialDropout3D(0.2), [f(2, 4, 4, 3)]),
        # Normalization ------------------------------------------------------------------------
        c("BatchNormalization", lambda: L.BatchNormalization(), [f(5, 3)]),
        c("LayerNormalization", lambda: L.LayerNormalization(), [f(5, 3)]),
        c("GroupNormalization", lambda: L.GroupNormalization(3), [f(5, 6)]),
        c("UnitNormalization", lambda: L.UnitNormalization(), [f(5, 3)]),
        c("RMSNormalization", lambda: L.RMSNormalization(), [f(5, 3)]),
        c("SpectralNormalization", lambda: L.SpectralNormalization(L.Dense(4, name="inner")), [f(5, 3)]),
        c("SpectralNormalization", lambda: L.SpectralNormalization(L.Conv1D(4, 3, strides=2, name="inner")), [f(9, 3)]),
        c("Normalization", lambda: L.Normalization(mean=[0.0, 1.0, 2.0], variance=[1.0, 2.0, 3.0]), [f(5, 3)]),
        # Reshaping ------------------------------------------------------------------------
        c("Flatten", lambda: L.Flatten(), [f(5, 3)]),
        c("Flatten", lambda: L.Flatten(data_format="channels_first"), [f(None, 3, 2)]),
        c("Reshape", lambda: L.Reshape((3, -1)), [f(5, 6)]),
        c("Permute", lambda: L.Permute((2, 1)), [f(5, 3)]),
        c("RepeatVector", lambda: L.RepeatVector(4), [f(3)]),
        c("Cropping1D", lambda: L.Cropping1D((1, 2)), [f(6, 3)]),
        c("Cropping1D", lambda: L.Cropping1D(1), [f(None, 3)]),
        c("Cropping2D", lambda: L.Cropping2D(((1, 0), (2, 1))), [f(6, 7, 3)]),
        c("Cropping2D", lambda: L.Cropping2D(1, data_format="channels_first"), [f(3, 6, None)]),
        c("Cropping3D", lambda: L.Cropping3D(((1, 0), (0, 1), (1, 1))), [f(4, 5, 6, 2)]),
        c("Cropping3D", lambda: L.Cropping3D(1, data_format="channels_first"), [f(2, 4, None, 6)]),
        c("ZeroPadding1D", lambda: L.ZeroPadding1D((1, 2)), [f(6, 3)]),
        c("ZeroPadding1D", lambda: L.ZeroPadding1D(2, data_format="channels_first"), [f(3, 6)]),
        c("ZeroPadding2D", lambda: L.ZeroPadding2D(((1, 0), (2, 1))), [f(6, None, 3)]),
        c("ZeroPadding2D", lambda: L.ZeroPadding2D(1, data_format="channels_first"), [f(3, 6, 7)]),
        c("ZeroPadding3D", lambda: L.ZeroPadding3D((1, 2, 3)), [f(4, 5, 6, 2)]),
        c("ZeroPadding3D", lambda: L.ZeroPadding3D(1, data_format="channels_first"), [f(2, 4, 5, None)]),
        c("UpSampling1D", lambda: L.UpSampling1D(3), [f(6, 3)]),
        c("UpSampling2D", lambda: L.UpSampling2D((2, 3)), [f(6, None, 3)]),
        c("UpSampling2D", lambda: L.UpSampling2D(2, data_format="channels_first"), [f(3, 6, 7)]),
        c("UpSampling3D", lambda: L.UpSampling3D((1, 2, 3)), [f(4, 5, 6, 2)]),
        c("UpSampling3D", lambda: L.UpSampling3D(2, data_format="channels_first"), [f(2, 4, 5, None)]),
        # Convolutions -------------------------------------------------------------------------
        c("Conv1D", lambda: L.Conv1D(4, 3), [f(9, 2)]),
        c("Conv1D", lambda: L.Conv1D(4, 3, strides=2, padding="same"), [f(9, 2)]),
        c("Conv1D", lambda: L.Conv1D(4, 3, padding="causal", dilation_rate=2), [f(None, 2)]),
        c("Conv1D", lambda: L.Conv1D(4, 2, data_format="channels_first"), [f(2, 9)]),
        c("Conv2D", lambda: L.Conv2D(4, (3, 2), strides=(2, 1)), [f(9, 8, 2)]),
        c("Conv2D", lambda: L.Conv2D(4, 3, padding="same", data_format="channels_first"), [f(2, 9, 8)]),
        c("Conv2D", lambda: L.Conv2D(4, 3, dilation_rate=2, groups=2), [f(9, None, 2)]),
        c("Conv3D", lambda: L.Conv3D(4, 2, strides=2), [f(5, 6, 7, 1)]),
        c("Conv3D", lambda: L.Conv3D(4, 3, padding="same", data_format="channels_first"), [f(1, 5, 6, 7)]),
        c("Conv1DTranspose", lambda: L.Conv1DTranspose(4, 3), [f(6, 2)]),
        c("Conv1DTranspose", lambda: L.Conv1DTranspose(4, 3, strides=2, padding="same"), [f(6, 2)]),
        c("Conv1DTranspose", lambda: L.Conv1DTranspose(4, 2, strides=3), [f(None, 2)]),
        c("Conv1DTranspose", lambda: L.Conv1DTranspose(4, 3, strides=2, output_padding=1), [f(6, 2)]),
        c("Conv1DTranspose", lambda: L.Conv1DTranspose(4, 3, strides=2, padding="same", output_padding=0,
                                                      data_format="channels_first"), [f(2, 6)]),
        c("Conv1DTranspose", lambda: L.Conv1DTranspose(4, 5, strides=2, dilation_rate=1, padding="same",
                                                      output_padding=1), [f(6, 2)]),
        c("Conv2DTranspose", lambda: L.Conv2DTranspose(4, (3, 2), strides=(2, 1), padding="same"),
          [f(5, 6, 2)]),
        c("Conv2DTranspose", lambda: L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1,
                                                      data_format="channels_first"), [f(2, 5, 6)]),
        c("Conv2DTranspose", lambda: L.Conv2DTranspose(4, 3, dilation_rate=2), [f(5, 6, 2)]),
        c("Conv3DTranspose", lambda: L.Conv3DTranspose(4, 2, strides=2), [f(3, 4, 5, 1)]),
        c("Conv3DTranspose", lambda: L.Conv3DTranspose(4, 3, padding="same", data_format="channels_first"),
          [f(1, 3, 4, 5)]),
        c("SeparableConv1D", lambda: L.SeparableConv1D(4, 3, depth_multiplier=2), [f(9, 2)]),
        c("SeparableConv1D", lambda: L.SeparableConv1D(4, 2, dilation_rate=2, data_format="channels_first"),
          [f(2, 9)]),
        c("Conv3DTranspose", lambda: L.Conv3DTranspose(2, 3, strides=(1, 2, 3), output_padding=(0, 1, 2)),
          [f(3, 4, None, 1)]),
        c("SeparableConv2D", lambda: L.SeparableConv2D(4, 3, strides=2, padding="same",
                                                      data_format="channels_first"), [f(2, 9, 8)]),
        c("DepthwiseConv1D", lambda: L.DepthwiseConv1D(3, depth_multiplier=2), [f(9, 2)]),
        c("DepthwiseConv1D", lambda: L.DepthwiseConv1D(3, data_format="channels_first"), [f(2, 9)]),
        c("DepthwiseConv2D", lambda: L.DepthwiseConv2D(3, strides=2, padding="same"), [f(9, 8, 2)]),
        c("DepthwiseConv2D", lambda: L.DepthwiseConv2D(2, depth_multiplier=3, data_format="channels_first"),
          [f(2, 9, 8)]),
        # Pooling ------------------------------------------------------------------------------
        c("MaxPooling1D", lambda: L.MaxPooling1D(2), [f(9, 3)]),
        c("MaxPooling1D", lambda: L.MaxPooling1D(3, strides=1, padding="same", data_format="channels_first"),
          [f(3, 9)]),
        c("MaxPooling2D", lambda: L.MaxPooling2D((2, 3), strides=2), [f(9, 8, 3)]),
        c("MaxPooling2D", lambda: L.MaxPooling2D(3, strides=(2, 1), padding="same", data_format="channels_first"),
          [f(3, None, 8)]),
        c("AveragePooling1D", lambda: L.AveragePooling1D(2, strides=3), [f(10, 3)]),
        c("MaxPooling3D", lambda: L.MaxPooling3D(2, padding="same", data_format="channels_first"),
          [f(3, 5, 6, 7)]),
        c("AveragePooling1D", lambda: L.AveragePooling1D(3, strides=2, padding="same"), [f(None, 3)]),
        c("AveragePooling2D", lambda: L.AveragePooling2D(2, data_format="channels_first"), [f(3, 9, 8)]),
        c("AveragePooling3D", lambda: L.AveragePooling3D((1, 2, 2)), [f(5, 6, 7, 3)]),
        c("GlobalMaxPooling1D", lambda: L.GlobalMaxPooling1D(), [f(9, 3)]),
        c("GlobalMaxPooling1D", lambda: L.GlobalMaxPooling1D(data_format="channels_first", keepdims=True),
          [f(3, 9)]),
        c("GlobalMaxPooling2D", lambda: L.GlobalMaxPooling2D(keepdims=True), [f(9, 8, 3)]),
        c("GlobalMaxPooling3D", lambda: L.GlobalMaxPooling3D(data_format="channels_first"), [f(3, 5, 6, 7)]),
        c("GlobalAveragePooling1D", lambda: L.GlobalAveragePooling1D(), [f(9, 3)]),
        c("GlobalAveragePooling2D", lambda: L.GlobalAveragePooling2D(data_format="channels_first", keepdims=True),
          [f(3, 9, 8)]),
        c("GlobalAveragePooling3D", lambda: L.GlobalAveragePooling3D(keepdims=True), [f(5, 6, 7, 3)]),
        c("AdaptiveAveragePooling1D", lambda: L.AdaptiveAveragePooling1D(4), [f(9, 3)]),
        c("AdaptiveAveragePooling2D", lambda: L.AdaptiveAveragePooling2D((2, 3), data_format="channels_first"),
          [f(3, 9, 8)]),
        c("AdaptiveAveragePooling3D", lambda: L.AdaptiveAveragePooling3D(2), [f(5, 6, 7, 3)]),
        c("AdaptiveMaxPooling1D", lambda: L.AdaptiveMaxPooling1D(4, data_format="channels_first"), [f(3, 9)]),
        c("AdaptiveMaxPooling2D", lambda: L.AdaptiveMaxPooling2D(3), [f(9, 8, 3)]),
        c("AdaptiveMaxPooling3D", lambda: L.AdaptiveMaxPooling3D((1, 2, 3), data_format="channels_first"),
          [f(3, 5, 6, 7)]),
        # Merging ------------------------------------------------------------------------------
        *[c(kind, getattr(L, kind), [f(5, 3), f(5, 3)]) for kind in (
            "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")],
        c("Add", lambda: L.Add(), [f(5, 3), f(1, 3), f(5, 1)]),
        c("Concatenate", lambda: L.Concatenate(), [f(5, 3), f(5, 2)]),
        c("Concatenate", lambda: L.Concatenate(axis=1), [f(5, 3), f(None, 3)]),
        c("Dot", lambda: L.Dot(axes=1), [f(3), f(3)]),
        c("Dot", lambda: L.Dot(axes=(2, 2), normalize=True), [f(5, 3), f(4, 3)]),
        c("Dot", lambda: L.Dot(axes=-1), [f(5, 3), f(3)]),
        c("Dot", lambda: L.Dot(axes=[1, 2]), [f(5, 3), f(4, 5)]),
        # Attention ----------------------------------------------------------------------------
        c("Attention", lambda: L.Attention(), [f(5, 3), f(4, 3)]),
        c("AdditiveAttention", lambda: L.AdditiveAttention(), [f(5, 3), f(4, 3), f(4, 3)]),
        c("MultiHeadAttention", lambda: L.MultiHeadAttention(2, 4), [f(5, 3), f(4, 2)], both),
        c("MultiHeadAttention", lambda: L.MultiHeadAttention(2, 4, output_shape=(2, 3)), [f(5, 3), f(4, 2)], both),
        c("GroupedQueryAttention", lambda: L.GroupQueryAttention(4, 4, 2), [f(5, 3), f(4, 3)], both),
        # Recurrent and wrappers (their shapes follow from the table's other columns) ---------------
        c("SimpleRNN", lambda: L.SimpleRNN(3, return_sequences=True), [f(5, 2)]),
        c("GRU", lambda: L.GRU(3, return_state=True), [f(5, 2)]),
        c("LSTM", lambda: L.LSTM(3), [f(None, 2)]),
        c("ConvLSTM1D", lambda: L.ConvLSTM1D(2, 3), [f(4, 6, 2)]),
        c("ConvLSTM2D", lambda: L.ConvLSTM2D(2, 3, padding="same", return_sequences=True), [f(4, 6, 6, 2)]),
        c("ConvLSTM3D", lambda: L.ConvLSTM3D(2, 2), [f(3, 4, 4, 4, 1)]),
        c("RNN", lambda: L.RNN(L.GRUCell(3, name="cell"), return_sequences=True), [f(5, 2)]),
        c("Bidirectional", lambda: L.Bidirectional(L.LSTM(3, name="inner")), [f(5, 2)]),
        c("TimeDistributed", lambda: L.TimeDistributed(L.Dense(3, name="inner")), [f(5, 2)]),
        # Numeric and categorical preprocessing ------------------------------------------------------
        c("Rescaling", lambda: L.Rescaling(1 / 255.0), [f(5, 3)]),
        c("CategoryEncoding", lambda: L.CategoryEncoding(6, output_mode="multi_hot"), [i(3)]),
        c("CategoryEncoding", lambda: L.CategoryEncoding(6, output_mode="one_hot"), [i(1)]),
        c("CategoryEncoding", lambda: L.CategoryEncoding(6, output_mode="one_hot"), [i(3)]),
        c("CategoryEncoding", lambda: L.CategoryEncoding(6, output_mode="one_hot"), [i()]),
        c("CategoryEncoding", lambda: L.CategoryEncoding(6, output_mode="count"), [i(4, 3)]),
        c("Discretization", lambda: L.Discretization(bin_boundaries=[0.0, 1.0]), [f(3)]),
        c("Discretization", lambda: L.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot"), [f(1)]),
        c("Discretization", lambda: L.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot"), [f(3)]),
        c("Discretization", lambda: L.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode="multi_hot"),
          [f(4, 3)]),
        c("Discretization", lambda: L.Discretization(bin_boundaries=[0.0], output_mode="count"), [f()]),
        c("Hashing", lambda: L.Hashing(5), [s(3)]),
        c("Hashing", lambda: L.Hashing(5, output_mode="one_hot"), [i(1)]),
        c("Hashing", lambda: L.Hashing(5, output_mode="multi_hot"), [i(4, 3)]),
        c("HashedCrossing", lambda: L.HashedCrossing(7), [i(1), s(1)]),
        c("HashedCrossing", lambda: L.HashedCrossing(7, output_mode="one_hot"), [i(), i()]),
        c("HashedCrossing", lambda: L.HashedCrossing(7, output_mode="one_hot"), [i(1), i(1)]),
        c("IntegerLookup", lambda: L.IntegerLookup(vocabulary=[3, 5, 7]), [i(4)]),
        c("IntegerLookup", lambda: L.IntegerLookup(vocabulary=[3, 5, 7], output_mode="one_hot"), [i(4)]),
        c("IntegerLookup", lambda: L.IntegerLookup(vocabulary=[3, 5, 7], output_mode="multi_hot",
                                                   num_oov_indices=2), [i(4)]),
        c("StringLookup", lambda: L.StringLookup(vocabulary=VOCAB), [s(4)]),
        c("StringLookup", lambda: L.StringLookup(vocabulary=VOCAB, output_mode="one_hot"), [s(1)]),
        c("StringLookup", lambda: L.StringLookup(vocabulary=VOCAB, output_mode="count", mask_token=""), [s(4)]),
        c("StringLookup", lambda: L.StringLookup(vocabulary=VOCAB, output_mode="tf_idf",
                                                 idf_weights=[1.0, 1.0, 2.0, 2.0]), [s(4)]),
        c("StringLookup", lambda: L.StringLookup(max_tokens=9, vocabulary=VOCAB, output_mode="multi_hot",
                                                 pad_to_max_tokens=True), [s(3, 4)]),
        c("TextVectorization", lambda: L.TextVectorization(vocabulary=VOCAB), [s()]),
        c("TextVectorization", lambda: L.TextVectorization(vocabulary=VOCAB, output_sequence_length=6), [s(1)]),
        c("TextVectorization", lambda: L.TextVectorization(vocabulary=VOCAB, output_mode="multi_hot"), [s()]),
        c("TextVectorization", lambda: L.TextVectorization(vocabulary=VOCAB, output_mode="count"), [s(1)]),
        c("TextVectorization", lambda: L.TextVectorization(vocabulary=VOCAB, output_mode="tf_idf",
                                                          idf_weights=[1.0, 1.0, 2.0, 2.0]), [s()]),
        c("TextVectorization", lambda: L.TextVectorization(max_tokens=10, vocabulary=VOCAB, split=None,
                                                          output_mode="multi_hot", pad_to_max_tokens=True),
          [s(3)]),
        c("TextVectorization", lambda: L.TextVectorization(vocabulary=VOCAB, split=None, output_mode="one_hot"),
          [s(1)]),
        # Audio ----------------------------------------------------------------------------------
        c("MelSpectrogram", lambda: L.MelSpectrogram(fft_length=64, sequence_stride=16, sequence_length=32,
                                                     num_mel_bins=8), [f(100)]),
        c("STFTSpectrogram", lambda: L.STFTSpectrogram(frame_length=16, frame_step=4, fft_length=16),
          [f(100, 1)]),
        c("STFTSpectrogram", lambda: L.STFTSpectrogram(mode="stft", frame_length=16, frame_step=4,
                                                       padding="same", expand_dims=True), [f(100, 2)]),
        c("STFTSpectrogram", lambda: L.STFTSpectrogram(mode="angle", frame_length=8, frame_step=3,
                                                       data_format="channels_first"), [f(2, None)]),
        # Images -----------------------------------------------------------------------------------
        c("Resizing", lambda: L.Resizing(5, 7), [f(9, 8, 3)]),
        c("Resizing", lambda: L.Resizing(5, 7, crop_to_aspect_ratio=True, data_format="channels_first"),
          [f(3, 9, 8)]),
        c("CenterCrop", lambda: L.CenterCrop(4, 5), [f(9, 8, 3)]),
        c("CenterCrop", lambda: L.CenterCrop(4, 5, data_format="channels_first"), [f(3, 9, 8)]),
        c("RandomCrop", lambda: L.RandomCrop(4, 5), [f(9, 8, 3)]),
        c("RandomCrop", lambda: L.RandomCrop(4, 5, data_format="channels_first"), [f(3, 9, 8)]),
        c("MaxNumBoundingBoxes", lambda: L.MaxNumBoundingBoxes(3), [f(9, 8, 3)]),
        *[c(kind, make, [f(8, 8, 3)]) for kind, make in IMAGE_LAYERS.items()],
        c("RandomFlip", lambda: L.RandomFlip(data_format="channels_first"), [f(3, 8, 8)]),
        c("Pipeline", lambda: L.Pipeline([L.Dense(4, name="dense"), L.Dropout(0.1, name="drop")]), [f(5, 3)]),
        c("Pipeline", lambda: L.Pipeline([L.Resizing(6, 6, name="resize"), L.RandomFlip(name="flip"),
                                                  L.CenterCrop(4, 5, name="crop")]), [f(9, 8, 3)]),
        c("InputLayer", None, [f(5, 3)]),
    ]
    return [pytest.param(case, marks=needs_tensorflow(True)) if case.kind in TENSORFLOW_ONLY else case
            for case in table]


IMAGE_LAYERS: Dict[str, Callable[[], Any]] = {
    "AugMix": lambda: L.AugMix(),
    "AutoContrast": lambda: L.AutoContrast(),
    "ContrastLimitedAdaptiveHistogramEqualization": lambda: L.ContrastLimitedAdaptiveHistogramEqualization(
        value_range=(0, 255)),
    "CutMix": lambda: L.CutMix(),
    "MixUp": lambda: L.MixUp(),
    "RandAugment": lambda: L.RandAugment(),
    "RandomBrightness": lambda: L.RandomBrightness(0.2),
    "RandomColorDegeneration": lambda: L.RandomColorDegeneration(0.2),
    "RandomColorJitter": lambda: L.RandomColorJitter(brightness_factor=0.2),
    "RandomContrast": lambda: L.RandomContrast(0.2),
    "RandomElasticTransform": lambda: L.RandomElasticTransform(),
    "RandomErasing": lambda: L.RandomErasing(),
    "RandomFlip": lambda: L.RandomFlip(),
    "RandomGaussianBlur": lambda: L.RandomGaussianBlur(),
    "RandomGrayscale": lambda: L.RandomGrayscale(),
    "RandomHue": lambda: L.RandomHue(0.2, value_range=(0, 255)),
    "RandomInvert": lambda: L.RandomInvert(),
    "RandomPerspective": lambda: L.RandomPerspective(),
    "RandomPosterization": lambda: L.RandomPosterization(4),
    "RandomRotation": lambda: L.RandomRotation(0.1),
    "RandomSaturation": lambda: L.RandomSaturation(0.2),
    "RandomSharpness": lambda: L.RandomSharpness(0.2),
    "RandomShear": lambda: L.RandomShear(0.1),
    "RandomTranslation": lambda: L.RandomTranslation(0.1, 0.1),
    "RandomZoom": lambda: L.RandomZoom(0.1),
    "Solarization": lambda: L.Solarization(0.5),
}

EXCLUDED: Dict[str, str] = {
    "Layer": "the abstract base of all layers; a subclass is a custom layer",
    "Wrapper": "an abstract base (Bidirectional, TimeDistributed and SpectralNormalization are covered)",
    "InputSpec": "not a layer: the input constraints a layer declares",
    "FlaxLayer": "wraps a Flax module, only on the JAX backend; its shapes come from running the module",
    "JaxLayer": "wraps a JAX function, only on the JAX backend; its shapes come from running the function",
    "TorchModuleWrapper": "wraps a torch module, only on the torch backend",
    "TFSMLayer": "wraps a TensorFlow SavedModel, which a .keras file does not hold (and cannot be saved)",
    "SimpleRNNCell": "a cell is called inside an RNN layer (covered by RNN), not as a node of a model",
    "GRUCell": "a cell is called inside an RNN layer (covered by RNN), not as a node of a model",
    "LSTMCell": "a cell is called inside an RNN layer (covered by RNN), not as a node of a model",
    "StackedRNNCells": "a cell is called inside an RNN layer (covered by RNN), not as a node of a model",
    "Equalization": "its compute_output_spec returns the input tensor itself, so Keras cannot build a model "
                    "through it (a cycle; see test_equalization_cannot_be_a_node); its rule keeps the shape",
}

CASES = cases()


def case_of(param: Any) -> Case:
    return param.values[0] if hasattr(param, "values") else param


def case_id(param: Any) -> str:
    return case_of(param).kind


def public_layer_classes() -> Dict[str, type]:
    """keras.layers' public classes, aliases (Conv1D, Convolution1D) once, by class name."""
    found: Dict[str, type] = {}
    for name in dir(keras.layers):
        value = getattr(keras.layers, name)
        if pyinspect.isclass(value):
            found[value.__name__] = value
    return found


def build(case: Case) -> Any:
    inputs = [keras.Input(shape=shape, dtype=dtype, name=f"x{n}") for n, (shape, dtype) in enumerate(case.inputs)]
    if case.make is None:
        return keras.Model(inputs[0], inputs[0], name="only_input")
    layer = _named(case.make(), "layer")
    assert type(layer).__name__ == case.kind
    if case.call is not None:
        out = case.call(layer, inputs)
    else:
        out = layer(inputs[0] if len(inputs) == 1 else inputs)
    return keras.Model(inputs, out, name="one_layer")


def _named(layer: Any, name: str) -> Any:
    """The layer, named before its first call (shorter than a name in every factory)."""
    layer.name = name
    return layer


def assert_reads_as_live(model: Any, folder: Path) -> None:
    path = folder / "m.keras"
    model.save(path)
    live = inspect(model)
    assert read_saved(path).to_dict() == live.to_dict()
    assert read_saved(path) == live
    assert read_config_json(model.to_json()) == live


@pytest.mark.parametrize("case", CASES, ids=[case_id(p) for p in CASES])
def test_layer_as_model_output_reads_as_live(case: Case, tmp_path: Path) -> None:
    model = build(case)
    kinds = {SAVED_NAMES.get(k, k) for k in (layer["class_name"] for layer in
                                             json.loads(model.to_json())["config"]["layers"])}
    assert kinds - {"InputLayer"} <= set(LAYER_RULES) | HANDLED_ELSEWHERE
    assert_reads_as_live(model, tmp_path)


LAYER_RULES = {name: row.shape for name, row in LAYERS.items() if row.shape is not None}
"""The classes with a rule of their own."""

HANDLED_ELSEWHERE = {name for name, row in LAYERS.items() if row.recurrent or row.wraps or row.states}
"""Layers whose shapes follow from the table's other columns: recurrent layers, wrappers, cells."""


def sequence_cases() -> List[Any]:
    """The cases whose one input is a float sequence (batch, T, features): masks can reach them."""
    out = []
    for param in CASES:
        case = case_of(param)
        if case.make is None or case.call is not None or len(case.inputs) != 1:
            continue
        shape, dtype = case.inputs[0]
        if dtype == "float32" and len(shape) == 2:
            out.append(param)
    return out


SEQUENCE_CASES = sequence_cases()


@pytest.mark.parametrize("case", SEQUENCE_CASES, ids=[case_id(p) for p in SEQUENCE_CASES])
def test_masks_through_the_layer_in_a_sequential_read_as_live(case: Case, tmp_path: Path) -> None:
    (steps, features), _ = case.inputs[0]
    stack = [keras.Input(shape=(steps, features), name="x"), L.Masking(name="masking"),
             _named(case.make(), "layer")]
    probe = keras.Sequential(stack, name="probe")
    shape = probe.outputs[0].shape
    if len(shape) == 3 and shape[-1] is not None:
        stack.append(L.LSTM(2, name="lstm"))
    model = keras.Sequential(stack, name="masked")
    assert_reads_as_live(model, tmp_path)


def test_every_public_layer_class_is_covered_or_excluded() -> None:
    covered = {case_of(p).kind for p in CASES}
    public = set(public_layer_classes())
    assert not covered - public, "cases name classes keras.layers does not have"
    assert not set(EXCLUDED) & covered
    missing = public - covered - set(EXCLUDED)
    assert not missing, f"public layer classes with neither a case nor an exclusion: {sorted(missing)}"
    assert not set(EXCLUDED) - public, "excluded classes that keras.layers no longer has"


def test_equalization_cannot_be_a_node() -> None:
    """Excluded above: Keras refuses the model (if it stops, Equalization needs a case)."""
    x = keras.Input(shape=(8, 8, 3), name="x")
    with pytest.raises(ValueError, match="cycle"):
        keras.Model(x, L.Equalization(name="layer")(x))
    assert LAYER_RULES["Equalization"](*rule_call({}, [(None, 8, 8, 3)])) == ((None, 8, 8, 3),)


def rule_call(config: Dict[str, Any], shapes: List[Tuple[Optional[int], ...]]) -> Any:
    return Cfg(config, "config"), CallShapes(tuple(shapes))


def test_mask_tables_agree_with_keras() -> None:
    """The reader's mask tables say what each layer's code does: a call with a ``mask`` parameter
    is given its input's mask (``takes_mask``), a layer that supports masking without its own
    compute_mask passes the mask on ("pass"), and one that does not support masking drops it."""
    from keras.src.layers.layer import Layer

    checked = set()
    for param in CASES:
        case = case_of(param)
        if case.make is None or (case.kind in TENSORFLOW_ONLY and not has_tensorflow()):
            continue
        layer = case.make()
        kind = type(layer).__name__
        takes_mask = "mask" in pyinspect.signature(type(layer).call).parameters
        assert LAYERS[kind].takes_mask == takes_mask, kind
        own_rule = type(layer).compute_mask is not Layer.compute_mask
        behaviour = LAYERS[kind].mask
        if layer.supports_masking and not own_rule:
            assert behaviour == "pass", kind
        elif behaviour in ("tokens", "values"):  # Embedding (if mask_zero) and Masking make masks
            assert own_rule, kind
        elif not layer.supports_masking:
            assert behaviour is None, kind
        else:
            assert behaviour != "pass", kind
        checked.add(kind)
    assert {n for n, row in LAYERS.items() if row.mask or row.takes_mask} <= checked


# A file is untrusted input: a rule given any config and shapes raises SourceError or
# Unsupported, never another exception.


SETTINGS = ("units", "output_dim", "input_dim", "kernel_size", "strides", "dilation_rate", "padding",
            "data_format", "filters", "depth_multiplier", "pool_size", "keepdims", "target_shape", "dims", "n",
            "cropping", "size", "axis", "output_shape", "output_padding", "output_size", "equation", "axes",
            "num_tokens", "output_mode", "bin_boundaries", "num_bins", "pad_to_max_tokens", "max_tokens",
            "vocabulary_size", "output_sequence_length", "split", "height", "width", "num_mel_bins",
            "sequence_stride", "frame_length", "frame_step", "fft_length", "mode", "expand_dims", "layer",
            "layers")
WORDS = ("valid", "same", "causal", "channels_first", "channels_last", "int", "one_hot", "multi_hot",
         "count", "tf_idf", "stft", "ab,bc->ac", "...b,bc->...c", "ab...,bc->ac...", "0a,b->", "x")
scalars = (st.none() | st.booleans() | st.integers(-3, 12) | st.sampled_from(WORDS)
           | st.floats(allow_nan=False, width=16))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=8)
dims = st.none() | st.integers(0, 9)
shapes = st.lists(dims, max_size=5).map(tuple)


def inner_layers(kinds: List[str]) -> Any:
    entry = st.fixed_dictionaries({"module": st.just("keras.layers"), "class_name": st.sampled_from(kinds),
                                   "config": st.dictionaries(st.sampled_from(SETTINGS), json_values,
                                                             max_size=6)})
    return entry | st.lists(entry, max_size=3) | json_values


@settings(max_examples=int(__import__("os").environ.get("FUZZ_N", "200")))
@given(st.data())
def test_layer_rules_raise_only_clear_errors(data: Any) -> None:
    kind = data.draw(st.sampled_from(sorted(LAYER_RULES)))
    config = data.draw(st.dictionaries(st.sampled_from(SETTINGS), json_values, max_size=8))
    if data.draw(st.booleans()):
        config["layer" if kind == "SpectralNormalization" else "layers"] = data.draw(
            inner_layers(sorted(LAYER_RULES)))
    call = CallShapes(data.draw(st.lists(shapes, max_size=3).map(tuple)),
                      data.draw(st.dictionaries(st.just("query"), st.lists(shapes, max_size=2).map(tuple))),
                      data.draw(st.dictionaries(st.sampled_from(["reverse", "return_attention_scores"]),
                                                st.booleans())))
    try:
        out = LAYER_RULES[kind](Cfg(config, "config"), call)
    except (SourceError, Unsupported):
        return
    assert isinstance(out, tuple) and all(
        isinstance(s, tuple) and all(d is None or isinstance(d, int) for d in s) for s in out)
