"""Two specs of one graph, traced at two batch sizes (``trace.BATCHES``), made one: the
sizes that differ between them depend on the batch and are unknown (``None``).

Only a size in a shape (a tuple of sizes) may differ; anything else that differs (a layer
more, another name, a count) means the graph is not the same at every batch size, and the
specs have no common form.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional, TypeVar

T = TypeVar("T")


class _Differ(Exception):
    """The two specs differ in more than the sizes of their shapes."""


def unified(first: T, second: T) -> Optional[T]:
    """``first`` with each size of a shape that ``second`` gives otherwise made ``None``; or
    ``None`` where the two differ in anything else."""
    try:
        return _unify(first, second)
    except _Differ:
        return None


def _unify(a: Any, b: Any) -> Any:
    if type(a) is not type(b):
        raise _Differ
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        fields = {f.name: _unify(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)}
        changed = {k: v for k, v in fields.items() if v is not getattr(a, k)}
        return dataclasses.replace(a, **changed) if changed else a
    if isinstance(a, (tuple, list)):
        if len(a) != len(b):
            raise _Differ
        if isinstance(a, tuple) and _shape(a) and _shape(b):
            return a if a == b else tuple(x if x == y else None for x, y in zip(a, b))
        items = [_unify(x, y) for x, y in zip(a, b)]
        return a if all(x is y for x, y in zip(items, a)) else type(a)(items)
    if isinstance(a, dict):
        if list(a) != list(b):
            raise _Differ
        values = {k: _unify(a[k], b[k]) for k in a}
        return a if all(values[k] is a[k] for k in a) else values
    if a != b:
        raise _Differ
    return a


def _shape(value: tuple) -> bool:
    """Whether ``value`` is a shape: sizes, each an int or ``None`` (not a bool)."""
    return all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value)
