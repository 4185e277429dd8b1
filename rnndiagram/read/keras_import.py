"""Lazy, quiet import of Keras: the only door through which TensorFlow is loaded."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from types import ModuleType
from typing import Iterator


@contextmanager
def _native_stderr_muted() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null, where C++ logging writes.

    The GPU build of TensorFlow logs its CUDA probe ("Could not find cuda drivers",
    "failed call to cuInit") before absl logging is initialised, so TF_CPP_MIN_LOG_LEVEL
    does not reach those lines (tensorflow/tensorflow#100442).
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_keras() -> ModuleType:
    """Import and return ``keras``, with TensorFlow's start-up log noise silenced.

    The variables are read once, when TensorFlow's runtime loads, so they are set before
    the first import; values the user already set are kept. Python exceptions raised by
    the import still propagate: only native log lines are dropped.
    """
    if "keras" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    with _native_stderr_muted():
        import keras
        import tensorflow as tf

        tf.config.list_physical_devices()  # the CUDA probe logs here, once
    return keras
