"""Stage 0, the output-shape rules: what every rule receives, and the helpers they share.

A rule reads one call of a layer or op from a saved file: its config (untrusted JSON,
through :class:`~rnndiagram.read.config.Cfg`) and the shapes of its arguments. It returns
Keras's view of the call's outputs, as Keras's own ``compute_output_shape`` /
``compute_output_spec`` give them (the formulas follow ``keras/src/ops/operation_utils.py``
and the layers' and ops' code, quirks included). A bad value is a :class:`SourceError`;
a case a rule cannot compute raises :class:`~rnndiagram.read.calls.Unsupported`.
"""

from __future__ import annotations

import math
from dataclasses import field
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple

from ..._records import frozen
from ...errors import SourceError
from ...spec import Shape
from ..calls import Unsupported
from ..config import Cfg, is_int

@frozen
class CallShapes:
    """The shapes a layer call receives (Keras's view): positional tensors flattened, tensors
    passed by keyword, the other keyword values of the call, and the positional arguments
    as stored with each tensor replaced by its shape (a tuple; JSON lists stay lists)."""

    args: Tuple[Shape, ...]
    named: Mapping[str, Tuple[Shape, ...]] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    values: Tuple[Any, ...] = ()

    @property
    def first(self) -> Shape:
        if self.args:
            return self.args[0]
        for name in sorted(self.named):
            if self.named[name]:
                return self.named[name][0]
        raise SourceError("a layer call without input tensors")


def sequence_input(shape: Shape, rank: int, what: str) -> Shape:
    if len(shape) != rank:
        raise SourceError(f"{what} expects inputs of rank {rank}, but the file gives {shape}")
    return shape


def conv_output_shape(config: Cfg, inputs: Shape, rank: int, filters: Optional[int]) -> Shape:
    """``operation_utils.compute_conv_output_shape`` for a conv layer's settings."""
    inputs = sequence_input(inputs, rank + 2, "a convolution")
    kernel = config_sizes(config, "kernel_size", rank)
    return windowed(config, inputs, rank, kernel, config_sizes(config, "strides", rank, 1),
                     config_sizes(config, "dilation_rate", rank, 1), filters)


def windowed(config: Cfg, inputs: Shape, rank: int, window: Tuple[int, ...],
              strides: Tuple[int, ...], dilation: Tuple[int, ...], channels: Optional[int]) -> Shape:
    last = is_channels_last(config)
    spatial = inputs[1:-1] if last else inputs[2:]
    padding = config.str("padding", "valid")
    out: List[Optional[int]] = []
    for size, k, s, d in zip(spatial, window, strides, dilation):
        if size is None:
            out.append(None)
        elif padding == "valid":
            n = (size - d * (k - 1) - 1) // s + 1
            if n <= 0:
                raise SourceError(f"{config.where}: a window of {k} does not fit a size of {size}")
            out.append(n)
        elif padding in ("same", "causal"):
            out.append((size - 1) // s + 1)
        else:
            raise config.wrong("padding", "valid, same or causal", padding)
    kept = inputs[-1] if last else inputs[1]
    c = kept if channels is None else channels
    return (inputs[0],) + tuple(out) + (c,) if last else (inputs[0], c) + tuple(out)


def is_channels_last(config: Cfg) -> bool:
    fmt = config.str("data_format", "channels_last")
    if fmt not in ("channels_last", "channels_first"):
        raise config.wrong("data_format", "channels_last or channels_first", fmt)
    return fmt == "channels_last"


Rule = Callable[[Cfg, CallShapes], Tuple[Shape, ...]]


def check_rank(shape: Shape, low: int, what: str, high: Optional[int] = None) -> Shape:
    """``shape``, checked to have between ``low`` and ``high`` axes (batch included)."""
    if len(shape) < low or (high is not None and len(shape) > high):
        wanted = f"rank {low}" if high == low else f"rank {low} or more" if high is None \
            else f"rank {low} to {high}"
        raise SourceError(f"{what} expects inputs of {wanted}, but the file gives {shape}")
    return shape


def config_sizes(config: Cfg, key: str, rank: int, default: Any = None, minimum: int = 1) -> Tuple[int, ...]:
    """An int or a list of ``rank`` ints, each at least ``minimum`` (``Cfg.ints`` allows no 0)."""
    value = config.raw(key, default)
    if is_int(value) and value >= minimum:
        return (value,) * rank
    if isinstance(value, list) and len(value) == rank and all(is_int(v) and v >= minimum for v in value):
        return tuple(value)
    raise config.wrong(key, f"an integer or a list of {rank} integers of at least {minimum}", value)


def config_pairs(config: Cfg, key: str, rank: int) -> Tuple[Tuple[int, int], ...]:
    """Cropping or padding amounts: an int, ``rank`` ints, or ``rank`` (before, after) pairs;
    for one axis, one int or one pair."""
    value = config.raw(key)
    if is_int(value) and value >= 0:
        return ((value, value),) * rank
    if rank == 1 and isinstance(value, list) and len(value) == 2 and all(is_int(v) and v >= 0 for v in value):
        return ((value[0], value[1]),)
    if isinstance(value, list) and len(value) == rank:
        out = []
        for v in value:
            if is_int(v) and v >= 0:
                out.append((v, v))
            elif isinstance(v, list) and len(v) == 2 and all(is_int(x) and x >= 0 for x in v):
                out.append((v[0], v[1]))
            else:
                break
        else:
            return tuple(out)
    raise config.wrong(key, f"an amount, or {rank} amounts or (before, after) pairs", value)


def spatial_axes(config: Cfg, rank: int) -> range:
    return range(1, rank + 1) if is_channels_last(config) else range(2, rank + 2)


def plain(value: Any) -> Any:
    """A setting as Keras had it: a serialized tuple as its list of items."""
    if isinstance(value, dict) and value.get("class_name") == "__tuple__" and isinstance(value.get("config"), dict):
        return value["config"].get("value")
    return value


def value_arg(call: CallShapes, index: int, default: Any = None) -> Any:
    return call.values[index] if index < len(call.values) else default


def tensor_arg(call: CallShapes, index: int = 0) -> Shape:
    """The shape of the positional argument ``index``, which must be a tensor."""
    value = value_arg(call, index)
    if not isinstance(value, tuple):
        if index == 0 and not call.values and call.args:
            return call.args[0]
        raise Unsupported(f"an operation whose argument {index} is not a tensor")
    return value


def shape_of(value: Any) -> Shape:
    """``getattr(value, "shape", [])``: a tensor's shape; a Python number or list has none."""
    return value if isinstance(value, tuple) else ()


def broadcast_two(a: Shape, b: Shape, where: str) -> Shape:
    """``operation_utils.broadcast_shapes``."""
    if len(a) < len(b):
        a = (1,) * (len(b) - len(a)) + a
    elif len(b) < len(a):
        b = (1,) * (len(a) - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x == 1:
            out.append(y)
        elif x is None:
            out.append(None if y == 1 else y)
        elif y in (1, None, x):
            out.append(x)
        else:
            raise SourceError(f"{where}: cannot broadcast shapes {a} and {b}")
    return tuple(out)


def norm_axis(axis: Any, rank: int, config: Cfg, key: str = "axis") -> int:
    """``canonicalize_axis``: an int in [-rank, rank) as a non-negative axis."""
    if not is_int(axis) or not -rank <= axis < rank:
        raise config.wrong(key, f"an axis of a rank-{rank} tensor", axis)
    return axis % rank


def norm_axes(axis: Any, rank: int, config: Cfg, key: str = "axis") -> List[int]:
    axis = plain(axis)
    items = [axis] if is_int(axis) else axis
    if not isinstance(items, list):
        raise config.wrong(key, "an axis or a list of axes", axis)
    return [norm_axis(a, rank, config, key) for a in items]


def reduced(shape: Shape, axis: Any, keepdims: bool, config: Cfg, key: str = "axis") -> Shape:
    """``operation_utils.reduce_shape``."""
    if axis is None:
        return (1,) * len(shape) if keepdims else ()
    axes = norm_axes(axis, len(shape), config, key)
    out = list(shape)
    if keepdims:
        for a in axes:
            out[a] = 1
        return tuple(out)
    for a in sorted(set(axes), reverse=True):
        del out[a]
    return tuple(out)


def flat(shape: Shape) -> Shape:
    return (size_of(shape),)


def size_of(dims: Sequence[Optional[int]]) -> Optional[int]:
    """The number of elements of a tensor of these sizes; ``None`` if one is unknown.

    >>> size_of((2, 3, 4)), size_of((2, None))
    (24, None)
    """
    known = [d for d in dims if d is not None]
    return math.prod(known) if len(known) == len(dims) else None
