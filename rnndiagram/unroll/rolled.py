"""Stage 2 of the rolled view: a ModelSpec in, a :class:`RolledGraph` (one node per layer
call, on rows) out.

A recurrent layer is one cell with a loop carrying its states, "× T" times (a
Bidirectional has a cell each way); every other layer is one box, so the whole model is
a compact column of at most one row per layer: a layer sits one row above the highest
layer it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Literal, Optional, Tuple

from .. import labels
from ..options import DiagramOptions
from ..spec import LayerSpec, ModelSpec, RecurrentSpec
from .builder import summary
from .nesting import inline_nested

NodeKind = Literal["input", "recurrent", "box", "merge", "model"]


@dataclass(frozen=True)
class RolledCell:
    """One rolled cell: its kind, which way it runs, the states its loop carries (``h · 32``)
    and how often it runs (``× 20``)."""

    id: str
    label: str
    loop: Tuple[str, ...]
    repeat: str
    direction: Optional[str] = None
    backwards: bool = False


@dataclass(frozen=True)
class RolledNode:
    """One layer call: ``lines`` name it (its name, title, settings, output shapes);
    ``cells`` are a recurrent layer's (forward first); ``merge`` how a Bidirectional joins
    its two outputs (empty when it returns both)."""

    id: str
    kind: NodeKind
    row: int
    lines: Tuple[str, ...]
    label: str = ""
    cells: Tuple[RolledCell, ...] = ()
    merge: str = ""
    outputs: Tuple[int, ...] = ()


@dataclass(frozen=True)
class RolledEdge:
    """Tensor ``tensor`` of ``src`` read by ``dst`` (a ``state`` read as an initial state)."""

    src: str
    dst: str
    tensor: int
    kind: Literal["data", "state"] = "data"

    @property
    def id(self) -> str:
        return f"{self.src}:{self.tensor}--{self.dst}"


@dataclass(frozen=True)
class RolledGraph:
    name: str
    summary: str
    nodes: Tuple[RolledNode, ...]
    edges: Tuple[RolledEdge, ...]

    @property
    def rows(self) -> int:
        return 1 + max((n.row for n in self.nodes), default=-1)

    def node(self, node_id: str) -> RolledNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


def roll(spec: ModelSpec, options: Optional[DiagramOptions] = None) -> RolledGraph:
    """The rolled view of ``spec``: one node per layer call, one row per rank."""
    options = options or DiagramOptions()
    drawn = inline_nested(spec) if options.expand_nested else spec
    ids = {l.id for l in drawn.layers}
    edges: List[RolledEdge] = []
    seen = set()
    for layer in drawn.layers:
        for c in layer.inbound:
            key = (c.layer, c.tensor, layer.id)
            if c.kind == "mask" or c.layer not in ids or key in seen:
                continue
            seen.add(key)
            edges.append(RolledEdge(c.layer, layer.id, c.tensor, "state" if c.kind == "state" else "data"))
    rows: Dict[str, int] = {}
    for layer in drawn.layers:  # topological order: producers first
        rows[layer.id] = 1 + max((rows[e.src] for e in edges if e.dst == layer.id), default=-1)
    outputs: Dict[str, List[int]] = {}
    for i, ref in enumerate(drawn.outputs):
        outputs.setdefault(ref.layer, []).append(i)
    nodes = tuple(_node(layer, drawn, rows[layer.id], tuple(outputs.get(layer.id, ())), options)
                  for layer in drawn.layers)
    return RolledGraph(drawn.name, summary(drawn), nodes, tuple(edges))


def _node(layer: LayerSpec, spec: ModelSpec, row: int, outputs: Tuple[int, ...],
          options: DiagramOptions) -> RolledNode:
    name = labels.call_name(layer, spec, of_all=True)
    shapes = " ".join(labels.shape_text(s) for s in layer.output_shapes[:2])
    out = "→ " + shapes + (" …" if len(layer.output_shapes) > 2 else "")
    marks = tuple(labels.output_label(spec, i) for i in outputs)
    if layer.role == "input":
        return RolledNode(layer.id, "input", row, (name, f"Input {labels.shape_text(layer.output_shapes[0])}",
                                                   *marks), outputs=outputs)
    rec = layer.recurrent
    if rec is not None:
        flags = labels.wrap(labels.recurrent_flags(rec) + (labels.stacked_cells(rec),))
        cells = _cells(layer, rec, options)
        merge = rec.merge_mode if rec.bidirectional and rec.merge_mode is not None else ""
        title = labels.layer_title(layer)
        if rec.bidirectional and rec.forward is not None:
            title = f"{layer.class_name}({rec.forward.kind}({'?' if rec.units is None else rec.units}))"
        return RolledNode(layer.id, "recurrent", row, (name, *labels.wrap_title(title), *flags, out, *marks),
                          cells=cells, merge=merge, outputs=outputs)
    kind: NodeKind = "merge" if layer.role == "merge" else "model" if layer.model is not None else "box"
    how = {"per_step": "per timestep", "whole_sequence": "whole sequence"}.get(layer.role, "")
    return RolledNode(layer.id, kind, row, (name, *labels.wrap_title(labels.layer_title(layer)),
                                            *((how,) if how else ()), out, *marks),
                      label=labels.box_label(layer.class_name), outputs=outputs)


def _cells(layer: LayerSpec, rec: RecurrentSpec, options: DiagramOptions) -> Tuple[RolledCell, ...]:
    directions = [(rec.forward, "forward"), (rec.backward, "backward")] if rec.bidirectional else [(rec, None)]
    found = []
    for direction, which in directions:
        assert direction is not None
        steps = direction.timesteps or options.timesteps
        groups = {s.group for s in direction.states}
        loop = tuple(f"{s.name}{s.group + 1 if len(groups) > 1 else ''} · {labels.dims_text(s.shape[1:])}"
                     for s in direction.states)
        found.append(RolledCell(f"{layer.id}-{which[0]}" if which else layer.id, labels.cell_label(direction),
                                loop, f"× {'?' if steps is None else steps}", which, direction.go_backwards))
    return tuple(found)
