"""Stage 0, the output-shape rules of Keras's layers and ops, for files (which hold no output
shapes): ``base`` (what a rule receives), ``core`` and ``preprocessing`` (layers; the layer
table says which class has which), ``ops`` (the ``keras.ops`` operations and their table)."""
