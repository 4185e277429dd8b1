"""What a Keras user runs today to draw a saved model: load it, then plot_model to SVG.

Usage: python plot_model_script.py MODEL.keras OUT.svg
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402


def plot(model, path):
    """plot_model to an SVG file. With IPython installed, plot_model then tries to show
    the file as an IPython Image, which refuses SVG: the file is written by then."""
    try:
        keras.utils.plot_model(model, to_file=path, show_shapes=True)
    except ValueError as exc:
        if "Cannot embed the 'svg' image format" not in str(exc):
            raise


if __name__ == "__main__":
    plot(keras.saving.load_model(sys.argv[1], compile=False), sys.argv[2])
