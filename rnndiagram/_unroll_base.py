"""Pieces shared by the unroll stage's modules: value keys, shown columns, drafts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

from .graph import Column, Row
from .options import DiagramOptions

Values = Mapping[str, Tuple[float, ...]]
"""Real numbers for values mode, keyed by :func:`value_key`."""


def value_key(layer: str, tensor: int, t: Optional[int] = None, state: Optional[str] = None) -> str:
    """Key of one value: output ``tensor`` of ``layer`` (at 1-based step ``t``), or the
    state named ``state`` (e.g. ``"0/h"``: direction 0, state h) after step ``t``."""
    base = f"{layer}:{tensor}" if state is None else f"{layer}:state:{state}"
    return base if t is None else f"{base}:{t}"


def shown_columns(timesteps: Optional[int], options: DiagramOptions) -> Tuple[Column, ...]:
    """The timesteps drawn: all of them, or the first few, an ellipsis and the last."""
    length = timesteps if timesteps is not None else options.timesteps
    limit = options.max_timesteps
    if length is not None and length <= limit:
        return tuple(Column(str(t), t) for t in range(1, length + 1))
    first = tuple(Column(str(t), t) for t in range(1, limit - 1))
    last = Column("T", None) if length is None else Column(str(length), length)
    return first + (Column("…", None, ellipsis=True), last)


@dataclass
class _Handle:
    """Where a tensor is drawn: one node per column (a sequence) or one node (a vector)."""

    panel: int
    dims: Tuple[Optional[int], ...]
    per_col: Optional[Dict[int, str]] = None
    node: Optional[str] = None


@dataclass
class _PanelDraft:
    index: int
    columns: Tuple[Column, ...]
    timesteps: Optional[int]
    rows: List[Row] = field(default_factory=list)

    @property
    def last(self) -> int:
        return len(self.columns) - 1


