"""The unrolled graph: what to draw (nodes on a time grid, labelled edges), not where.

``unroll`` produces it from a ModelSpec; ``layout`` and the DOT renderer consume it.
Positions here are logical: a panel (one time axis), a row in that panel (bottom to top)
and a column (a shown timestep), never coordinates.
"""

from __future__ import annotations

from typing import Literal, Optional, Tuple

from .._records import frozen

NodeKind = Literal["token", "input", "cell", "init", "strip", "box", "band", "merge", "ellipsis", "final"]
PanelKind = Literal["time", "stack"]
EdgeKind = Literal["input", "state", "output", "data", "handoff", "feedback"]
RowKind = Literal["tokens", "inputs", "cells", "strips", "boxes", "band", "head"]


@frozen
class Strip:
    """A value drawn as small cells: a vector (one cell per unit) or a tensor.

    ``dims`` is the shape of one step without batch (``(4,)``, ``(8, 8, 5)``); ``values``
    the numbers to print (values mode), ``zero`` marks a zero initial state.
    """

    dims: Tuple[Optional[int], ...]
    values: Optional[Tuple[float, ...]] = None
    zero: bool = False

    @property
    def size(self) -> Optional[int]:
        return self.dims[0] if len(self.dims) == 1 else None


@frozen
class Column:
    """One shown timestep of a panel; ``key`` is what ``data-t`` says ("1", "T", "…")."""

    key: str
    t: Optional[int]
    ellipsis: bool = False


@frozen
class Row:
    """A horizontal band of a panel, with the text for the left gutter and right legend."""

    index: int
    kind: RowKind
    layer: Optional[str] = None
    gutter: Tuple[str, ...] = ()
    legend: Optional[str] = None
    backdrop: bool = False
    group: Optional[str] = None  # the nested model a row belongs to (expand_nested)
    names: Tuple[int, ...] = ()  # gutter lines that name a layer past the first (a chain's, a shared row's), bold
    repeat: Optional[str] = None  # the run of blocks drawn once it belongs to: "× 4  lstm_1 … dense_4"
    named_layers: Tuple[str, ...] = ()  # the layer each line of ``names`` names (a chain's, a shared row's)

    def named(self, line: int) -> bool:
        """Whether gutter line ``line`` names a layer (drawn bold)."""
        return bool(self.gutter and self.gutter[0]) and (line == 0 or line in self.names)

    def line_layer(self, line: int) -> Optional[str]:
        """The layer gutter line ``line`` is about: the one the last line naming a layer at or
        before it names (the row's own, before any such line)."""
        layer = self.layer
        for at, named in zip(self.names, self.named_layers):
            if at <= line:
                layer = named
        return layer


@frozen
class Node:
    """Something drawn: a cell, a strip, a box, a token.

    ``col`` is the column index in the panel (``None`` for a band across all columns);
    ``side`` puts init/final states left (-1) or right (+1) of the columns. ``lane`` is
    (index, count) when several nodes share one grid place (Bidirectional directions), or
    bands one row (each over its share of the columns).
    ``output`` is the index of the model output the node shows, if it shows one.
    """

    id: str
    kind: NodeKind
    panel: int
    row: int
    col: Optional[int]
    label: str = ""
    detail: str = ""
    layer: Optional[str] = None
    t: Optional[str] = None
    strip: Optional[Strip] = None
    faint: bool = False
    side: int = 0
    lane: Tuple[int, int] = (0, 1)
    state: Optional[str] = None
    output: Optional[int] = None


@frozen
class Edge:
    """An arrow from ``src`` to ``dst`` (node ids), with the value it carries; ``dims`` is
    the shape of one step of that value where no strip of its own draws it (out of a box)."""

    id: str
    src: str
    dst: str
    kind: EdgeKind
    label: str = ""
    layer: Optional[str] = None
    state: Optional[str] = None
    strip: Optional[Strip] = None
    faint: bool = False
    dashed: bool = False
    dims: Optional[Tuple[Optional[int], ...]] = None


@frozen
class Panel:
    """A band of rows drawn together: one time axis and the layers drawn on it (``time``),
    or a stack of layers after the sequences have collapsed (``stack``, one column)."""

    index: int
    columns: Tuple[Column, ...]
    rows: Tuple[Row, ...]
    title: str = ""
    kind: PanelKind = "time"


@frozen
class UnrolledGraph:
    """The model unrolled: its panels, nodes and edges; ``compact`` asks the layout for its
    compact style (rows closer together), chosen to keep within the size budget."""

    name: str
    summary: str
    panels: Tuple[Panel, ...]
    nodes: Tuple[Node, ...]
    edges: Tuple[Edge, ...]
    heatmaps: Tuple["Heatmap", ...] = ()
    compact: bool = False

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


@frozen
class Heatmap:
    """A state (or gate) of one recurrent row over every timestep (``heatmap=True``):
    ``values[i][j]`` is unit ``units[j]`` (from 0) after step ``steps[i]`` (from 1). Past
    the bounds of ``read.heat_values`` the steps and units are an even sample of
    ``total_steps`` and ``total_units``; ``positions`` > 1 says a feature map's channels are
    averaged over that many positions. ``tokens`` label the steps (from step 1), where given."""

    panel: int
    row: int
    layer: str
    state: str
    direction: Optional[str]
    steps: Tuple[int, ...]
    units: Tuple[int, ...]
    values: Tuple[Tuple[float, ...], ...]
    total_steps: int
    total_units: int
    positions: int = 1
    tokens: Tuple[str, ...] = ()
