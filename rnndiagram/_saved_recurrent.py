"""Stage 0 helper for saved files: shapes and RecurrentSpec of recurrent layers, from config.

Mirrors ``_recurrent.py``, which reads the same fields from a live layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

from ._recurrent import _state_names
from ._saved_config import Cfg, Unsupported
from ._shape_rules import (CONV_LSTM_KINDS, RECURRENT_KINDS, RNN_KINDS, activation_name,
                           conv_output_shape, is_builtin, sequence_input)
from .errors import SourceError
from .spec import RecurrentSpec, Shape, StateSpec

MERGE_MODES = ("concat", "sum", "mul", "ave", None)

# Number of states of Keras's built-in cells, each a vector of ``units``.
_CELL_STATES = {"SimpleRNNCell": 1, "GRUCell": 1, "LSTMCell": 2}
# Cells that rnndiagram itself registers (the custom_cell_rnn example): one state of units.
_OWN_CELLS = {"rnndiagram>MinimalRNNCell": "MinimalRNNCell"}


def recurrent_spec(kind: str, config: Cfg, input_shape: Shape,
                   output_shapes: Tuple[Shape, ...], masked: bool) -> RecurrentSpec:
    """The spec of one call of a recurrent layer (``kind`` is its class) on ``input_shape``."""
    if kind == "Bidirectional":
        return _bidirectional_spec(config, input_shape, masked)
    return _rnn_spec(kind, config, input_shape, output_shapes, masked)


def _bidirectional_spec(config: Cfg, input_shape: Shape, masked: bool) -> RecurrentSpec:
    (fkind, fconfig), (bkind, bconfig) = bidirectional_parts(config)
    fwd = _rnn_spec(fkind, fconfig, input_shape, rnn_output_shapes(fkind, fconfig, input_shape), masked)
    bwd = _rnn_spec(bkind, bconfig, input_shape, rnn_output_shapes(bkind, bconfig, input_shape), masked)
    mode = merge_mode(config)
    merged = bidirectional_shapes(config, input_shape)[1][0][-1]
    offset = 1 + max((s.group for s in fwd.states), default=0)
    return RecurrentSpec(
        kind="Bidirectional",
        units=merged if mode is not None or fwd.units == bwd.units else None,
        timesteps=fwd.timesteps,
        features=fwd.features,
        states=fwd.states + tuple(StateSpec(s.name, s.shape, s.group + offset) for s in bwd.states),
        return_sequences=fconfig.bool("return_sequences", False),
        return_state=fconfig.bool("return_state", False),
        stateful=fconfig.bool("stateful", False),
        masked=masked,
        activation=_shared((fwd.activation, bwd.activation)),
        recurrent_activation=_shared((fwd.recurrent_activation, bwd.recurrent_activation)),
        merge_mode=mode,
        forward=fwd,
        backward=bwd,
    )


def _rnn_spec(kind: str, config: Cfg, input_shape: Shape, output_shapes: Tuple[Shape, ...],
              masked: bool) -> RecurrentSpec:
    out = output_shapes[0]
    return_sequences = config.bool("return_sequences", False)
    step_out = out[:1] + out[2:] if return_sequences else out
    batch = input_shape[0]
    states: List[StateSpec] = []
    if kind in CONV_LSTM_KINDS:
        # ConvLSTM cells report the placeholder state_size -1; h and c have the step's shape.
        names: Tuple[str, ...] = ("ConvLSTMCell",)
        states = [StateSpec(name, (batch,) + step_out[1:]) for name in ("h", "c")]
        activation = activation_name(config.raw("activation"))
        recurrent_activation = activation_name(config.raw("recurrent_activation"))
        units = config.int("filters")
    else:
        cells = rnn_cells(kind, config)
        names = tuple(c.name for c in cells)
        for group, cell in enumerate(cells):
            for name, size in zip(_state_names(len(cell.states)), cell.states):
                states.append(StateSpec(name, (batch, size), group))
        activation = _shared(c.activation for c in cells)
        recurrent_activation = _shared(c.recurrent_activation for c in cells)
        units = step_out[-1]
    return RecurrentSpec(
        kind=kind,
        units=units,
        timesteps=input_shape[1] if len(input_shape) > 1 else None,
        features=tuple(input_shape[2:]),
        states=tuple(states),
        return_sequences=return_sequences,
        return_state=config.bool("return_state", False),
        go_backwards=config.bool("go_backwards", False),
        stateful=config.bool("stateful", False),
        masked=masked,
        cells=names,
        activation=activation,
        recurrent_activation=recurrent_activation,
    )


def _shared(names: Iterable[Optional[str]]) -> Optional[str]:
    """A name shared by every cell (or both directions), else None."""
    distinct = set(names)
    return distinct.pop() if len(distinct) == 1 else None


@dataclass(frozen=True)
class Cell:
    """What the reader needs of a recurrent cell: its class, state sizes and activations."""

    name: str
    states: Tuple[int, ...]
    output: int
    activation: Optional[str] = None
    recurrent_activation: Optional[str] = None


def rnn_cells(kind: str, config: Cfg) -> Tuple[Cell, ...]:
    """The cells of a SimpleRNN/GRU/LSTM (its own config) or of a generic RNN (its ``cell``)."""
    if kind in RNN_KINDS:
        return (_cell(f"{kind}Cell", config),)
    entry = config.sub("cell")
    name = entry.str("class_name")
    if name == "StackedRNNCells" and is_builtin(entry):
        cells = entry.sub("config").raw("cells")
        if not isinstance(cells, list) or not cells:
            raise SourceError(f"{entry.where}.config.cells: expected a list of cells")
        return tuple(c for i, item in enumerate(cells)
                     for c in _cells_of(Cfg(item, f"{entry.where}.config.cells[{i}]")))
    return _cells_of(entry)


def _cells_of(entry: Cfg) -> Tuple[Cell, ...]:
    name = entry.str("class_name")
    if name in _CELL_STATES and is_builtin(entry):
        return (_cell(name, entry.sub("config")),)
    own = _OWN_CELLS.get(entry.raw("registered_name", None))
    if own is not None:
        units = entry.sub("config").int("units")
        return (Cell(own, (units,), units),)
    raise Unsupported(f"it runs the custom cell {name}, which has no shape rule")


def _cell(name: str, config: Cfg) -> Cell:
    units = config.int("units")
    recurrent = activation_name(config.raw("recurrent_activation")) if name != "SimpleRNNCell" else None
    return Cell(name, (units,) * _CELL_STATES[name], units,
                activation_name(config.raw("activation")), recurrent)


def rnn_output_shapes(kind: str, config: Cfg, inputs: Shape) -> Tuple[Shape, ...]:
    """Flat output shapes of a recurrent layer: the output, then its states if returned."""
    if kind in CONV_LSTM_KINDS:
        rank = int(kind[-2])
        inputs = sequence_input(inputs, rank + 3, kind)
        step = conv_output_shape(config, inputs[:1] + inputs[2:], rank, config.int("filters"))[1:]
        states: Tuple[Shape, ...] = ((inputs[0],) + step,) * 2
    else:
        inputs = sequence_input(inputs, 3, kind)
        cells = rnn_cells(kind, config)
        step = (cells[-1].output,)
        states = tuple((inputs[0], size) for cell in cells for size in cell.states)
    out = inputs[:2] + step if config.bool("return_sequences", False) else inputs[:1] + step
    return (out,) + (states if config.bool("return_state", False) else ())


def bidirectional_parts(config: Cfg) -> Tuple[Tuple[str, Cfg], Tuple[str, Cfg]]:
    """(kind, config) of the forward and the backward layer of a Bidirectional."""
    parts = []
    for key in ("layer", "backward_layer"):
        entry = config.sub(key if key in config else "layer")
        kind = entry.str("class_name")
        if kind not in RECURRENT_KINDS or not is_builtin(entry):
            raise Unsupported(f"a Bidirectional over {kind}")
        parts.append((kind, entry.sub("config")))
    return parts[0], parts[1]


def merge_mode(config: Cfg) -> Optional[str]:
    mode = config.raw("merge_mode", "concat")
    if mode not in MERGE_MODES:
        raise config.wrong("merge_mode", "one of concat, sum, mul, ave or null", mode)
    return mode


def bidirectional_shapes(config: Cfg, inputs: Shape) -> Tuple[Tuple[Shape, ...], Tuple[Shape, ...]]:
    """Keras's output shapes of a Bidirectional call, and the real ones.

    Keras computes them from the forward layer alone (keras-team/keras#23688), which is
    wrong when the backward layer has other units; introspection shows the real shapes
    but reads the consumers' shapes as Keras states them, so both are needed.
    """
    (fkind, fconfig), (bkind, bconfig) = bidirectional_parts(config)
    fwd, bwd = rnn_output_shapes(fkind, fconfig, inputs), rnn_output_shapes(bkind, bconfig, inputs)
    mode, return_state = merge_mode(config), fconfig.bool("return_state", False)
    out = fwd[0]
    states = fwd[1:] + fwd[1:] if return_state else ()
    if mode == "concat":
        keras_view: Tuple[Shape, ...] = (out[:-1] + (out[-1] * 2,),) + states
    elif mode is None:
        keras_view = (out, out) + states
    else:
        keras_view = (out,) + states
    states = fwd[1:] + bwd[1:] if return_state else ()
    if mode is None:
        real = (fwd[0], bwd[0]) + states
    elif mode == "concat":
        a, b = fwd[0][-1], bwd[0][-1]
        real = (fwd[0][:-1] + (None if a is None or b is None else a + b,),) + states
    else:
        real = (fwd[0],) + states
    return keras_view, real
