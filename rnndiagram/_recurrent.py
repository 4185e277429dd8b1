"""Stage 0 helper: the RecurrentSpec of a Keras recurrent layer (RNN subclasses, Bidirectional)."""

from __future__ import annotations

from types import ModuleType
from typing import Any, List, Optional, Sequence, Tuple

from ._roles import activation_name
from .spec import RecurrentSpec, Shape, StateSpec

# Checked in order: the first class a layer is an instance of names its kind, so a user's
# subclass of LSTM is drawn as an LSTM.
_KINDS = ("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "LSTM", "GRU", "SimpleRNN")


def is_recurrent(keras: ModuleType, layer: Any) -> bool:
    return isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional))


def flat_shapes(value: Any) -> Tuple[Shape, ...]:
    """Shapes from a nested structure of shapes (``keras.tree.flatten`` would split them)."""
    if isinstance(value, (list, tuple)) and all(d is None or isinstance(d, int) for d in value):
        return (tuple(None if d is None else int(d) for d in value),)
    return tuple(s for item in value for s in flat_shapes(item))


def recurrent_spec(keras: ModuleType, layer: Any, input_shape: Shape,
                   output_shapes: Tuple[Shape, ...], masked: bool) -> RecurrentSpec:
    """The spec of one call of a recurrent layer on a sequence of ``input_shape``."""
    if isinstance(layer, keras.layers.Bidirectional):
        return _bidirectional_spec(keras, layer, input_shape, masked)
    return _rnn_spec(keras, layer, input_shape, output_shapes, masked)


def bidirectional_output_shapes(layer: Any, input_shape: Shape) -> Tuple[Shape, ...]:
    """The shapes a Bidirectional layer really returns.

    Keras computes them from the forward layer alone, which is wrong when an explicit
    ``backward_layer`` has other units (keras-team/keras#23688), so they are rebuilt here
    from both directions.
    """
    fwd = flat_shapes(layer.forward_layer.compute_output_shape(input_shape))
    bwd = flat_shapes(layer.backward_layer.compute_output_shape(input_shape))
    states = fwd[1:] + bwd[1:] if layer.return_state else ()
    if layer.merge_mode is None:
        return (fwd[0], bwd[0]) + states
    if layer.merge_mode == "concat":
        a, b = fwd[0][-1], bwd[0][-1]
        return (fwd[0][:-1] + (None if a is None or b is None else a + b,),) + states
    return (fwd[0],) + states


def _bidirectional_spec(keras: ModuleType, layer: Any, input_shape: Shape,
                        masked: bool) -> RecurrentSpec:
    fwd_layer, bwd_layer = layer.forward_layer, layer.backward_layer
    fwd = _rnn_spec(keras, fwd_layer, input_shape,
                    flat_shapes(fwd_layer.compute_output_shape(input_shape)), masked)
    bwd = _rnn_spec(keras, bwd_layer, input_shape,
                    flat_shapes(bwd_layer.compute_output_shape(input_shape)), masked)
    merged = bidirectional_output_shapes(layer, input_shape)[0][-1]
    units = merged if layer.merge_mode is not None or fwd.units == bwd.units else None
    offset = 1 + max((s.group for s in fwd.states), default=0)
    backward_states = tuple(StateSpec(s.name, s.shape, s.group + offset) for s in bwd.states)
    return RecurrentSpec(
        kind="Bidirectional",
        units=units,
        timesteps=fwd.timesteps,
        features=fwd.features,
        states=fwd.states + backward_states,
        return_sequences=bool(layer.return_sequences),
        return_state=bool(layer.return_state),
        stateful=bool(layer.stateful),
        masked=masked,
        activation=fwd.activation if fwd.activation == bwd.activation else None,
        recurrent_activation=(fwd.recurrent_activation
                              if fwd.recurrent_activation == bwd.recurrent_activation else None),
        merge_mode=layer.merge_mode,
        forward=fwd,
        backward=bwd,
    )


def _rnn_spec(keras: ModuleType, layer: Any, input_shape: Shape,
              output_shapes: Tuple[Shape, ...], masked: bool) -> RecurrentSpec:
    kind = _kind(keras, layer)
    out = output_shapes[0]
    step_out = out[:1] + out[2:] if layer.return_sequences else out
    cell = layer.cell
    cells = list(cell.cells) if isinstance(cell, keras.layers.StackedRNNCells) else [cell]
    batch = input_shape[0]
    states: List[StateSpec] = []
    for group, c in enumerate(cells):
        for name, shape in zip(*_cell_states(c, step_out)):
            states.append(StateSpec(name=name, shape=(batch,) + shape, group=group))
    return RecurrentSpec(
        kind=kind,
        units=layer.filters if kind.startswith("ConvLSTM") else step_out[-1],
        timesteps=input_shape[1] if len(input_shape) > 1 else None,
        features=tuple(input_shape[2:]),
        states=tuple(states),
        return_sequences=bool(layer.return_sequences),
        return_state=bool(layer.return_state),
        go_backwards=bool(layer.go_backwards),
        stateful=bool(layer.stateful),
        masked=masked,
        cells=tuple(type(c).__name__ for c in cells),
        activation=_cell_attr(cells, "activation"),
        recurrent_activation=_cell_attr(cells, "recurrent_activation"),
    )


def _kind(keras: ModuleType, layer: Any) -> str:
    for name in _KINDS:
        cls = getattr(keras.layers, name, None)
        if cls is not None and isinstance(layer, cls):
            return name
    return "RNN"


def _cell_attr(cells: Sequence[Any], attr: str) -> Optional[str]:
    """An activation name shared by every cell, else None (stacks can mix them)."""
    names = {activation_name(getattr(c, attr, None)) for c in cells}
    return names.pop() if len(names) == 1 else None


def _cell_states(cell: Any, step_out: Shape) -> Tuple[Tuple[str, ...], Tuple[Shape, ...]]:
    """Names and shapes (without batch) of one cell's states."""
    size = cell.state_size
    if isinstance(size, int) and size == -1:
        # ConvLSTM cells report the placeholder -1; h and c have the per-step output's shape.
        shapes: Tuple[Shape, ...] = (tuple(step_out[1:]),) * 2
    else:
        sizes = size if isinstance(size, (list, tuple)) else [size]
        shapes = tuple(_state_shape(s) for s in sizes)
    return _state_names(len(shapes)), shapes


def _state_shape(size: Any) -> Shape:
    if isinstance(size, int):
        return (size,)
    return tuple(None if d is None else int(d) for d in size)


def _state_names(count: int) -> Tuple[str, ...]:
    if count == 1:
        return ("h",)
    if count == 2:
        return ("h", "c")
    return tuple(f"s{i}" for i in range(count))
