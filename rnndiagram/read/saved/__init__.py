"""Stage 0 for saved files: a ``.keras`` archive or a Keras JSON config in, a ModelSpec out.

Only ``config.json`` is read, with :mod:`zipfile` and :mod:`json`: TensorFlow and Keras are
not imported, nothing in the file is executed and nothing is extracted to disk. Shapes
come from the input shapes stored in the file and the shape rules of each supported
layer, and the spec equals the one :func:`rnndiagram.inspect` gives for the live model.

A file is untrusted input: every way it can be malformed (not a zip, no ``config.json``,
unsafe entry names, an oversized or bomb-like entry, invalid JSON, wrong types) is a
:class:`SourceError`, found in bounded time and memory. A layer without a shape rule
(a custom layer) is an :class:`UnsupportedLayerError` unless ``allow_load=True``, which
loads the file with Keras in ``safe_mode`` instead.
"""

from __future__ import annotations

import json
from typing import Any

from ...errors import SourceError, UnsupportedLayerError
from ...spec import ModelSpec
from .archive import MAX_CONFIG_BYTES, PathOrBytes, config_text
from ..config import Cfg, is_model
from .graph import Graph, model_spec

__all__ = ["MAX_CONFIG_BYTES", "is_keras_config", "read_config_json", "read_saved"]


def read_saved(source: PathOrBytes, allow_load: bool = False) -> ModelSpec:
    """The spec of the model saved in a ``.keras`` archive (a path, or the file's bytes).

    Raises :class:`SourceError` for a file that is not a readable Keras archive,
    :class:`NotBuiltError` for a model saved before it was built, and
    :class:`UnsupportedLayerError` for a layer without a shape rule, unless
    ``allow_load`` is true: then the file is loaded with Keras (``safe_mode=True``).
    """
    where = "the archive" if isinstance(source, (bytes, bytearray)) else str(source)
    text = config_text(source, where)
    try:
        return _spec(text, where)
    except UnsupportedLayerError:
        if not allow_load:
            raise
        return _load_archive(source, where)


def read_config_json(text: str, allow_load: bool = False) -> ModelSpec:
    """The spec of a model from its Keras JSON config (``model.to_json()``).

    Errors are those of :func:`read_saved`; with ``allow_load`` an unsupported layer makes
    Keras rebuild the model from the config (``safe_mode=True``) instead.
    """
    try:
        return _spec(text, "the model config")
    except UnsupportedLayerError:
        if not allow_load:
            raise
        from ..live import inspect
        from ..loading import from_config

        model = from_config(json.loads(text))
        return inspect(model)


def is_keras_config(data: Any) -> bool:
    """Whether parsed JSON looks like a Keras model config (and not an rnndiagram spec)."""
    return isinstance(data, dict) and "class_name" in data and "config" in data


def _spec(text: str, where: str) -> ModelSpec:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SourceError(f"{where}: config.json is not valid JSON ({str(exc)[:80]})") from None
    entry = Cfg(data, "config.json")
    kind, module = entry.raw("class_name", None), entry.raw("module", None)
    if kind not in ("Sequential", "Functional"):
        raise UnsupportedLayerError(
            f"{where} holds a {kind!r} model; rnndiagram reads Sequential and functional models "
            f"(a subclassed keras.Model has no layer graph to read)")
    if not is_model(entry):
        raise SourceError(f"{where} was not written by Keras 3 (the model's module is {module!r}); "
                          f"save the model with Keras 3, or pass the model itself")
    try:
        return model_spec(Graph(entry))
    except RecursionError:
        raise SourceError(f"{where}: the model config is nested too deeply") from None
    except (TypeError, KeyError, IndexError, AttributeError, ArithmeticError) as exc:
        # A last guard for untrusted input: the reader checks types where it reads them,
        # but a malformed file must never end in a traceback.
        raise SourceError(f"{where}: config.json is malformed ({type(exc).__name__}: {exc})") from None


def _load_archive(source: PathOrBytes, where: str) -> ModelSpec:
    """The fallback: load with Keras (safe_mode, no compile) and read the live model."""
    from ..live import inspect
    from ..loading import load_model

    return inspect(load_model(source if isinstance(source, (bytes, bytearray)) else str(source), where))
