"""Stage 0, the one table of Keras layer knowledge, read by the live reader and the file reader.

For each Keras class: how it is drawn (its role), which of its settings are printed, its
recurrent kind and states, its output-shape rule (a saved file holds no output shapes)
and how it passes masks on. A layer finds its row through its class's MRO, so a user's
subclass of ``LSTM`` is an LSTM; a class with no row in its MRO (a custom layer) is drawn
by the rank of its tensors.

Adding a Keras class means adding its row here (and its tests).
"""

from __future__ import annotations

from typing import Callable, Dict, Iterable, Optional, Tuple

from .._records import frozen
from ..spec import Steps
from .rules import core, preprocessing
from .rules.base import Rule

# Roles a row can give (see ``role``): the spec's roles follow from them and the ranks.
MERGE = "merge"            # joins several tensors
PER_STEP = "per_step"      # acts on each step alone when given a sequence (rank >= 3)
TOKENS = "tokens"          # per step from rank 2 on: token ids in, one vector per token out
SEQUENCE = "sequence"      # sees the whole time axis when any of its tensors is a sequence
RECURRENT = "recurrent"    # has a RecurrentSpec
WRAPPER = "wrapper"        # TimeDistributed: its inner layer runs on each step
INPUT = "input"

# How a layer drawn over a sequence meets its steps, where its role does not say it (see
# ``steps``); the spec's ``steps`` carries it.
PER_QUERY_STEP: Steps = "per_query_step"  # step t of its first input (the query) reads every step of the others
WHOLE_SEQUENCE: Steps = "whole_sequence"  # a merge that contracts its inputs' steps rather than join them step by step

# How a layer's output mask follows from its input mask (``Layer.compute_mask`` and its
# overrides); a row without one drops the mask. TOKENS_MASK masks the steps whose token is 0
# (``mask_zero``), VALUES_MASK those whose every feature is ``mask_value``.
PASS, RNN, BIDIRECTIONAL, NEW, SAME_MASKS, CONCAT = "pass", "rnn", "bidirectional", "new", "merge", "concat"
TOKENS_MASK, VALUES_MASK = "tokens", "values"

ACTIVATIONS = ("activation", "recurrent_activation")
"""Settings that hold an activation, printed by its name."""

SUMMARY_KEYS: Tuple[str, ...] = (
    "units", "filters", "kernel_size", "strides", "padding", "activation",
    "recurrent_activation", "rate", "pool_size", "input_dim", "output_dim", "mask_zero", "n",
    "target_shape", "dims", "axis", "axes", "num_heads", "key_dim", "mask_value", "merge_mode",
)
"""The settings printed on a diagram, in the order they are printed: those of them that
a layer's config has."""


@frozen
class Recurrent:
    """What makes a layer class recurrent.

    ``kind`` names it in the spec (``RNN`` for the generic layer over any cell, whose
    cells come from its ``cell`` setting); ``cell`` is the class of its built-in cell;
    ``conv`` is the spatial rank of a ConvLSTM (0 for the others): its states have the
    shape of a step's output and its size is its ``filters``.
    """

    kind: str
    cell: Optional[str] = None
    conv: int = 0


@frozen
class Gates:
    """How a built-in cell computes one step, as Keras writes it.

    ``figure`` names the drawing the gate view makes of it (``simple_rnn``, ``gru``,
    ``lstm``); ``order`` lists its gates in the order Keras stores their blocks along the
    last axis of ``kernel``, ``recurrent_kernel`` and ``bias`` (``g`` is the LSTM's
    candidate, which Keras's code calls ``c``; a GRU's candidate is ``h``). ``two_biases``
    names the setting that gives the bias a second row, of recurrent biases (a GRU's
    ``reset_after``); ``forget_bias`` the setting that starts the forget gate's bias at 1
    (``unit_forget_bias``). A spatial cell (ConvLSTM's) convolves where the others multiply,
    so its kernels are ``kernel_size + (channels, n * filters)``.
    """

    figure: str
    order: Tuple[str, ...]
    two_biases: Optional[str] = None
    forget_bias: Optional[str] = None


@frozen
class LayerKind:
    """One row of the table: a Keras class and what rnndiagram knows of it.

    ``mask`` says how the output mask follows from the input mask, and ``takes_mask``
    whether ``call`` has a ``mask`` argument (Keras then passes it the input's mask).
    ``wraps`` names how a wrapper's shapes follow from the layers it holds: ``step`` (its
    ``layer`` on each step: TimeDistributed), ``same`` (its ``layer``'s) or ``chain`` (its
    ``layers`` one after the other); ``cells`` marks a stack of recurrent cells.
    ``attributes`` lists, for the class itself (not a subclass), the printed settings, each
    of which is also an attribute of the same name: reading those is much faster than
    ``get_config()``. ``states`` names the states of a recurrent cell class, and
    ``spatial`` marks a cell whose states have the shape of a step's output (ConvLSTM's).
    ``saved_as`` is the class name a saved file uses, where it is not the class's own (an
    exported alias). ``cell_of`` is, for a cell class, the recurrent kind it is drawn as
    when called directly (``LSTM`` for ``LSTMCell``; a ConvLSTM's rank follows from its input).
    ``gates`` describes a built-in cell's step and weights. ``steps`` says how a layer drawn
    over a sequence meets its steps where its role does not: ``per_query_step`` (attention)
    or ``whole_sequence`` (``Dot``, a merge that does not join its inputs step by step).
    """

    name: str
    role: Optional[str] = None
    shape: Optional[Rule] = None
    mask: Optional[str] = None
    takes_mask: bool = False
    recurrent: Optional[Recurrent] = None
    states: Tuple[str, ...] = ()
    spatial: bool = False
    attributes: Optional[Tuple[str, ...]] = None
    wraps: Optional[str] = None
    saved_as: Optional[str] = None
    cell_of: Optional[str] = None
    gates: Optional[Gates] = None
    steps: Optional[Steps] = None


def _rows(names: Iterable[str], role: Optional[str], shape: Optional[Rule], mask: Optional[str] = None,
          ) -> Tuple[LayerKind, ...]:
    return tuple(LayerKind(name, role, shape, mask) for name in names)


def _recurrent(name: str, cell: Optional[str] = None, conv: int = 0,
               attributes: Optional[Tuple[str, ...]] = None) -> LayerKind:
    return LayerKind(name, RECURRENT, mask=RNN, takes_mask=True, recurrent=Recurrent(name, cell, conv),
                     attributes=attributes)


def _ranks(pattern: str, role: Optional[str], rule: Callable[[int], Rule]) -> Tuple[LayerKind, ...]:
    """One row for each of the 1D, 2D and 3D classes of a family (``Cropping{}D``)."""
    return tuple(LayerKind(pattern.format(r), role, rule(r)) for r in (1, 2, 3))


_CONV = ("filters", "kernel_size", "strides", "padding", "activation")

# Image augmentations and adjustments: the shape of their input, no mask.
_IMAGE_SAME = (
    "AugMix", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "CutMix", "Equalization",
    "MaxNumBoundingBoxes", "MixUp", "RandAugment", "RandomBrightness", "RandomColorDegeneration",
    "RandomColorJitter", "RandomContrast", "RandomElasticTransform", "RandomErasing", "RandomFlip",
    "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert", "RandomPerspective",
    "RandomPosterization", "RandomRotation", "RandomSaturation", "RandomSharpness", "RandomShear",
    "RandomTranslation", "RandomZoom", "Solarization")

_ROWS: Tuple[LayerKind, ...] = (
    LayerKind("InputLayer", INPUT),
    # Recurrent layers and their cells.
    _recurrent("SimpleRNN", "SimpleRNNCell", attributes=("units", "activation")),
    _recurrent("GRU", "GRUCell", attributes=("units", "activation", "recurrent_activation")),
    _recurrent("LSTM", "LSTMCell", attributes=("units", "activation", "recurrent_activation")),
    *(_recurrent(f"ConvLSTM{r}D", "ConvLSTMCell", conv=r, attributes=_CONV + ("recurrent_activation",))
      for r in (1, 2, 3)),
    _recurrent("RNN"),
    # Keras 2's CuDNN layers, read from Keras 2 files: an LSTM and a GRU whose activations
    # are fixed (tanh, sigmoid), which the translation of their config states. They refuse
    # a mask ("Masking is not supported for CuDNN RNNs"), so none reaches them or leaves.
    LayerKind("CuDNNLSTM", RECURRENT, recurrent=Recurrent("LSTM", "LSTMCell")),
    LayerKind("CuDNNGRU", RECURRENT, recurrent=Recurrent("GRU", "GRUCell")),
    LayerKind("Bidirectional", RECURRENT, mask=BIDIRECTIONAL, takes_mask=True,
              recurrent=Recurrent("Bidirectional"), attributes=("merge_mode",)),
    LayerKind("SimpleRNNCell", states=("h",), cell_of="SimpleRNN", gates=Gates("simple_rnn", ("h",))),
    LayerKind("GRUCell", states=("h",), cell_of="GRU", gates=Gates("gru", ("z", "r", "h"), two_biases="reset_after")),
    LayerKind("LSTMCell", states=("h", "c"), cell_of="LSTM",
              gates=Gates("lstm", ("i", "f", "g", "o"), forget_bias="unit_forget_bias")),
    LayerKind("ConvLSTMCell", states=("h", "c"), spatial=True, cell_of="ConvLSTM",
              gates=Gates("lstm", ("i", "f", "g", "o"), forget_bias="unit_forget_bias")),
    LayerKind("StackedRNNCells", wraps="cells"),
    # Wrappers.
    LayerKind("TimeDistributed", WRAPPER, mask=PASS, takes_mask=True, attributes=(), wraps="step"),
    LayerKind("SpectralNormalization", wraps="same"),
    LayerKind("Pipeline", takes_mask=True, wraps="chain"),
    # Per step.
    LayerKind("Dense", PER_STEP, core.dense, PASS, attributes=("units", "activation")),
    LayerKind("EinsumDense", PER_STEP, core.einsum_dense),
    LayerKind("Embedding", TOKENS, core.embedding, TOKENS_MASK,
              attributes=("input_dim", "output_dim", "mask_zero")),
    LayerKind("ReversibleEmbedding", TOKENS, core.reversible_embedding, TOKENS_MASK),
    LayerKind("Masking", PER_STEP, core.same, VALUES_MASK),
    LayerKind("BatchNormalization", PER_STEP, core.same, PASS, takes_mask=True),
    LayerKind("Softmax", PER_STEP, core.same, PASS, takes_mask=True),
    LayerKind("RMSNormalization", PER_STEP, core.same),
    # The spatial dropouts subclass Dropout, so a live one is drawn per step too.
    *_rows(("Activation", "Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout",
            "ActivityRegularization", "LayerNormalization", "UnitNormalization", "GroupNormalization",
            "ReLU", "LeakyReLU", "PReLU", "ELU", "Rescaling", "SpatialDropout1D", "SpatialDropout2D",
            "SpatialDropout3D", "Identity", "Normalization"), PER_STEP, core.same, PASS),
    LayerKind("Lambda", shape=core.lambda_layer, takes_mask=True),
    # The whole sequence at once.
    LayerKind("Conv1D", SEQUENCE, core.conv(1), attributes=_CONV),
    LayerKind("Conv2D", SEQUENCE, core.conv(2), attributes=_CONV),
    LayerKind("Conv3D", SEQUENCE, core.conv(3)),
    *_ranks("Conv{}DTranspose", SEQUENCE, core.conv_transpose),
    LayerKind("SeparableConv1D", SEQUENCE, core.conv(1)),
    LayerKind("SeparableConv2D", SEQUENCE, core.conv(2)),
    LayerKind("DepthwiseConv1D", SEQUENCE, core.conv(1, depthwise=True)),
    LayerKind("DepthwiseConv2D", SEQUENCE, core.conv(2, depthwise=True)),
    *_ranks("MaxPooling{}D", SEQUENCE, core.pool),
    *_ranks("AveragePooling{}D", SEQUENCE, core.pool),
    *_ranks("GlobalMaxPooling{}D", SEQUENCE, core.global_pool),
    LayerKind("GlobalAveragePooling1D", SEQUENCE, core.global_pool(1), takes_mask=True),
    LayerKind("GlobalAveragePooling2D", SEQUENCE, core.global_pool(2)),
    LayerKind("GlobalAveragePooling3D", SEQUENCE, core.global_pool(3)),
    *_ranks("AdaptiveMaxPooling{}D", SEQUENCE, core.adaptive_pool),
    *_ranks("AdaptiveAveragePooling{}D", SEQUENCE, core.adaptive_pool),
    LayerKind("Flatten", SEQUENCE, core.flatten),
    LayerKind("Reshape", SEQUENCE, core.reshape),
    LayerKind("Permute", SEQUENCE, core.permute),
    LayerKind("RepeatVector", SEQUENCE, core.repeat_vector),
    LayerKind("Cropping1D", SEQUENCE, core.cropping(1, data_format=False)),
    LayerKind("Cropping2D", SEQUENCE, core.cropping(2)),
    LayerKind("Cropping3D", SEQUENCE, core.cropping(3)),
    *_ranks("ZeroPadding{}D", SEQUENCE, core.zero_padding),
    *_ranks("UpSampling{}D", SEQUENCE, core.up_sampling),
    # Attention: drawn per query step when its output keeps the query's steps.
    LayerKind("Attention", SEQUENCE, core.attention, NEW, takes_mask=True, steps=PER_QUERY_STEP),
    LayerKind("AdditiveAttention", SEQUENCE, core.attention, NEW, takes_mask=True, steps=PER_QUERY_STEP),
    LayerKind("MultiHeadAttention", SEQUENCE, core.multi_head_attention, PASS, steps=PER_QUERY_STEP),
    LayerKind("GroupedQueryAttention", SEQUENCE, core.grouped_query_attention, PASS,
              saved_as="GroupQueryAttention", steps=PER_QUERY_STEP),
    # Merges.
    *_rows(("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"), MERGE, core.elementwise,
           SAME_MASKS),
    LayerKind("Concatenate", MERGE, core.concatenate, CONCAT),
    LayerKind("Dot", MERGE, core.dot, steps=WHOLE_SEQUENCE),
    # Preprocessing: text, lookups, hashing, images, audio.
    LayerKind("TextVectorization", shape=preprocessing.text_vectorization),
    LayerKind("StringLookup", shape=preprocessing.lookup),
    LayerKind("IntegerLookup", shape=preprocessing.lookup),
    LayerKind("Hashing", shape=preprocessing.hashing),
    LayerKind("HashedCrossing", shape=preprocessing.hashed_crossing),
    LayerKind("CategoryEncoding", shape=preprocessing.category_encoding),
    LayerKind("Discretization", shape=preprocessing.discretization),
    LayerKind("Resizing", shape=preprocessing.resize("Resizing")),
    LayerKind("CenterCrop", shape=preprocessing.resize("CenterCrop")),
    LayerKind("RandomCrop", shape=preprocessing.random_crop),
    *_rows(_IMAGE_SAME, None, core.same),
    LayerKind("MelSpectrogram", shape=preprocessing.mel_spectrogram),
    LayerKind("STFTSpectrogram", shape=preprocessing.stft_spectrogram),
)

LAYERS: Dict[str, LayerKind] = {row.name: row for row in _ROWS}
"""Every row by class name; a later row of the same name would replace an earlier one."""

SAVED_NAMES: Dict[str, str] = {row.saved_as: row.name for row in _ROWS if row.saved_as}
"""The class a saved file's ``class_name`` means, where the two differ."""

def kind_named(class_name: str) -> Optional[LayerKind]:
    """The row of a class by its name alone (as a spec or a saved file gives it)."""
    return LAYERS.get(SAVED_NAMES.get(class_name, class_name))


def kind_of(mro: Iterable[str]) -> Optional[LayerKind]:
    """The row of the first class in ``mro`` (a class and its bases, most specific first)
    that has one."""
    for name in mro:
        row = LAYERS.get(name)
        if row is not None:
            return row
    return None


def state_names(count: int) -> Tuple[str, ...]:
    """Names of a custom cell's states: ``h``, then ``c``; ``s0, s1, ...`` past two."""
    if count == 1:
        return ("h",)
    if count == 2:
        return ("h", "c")
    return tuple(f"s{i}" for i in range(count))
