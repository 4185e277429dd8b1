"""Stage 2, a folded loop drawn: one time axis whose columns are the loop's steps, a row of
cells for each looped layer or cell, and a row of boxes (and their outputs) for each layer
the loop runs once per step (see ``folding``).

What a step reads from the step before is an edge to the next column: up when it is drawn
lower, and back down (a ``feedback`` edge) when it is drawn higher, as a prediction fed
back as the next input is. What it reads from outside the loop at every step (an encoder's
outputs) is one edge into the last step, named in the row's gutter; what only some steps
read (the first input, a start token) goes to those steps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Dict, List, Optional, Set, Tuple

from .. import labels
from ..loops import one_step
from ..spec import Connection, LayerSpec, ModelSpec, value_key
from .canvas import Canvas
from .drafts import _Handle
from .folding import Fold, RowKey
from .recurrent import AsLoop, add_recurrent


def draw_fold(b: Canvas, spec: ModelSpec, fold: Fold) -> None:
    """Draw ``fold`` on a time axis of its own, and give every tensor drawn on it a handle."""
    _Folded(b, spec, fold).draw()


class _Folded:
    def __init__(self, b: Canvas, spec: ModelSpec, fold: Fold) -> None:
        self.b, self.spec, self.fold = b, spec, fold
        self.by_id = {layer.id: layer for layer in spec.layers}
        self.unit = "step" if one_step(self.by_id[fold.loops[0].calls[0]].recurrent) else "call"
        self.panel = b.new_panel(fold.steps, title=f"loop of {fold.steps} {self.unit}s")
        self.col_of = {c.t: i for i, c in enumerate(self.panel.columns) if not c.ellipsis and c.t is not None}
        self.members: Dict[RowKey, Dict[int, str]] = defaultdict(dict)
        for layer_id, (step, row) in fold.place.items():
            self.members[row][step] = layer_id
        self.readers: Dict[str, List[str]] = defaultdict(list)
        for layer in spec.layers:
            for conn in layer.inbound:
                self.readers[conn.layer].append(layer.id)
        self.outputs_of = {o.layer for o in spec.outputs}
        self.nodes: Dict[Tuple[str, int], str] = {}  # a drawn tensor of the loop: its node
        self.pending: List[Tuple[Connection, str, str]] = []  # edges from nodes drawn later

    def draw(self) -> None:
        for row in self.fold.rows:
            if row[0] == "cell":
                self.cells(row)
            else:
                self.boxes(row)
        for conn, dst, layer_id in self.pending:
            src = self.nodes.get((conn.layer, conn.tensor))
            if src is not None:
                self.b.add_edge(src, dst, "data", layer=layer_id)

    # -- where a step's inputs are drawn ---------------------------------------------------

    def step_of(self, layer_id: str) -> Optional[int]:
        where = self.fold.place.get(layer_id)
        return where[0] if where is not None else None

    def source(self, conn: Connection) -> Optional[str]:
        """The node an input of a step comes from: a tensor of the loop already drawn, or one
        drawn outside it. ``None`` for a tensor of a step not shown, or not drawn yet."""
        if conn.layer in self.fold.place:
            return self.nodes.get((conn.layer, conn.tensor))
        handle = self.b.handle(conn.layer, conn.tensor)
        if handle is None:
            return None
        return handle.node if handle.node is not None else self.b.last_node(handle)

    def connect(self, conn: Connection, dst: str, layer_id: str) -> None:
        """An edge into ``dst`` from what ``conn`` carries, now or once its node is drawn."""
        src = self.source(conn)
        step = self.step_of(conn.layer)
        if src is not None:
            self.b.add_edge(src, dst, "data", layer=layer_id)
        elif step is not None and step in self.col_of:
            self.pending.append((conn, dst, layer_id))

    # -- rows ------------------------------------------------------------------------------

    def cells(self, row: RowKey) -> None:
        loop = next(l for l in self.fold.loops if l.layer == row[1])
        first = self.by_id[loop.calls[0]]
        rec = first.recurrent
        assert rec is not None
        out = first.output_shapes[0]
        layer = replace(first, output_shapes=(out[:1] + (self.fold.steps,) + out[1:],) + first.output_shapes[1:],
                        inbound=tuple(c for c in first.inbound if c.kind == "state"),
                        recurrent=replace(rec, timesteps=self.fold.steps, return_sequences=True,
                                          return_state=False, step=False))
        inputs: Dict[int, str] = {}
        for step, col in self.col_of.items():
            call = self.by_id[loop.calls[step - 1]]
            conn = next((c for c in call.inbound if c.kind in ("sequence", "vector")), None)
            if conn is None:
                continue
            src = self.source(conn)
            if src is not None:
                inputs[col] = src
            else:
                self.pending.append((conn, f"{layer.id}-t{self.panel.columns[col].key}", call.id))
        outputs = {col: self.b.output_index(self.by_id[loop.calls[step - 1]], 0) for step, col in self.col_of.items()}
        add_recurrent(self.b, layer, _Handle(self.panel.index, (), per_col=inputs),
                      AsLoop(self.fold.steps, loop.carries_state, outputs, first.output_shapes[0],
                             None if one_step(rec) else str(rec.timesteps or "?")))
        drawn = self.b.handle(layer.id, 0)
        assert drawn is not None and drawn.per_col is not None
        for step, col in self.col_of.items():
            call = self.by_id[loop.calls[step - 1]]
            strip, cell = drawn.per_col[col], f"{layer.id}-t{self.panel.columns[col].key}"
            for tensor in range(len(call.output_shapes)):
                # A cell's output is its new h: the states other than h are the cell's own.
                node = strip if tensor <= 1 else cell
                self.nodes[(call.id, tensor)] = node
                self.b.set_handle(call.id, tensor, _Handle(self.panel.index, drawn.dims, node=node))

    def boxes(self, row: RowKey) -> None:
        members = self.members[row]
        template = self.by_id[members[self.fold.steps // 2 + 1]]
        shown = {step: members[step] for step in self.col_of if step in members}
        every, notes = self.read_at_every_step(members)
        first, final = self.by_id[members[min(members)]].name, self.by_id[members[max(members)]].name
        name = template.name if row[1].startswith(template.name + "#") else f"{first} … {final}"
        gutter = (name, *labels.wrap_title(labels.layer_title(template)), *notes,
                  "→ " + labels.shape_text(template.output_shapes[0]) + " each")
        box_row = self.b.add_row(self.panel, "boxes", template.id, gutter=gutter, legend=f"per {self.unit}")
        boxes: Dict[int, str] = {}
        last = max(shown, default=None)
        for col, column in enumerate(self.panel.columns):
            if column.ellipsis:
                boxes[col] = self.b.ellipsis(self.panel, box_row, col, f"{template.id}-loop-t…", template.id)
                continue
            layer_id = shown.get(column.t) if column.t is not None else None
            if layer_id is None:
                continue
            layer = self.by_id[layer_id]
            boxes[col] = self.b.add_node(id=f"{layer_id}-box", kind="merge" if layer.role == "merge" else "box",
                                         panel=self.panel.index, row=box_row, col=col, t=column.key,
                                         label=labels.box_label(layer.class_name), detail=labels.box_detail(layer),
                                         layer=layer_id)
            for conn in layer.inbound:
                if conn.kind == "mask" or ((conn.layer, conn.tensor) in every and column.t != last):
                    continue
                self.connect(conn, boxes[col], layer_id)
        self.outputs(row, template, boxes)

    def read_at_every_step(self, members: Dict[int, str]) -> Tuple[Set[Tuple[str, int]], Tuple[str, ...]]:
        """The tensors from outside the loop that every step of a row reads: drawn as one
        edge into the last step, and named in the gutter."""
        counts: Dict[Tuple[str, int], int] = defaultdict(int)
        for layer_id in members.values():
            for conn in {(c.layer, c.tensor) for c in self.by_id[layer_id].inbound if c.kind != "mask"}:
                if conn[0] not in self.fold.place:
                    counts[conn] += 1
        every = {conn for conn, count in counts.items() if count == len(members) > 1}
        notes = tuple(f"reads {self.b.source_name(layer)} at every step" for layer, _ in sorted(every))
        return every, notes

    def within_step(self, row: RowKey) -> bool:
        """Whether every layer of the row is read only by layers of its own step, and is no
        model output: its value then goes straight to the next box (the gutter gives its
        shape), which keeps a loop of many small steps short."""
        for step, layer_id in self.members[row].items():
            if layer_id in self.outputs_of:
                return False
            if any(self.step_of(r) != step for r in self.readers[layer_id]):
                return False
        return True

    def outputs(self, row: RowKey, template: LayerSpec, boxes: Dict[int, str]) -> None:
        """The value strip above each step's box, and the model output it may be."""
        out = template.output_shapes[0]
        dims = tuple(out[2:] if len(out) >= 3 and out[1] == 1 else out[1:])  # a one-step sequence
        layers = {col: self.by_id[self.members[row][column.t]] for col, column in enumerate(self.panel.columns)
                  if col in boxes and not column.ellipsis and column.t is not None}
        if self.within_step(row):
            for col, layer in layers.items():
                for tensor in range(len(layer.output_shapes)):
                    self.nodes[(layer.id, tensor)] = boxes[col]
                    self.b.set_handle(layer.id, tensor, _Handle(self.panel.index, dims, node=boxes[col]))
            return
        outputs = sorted(i for i in (self.b.output_index(l, 0) for l in layers.values()) if i is not None)
        strip_row = self.b.add_row(self.panel, "strips", template.id,
                                   legend=labels.outputs_label(self.spec, outputs) or None)
        for col, box in boxes.items():
            column = self.panel.columns[col]
            if col not in layers:
                self.b.ellipsis(self.panel, strip_row, col, f"{template.id}-loop-out-t…", template.id)
                continue
            layer = layers[col]
            strip = self.b.add_node(id=f"{layer.id}-out", kind="strip", panel=self.panel.index, row=strip_row,
                                    col=col, layer=layer.id, t=column.key, label=labels.dims_text(dims),
                                    output=self.b.output_index(layer, 0),
                                    strip=self.b.strip(dims, value_key(layer.id, 0)))
            self.b.add_edge(box, strip, "data", layer=layer.id)
            for tensor in range(len(layer.output_shapes)):
                node = strip if tensor == 0 else box
                self.nodes[(layer.id, tensor)] = node
                self.b.set_handle(layer.id, tensor, _Handle(self.panel.index, dims, node=node))
