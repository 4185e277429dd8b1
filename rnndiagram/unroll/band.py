"""Stage 2, a layer that sees the whole sequence at once (Conv1D, pooling, Flatten): one band
across the steps of its panel, and its output on the same time axis, a new one or a stack."""

from __future__ import annotations

from typing import List, Tuple

from .. import labels
from ..spec import Connection, LayerSpec
from .canvas import Canvas
from .drafts import _Handle, _PanelDraft
from .sequences import finish_sequence, head_strip, opens_axis, sequence_from


def add_band(c: Canvas, layer: LayerSpec, inputs: List[Tuple[Connection, _Handle]], source: _Handle) -> None:
    """One band node that reads every step of ``source``'s panel."""
    panel = c.panel(source.panel)
    elsewhere = [f"reads all steps of {c.source_name(i.layer)}" for i, h in inputs
                 if h.per_col is not None and h.panel != panel.index]
    row = c.add_row(panel, "band", layer.id, gutter=c.gutter(layer, notes=elsewhere),
                    legend="whole sequence")
    band = c.add_node(id=f"{layer.id}-band", kind="band", panel=panel.index, row=row, col=None,
                      label=labels.layer_title(layer), layer=layer.id)
    connect_all(c, inputs, panel, band, layer)
    out = layer.output_shapes[0]
    same_axis = len(out) >= 3 and out[1] == panel.timesteps and c.batch_first(out)
    if same_axis:
        finish_sequence(c, layer, panel, {col: band for col in range(len(panel.columns))
                                          if not panel.columns[col].ellipsis})
    elif opens_axis(c, layer, out):
        sequence_from(c, layer, band, out)
    else:
        head_strip(c, layer, panel, band)


def connect_all(c: Canvas, inputs: List[Tuple[Connection, _Handle]], panel: _PanelDraft, dst: str,
                layer: LayerSpec) -> None:
    """Edges from every step of each input into ``dst``; a sequence drawn on another
    time axis arrives as one edge from its last step, so no arrow cuts across a panel."""
    for conn, handle in inputs:
        if handle.per_col is None:
            assert handle.node is not None
            c.add_edge(handle.node, dst, "data", layer=layer.id)
        elif handle.panel != panel.index:
            c.add_edge(c.last_node(handle), dst, "data", layer=layer.id,
                       label=f"all steps of {c.source_name(conn.layer)}")
        else:
            for src in handle.per_col.values():
                if c.kind(src) != "ellipsis":
                    c.add_edge(src, dst, "data", layer=layer.id)
