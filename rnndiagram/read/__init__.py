"""Stage 0, reading: a Keras model, live or saved in a file, into a ModelSpec.

``live`` reads a built Keras model, ``saved`` a ``.keras`` file or a Keras config without
importing Keras; both describe each call through the one layer table (``layers``) and the
one spec builder (``build``).
"""
