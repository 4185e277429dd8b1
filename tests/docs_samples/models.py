"""A model defined in the sample projects' own file (the file.py:attr source form)."""

import keras

UNITS = 4


def build():
    return keras.Sequential([keras.Input((5, 3), name="steps"), keras.layers.GRU(UNITS, name="gru")],
                            name="sample_gru")
