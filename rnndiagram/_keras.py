"""Lazy, quiet import of Keras: the only door through which TensorFlow is loaded."""

from __future__ import annotations

import os
from types import ModuleType


def import_keras() -> ModuleType:
    """Import and return ``keras``, with TensorFlow's start-up log noise silenced.

    These variables are read once, when TensorFlow's C++ runtime loads, so they must be
    set before the first import; a value the user already set is kept.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import keras

    return keras
