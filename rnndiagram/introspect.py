"""Stage 0, introspection: a built Keras model in, a ModelSpec out (placeholder)."""

from __future__ import annotations

from typing import Any

from .spec import ModelSpec


def inspect(model: Any) -> ModelSpec:
    raise NotImplementedError
