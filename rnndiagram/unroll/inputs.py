"""Stage 2, the model's inputs: a sequence on a time axis of its own (with its tokens, in
values mode), a tensor on a stack, or nothing where an Input only gives an initial state."""

from __future__ import annotations

from typing import Sequence, Tuple

from .. import labels
from ..spec import LayerSpec, value_key
from .canvas import Canvas
from .drafts import _Handle
from .graph import Column
from .sequences import step_strips


def draw_input(c: Canvas, layer: LayerSpec) -> None:
    """An Input: drawn as a sequence, as a tensor, or (an initial state only) where it enters."""
    if only_initial_state(c, layer):
        c.state_inputs[layer.id] = layer  # drawn once, where the state enters
    else:
        add_input(c, layer, as_sequence=is_sequence_input(c, layer))


def is_sequence_input(c: Canvas, layer: LayerSpec) -> bool:
    """Whether an input gets its own time axis: (batch, time, features), token ids read by
    an Embedding, or a bigger tensor read step by step (ConvLSTM, TimeDistributed).
    An image read by Conv2D is a tensor, not a sequence of rows."""
    rank = len(layer.output_shapes[0])
    readers = [l for l in c.spec.layers if any(i.layer == layer.id for i in l.inbound)]
    if rank == 2:
        return any(l.reads_tokens for l in readers)
    if rank == 3:
        return True
    return any(l.recurrent is not None or l.role == "per_step" for l in readers)


def only_initial_state(c: Canvas, layer: LayerSpec) -> bool:
    """Whether an Input is read only as a recurrent layer's initial state (an inference
    decoder's ``h`` and ``c``)."""
    uses = [i for l in c.spec.layers for i in l.inbound if i.layer == layer.id]
    outputs = any(o.layer == layer.id for o in c.spec.outputs)
    return bool(uses) and not outputs and all(i.kind == "state" for i in uses)


def add_input(c: Canvas, layer: LayerSpec, as_sequence: bool) -> None:
    shape = layer.output_shapes[0]
    tokens_in = len(shape) == 2 and as_sequence
    if not as_sequence:
        panel = c.new_stack()
        row = c.add_row(panel, "head", layer.id, gutter=(layer.name, f"Input {labels.shape_text(shape)}"),
                        legend="Input")
        node = c.add_node(id=f"{layer.id}-x", kind="input", panel=panel.index, row=row, col=panel.last,
                          label="x", detail=labels.dims_text(shape[1:]), layer=layer.id,
                          strip=c.strip(shape[1:], value_key(layer.id, 0)))
        c.set_handle(layer.id, 0, _Handle(panel.index, tuple(shape[1:]), node=node))
        return
    panel = c.new_panel(shape[1] if len(shape) > 1 else None)
    dims = tuple(shape[2:]) or (1,)
    tokens = c.options.tokens
    if tokens:
        row = c.add_row(panel, "tokens")
        for col, column in enumerate(panel.columns):
            text = "…" if column.ellipsis else _token_for(tokens, column)
            c.add_node(id=f"{layer.id}-tok-t{column.key}", kind="token", panel=panel.index,
                       row=row, col=col, label=text, t=column.key)
    row = c.add_row(panel, "inputs", layer.id, gutter=(layer.name, f"Input {labels.shape_text(shape)}")
                    + runs_for(c, layer), legend="Tokens" if tokens_in else "Input")
    step_strips(c, panel, row, layer, "x", "input", dims)


def runs_for(c: Canvas, layer: LayerSpec) -> Tuple[str, ...]:
    """For the Input of what a TimeDistributed layer runs: what it stands for."""
    for td, runs in c.runs.items():
        if layer.id in runs.inputs:
            steps = "?" if runs.steps is None else runs.steps
            return (f"one step: run by {c.spec.layer(td).name}", f"for each of its {steps} steps")
    return ()


def _token_for(tokens: Sequence[str], column: Column) -> str:
    if column.t is not None and column.t <= len(tokens):
        return tokens[column.t - 1]
    return tokens[-1] if column.t is None or column.t == len(tokens) else ""
