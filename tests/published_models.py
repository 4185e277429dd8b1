"""Published recurrent architectures, rebuilt in Keras 3 to test rnndiagram on real models.

Each builder returns a freshly built model whose STRUCTURE follows the cited source: the
same layers, wiring, shared layers, states, Python loops, masks and ops. Sizes are shrunk
(vocabularies, units, filters, image sizes, sequence lengths) so that every model builds
in well under a second; each docstring says where the model comes from and what changed.

Every layer and model is named explicitly, and so is every raw op: Keras's automatic
names come from global counters and would make the specs depend on what was built
before. No layer takes the bare name of an op (``concatenate``, ``add``...): the ops
Keras inserts to compute masks keep automatic names, and the first one built in a
process would collide with it. An op is therefore created from its operation class with a name (for example
``ExpandDims(axis=1, name=...)(x)``); ``keras.ops.expand_dims(x, 1)`` builds exactly the
same node under an automatic name.

``MODELS`` maps a model's name to its builder.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

import keras
import numpy as np
from keras import layers
from keras.src.ops import nn as nn_ops
from keras.src.ops import numpy as numpy_ops

from keras_compat import named_op

SoftmaxOp, OneHot = named_op(nn_ops.Softmax), named_op(nn_ops.OneHot)
Argmax = named_op(numpy_ops.Argmax)
Add, ExpandDims, GetItem, Matmul, Multiply, Reshape, Squeeze, Stack, Sum, Tanh, Transpose = (
    named_op(getattr(numpy_ops, n)) for n in (
        "Add", "ExpandDims", "GetItem", "Matmul", "Multiply", "Reshape", "Squeeze", "Stack", "Sum", "Tanh",
        "Transpose"))

PACKAGE = "published_models"
"""Package under which the custom layers of this module are registered for saving."""


# -- custom layers used by the published code --------------------------------------------


@keras.saving.register_keras_serializable(package=PACKAGE)
class CTCLayer(layers.Layer):
    """The "endpoint" layer of the keras-io captcha OCR example: adds the CTC loss of the
    labels against the predictions and passes the predictions through."""

    def call(self, y_true: Any, y_pred: Any) -> Any:
        ops = keras.ops
        batch = ops.shape(y_true)[0]
        input_length = ops.shape(y_pred)[1] * ops.ones((batch,), dtype="int32")
        label_length = ops.shape(y_true)[1] * ops.ones((batch,), dtype="int32")
        loss = ops.ctc_loss(ops.cast(y_true, "int32"), y_pred, label_length, input_length)
        self.add_loss(ops.mean(loss))
        return y_pred


@keras.saving.register_keras_serializable(package=PACKAGE)
class AttLayer(layers.Layer):
    """The attention pooling of richliao/textClassifier's HAN: ``u = tanh(xW + b)``,
    ``a = softmax(u·u_w)`` over time (masked steps left out), output ``sum_t a_t x_t``."""

    def __init__(self, attention_dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.attention_dim = attention_dim

    def build(self, input_shape: Any) -> None:
        normal = keras.initializers.RandomNormal()
        self.W = self.add_weight(shape=(input_shape[-1], self.attention_dim), initializer=normal, name="W")
        self.b = self.add_weight(shape=(self.attention_dim,), initializer=normal, name="b")
        self.u = self.add_weight(shape=(self.attention_dim, 1), initializer=normal, name="u")

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None

    def call(self, x: Any, mask: Any = None) -> Any:
        ops = keras.ops
        uit = ops.tanh(ops.matmul(x, self.W) + self.b)
        ait = ops.exp(ops.squeeze(ops.matmul(uit, self.u), -1))
        if mask is not None:
            ait = ait * ops.cast(mask, ait.dtype)
        ait = ait / (ops.sum(ait, axis=1, keepdims=True) + keras.config.epsilon())
        return ops.sum(x * ops.expand_dims(ait, -1), axis=1)

    def compute_output_shape(self, input_shape: Any) -> Any:
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "attention_dim": self.attention_dim}


@keras.saving.register_keras_serializable(package=PACKAGE)
class AttentionWeightedAverage(layers.Layer):
    """DeepMoji's attention pooling (bfelbo/DeepMoji, ``deepmoji/attlayer.py``): one weight
    per channel scores each step, ``softmax`` over the steps (masked ones weigh nothing),
    the weighted sum of the steps; with ``return_attention`` also the weights themselves,
    a second output."""

    def __init__(self, return_attention: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.return_attention = return_attention

    def build(self, input_shape: Any) -> None:
        self.W = self.add_weight(shape=(input_shape[2], 1), initializer="uniform", name="W")

    def call(self, x: Any, mask: Any = None) -> Any:
        ops = keras.ops
        logits = ops.squeeze(ops.matmul(x, self.W), -1)
        ai = ops.exp(logits - ops.max(logits, axis=-1, keepdims=True))
        if mask is not None:
            ai = ai * ops.cast(mask, ai.dtype)
        weights = ai / (ops.sum(ai, axis=1, keepdims=True) + keras.config.epsilon())
        result = ops.sum(x * ops.expand_dims(weights, -1), axis=1)
        return [result, weights] if self.return_attention else result

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.return_attention:
            return [(input_shape[0], input_shape[2]), (input_shape[0], input_shape[1])]
        return (input_shape[0], input_shape[2])

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return [None, None] if self.return_attention else None

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "return_attention": self.return_attention}


@keras.saving.register_keras_serializable(package=PACKAGE)
class MinimalRNNCell(layers.Layer):
    """The custom cell of the keras.layers.RNN API documentation: ``h = x W + h' U``."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape: Any) -> None:
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform",
                                      name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")

    def call(self, inputs: Any, states: Any) -> Any:
        prev_output = states[0]
        h = keras.ops.matmul(inputs, self.kernel)
        output = h + keras.ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "units": self.units}


# -- keras-io and TensorFlow tutorial classics ---------------------------------------------


TEXT_VOCABULARY = ["the", "movie", "was", "good", "bad", "great", "plot", "acting", "i", "it",
                   "not", "very", "and", "a", "of", "to", "is", "this", "film", "story"]
"""The vocabulary given to TextVectorization (the tutorial adapts it on IMDB reviews)."""


def text_classification_rnn() -> keras.Model:
    """TensorFlow tutorial "Text classification with an RNN", the stacked model.

    Source: https://www.tensorflow.org/text/tutorials/text_classification_rnn
    (``TextVectorization`` encoder, ``Embedding(mask_zero=True)``, two stacked
    ``Bidirectional(LSTM)``, ``Dense(relu)``, ``Dropout``, ``Dense(1)``).
    Changed: a fixed 20-word vocabulary instead of ``adapt()`` on IMDB, embedding and
    LSTM sizes 64/64/32/64 shrunk to 8/8/4/8; the raw-string input is ``(batch, 1)``.
    """
    encoder = layers.TextVectorization(max_tokens=1000, vocabulary=TEXT_VOCABULARY, name="text_vectorization")
    return keras.Sequential([
        keras.Input(shape=(1,), dtype="string", name="text"),
        encoder,
        layers.Embedding(input_dim=len(encoder.get_vocabulary()), output_dim=8, mask_zero=True,
                         name="embedding"),
        layers.Bidirectional(layers.LSTM(8, return_sequences=True, name="lstm"), name="bidirectional"),
        layers.Bidirectional(layers.LSTM(4, name="lstm_1"), name="bidirectional_1"),
        layers.Dense(8, activation="relu", name="dense"),
        layers.Dropout(0.5, name="dropout"),
        layers.Dense(1, name="dense_1"),
    ], name="text_classification_rnn")


def char_lstm_text_generation() -> keras.Model:
    """keras-io "Character-level text generation with LSTM".

    Source: https://keras.io/examples/generative/lstm_character_level_text_generation/
    (one-hot characters of a 40-character window, ``LSTM(128)``, ``Dense`` softmax).
    Changed: 12 characters instead of 56, 16 units instead of 128.
    """
    maxlen, chars = 40, 12
    return keras.Sequential([
        keras.Input(shape=(maxlen, chars), name="window"),
        layers.LSTM(16, name="lstm"),
        layers.Dense(chars, activation="softmax", name="next_char"),
    ], name="char_lstm_text_generation")


def _lstm_seq2seq_training(num_encoder_tokens: int = 10, num_decoder_tokens: int = 12,
                           latent_dim: int = 16) -> keras.Model:
    encoder_inputs = keras.Input(shape=(None, num_encoder_tokens), name="encoder_inputs")
    encoder = layers.LSTM(latent_dim, return_state=True, name="encoder_lstm")
    _, state_h, state_c = encoder(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, num_decoder_tokens), name="decoder_inputs")
    decoder_lstm = layers.LSTM(latent_dim, return_sequences=True, return_state=True, name="decoder_lstm")
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=[state_h, state_c])
    decoder_dense = layers.Dense(num_decoder_tokens, activation="softmax", name="decoder_dense")
    outputs = decoder_dense(decoder_outputs)
    return keras.Model([encoder_inputs, decoder_inputs], outputs, name="lstm_seq2seq")


def lstm_seq2seq() -> keras.Model:
    """keras-io "Character-level recurrent sequence-to-sequence model", training model.

    Source: https://keras.io/examples/nlp/lstm_seq2seq/ (an encoder ``LSTM`` with
    ``return_state=True`` whose ``h`` and ``c`` start the decoder ``LSTM``; a ``Dense``
    softmax on every decoder step).
    Changed: 10/12 one-hot tokens instead of 71/93, latent_dim 16 instead of 256.
    """
    return _lstm_seq2seq_training()


def lstm_seq2seq_encoder() -> keras.Model:
    """keras-io lstm_seq2seq, the inference encoder: a model whose outputs are the
    encoder LSTM's two final states ``[state_h, state_c]``.

    Source: https://keras.io/examples/nlp/lstm_seq2seq/ ("Run inference (sampling)":
    ``encoder_model = keras.Model(encoder_inputs, encoder_states)``).
    Changed: built from the layers of a freshly built training model instead of a
    reloaded ``s2s_model.keras``; sizes as in :func:`lstm_seq2seq`.
    """
    training = _lstm_seq2seq_training()
    encoder_inputs = training.input[0]
    _, state_h_enc, state_c_enc = training.get_layer("encoder_lstm").output
    return keras.Model(encoder_inputs, [state_h_enc, state_c_enc], name="lstm_seq2seq_encoder")


def lstm_seq2seq_decoder() -> keras.Model:
    """keras-io lstm_seq2seq, the inference decoder: ``h`` and ``c`` are model Inputs
    passed as the decoder LSTM's ``initial_state``, and its new states are outputs.

    Source: https://keras.io/examples/nlp/lstm_seq2seq/ (``decoder_model =
    keras.Model([decoder_inputs] + decoder_states_inputs, [decoder_outputs] +
    decoder_states)``). The decoder LSTM and Dense are the training model's layers, so
    each is called a second time here.
    Changed: built from a freshly built training model instead of a reloaded file;
    sizes as in :func:`lstm_seq2seq`.
    """
    latent_dim = 16
    training = _lstm_seq2seq_training(latent_dim=latent_dim)
    decoder_inputs = training.input[1]
    decoder_state_input_h = keras.Input(shape=(latent_dim,), name="decoder_state_input_h")
    decoder_state_input_c = keras.Input(shape=(latent_dim,), name="decoder_state_input_c")
    decoder_lstm = training.get_layer("decoder_lstm")
    decoder_outputs, state_h_dec, state_c_dec = decoder_lstm(
        decoder_inputs, initial_state=[decoder_state_input_h, decoder_state_input_c])
    decoder_outputs = training.get_layer("decoder_dense")(decoder_outputs)
    return keras.Model([decoder_inputs, decoder_state_input_h, decoder_state_input_c],
                       [decoder_outputs, state_h_dec, state_c_dec], name="lstm_seq2seq_decoder")


def nmt_bahdanau_attention() -> keras.Model:
    """TensorFlow tutorial "Neural machine translation with attention" (2019-2020
    edition, Bahdanau attention), its teacher-forced training step rebuilt functionally.

    Source: the ``nmt_with_attention`` notebook of tensorflow/docs (site/en/tutorials/text,
    published at https://www.tensorflow.org/tutorials/text/nmt_with_attention): an
    ``Encoder`` (Embedding, ``GRU(return_sequences, return_state)``), a
    ``BahdanauAttention`` (``W1``, ``W2``, ``V`` Dense layers; ``expand_dims`` of the
    query, ``tanh`` of a sum, ``softmax`` over time, weighted ``reduce_sum``) and a
    ``Decoder`` (Embedding, ``concat`` of the context and the embedded token, a ``GRU``
    called WITHOUT an initial state as in the tutorial, ``reshape``, ``Dense`` ``fc``),
    called once per target step in ``train_step`` with ``dec_input =
    tf.expand_dims(targ[:, t], 1)`` (teacher forcing).
    Changed: the loop over the target runs inside a functional model (each decoder
    layer is shared by the three steps) and returns the per-step predictions instead of
    accumulating the loss; the first decoder input is ``targ[:, 0]`` (every target
    starts with ``<start>``) instead of a constant batch of start tokens; the encoder's
    zero initial state is left implicit; target length 4, source length 6,
    vocabularies 20/18, sizes 8 instead of 256/1024.
    """
    vocab_inp, vocab_tar, embedding_dim, units = 20, 18, 8, 8
    inp = keras.Input(shape=(6,), dtype="int32", name="inp")
    targ = keras.Input(shape=(4,), dtype="int32", name="targ")
    enc_output, enc_hidden = layers.GRU(units, return_sequences=True, return_state=True,
                                        recurrent_initializer="glorot_uniform", name="encoder_gru")(
        layers.Embedding(vocab_inp, embedding_dim, name="encoder_embedding")(inp))
    W1 = layers.Dense(units, name="W1")
    W2 = layers.Dense(units, name="W2")
    V = layers.Dense(1, name="V")
    embedding = layers.Embedding(vocab_tar, embedding_dim, name="decoder_embedding")
    gru = layers.GRU(units, return_sequences=True, return_state=True,
                     recurrent_initializer="glorot_uniform", name="decoder_gru")
    fc = layers.Dense(vocab_tar, name="fc")
    dec_hidden = enc_hidden
    dec_input = ExpandDims(1, name="start_token")(GetItem(name="targ_0")(targ, (slice(None), 0)))
    predictions = []
    for t in range(1, 4):
        # BahdanauAttention(query=dec_hidden, values=enc_output)
        hidden_with_time_axis = ExpandDims(1, name=f"hidden_with_time_axis_{t}")(dec_hidden)
        score = V(Tanh(name=f"score_tanh_{t}")(Add(name=f"score_sum_{t}")(
            W1(enc_output), W2(hidden_with_time_axis))))
        attention_weights = SoftmaxOp(axis=1, name=f"attention_weights_{t}")(score)
        context_vector = Sum(axis=1, name=f"context_vector_{t}")(
            Multiply(name=f"weighted_values_{t}")(attention_weights, enc_output))
        # Decoder
        x = embedding(dec_input)
        x = keras.layers.Concatenate(axis=-1, name=f"context_and_token_{t}")(
            [ExpandDims(1, name=f"context_with_time_axis_{t}")(context_vector), x])
        output, dec_hidden = gru(x)
        output = Reshape((-1, output.shape[2]), name=f"squeeze_step_{t}")(output)
        predictions.append(fc(output))
        targ_t = GetItem(name=f"targ_{t}")(targ, (slice(None), t))
        dec_input = ExpandDims(1, name=f"teacher_token_{t}")(targ_t)
    return keras.Model([inp, targ], predictions, name="nmt_bahdanau_attention")


def nmt_luong_attention() -> keras.Model:
    """Luong dot attention in a Keras seq2seq, from "Attention-based Sequence-to-Sequence
    in Keras" (Wanasit Tanakitrungruang).

    Source: https://wanasit.github.io/attention-based-sequence-to-sequence-in-keras.html
    and github.com/wanasit/katakana (notebooks/Attention-based Sequence-to-Sequence in
    Keras.ipynb): masked embeddings, encoder ``LSTM(return_sequences=True)``, its last
    step ``encoder[:, -1, :]`` as both decoder states, ``dot`` of decoder and encoder
    outputs, ``Activation('softmax')``, ``dot`` with the encoder outputs (the context),
    ``concatenate([context, decoder])`` and two ``TimeDistributed(Dense)``.
    Changed: lengths 20 shrunk to 8/6, vocabularies 20/16, 8 units instead of 64; the
    ``unroll=True`` of the LSTMs is dropped (it does not change the graph).
    """
    input_length, output_length, hidden = 8, 6, 8
    encoder_input = keras.Input(shape=(input_length,), name="encoder_input")
    decoder_input = keras.Input(shape=(output_length,), name="decoder_input")
    encoder = layers.Embedding(20, hidden, mask_zero=True, name="encoder_embedding")(encoder_input)
    encoder = layers.LSTM(hidden, return_sequences=True, name="encoder_lstm")(encoder)
    encoder_last = GetItem(name="encoder_last")(encoder, (slice(None), -1, slice(None)))
    decoder = layers.Embedding(16, hidden, mask_zero=True, name="decoder_embedding")(decoder_input)
    decoder = layers.LSTM(hidden, return_sequences=True, name="decoder_lstm")(
        decoder, initial_state=[encoder_last, encoder_last])
    attention = layers.Dot(axes=[2, 2], name="attention_score")([decoder, encoder])
    attention = layers.Activation("softmax", name="attention")(attention)
    context = layers.Dot(axes=[2, 1], name="context")([attention, encoder])
    decoder_combined_context = layers.Concatenate(name="combined_context")([context, decoder])
    output = layers.TimeDistributed(layers.Dense(hidden, activation="tanh", name="tanh_dense"),
                                    name="attention_vector")(decoder_combined_context)
    output = layers.TimeDistributed(layers.Dense(16, activation="softmax", name="softmax_dense"),
                                    name="output")(output)
    return keras.Model([encoder_input, decoder_input], output, name="nmt_luong_attention")


def ocr_captcha() -> keras.Model:
    """keras-io "OCR model for reading Captchas" (CNN, two BiLSTMs, CTC endpoint layer).

    Source: https://keras.io/examples/vision/captcha_ocr/ (``Conv1``/``pool1``/``Conv2``/
    ``pool2``, ``Reshape`` of the width into time steps, ``dense1``, ``Dropout``, two
    ``Bidirectional(LSTM(return_sequences=True, dropout=0.25))``, ``dense2`` softmax and
    ``CTCLayer(name="ctc_loss")(labels, x)``, a custom layer that adds the CTC loss).
    Changed: images 64x16 instead of 200x50, filters 4/8 instead of 32/64, Dense 8
    instead of 64, LSTMs 8/4 instead of 128/64, 11 classes; the CTC loss is computed
    with ``keras.ops.ctc_loss`` instead of the example's TensorFlow sparse-label helper.
    """
    img_width, img_height, classes = 64, 16, 11
    input_img = keras.Input(shape=(img_width, img_height, 1), name="image", dtype="float32")
    labels = keras.Input(name="label", shape=(None,), dtype="float32")
    x = layers.Conv2D(4, (3, 3), activation="relu", kernel_initializer="he_normal", padding="same",
                      name="Conv1")(input_img)
    x = layers.MaxPooling2D((2, 2), name="pool1")(x)
    x = layers.Conv2D(8, (3, 3), activation="relu", kernel_initializer="he_normal", padding="same",
                      name="Conv2")(x)
    x = layers.MaxPooling2D((2, 2), name="pool2")(x)
    x = layers.Reshape(target_shape=((img_width // 4), (img_height // 4) * 8), name="reshape")(x)
    x = layers.Dense(8, activation="relu", name="dense1")(x)
    x = layers.Dropout(0.2, name="dropout")(x)
    x = layers.Bidirectional(layers.LSTM(8, return_sequences=True, dropout=0.25, name="lstm"),
                             name="bidirectional")(x)
    x = layers.Bidirectional(layers.LSTM(4, return_sequences=True, dropout=0.25, name="lstm_1"),
                             name="bidirectional_1")(x)
    x = layers.Dense(classes, activation="softmax", name="dense2")(x)
    output = CTCLayer(name="ctc_loss")(labels, x)
    return keras.Model(inputs=[input_img, labels], outputs=output, name="ocr_model_v1")


def ocr_gru_add() -> keras.Model:
    """The Keras 2 OCR example (``examples/image_ocr.py``): a forward GRU and a
    ``go_backwards=True`` GRU read the same sequence and are merged by ``add``, twice.

    Source: https://github.com/keras-team/keras/blob/2.3.1/examples/image_ocr.py
    (``conv1``/``max1``/``conv2``/``max2``, ``Reshape``, ``dense1``, ``gru1`` + ``gru1_b``
    merged by ``add``, ``gru2`` + ``gru2_b`` merged by ``concatenate``, ``dense2``,
    ``Activation('softmax')``). The backward GRUs' outputs are added step by step
    without being reversed back, as in the original.
    Changed: the prediction model ``Model(inputs=input_data, outputs=y_pred)`` that the
    example builds for decoding, without the CTC ``Lambda`` of its training model;
    image 32x16 instead of 128x64, 4 filters instead of 16, Dense 8 instead of 32,
    GRUs of 8 instead of 512.
    """
    img_w, img_h, conv_filters, pool_size = 32, 16, 4, 2
    input_data = keras.Input(name="the_input", shape=(img_w, img_h, 1), dtype="float32")
    inner = layers.Conv2D(conv_filters, (3, 3), padding="same", activation="relu",
                          kernel_initializer="he_normal", name="conv1")(input_data)
    inner = layers.MaxPooling2D(pool_size=(pool_size, pool_size), name="max1")(inner)
    inner = layers.Conv2D(conv_filters, (3, 3), padding="same", activation="relu",
                          kernel_initializer="he_normal", name="conv2")(inner)
    inner = layers.MaxPooling2D(pool_size=(pool_size, pool_size), name="max2")(inner)
    conv_to_rnn_dims = (img_w // (pool_size ** 2), (img_h // (pool_size ** 2)) * conv_filters)
    inner = layers.Reshape(target_shape=conv_to_rnn_dims, name="reshape")(inner)
    inner = layers.Dense(8, activation="relu", name="dense1")(inner)
    gru_1 = layers.GRU(8, return_sequences=True, kernel_initializer="he_normal", name="gru1")(inner)
    gru_1b = layers.GRU(8, return_sequences=True, go_backwards=True, kernel_initializer="he_normal",
                        name="gru1_b")(inner)
    gru1_merged = layers.Add(name="gru1_merged")([gru_1, gru_1b])
    gru_2 = layers.GRU(8, return_sequences=True, kernel_initializer="he_normal", name="gru2")(gru1_merged)
    gru_2b = layers.GRU(8, return_sequences=True, go_backwards=True, kernel_initializer="he_normal",
                        name="gru2_b")(gru1_merged)
    inner = layers.Dense(28, kernel_initializer="he_normal", name="dense2")(
        layers.Concatenate(name="gru2_merged")([gru_2, gru_2b]))
    y_pred = layers.Activation("softmax", name="softmax")(inner)
    return keras.Model(inputs=input_data, outputs=y_pred, name="image_ocr")


def speech_ctc_deepspeech2() -> keras.Model:
    """keras-io "Automatic Speech Recognition using CTC" (DeepSpeech2-like).

    Source: https://keras.io/examples/audio/ctc_asr/ (``Reshape`` to add a channel,
    ``Conv2D`` [11, 41] stride 2 and [11, 21] stride [1, 2] with BatchNormalization and
    ReLU, ``Reshape`` to (time, features), a stack of ``Bidirectional(GRU(...,
    reset_after=True), merge_mode="concat")`` with Dropout between, ``dense_1``, ReLU,
    Dropout, a softmax ``Dense``; model name ``DeepSpeech_2``).
    Changed: 33 spectrogram bins instead of 193 (fft_length 64 instead of 384), 8
    filters instead of 32, 3 recurrent layers of 8 units instead of 5 of 512, 11 output
    classes; the time axis stays unknown (None) as in the example.
    """
    input_dim, rnn_layers, rnn_units, output_dim = 33, 3, 8, 10
    input_spectrogram = keras.Input((None, input_dim), name="input")
    x = layers.Reshape((-1, input_dim, 1), name="expand_dim")(input_spectrogram)
    x = layers.Conv2D(filters=8, kernel_size=[11, 41], strides=[2, 2], padding="same", use_bias=False,
                      name="conv_1")(x)
    x = layers.BatchNormalization(name="conv_1_bn")(x)
    x = layers.ReLU(name="conv_1_relu")(x)
    x = layers.Conv2D(filters=8, kernel_size=[11, 21], strides=[1, 2], padding="same", use_bias=False,
                      name="conv_2")(x)
    x = layers.BatchNormalization(name="conv_2_bn")(x)
    x = layers.ReLU(name="conv_2_relu")(x)
    x = layers.Reshape((-1, x.shape[-2] * x.shape[-1]), name="to_sequence")(x)
    for i in range(1, rnn_layers + 1):
        recurrent = layers.GRU(units=rnn_units, activation="tanh", recurrent_activation="sigmoid",
                               use_bias=True, return_sequences=True, reset_after=True, name=f"gru_{i}")
        x = layers.Bidirectional(recurrent, name=f"bidirectional_{i}", merge_mode="concat")(x)
        if i < rnn_layers:
            x = layers.Dropout(rate=0.5, name=f"dropout_{i}")(x)
    x = layers.Dense(units=rnn_units * 2, name="dense_1")(x)
    x = layers.ReLU(name="dense_1_relu")(x)
    x = layers.Dropout(rate=0.5, name="dropout")(x)
    output = layers.Dense(units=output_dim + 1, activation="softmax", name="output")(x)
    return keras.Model(input_spectrogram, output, name="DeepSpeech_2")


def feedback_autoregressive() -> keras.Model:
    """TensorFlow tutorial "Time series forecasting", the autoregressive ``FeedBack``
    model, rebuilt functionally.

    Source: https://www.tensorflow.org/tutorials/structured_data/time_series
    ("Advanced: Autoregressive model"): one ``LSTMCell`` wrapped in ``RNN(...,
    return_state=True)`` for the warm-up, then the SAME cell called directly in a Python
    loop on its previous prediction, passing the states from call to call, one ``Dense``
    shared by every step, ``tf.stack`` of the predictions (time-major) and
    ``tf.transpose(..., [1, 0, 2])``.
    Changed: a functional model instead of the subclassed ``FeedBack``; 3 features
    instead of 19 and 8 units instead of 32 (24 input steps, OUT_STEPS = 24 as in the
    tutorial).
    """
    out_steps, units, num_features = 24, 8, 3
    inputs = keras.Input(shape=(24, num_features), name="inputs")
    lstm_cell = layers.LSTMCell(units, name="lstm_cell")
    lstm_rnn = layers.RNN(lstm_cell, return_state=True, name="lstm_rnn")
    dense = layers.Dense(num_features, name="dense")
    x, *state = lstm_rnn(inputs)
    prediction = dense(x)
    predictions = [prediction]
    for _ in range(1, out_steps):
        x, state = lstm_cell(prediction, states=state)
        prediction = dense(x)
        predictions.append(prediction)
    stacked = Stack(axis=0, name="stack_predictions")(predictions)  # (time, batch, features)
    outputs = Transpose(axes=[1, 0, 2], name="batch_major")(stacked)
    return keras.Model(inputs, outputs, name="feedback")


def residual_lstm() -> keras.Model:
    """TensorFlow tutorial "Time series forecasting", the residual LSTM: a
    ``ResidualWrapper`` adds the inputs to what a nested Sequential (LSTM, Dense)
    predicts.

    Source: https://www.tensorflow.org/tutorials/structured_data/time_series
    ("Advanced: Residual connections": ``ResidualWrapper(tf.keras.Sequential([LSTM(32,
    return_sequences=True), Dense(num_features, kernel_initializer=zeros)]))`` whose
    ``call`` returns ``inputs + delta``).
    Changed: a functional model with the Sequential nested in it instead of the
    subclassed wrapper; 3 features instead of 19, 8 units instead of 32.
    """
    num_features = 3
    inputs = keras.Input(shape=(24, num_features), name="inputs")
    model = keras.Sequential([
        layers.LSTM(8, return_sequences=True, name="lstm"),
        layers.Dense(num_features, kernel_initializer="zeros", name="dense"),
    ], name="delta_model")
    delta = model(inputs)
    outputs = Add(name="inputs_plus_delta")(inputs, delta)
    return keras.Model(inputs, outputs, name="residual_lstm")


def text_generation_gru() -> keras.Model:
    """TensorFlow tutorial "Text generation with an RNN", rebuilt functionally with the
    GRU state as an input and an output.

    Source: https://www.tensorflow.org/text/tutorials/text_generation (``MyModel``:
    Embedding, ``GRU(return_sequences=True, return_state=True)`` started from the given
    ``states``, ``Dense`` logits; ``call(..., states, return_state=True)`` during
    generation).
    Changed: a functional model taking the state as an Input (the subclassed model
    takes it as an argument); vocabulary 20 instead of 66, embedding 8 instead of 256,
    12 units instead of 1024.
    """
    vocab_size, embedding_dim, rnn_units = 20, 8, 12
    tokens = keras.Input(shape=(None,), dtype="int32", name="input_ids")
    states = keras.Input(shape=(rnn_units,), name="states")
    x = layers.Embedding(vocab_size, embedding_dim, name="embedding")(tokens)
    x, new_states = layers.GRU(rnn_units, return_sequences=True, return_state=True, name="gru")(
        x, initial_state=states)
    logits = layers.Dense(vocab_size, name="dense")(x)
    return keras.Model([tokens, states], [logits, new_states], name="my_model")


def video_classification_masked_gru() -> keras.Model:
    """keras-io "Video Classification with a CNN-RNN Architecture", the sequence model:
    two GRUs over per-frame features, the first given an explicit boolean ``mask`` Input.

    Source: https://keras.io/examples/vision/video_classification/ (``get_sequence_model``:
    ``GRU(16, return_sequences=True)(frame_features_input, mask=mask_input)``,
    ``GRU(8)``, ``Dropout(0.4)``, ``Dense(8, relu)``, softmax ``Dense``).
    Changed: 16 features per frame instead of 2048 (the InceptionV3 features), 5 classes.
    """
    max_seq_length, num_features = 20, 16
    frame_features_input = keras.Input((max_seq_length, num_features), name="frame_features")
    mask_input = keras.Input((max_seq_length,), dtype="bool", name="frame_mask")
    x = layers.GRU(16, return_sequences=True, name="gru")(frame_features_input, mask=mask_input)
    x = layers.GRU(8, name="gru_1")(x)
    x = layers.Dropout(0.4, name="dropout")(x)
    x = layers.Dense(8, activation="relu", name="dense")(x)
    output = layers.Dense(5, activation="softmax", name="dense_1")(x)
    return keras.Model([frame_features_input, mask_input], output, name="video_classifier")


def video_timedistributed_cnn_gru() -> keras.Model:
    """A ConvNet applied to every frame with ``TimeDistributed``, then a GRU, from
    "Training a neural network with an image sequence — example with a video as input"
    (Patrice Ferlet, Smile Innovation, 2019).

    Source: https://medium.com/smileinnovation/training-neural-network-with-image-sequence-an-example-with-video-as-input-c3407f7a0b0f
    and github.com/metal3d/keras-video-generators (``build_convnet``: Conv2D blocks with
    BatchNormalization and MaxPool2D, ``GlobalMaxPool2D``; ``action_model``:
    ``TimeDistributed(convnet)``, ``GRU(64)``, Dense 1024/512/128/64 with Dropout,
    softmax).
    Changed: two conv blocks of 4/8 filters instead of four of 64..512, 16x16 frames
    instead of 112x112, GRU 8, Dense 16/8 instead of the four of 1024..64, 3 classes.
    """
    frames, size = 5, 16
    convnet = keras.Sequential([
        keras.Input(shape=(size, size, 3), name="frame"),
        layers.Conv2D(4, (3, 3), padding="same", activation="relu", name="conv_1a"),
        layers.Conv2D(4, (3, 3), padding="same", activation="relu", name="conv_1b"),
        layers.BatchNormalization(momentum=0.9, name="bn_1"),
        layers.MaxPool2D(name="pool_1"),
        layers.Conv2D(8, (3, 3), padding="same", activation="relu", name="conv_2a"),
        layers.Conv2D(8, (3, 3), padding="same", activation="relu", name="conv_2b"),
        layers.BatchNormalization(momentum=0.9, name="bn_2"),
        layers.GlobalMaxPool2D(name="global_max_pool"),
    ], name="convnet")
    return keras.Sequential([
        keras.Input(shape=(frames, size, size, 3), name="video"),
        layers.TimeDistributed(convnet, name="per_frame_convnet"),
        layers.GRU(8, name="gru"),
        layers.Dense(16, activation="relu", name="dense_1"),
        layers.Dropout(0.5, name="dropout_1"),
        layers.Dense(8, activation="relu", name="dense_2"),
        layers.Dense(3, activation="softmax", name="classes"),
    ], name="action_model")


def convlstm_next_frame() -> keras.Model:
    """keras-io "Next-Frame Video Prediction with Convolutional LSTMs".

    Source: https://keras.io/examples/vision/conv_lstm/ (three ``ConvLSTM2D`` with
    kernels 5/3/1, ``return_sequences=True``, relu, BatchNormalization between, and a
    ``Conv3D`` sigmoid; frames of unknown count).
    Changed: 16x16 frames instead of 64x64, 4 filters instead of 64.
    """
    inp = keras.Input(shape=(None, 16, 16, 1), name="frames")
    x = layers.ConvLSTM2D(4, (5, 5), padding="same", return_sequences=True, activation="relu",
                          name="conv_lstm2d")(inp)
    x = layers.BatchNormalization(name="batch_normalization")(x)
    x = layers.ConvLSTM2D(4, (3, 3), padding="same", return_sequences=True, activation="relu",
                          name="conv_lstm2d_1")(x)
    x = layers.BatchNormalization(name="batch_normalization_1")(x)
    x = layers.ConvLSTM2D(4, (1, 1), padding="same", return_sequences=True, activation="relu",
                          name="conv_lstm2d_2")(x)
    x = layers.Conv3D(1, (3, 3, 3), activation="sigmoid", padding="same", name="conv3d")(x)
    return keras.Model(inp, x, name="conv_lstm_next_frame")


def convlstm_encoder_forecaster() -> keras.Model:
    """The encoding-forecasting ConvLSTM network of Shi et al. 2015, with the
    forecaster unrolled in a Python loop.

    Source: X. Shi et al., "Convolutional LSTM Network: A Machine Learning Approach for
    Precipitation Nowcasting", NeurIPS 2015 (https://arxiv.org/abs/1506.04214), Fig. 3:
    two stacked ConvLSTM encoders whose final states (``h``, ``c``) initialise two
    stacked ConvLSTM forecasters; the forecasters' outputs are turned into a frame by a
    1x1 convolution. As Keras 3 has no public ConvLSTM cell, the forecaster layers are
    ``ConvLSTM2D(return_state=True)`` called once per predicted frame on a one-step
    sequence, each call starting from the states the previous call returned, and
    reading the frame predicted before (the last observed frame first).
    Changed: 16x16 radar maps instead of 100x100 (patches of 4x4), 8 filters instead of
    64, 5 observed and 3 predicted frames instead of 5 and 15.
    """
    size, filters, out_frames = 16, 8, 3
    frames = keras.Input(shape=(5, size, size, 1), name="observed_frames")
    seq, h1, c1 = layers.ConvLSTM2D(filters, 3, padding="same", return_sequences=True, return_state=True,
                                    name="encoder_1")(frames)
    _, h2, c2 = layers.ConvLSTM2D(filters, 3, padding="same", return_state=True, name="encoder_2")(seq)
    forecaster_1 = layers.ConvLSTM2D(filters, 3, padding="same", return_state=True, name="forecaster_1")
    forecaster_2 = layers.ConvLSTM2D(filters, 3, padding="same", return_state=True, name="forecaster_2")
    to_frame = layers.Conv2D(1, 1, activation="sigmoid", name="to_frame")
    frame = GetItem(name="last_observed")(frames, (slice(None), -1))
    predicted: List[Any] = []
    for t in range(1, out_frames + 1):
        step = ExpandDims(1, name=f"as_sequence_{t}")(frame)
        out_1, h1, c1 = forecaster_1(step, initial_state=[h1, c1])
        out_2, h2, c2 = forecaster_2(ExpandDims(1, name=f"as_sequence_2_{t}")(out_1), initial_state=[h2, c2])
        frame = to_frame(out_2)
        predicted.append(frame)
    outputs = Stack(axis=1, name="predicted_frames")(predicted)
    return keras.Model(frames, outputs, name="convlstm_encoder_forecaster")


def video_anomaly_autoencoder() -> keras.Model:
    """Spatio-temporal autoencoder for video anomaly detection: ``TimeDistributed``
    Conv2D encoder, ConvLSTM2D bottleneck, ``TimeDistributed(Conv2DTranspose)`` decoder.

    Source: Hashem Sellat, "Anomaly Detection in Videos using LSTM Convolutional
    Autoencoder" (Towards Data Science, 2019;
    https://towardsdatascience.com/prototyping-an-anomaly-detection-system-for-videos-step-by-step-using-lstm-convolutional-4e06b7dcdd29),
    after Chong & Tay, "Abnormal Event Detection in Videos using Spatiotemporal
    Autoencoder" (https://arxiv.org/abs/1701.01546): TimeDistributed Conv2D 11x11/4 and
    5x5/2 with LayerNormalization, three ConvLSTM2D (64, 32, 64), TimeDistributed
    Conv2DTranspose 5x5/2 and 11x11/4, a TimeDistributed Conv2D sigmoid.
    Changed: 32x32 frames instead of 256x256, filters divided by 16, 10 frames kept.
    """
    seq = keras.Sequential(name="video_autoencoder")
    seq.add(keras.Input(shape=(10, 32, 32, 1), name="clip"))
    seq.add(layers.TimeDistributed(layers.Conv2D(8, (11, 11), strides=4, padding="same", name="conv_1"),
                                   name="td_conv_1"))
    seq.add(layers.LayerNormalization(name="norm_1"))
    seq.add(layers.TimeDistributed(layers.Conv2D(4, (5, 5), strides=2, padding="same", name="conv_2"),
                                   name="td_conv_2"))
    seq.add(layers.LayerNormalization(name="norm_2"))
    seq.add(layers.ConvLSTM2D(4, (3, 3), padding="same", return_sequences=True, name="conv_lstm_1"))
    seq.add(layers.LayerNormalization(name="norm_3"))
    seq.add(layers.ConvLSTM2D(2, (3, 3), padding="same", return_sequences=True, name="conv_lstm_2"))
    seq.add(layers.LayerNormalization(name="norm_4"))
    seq.add(layers.ConvLSTM2D(4, (3, 3), padding="same", return_sequences=True, name="conv_lstm_3"))
    seq.add(layers.LayerNormalization(name="norm_5"))
    seq.add(layers.TimeDistributed(layers.Conv2DTranspose(4, (5, 5), strides=2, padding="same",
                                                          name="deconv_1"), name="td_deconv_1"))
    seq.add(layers.LayerNormalization(name="norm_6"))
    seq.add(layers.TimeDistributed(layers.Conv2DTranspose(8, (11, 11), strides=4, padding="same",
                                                          name="deconv_2"), name="td_deconv_2"))
    seq.add(layers.LayerNormalization(name="norm_7"))
    seq.add(layers.TimeDistributed(layers.Conv2D(1, (11, 11), activation="sigmoid", padding="same",
                                                 name="conv_out"), name="td_conv_out"))
    return seq


def addition_rnn() -> keras.Model:
    """keras-io "Sequence to sequence learning for performing number addition".

    Source: https://keras.io/examples/nlp/addition_rnn/ and the Keras 2 original
    (keras-team/keras examples/addition_rnn.py): encoder ``LSTM(128)``,
    ``RepeatVector(DIGITS + 1)``, decoder ``LSTM(128, return_sequences=True)``, and the
    per-step softmax as ``TimeDistributed(Dense)`` (the Keras 2 original; the current
    keras-io version applies the Dense directly to the sequence).
    Changed: 16 units instead of 128 (MAXLEN 7, 12 characters, DIGITS 3 as in the source).
    """
    maxlen, chars, digits = 7, 12, 3
    return keras.Sequential([
        keras.Input(shape=(maxlen, chars), name="question"),
        layers.LSTM(16, name="encoder"),
        layers.RepeatVector(digits + 1, name="repeat_vector"),
        layers.LSTM(16, return_sequences=True, name="decoder"),
        layers.TimeDistributed(layers.Dense(chars, activation="softmax", name="dense"),
                               name="time_distributed"),
    ], name="addition_rnn")


# -- graph patterns ---------------------------------------------------------------------------


def siamese_malstm() -> keras.Model:
    """MaLSTM, the siamese Manhattan LSTM (Mueller & Thyagarajan, AAAI 2016), as in
    Elior Cohen's Keras implementation for Quora Question Pairs.

    Source: "Siamese Recurrent Architectures for Learning Sentence Similarity"
    (https://ojs.aaai.org/index.php/AAAI/article/view/10350) and
    https://medium.com/mlreview/implementing-malstm-on-kaggles-quora-question-pairs-competition-8b31b0b16a07
    (github.com/eliorc/Medium, MaLSTM.ipynb): one Embedding and one ``LSTM(n_hidden)``
    shared by the left and right questions, and ``exp(-sum(|left - right|))`` on top.
    Changed: the shared Embedding and LSTM are packed into one ``Sequential`` encoder
    called on both inputs (same weights, same wiring), and Keras 1's
    ``Merge(mode=lambda ...)`` is a ``Lambda``; sequences of 10 instead of the padded
    question length, vocabulary 30, embedding 8 instead of 300 (not pre-trained), 6
    units instead of 50.
    """
    max_seq_length = 10
    shared_model = keras.Sequential([
        keras.Input(shape=(max_seq_length,), dtype="int32", name="question"),
        layers.Embedding(30, 8, trainable=False, name="embedding"),
        layers.LSTM(6, name="lstm"),
    ], name="shared_encoder")
    left_input = keras.Input(shape=(max_seq_length,), dtype="int32", name="left_input")
    right_input = keras.Input(shape=(max_seq_length,), dtype="int32", name="right_input")
    malstm_distance = layers.Lambda(
        lambda x: keras.ops.exp(-keras.ops.sum(keras.ops.abs(x[0] - x[1]), axis=1, keepdims=True)),
        output_shape=(1,), name="manhattan_distance")([shared_model(left_input), shared_model(right_input)])
    return keras.Model(inputs=[left_input, right_input], outputs=[malstm_distance], name="malstm")


def lstnet() -> keras.Model:
    """LSTNet (Lai et al., SIGIR 2018): a Conv2D over the window, a GRU, a skip-GRU on
    the periodic sub-sequences and a linear autoregressive highway.

    Source: "Modeling Long- and Short-Term Temporal Patterns with Deep Neural Networks"
    (https://arxiv.org/abs/1703.07015) and its public code
    https://github.com/laiguokun/LSTNet (models/LSTNet.py). As there, the skip branch
    takes the last ``pt * skip`` steps of the convolution output, reshapes them to
    (batch, pt, skip, C), permutes to (batch, skip, pt, C) and folds ``skip`` into the
    batch, so that one GRU reads every phase; its final state is unfolded back to
    (batch, skip * hidS). The highway takes the last ``hw`` steps, transposes and folds
    the series into the batch for a ``Dense(1)``, then unfolds. Reshapes that keep the
    batch are ``Reshape``/``Permute`` layers; those that fold the batch are ops.
    Changed: channels last (Keras) instead of channels first; window 24, 4 series,
    CNN 6 filters of kernel 6, GRU 5, skip-GRU 3, skip 6, highway 4 instead of
    window 168, hidCNN/hidRNN 100, hidSkip 5, skip 24, highway 24; the final activation is
    left out (output_fun None).
    """
    window, m, hid_c, kernel, hid_r, hid_s, skip, hw = 24, 4, 6, 6, 5, 3, 6, 4
    pt = (window - kernel) // skip  # 3
    x = keras.Input(shape=(window, m), name="x")
    c = layers.Reshape((window, m, 1), name="to_image")(x)
    c = layers.Conv2D(hid_c, (kernel, m), activation="relu", name="conv1")(c)
    c = layers.Dropout(0.2, name="dropout_c")(c)
    c = layers.Reshape((window - kernel + 1, hid_c), name="squeeze_series")(c)
    _, r = layers.GRU(hid_r, return_state=True, name="gru1")(c)
    r = layers.Dropout(0.2, name="dropout_r")(r)
    s = GetItem(name="last_pt_skip_steps")(c, (slice(None), slice(-pt * skip, None)))
    s = layers.Reshape((pt, skip, hid_c), name="split_periods")(s)
    s = layers.Permute((2, 1, 3), name="phase_first")(s)
    s = Reshape((-1, pt, hid_c), name="fold_phases_into_batch")(s)
    _, s = layers.GRU(hid_s, return_state=True, name="gru_skip")(s)
    s = Reshape((-1, skip * hid_s), name="unfold_phases")(s)
    s = layers.Dropout(0.2, name="dropout_s")(s)
    r = layers.Concatenate(axis=1, name="concat")([r, s])
    res = layers.Dense(m, name="linear1")(r)
    z = GetItem(name="last_hw_steps")(x, (slice(None), slice(-hw, None), slice(None)))
    z = layers.Permute((2, 1), name="series_first")(z)
    z = Reshape((-1, hw), name="fold_series_into_batch")(z)
    z = layers.Dense(1, name="highway")(z)
    z = Reshape((-1, m), name="unfold_series")(z)
    res = layers.Add(name="res")([res, z])
    return keras.Model(x, res, name="lstnet")


def babi_memnn() -> keras.Model:
    """End-to-end memory network on bAbI, the Keras example ``babi_memnn``.

    Source: https://github.com/keras-team/keras/blob/2.3.1/examples/babi_memnn.py
    (Sukhbaatar et al., https://arxiv.org/abs/1503.08895): three ``Sequential`` encoders
    (Embedding, Dropout), ``dot([input_encoded_m, question_encoded], axes=(2, 2))``,
    ``Activation('softmax')``, ``add`` with the second input encoding, ``Permute((2,
    1))``, ``concatenate`` with the question encoding, ``LSTM(32)``, Dropout, Dense,
    softmax.
    Changed: vocabulary 22 (as bAbI task 1), story 12 and query 4 words instead of 68/4,
    embeddings 8 instead of 64, LSTM 8 instead of 32. The inputs keep the float dtype
    of the original (the Embedding casts).
    """
    vocab_size, story_maxlen, query_maxlen = 22, 12, 4
    input_sequence = keras.Input((story_maxlen,), name="story")
    question = keras.Input((query_maxlen,), name="question")
    input_encoder_m = keras.Sequential([
        layers.Embedding(input_dim=vocab_size, output_dim=8, name="embedding_m"),
        layers.Dropout(0.3, name="dropout_m"),
    ], name="input_encoder_m")
    input_encoder_c = keras.Sequential([
        layers.Embedding(input_dim=vocab_size, output_dim=query_maxlen, name="embedding_c"),
        layers.Dropout(0.3, name="dropout_c"),
    ], name="input_encoder_c")
    question_encoder = keras.Sequential([
        layers.Embedding(input_dim=vocab_size, output_dim=8, name="embedding_q"),
        layers.Dropout(0.3, name="dropout_q"),
    ], name="question_encoder")
    input_encoded_m = input_encoder_m(input_sequence)
    input_encoded_c = input_encoder_c(input_sequence)
    question_encoded = question_encoder(question)
    match = layers.Dot(axes=(2, 2), name="match")([input_encoded_m, question_encoded])
    match = layers.Activation("softmax", name="match_softmax")(match)
    response = layers.Add(name="response")([match, input_encoded_c])
    response = layers.Permute((2, 1), name="permute")(response)
    answer = layers.Concatenate(name="response_and_question")([response, question_encoded])
    answer = layers.LSTM(8, name="lstm")(answer)
    answer = layers.Dropout(0.3, name="dropout")(answer)
    answer = layers.Dense(vocab_size, name="dense")(answer)
    answer = layers.Activation("softmax", name="answer")(answer)
    return keras.Model([input_sequence, question], answer, name="babi_memnn")


def functional_api_ticket_ranking() -> keras.Model:
    """Keras guide "The Functional API": a model with three inputs (two texts read by
    LSTMs, a tag vector) and two named outputs given as a dict.

    Source: https://keras.io/guides/functional_api/ ("Models with multiple inputs and
    outputs": ``title`` and ``body`` through Embedding and LSTM(128)/LSTM(32),
    ``concatenate`` with ``tags``, ``priority`` and ``department`` heads).
    Changed: vocabulary 40 instead of 10000, embeddings 8 instead of 64, LSTMs 8/4.
    """
    num_tags, num_words, num_departments = 12, 40, 4
    title_input = keras.Input(shape=(None,), name="title")
    body_input = keras.Input(shape=(None,), name="body")
    tags_input = keras.Input(shape=(num_tags,), name="tags")
    title_features = layers.Embedding(num_words, 8, name="title_embedding")(title_input)
    body_features = layers.Embedding(num_words, 8, name="body_embedding")(body_input)
    title_features = layers.LSTM(8, name="title_lstm")(title_features)
    body_features = layers.LSTM(4, name="body_lstm")(body_features)
    x = layers.Concatenate(name="features")([title_features, body_features, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    return keras.Model(inputs=[title_input, body_input, tags_input],
                       outputs={"priority": priority_pred, "department": department_pred},
                       name="ticket_classifier")


def music_generation() -> keras.Model:
    """TensorFlow tutorial "Generate music with an RNN": an LSTM over the last notes, each
    (pitch, step, duration), and three heads side by side on its last output, one for each
    part of the next note, returned as a dict.

    Source: https://www.tensorflow.org/tutorials/audio/music_generation ("Create and train
    the model": ``seq_length = 25``, ``LSTM(128)``, ``Dense(128, name='pitch')``,
    ``Dense(1, name='step')``, ``Dense(1, name='duration')``). Changed: LSTM(16), 16 pitches.
    """
    inputs = keras.Input((25, 3), name="notes")
    x = layers.LSTM(16, name="lstm")(inputs)
    outputs = {"pitch": layers.Dense(16, name="pitch")(x), "step": layers.Dense(1, name="step")(x),
               "duration": layers.Dense(1, name="duration")(x)}
    return keras.Model(inputs, outputs, name="music_generation")


def pooled_gru() -> keras.Model:
    """"Pooled GRU + FastText" (Kaggle, Toxic Comment Classification Challenge): a
    bidirectional GRU over the comment's word vectors, then a global average and a global
    max pooling of its outputs side by side, concatenated, and six sigmoid labels.

    Source: https://www.kaggle.com/code/yekenot/pooled-gru-fasttext (``maxlen = 100``,
    ``Embedding(max_features, 300)``, ``SpatialDropout1D(0.2)``,
    ``Bidirectional(GRU(80, return_sequences=True))``, ``GlobalAveragePooling1D()``,
    ``GlobalMaxPooling1D()``, ``concatenate([avg_pool, max_pool])``,
    ``Dense(6, activation="sigmoid")``). Changed: 1,000 words of 16 dimensions, GRU(8).
    """
    inputs = keras.Input((100,), name="comment")
    x = layers.Embedding(1000, 16, name="embedding")(inputs)
    x = layers.SpatialDropout1D(0.2, name="spatial_dropout")(x)
    x = layers.Bidirectional(layers.GRU(8, return_sequences=True), name="bigru")(x)
    pooled = layers.concatenate([layers.GlobalAveragePooling1D(name="avg_pool")(x),
                                 layers.GlobalMaxPooling1D(name="max_pool")(x)], name="pooled")
    return keras.Model(inputs, layers.Dense(6, activation="sigmoid", name="labels")(pooled), name="pooled_gru")


def deepmoji() -> keras.Model:
    """DeepMoji (Felbo et al., EMNLP 2017): token embeddings squashed by tanh, two stacked
    bidirectional LSTMs, the embeddings and both LSTMs' outputs concatenated (skip
    connections), an attention pooling that also returns its weights, a softmax over the
    emoji; the model outputs the probabilities and the attention weights.

    Source: https://github.com/bfelbo/DeepMoji, ``deepmoji/model_def.py``
    (``deepmoji_architecture(..., return_attention=True)``: ``Embedding(nb_tokens, 256,
    mask_zero=True)``, ``Activation('tanh')``, ``SpatialDropout1D``,
    ``Bidirectional(LSTM(512, return_sequences=True))`` twice, ``concatenate([lstm_1_output,
    lstm_0_output, x])``, ``AttentionWeightedAverage(return_attention=True)``,
    ``Dense(nb_classes, activation='softmax')``, outputs ``[probabilities, weights]``) and
    ``deepmoji/attlayer.py``. Changed: 1,000 tokens of 16 dimensions, LSTM(8), 30 tokens,
    64 emoji.
    """
    tokens = keras.Input((30,), dtype="int32", name="tokens")
    x = layers.Embedding(1000, 16, mask_zero=True, name="embedding")(tokens)
    x = layers.Activation("tanh", name="tanh")(x)
    x = layers.SpatialDropout1D(0.25, name="embed_drop")(x)
    lstm_0 = layers.Bidirectional(layers.LSTM(8, return_sequences=True), name="bi_lstm_0")(x)
    lstm_1 = layers.Bidirectional(layers.LSTM(8, return_sequences=True), name="bi_lstm_1")(lstm_0)
    x = layers.Concatenate(name="skip")([lstm_1, lstm_0, x])
    x, weights = AttentionWeightedAverage(return_attention=True, name="attlayer")(x)
    x = layers.Dropout(0.5, name="final_drop")(x)
    return keras.Model(tokens, [layers.Dense(64, activation="softmax", name="softmax")(x), weights],
                       name="deepmoji")


def bidirectional_seq2seq_states() -> keras.Model:
    """A Bidirectional LSTM encoder whose four final states start a Bidirectional LSTM
    decoder: the keras-io lstm_seq2seq structure with both sides made bidirectional.

    Source: https://keras.io/examples/nlp/lstm_seq2seq/ for the encoder-decoder, and
    the ``keras.layers.Bidirectional`` API documentation
    (https://keras.io/api/layers/recurrent_layers/bidirectional/): with
    ``return_state=True`` it returns ``[output, forward_h, forward_c, backward_h,
    backward_c]``, and of an ``initial_state`` list "the first half ... will be passed to
    the forward RNN call and the last half ... to the backward RNN call".
    Changed: sizes as in :func:`lstm_seq2seq`; the decoder's softmax is a
    ``TimeDistributed(Dense)``.
    """
    latent_dim = 16
    encoder_inputs = keras.Input(shape=(None, 10), name="encoder_inputs")
    _, forward_h, forward_c, backward_h, backward_c = layers.Bidirectional(
        layers.LSTM(latent_dim, return_state=True, name="encoder_lstm"), name="encoder")(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, 12), name="decoder_inputs")
    decoder_outputs = layers.Bidirectional(
        layers.LSTM(latent_dim, return_sequences=True, name="decoder_lstm"), name="decoder")(
        decoder_inputs, initial_state=[forward_h, forward_c, backward_h, backward_c])
    outputs = layers.TimeDistributed(layers.Dense(12, activation="softmax", name="dense"),
                                     name="decoder_dense")(decoder_outputs)
    return keras.Model([encoder_inputs, decoder_inputs], outputs, name="bidirectional_seq2seq")


def hierarchical_attention_network() -> keras.Model:
    """Hierarchical Attention Network (Yang et al., NAACL 2016) as in richliao's Keras
    textClassifier: a word-level BiGRU with attention inside a ``Model``, applied to every
    sentence with ``TimeDistributed(model)``, then a sentence-level BiGRU with attention.

    Source: "Hierarchical Attention Networks for Document Classification"
    (https://www.cs.cmu.edu/~hovy/papers/16HLT-hierarchical-attention-networks.pdf) and
    https://github.com/richliao/textClassifier/blob/master/textClassifierHATT.py
    (``Embedding(mask_zero=True)``, ``Bidirectional(GRU(100, return_sequences=True))``,
    the custom ``AttLayer(100)``, ``sentEncoder = Model(sentence_input, l_att)``,
    ``TimeDistributed(sentEncoder)(review_input)``, ``Dense(2, softmax)``).
    Changed: 4 sentences of 6 words instead of 15 of 100, vocabulary 30, embedding 8
    instead of 100 (GloVe), GRUs and attention of 4 instead of 100; AttLayer ported to
    ``keras.ops`` and registered for saving.
    """
    max_sents, max_sent_length = 4, 6
    sentence_input = keras.Input(shape=(max_sent_length,), dtype="int32", name="sentence_input")
    embedded_sequences = layers.Embedding(30, 8, mask_zero=True, name="embedding")(sentence_input)
    l_lstm = layers.Bidirectional(layers.GRU(4, return_sequences=True, name="word_gru"),
                                  name="word_bigru")(embedded_sequences)
    l_att = AttLayer(4, name="word_attention")(l_lstm)
    sent_encoder = keras.Model(sentence_input, l_att, name="sent_encoder")
    review_input = keras.Input(shape=(max_sents, max_sent_length), dtype="int32", name="review_input")
    review_encoder = layers.TimeDistributed(sent_encoder, name="review_encoder")(review_input)
    l_lstm_sent = layers.Bidirectional(layers.GRU(4, return_sequences=True, name="sentence_gru"),
                                       name="sentence_bigru")(review_encoder)
    l_att_sent = AttLayer(4, name="sentence_attention")(l_lstm_sent)
    preds = layers.Dense(2, activation="softmax", name="preds")(l_att_sent)
    return keras.Model(review_input, preds, name="han")


def date_translation_attention() -> keras.Model:
    """"Neural machine translation with attention" for dates (deeplearning.ai Sequence
    Models course): a BiLSTM pre-attention layer and ONE post-attention ``LSTM`` called
    Ty = 10 times, one step each, passing ``h`` and ``c`` from call to call.

    Source: the course assignment "Neural_machine_translation_with_attention_v4a"
    (public copies e.g. github.com/Kulbear/deep-learning-coursera, "Sequence Models/Neural
    machine translation with attention - v2.ipynb"), after Bahdanau et al. 2015
    (https://arxiv.org/abs/1409.0473): shared ``RepeatVector(Tx)``,
    ``Concatenate(axis=-1)``, ``Dense(10, tanh)``, ``Dense(1, relu)``, a softmax over
    the time axis, ``Dot(axes=1)`` (``one_step_attention``), the shared
    ``LSTM(n_s, return_state=True)`` started from the ``s0``/``c0`` Inputs, and a shared
    softmax ``Dense`` giving one output per step.
    Changed: the course's custom softmax(axis=1) ``Activation`` is a ``Softmax(axis=1)``
    layer; human vocabulary 12 instead of 37, n_a 4 and n_s 8 instead of 32/64 (Tx 30,
    Ty 10 and the 11 machine characters as in the course).
    """
    tx, ty, n_a, n_s, human_vocab_size, machine_vocab_size = 30, 10, 4, 8, 12, 11
    repeator = layers.RepeatVector(tx, name="repeator")
    concatenator = layers.Concatenate(axis=-1, name="concatenator")
    densor1 = layers.Dense(10, activation="tanh", name="densor1")
    densor2 = layers.Dense(1, activation="relu", name="densor2")
    activator = layers.Softmax(axis=1, name="attention_weights")
    dotor = layers.Dot(axes=1, name="dotor")
    post_activation_lstm_cell = layers.LSTM(n_s, return_state=True, name="post_attention_lstm")
    output_layer = layers.Dense(machine_vocab_size, activation="softmax", name="output_layer")

    def one_step_attention(a: Any, s_prev: Any) -> Any:
        s_prev = repeator(s_prev)
        concat = concatenator([a, s_prev])
        e = densor1(concat)
        energies = densor2(e)
        alphas = activator(energies)
        return dotor([alphas, a])

    X = keras.Input(shape=(tx, human_vocab_size), name="X")
    s0 = keras.Input(shape=(n_s,), name="s0")
    c0 = keras.Input(shape=(n_s,), name="c0")
    s, c = s0, c0
    outputs = []
    a = layers.Bidirectional(layers.LSTM(n_a, return_sequences=True, name="pre_attention_lstm"),
                             name="pre_attention_bilstm")(X)
    for _ in range(ty):
        context = one_step_attention(a, s)
        s, _, c = post_activation_lstm_cell(context, initial_state=[s, c])
        outputs.append(output_layer(s))
    return keras.Model(inputs=[X, s0, c0], outputs=outputs, name="date_translation")


def lstm_attention_lambda() -> keras.Model:
    """Many-to-one attention over LSTM outputs with a ``Lambda`` taking the last hidden
    state (``x[:, -1, :]``), from philipperemy/keras-attention-mechanism (block by
    felixhao28).

    Source: https://github.com/philipperemy/keras-attention-mechanism (release 2.x,
    ``attention_3d_block``: ``Dense(use_bias=False)`` ``attention_score_vec``,
    ``Lambda(lambda x: x[:, -1, :], name='last_hidden_state')``, ``dot`` ``attention_score``,
    ``Activation('softmax')``, ``dot`` ``context_vector``, ``concatenate``, ``Dense(128,
    tanh)``; used after ``LSTM(64, return_sequences=True)`` with Dropout and a Dense head).
    Changed: 10 steps of 2 features, LSTM 8 instead of 64, attention vector 8 instead
    of 128.
    """
    time_steps, input_dim = 10, 2
    model_input = keras.Input(shape=(time_steps, input_dim), name="model_input")
    hidden_states = layers.LSTM(8, return_sequences=True, name="lstm")(model_input)
    hidden_size = int(hidden_states.shape[2])
    score_first_part = layers.Dense(hidden_size, use_bias=False, name="attention_score_vec")(hidden_states)
    h_t = layers.Lambda(lambda x: x[:, -1, :], output_shape=(hidden_size,), name="last_hidden_state")(
        hidden_states)
    score = layers.Dot([2, 1], name="attention_score")([score_first_part, h_t])
    attention_weights = layers.Activation("softmax", name="attention_weight")(score)
    context_vector = layers.Dot([1, 1], name="context_vector")([hidden_states, attention_weights])
    pre_activation = layers.Concatenate(name="attention_output")([context_vector, h_t])
    attention_vector = layers.Dense(8, use_bias=False, activation="tanh", name="attention_vector")(
        pre_activation)
    x = layers.Dropout(0.2, name="dropout")(attention_vector)
    x = layers.Dense(1, activation="linear", name="dense")(x)
    return keras.Model(model_input, x, name="lstm_attention")


def stacked_minimal_cells() -> keras.Model:
    """``keras.layers.RNN`` over a LIST of custom cells (a stacked RNN), from the RNN
    layer's API documentation.

    Source: https://keras.io/api/layers/recurrent_layers/rnn/ (the ``MinimalRNNCell``
    example, then "Here's how to use the cell to build a stacked RNN: cells =
    [MinimalRNNCell(32), MinimalRNNCell(64)]; layer = RNN(cells)").
    Changed: cells of 4 and 6 units instead of 32 and 64, sequences of 6 steps instead
    of None; a Dense head.
    """
    x = keras.Input((6, 5), name="x")
    cells = [MinimalRNNCell(4, name="minimal_cell_1"), MinimalRNNCell(6, name="minimal_cell_2")]
    y = layers.RNN(cells, name="stacked_rnn")(x)
    return keras.Model(x, layers.Dense(2, name="dense")(y), name="stacked_minimal_cells")


def stacked_lstm_cells() -> keras.Model:
    """``keras.layers.RNN(keras.layers.StackedRNNCells([LSTMCell, LSTMCell]))``, from the
    StackedRNNCells API documentation.

    Source: https://keras.io/api/layers/recurrent_layers/stacked_rnn_cell/ (batch 3,
    sentences of 5 steps, 2 features, two ``LSTMCell(128)``).
    Changed: cells of 8 units instead of 128; the cells return their sequence and
    states too, read by a TimeDistributed Dense.
    """
    x = keras.Input(shape=(5, 2), name="sentences")
    cells = [layers.LSTMCell(8, name="lstm_cell_1"), layers.LSTMCell(8, name="lstm_cell_2")]
    seq, *states = layers.RNN(layers.StackedRNNCells(cells, name="stacked_cells"), return_sequences=True,
                              return_state=True, name="stacked_lstm")(x)
    y = layers.TimeDistributed(layers.Dense(3, name="dense"), name="per_step")(seq)
    return keras.Model(x, [y, *states], name="stacked_lstm_cells")


def ner_char_embeddings() -> keras.Model:
    """BiLSTM NER tagger with a character-level LSTM per word (``TimeDistributed(LSTM)``),
    from Tobias Sterbak, "Enhancing LSTMs with character embeddings for Named entity
    recognition" (depends-on-the-definition.com), after Lample et al. 2016.

    Source: https://www.depends-on-the-definition.com/lstm-with-char-embeddings-for-ner-with-keras/
    (``TimeDistributed(Embedding(mask_zero=True))`` on the characters,
    ``TimeDistributed(LSTM(20, recurrent_dropout=0.5))`` as the word encoding,
    ``concatenate`` with the masked word embedding, ``SpatialDropout1D``,
    ``Bidirectional(LSTM(50, return_sequences=True, recurrent_dropout=0.6))``,
    ``TimeDistributed(Dense(n_tags + 1, softmax))``); Lample et al.,
    https://arxiv.org/abs/1603.01360.
    Changed: sentences of 8 words of 5 characters instead of 75 and 10, vocabularies
    40/20, 8 tags, embeddings 8/4, char LSTM 4, main LSTM 8. The inputs keep the float
    dtype of the original.
    """
    max_len, max_len_char, n_words, n_chars, n_tags = 8, 5, 40, 20, 8
    word_in = keras.Input(shape=(max_len,), name="word_in")
    emb_word = layers.Embedding(input_dim=n_words + 2, output_dim=8, mask_zero=True,
                                name="word_embedding")(word_in)
    char_in = keras.Input(shape=(max_len, max_len_char), name="char_in")
    emb_char = layers.TimeDistributed(
        layers.Embedding(input_dim=n_chars + 2, output_dim=4, mask_zero=True, name="char_embedding"),
        name="char_embeddings")(char_in)
    char_enc = layers.TimeDistributed(layers.LSTM(units=4, return_sequences=False, recurrent_dropout=0.5,
                                                  name="char_lstm"), name="char_encoder")(emb_char)
    x = layers.Concatenate(name="word_and_char")([emb_word, char_enc])
    x = layers.SpatialDropout1D(0.3, name="spatial_dropout")(x)
    main_lstm = layers.Bidirectional(layers.LSTM(units=8, return_sequences=True, recurrent_dropout=0.6,
                                                 name="main_lstm"), name="main_bilstm")(x)
    out = layers.TimeDistributed(layers.Dense(n_tags + 1, activation="softmax", name="tag"),
                                 name="tags")(main_lstm)
    return keras.Model([word_in, char_in], out, name="ner_char_embeddings")


def bidaf_span_output() -> keras.Model:
    """BiDAF (Seo, Kembhavi, Farhadi and Hajishirzi, "Bidirectional Attention Flow for
    Machine Comprehension", ICLR 2017): a shared BiLSTM encodes the context and the query,
    a similarity matrix attends from every context word to the query (context-to-query
    attention), the modeling BiLSTM reads the merged context, and two ``Dense(1)`` heads
    give the span's start and end logits over the context, stacked as one output of shape
    (batch, 2, context length).

    Source: https://arxiv.org/abs/1611.01603, as in the Keras reimplementation
    https://github.com/ParikhKadam/bidaf-keras (``bidaf/models/bidaf.py``: one
    ``Bidirectional(LSTM(emdim, return_sequences=True))`` named
    ``bidirectional_encoder`` shared by passage and question, ``Similarity``,
    ``C2QAttention``, ``MergedContext``, ``bidirectional_decoder_0``, ``SpanBegin``,
    ``SpanEnd`` (a BiLSTM over the modeled passage, then a per-step ``Dense(1)``) and
    ``CombineOutputs`` (``K.stack([begin, end], axis=1)``)); see also allenai/bi-att-flow.
    Changed: the custom layers are written with Keras layers and ops (a dot-product
    similarity instead of the trilinear one, no query-to-context attention, no highway
    layers, logits without the softmax), the shared encoder named ``encoder``; embeddings
    6 and LSTMs 4 instead of 400 and 100.
    """
    context = keras.Input(shape=(None, 6), name="passage_input")
    query = keras.Input(shape=(None, 6), name="question_input")
    encoder = layers.Bidirectional(layers.LSTM(4, return_sequences=True, name="encoder_lstm"),
                                   name="encoder")
    u = encoder(query)
    h = encoder(context)
    similarity = layers.Dot(axes=2, name="similarity")([h, u])
    weights = layers.Softmax(axis=-1, name="c2q_weights")(similarity)
    c2q = layers.Dot(axes=(2, 1), name="c2q_attention")([weights, u])
    product = layers.Multiply(name="c2q_product")([h, c2q])
    g = layers.Concatenate(name="merged_context")([h, c2q, product])
    m = layers.Bidirectional(layers.LSTM(4, return_sequences=True, name="decoder_lstm"),
                             name="bidirectional_decoder_0")(g)
    begin = layers.Dense(1, name="span_begin_dense")(layers.Concatenate(name="begin_input")([g, m]))
    begin = Squeeze(axis=-1, name="span_begin_logits")(begin)
    m2 = layers.Bidirectional(layers.LSTM(4, return_sequences=True, name="span_end_lstm"),
                              name="span_end_encoder")(m)
    end = layers.Dense(1, name="span_end_dense")(layers.Concatenate(name="end_input")([g, m2]))
    end = Squeeze(axis=-1, name="span_end_logits")(end)
    spans = Stack(axis=1, name="combine_outputs")([begin, end])
    return keras.Model([context, query], spans, name="bidaf")


def esim() -> keras.Model:
    """ESIM, the Enhanced Sequential Inference Model (Chen, Zhu, Ling, Wei, Jiang and
    Inkpen, "Enhanced LSTM for Natural Language Inference", ACL 2017): premise and
    hypothesis through one shared BiLSTM encoder, soft alignment by dot-product attention
    both ways, each side enhanced as ``[a, a~, a - a~, a * a~]``, projected and read by one
    shared composition BiLSTM, average and max pooled, and an MLP classifier.

    Source: https://arxiv.org/abs/1609.06038 (sections 3.1 to 3.3; the projection to the
    composition layer is its ReLU feed-forward layer ``F``). Changed: vocabulary 30,
    embeddings 6, LSTMs and the MLP 4 instead of 300; no dropout.

    Not in ``MODELS``: its drawing is 3,724 px tall, over the 3,000 px budget that every
    published model is held to (premise and hypothesis each through the encoder, the
    alignment, projection and composition, one above the other); the tests
    ``test_esim_edges_share_no_line`` and ``test_esims_hypothesis_side_continues_on_one_panel``
    draw it.
    """
    vocab, emb, units = 30, 6, 4
    premise = keras.Input(shape=(None,), dtype="int32", name="premise")
    hypothesis = keras.Input(shape=(None,), dtype="int32", name="hypothesis")
    embedding = layers.Embedding(vocab, emb, name="embedding")
    encoder = layers.Bidirectional(layers.LSTM(units, return_sequences=True, name="encoder_lstm"),
                                   name="encoder")
    a = encoder(embedding(premise))
    b = encoder(embedding(hypothesis))
    e = layers.Dot(axes=2, name="alignment")([a, b])
    weights_a = layers.Softmax(axis=2, name="premise_weights")(e)
    weights_b = layers.Softmax(axis=1, name="hypothesis_weights")(e)
    a_tilde = layers.Dot(axes=(2, 1), name="premise_aligned")([weights_a, b])
    b_tilde = layers.Dot(axes=(1, 1), name="hypothesis_aligned")([weights_b, a])

    def enhance(x: Any, x_tilde: Any, side: str) -> Any:
        return layers.Concatenate(name=f"{side}_enhanced")([
            x, x_tilde, layers.Subtract(name=f"{side}_diff")([x, x_tilde]),
            layers.Multiply(name=f"{side}_prod")([x, x_tilde])])

    projection = layers.Dense(units, activation="relu", name="projection")
    composition = layers.Bidirectional(layers.LSTM(units, return_sequences=True, name="composition_lstm"),
                                       name="composition")
    v_a = composition(projection(enhance(a, a_tilde, "premise")))
    v_b = composition(projection(enhance(b, b_tilde, "hypothesis")))
    pooled = layers.Concatenate(name="pooled")([
        layers.GlobalAveragePooling1D(name="premise_avg")(v_a), layers.GlobalMaxPooling1D(name="premise_max")(v_a),
        layers.GlobalAveragePooling1D(name="hypothesis_avg")(v_b),
        layers.GlobalMaxPooling1D(name="hypothesis_max")(v_b)])
    hidden = layers.Dense(units, activation="tanh", name="mlp_hidden")(pooled)
    return keras.Model([premise, hypothesis], layers.Dense(3, activation="softmax", name="label")(hidden),
                       name="esim")


def _sample_z(params: Any) -> Any:
    """sketch-rnn's ``transform2layer``: ``z = mu + exp(sigma / 2) * N(0, 1)``."""
    mu, sigma = params
    ops = keras.ops
    spread = ops.exp(sigma / 2.0)
    return mu + spread * keras.random.normal(ops.shape(spread))


def sketch_rnn() -> keras.Model:
    """sketch-rnn, the sequence-to-sequence VAE of Ha and Eck, "A Neural Representation of
    Sketch Drawings" (ICLR 2018): a BiLSTM encodes the strokes, z is sampled from its mu and
    sigma, a ``Dense(tanh)`` of z gives the decoder LSTM's initial h and c (split by
    slicing), and the decoder reads the strokes joined with z repeated over time by a
    ``RepeatVector``.

    Source: https://arxiv.org/abs/1704.03477 and the Keras reimplementation
    https://github.com/eyalzk/sketch_rnn_keras (``seq2seqVAE.py``, ``build_model``:
    ``Bidirectional(LSTM(enc_rnn_size), merge_mode='concat')``, two ``Dense(z_size)`` for
    mu and sigma, ``Lambda(transform2layer)``, ``Dense(2 * dec_rnn_size, activation='tanh',
    name='dec_initial_state')``, ``initial_state[:, :units]`` and ``[:, units:]``,
    ``RepeatVector(max_seq_len)``, ``Concatenate()``, ``LSTM(dec_rnn_size,
    return_sequences=True, return_state=True)``, ``Dense(n_out, name='output')``).
    Changed: 10 steps instead of 250, encoder 4, decoder 6, z 3 instead of 256, 512 and 128,
    3 mixtures instead of 20; no recurrent dropout; the Lambda has its output shape.
    """
    steps, enc, dec, z_size, mixtures = 10, 4, 6, 3, 3
    encoder_input = keras.Input(shape=(steps, 5), name="encoder_input")
    decoder_input = keras.Input(shape=(steps, 5), name="decoder_input")
    encoded = layers.Bidirectional(layers.LSTM(enc, name="encoder_lstm"), merge_mode="concat",
                                   name="encoder")(encoder_input)
    mu = layers.Dense(z_size, name="mu")(encoded)
    sigma = layers.Dense(z_size, name="sigma")(encoded)
    z = layers.Lambda(_sample_z, output_shape=(z_size,), name="z")([mu, sigma])
    initial_state = layers.Dense(2 * dec, activation="tanh", name="dec_initial_state")(z)
    init_h = GetItem(name="init_h")(initial_state, (slice(None), slice(None, dec)))
    init_c = GetItem(name="init_c")(initial_state, (slice(None), slice(dec, None)))
    tile_z = layers.RepeatVector(steps, name="tile_z")(z)
    full_input = layers.Concatenate(name="decoder_full_input")([decoder_input, tile_z])
    output, _, _ = layers.LSTM(dec, return_sequences=True, return_state=True, name="decoder")(
        full_input, initial_state=[init_h, init_c])
    out = layers.Dense(3 + 6 * mixtures, name="output")(output)
    return keras.Model([encoder_input, decoder_input], out, name="sketch_rnn")


def jazz_improvisation() -> keras.Model:
    """"Improvise a Jazz Solo with an LSTM Network" (deeplearning.ai Sequence Models course,
    week 1), the inference model ``music_inference_model``: ONE ``LSTM(n_a,
    return_state=True)`` called once per generated value on a one-step sequence, started
    from the ``a0``/``c0`` Inputs and carrying ``a`` and ``c``; each step's softmax
    ``Dense`` prediction is made the next step's input by argmax, one-hot and a
    ``RepeatVector(1)``, layers made anew at every step.

    Source: the course assignment "Improvise_a_Jazz_Solo_with_an_LSTM_Network_v4" (public
    copies e.g. github.com/Kulbear/deep-learning-coursera, "Sequence Models/Improvise a Jazz
    Solo with an LSTM Network - v1.ipynb": ``x0 = Input(shape=(1, n_values))``, ``a0``,
    ``c0``, ``for t in range(Ty): a, _, c = LSTM_cell(x, initial_state=[a, c]); out =
    densor(a); outputs.append(out); x = Lambda(one_hot)(out)`` where ``one_hot`` is argmax,
    ``tf.one_hot`` and ``RepeatVector(1)``).
    Changed: the one-hot step is written with the ops and layer it calls instead of a
    ``Lambda`` (the file reader has no shape rule for a Lambda); 6 values instead of 78,
    n_a 8 instead of 64, Ty 4 instead of 50.
    """
    n_values, n_a, ty = 6, 8, 4
    lstm_cell = layers.LSTM(n_a, return_state=True, name="lstm_cell")
    densor = layers.Dense(n_values, activation="softmax", name="densor")
    x0 = keras.Input(shape=(1, n_values), name="x0")
    a0 = keras.Input(shape=(n_a,), name="a0")
    c0 = keras.Input(shape=(n_a,), name="c0")
    x, a, c = x0, a0, c0
    outputs = []
    for t in range(ty):
        a, _, c = lstm_cell(x, initial_state=[a, c])
        out = densor(a)
        outputs.append(out)
        x = Argmax(axis=-1, name=f"argmax_{t}")(out)
        x = OneHot(n_values, name=f"one_hot_{t}")(x)
        x = layers.RepeatVector(1, name=f"repeat_{t}")(x)
    return keras.Model(inputs=[x0, a0, c0], outputs=outputs, name="jazz_improvisation")


def image_captioning_decoder_loop() -> keras.Model:
    """TensorFlow tutorial "Image captioning with visual attention" (tensorflow.org, the
    2019-2022 version): a CNN encoder's ``Dense`` + ReLU over the image's locations, then the
    ``RNN_Decoder`` called once per word of the caption (teacher forcing): Bahdanau attention
    over the locations from the previous hidden state (``W1``, ``W2``, ``V``, softmax over the
    locations, weighted sum), the word's ``Embedding`` concatenated with the context, ``GRU(units,
    return_sequences=True, return_state=True)`` on that one step (called without the hidden
    state, as the tutorial does: the state reaches the next step through the attention), then
    ``fc1`` and ``fc2``.

    Changed: the decoder is a functional sub-model instead of a subclassed one, called in a
    Python loop of the functional outer model (so the nested model is called once per step);
    the starting hidden state is an Input instead of zeros; 16 image locations of 32 features
    instead of 64 of 2048, embedding 8, units 16, vocabulary 50, 5 words.
    """
    units, vocab, emb, locations, features_in, steps = 16, 50, 8, 16, 32, 5
    word_in = keras.Input((1,), dtype="int32", name="dec_word")
    features_dec = keras.Input((locations, emb), name="dec_features")
    hidden_in = keras.Input((units,), name="dec_hidden")
    hidden_time = ExpandDims(axis=1, name="hidden_with_time_axis")(hidden_in)
    summed = layers.Add(name="attention_sum")([layers.Dense(units, name="attention_w1")(features_dec),
                                               layers.Dense(units, name="attention_w2")(hidden_time)])
    score = layers.Dense(1, name="attention_v")(Tanh(name="attention_tanh")(summed))
    weights = layers.Softmax(axis=1, name="attention_weights")(score)
    context = Sum(axis=1, name="context_vector")(Multiply(name="weighted_features")(weights, features_dec))
    x = layers.Embedding(vocab, emb, name="embedding")(word_in)
    x = layers.Concatenate(axis=-1, name="context_and_word")([ExpandDims(axis=1, name="context_time_axis")(context), x])
    output, state = layers.GRU(units, return_sequences=True, return_state=True, name="gru")(x)
    x = layers.Reshape((units,), name="flatten_step")(layers.Dense(units, name="fc1")(output))
    decoder = keras.Model([word_in, features_dec, hidden_in], [layers.Dense(vocab, name="fc2")(x), state],
                          name="rnn_decoder")

    image = keras.Input((locations, features_in), name="image_features")
    caption = keras.Input((steps,), dtype="int32", name="caption")
    hidden0 = keras.Input((units,), name="hidden_0")
    features = layers.Dense(emb, activation="relu", name="cnn_encoder")(image)
    hidden, predictions = hidden0, []
    for i in range(steps):
        word = GetItem(name=f"word_{i}")(caption, (slice(None), slice(i, i + 1)))
        prediction, hidden = decoder([word, features, hidden])
        predictions.append(layers.Reshape((1, vocab), name=f"prediction_{i}")(prediction))
    out = layers.Concatenate(axis=1, name="predictions")(predictions)
    return keras.Model([image, caption, hidden0], out, name="image_captioning_decoder_loop")


def da_rnn() -> keras.Model:
    """DA-RNN, the dual-stage attention-based RNN of Qin et al. 2017 ("A Dual-Stage
    Attention-Based Recurrent Neural Network for Time Series Prediction", arXiv:1704.02971),
    as its TensorFlow 2 Keras implementation writes it (github.com/kaelzhang/
    DA-RNN-in-Tensorflow-2-and-PyTorch, ``da_rnn/keras/layers.py``): an encoder whose
    ``LSTM(m, return_state=True)`` is called once per step of the window on that step's
    driving series weighted by an input attention (``W_e``, ``U_e``, ``v_e`` over
    ``[h; s]`` repeated and the series permuted; a ``Permute`` and a repeat made anew at every
    step), then a decoder whose ``LSTM(p, return_state=True)`` is called once per step on the
    target history and a temporal attention's context, and two ``Dense`` on the last state
    and context.

    Changed: the encoder's and decoder's loops are written in the functional model instead of
    custom layers' ``call``; the zero starting states are Inputs; ``K.repeat`` is a
    ``RepeatVector``; T 5, n 4, m and p 8 instead of the notebook's 10, 81, 64, 64.
    """
    T, n, m, p, y_dim = 5, 4, 8, 8, 1
    series = keras.Input((T, n), name="driving_series")
    history = keras.Input((T - 1, y_dim), name="target_history")
    starts = [keras.Input((size,), name=name) for size, name in ((m, "enc_h0"), (m, "enc_s0"),
                                                                  (p, "dec_d0"), (p, "dec_s0"))]
    w_e, u_e, v_e = layers.Dense(T, name="W_e"), layers.Dense(T, name="U_e"), layers.Dense(1, name="v_e")
    input_lstm = layers.LSTM(m, return_state=True, name="input_lstm")
    h, s = starts[0], starts[1]
    encoded = []
    for t in range(T):
        hs = layers.RepeatVector(n, name=f"enc_hs_repeat_{t}")(layers.Concatenate(name=f"enc_hs_{t}")([h, s]))
        series_t = layers.Permute((2, 1), name=f"enc_permute_series_{t}")(series)
        joined = layers.Concatenate(name=f"enc_attention_concat_{t}")([w_e(hs), u_e(series_t)])
        e = v_e(Tanh(name=f"enc_tanh_{t}")(joined))
        alpha = SoftmaxOp(name=f"alpha_{t}")(layers.Permute((2, 1), name=f"enc_permute_e_{t}")(e))
        x_t = GetItem(name=f"x_{t}")(series, (slice(None), slice(t, t + 1)))
        x_tilde = Multiply(name=f"x_tilde_{t}")(alpha, x_t)
        h, _, s = input_lstm(x_tilde, initial_state=[h, s])
        encoded.append(ExpandDims(axis=1, name=f"encoded_{t}")(h))
    x_encoded = layers.Concatenate(axis=1, name="x_encoded")(encoded)
    w_d, u_d, v_d = layers.Dense(m, name="W_d"), layers.Dense(m, name="U_d"), layers.Dense(1, name="v_d")
    y_tilde_dense = layers.Dense(1, name="y_tilde_dense")
    decoder_lstm = layers.LSTM(p, return_state=True, name="decoder_lstm")
    d, s = starts[2], starts[3]
    context = None
    for t in range(T - 1):
        ds = layers.RepeatVector(T, name=f"dec_ds_repeat_{t}")(layers.Concatenate(name=f"dec_ds_{t}")([d, s]))
        joined = layers.Concatenate(name=f"dec_attention_concat_{t}")([w_d(ds), u_d(x_encoded)])
        beta = SoftmaxOp(axis=1, name=f"beta_{t}")(v_d(Tanh(name=f"dec_tanh_{t}")(joined)))
        context = Matmul(name=f"context_{t}")(Transpose(axes=(0, 2, 1), name=f"beta_t_{t}")(beta), x_encoded)
        y_t = GetItem(name=f"y_{t}")(history, (slice(None), slice(t, t + 1)))
        y_tilde = y_tilde_dense(layers.Concatenate(name=f"y_and_context_{t}")([y_t, context]))
        d, _, s = decoder_lstm(y_tilde, initial_state=[d, s])
    assert context is not None
    last = layers.Concatenate(name="last_state_and_context")([ExpandDims(axis=1, name="last_state")(d), context])
    y_hat = layers.Dense(y_dim, name="dense_vb")(layers.Dense(p, name="dense_Wb")(last))
    return keras.Model([series, history, *starts], y_hat, name="da_rnn")


@keras.saving.register_keras_serializable(package=PACKAGE)
class PointerDecoder(layers.Layer):
    """The decoder of a pointer network: an ``LSTMCell`` stepped once per encoder step from
    the encoder's final states, each step attending over every encoder step (``v^T
    tanh(W1 e_j + W2 d_i)``); its softmax is the pointer, and the next step reads the
    encoder steps weighted by it."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.cell = layers.LSTMCell(units, name="decoder_cell")
        self.w1 = layers.Dense(units, use_bias=False, name="w1")
        self.w2 = layers.Dense(units, use_bias=False, name="w2")
        self.v = layers.Dense(1, use_bias=False, name="v")

    def call(self, encoded: Any, h: Any, c: Any) -> Any:
        ops = keras.ops
        x = ops.zeros_like(encoded[:, 0])
        pointers = []
        for _ in range(encoded.shape[1]):
            out, (h, c) = self.cell(x, [h, c])
            scores = self.v(ops.tanh(self.w1(encoded) + ops.expand_dims(self.w2(out), 1)))
            pointer = ops.softmax(ops.squeeze(scores, -1), axis=-1)
            pointers.append(pointer)
            x = ops.sum(ops.expand_dims(pointer, -1) * encoded, axis=1)
        return ops.stack(pointers, axis=1)

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "units": self.units}


def pointer_network() -> keras.Model:
    """Pointer network (Vinyals, Fortunato and Jaitly, "Pointer Networks", 2015): an LSTM
    encoder over the input points, and a custom decoder layer that steps an ``LSTMCell``
    from the encoder's final h and c, pointing at one input step per output step.

    Source: keon/pointer-networks (``PointerLSTM``, a custom Keras layer holding the
    decoder's LSTM cell and the attention weights W1, W2, v, stepped in its ``call``), with
    the decoder's step written with Keras 3's ``LSTMCell``. Changed: 6 points of 2
    coordinates, 8 units instead of 2 x 10 and 512 hidden units.
    """
    points = keras.Input(shape=(6, 2), name="points")
    encoded, h, c = layers.LSTM(8, return_sequences=True, return_state=True, name="encoder")(points)
    return keras.Model(points, PointerDecoder(8, name="decoder")(encoded, h, c), name="pointer_network")


@keras.saving.register_keras_serializable(package=PACKAGE)
class GraphConv(layers.Layer):
    """keras-io's ``GraphConv``: each node's features times ``W``, beside the sum of its
    neighbours' features times ``W`` (gathered along the graph's edges, one segment a node)."""

    def __init__(self, in_feat: int, out_feat: int, edges: List[List[int]], num_nodes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_feat, self.out_feat, self.num_nodes = in_feat, out_feat, num_nodes
        self.edges = np.asarray(edges, "int32")  # (to, from); an array, as a list would be a TrackedList
        self.weight = self.add_weight(initializer=keras.initializers.GlorotUniform(), shape=(in_feat, out_feat),
                                      dtype="float32", trainable=True, name="weight")

    def call(self, features: Any) -> Any:
        ops = keras.ops
        nodes_representation = ops.matmul(features, self.weight)
        neighbours = ops.take(features, self.edges[1], axis=0)
        aggregated = ops.segment_sum(neighbours, self.edges[0], num_segments=self.num_nodes)
        return ops.concatenate([nodes_representation, ops.matmul(aggregated, self.weight)], axis=-1)

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "in_feat": self.in_feat, "out_feat": self.out_feat,
                "edges": self.edges.tolist(), "num_nodes": self.num_nodes}


@keras.saving.register_keras_serializable(package=PACKAGE)
class LSTMGC(layers.Layer):
    """keras-io's ``LSTMGC``: a graph convolution over the road graph at every step, then one
    ``LSTM`` over each node's sequence, all nodes of all examples as one batch (a reshape to
    ``(batch * nodes, steps, features)``), and a ``Dense`` forecast per node."""

    def __init__(self, in_feat: int, out_feat: int, lstm_units: int, output_seq_len: int, edges: List[List[int]],
                 num_nodes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_feat, self.out_feat, self.lstm_units = in_feat, out_feat, lstm_units
        self.output_seq_len, self.num_nodes = output_seq_len, num_nodes
        self.graph_conv = GraphConv(in_feat, out_feat, edges, num_nodes, name="graph_conv")
        self.lstm = layers.LSTM(lstm_units, activation="relu", name="lstm")
        self.dense = layers.Dense(output_seq_len, name="dense")

    def call(self, inputs: Any) -> Any:
        ops = keras.ops
        inputs = ops.transpose(inputs, [2, 0, 1, 3])  # (nodes, batch, steps, features)
        gcn_out = self.graph_conv(inputs)
        shape = ops.shape(gcn_out)
        num_nodes, batch_size, input_seq_len, out_feat = shape[0], shape[1], shape[2], shape[3]
        gcn_out = ops.reshape(gcn_out, (batch_size * num_nodes, input_seq_len, out_feat))
        dense_output = self.dense(self.lstm(gcn_out))
        output = ops.reshape(dense_output, (num_nodes, batch_size, self.output_seq_len))
        return ops.transpose(output, [1, 2, 0])  # (batch, output steps, nodes)

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "in_feat": self.in_feat, "out_feat": self.out_feat,
                "lstm_units": self.lstm_units, "output_seq_len": self.output_seq_len,
                "edges": self.graph_conv.edges.tolist(), "num_nodes": self.num_nodes}


def traffic_lstmgc() -> keras.Model:
    """Traffic forecasting with a graph convolution and an LSTM (keras-io, "Traffic
    forecasting using graph neural networks and LSTM", Arash Khodadadi, 2021;
    https://keras.io/examples/timeseries/timeseries_traffic_forecasting/): a custom layer,
    ``LSTMGC``, runs a graph convolution over the road graph, then one LSTM over every node's
    sequence at once by reshaping nodes into the batch, so its LSTM runs on
    ``(batch * nodes, steps, features)``, a size Keras knows only once the batch size is.

    Changed: 5 road sections on a small graph instead of PeMSD7's 26 (edges in both
    directions and self loops, as the example's adjacency builds); the neighbours summed
    (the example's ``aggregation_type="sum"``; it trains with "mean", whose
    ``tf.math.unsorted_segment_mean`` only TensorFlow has); 8 LSTM units instead of 64; the
    graph's edges kept as lists in the layers' config.
    """
    edges = [[0, 1, 1, 2, 2, 3, 3, 4, 0, 1, 2, 3, 4], [1, 0, 2, 1, 3, 2, 4, 3, 0, 1, 2, 3, 4]]
    speeds = keras.Input((12, 5, 1), name="speeds")
    forecast = LSTMGC(1, 10, 8, 3, edges, 5, name="st_gcn")(speeds)
    return keras.Model(speeds, forecast, name="traffic_lstmgc")


@keras.saving.register_keras_serializable(package=PACKAGE)
class PyramidalBLSTM(layers.Layer):
    """The listener's pyramidal BiLSTM of Listen, Attend and Spell: a ``Bidirectional(LSTM)``
    over the steps, then every two consecutive outputs concatenated, halving time."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.blstm = layers.Bidirectional(layers.LSTM(units, return_sequences=True, name=f"{self.name}_lstm"),
                                          name=f"{self.name}_bilstm")

    def call(self, x: Any) -> Any:
        y = self.blstm(x)
        return keras.ops.reshape(y, (-1, y.shape[1] // 2, 4 * self.units))

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "units": self.units}


def listen_attend_spell() -> keras.Model:
    """Listen, Attend and Spell (Chan, Jaitly, Le and Vinyals, 2016): a listener of three
    pyramidal BiLSTMs, each a custom layer halving time (16 frames to 2), then a speller
    that attends over the listener's steps at each output step.

    Source: ServerSideHannes/las, model.py (``pBLSTM``, a custom ``tf.keras`` layer holding
    a ``Bidirectional(LSTM(dim / 2, return_sequences=True))`` and reshaping its output to
    ``(-1, 4 * dim / 2)``; three of them, then ``Dense(dim)``). Changed: the reshape is
    written with ``keras.ops`` on a static length (that code pads an odd length with
    ``tf.shape``); Keras 3's ``RNN`` takes no ``constants``, so the speller is an ``LSTM``
    over the previous tokens with a ``keras.layers.Attention`` over the listener's steps
    instead of its attention cell; 8 mel features, dim 8, 5 tokens.
    """
    frames = keras.Input(shape=(16, 8), name="frames")
    tokens = keras.Input(shape=(None, 5), name="previous_tokens")
    x = frames
    for k in range(3):
        x = PyramidalBLSTM(4, name=f"pblstm_{k + 1}")(x)
    listener = layers.Dense(8, name="listener_dense")(x)
    speller = layers.LSTM(8, return_sequences=True, name="speller")(tokens)
    context = layers.Attention(name="attend")([speller, listener])
    joined = layers.Concatenate(name="speller_and_context")([speller, context])
    out = layers.Dense(5, activation="softmax", name="spell")(layers.Dense(8, activation="relu", name="mlp")(joined))
    return keras.Model([frames, tokens], out, name="listen_attend_spell")


MODELS: Dict[str, Callable[[], keras.Model]] = {
    builder.__name__: builder for builder in (
        text_classification_rnn,
        char_lstm_text_generation,
        lstm_seq2seq,
        lstm_seq2seq_encoder,
        lstm_seq2seq_decoder,
        nmt_bahdanau_attention,
        nmt_luong_attention,
        ocr_captcha,
        ocr_gru_add,
        speech_ctc_deepspeech2,
        feedback_autoregressive,
        residual_lstm,
        text_generation_gru,
        video_classification_masked_gru,
        video_timedistributed_cnn_gru,
        convlstm_next_frame,
        convlstm_encoder_forecaster,
        video_anomaly_autoencoder,
        addition_rnn,
        siamese_malstm,
        lstnet,
        babi_memnn,
        functional_api_ticket_ranking,
        music_generation,
        pooled_gru,
        deepmoji,
        bidirectional_seq2seq_states,
        hierarchical_attention_network,
        date_translation_attention,
        lstm_attention_lambda,
        stacked_minimal_cells,
        stacked_lstm_cells,
        ner_char_embeddings,
        bidaf_span_output,
        sketch_rnn,
        jazz_improvisation,
        pointer_network,
        traffic_lstmgc,
        listen_attend_spell,
        image_captioning_decoder_loop,
        da_rnn,
    )
}
