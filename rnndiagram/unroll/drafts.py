"""Stage 2, the pieces its modules share: the shown columns, and drafts of panels and handles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Protocol, Sequence, Tuple

from ..options import DiagramOptions
from ..spec import LayerSpec
from .graph import Column, PanelKind, Row, Strip


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

    def columns(self) -> Dict[int, str]:
        """The node of each column, for a tensor drawn per step."""
        if self.per_col is None:
            raise ValueError(f"the tensor drawn as {self.node} is not a sequence")
        return self.per_col


@dataclass
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



class Sketch(Protocol):
    """What a part of the unroller may do to the graph being drawn: all it sees of the builder."""

    def panel(self, index: int) -> _PanelDraft: ...

    def kind(self, node_id: str) -> str:
        """The kind of a node already drawn (``cell``, ``ellipsis``...)."""

    def handle(self, layer: str, tensor: int) -> Optional[_Handle]:
        """Where output ``tensor`` of ``layer`` is drawn, if it is."""

    def set_handle(self, layer: str, tensor: int, handle: _Handle) -> None: ...

    def strip(self, dims: Sequence[Optional[int]], key: Optional[str] = None, zero: bool = False) -> Strip:
        """A value strip, with its numbers in values mode."""

    def add_row(self, panel: _PanelDraft, kind: str, layer: Optional[str] = None, gutter: Sequence[str] = (),
                legend: Optional[str] = None, backdrop: bool = False) -> int: ...

    def add_node(self, **fields: object) -> str: ...

    def add_edge(self, src: str, dst: str, kind: str, **fields: object) -> None: ...

    def ellipsis(self, panel: _PanelDraft, row: int, col: int, node_id: str, layer: Optional[str] = None) -> str: ...

    def gutter(self, layer: LayerSpec, flags: Sequence[str] = ()) -> Tuple[str, ...]: ...

    def output_legend(self, layer: LayerSpec, tensor: int, default: Optional[str]) -> Optional[str]: ...

    def output_index(self, layer: LayerSpec, tensor: int) -> Optional[int]:
        """Which model output this tensor is, if it is one."""

    def source_name(self, layer_id: str) -> str:
        """A layer call as captions name it: ``encoder``, ``encoder (call 2)``."""

    def state_input(self, layer_id: str) -> Optional[LayerSpec]:
        """The Input layer of that id, if it is drawn only as the initial state it gives."""

    def state_label(self, layer_id: str, tensor: int, entering: str) -> str:
        """Which state output ``tensor`` of a recurrent layer is (``h``, ``c``, ``fwd h``...);
        of any other layer, the name of the state it is ``entering``."""

    def strips_row(self, panel: _PanelDraft, layer: LayerSpec, src_of: Dict[int, str],
                   dims: Tuple[Optional[int], ...], legend: Optional[str], returned: Sequence[int],
                   kind: str = "output", stepwise: bool = True,
                   outputs: Optional[Dict[int, Optional[int]]] = None) -> Dict[int, str]: ...

    def head_strip(self, layer: LayerSpec, panel: _PanelDraft, src: str) -> str: ...

    def last_node(self, handle: _Handle) -> str: ...
