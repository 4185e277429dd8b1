"""Lazy, quiet import of Keras: the only door through which TensorFlow is loaded."""

from __future__ import annotations

import sys
from types import ModuleType

from .quiet import native_stderr_muted, quiet_settings


def import_keras() -> ModuleType:
    """Import and return ``keras``, with TensorFlow's start-up log noise silenced.

    The variables are read once, when TensorFlow's runtime loads, so they are set before
    the first import; values the user already set are kept. Python exceptions raised by
    the import still propagate: only native log lines are dropped.
    """
    if "keras" in sys.modules:
        return sys.modules["keras"]
    quiet_settings()
    with native_stderr_muted():
        import keras
        import tensorflow as tf

        tf.config.list_physical_devices()  # the CUDA probe logs here, once
    return keras
