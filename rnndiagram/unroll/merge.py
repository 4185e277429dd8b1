"""Stage 2, a merge of sequences on one time axis (Concatenate, Add...): one merge node per step."""

from __future__ import annotations

from typing import Dict, List, Tuple

from .. import labels
from ..spec import Connection, LayerSpec
from .canvas import Canvas
from .drafts import _Handle
from .sequences import finish_sequence


def add_step_merges(c: Canvas, layer: LayerSpec, inputs: List[Tuple[Connection, _Handle]], source: _Handle) -> None:
    """Concatenate/Add of sequences on one time axis: one merge node per step."""
    panel = c.panel(source.panel)
    dims = tuple(layer.output_shapes[0][2:])
    row = c.add_row(panel, "boxes", layer.id, gutter=c.gutter(layer), legend=layer.class_name)
    merges: Dict[int, str] = {}
    for col, column in enumerate(panel.columns):
        if column.ellipsis:
            merges[col] = c.ellipsis(panel, row, col, f"{layer.id}-t…", layer.id)
            continue
        merges[col] = c.add_node(id=f"{layer.id}-t{column.key}", kind="merge", panel=panel.index,
                                 row=row, col=col, label=labels.box_label(layer.class_name), t=column.key,
                                 detail=labels.dims_text(dims), layer=layer.id)
        for _, handle in inputs:
            c.add_edge(handle.columns()[col], merges[col], "data", layer=layer.id)
    finish_sequence(c, layer, panel, merges)
