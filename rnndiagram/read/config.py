"""Stage 0 for saved files: typed, located access to untrusted Keras config JSON.

Every value read from a file goes through :class:`Cfg`, so a wrong type is a
:class:`SourceError` that names where it was found, never a ``KeyError`` or ``TypeError``.
"""

from __future__ import annotations

import builtins
from typing import Any, Dict, Optional, Tuple

from ..errors import SourceError
from ..spec import Shape

_MISSING: Any = object()

SIZES = frozenset({"units", "filters", "input_dim", "output_dim"})
"""Settings that are sizes: Keras refuses a layer whose size is 0 or negative, so a file
that states one is invalid (not a shape the rules disagree with)."""


class Cfg:
    """A JSON object from the file and where it sits (``layers[2].config``), for messages."""

    def __init__(self, data: Any, where: builtins.str) -> None:
        if not isinstance(data, dict):
            raise SourceError(f"{where}: expected a JSON object, got {_kind(data)}")
        self.data: Dict[str, Any] = data
        self.where = where

    def __contains__(self, key: builtins.str) -> bool:
        return key in self.data

    def raw(self, key: builtins.str, default: Any = _MISSING) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise SourceError(f"{self.where}: the key {key!r} is missing")
        return default

    def sub(self, key: builtins.str) -> "Cfg":
        return Cfg(self.raw(key), f"{self.where}.{key}")

    def str(self, key: builtins.str, default: Any = _MISSING) -> Any:
        value = self.raw(key, default)
        if not isinstance(value, str) and value is not default:
            raise self.wrong(key, "a string", value)
        return value

    def bool(self, key: builtins.str, default: Any = _MISSING) -> Any:
        value = self.raw(key, default)
        if not isinstance(value, bool) and value is not default:
            raise self.wrong(key, "true or false", value)
        return value

    def int(self, key: builtins.str, default: Any = _MISSING) -> Any:
        value = self.raw(key, default)
        if not is_int(value) and value is not default:
            raise self.wrong(key, "an integer", value)
        if key in SIZES and value is not default and value < 1:
            raise SourceError(f"{self.where}.{key}: invalid {key} {value}; a Keras layer's {key} is a "
                              f"positive integer")
        return value

    def ints(self, key: builtins.str, rank: builtins.int, default: Any = _MISSING) -> Tuple[builtins.int, ...]:
        """An int or a list of ``rank`` ints (kernel sizes, strides) as a tuple."""
        value = self.raw(key, default)
        if is_int(value):
            return (value,) * rank
        if isinstance(value, list) and len(value) == rank and all(is_int(v) and v > 0 for v in value):
            return tuple(value)
        raise self.wrong(key, f"an integer or a list of {rank} positive integers", value)

    def shape(self, key: builtins.str) -> Shape:
        return to_shape(self.raw(key), f"{self.where}.{key}")

    def wrong(self, key: builtins.str, expected: builtins.str, value: Any) -> SourceError:
        return SourceError(f"{self.where}.{key}: expected {expected}, got {_short(value)}")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_shape(value: Any) -> bool:
    return isinstance(value, list) and all(d is None or (is_int(d) and d >= 0) for d in value)


def to_shape(value: Any, where: str) -> Shape:
    """A shape from JSON: a list of non-negative ints and nulls."""
    if not is_shape(value):
        raise SourceError(f"{where}: expected a shape (a list of sizes and nulls), got {_short(value)}")
    return tuple(value)


def optional_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_MODEL_MODULES = ("keras", "keras.models", "keras.src.models.functional", "keras.src.models.sequential")


def is_op(entry: Cfg) -> bool:
    """A raw ``keras.ops`` operation (NotEqual, Any...), which is not a layer."""
    module = entry.raw("module", None)
    return isinstance(module, str) and module.startswith("keras.src.ops.")


def is_model(entry: Cfg) -> bool:
    """A nested Sequential or functional model."""
    return entry.raw("class_name", None) in ("Sequential", "Functional") \
        and entry.raw("module", None) in _MODEL_MODULES


def is_builtin(entry: Cfg) -> bool:
    """One of Keras's own layers (not a custom one of the same name)."""
    module, registered = entry.raw("module", None), entry.raw("registered_name", None)
    return (module == "keras.layers" or (isinstance(module, str) and module.startswith("keras.src.layers"))) \
        and registered in (None, entry.raw("class_name", None))


def entry_name(entry: Cfg) -> str:
    """The name of a serialized layer or op."""
    name = entry.raw("name", None)
    if name is None:
        name = entry.sub("config").str("name")
    if not isinstance(name, str) or not name:
        raise entry.wrong("name", "a layer name", name)
    return name
