"""The gate view's data: what stage 2 (``figure``) hands the layout and the DOT renderer,
one step of each cell as parts on a logical grid and the flows between them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Tuple

from ... import labels
from ...unroll.graph import Heatmap, Strip

PartKind = Literal["gate", "linear", "op", "act", "state", "input", "output", "custom"]
Route = Literal["up", "side", "side_up", "up_side"]
"""How a flow runs: ``up`` leaves the top of its source and enters the bottom of its
destination (across the gap below it); ``side`` runs straight across one row; ``side_up``
leaves the side of its source along its row, then rises into the destination's bottom;
``up_side`` rises from its source to the destination's row and enters its side."""


@dataclass(frozen=True)
class WeightLabel:
    """A block of a weight that a part reads: ``W_f (8, 32)``, from ``kernel``."""

    symbol: str
    weight: str
    shape: Tuple[int, ...]
    gate: str

    @property
    def text(self) -> str:
        return f"{self.symbol} {labels.array_shape(self.shape)}"


@dataclass(frozen=True)
class Part:
    """Something drawn in a cell: a gate, a pointwise operation, a state or input strip.

    ``label`` is a gate's heading, an operation's symbol or an activation's name;
    ``formula`` what a gate computes; ``caption`` the name beside a strip (``side`` -1 puts
    it left, +1 right, 0 under it); ``notes`` small lines under a strip or in a gate.
    """

    id: str
    kind: PartKind
    col: float
    row: int
    label: str = ""
    formula: str = ""
    gate: Optional[str] = None
    weights: Tuple[WeightLabel, ...] = ()
    notes: Tuple[str, ...] = ()
    strip: Optional[Strip] = None
    caption: str = ""
    side: int = 0


@dataclass(frozen=True)
class Flow:
    """An arrow from part ``src`` to part ``dst``; ``state`` marks one carrying a state
    (drawn thick, as the unrolled view's state arrows); ``port`` orders the arrows entering
    a destination's bottom, left first (by their source's column when not given); ``via``
    is the row under which an ``up`` arrow runs across (default: its destination's), so the
    input can run under the previous state's line to every gate."""

    src: str
    dst: str
    route: Route
    state: bool = False
    port: Optional[int] = None
    via: Optional[int] = None


@dataclass(frozen=True)
class TableRow:
    """One weight as Keras stores it, and its blocks: one per gate along the last axis."""

    name: str
    shape: Tuple[int, ...]
    blocks: Tuple[Tuple[str, Tuple[int, ...]], ...]
    note: str = ""


@dataclass(frozen=True)
class CellFigure:
    """One step of one cell: of a layer, a direction of a Bidirectional, or a cell of a stack."""

    key: str
    layer: str
    heading: Tuple[str, ...]
    params: Optional[int]
    parts: Tuple[Part, ...]
    flows: Tuple[Flow, ...]
    table: Tuple[TableRow, ...] = ()
    total: str = ""
    direction: Optional[str] = None
    cell: Optional[int] = None
    step: str = "t"
    heatmaps: Tuple[Heatmap, ...] = ()
    """Its gates over every timestep (``heatmap=True``), drawn under it."""
    also: Tuple[str, ...] = ()
    """The other layers it is drawn for (a ``go_backwards`` twin of the same cell)."""
    value_part: str = "0"
    """Which of the layer's cells its numbers are keyed by (``spec.gate_key``): its direction
    (0 forward, 1 backward), then its place in a stack (``0.1``)."""

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)


@dataclass(frozen=True)
class GateFigure:
    """Every recurrent layer's cell (each layer once, however often it is called)."""

    name: str
    summary: str
    cells: Tuple[CellFigure, ...]
