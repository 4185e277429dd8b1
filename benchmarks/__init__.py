"""Benchmarks of rnndiagram against Keras's own plot_model; run with ``python -m benchmarks``."""
