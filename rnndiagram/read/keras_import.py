"""Lazy, quiet import of Keras: the only door through which Keras, and TensorFlow when it is
Keras's backend, are loaded."""

from __future__ import annotations

import sys
from types import ModuleType

from ..errors import MissingDependencyError
from .quiet import native_stderr_muted, quiet_settings


def import_keras() -> ModuleType:
    """Import and return ``keras``, with TensorFlow's start-up log noise silenced.

    TensorFlow is imported only when it is Keras's backend (``KERAS_BACKEND``, or
    ``~/.keras/keras.json``); JAX and PyTorch need nothing more. TensorFlow's variables are
    read once, when its runtime loads, so they are set before the first import; values the
    user already set are kept. Without Keras or its backend the error names the extras to
    install; other Python exceptions raised by the import propagate: only native log lines
    are dropped.
    """
    if "keras" in sys.modules:
        return sys.modules["keras"]
    quiet_settings()
    with native_stderr_muted():
        try:
            import keras
        except ImportError as exc:
            raise MissingDependencyError(_missing(exc)) from None
        check_version(keras.__version__)
        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.list_physical_devices()  # the CUDA probe logs here, once
    return keras


MIN_KERAS = (3, 7)
"""The oldest Keras supported: the lower bound in pyproject.toml (.ci/run tests it)."""


def check_version(version: str) -> None:
    """Refuse a Keras older than :data:`MIN_KERAS` (Keras 2, or an early Keras 3 installed
    past pip's resolver) in one line, before its missing parts fail deep in a reader."""
    parts = tuple(int(p) if p.isdigit() else 0 for p in version.split(".")[:2])
    if parts < MIN_KERAS:
        wanted = ".".join(map(str, MIN_KERAS))
        raise MissingDependencyError(f"rnndiagram needs Keras {wanted} or newer, and Keras {version} is "
                                     f"installed: pip install -U \"keras>={wanted}\"")


EXTRAS = ('pip install "rnndiagram[tensorflow]", or "rnndiagram[jax]" or "rnndiagram[torch]" '
          'with KERAS_BACKEND=jax or torch')
"""How to install Keras with a backend."""


def _missing(exc: ImportError) -> str:
    """One line for a Keras that cannot be imported: no Keras, or no package for its backend."""
    if exc.name == "keras":
        return f"rnndiagram needs Keras 3 and a backend to read a live model: {EXTRAS}"
    return (f"Keras cannot import its backend ({exc}): {EXTRAS}; a saved model file is drawn "
            f"without any")


def seed_weights(seed: int) -> None:
    """Seed Keras's random generators (and Python's and NumPy's): a model built next gets
    the same weights every time, so the numbers values mode prints repeat. On another
    backend, TensorFlow is kept out (Keras's ``set_random_seed`` imports it to seed it
    whenever it is installed)."""
    keras = import_keras()
    if keras.backend.backend() == "tensorflow" or "tensorflow" in sys.modules:
        keras.utils.set_random_seed(seed)
        return
    sys.modules["tensorflow"] = None  # type: ignore[assignment]  # import tensorflow: ImportError
    try:
        keras.utils.set_random_seed(seed)
    finally:
        del sys.modules["tensorflow"]
