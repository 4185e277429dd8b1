"""What the tests build that older Keras 3 releases spell differently (CI runs the tests on
the oldest supported release too)."""

from __future__ import annotations

import importlib.util
import inspect
from typing import Any, Callable

import pytest


def named_op(cls: type) -> Callable[..., Any]:
    """The operation class ``cls``, taking ``name=`` as its constructor does from Keras 3.11;
    on older releases the name is set once the op is made."""
    if "name" in inspect.signature(cls.__init__).parameters:  # type: ignore[misc]
        return cls

    def make(*args: Any, name: str, **kwargs: Any) -> Any:
        op = cls(*args, **kwargs)
        op.name = name
        return op
    return make


def keras_version() -> tuple:
    """The installed Keras release as a tuple of ints, e.g. ``(3, 15, 1)``."""
    import keras

    return tuple(int(part) for part in keras.__version__.split(".")[:3] if part.isdigit())


TENSORFLOW_ONLY = ("TextVectorization", "StringLookup", "IntegerLookup", "Hashing", "HashedCrossing")
"""Keras layers that run on TensorFlow whatever the backend: without it Keras refuses to make
them ("Layer TextVectorization requires TensorFlow")."""


def has_tensorflow() -> bool:
    return importlib.util.find_spec("tensorflow") is not None


def needs_tensorflow(uses: bool) -> Any:
    """The mark of a test that builds one of :data:`TENSORFLOW_ONLY` (when ``uses``): it
    must fail with Keras's ImportError where TensorFlow is not installed."""
    return pytest.mark.xfail(uses and not has_tensorflow(), raises=ImportError, strict=True,
                             reason="Keras makes this layer with TensorFlow, which is not installed")
