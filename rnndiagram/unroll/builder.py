"""Stage 2, unroll: a ModelSpec and options in, an UnrolledGraph (what to draw) out.

Which timesteps are shown, and where the ellipsis goes, is decided here and only here.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from .. import labels
from ..options import DiagramOptions
from ..spec import Connection, LayerSpec, ModelSpec, Shape, Values, value_key
from .drafts import _Handle, _PanelDraft, shown_columns
from .graph import Column, Edge, Node, Panel, Row, Strip, UnrolledGraph
from .nesting import inline_nested
from .recurrent import add_recurrent


class _Builder:
    def __init__(self, spec: ModelSpec, options: DiagramOptions, values: Optional[Values]):
        self.spec, self.options, self.values = spec, options, values or {}
        self.panels: List[_PanelDraft] = []
        self.nodes: List[Node] = []
        self.edges: List[Edge] = []
        self.handles: Dict[Tuple[str, int], _Handle] = {}
        self.kinds: Dict[str, str] = {}
        self.read_by: Dict[Tuple[str, int], List[str]] = {}
        self.output_refs = {(o.layer, o.tensor): i for i, o in enumerate(spec.outputs)}

    # -- the Sketch interface, what the recurrent part sees ---------------------------------
    def panel(self, index: int) -> _PanelDraft:
        return self.panels[index]

    def kind(self, node_id: str) -> str:
        return self.kinds[node_id]

    def handle(self, layer: str, tensor: int) -> Optional[_Handle]:
        return self.handles.get((layer, tensor))

    def set_handle(self, layer: str, tensor: int, handle: _Handle) -> None:
        self.handles[(layer, tensor)] = handle

    def strip(self, dims: Sequence[Optional[int]], key: Optional[str] = None, zero: bool = False) -> Strip:
        values = self.values.get(key) if key else None
        size = dims[0] if len(dims) == 1 else None
        if zero and size is not None:
            values = (0.0,) * size  # an initial zero state is known without running
        return Strip(tuple(dims), values, zero)

    def add_row(self, panel: _PanelDraft, kind, layer=None, gutter=(), legend=None, backdrop=False) -> int:
        group = layer.rsplit("/", 1)[0] if layer and "/" in layer else None  # ids of inlined layers
        row = Row(len(panel.rows), kind, layer, tuple(gutter), legend, backdrop, group)
        panel.rows.append(row)
        return row.index

    def add_node(self, **kw) -> str:
        node = Node(**kw)
        self.nodes.append(node)
        self.kinds[node.id] = node.kind
        return node.id

    def ellipsis(self, panel: _PanelDraft, row: int, col: int, node_id: str, layer: Optional[str] = None) -> str:
        """The "…" standing for the steps not shown, in the ellipsis column."""
        return self.add_node(id=node_id, kind="ellipsis", panel=panel.index, row=row, col=col, label="…",
                             layer=layer)

    def add_edge(self, src: str, dst: str, kind, **kw) -> None:
        self.edges.append(Edge(f"{src}--{dst}", src, dst, kind, **kw))

    def new_panel(self, timesteps: Optional[int]) -> _PanelDraft:
        panel = _PanelDraft(len(self.panels), shown_columns(timesteps, self.options), timesteps)
        self.panels.append(panel)
        return panel

    def output_legend(self, layer: LayerSpec, tensor: int, default: Optional[str]) -> Optional[str]:
        if (layer.id, tensor) not in self.output_refs:
            return default
        return "Output" if len(self.spec.outputs) == 1 else f"Output: {layer.name}"

    def strips_row(self, panel: _PanelDraft, layer: LayerSpec, src_of: Dict[int, str], dims,
                   legend: Optional[str], returned: Sequence[int], kind="output",
                   stepwise: bool = True) -> Dict[int, str]:
        """A row of value strips above ``src_of`` nodes; unreturned ones faint or left out."""
        row = self.add_row(panel, "strips", layer.id, legend=self.output_legend(layer, 0, legend))
        per_col: Dict[int, str] = {}
        for col, src in src_of.items():
            column = panel.columns[col]
            faint = col not in returned
            if faint and not self.options.show_unreturned:
                continue
            if column.ellipsis:
                per_col[col] = self.ellipsis(panel, row, col, f"{layer.id}-out-t…", layer.id)
                continue
            node = self.add_node(id=f"{layer.id}-out-t{column.key}", kind="strip", panel=panel.index,
                                 row=row, col=col, layer=layer.id, t=column.key, faint=faint,
                                 label=labels.dims_text(dims),
                                 strip=self.strip(dims, value_key(layer.id, 0, column.t if stepwise else None)))
            per_col[col] = node
            self.add_edge(src, node, kind, layer=layer.id, faint=faint)
        return per_col

    # -- layers ---------------------------------------------------------------------------
    def build(self) -> UnrolledGraph:
        if self.options.expand_nested:
            self.spec = inline_nested(self.spec)
        for layer in self.spec.layers:
            if layer.role == "input":
                self.add_input(layer, as_sequence=self.is_sequence_input(layer))
            else:
                self.add_layer(layer)
        panels = tuple(Panel(p.index, p.columns, tuple(p.rows), self.panel_title(p)) for p in self.panels)
        return UnrolledGraph(self.spec.name, summary(self.spec), panels, tuple(self.nodes), tuple(self.edges))

    def panel_title(self, panel: _PanelDraft) -> str:
        if panel.timesteps is not None:
            return f"T = {panel.timesteps}"
        return f"T = ? (drawn as {self.options.timesteps})" if self.options.timesteps else "T = ?"

    def is_sequence_input(self, layer: LayerSpec) -> bool:
        """Whether an input gets its own time axis: (batch, time, features), token ids read by
        an Embedding, or a bigger tensor read step by step (ConvLSTM, TimeDistributed).
        An image read by Conv2D is a tensor, not a sequence of rows."""
        rank = len(layer.output_shapes[0])
        readers = [l for l in self.spec.layers if any(c.layer == layer.id for c in l.inbound)]
        if rank == 2:
            return any(l.class_name == "Embedding" for l in readers)
        if rank == 3:
            return True
        return any(l.recurrent is not None or l.role == "per_step" for l in readers)

    def add_input(self, layer: LayerSpec, as_sequence: bool) -> None:
        shape = layer.output_shapes[0]
        tokens_in = len(shape) == 2 and as_sequence
        if not as_sequence:
            panel = self.panels[-1] if self.panels else self.new_panel(1)
            row = self.add_row(panel, "head", layer.id, gutter=(layer.name, f"Input {labels.shape_text(shape)}"),
                               legend="Input")
            node = self.add_node(id=f"{layer.id}-x", kind="input", panel=panel.index, row=row, col=panel.last,
                                 label="x", detail=labels.dims_text(shape[1:]), layer=layer.id,
                                 strip=self.strip(shape[1:], value_key(layer.id, 0)))
            self.handles[(layer.id, 0)] = _Handle(panel.index, tuple(shape[1:]), node=node)
            return
        panel = self.new_panel(shape[1] if len(shape) > 1 else None)
        dims = tuple(shape[2:]) or (1,)
        tokens = self.options.tokens
        if tokens:
            row = self.add_row(panel, "tokens")
            for col, column in enumerate(panel.columns):
                text = "…" if column.ellipsis else _token_for(tokens, column)
                self.add_node(id=f"{layer.id}-tok-t{column.key}", kind="token", panel=panel.index,
                              row=row, col=col, label=text, t=column.key)
        row = self.add_row(panel, "inputs", layer.id, gutter=(layer.name, f"Input {labels.shape_text(shape)}"),
                           legend="Tokens" if tokens_in else "Input")
        self.step_strips(panel, row, layer, "x", "input", dims)

    def data_inputs(self, layer: LayerSpec) -> List[Tuple[Connection, _Handle]]:
        return [(c, self.handles[(c.layer, c.tensor)]) for c in layer.inbound
                if c.kind in ("sequence", "vector") and (c.layer, c.tensor) in self.handles]

    def add_layer(self, layer: LayerSpec) -> None:
        inputs = self.data_inputs(layer)
        sequence_in = next((h for _, h in inputs if h.per_col is not None), None)
        branch = layer.role != "merge" and layer.class_name not in _ATTENTION and len(inputs) == 1
        if sequence_in is not None and branch and self.read_by.get(_key(inputs[0][0])):
            # A second branch on the same sequence gets its own panel, so it cannot cross the first.
            sequence_in = self.reopen(inputs[0][0], sequence_in)
            inputs = [(inputs[0][0], sequence_in)]
        if layer.recurrent is not None and sequence_in is not None:
            add_recurrent(self, layer, sequence_in)
        elif (layer.role == "per_step" or layer.class_name in _ATTENTION) and sequence_in is not None \
                and _same_time_axis(layer, self.panels[sequence_in.panel].timesteps):
            self.add_per_step(layer, sequence_in, inputs)
        elif layer.role == "merge" and sequence_in is not None and all(
                h.per_col is not None and h.panel == sequence_in.panel for _, h in inputs) \
                and _same_time_axis(layer, self.panels[sequence_in.panel].timesteps):
            self.add_step_merges(layer, inputs, sequence_in)
        elif sequence_in is not None:
            self.add_band(layer, inputs, sequence_in)
        else:
            self.add_head_box(layer, inputs)
        for conn, _ in inputs:
            self.read_by.setdefault(_key(conn), []).append(layer.id)

    def reopen(self, conn: Connection, handle: _Handle) -> _Handle:
        """The sequence ``conn`` drawn again at the foot of a new panel, for another branch
        that reads it: its layers then stack on their own instead of through the first."""
        source = self.spec.layer(conn.layer)
        old = self.handles.get((source.id, 0))
        panel = self.new_panel(self.panels[handle.panel].timesteps)
        row = self.add_row(panel, "inputs", source.id, legend="Input" if source.role == "input" else None,
                           gutter=(f"{source.name} (again)", labels.shape_text(conn.shape)))
        kind = "input" if source.role == "input" else "strip"
        per_col = self.step_strips(panel, row, source, f"again{panel.index}", kind, handle.dims)
        if old is not None:
            self.handles[(source.id, 0)] = old
        return _Handle(panel.index, handle.dims, per_col=per_col)

    def gutter(self, layer: LayerSpec, flags: Sequence[str] = ()) -> Tuple[str, ...]:
        shapes = " ".join(labels.shape_text(s) for s in layer.output_shapes[:2])
        extra = " …" if len(layer.output_shapes) > 2 else ""
        calls = sum(1 for l in self.spec.layers if l.name == layer.name)
        name = f"{layer.name} (call {layer.call + 1} of {calls})" if calls > 1 else layer.name
        return (name, labels.layer_title(layer), *labels.wrap(flags), "→ " + shapes + extra)

    def add_per_step(self, layer: LayerSpec, source: _Handle, inputs=()) -> None:
        """One box per step; attention too (step t reads query t and every value step)."""
        panel = self.panels[source.panel]
        inner = layer.wrapped or layer
        td = layer.wrapped is not None
        gutter = self.gutter(layer)
        elsewhere = tuple(f"reads all steps of {c.layer}" for c, h in inputs
                          if h is not source and (h.per_col is None or h.panel != panel.index))
        row = self.add_row(panel, "boxes", layer.id, gutter=gutter[:-1] + elsewhere + gutter[-1:],
                           legend="TimeDistributed" if td else _per_step_legend(layer), backdrop=td)
        boxes: Dict[int, str] = {}
        for col, column in enumerate(panel.columns):
            if column.ellipsis:
                boxes[col] = self.ellipsis(panel, row, col, f"{layer.id}-t…", layer.id)
            else:
                boxes[col] = self.add_node(id=f"{layer.id}-t{column.key}", kind="box", panel=panel.index,
                                           row=row, col=col, label=inner.class_name, t=column.key,
                                           detail=_box_detail(inner), layer=layer.id)
                self.add_edge(source.columns()[col], boxes[col], "data", layer=layer.id)
        others = [(c, h) for c, h in inputs if h is not source]
        last = boxes[max(c for c, n in boxes.items() if self.kinds[n] != "ellipsis")]
        for conn, handle in others:
            if handle.per_col is not None and handle.panel == panel.index:
                for col, box in boxes.items():
                    if self.kinds[box] != "ellipsis":
                        self.add_edge(handle.per_col[col], box, "data", layer=layer.id)
            else:
                self.add_edge(self.last_node(handle), last, "data", layer=layer.id,
                              label=f"all steps of {conn.layer}")
        self.finish_sequence(layer, panel, boxes)

    def finish_sequence(self, layer: LayerSpec, panel: _PanelDraft, src_of: Dict[int, str]) -> None:
        dims = tuple(layer.output_shapes[0][2:])
        per_col = self.strips_row(panel, layer, src_of, dims, None, returned=tuple(src_of), kind="data")
        self.handles[(layer.id, 0)] = _Handle(panel.index, dims, per_col=per_col)

    def add_band(self, layer: LayerSpec, inputs, source: _Handle) -> None:
        panel = self.panels[source.panel]
        gutter = self.gutter(layer)
        elsewhere = [f"reads all steps of {c.layer}" for c, h in inputs
                     if h.per_col is not None and h.panel != panel.index]
        row = self.add_row(panel, "band", layer.id, gutter=gutter[:-1] + tuple(elsewhere) + gutter[-1:],
                           legend="whole sequence")
        band = self.add_node(id=f"{layer.id}-band", kind="band", panel=panel.index, row=row, col=None,
                             label=labels.layer_title(layer), layer=layer.id)
        self.connect_all(inputs, panel, band, layer)
        out = layer.output_shapes[0]
        same_axis = len(out) >= 3 and out[1] == panel.timesteps
        if same_axis:
            self.finish_sequence(layer, panel, {c: band for c in range(len(panel.columns))
                                                if not panel.columns[c].ellipsis})
        elif len(out) >= 3:
            self.sequence_from(layer, band, out)
        else:
            self.head_strip(layer, panel, band)

    def connect_all(self, inputs, panel: _PanelDraft, dst: str, layer: LayerSpec) -> None:
        """Edges from every step of each input into ``dst``; a sequence drawn on another
        time axis arrives as one edge from its last step, so no arrow cuts across a panel."""
        for conn, handle in inputs:
            if handle.per_col is None:
                self.add_edge(handle.node, dst, "data", layer=layer.id)
            elif handle.panel != panel.index:
                self.add_edge(self.last_node(handle), dst, "data", layer=layer.id,
                              label=f"all steps of {conn.layer}")
            else:
                for src in handle.per_col.values():
                    if self.kinds[src] != "ellipsis":
                        self.add_edge(src, dst, "data", layer=layer.id)

    def last_node(self, handle: _Handle) -> str:
        if handle.node is not None:
            return handle.node
        return next(n for c, n in sorted(handle.columns().items(), reverse=True) if self.kinds[n] != "ellipsis")

    def add_step_merges(self, layer: LayerSpec, inputs, source: _Handle) -> None:
        """Concatenate/Add of sequences on one time axis: one merge node per step."""
        panel = self.panels[source.panel]
        dims = tuple(layer.output_shapes[0][2:])
        row = self.add_row(panel, "boxes", layer.id, gutter=self.gutter(layer), legend=layer.class_name)
        merges: Dict[int, str] = {}
        for col, column in enumerate(panel.columns):
            if column.ellipsis:
                merges[col] = self.ellipsis(panel, row, col, f"{layer.id}-t…", layer.id)
                continue
            merges[col] = self.add_node(id=f"{layer.id}-t{column.key}", kind="merge", panel=panel.index,
                                        row=row, col=col, label=layer.class_name, t=column.key,
                                        detail=labels.dims_text(dims), layer=layer.id)
            for _, handle in inputs:
                self.add_edge(handle.per_col[col], merges[col], "data", layer=layer.id)
        self.finish_sequence(layer, panel, merges)

    def sequence_from(self, layer: LayerSpec, src: str, out: Shape) -> None:
        """A layer whose output is a sequence on a new time axis (RepeatVector, pooling)."""
        panel = self.new_panel(out[1])
        dims = tuple(out[2:]) or (1,)
        row = self.add_row(panel, "inputs", layer.id, gutter=(layer.name, labels.shape_text(out)),
                           legend=self.output_legend(layer, 0, None))
        for node in self.step_strips(panel, row, layer, "seq", "strip", dims).values():
            if self.kinds[node] != "ellipsis":
                self.add_edge(src, node, "data", layer=layer.id, dashed=True)

    def step_strips(self, panel: _PanelDraft, row: int, layer: LayerSpec, stem: str, kind: str,
                    dims: Tuple[Optional[int], ...]) -> Dict[int, str]:
        """One strip per shown step (an input row, or a sequence on a new time axis);
        it becomes the handle of the layer's output."""
        per_col = {}
        for col, column in enumerate(panel.columns):
            if column.ellipsis:
                per_col[col] = self.ellipsis(panel, row, col, f"{layer.id}-{stem}-t…")
                continue
            label = labels.step_name("x", column.key) if kind == "input" else labels.dims_text(dims)
            per_col[col] = self.add_node(
                id=f"{layer.id}-{stem}-t{column.key}", kind=kind, panel=panel.index, row=row, col=col,
                label=label, detail=labels.dims_text(dims) if kind == "input" else "", layer=layer.id,
                t=column.key, strip=self.strip(dims, value_key(layer.id, 0, column.t)))
        self.handles[(layer.id, 0)] = _Handle(panel.index, dims, per_col=per_col)
        return per_col

    def add_head_box(self, layer: LayerSpec, inputs) -> None:
        # In the highest panel any input comes from, so every edge into it runs upwards.
        panel = self.panels[max(h.panel for _, h in inputs)] if inputs else (
            self.panels[-1] if self.panels else self.new_panel(1))
        row = self.add_row(panel, "head", layer.id, gutter=self.gutter(layer))
        box = self.add_node(id=f"{layer.id}-box", kind="merge" if layer.role == "merge" else "box",
                            panel=panel.index, row=row, col=panel.last, label=layer.class_name,
                            detail=_box_detail(layer), layer=layer.id)
        for conn, handle in inputs:
            self.add_edge(self.last_node(handle), box, "data", layer=layer.id)
        out = layer.output_shapes[0]
        if len(out) == 3:  # (batch, time, features): a new time axis (RepeatVector, Reshape)
            self.sequence_from(layer, box, out)
        else:
            self.head_strip(layer, panel, box)

    def head_strip(self, layer: LayerSpec, panel: _PanelDraft, src: str) -> str:
        """The layer's (vector) output, one strip above ``src`` in the panel's last column."""
        dims = tuple(layer.output_shapes[0][1:])
        row = self.add_row(panel, "head", layer.id, legend=self.output_legend(layer, 0, None))
        node = self.add_node(id=f"{layer.id}-out", kind="strip", panel=panel.index, row=row,
                             col=panel.last, label=labels.dims_text(dims), layer=layer.id,
                             strip=self.strip(dims, value_key(layer.id, 0)))
        self.add_edge(src, node, "data", layer=layer.id)
        self.handles[(layer.id, 0)] = _Handle(panel.index, dims, node=node)
        return node

def _token_for(tokens: Sequence[str], column: Column) -> str:
    if column.t is not None and column.t <= len(tokens):
        return tokens[column.t - 1]
    return tokens[-1] if column.t is None or column.t == len(tokens) else ""


def _key(conn: Connection) -> Tuple[str, int]:
    return (conn.layer, conn.tensor)


_ATTENTION = ("Attention", "AdditiveAttention", "MultiHeadAttention", "GroupQueryAttention")


def _per_step_legend(layer: LayerSpec) -> str:
    if layer.class_name in _ATTENTION:
        return "per query step"
    return "Embedding" if layer.class_name == "Embedding" else "per timestep"


def _box_detail(layer: LayerSpec) -> str:
    if layer.model is not None:
        return f"{len(layer.model.layers)} layers"
    size = labels.layer_size(layer)
    if layer.recurrent is not None:  # an RNN inside a time step: collapsed over its own axis
        steps = "?" if layer.recurrent.timesteps is None else layer.recurrent.timesteps
        return f"({size}) over {steps} steps"
    return f"({size})" if size else ""


def _same_time_axis(layer: LayerSpec, timesteps: Optional[int]) -> bool:
    out = layer.output_shapes[0]
    return len(out) >= 3 and out[1] == timesteps


def summary(spec: ModelSpec) -> str:
    """One sentence per recurrent layer, for ``<desc>`` and alt text."""
    parts = []
    for layer in spec.recurrent_layers:
        rec = layer.recurrent
        assert rec is not None
        steps = "an unknown number of" if rec.timesteps is None else str(rec.timesteps)
        seq = "every step" if rec.return_sequences else "the last step"
        parts.append(f"{layer.name} is {labels.recurrent_phrase(rec)} unrolled over {steps} "
                     f"timesteps, returning the output of {seq}.")
    outs = ", ".join(labels.shape_text(o.shape) for o in spec.outputs)
    head = f"Keras model {spec.name} with {len(spec.layers)} layers; output {outs}."
    return " ".join([head] + parts)


def unroll(spec: ModelSpec, options: Optional[DiagramOptions] = None,
           values: Optional[Values] = None) -> UnrolledGraph:
    """Unroll every recurrent layer of ``spec`` over its shown timesteps."""
    return _Builder(spec, options or DiagramOptions(), values).build()
