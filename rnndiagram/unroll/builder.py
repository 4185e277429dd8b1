"""Stage 2, unroll: a ModelSpec and options in, an UnrolledGraph (what to draw) out.

Which timesteps are shown, and where the ellipsis goes, is decided here and only here.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

from .. import labels
from ..options import DiagramOptions
from ..spec import Connection, LayerSpec, ModelSpec, Shape, Values, value_key
from .drafts import _Handle, _PanelDraft, shown_columns
from .graph import Column, Edge, Node, Panel, Row, Strip, UnrolledGraph
from .folded import draw_fold
from .folding import Fold, plan_folds, schedule
from .nesting import RunsInside, inline_nested, inline_time_distributed
from .recurrent import add_recurrent


class _Builder:
    def __init__(self, spec: ModelSpec, options: DiagramOptions, values: Optional[Values]):
        self.spec, self.options, self.values = spec, options, values or {}
        self.panels: List[_PanelDraft] = []
        self.nodes: List[Node] = []
        self.edges: List[Edge] = []
        self.handles: Dict[Tuple[str, int], _Handle] = {}
        self.kinds: Dict[str, str] = {}
        self.output_refs = {(o.layer, o.tensor): i for i, o in enumerate(spec.outputs)}
        self.state_inputs: Dict[str, LayerSpec] = {}
        self.node_panel: Dict[str, int] = {}
        self.node_row: Dict[str, int] = {}
        self.batch: Optional[int] = None  # the batch size of the model's inputs (None: any)
        self.runs: Dict[str, RunsInside] = {}  # a TimeDistributed layer: what it runs, drawn apart
        self.reads: Dict[int, Set[int]] = {}  # the panels each panel reads from

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
        self.node_panel[node.id] = node.panel
        self.node_row[node.id] = node.row
        return node.id

    def has_node(self, node_id: str) -> bool:
        return node_id in self.kinds

    def ellipsis(self, panel: _PanelDraft, row: int, col: int, node_id: str, layer: Optional[str] = None) -> str:
        """The "…" standing for the steps not shown, in the ellipsis column."""
        return self.add_node(id=node_id, kind="ellipsis", panel=panel.index, row=row, col=col, label="…",
                             layer=layer)

    def add_edge(self, src: str, dst: str, kind, **kw) -> None:
        a, b = self.node_panel[src], self.node_panel[dst]
        if a == b and self.node_row[src] > self.node_row[dst] and kind not in ("state", "handoff"):
            kind = "feedback"  # a loop's step reads what the step before computed above it
        self.edges.append(Edge(f"{src}--{dst}", src, dst, kind, **kw))
        if a != b:
            self.reads.setdefault(b, set()).add(a)

    def depends(self, panel: int, on: int) -> bool:
        """Whether ``panel`` reads, through any chain of panels, from ``on``."""
        seen, stack = set(), [panel]
        while stack:
            p = stack.pop()
            for q in self.reads.get(p, ()):
                if q == on:
                    return True
                if q not in seen:
                    seen.add(q)
                    stack.append(q)
        return False

    def new_panel(self, timesteps: Optional[int], title: Optional[str] = None) -> _PanelDraft:
        panel = _PanelDraft(len(self.panels), shown_columns(timesteps, self.options), timesteps, title=title)
        self.panels.append(panel)
        return panel

    def new_stack(self) -> _PanelDraft:
        """A panel of one column, for layers after the sequences have collapsed."""
        panel = _PanelDraft(len(self.panels), (Column("", None),), None, kind="stack")
        self.panels.append(panel)
        return panel

    def output_index(self, layer: LayerSpec, tensor: int) -> Optional[int]:
        return self.output_refs.get((layer.id, tensor))

    def output_legend(self, layer: LayerSpec, tensor: int, default: Optional[str]) -> Optional[str]:
        index = self.output_index(layer, tensor)
        if index is None:
            return default
        return labels.output_label(self.spec, index)

    def source_name(self, layer_id: str) -> str:
        return labels.call_name(self.spec.layer(layer_id), self.spec)

    def state_input(self, layer_id: str) -> Optional[LayerSpec]:
        return self.state_inputs.get(layer_id)

    def state_label(self, layer_id: str, tensor: int, entering: str) -> str:
        source = self.spec.layer(layer_id)
        return labels.state_of_output(source, tensor) if source.recurrent is not None else entering

    def strips_row(self, panel: _PanelDraft, layer: LayerSpec, src_of: Dict[int, str], dims,
                   legend: Optional[str], returned: Sequence[int], kind="output",
                   stepwise: bool = True, outputs: Optional[Dict[int, Optional[int]]] = None) -> Dict[int, str]:
        """A row of value strips above ``src_of`` nodes; unreturned ones faint or left out.
        ``outputs``: the model output each column's strip is (a loop's calls), when they differ."""
        if outputs is not None:
            legend = labels.outputs_label(self.spec, sorted({i for i in outputs.values() if i is not None})) or legend
        else:
            legend = self.output_legend(layer, 0, legend)
        row = self.add_row(panel, "strips", layer.id, legend=legend)
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
                                 output=None if faint else (outputs.get(col) if outputs is not None
                                                            else self.output_index(layer, 0)),
                                 strip=self.strip(dims, value_key(layer.id, 0, column.t if stepwise else None)))
            per_col[col] = node
            self.add_edge(src, node, kind, layer=layer.id, faint=faint)
        return per_col

    # -- layers ---------------------------------------------------------------------------
    def build(self) -> UnrolledGraph:
        if self.options.expand_nested is not False:
            everything = bool(self.options.expand_nested)
            self.spec, self.runs = inline_time_distributed(inline_nested(self.spec, everything), everything)
            self.output_refs = {(o.layer, o.tensor): i for i, o in enumerate(self.spec.outputs)}
        self.batch = self.spec.inputs[0].shape[0] if self.spec.inputs and self.spec.inputs[0].shape else None
        folds = plan_folds(self.spec) if self.options.fold_loops else []
        for layer in schedule(self.spec, folds):
            if isinstance(layer, Fold):
                draw_fold(self, self.spec, layer)
            elif layer.role == "input" and self.only_initial_state(layer):
                self.state_inputs[layer.id] = layer  # drawn once, where the state enters
            elif layer.role == "input":
                self.add_input(layer, as_sequence=self.is_sequence_input(layer))
            else:
                self.add_layer(layer)
        panels = tuple(Panel(p.index, p.columns, tuple(p.rows), self.panel_title(p), p.kind)
                       for p in self.panels)
        return UnrolledGraph(self.spec.name, summary(self.spec), panels, tuple(self.nodes), tuple(self.edges))

    def panel_title(self, panel: _PanelDraft) -> str:
        if panel.title is not None:
            return panel.title
        if panel.kind == "stack":
            return ""
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

    def only_initial_state(self, layer: LayerSpec) -> bool:
        """Whether an Input is read only as a recurrent layer's initial state (an inference
        decoder's ``h`` and ``c``)."""
        uses = [c for l in self.spec.layers for c in l.inbound if c.layer == layer.id]
        outputs = any(o.layer == layer.id for o in self.spec.outputs)
        return bool(uses) and not outputs and all(c.kind == "state" for c in uses)

    def add_input(self, layer: LayerSpec, as_sequence: bool) -> None:
        shape = layer.output_shapes[0]
        tokens_in = len(shape) == 2 and as_sequence
        if not as_sequence:
            panel = self.new_stack()
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
        row = self.add_row(panel, "inputs", layer.id, gutter=(layer.name, f"Input {labels.shape_text(shape)}")
                           + self.runs_for(layer), legend="Tokens" if tokens_in else "Input")
        self.step_strips(panel, row, layer, "x", "input", dims)

    def runs_for(self, layer: LayerSpec) -> Tuple[str, ...]:
        """For the Input of what a TimeDistributed layer runs: what it stands for."""
        for td, runs in self.runs.items():
            if layer.id in runs.inputs:
                steps = "?" if runs.steps is None else runs.steps
                return (f"one step: run by {self.spec.layer(td).name}", f"for each of its {steps} steps")
        return ()

    def data_inputs(self, layer: LayerSpec) -> List[Tuple[Connection, _Handle]]:
        return [(c, self.handles[(c.layer, c.tensor)]) for c in layer.inbound
                if c.kind in ("sequence", "vector") and (c.layer, c.tensor) in self.handles]

    def add_layer(self, layer: LayerSpec) -> None:
        """Draw a layer on the time axis of its first sequence: twins that read the same
        sequence stack their rows on it, as a Bidirectional's two directions do."""
        inputs = self.data_inputs(layer)
        if inputs and _steps_through(layer) and inputs[0][1].per_col is None \
                and len(inputs[0][0].shape) >= 3 and self.batch_first(inputs[0][0].shape):
            inputs[0] = (inputs[0][0], self.as_sequence(*inputs[0]))
        elif inputs and layer.recurrent is not None and layer.recurrent.step and inputs[0][1].per_col is None:
            inputs[0] = (inputs[0][0], self.as_sequence(*inputs[0], step=True))
        sequence_in = next((h for _, h in inputs if h.per_col is not None), None)
        if sequence_in is not None and self.reads_a_reader(layer, sequence_in.panel):
            # Drawn on its own panel over the same steps, above the panel it reads from
            # that itself reads the sequence's panel: so every edge still runs upwards.
            old = sequence_in
            continued = self.new_panel(self.panels[old.panel].timesteps)
            sequence_in = _Handle(continued.index, old.dims, per_col=old.per_col)
            inputs = [(c, sequence_in if h is old else h) for c, h in inputs]
        timesteps = self.panels[sequence_in.panel].timesteps if sequence_in is not None else None
        if layer.recurrent is not None and sequence_in is not None:
            add_recurrent(self, layer, sequence_in)
        elif sequence_in is None:
            self.add_head_box(layer, inputs)
        elif layer.role == "merge" and layer.class_name not in _QUERY_MERGES and _same_time_axis(layer, timesteps) \
                and all(h.per_col is not None and self.panels[h.panel].timesteps == timesteps for _, h in inputs):
            self.add_step_merges(layer, inputs, sequence_in)
        elif _same_time_axis(layer, timesteps) and self.per_step(layer, inputs, sequence_in):
            self.add_per_step(layer, sequence_in, inputs)
        else:
            self.add_band(layer, inputs, sequence_in)

    def reads_a_reader(self, layer: LayerSpec, panel: int) -> bool:
        """Whether the layer also reads (data or state) from a panel that reads ``panel``."""
        others = {self.handles[(c.layer, c.tensor)].panel for c in layer.inbound
                  if c.kind != "mask" and (c.layer, c.tensor) in self.handles}
        return any(q != panel and self.depends(q, panel) for q in others)

    def per_step(self, layer: LayerSpec, inputs: Sequence[Tuple[Connection, _Handle]], source: _Handle) -> bool:
        """Whether step t of the layer reads step t of its sequence alone: a per-step layer,
        or one that reads every step of another tensor for each of its own (attention, a
        ``Dot`` of queries with keys drawn elsewhere)."""
        if layer.role == "per_step" or layer.class_name in _ATTENTION:
            return True
        others = [h for _, h in inputs if h is not source]
        return bool(others) and all(h.per_col is None or h.panel != source.panel for h in others)

    def gutter(self, layer: LayerSpec, flags: Sequence[str] = (), notes: Sequence[str] = ()) -> Tuple[str, ...]:
        """A row's gutter: the layer (its call), its class and settings, what it owns, its
        flags, ``notes`` and its output shapes (two at most, on two lines when long)."""
        name = labels.call_name(layer, self.spec, of_all=True)
        return (name, *labels.wrap_title(labels.layer_title(layer)), *labels.inside_lines(layer),
                *labels.wrap(flags), *notes,
                *labels.shapes_lines(layer.output_shapes))

    def add_per_step(self, layer: LayerSpec, source: _Handle, inputs=()) -> None:
        """One box per step; attention too (step t reads query t and every value step)."""
        panel = self.panels[source.panel]
        inner = layer.wrapped or layer
        td = layer.wrapped is not None
        elsewhere = tuple(f"reads all steps of {self.source_name(c.layer)}" for c, h in inputs
                          if h is not source and h.per_col is not None and h.panel != panel.index)
        if layer.id in self.runs:
            elsewhere += (f"runs {inner.name} at each step",)
        query = bool(elsewhere) or layer.class_name in _ATTENTION
        row = self.add_row(panel, "boxes", layer.id, gutter=self.gutter(layer, notes=elsewhere),
                           legend="TimeDistributed" if td else "per query step" if query else _per_step_legend(layer),
                           backdrop=td)
        boxes: Dict[int, str] = {}
        for col, column in enumerate(panel.columns):
            if column.ellipsis:
                boxes[col] = self.ellipsis(panel, row, col, f"{layer.id}-t…", layer.id)
            else:
                label = inner.name if inner.model is not None and layer.id in self.runs \
                    else labels.box_label(inner.class_name)
                boxes[col] = self.add_node(id=f"{layer.id}-t{column.key}", kind="box", panel=panel.index,
                                           row=row, col=col, label=label, t=column.key,
                                           detail=labels.box_detail(inner), layer=layer.id)
                self.add_edge(source.columns()[col], boxes[col], "data", layer=layer.id)
        others = [(c, h) for c, h in inputs if h is not source]
        last = boxes[max(c for c, n in boxes.items() if self.kinds[n] != "ellipsis")]
        for conn, handle in others:
            if handle.per_col is not None and handle.panel == panel.index:
                for col, box in boxes.items():
                    if self.kinds[box] != "ellipsis":
                        self.add_edge(handle.per_col[col], box, "data", layer=layer.id)
            elif handle.per_col is None:
                self.add_edge(handle.node, last, "data", layer=layer.id)
            else:
                self.add_edge(self.last_node(handle), last, "data", layer=layer.id,
                              label=f"all steps of {self.source_name(conn.layer)}")
        runs = self.runs.get(layer.id)
        apart = self.handles.get((runs.layer, runs.tensor)) if runs is not None else None
        if apart is not None:  # what each step runs, drawn apart: into the last step
            self.add_edge(self.last_node(apart), last, "data", layer=layer.id, dashed=True)
        self.finish_sequence(layer, panel, boxes)

    def finish_sequence(self, layer: LayerSpec, panel: _PanelDraft, src_of: Dict[int, str]) -> None:
        dims = tuple(layer.output_shapes[0][2:])
        per_col = self.strips_row(panel, layer, src_of, dims, None, returned=tuple(src_of), kind="data")
        self.handles[(layer.id, 0)] = _Handle(panel.index, dims, per_col=per_col)

    def add_band(self, layer: LayerSpec, inputs, source: _Handle) -> None:
        panel = self.panels[source.panel]
        elsewhere = [f"reads all steps of {self.source_name(c.layer)}" for c, h in inputs
                     if h.per_col is not None and h.panel != panel.index]
        row = self.add_row(panel, "band", layer.id, gutter=self.gutter(layer, notes=elsewhere),
                           legend="whole sequence")
        band = self.add_node(id=f"{layer.id}-band", kind="band", panel=panel.index, row=row, col=None,
                             label=labels.layer_title(layer), layer=layer.id)
        self.connect_all(inputs, panel, band, layer)
        out = layer.output_shapes[0]
        same_axis = len(out) >= 3 and out[1] == panel.timesteps and self.batch_first(out)
        if same_axis:
            self.finish_sequence(layer, panel, {c: band for c in range(len(panel.columns))
                                                if not panel.columns[c].ellipsis})
        elif self.opens_axis(layer, out):
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
                              label=f"all steps of {self.source_name(conn.layer)}")
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
                                        row=row, col=col, label=labels.box_label(layer.class_name), t=column.key,
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
        """A layer of vectors: above the one panel its inputs come from, or on a stack of its
        own above all of them (the layout places it over the branches it joins)."""
        panels = {h.panel for _, h in inputs}
        panel = self.panels[panels.pop()] if len(panels) == 1 else self.new_stack()
        row = self.add_row(panel, "head", layer.id, gutter=self.gutter(layer))
        box = self.add_node(id=f"{layer.id}-box", kind="merge" if layer.role == "merge" else "box",
                            panel=panel.index, row=row, col=panel.last, label=labels.box_label(layer.class_name),
                            detail=labels.box_detail(layer), layer=layer.id)
        for _, handle in inputs:
            self.add_edge(self.last_node(handle), box, "data", layer=layer.id)
        out = layer.output_shapes[0]
        if self.opens_axis(layer, out):  # (batch, time, features): a new time axis (RepeatVector, Reshape)
            self.sequence_from(layer, box, out)
        else:
            self.head_strip(layer, panel, box)

    def batch_first(self, shape: Shape) -> bool:
        """Whether a tensor's first axis is the batch (a time-major stack is not)."""
        return bool(shape) and shape[0] == self.batch

    def opens_axis(self, layer: LayerSpec, shape: Shape) -> bool:
        """Whether a layer's output of ``shape`` is drawn as a sequence on a time axis of its
        own: batch first, and (batch, time, features), or bigger and read step by step (by a
        ConvLSTM, a TimeDistributed). An image read by Conv2D is one tensor, and so is a
        sequence of one step that nothing reads step by step (a ``Dot`` over time)."""
        if len(shape) < 3 or not self.batch_first(shape):
            return False
        if len(shape) == 3 and shape[1] != 1:
            return True
        readers = [l for l in self.spec.layers if any(c.layer == layer.id for c in l.inbound)]
        return any(_steps_through(r) for r in readers)

    def as_sequence(self, conn: Connection, handle: _Handle, step: bool = False) -> _Handle:
        """A tensor drawn as one node, on a time axis of its own for a layer that reads it
        step by step (a GRU after a ConvLSTM that returned its last output); with ``step``,
        as the one step of a cell called directly."""
        producer = self.spec.layer(conn.layer)
        panel = self.new_panel(1 if step else conn.shape[1])
        dims = tuple(conn.shape[1:] if step else conn.shape[2:])
        row = self.add_row(panel, "inputs", producer.id, gutter=(producer.name, labels.shape_text(conn.shape)))
        per_col: Dict[int, str] = {}
        for col, column in enumerate(panel.columns):
            stem = f"{producer.id}-{conn.tensor}-steps-t"
            if column.ellipsis:
                per_col[col] = self.ellipsis(panel, row, col, stem + "…")
                continue
            per_col[col] = self.add_node(id=stem + column.key, kind="strip", panel=panel.index, row=row, col=col,
                                         label=labels.dims_text(dims), layer=producer.id, t=column.key,
                                         strip=self.strip(dims))
            self.add_edge(self.last_node(handle), per_col[col], "data", layer=producer.id, dashed=True)
        sequence = _Handle(panel.index, dims, per_col=per_col)
        self.handles[(conn.layer, conn.tensor)] = sequence
        return sequence

    def head_strip(self, layer: LayerSpec, panel: _PanelDraft, src: str) -> str:
        """The layer's (vector) output, one strip above ``src`` in the panel's last column."""
        out = layer.output_shapes[0]
        dims = tuple(out[1:] if self.batch_first(out) else out)  # a time-major stack: all of it
        row = self.add_row(panel, "head", layer.id, legend=self.output_legend(layer, 0, None))
        node = self.add_node(id=f"{layer.id}-out", kind="strip", panel=panel.index, row=row,
                             col=panel.last, label=labels.dims_text(dims), layer=layer.id,
                             output=self.output_index(layer, 0), strip=self.strip(dims, value_key(layer.id, 0)))
        self.add_edge(src, node, "data", layer=layer.id)
        self.handles[(layer.id, 0)] = _Handle(panel.index, dims, node=node)
        return node

def _token_for(tokens: Sequence[str], column: Column) -> str:
    if column.t is not None and column.t <= len(tokens):
        return tokens[column.t - 1]
    return tokens[-1] if column.t is None or column.t == len(tokens) else ""


_ATTENTION = ("Attention", "AdditiveAttention", "MultiHeadAttention", "GroupedQueryAttention")
# Merges that contract the last axes of their inputs rather than join them step by step.
_QUERY_MERGES = ("Dot",)


def _per_step_legend(layer: LayerSpec) -> str:
    if layer.class_name in _ATTENTION:
        return "per query step"
    return "Embedding" if layer.class_name == "Embedding" else "per timestep"


def _steps_through(layer: LayerSpec) -> bool:
    """Whether a layer reads its input one time step at a time (an RNN, a per-step layer)."""
    return (layer.recurrent is not None and not layer.recurrent.step) or layer.role == "per_step"


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
