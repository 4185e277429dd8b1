"""Stage 2, the outputs of a Bidirectional layer: its two directions merged at each step
(or at the last), or side by side as two outputs (``merge_mode=None``)."""

from __future__ import annotations

from typing import Dict, List

from .. import labels
from ..spec import LayerSpec, value_key
from .canvas import Canvas
from .drafts import _Handle, _PanelDraft
from .sequences import head_strip, strips_row


def merge_directions(b: Canvas, layer: LayerSpec, panel: _PanelDraft, cells: List[Dict[int, str]],
                     last: List[str]) -> None:
    """The outputs of a Bidirectional's two directions, whose cells are ``cells`` (the last
    shown of each ``last``): a merge node per step (per returned step) and its strip."""
    rec = layer.recurrent
    assert rec is not None
    out = layer.output_shapes[0]
    dims = tuple(out[2:] if rec.return_sequences else out[1:])
    if rec.merge_mode is None:
        _unmerged(b, layer, panel, cells, last)
        return
    row = b.add_row(panel, "boxes", layer.id, legend=f"merge: {rec.merge_mode}")
    cols = [c for c in cells[0]] if rec.return_sequences else [panel.last]
    merges: Dict[int, str] = {}
    for col in cols:
        column = panel.columns[col]
        if column.ellipsis:
            merges[col] = b.ellipsis(panel, row, col, f"{layer.id}-merge-t…", layer.id)
            continue
        merges[col] = b.add_node(id=f"{layer.id}-merge-t{column.key}", kind="merge", panel=panel.index,
                                 row=row, col=col, label=rec.merge_mode, detail=labels.dims_text(dims),
                                 layer=layer.id, t=column.key)
        sources = [cells[0][col], cells[1][col]] if rec.return_sequences else last
        for src in sources:
            b.add_edge(src, merges[col], "output", layer=layer.id)
    if rec.return_sequences:
        per_col = strips_row(b, panel, layer, merges, dims, "return_sequences=True", tuple(merges), kind="data")
        b.set_handle(layer.id, 0, _Handle(panel.index, dims, per_col=per_col))
    else:
        head_strip(b, layer, panel, merges[panel.last])


def _unmerged(b: Canvas, layer: LayerSpec, panel: _PanelDraft, cells: List[Dict[int, str]],
              last: List[str]) -> None:
    """merge_mode=None: the two directions' outputs side by side, as two outputs."""
    rec = layer.recurrent
    assert rec is not None
    row = b.add_row(panel, "strips", layer.id, legend=b.output_legend(layer, 0, "unmerged outputs"))
    for d, tag in enumerate("fb"):
        out = layer.output_shapes[d]
        dims = tuple(out[2:] if rec.return_sequences else out[1:])
        per_col: Dict[int, str] = {}
        for col, src in cells[d].items():
            column = panel.columns[col]
            if not rec.return_sequences and src != last[d]:
                continue
            if column.ellipsis:
                per_col[col] = b.add_node(id=f"{layer.id}-{tag}out-t…", kind="ellipsis", panel=panel.index,
                                          row=row, col=col, label="…", lane=(d, 2))
                continue
            per_col[col] = b.add_node(id=f"{layer.id}-{tag}out-t{column.key}", kind="strip", panel=panel.index,
                                      row=row, col=col, layer=layer.id, t=column.key, lane=(d, 2),
                                      label=labels.dims_text(dims),
                                      strip=b.strip(dims, value_key(layer.id, d, column.t)))
            b.add_edge(src, per_col[col], "output", layer=layer.id)
        if rec.return_sequences:
            b.set_handle(layer.id, d, _Handle(panel.index, dims, per_col=per_col))
        else:
            b.set_handle(layer.id, d, _Handle(panel.index, dims, node=next(iter(per_col.values()))))
