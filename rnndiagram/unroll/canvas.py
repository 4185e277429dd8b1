"""Stage 2, the graph being drawn: its panels, rows, nodes and edges, and where each tensor is.

Every drawing module of the unroller (``inputs``, ``stack``, ``merge``, ``per_step``, ``band``,
``recurrent``, ``folded``) draws on one :class:`Canvas`; none draws on another's behalf.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Set, Tuple

from .. import labels
from ..options import DiagramOptions
from ..spec import Connection, LayerSpec, ModelSpec, RepeatSpec, Shape, Values
from .drafts import _Handle, _PanelDraft, shown_columns
from .graph import Column, Edge, Node, Panel, Row, Strip, UnrolledGraph
from .nesting import RunsInside


class Canvas:
    """The unrolled graph as it is drawn, for ``spec`` (nested models already inlined).

    ``handles`` says where each drawn tensor is, by (layer id, output index); ``runs`` what
    each TimeDistributed layer runs, drawn apart; ``repeats`` the run of identical blocks
    each layer of a block drawn once stands for; ``state_inputs`` the Inputs drawn only as
    the initial state they give.
    """

    def __init__(self, spec: ModelSpec, options: DiagramOptions, values: Optional[Values],
                 runs: Optional[Dict[str, RunsInside]] = None,
                 repeats: Optional[Dict[str, RepeatSpec]] = None,
                 notes: Optional[Dict[str, Tuple[str, ...]]] = None) -> None:
        self.spec, self.options, self.values = spec, options, values or {}
        self.runs: Dict[str, RunsInside] = runs or {}
        self.repeats: Dict[str, RepeatSpec] = repeats or {}
        self.notes: Dict[str, Tuple[str, ...]] = notes or {}  # more to say of a layer, by id
        self.panels: List[_PanelDraft] = []
        self.nodes: List[Node] = []
        self.edges: List[Edge] = []
        self.handles: Dict[Tuple[str, int], _Handle] = {}
        self.kinds: Dict[str, str] = {}
        self.node_of: Dict[str, Node] = {}  # each node by id (the last drawn under an id)
        self.output_refs = {(o.layer, o.tensor): i for i, o in enumerate(spec.outputs)}
        self.state_inputs: Dict[str, LayerSpec] = {}
        self.node_panel: Dict[str, int] = {}
        self.node_row: Dict[str, int] = {}
        # The batch size of the model's inputs (None: any).
        self.batch: Optional[int] = spec.inputs[0].shape[0] if spec.inputs and spec.inputs[0].shape else None
        self.reads: Dict[int, Set[int]] = {}  # the panels each panel reads from
        self._readers: Optional[Dict[str, List[LayerSpec]]] = None
        self.shared_rows: Dict[str, Tuple[int, ...]] = {}  # rows that layers share, by the first's id
        self.continued: Dict[int, List[int]] = {}  # the panels that continue a panel's steps above it

    def readers(self, layer_id: str) -> List[LayerSpec]:
        """The layers that read an output of ``layer_id`` (not only its mask), in the spec's
        order; indexed on first use, so asking for every layer costs one pass over the spec."""
        if self._readers is None:
            self._readers = {}
            for reader in self.spec.layers:
                for read in dict.fromkeys(i.layer for i in reader.inbound if i.kind != "mask"):
                    self._readers.setdefault(read, []).append(reader)
        return self._readers.get(layer_id, [])

    # -- panels, rows, nodes and edges ----------------------------------------------------
    def panel(self, index: int) -> _PanelDraft:
        return self.panels[index]

    def new_panel(self, timesteps: Optional[int], title: Optional[str] = None) -> _PanelDraft:
        panel = _PanelDraft(len(self.panels), shown_columns(timesteps, self.options), timesteps, title=title)
        self.panels.append(panel)
        return panel

    def new_stack(self) -> _PanelDraft:
        """A panel of one column, for layers after the sequences have collapsed."""
        panel = _PanelDraft(len(self.panels), (Column("", None),), None, kind="stack")
        self.panels.append(panel)
        return panel

    def add_row(self, panel: _PanelDraft, kind, layer=None, gutter=(), legend=None, backdrop=False,
                names: Tuple[int, ...] = (), named_layers: Tuple[str, ...] = ()) -> int:
        group = layer.rsplit("/", 1)[0] if layer and "/" in layer else None  # ids of inlined layers
        row = Row(len(panel.rows), kind, layer, tuple(gutter), legend, backdrop, group, names,
                  self.repeat_title(layer), named_layers)
        panel.rows.append(row)
        return row.index

    def amend_row(self, panel: _PanelDraft, index: int, layer: str, gutter: Tuple[str, ...] = (),
                  legend: Optional[str] = None) -> None:
        """Another layer, ``layer``, drawn on row ``index``: its gutter after the row's (its
        first line naming it, bold, as the row's first does), and its legend after the row's."""
        row = panel.rows[index]
        names, named = (row.names + (len(row.gutter),), row.named_layers + (layer,)) if gutter \
            else (row.names, row.named_layers)
        legends = [text for text in (row.legend, legend) if text is not None]
        panel.rows[index] = replace(row, gutter=row.gutter + tuple(gutter), names=names, named_layers=named,
                                    legend="; ".join(legends) if legends else None)

    def add_node(self, **kw) -> str:
        node = Node(**kw)
        self.nodes.append(node)
        self.node_of[node.id] = node
        self.kinds[node.id] = node.kind
        self.node_panel[node.id] = node.panel
        self.node_row[node.id] = node.row
        return node.id

    def kind(self, node_id: str) -> str:
        """The kind of a node already drawn (``cell``, ``ellipsis``...)."""
        return self.kinds[node_id]

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
        if kw.get("strip") is None and "dims" not in kw:
            kw["dims"] = self.box_dims(src)
        self.edges.append(Edge(f"{src}--{dst}", src, dst, kind, **kw))
        if a != b:
            self.reads.setdefault(b, set()).add(a)

    def box_dims(self, node_id: str) -> Optional[Tuple[Optional[int], ...]]:
        """The shape of one step of what a box or merge computes (batch and time axes left
        out), from its layer's first output; ``None`` for other nodes."""
        node = self.node_of.get(node_id)
        if node is None or node.kind not in ("box", "merge") or not node.layer:
            return None
        layer = self.spec.layers_by_id.get(node.layer)
        if layer is None or not layer.output_shapes or not layer.output_shapes[0]:
            return None
        per_step = node.col is not None and self.panels[node.panel].kind == "time"
        return tuple(layer.output_shapes[0][2 if per_step else 1:])

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

    def strip(self, dims: Sequence[Optional[int]], key: Optional[str] = None, zero: bool = False) -> Strip:
        """A value strip, with its numbers in values mode."""
        values = self.values.get(key) if key else None
        size = dims[0] if len(dims) == 1 else None
        if zero and size is not None:
            values = (0.0,) * size  # an initial zero state is known without running
        return Strip(tuple(dims), values, zero)

    def repeat_title(self, layer_id: Optional[str]) -> Optional[str]:
        """What a run of blocks drawn once says of itself (``× 4  lstm_1 … dense_4``), for a
        layer of its block (or inside a nested model of its block), else ``None``."""
        while layer_id:
            repeat = self.repeats.get(layer_id)
            if repeat is not None:
                return labels.repeat_title(repeat)
            layer_id = layer_id.rsplit("/", 1)[0] if "/" in layer_id else None
        return None

    # -- where tensors are drawn ----------------------------------------------------------
    def handle(self, layer: str, tensor: int) -> Optional[_Handle]:
        """Where output ``tensor`` of ``layer`` is drawn, if it is."""
        return self.handles.get((layer, tensor))

    def set_handle(self, layer: str, tensor: int, handle: _Handle) -> None:
        self.handles[(layer, tensor)] = handle

    def data_inputs(self, layer: LayerSpec) -> List[Tuple[Connection, _Handle]]:
        """The drawn sequences and vectors ``layer`` reads, with where each is drawn."""
        return [(c, self.handles[(c.layer, c.tensor)]) for c in layer.inbound
                if c.kind in ("sequence", "vector") and (c.layer, c.tensor) in self.handles]

    def last_node(self, handle: _Handle) -> str:
        """The node of a tensor's last shown step (its one node, for a vector)."""
        if handle.node is not None:
            return handle.node
        return next(n for c, n in sorted(handle.columns().items(), reverse=True) if self.kinds[n] != "ellipsis")

    def batch_first(self, shape: Shape) -> bool:
        """Whether a tensor's first axis is the batch (a time-major stack is not)."""
        return bool(shape) and shape[0] == self.batch

    # -- words ----------------------------------------------------------------------------
    def output_index(self, layer: LayerSpec, tensor: int) -> Optional[int]:
        """Which model output this tensor is, if it is one."""
        return self.output_refs.get((layer.id, tensor))

    def output_legend(self, layer: LayerSpec, tensor: int, default: Optional[str]) -> Optional[str]:
        index = self.output_index(layer, tensor)
        if index is None:
            return default
        return labels.output_label(self.spec, index)

    def source_name(self, layer_id: str) -> str:
        """A layer call as captions name it: ``encoder``, ``encoder (call 2)``."""
        return labels.call_name(self.spec.layer(layer_id), self.spec)

    def state_input(self, layer_id: str) -> Optional[LayerSpec]:
        """The Input layer of that id, if it is drawn only as the initial state it gives."""
        return self.state_inputs.get(layer_id)

    def state_label(self, layer_id: str, tensor: int, entering: str) -> str:
        """Which state output ``tensor`` of a recurrent layer is (``h``, ``c``, ``fwd h``...);
        of any other layer, the name of the state it is ``entering``."""
        source = self.spec.layer(layer_id)
        return labels.state_of_output(source, tensor) if source.recurrent is not None else entering

    def gutter(self, layer: LayerSpec, flags: Sequence[str] = (), notes: Sequence[str] = ()) -> Tuple[str, ...]:
        """A row's gutter: the layer (its call), its class and settings, what it owns, its
        flags, ``notes`` and its output shapes (two at most, on two lines when long)."""
        name = labels.call_name(layer, self.spec, of_all=True)
        return (name, *labels.wrap_title(labels.layer_title(layer)), *labels.inside_lines(layer),
                *labels.wrap(flags), *notes, *self.notes.get(layer.id, ()),
                *labels.shapes_lines(layer.output_shapes))

    # -- the result -----------------------------------------------------------------------
    def graph(self, summary: str) -> UnrolledGraph:
        """What was drawn, frozen, with ``summary`` as its description."""
        panels = tuple(Panel(p.index, p.columns, tuple(p.rows), self.panel_title(p), p.kind)
                       for p in self.panels)
        return UnrolledGraph(self.spec.name, summary, panels, tuple(self.nodes), tuple(self.edges))

    def panel_title(self, panel: _PanelDraft) -> str:
        if panel.title is not None:
            return panel.title
        if panel.kind == "stack":
            return ""
        if panel.timesteps is not None:
            return f"T = {panel.timesteps}"
        return f"T = ? (drawn as {self.options.timesteps})" if self.options.timesteps else "T = ?"
