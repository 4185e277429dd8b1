"""Models for the inside of the cell (the gate view): settings that change a cell's step,
a cell called directly, and a stack deep enough to need the rolled view."""

from __future__ import annotations

from typing import TYPE_CHECKING, Tuple

from ..read.keras_import import import_keras
from .base import Example

if TYPE_CHECKING:
    import keras


def gate_settings() -> keras.Model:
    keras = import_keras()
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(6, 3), name="readings"),
        layers.LSTM(4, activation="relu", recurrent_activation="hard_sigmoid", unit_forget_bias=False,
                    dropout=0.2, recurrent_dropout=0.1, return_sequences=True, name="lstm"),
        layers.GRU(4, reset_after=False, use_bias=False, name="gru"),
        layers.Dense(1, name="score"),
    ], name="gate_settings")


def autoregressive_cell() -> keras.Model:
    keras = import_keras()
    layers = keras.layers
    inputs = keras.Input(shape=(5, 2), name="history")
    cell = layers.LSTMCell(4, name="cell")
    warm_up = layers.RNN(cell, return_state=True, name="warm_up")
    predict = layers.Dense(2, name="predict")
    output, *state = warm_up(inputs)
    prediction = predict(output)
    predictions = [prediction]
    for _ in range(2):  # the same cell, called directly on its own last prediction
        output, state = cell(prediction, states=state)
        prediction = predict(output)
        predictions.append(prediction)
    joined = layers.Concatenate(name="joined")(predictions)
    forecast = layers.Reshape((3, 2), name="forecast")(joined)
    return keras.Model(inputs, forecast, name="autoregressive_cell")


def deep_bidirectional_gru() -> keras.Model:
    keras = import_keras()
    layers = keras.layers
    model = keras.Sequential([keras.Input(shape=(50, 16), name="spectrogram")], name="deep_bidirectional_gru")
    for i in range(1, 6):
        model.add(layers.Bidirectional(layers.GRU(8, return_sequences=True, name=f"gru_{i}"),
                                       name=f"bidirectional_{i}"))
    model.add(layers.Dense(5, activation="softmax", name="characters"))
    return model


EXAMPLES: Tuple[Example, ...] = (
    Example("gate_settings", "Cell settings: activations, biases, reset_after, dropout",
            "An LSTM with relu and hard_sigmoid, no forget-bias trick and dropout, then a GRU "
            "with reset_after=False and no biases: each setting changes what one step computes.",
            gate_settings),
    Example("autoregressive_cell", "A cell called directly",
            "An RNN warms an LSTMCell up on the history; then the same cell is called directly, "
            "one step per call, on its own last prediction, as in TensorFlow's forecasting "
            "tutorial.", autoregressive_cell),
    Example("deep_bidirectional_gru", "Five stacked bidirectional GRUs",
            "Five Bidirectional GRU layers over 50 steps, as in DeepSpeech 2: alike, they are "
            "drawn once, × 5; the model the rolled view was made for.", deep_bidirectional_gru),
)
