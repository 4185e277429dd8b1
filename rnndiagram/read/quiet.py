"""TensorFlow's start-up log kept off the terminal, without importing TensorFlow.

Used where Keras is imported (:mod:`.keras_import`) and where a user's own file runs,
which may import TensorFlow before rnndiagram does.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterator

#: Read once, when TensorFlow's runtime loads, so they are set before its first import;
#: values the user already set are kept.
LOG_SETTINGS = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}


def quiet_settings() -> None:
    """Set TensorFlow's log variables, unless the user has."""
    for name, value in LOG_SETTINGS.items():
        os.environ.setdefault(name, value)


@contextmanager
def native_stderr_muted() -> Iterator[None]:
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
