"""One small model per kind of cell, for the page "Inside the cell" (cells.rst)."""

import keras
from keras import layers


def _one(layer, shape=(5, 3)):
    return keras.Sequential([keras.Input(shape=shape, name="x"), layer], name=layer.name + "_model")


def simple_rnn():
    return _one(layers.SimpleRNN(4, name="simple_rnn"))


def lstm():
    return _one(layers.LSTM(4, name="lstm"))


def gru():
    return _one(layers.GRU(4, name="gru"))


def gru_reset_before():
    return _one(layers.GRU(4, reset_after=False, name="gru"))


def conv_lstm():
    return _one(layers.ConvLSTM2D(4, 3, padding="same", name="conv_lstm"), shape=(5, 8, 8, 1))


def lstm_settings():
    return _one(layers.LSTM(4, activation="relu", recurrent_activation="hard_sigmoid", use_bias=False,
                            dropout=0.2, name="lstm"))
