"""Stage 2, a layer of vectors (after the sequences have collapsed): one box above the one
panel its inputs come from, or on a stack of its own above all of them. Heads that read one
tensor side by side (a multi-task model's outputs, a VAE's mean and variance) are each a
stack of their own, which the layout sets side by side over it."""

from __future__ import annotations

from typing import List, Optional, Tuple

from .. import labels
from ..spec import Connection, LayerSpec
from .canvas import Canvas
from .drafts import _Handle
from .sequences import head_strips, opens_axis, sequence_from


def add_head_box(c: Canvas, layer: LayerSpec, inputs: List[Tuple[Connection, _Handle]]) -> None:
    """A layer of vectors: above the one panel its inputs come from, or on a stack of its
    own above all of them (the layout places it over the branches it joins), as it is when
    it is one of the heads that read one tensor (:func:`sibling_heads`)."""
    panels = {h.panel for _, h in inputs}
    alone = len(panels) == 1 and len(sibling_heads(c, layer)) < 2
    panel = c.panel(panels.pop()) if alone else c.new_stack()
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
        head_strips(c, layer, panel, box)


def sibling_heads(c: Canvas, layer: LayerSpec) -> List[LayerSpec]:
    """The heads ``layer`` is one of: the layers that, as it does, map one vector to one
    vector, the same one (it among them). Stacked in one column they would read as a chain,
    each seeming to read the one below it. (Layers that make sequences of one vector, the
    embeddings of a token input, each open a time axis of their own anyway.)"""
    read = _head_of(layer)
    if read is None:
        return []
    return [r for r in c.readers(read[0]) if _head_of(r) == read]


def _head_of(layer: LayerSpec) -> Optional[Tuple[str, int]]:
    """The (layer, tensor) of the one vector ``layer`` reads, if it reads nothing else and
    makes one vector."""
    data = [i for i in layer.inbound if i.kind != "mask"]
    if len(data) != 1 or data[0].kind != "vector" or len(layer.output_shapes) != 1 \
            or len(layer.output_shapes[0]) != 2:
        return None
    return data[0].layer, data[0].tensor
