"""Stage 2 of the rolled view: a ModelSpec in, a :class:`RolledGraph` (one node per layer
call, on rows) out.

A recurrent layer is one cell with a loop carrying its states, "× T" times (a
Bidirectional has a cell each way); every other layer is one box, so the whole model is
a compact column of at most one row per layer: a layer sits one row above the highest
layer it reads. A loop of calls (``ModelSpec.loops``, folded as in the unrolled view) is
rolled too: its recurrent cell runs "× N" for its N calls and every layer it runs at each
step is one box; what a step reads from the step before is named on the box that reads it.
Nested models, and what a ``TimeDistributed`` runs at each step, are drawn as the unrolled
view draws them (``expand_nested``): the wrapper's box reads what it runs, drawn below it. A
run of identical blocks (``ModelSpec.repeats``) is drawn once, as in the unrolled view: each
layer of its block named after its first and last copies, and says how many blocks it stands for.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Dict, List, Literal, Optional, Tuple

from ... import labels
from ...options import DiagramOptions
from ...spec import LayerSpec, ModelSpec, RecurrentSpec, Shape
from ...unroll.builder import summary
from ...unroll.folding import plan_folds
from ...unroll.nesting import drawn_spec

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
    states: str = ""  # the shape of one step of each state its loop carries: (32,)
    output: str = ""  # the shape of what the cell returns, as Keras prints it: (None, 20, 32)


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
    shape: Shape = ()  # an input's, batch first: (None, 20, 8)


@dataclass(frozen=True)
class RolledEdge:
    """Tensor ``tensor`` of ``src`` read by ``dst`` (a ``state`` read as an initial state)."""

    src: str
    dst: str
    tensor: int
    kind: Literal["data", "state"] = "data"
    shape: str = ""  # of the tensor, as Keras prints it: (None, 20, 32)

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


def _tensor_shape(layer: LayerSpec, tensor: int) -> str:
    shapes = layer.output_shapes
    return labels.shape_text(shapes[tensor]) if tensor < len(shapes) else ""


def roll(spec: ModelSpec, options: Optional[DiagramOptions] = None) -> RolledGraph:
    """The rolled view of ``spec``: one node per layer call (one per layer of a loop's
    step), one row per rank."""
    options = options or DiagramOptions()
    # Runs of blocks folded, nested models and what TimeDistributed runs inlined, as the unrolled view
    drawn, runs, blocks = drawn_spec(spec, options)
    rep, steps, names = _rolled_loops(drawn) if options.fold_loops else ({}, {}, {})
    ids = {l.id for l in drawn.layers}
    edges: List[RolledEdge] = []
    notes: Dict[str, List[str]] = {}  # what a loop's step reads from the step before; what runs inside
    seen = set()
    for layer in drawn.layers:
        dst = rep.get(layer.id, layer.id)
        for c in layer.inbound:
            src = rep.get(c.layer, c.layer)
            key = (src, c.tensor, dst)
            if c.kind == "mask" or c.layer not in ids or key in seen:
                continue
            seen.add(key)
            if steps.get(c.layer, 0) and steps.get(layer.id, 0) and steps[c.layer] != steps[layer.id]:
                text = f"reads {drawn.layer(src).name} of the step before"
                if src != dst and text not in notes.get(dst, []):  # a cell's own states are its loop
                    notes.setdefault(dst, []).append(text)
                continue
            edges.append(RolledEdge(src, dst, c.tensor, "state" if c.kind == "state" else "data",
                                    _tensor_shape(drawn.layer(c.layer), c.tensor)))
        inside = runs.get(layer.id)
        if inside is not None:  # what it runs at each step, drawn below it, into it
            edges.append(RolledEdge(rep.get(inside.layer, inside.layer), dst, inside.tensor,
                                    shape=_tensor_shape(drawn.layer(inside.layer), inside.tensor)))
            what = layer.wrapped.name if layer.wrapped is not None else layer.name
            notes.setdefault(dst, []).append(f"runs {what} at each step")
            count = "?" if inside.steps is None else inside.steps
            for source in inside.inputs:
                notes.setdefault(source, []).extend((f"one step: run by {layer.name}",
                                                     f"for each of its {count} steps"))
        if layer.id in blocks:  # a layer of a block drawn once for a run of them
            repeat = blocks[layer.id]
            notes.setdefault(dst, []).append(f"× {repeat.count} {'blocks' if repeat.period > 1 else 'layers'} alike")
    kept = [layer for layer in drawn.layers if rep.get(layer.id, layer.id) == layer.id]
    rows = _rows([layer.id for layer in kept], edges)
    outputs: Dict[str, List[int]] = {}
    for i, ref in enumerate(drawn.outputs):
        outputs.setdefault(rep.get(ref.layer, ref.layer), []).append(i)
    repeats = {r: sum(1 for v in rep.values() if v == r) for r in set(rep.values())}
    nodes = tuple(_node(layer, drawn, rows[layer.id], tuple(outputs.get(layer.id, ())), options,
                        repeats.get(layer.id, 0), tuple(notes.get(layer.id, ())), names.get(layer.id))
                  for layer in kept)
    return RolledGraph(drawn.name, summary(drawn, tuple(dict.fromkeys(blocks.values()))), nodes, tuple(edges))


def _rows(order: List[str], edges: List[RolledEdge]) -> Dict[str, int]:
    """Each node's row: one above the highest row it reads. A loop's node stands for calls of
    several steps, so the spec's order of calls is not always producers first (a layer made
    anew in each step is first called in the second): the rows follow the edges, in
    topological order, ties in the spec's order. A node on a cycle (none is expected) goes
    one row above what was placed before it."""
    reads: Dict[str, List[str]] = {n: [] for n in order}
    readers: Dict[str, List[str]] = {n: [] for n in order}
    for e in edges:
        if e.src != e.dst and e.src in reads and e.dst in reads:
            reads[e.dst].append(e.src)
            readers[e.src].append(e.dst)
    position = {n: i for i, n in enumerate(order)}
    waiting = {n: len(set(reads[n])) for n in order}
    ready = [(position[n], n) for n in order if not waiting[n]]
    rows: Dict[str, int] = {}
    while len(rows) < len(order):
        if not ready:  # a cycle: place its earliest node on what is known
            ready = [min((position[n], n) for n in order if n not in rows)]
        _, node = heapq.heappop(ready)
        if node in rows:
            continue
        rows[node] = 1 + max((rows[s] for s in reads[node] if s in rows), default=-1)
        for reader in set(readers[node]):
            waiting[reader] -= 1
            if waiting[reader] == 0 and reader not in rows:
                heapq.heappush(ready, (position[reader], reader))
    return rows


def _rolled_loops(spec: ModelSpec) -> Tuple[Dict[str, str], Dict[str, int], Dict[str, str]]:
    """For the layers of folded loops: the call each is drawn as (its row's call in the first
    step), its step, and the name of each drawn call: ``first … last`` where a row's layers
    are made anew at every step."""
    rep: Dict[str, str] = {}
    steps: Dict[str, int] = {}
    names: Dict[str, str] = {}
    by_id = {layer.id: layer for layer in spec.layers}
    for fold in plan_folds(spec):
        members: Dict[Tuple[str, str], List[Tuple[int, str]]] = {}
        for layer_id, (step, row) in fold.place.items():
            members.setdefault(row, []).append((step, layer_id))
            steps[layer_id] = step
        for calls in members.values():
            calls.sort()
            first, last = by_id[calls[0][1]].name, by_id[calls[-1][1]].name
            for _, layer_id in calls:
                rep[layer_id] = calls[0][1]
            names[calls[0][1]] = first if first == last else f"{first} … {last}"
    return rep, steps, names


def _node(layer: LayerSpec, spec: ModelSpec, row: int, outputs: Tuple[int, ...],
          options: DiagramOptions, calls: int = 0, notes: Tuple[str, ...] = (),
          name: Optional[str] = None) -> RolledNode:
    """A layer's node; ``calls``: how many calls of a loop it stands for (0: none); ``notes``
    what else it says (what a loop's step reads from the step before, what it runs); ``name``
    the name of a loop's calls."""
    name = name or (layer.name if calls else labels.call_name(layer, spec, of_all=True))
    shapes = " ".join(labels.shape_text(s) for s in layer.output_shapes[:2])
    out = "→ " + shapes + (" …" if len(layer.output_shapes) > 2 else "") + (" each" if calls else "")
    marks = (labels.outputs_label(spec, list(outputs)),) if calls and outputs else \
        tuple(labels.output_label(spec, i) for i in outputs)
    marks = (*((f"at each of {calls} loop steps",) if calls else ()), *notes, *marks)
    if layer.role == "input":
        shape = layer.output_shapes[0]
        return RolledNode(layer.id, "input", row, (name, f"Input {labels.shape_text(shape)}", *marks),
                          outputs=outputs, shape=shape)
    rec = layer.recurrent
    if rec is not None:
        flags = labels.wrap(labels.recurrent_flags(rec) + (labels.stacked_cells(rec),))
        cells = _cells(layer, rec, options, calls)
        merge = rec.merge_mode if rec.bidirectional and rec.merge_mode is not None else ""
        title = labels.layer_title(layer)
        if rec.bidirectional and rec.forward is not None:
            title = f"{layer.class_name}({rec.forward.kind}({'?' if rec.units is None else rec.units}))"
        return RolledNode(layer.id, "recurrent", row, (name, *labels.wrap_title(title), *flags, out, *marks),
                          cells=cells, merge=merge, outputs=outputs)
    kind: NodeKind = "merge" if layer.role == "merge" else "model" if layer.model is not None else "box"
    how = {"per_step": "per timestep", "whole_sequence": "whole sequence"}.get(layer.role, "")
    return RolledNode(layer.id, kind, row, (name, *labels.wrap_title(labels.layer_title(layer)),
                                            *labels.inside_lines(layer), *((how,) if how else ()), out, *marks),
                      label=labels.box_label(layer.class_name), outputs=outputs)


def _cells(layer: LayerSpec, rec: RecurrentSpec, options: DiagramOptions, calls: int = 0) -> Tuple[RolledCell, ...]:
    directions = [(rec.forward, "forward"), (rec.backward, "backward")] if rec.bidirectional else [(rec, None)]
    found = []
    for direction, which in directions:
        assert direction is not None
        steps = (direction.timesteps or options.timesteps) if not calls else calls * (direction.timesteps or 1)
        groups = {s.group for s in direction.states}
        loop = tuple(f"{s.name}{s.group + 1 if len(groups) > 1 else ''} · {labels.dims_text(s.shape[1:])}"
                     for s in direction.states)
        shapes = ", ".join(dict.fromkeys(labels.array_shape(s.shape[1:]) for s in direction.states))
        out = layer.output_shapes[0] if layer.output_shapes else ()
        output = labels.shape_text(tuple(out[:-1]) + (direction.units,)) if out and direction.units else ""
        found.append(RolledCell(f"{layer.id}-{which[0]}" if which else layer.id, labels.cell_label(direction),
                                loop, f"× {'?' if steps is None else steps}", which, direction.go_backwards,
                                shapes, output))
    return tuple(found)
