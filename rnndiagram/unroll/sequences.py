"""Stage 2, a layer's outputs drawn as value strips: one per step of a sequence (on its
panel's time axis or on a new one), or one above a box; each becomes the tensor's handle."""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, Optional, Sequence, Set, Tuple

from .. import labels
from ..spec import Connection, LayerSpec, Shape, value_key
from .canvas import Canvas
from .drafts import _Handle, _PanelDraft


def strips_row(c: Canvas, panel: _PanelDraft, layer: LayerSpec, src_of: Dict[int, str], dims,
               legend: Optional[str], returned: Sequence[int], kind="output",
               stepwise: bool = True, outputs: Optional[Dict[int, Optional[int]]] = None,
               tensor: int = 0) -> Dict[int, str]:
    """A row of value strips of the layer's output ``tensor`` above ``src_of`` nodes;
    unreturned ones faint or left out. ``outputs``: the model output each column's strip
    is (a loop's calls), when they differ."""
    if outputs is not None:
        legend = labels.outputs_label(c.spec, sorted({i for i in outputs.values() if i is not None})) or legend
    else:
        legend = c.output_legend(layer, tensor, legend)
    row = c.add_row(panel, "strips", layer.id, legend=legend)
    per_col: Dict[int, str] = {}
    for col, src in src_of.items():
        column = panel.columns[col]
        faint = col not in returned
        if faint and not c.options.show_unreturned:
            continue
        stem = f"{layer.id}-out{tensor or ''}-t"
        if column.ellipsis:
            per_col[col] = c.ellipsis(panel, row, col, stem + "…", layer.id)
            continue
        node = c.add_node(id=stem + column.key, kind="strip", panel=panel.index,
                          row=row, col=col, layer=layer.id, t=column.key, faint=faint,
                          label=labels.dims_text(dims),
                          output=None if faint else (outputs.get(col) if outputs is not None
                                                     else c.output_index(layer, tensor)),
                          strip=c.strip(dims, value_key(layer.id, tensor, column.t if stepwise else None)))
        per_col[col] = node
        c.add_edge(src, node, kind, layer=layer.id, faint=faint)
    return per_col


def finish_sequence(c: Canvas, layer: LayerSpec, panel: _PanelDraft, src_of: Dict[int, str]) -> None:
    """The layer's output, a sequence on ``panel``'s time axis: a strip above each step.
    Its other outputs (an attention's scores beside its context) each a row of strips above
    that, on the same axis, or one strip above the last step where they are not on it."""
    for tensor, out in enumerate(layer.output_shapes):
        if tensor == 0 or (len(out) >= 3 and out[1] == panel.timesteps and c.batch_first(out)):
            dims = tuple(out[2:])
            per_col = strips_row(c, panel, layer, src_of, dims, None, returned=tuple(src_of), kind="data",
                                 tensor=tensor)
            c.set_handle(layer.id, tensor, _Handle(panel.index, dims, per_col=per_col))
        else:
            last = src_of[max(col for col, node in src_of.items() if c.kind(node) != "ellipsis")]
            head_strip(c, layer, panel, last, tensor=tensor)


def step_strips(c: Canvas, panel: _PanelDraft, row: int, layer: LayerSpec, stem: str, kind: str,
                dims: Tuple[Optional[int], ...]) -> Dict[int, str]:
    """One strip per shown step (an input row, or a sequence on a new time axis);
    it becomes the handle of the layer's output."""
    per_col = {}
    for col, column in enumerate(panel.columns):
        if column.ellipsis:
            per_col[col] = c.ellipsis(panel, row, col, f"{layer.id}-{stem}-t…")
            continue
        label = labels.step_name("x", column.key) if kind == "input" else labels.dims_text(dims)
        per_col[col] = c.add_node(
            id=f"{layer.id}-{stem}-t{column.key}", kind=kind, panel=panel.index, row=row, col=col,
            label=label, detail=labels.dims_text(dims) if kind == "input" else "", layer=layer.id,
            t=column.key, strip=c.strip(dims, value_key(layer.id, 0, column.t)),
            output=None if kind == "input" else c.output_index(layer, 0))
    c.set_handle(layer.id, 0, _Handle(panel.index, dims, per_col=per_col))
    return per_col


def sequence_from(c: Canvas, layer: LayerSpec, src: str, out: Shape) -> None:
    """A layer whose output is a sequence on a new time axis (RepeatVector, pooling)."""
    panel = c.new_panel(out[1])
    dims = tuple(out[2:]) or (1,)
    row = c.add_row(panel, "inputs", layer.id, gutter=(layer.name, labels.shape_text(out)),
                    legend=c.output_legend(layer, 0, None))
    for node in step_strips(c, panel, row, layer, "seq", "strip", dims).values():
        if c.kind(node) != "ellipsis":
            c.add_edge(src, node, "data", layer=layer.id, dashed=True)


def as_sequence(c: Canvas, conn: Connection, handle: _Handle, step: bool = False) -> _Handle:
    """A tensor drawn as one node, on a time axis of its own for a layer that reads it
    step by step (a GRU after a ConvLSTM that returned its last output); with ``step``,
    as the one step of a cell called directly."""
    producer = c.spec.layer(conn.layer)
    panel = c.new_panel(1 if step else conn.shape[1])
    dims = tuple(conn.shape[1:] if step else conn.shape[2:])
    row = c.add_row(panel, "inputs", producer.id, gutter=(producer.name, labels.shape_text(conn.shape)))
    per_col: Dict[int, str] = {}
    for col, column in enumerate(panel.columns):
        stem = f"{producer.id}-{conn.tensor}-steps-t"
        if column.ellipsis:
            per_col[col] = c.ellipsis(panel, row, col, stem + "…")
            continue
        per_col[col] = c.add_node(id=stem + column.key, kind="strip", panel=panel.index, row=row, col=col,
                                  label=labels.dims_text(dims), layer=producer.id, t=column.key,
                                  strip=c.strip(dims))
        c.add_edge(c.last_node(handle), per_col[col], "data", layer=producer.id, dashed=True)
    sequence = _Handle(panel.index, dims, per_col=per_col)
    c.set_handle(conn.layer, conn.tensor, sequence)
    return sequence


def head_strip(c: Canvas, layer: LayerSpec, panel: _PanelDraft, src: str, row: Optional[int] = None,
               col: Optional[int] = None, tensor: int = 0) -> int:
    """The layer's (vector) output ``tensor``, one strip above ``src`` in the panel's last
    column (or ``col``), on a row of its own (or ``row``, which the caller made); the row."""
    dims = _vector_dims(c, layer.output_shapes[tensor])
    if row is None:
        row = c.add_row(panel, "head", layer.id, legend=c.output_legend(layer, tensor, None))
    suffix = "" if tensor == 0 else str(tensor)
    node = c.add_node(id=f"{layer.id}-out{suffix}", kind="strip", panel=panel.index, row=row,
                      col=panel.last if col is None else col, label=labels.dims_text(dims), layer=layer.id,
                      output=c.output_index(layer, tensor), strip=c.strip(dims, value_key(layer.id, tensor)))
    c.add_edge(src, node, "data", layer=layer.id)
    c.set_handle(layer.id, tensor, _Handle(panel.index, dims, node=node))
    return row


def _vector_dims(c: Canvas, out: Shape) -> Tuple[Optional[int], ...]:
    """What a strip of output ``out`` draws: all but the batch axis (of a time-major stack,
    all of it)."""
    return tuple(out[1:] if c.batch_first(out) else out)


def head_strips(c: Canvas, layer: LayerSpec, panel: _PanelDraft, src: str) -> None:
    """Every output of the layer as a vector (a custom layer's result and its attention
    weights): the first above ``src`` in the panel's last column, the others on its row in
    the shown columns from the first on, or on rows of their own above where the panel has
    no column left (a stack). The model outputs among those of one row are named in its
    legend with what their strips print, which tells them apart."""
    row = head_strip(c, layer, panel, src)
    free = [j for j, column in enumerate(panel.columns) if not column.ellipsis and j != panel.last]
    shared = [0]
    for tensor in range(1, len(layer.output_shapes)):
        if free:
            head_strip(c, layer, panel, src, row=row, col=free.pop(0), tensor=tensor)
            shared.append(tensor)
        else:
            head_strip(c, layer, panel, src, tensor=tensor)
    if len(shared) > 1:
        legends = [f"{legend} ({labels.dims_text(_vector_dims(c, layer.output_shapes[t]))})" for t in shared
                   for legend in [c.output_legend(layer, t, None)] if legend is not None]
        panel.rows[row] = replace(panel.rows[row], legend="; ".join(legends) or None)


def opens_axis(c: Canvas, layer: LayerSpec, shape: Shape) -> bool:
    """Whether a layer's output of ``shape`` is drawn as a sequence on a time axis of its
    own (batch first), rather than as one block: when a layer steps over it (an RNN, a
    per-step layer) or it is made step by step. A tensor of rank 3 counts as stepped over
    through the layers that keep its axis (a RepeatVector joined per step with another
    sequence before an LSTM), and as made step by step when it gathers what a cell called
    one step at a time gave (a forecast); a bigger one only when its own reader steps
    over it (ConvLSTM, TimeDistributed). An image read by Conv2D is one block, and so are
    a sequence of one step that nothing reads step by step (a ``Dot`` over time) and two
    span logits stacked on axis 1 as a model's output."""
    if len(shape) < 3 or not c.batch_first(shape):
        return False
    if len(shape) > 3 or shape[1] == 1:
        return any(steps_through(r) for r in c.readers(layer.id))
    return _stepped_over(c, layer.id, shape[1], set()) or _gathers_steps(c, layer)


def _stepped_over(c: Canvas, layer_id: str, steps: Optional[int], seen: Set[str]) -> bool:
    """Whether a layer that steps over its input reads ``layer_id``'s output, or a layer
    that keeps its axis of ``steps`` and reads it with a sequence made step by step, or
    whose own output is stepped over."""
    seen.add(layer_id)
    for reader in c.readers(layer_id):
        if reader.id in seen:
            continue
        if steps_through(reader):
            return True
        out = reader.output_shapes[0] if reader.output_shapes else ()
        if len(out) < 3 or out[1] != steps or not c.batch_first(out):
            continue
        if any(_made_per_step(c.spec.layer(i.layer), i.shape, steps) for i in reader.inbound
               if i.layer != layer_id and i.kind != "mask") or _stepped_over(c, reader.id, steps, seen):
            return True
    return False


def _made_per_step(layer: LayerSpec, shape: Shape, steps: Optional[int]) -> bool:
    """Whether a tensor of ``shape`` is a sequence of ``steps`` made one step at a time: a
    model input, an RNN's sequence, a per-step layer's output."""
    rank3 = len(shape) == 3 and shape[1] == steps
    return rank3 and (layer.role in ("input", "per_step") or layer.recurrent is not None)


def _gathers_steps(c: Canvas, layer: LayerSpec) -> bool:
    """Whether ``layer`` computes from what a cell called one step at a time gave."""
    seen, stack = set(), [layer.id]
    while stack:
        current = c.spec.layer(stack.pop())
        if current.recurrent is not None and current.recurrent.step:
            return True
        for i in current.inbound:
            if i.layer not in seen:
                seen.add(i.layer)
                stack.append(i.layer)
    return False


def steps_through(layer: LayerSpec) -> bool:
    """Whether a layer reads its input one time step at a time (an RNN, a per-step layer)."""
    return (layer.recurrent is not None and not layer.recurrent.step) or layer.role == "per_step"
