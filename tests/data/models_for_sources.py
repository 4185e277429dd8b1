"""Model sources used by the CLI tests (path/to/file.py:attr)."""

import keras


def build():
    return keras.Sequential([keras.Input((3, 2), name="x"), keras.layers.GRU(4, name="gru")], name="from_file")


built = build()
not_a_model = 42


def broken():
    raise RuntimeError("no data here")


def unbuilt():
    return keras.Sequential([keras.layers.LSTM(4, name="lstm")], name="unbuilt")


def quits():
    import sys

    sys.exit(3)
