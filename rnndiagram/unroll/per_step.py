"""Stage 2, a layer drawn per step: one box per shown step of its sequence (Dense on a
sequence, Embedding, TimeDistributed), or per query step (attention: step t reads query
step t and every step of the values)."""

from __future__ import annotations

from typing import Dict, List, Tuple

from .. import labels
from ..spec import Connection, LayerSpec
from .canvas import Canvas
from .drafts import _Handle
from .sequences import finish_sequence

def add_per_step(c: Canvas, layer: LayerSpec, source: _Handle, inputs: List[Tuple[Connection, _Handle]]) -> None:
    """One box per step; attention too (step t reads query t and every value step)."""
    panel = c.panel(source.panel)
    inner = layer.wrapped or layer
    td = layer.wrapped is not None
    elsewhere = tuple(f"reads all steps of {c.source_name(i.layer)}" for i, h in inputs
                      if h is not source and h.per_col is not None and h.panel != panel.index)
    if layer.id in c.runs:
        elsewhere += (f"runs {inner.name} at each step",)
    query = bool(elsewhere) or layer.steps == "per_query_step"
    row = c.add_row(panel, "boxes", layer.id, gutter=c.gutter(layer, notes=elsewhere),
                    legend="TimeDistributed" if td else "per query step" if query else _per_step_legend(layer),
                    backdrop=td)
    boxes: Dict[int, str] = {}
    for col, column in enumerate(panel.columns):
        if column.ellipsis:
            boxes[col] = c.ellipsis(panel, row, col, f"{layer.id}-t…", layer.id)
        else:
            label = inner.name if inner.model is not None and layer.id in c.runs \
                else labels.box_label(inner.class_name)
            boxes[col] = c.add_node(id=f"{layer.id}-t{column.key}", kind="box", panel=panel.index,
                                    row=row, col=col, label=label, t=column.key,
                                    detail=labels.box_detail(inner), layer=layer.id)
            c.add_edge(source.columns()[col], boxes[col], "data", layer=layer.id)
    others = [(i, h) for i, h in inputs if h is not source]
    last = boxes[max(col for col, n in boxes.items() if c.kind(n) != "ellipsis")]
    for conn, handle in others:
        if handle.per_col is not None and handle.panel == panel.index:
            for col, box in boxes.items():
                if c.kind(box) != "ellipsis":
                    c.add_edge(handle.per_col[col], box, "data", layer=layer.id)
        elif handle.per_col is None:
            assert handle.node is not None
            c.add_edge(handle.node, last, "data", layer=layer.id)
        else:
            c.add_edge(c.last_node(handle), last, "data", layer=layer.id,
                       label=f"all steps of {c.source_name(conn.layer)}")
    runs = c.runs.get(layer.id)
    apart = c.handle(runs.layer, runs.tensor) if runs is not None else None
    if apart is not None:  # what each step runs, drawn apart: into the last step
        c.add_edge(c.last_node(apart), last, "data", layer=layer.id, dashed=True)
    finish_sequence(c, layer, panel, boxes)


def _per_step_legend(layer: LayerSpec) -> str:
    return "Embedding" if layer.reads_tokens else "per timestep"
