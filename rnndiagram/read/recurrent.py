"""Stage 0, the RecurrentSpec of a recurrent layer (an RNN subclass, or a Bidirectional), read
through a :class:`~rnndiagram.read.view.LayerView` and the layer table."""

from __future__ import annotations

from typing import Iterable, List, Optional, Tuple

from .._records import frozen
from ..spec import RecurrentSpec, Shape, StateSpec
from .layers import LAYERS, LayerKind, kind_of, state_names
from .calls import Unsupported
from .cells import cell_specs
from .view import LayerView, StateSize


@frozen
class Cell:
    """What a recurrent layer's cell contributes: its class, states and activations."""

    name: str
    states: Tuple[str, ...]
    sizes: Tuple[StateSize, ...]
    activation: Optional[str] = None
    recurrent_activation: Optional[str] = None


def recurrent_spec(view: LayerView, row: LayerKind, input_shape: Shape,
                   output_shapes: Tuple[Shape, ...], masked: bool) -> RecurrentSpec:
    """The spec of one call of a recurrent layer on a sequence of ``input_shape``."""
    if row.recurrent is not None and row.recurrent.kind == "Bidirectional":
        return _bidirectional_spec(view, input_shape, masked)
    return _rnn_spec(view, row, input_shape, output_shapes, masked)


def directions(view: LayerView) -> Tuple[Tuple[LayerView, LayerKind], Tuple[LayerView, LayerKind]]:
    """The forward and the backward layer of a Bidirectional, with their rows."""
    found = []
    for key in ("forward_layer", "backward_layer"):
        layer = view.child(key)
        row = kind_of(layer.mro)
        if row is None or row.recurrent is None or row.recurrent.kind == "Bidirectional":
            raise Unsupported(f"a Bidirectional over {layer.class_name}")
        found.append((layer, row))
    return found[0], found[1]


def bidirectional_outputs(view: LayerView, input_shape: Shape) -> Tuple[Shape, ...]:
    """The shapes a Bidirectional layer really returns.

    Keras computes them from the forward layer alone, which is wrong when an explicit
    ``backward_layer`` has other units (keras-team/keras#23688), so they are rebuilt here
    from both directions.
    """
    (forward, _), (backward, _) = directions(view)
    fwd, bwd = forward.output_shapes((input_shape,)), backward.output_shapes((input_shape,))
    states = fwd[1:] + bwd[1:] if forward.setting("return_state") else ()
    mode = view.setting("merge_mode")
    if mode is None:
        return (fwd[0], bwd[0]) + states
    if mode == "concat":
        a, b = fwd[0][-1], bwd[0][-1]
        return (fwd[0][:-1] + (None if a is None or b is None else a + b,),) + states
    return (fwd[0],) + states


def _bidirectional_spec(view: LayerView, input_shape: Shape, masked: bool) -> RecurrentSpec:
    (forward, frow), (backward, brow) = directions(view)
    fwd = _rnn_spec(forward, frow, input_shape, forward.output_shapes((input_shape,)), masked)
    bwd = _rnn_spec(backward, brow, input_shape, backward.output_shapes((input_shape,)), masked)
    mode = view.setting("merge_mode")
    merged = bidirectional_outputs(view, input_shape)[0][-1] if mode is not None else None
    offset = 1 + max((s.group for s in fwd.states), default=0)
    return RecurrentSpec(
        kind="Bidirectional",
        units=fwd.units if fwd.units == bwd.units else None,
        merged_units=merged,
        timesteps=fwd.timesteps,
        features=fwd.features,
        states=fwd.states + tuple(StateSpec(s.name, s.shape, s.group + offset) for s in bwd.states),
        return_sequences=bool(forward.setting("return_sequences")),
        return_state=bool(forward.setting("return_state")),
        stateful=bool(forward.setting("stateful")),
        masked=masked,
        activation=_shared((fwd.activation, bwd.activation)),
        recurrent_activation=_shared((fwd.recurrent_activation, bwd.recurrent_activation)),
        merge_mode=mode,
        forward=fwd,
        backward=bwd,
    )


def _rnn_spec(view: LayerView, row: LayerKind, input_shape: Shape, output_shapes: Tuple[Shape, ...],
              masked: bool) -> RecurrentSpec:
    out = output_shapes[0]
    return_sequences = bool(view.setting("return_sequences"))
    if view.setting("time_major"):  # Keras 2: (time, batch, ...) in, and out when a sequence
        input_shape = _batch_major(input_shape)
        out = _batch_major(out) if return_sequences else out
    step_out = out[:1] + out[2:] if return_sequences else out
    batch = input_shape[0]
    found = cells(view, row)
    states: List[StateSpec] = []
    for group, cell in enumerate(found):
        for name, size in zip(cell.states, cell.sizes):
            states.append(StateSpec(name, (batch,) + (step_out[1:] if size is None else size), group))
    conv = row.recurrent is not None and bool(row.recurrent.conv)
    return RecurrentSpec(
        kind=row.recurrent.kind if row.recurrent is not None else "RNN",
        units=view.setting("filters") if conv else step_out[-1],
        timesteps=input_shape[1] if len(input_shape) > 1 else None,
        features=tuple(input_shape[2:]),
        states=tuple(states),
        return_sequences=return_sequences,
        return_state=bool(view.setting("return_state")),
        go_backwards=bool(view.setting("go_backwards")),
        stateful=bool(view.setting("stateful")),
        masked=masked,
        cells=tuple(c.name for c in found),
        activation=_shared(c.activation for c in found),
        recurrent_activation=_shared(c.recurrent_activation for c in found),
        cell_specs=cell_specs(view, row, input_shape),
    )


def is_cell(view: LayerView, row: Optional[LayerKind]) -> bool:
    """Whether the layer is a recurrent cell (a built-in one, or a custom layer with a
    ``state_size``): a layer of the graph only when it is called directly, one step a call."""
    if view.op or view.model:
        return False
    if row is not None:
        return row.cell_of is not None
    return view.setting("state_size") is not None


def cell_spec(view: LayerView, row: Optional[LayerKind], input_shape: Shape,
              output_shapes: Tuple[Shape, ...]) -> RecurrentSpec:
    """The spec of one direct call of a cell: one step on ``input_shape`` (batch first, no
    time axis), returning its output and its new states."""
    cell = _cell_of(view)
    out = output_shapes[0]
    batch = input_shape[0]
    conv = row is not None and row.spatial
    if row is not None and row.cell_of is not None:
        kind = f"{row.cell_of}{len(input_shape) - 2}D" if conv else row.cell_of
    else:
        kind = "RNN"
    return RecurrentSpec(
        kind=kind,
        units=view.setting("filters") if conv else out[-1],
        timesteps=1,
        features=tuple(input_shape[1:]),
        states=tuple(StateSpec(name, (batch,) + (out[1:] if size is None else size))
                     for name, size in zip(cell.states, cell.sizes)),
        return_sequences=False,
        return_state=True,
        cells=(cell.name,) if row is None else (),
        activation=cell.activation,
        recurrent_activation=cell.recurrent_activation,
        step=True,
    )


def _batch_major(shape: Shape) -> Shape:
    return shape[1:2] + shape[:1] + shape[2:] if len(shape) >= 2 else shape


def cells(view: LayerView, row: LayerKind) -> Tuple[Cell, ...]:
    """The cells a recurrent layer runs: its built-in cell, or those of its ``cell`` setting
    (each cell of a ``StackedRNNCells``)."""
    recurrent = row.recurrent
    if recurrent is not None and recurrent.cell is not None:
        return (_cell(view, recurrent.cell, LAYERS[recurrent.cell].states, bool(recurrent.conv)),)
    cell = view.child("cell")
    cell_row = kind_of(cell.mro)
    stack = cell.children("cells") if cell_row is not None and cell_row.wraps == "cells" else (cell,)
    return tuple(_cell_of(c) for c in stack)


def _cell_of(cell: LayerView) -> Cell:
    row = kind_of(cell.mro)
    if row is not None and row.states:
        return _cell(cell, row.name, row.states, conv=row.spatial)
    sizes = cell.state_sizes()
    return Cell(cell.class_name, state_names(len(sizes)), sizes, cell.setting("activation"),
                cell.setting("recurrent_activation"))


def _cell(view: LayerView, name: str, states: Tuple[str, ...], conv: bool) -> Cell:
    """A built-in cell, from the settings of the layer (or cell) that holds them."""
    size: StateSize = None if conv else (view.setting("units"),)
    return Cell(name, states, (size,) * len(states), view.setting("activation"),
                view.setting("recurrent_activation"))


def _shared(names: Iterable[Optional[str]]) -> Optional[str]:
    """A name shared by every cell (or both directions), else None."""
    distinct = set(names)
    return distinct.pop() if len(distinct) == 1 else None
