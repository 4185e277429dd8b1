"""The five figures of the blog post the project started from: three words of size 2 through
a SimpleRNN of 4 units, its Dense head, its whole sequence, TimeDistributed and a stack."""

from __future__ import annotations

from typing import TYPE_CHECKING, Tuple

from ..read.keras_import import import_keras
from .base import SEED_TOKENS, Example

if TYPE_CHECKING:
    import keras


def seed_simple_rnn() -> keras.Model:
    keras = import_keras()
    return keras.Sequential([
        keras.Input(shape=(3, 2), name="words"),
        keras.layers.SimpleRNN(4, name="simple_rnn"),
    ], name="seed_simple_rnn")


def seed_dense() -> keras.Model:
    keras = import_keras()
    return keras.Sequential([
        keras.Input(shape=(3, 2), name="words"),
        keras.layers.SimpleRNN(4, name="simple_rnn"),
        keras.layers.Dense(1, name="dense"),
    ], name="seed_dense")


def seed_return_sequences() -> keras.Model:
    keras = import_keras()
    return keras.Sequential([
        keras.Input(shape=(3, 2), name="words"),
        keras.layers.SimpleRNN(4, return_sequences=True, name="simple_rnn"),
    ], name="seed_return_sequences")


def seed_time_distributed() -> keras.Model:
    keras = import_keras()
    return keras.Sequential([
        keras.Input(shape=(3, 2), name="words"),
        keras.layers.SimpleRNN(4, return_sequences=True, name="simple_rnn"),
        keras.layers.TimeDistributed(
            keras.layers.Dense(4, activation="softmax", name="dense"), name="time_distributed"),
    ], name="seed_time_distributed")


def seed_stacked() -> keras.Model:
    keras = import_keras()
    return keras.Sequential([
        keras.Input(shape=(3, 2), name="words"),
        keras.layers.SimpleRNN(4, return_sequences=True, name="simple_rnn"),
        keras.layers.SimpleRNN(4, name="simple_rnn_1"),
    ], name="seed_stacked")


EXAMPLES: Tuple[Example, ...] = (
    Example("seed_simple_rnn", "SimpleRNN, many to one",
            "Three words of size 2 go through a SimpleRNN of 4 units; only the last "
            "cell's output leaves the layer.", seed_simple_rnn, SEED_TOKENS),
    Example("seed_dense", "SimpleRNN and a Dense head",
            "The last output of the SimpleRNN is read by a Dense layer of one unit.",
            seed_dense, SEED_TOKENS),
    Example("seed_return_sequences", "SimpleRNN, return_sequences=True",
            "Every cell's output of size 4 leaves the layer, one per word.",
            seed_return_sequences, SEED_TOKENS),
    Example("seed_time_distributed", "TimeDistributed Dense over a sequence",
            "The same Dense softmax of 4 classes is applied to the output of every timestep.",
            seed_time_distributed, SEED_TOKENS),
    Example("seed_stacked", "Two stacked SimpleRNNs",
            "The first layer returns its whole sequence, which the second reads step by "
            "step before returning its last output.", seed_stacked, SEED_TOKENS),
)
