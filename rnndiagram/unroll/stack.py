"""Stage 2, a layer of vectors (after the sequences have collapsed): one box above the one
panel its inputs come from, or on a stack of its own above all of them."""

from __future__ import annotations

from typing import List, Tuple

from .. import labels
from ..spec import Connection, LayerSpec
from .canvas import Canvas
from .drafts import _Handle
from .sequences import head_strip, opens_axis, sequence_from


def add_head_box(c: Canvas, layer: LayerSpec, inputs: List[Tuple[Connection, _Handle]]) -> None:
    """A layer of vectors: above the one panel its inputs come from, or on a stack of its
    own above all of them (the layout places it over the branches it joins)."""
    panels = {h.panel for _, h in inputs}
    panel = c.panel(panels.pop()) if len(panels) == 1 else c.new_stack()
    row = c.add_row(panel, "head", layer.id, gutter=c.gutter(layer))
    box = c.add_node(id=f"{layer.id}-box", kind="merge" if layer.role == "merge" else "box",
                     panel=panel.index, row=row, col=panel.last, label=labels.box_label(layer.class_name),
                     detail=labels.box_detail(layer), layer=layer.id)
    for _, handle in inputs:
        c.add_edge(c.last_node(handle), box, "data", layer=layer.id)
    out = layer.output_shapes[0]
    if opens_axis(c, layer, out):  # (batch, time, features): a new time axis (RepeatVector, Reshape)
        sequence_from(c, layer, box, out)
    else:
        head_strip(c, layer, panel, box)
