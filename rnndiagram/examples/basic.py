"""One recurrent idea per model: cells, masks, directions, states handed on, ConvLSTM,
custom cells, long and unknown lengths, and the layers around them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Tuple

from ..read.keras_import import import_keras
from ..read.loading import minimal_rnn_cell_class
from .base import Example

if TYPE_CHECKING:
    import keras


def lstm_classifier() -> keras.Model:
    keras = import_keras()
    return keras.Sequential([
        keras.Input(shape=(20, 8), name="features"),
        keras.layers.LSTM(32, name="lstm"),
        keras.layers.Dense(5, activation="softmax", name="classes"),
    ], name="lstm_classifier")


def gru_masked_embedding() -> keras.Model:
    keras = import_keras()
    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32", name="tokens"),
        keras.layers.Embedding(1000, 16, mask_zero=True, name="embedding"),
        keras.layers.GRU(24, name="gru"),
        keras.layers.Dense(1, activation="sigmoid", name="score"),
    ], name="gru_masked_embedding")


def stacked_bidirectional_lstm() -> keras.Model:
    keras = import_keras()
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(12, 10), name="frames"),
        layers.Bidirectional(layers.LSTM(16, return_sequences=True, name="lstm_1"), name="bilstm_1"),
        layers.Bidirectional(layers.LSTM(8, name="lstm_2"), name="bilstm_2"),
        layers.Dense(3, name="dense"),
    ], name="stacked_bidirectional_lstm")


def char_seq2seq() -> keras.Model:
    keras = import_keras()
    layers = keras.layers
    encoder_inputs = keras.Input(shape=(None, 10), name="encoder_inputs")
    _, state_h, state_c = layers.LSTM(16, return_state=True, name="encoder_lstm")(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, 12), name="decoder_inputs")
    decoder_seq, _, _ = layers.LSTM(
        16, return_sequences=True, return_state=True, name="decoder_lstm",
    )(decoder_inputs, initial_state=[state_h, state_c])
    outputs = layers.Dense(12, activation="softmax", name="decoder_dense")(decoder_seq)
    return keras.Model([encoder_inputs, decoder_inputs], outputs, name="char_seq2seq")


def convlstm_next_frame() -> keras.Model:
    keras = import_keras()
    return keras.Sequential([
        keras.Input(shape=(None, 16, 16, 1), name="frames"),
        keras.layers.ConvLSTM2D(8, 3, padding="same", return_sequences=True, name="conv_lstm"),
        keras.layers.Conv3D(1, 3, padding="same", activation="sigmoid", name="next_frame"),
    ], name="convlstm_next_frame")


def custom_cell_rnn() -> keras.Model:
    keras = import_keras()
    MinimalRNNCell = minimal_rnn_cell_class()
    return keras.Sequential([
        keras.Input(shape=(5, 3), name="sequence"),
        keras.layers.RNN(MinimalRNNCell(6, name="minimal_cell"), name="rnn"),
        keras.layers.Dense(2, name="dense"),
    ], name="custom_cell_rnn")


def stateful_gru() -> keras.Model:
    keras = import_keras()
    return keras.Sequential([
        keras.Input(batch_shape=(4, 10, 3), name="stream"),
        keras.layers.GRU(8, stateful=True, return_sequences=True, name="gru"),
        keras.layers.TimeDistributed(keras.layers.Dense(2, name="dense"), name="per_step"),
    ], name="stateful_gru")


def long_sequence() -> keras.Model:
    keras = import_keras()
    return keras.Sequential([
        keras.Input(shape=(500, 4), name="signal"),
        keras.layers.LSTM(16, name="lstm"),
        keras.layers.Dense(1, name="dense"),
    ], name="long_sequence")


def variable_length() -> keras.Model:
    keras = import_keras()
    return keras.Sequential([
        keras.Input(shape=(None, 6), name="sequence"),
        keras.layers.GRU(12, return_sequences=True, name="gru"),
        keras.layers.LSTM(8, name="lstm"),
        keras.layers.Dense(2, name="dense"),
    ], name="variable_length")


def two_branch_merge() -> keras.Model:
    keras = import_keras()
    layers = keras.layers
    audio = keras.Input(shape=(8, 3), name="audio")
    text = keras.Input(shape=(5, 4), name="text")
    audio_code = layers.LSTM(12, name="audio_lstm")(audio)
    text_code = layers.LSTM(12, name="text_lstm")(text)
    joint = layers.Concatenate(name="joint")([audio_code, text_code])
    score = layers.Dense(1, activation="sigmoid", name="score")(joint)
    category = layers.Dense(3, activation="softmax", name="category")(joint)
    return keras.Model([audio, text], [score, category], name="two_branch_merge")


def addition_rnn() -> keras.Model:
    keras = import_keras()
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(7, 12), name="question"),
        layers.LSTM(32, name="encoder"),
        layers.RepeatVector(4, name="repeat"),
        layers.LSTM(32, return_sequences=True, name="decoder"),
        layers.TimeDistributed(layers.Dense(12, activation="softmax", name="digit"), name="digits"),
    ], name="addition_rnn")


def crnn() -> keras.Model:
    keras = import_keras()
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(16, 64, 1), name="image"),
        layers.Conv2D(8, 3, padding="same", activation="relu", name="conv"),
        layers.MaxPooling2D(2, name="pool"),
        layers.Permute((2, 1, 3), name="columns_first"),
        layers.Reshape((32, 64), name="to_sequence"),
        layers.Bidirectional(layers.LSTM(16, return_sequences=True, name="lstm"), name="bilstm"),
        layers.Dense(20, activation="softmax", name="characters"),
    ], name="crnn")


def conv_lstm_text() -> keras.Model:
    keras = import_keras()
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(100,), dtype="int32", name="tokens"),
        layers.Embedding(5000, 32, name="embedding"),
        layers.Conv1D(32, 5, padding="same", activation="relu", name="conv"),
        layers.MaxPooling1D(4, name="pool"),
        layers.LSTM(32, name="lstm"),
        layers.Dense(1, activation="sigmoid", name="sentiment"),
    ], name="conv_lstm_text")


def nested_encoder() -> keras.Model:
    keras = import_keras()
    layers = keras.layers
    encoder = keras.Sequential([
        keras.Input(shape=(10, 4), name="steps"),
        layers.GRU(8, return_sequences=True, name="gru_1"),
        layers.GRU(8, name="gru_2"),
    ], name="encoder")
    inputs = keras.Input(shape=(10, 4), name="sequence")
    outputs = layers.Dense(2, activation="softmax", name="head")(encoder(inputs))
    return keras.Model(inputs, outputs, name="nested_encoder")


def attention_seq2seq() -> keras.Model:
    keras = import_keras()
    layers = keras.layers
    encoder_inputs = keras.Input(shape=(None, 10), name="encoder_inputs")
    encoder_seq, state_h, state_c = layers.LSTM(
        16, return_sequences=True, return_state=True, name="encoder_lstm")(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, 12), name="decoder_inputs")
    decoder_seq = layers.LSTM(16, return_sequences=True, name="decoder_lstm")(
        decoder_inputs, initial_state=[state_h, state_c])
    context = layers.Attention(name="attention")([decoder_seq, encoder_seq])
    joined = layers.Concatenate(name="joined")([decoder_seq, context])
    outputs = layers.Dense(12, activation="softmax", name="next_char")(joined)
    return keras.Model([encoder_inputs, decoder_inputs], outputs, name="attention_seq2seq")


EXAMPLES: Tuple[Example, ...] = (
    Example("lstm_classifier", "LSTM sequence classifier",
            "An LSTM reads 20 steps of 8 features and its last output is classified into "
            "5 classes.", lstm_classifier),
    Example("gru_masked_embedding", "Masked embedding and GRU",
            "Token ids of any length are embedded with mask_zero=True, so the GRU skips "
            "padding steps.", gru_masked_embedding),
    Example("stacked_bidirectional_lstm", "Stacked bidirectional LSTMs",
            "Two Bidirectional LSTMs read the sequence both ways; the first returns the "
            "concatenated sequence, the second its last output.", stacked_bidirectional_lstm),
    Example("char_seq2seq", "Character-level encoder-decoder",
            "The encoder LSTM's final states h and c start the decoder LSTM, which predicts "
            "the next character at every step.", char_seq2seq),
    Example("convlstm_next_frame", "ConvLSTM next-frame prediction",
            "A ConvLSTM2D carries 16x16 feature maps as its states and a Conv3D turns its "
            "output sequence into predicted frames.", convlstm_next_frame),
    Example("custom_cell_rnn", "RNN over a custom cell",
            "keras.layers.RNN runs a minimal hand-written cell whose state size is "
            "taken from the cell.", custom_cell_rnn),
    Example("stateful_gru", "Stateful GRU",
            "A GRU with stateful=True and a fixed batch of 4 keeps its state between "
            "batches; a TimeDistributed Dense reads every step.", stateful_gru),
    Example("long_sequence", "A long sequence",
            "An LSTM over 500 steps, drawn with only the first and last steps shown.",
            long_sequence),
    Example("variable_length", "Variable-length sequences",
            "The number of timesteps is unknown (None): a GRU returns its sequence to an "
            "LSTM that returns its last output.", variable_length),
    Example("two_branch_merge", "Two inputs, two LSTM branches, two outputs",
            "Two sequences of different lengths are read by their own LSTMs; the codes are "
            "concatenated and feed two heads.", two_branch_merge),
    Example("addition_rnn", "LSTM, RepeatVector, LSTM",
            "The addition example: an encoder LSTM's last output is repeated once per answer "
            "digit, so the decoder LSTM runs on a new, shorter time axis.", addition_rnn),
    Example("crnn", "CRNN: convolution, reshape, bidirectional LSTM",
            "A Conv2D reads an image; its columns become a sequence of 32 steps that a "
            "Bidirectional LSTM reads both ways, one character guess per step.", crnn),
    Example("conv_lstm_text", "Conv1D and pooling before an LSTM",
            "Embedded tokens pass a Conv1D and a pooling layer that shortens the time axis "
            "from 100 to 25 steps before the LSTM.", conv_lstm_text),
    Example("nested_encoder", "A Sequential nested in a functional model",
            "A two-layer GRU encoder built as its own Sequential model is used as one layer.",
            nested_encoder),
    Example("attention_seq2seq", "Encoder-decoder with attention",
            "The decoder starts from the encoder's final states and attends over the "
            "encoder's whole output sequence at every step.", attention_seq2seq),
)
