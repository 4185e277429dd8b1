"""Stage 2, the pieces its modules share: the shown columns, and drafts of panels and handles."""

from __future__ import annotations

from dataclasses import field
from typing import Dict, List, Optional, Tuple

from .._records import record
from ..options import DiagramOptions
from .graph import Column, PanelKind, Row


def shown_columns(timesteps: Optional[int], options: DiagramOptions) -> Tuple[Column, ...]:
    """The timesteps drawn: all of them, or the first few, an ellipsis and the last."""
    length = timesteps if timesteps is not None else options.timesteps
    limit = options.max_timesteps
    if length is not None and length <= limit:
        return tuple(Column(str(t), t) for t in range(1, length + 1))
    first = tuple(Column(str(t), t) for t in range(1, limit - 1))
    last = Column("T", None) if length is None else Column(str(length), length)
    return first + (Column("…", None, ellipsis=True), last)


@record
class _Handle:
    """Where a tensor is drawn: one node per column (a sequence) or one node (a vector)."""

    panel: int
    dims: Tuple[Optional[int], ...]
    per_col: Optional[Dict[int, str]] = None
    node: Optional[str] = None

    def columns(self) -> Dict[int, str]:
        """The node of each column, for a tensor drawn per step."""
        if self.per_col is None:
            raise ValueError(f"the tensor drawn as {self.node} is not a sequence")
        return self.per_col


@record
class _PanelDraft:
    index: int
    columns: Tuple[Column, ...]
    timesteps: Optional[int]
    rows: List[Row] = field(default_factory=list)
    kind: PanelKind = "time"
    title: Optional[str] = None

    @property
    def last(self) -> int:
        return len(self.columns) - 1
