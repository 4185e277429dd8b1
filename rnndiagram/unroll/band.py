"""Stage 2, a layer that sees the whole sequence at once (Conv1D, pooling, Flatten): one band
across the steps of its panel, and its output on the same time axis, a new one or a stack.
Layers that each make one vector of the same sequence (a global average and a global max
pooling of it) share one row, each a band over its share of the steps with its vector above
it: one above the other, each would seem to read the one below."""

from __future__ import annotations

from typing import List, Optional, Tuple

from .. import labels
from ..spec import Connection, LayerSpec
from .canvas import Canvas
from .drafts import _Handle, _PanelDraft
from .sequences import finish_sequence, head_strip, head_strips, opens_axis, sequence_from


def add_band(c: Canvas, layer: LayerSpec, inputs: List[Tuple[Connection, _Handle]], source: _Handle) -> None:
    """One band node that reads every step of ``source``'s panel."""
    panel = c.panel(source.panel)
    elsewhere = [f"reads all steps of {c.source_name(i.layer)}" for i, h in inputs
                 if h.per_col is not None and h.panel != panel.index]
    siblings = band_siblings(c, layer, panel)
    if siblings:
        _add_sibling(c, layer, inputs, panel, siblings, elsewhere)
        return
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
        head_strips(c, layer, panel, band)


def band_siblings(c: Canvas, layer: LayerSpec, panel: _PanelDraft) -> List[LayerSpec]:
    """The layers that, as ``layer`` does (it among them), read one sequence alone, all of it
    at once, and make one vector of it, the same sequence; none where it is alone, or where
    they outnumber the steps shown."""
    read = _vector_of(layer)
    if read is None:
        return []
    group = [r for r in c.readers(read[0]) if _vector_of(r) == read]
    shown = sum(1 for column in panel.columns if not column.ellipsis)
    return group if 1 < len(group) <= shown else []


def _vector_of(layer: LayerSpec) -> Optional[Tuple[str, int]]:
    """The (layer, tensor) of the one sequence ``layer`` makes one vector of, all of it at
    once, if it reads nothing else."""
    data = [i for i in layer.inbound if i.kind != "mask"]
    if layer.role != "whole_sequence" or len(data) != 1 or data[0].kind != "sequence" \
            or len(layer.output_shapes) != 1 or len(layer.output_shapes[0]) != 2:
        return None
    return data[0].layer, data[0].tensor


def _add_sibling(c: Canvas, layer: LayerSpec, inputs: List[Tuple[Connection, _Handle]], panel: _PanelDraft,
                 siblings: List[LayerSpec], notes: List[str]) -> None:
    """``layer``, one of ``siblings``, as a band over its share of the steps in the row they
    share (the first of them drawn makes it, with the row of their vectors above it), its
    vector above its band."""
    k, n = next(i for i, s in enumerate(siblings) if s.id == layer.id), len(siblings)
    gutter = c.gutter(layer, notes=notes)
    rows = c.shared_rows.get(siblings[0].id)
    if rows is None:
        rows = (c.add_row(panel, "band", layer.id, gutter=gutter, legend="whole sequence"),
                c.add_row(panel, "head", layer.id, legend=c.output_legend(layer, 0, None)))
        c.shared_rows[siblings[0].id] = rows
    else:
        c.amend_row(panel, rows[0], layer.id, gutter=gutter)
        c.amend_row(panel, rows[1], layer.id, legend=c.output_legend(layer, 0, None))
    band = c.add_node(id=f"{layer.id}-band", kind="band", panel=panel.index, row=rows[0], col=None,
                      label=labels.layer_title(layer), layer=layer.id, lane=(k, n))
    connect_all(c, inputs, panel, band, layer)
    head_strip(c, layer, panel, band, row=rows[1], col=_share_column(panel, k, n))


def _share_column(panel: _PanelDraft, k: int, n: int) -> int:
    """The last shown step (not the ellipsis) under share ``k`` of ``n`` of the panel's
    width, where band ``k`` of a shared row stands; the nearest shown step if none is."""
    count = len(panel.columns)
    shown = [j for j, column in enumerate(panel.columns) if not column.ellipsis]
    inside = [j for j in shown if k * count <= (j + 0.5) * n < (k + 1) * count]
    if inside:
        return inside[-1]
    middle = (k + 0.5) * count / n - 0.5
    return min(shown, key=lambda j: abs(j - middle))


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
