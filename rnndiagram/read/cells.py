"""Stage 0, the step of each cell a recurrent layer runs (a :class:`~rnndiagram.spec.CellSpec`):
its settings, read through a :class:`~rnndiagram.read.view.LayerView`, and the weights they
imply, by the layer table's :class:`~rnndiagram.read.layers.Gates`.

Both readers come here, so a cell read from a file and the live cell give the same spec;
the weights follow from the settings alone, as Keras's ``build`` makes them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, List, Optional, Tuple

from ..errors import SourceError
from ..spec import CellSpec, ConvSpec, Shape, WeightSpec
from .layers import LAYERS, Gates, LayerKind, kind_of
from .view import LayerView

WEIGHT_NAMES = ("kernel", "recurrent_kernel", "bias")
"""A built-in cell's weights, in the order Keras creates them."""


def cell_specs(view: LayerView, row: LayerKind, input_shape: Shape) -> Tuple[CellSpec, ...]:
    """The cells of a recurrent layer (its built-in cell, or each cell of its ``cell``
    setting), each reading the output of the one before it."""
    recurrent = row.recurrent
    if recurrent is not None and recurrent.cell is not None:
        found: List[Tuple[LayerView, Optional[LayerKind], str]] = [(view, LAYERS[recurrent.cell], recurrent.cell)]
        rank = recurrent.conv
    else:
        cell = view.child("cell")
        cell_row = kind_of(cell.mro)
        stack = cell.children("cells") if cell_row is not None and cell_row.wraps == "cells" else (cell,)
        found = [(c, kind_of(c.mro), c.class_name) for c in stack]
        rank = 0
    specs: List[CellSpec] = []
    first, first_row, _ = found[0]
    size = _input_size(input_shape, first, first_row is not None and first_row.spatial)
    for cell_view, cell_row, kind in found:
        spec = cell_spec(cell_view, cell_row, kind, size, rank)
        specs.append(spec)
        size = spec.units
    outside = view.outside_weight_shapes() if recurrent is None or recurrent.cell is None else ()
    if outside and specs[0].figure is None:
        # A custom layer's own weights around its custom cell's step are its parameters too.
        specs[0] = replace(specs[0], weights=specs[0].weights + tuple(WeightSpec(n, s) for n, s in outside))
    return tuple(specs)


def direct_cell_spec(view: LayerView, row: LayerKind, input_shape: Shape) -> CellSpec:
    """The step of a cell called directly on one step's input (batch first)."""
    return cell_spec(view, row, view.class_name, _input_size(input_shape, view, row.spatial), 0)


def cell_spec(view: LayerView, row: Optional[LayerKind], kind: str, input_size: Optional[int],
              rank: int) -> CellSpec:
    """One cell, from the settings of the layer (or cell) that holds them."""
    gates = row.gates if row is not None else None
    if gates is None:
        return _custom_cell(view, kind, input_size)
    conv = _conv(view, rank) if row is not None and row.spatial else None
    units = _int(view, "filters" if conv else "units")
    use_bias = _flag(view, "use_bias", True)
    reset_after = _flag(view, gates.two_biases, True) if gates.two_biases else None
    return CellSpec(
        kind=kind, figure=gates.figure, gates=gates.order, units=units, input_size=input_size,
        activation=view.setting("activation"), recurrent_activation=view.setting("recurrent_activation"),
        use_bias=use_bias, reset_after=reset_after,
        unit_forget_bias=_flag(view, gates.forget_bias, True) if gates.forget_bias else None,
        dropout=_rate(view, "dropout"), recurrent_dropout=_rate(view, "recurrent_dropout"), conv=conv,
        weights=weights(gates, units, input_size, conv, use_bias, bool(reset_after)))


def weights(gates: Gates, units: Optional[int], input_size: Optional[int], conv: Optional[ConvSpec],
            use_bias: bool, two_biases: bool) -> Tuple[WeightSpec, ...]:
    """The weights Keras's ``build`` gives a built-in cell: one block of ``units`` per gate
    along the last axis of each, the kernels convolutions for a spatial cell; none when a
    size is unknown.

    >>> lstm = LAYERS["LSTMCell"].gates
    >>> [(w.name, w.shape) for w in weights(lstm, 64, 100, None, True, False)]
    [('kernel', (100, 256)), ('recurrent_kernel', (64, 256)), ('bias', (256,))]
    >>> sum(w.size for w in weights(lstm, 64, 100, None, True, False))
    42240
    """
    if units is None or input_size is None:
        return ()
    width = len(gates.order) * units
    window = conv.kernel_size if conv is not None else ()
    found = [WeightSpec("kernel", window + (input_size, width), gates.order),
             WeightSpec("recurrent_kernel", window + (units, width), gates.order)]
    if use_bias:
        found.append(WeightSpec("bias", (2, width) if two_biases else (width,), gates.order))
    return tuple(found)


def _custom_cell(view: LayerView, kind: str, input_size: Optional[int]) -> CellSpec:
    """A cell whose step is its own code: its size and weights where the reader can see them."""
    units = view.setting("units")
    found = view.weight_shapes(input_size)
    return CellSpec(
        kind=kind, figure=None, gates=(), units=units if _is_int(units) else None, input_size=input_size,
        activation=_name(view.setting("activation")), recurrent_activation=_name(view.setting("recurrent_activation")),
        weights=tuple(WeightSpec(name, shape) for name, shape in found or ()))


def _input_size(shape: Shape, view: LayerView, spatial: bool) -> Optional[int]:
    """The size of a step's input: its last axis, or a ConvLSTM's channels."""
    if spatial and view.setting("data_format") == "channels_first":
        return shape[2] if len(shape) > 2 else None
    return shape[-1] if shape else None


def _conv(view: LayerView, rank: int) -> ConvSpec:
    kernel = _ints(view, "kernel_size", rank)
    rank = rank or len(kernel)
    padding = view.setting("padding")
    if not isinstance(padding, str):
        raise _wrong(view, "padding", "a string", padding)
    data_format = view.setting("data_format") or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise _wrong(view, "data_format", "channels_last or channels_first", data_format)
    return ConvSpec(kernel, _ints(view, "strides", rank), padding, _ints(view, "dilation_rate", rank),
                    data_format)


def _ints(view: LayerView, key: str, rank: int) -> Tuple[int, ...]:
    """An int or a sequence of ints (Keras keeps a tuple, a file a list) as a tuple."""
    value = view.setting(key)
    if _is_int(value) and rank:
        return (value,) * rank
    if isinstance(value, (list, tuple)) and value and all(_is_int(v) and v > 0 for v in value):
        return tuple(value)
    raise _wrong(view, key, "a positive integer or a list of them", value)


def _int(view: LayerView, key: str) -> Optional[int]:
    value = view.setting(key)
    if value is not None and not _is_int(value):
        raise _wrong(view, key, "an integer", value)
    return value


def _flag(view: LayerView, key: str, default: bool) -> bool:
    value = view.setting(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _wrong(view, key, "true or false", value)
    return value


def _rate(view: LayerView, key: str) -> float:
    value = view.setting(key)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _wrong(view, key, "a number", value)
    return float(value)


def _name(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _wrong(view: LayerView, key: str, expected: str, value: Any) -> SourceError:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return SourceError(f"layer {view.name!r}: its setting {key} should be {expected}, got {shown}")
