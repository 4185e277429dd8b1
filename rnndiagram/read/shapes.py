"""Stage 0, the output-shape rules of Keras layers and ops, over a saved layer's config.

A saved file holds no output shapes, so the file reader computes them. The shapes are
the ones Keras's own ``compute_output_shape`` gives (the formulas follow
``keras/src/ops/operation_utils.py`` and the layers' code), so a spec read from a file
matches one introspected from the live model. ``layers.py`` says which rule each class
has; a rule that meets a case it cannot compute raises :class:`Unsupported`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Tuple

from ..errors import SourceError
from ..spec import Shape
from .calls import Unsupported
from .config import Cfg, is_int

@dataclass(frozen=True)
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


def conv_output_shape(config: Cfg, inputs: Shape, rank: int, filters: int) -> Shape:
    """``operation_utils.compute_conv_output_shape`` for a conv layer's settings."""
    inputs = sequence_input(inputs, rank + 2, "a convolution")
    kernel = config.ints("kernel_size", rank)
    return _windowed(config, inputs, rank, kernel, config.ints("strides", rank, 1),
                     config.ints("dilation_rate", rank, 1), filters)


def _windowed(config: Cfg, inputs: Shape, rank: int, window: Tuple[int, ...],
              strides: Tuple[int, ...], dilation: Tuple[int, ...], channels: Optional[int]) -> Shape:
    last = _channels_last(config)
    spatial = inputs[1:-1] if last else inputs[2:]
    padding = config.str("padding", "valid")
    out = []
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


def _channels_last(config: Cfg) -> bool:
    fmt = config.str("data_format", "channels_last")
    if fmt not in ("channels_last", "channels_first"):
        raise config.wrong("data_format", "channels_last or channels_first", fmt)
    return fmt == "channels_last"


Rule = Callable[[Cfg, CallShapes], Tuple[Shape, ...]]


def same(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    return (call.first,)


def dense(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    return (call.first[:-1] + (config.int("units"),),)


def embedding(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    return (call.first + (config.int("output_dim"),),)


def conv(rank: int, depthwise: bool = False) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "a convolution")
        if depthwise:
            channels = inputs[-1] if _channels_last(config) else inputs[1]
            filters = None if channels is None else channels * config.int("depth_multiplier", 1)
        else:
            filters = config.int("filters")
        return (conv_output_shape(config, inputs, rank, filters),)
    return rule


def pool(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "a pooling layer")
        window = config.ints("pool_size", rank)
        strides = window if config.raw("strides", None) is None else config.ints("strides", rank)
        return (_windowed(config, inputs, rank, window, strides, (1,) * rank, None),)
    return rule


def global_pool(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "a global pooling layer")
        last = _channels_last(config)
        channels = inputs[-1] if last else inputs[1]
        if not config.bool("keepdims", False):
            return ((inputs[0], channels),)
        ones = (1,) * rank
        return ((inputs[0],) + ones + (channels,) if last else (inputs[0], channels) + ones,)
    return rule


def flatten(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    rest = call.first[1:]
    size = None if None in rest else math.prod(rest)
    return ((call.first[0], size),)


def reshape(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    target = config.raw("target_shape")
    if not isinstance(target, list) or not all(is_int(d) and d >= -1 for d in target) or target.count(-1) > 1:
        raise config.wrong("target_shape", "a list of sizes with at most one -1", target)
    rest = call.first[1:]
    if None in rest or -1 not in target:
        if None not in rest and math.prod(rest) != math.prod(target):
            raise SourceError(f"{config.where}: cannot reshape {call.first} to {tuple(target)}")
        return ((call.first[0],) + tuple(None if d == -1 else d for d in target),)
    known = math.prod(d for d in target if d != -1)
    if known == 0 or math.prod(rest) % known:
        raise SourceError(f"{config.where}: cannot reshape {call.first} to {tuple(target)}")
    return ((call.first[0],) + tuple(math.prod(rest) // known if d == -1 else d for d in target),)


def permute(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    dims, shape = config.raw("dims"), call.first
    if not isinstance(dims, list) or sorted(dims) != list(range(1, len(shape))):
        raise config.wrong("dims", f"a permutation of 1..{len(shape) - 1}", dims)
    return ((shape[0],) + tuple(shape[d] for d in dims),)


def repeat_vector(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = sequence_input(call.first, 2, "RepeatVector")
    return ((shape[0], config.int("n"), shape[1]),)


def _time_axis(change: Callable[[Cfg, int], int]) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = sequence_input(call.first, 3, config.where)
        steps = None if shape[1] is None else change(config, shape[1])
        return ((shape[0], steps, shape[2]),)
    return rule


def elementwise(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``Merge.compute_output_shape``: broadcast the non-batch axes, keep a known batch."""
    shapes = call.args
    out: Optional[Shape] = shapes[0][1:]
    for shape in shapes[1:]:
        out = _merge_broadcast(out, shape[1:], config)
    batches = {s[0] for s in shapes} - {None}
    return ((batches.pop() if len(batches) == 1 else None,) + out,)


def _merge_broadcast(a: Shape, b: Shape, config: Cfg) -> Shape:
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[:-len(b)])
    for i, j in zip(a[-len(b):], b):
        if i is None or j is None:
            out.append(None)
        elif i == 1 or j == 1:
            out.append(j if i == 1 else i)
        elif i != j:
            raise SourceError(f"{config.where}: cannot merge shapes {a} and {b}")
        else:
            out.append(i)
    return tuple(out)


def concatenate(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    axis, shapes = config.int("axis", -1), call.args
    if not shapes or not -len(shapes[0]) <= axis < len(shapes[0]):
        raise config.wrong("axis", "an axis of the inputs", axis)
    out = list(shapes[0])
    for shape in shapes[1:]:
        if out[axis] is None or shape[axis] is None:
            out[axis] = None
            break
        out[axis] += shape[axis]
    return (tuple(out),)


def attention(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    if call.options.get("return_attention_scores") or len(call.args) < 2:
        raise Unsupported("an Attention call returning scores")
    query, value = call.args[0], call.args[1]
    return (query[:-1] + value[-1:],)


def multi_head_attention(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    if call.options.get("return_attention_scores"):
        raise Unsupported("a MultiHeadAttention call returning scores")
    query = call.named["query"][0] if "query" in call.named else call.first
    size = config.raw("output_shape", None)
    if not size:
        return (query,)
    if is_int(size):
        return (query[:-1] + (size,),)
    if isinstance(size, list) and all(is_int(d) and d > 0 for d in size):
        return (query[:-1] + tuple(size),)
    raise config.wrong("output_shape", "a size or a list of sizes", size)


def broadcast(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """numpy-style broadcasting as ``keras.ops`` computes it for binary ops."""
    out: Shape = ()
    for shape in call.args:
        a, b = (out, shape) if len(out) >= len(shape) else (shape, out)
        b = (1,) * (len(a) - len(b)) + b
        out = tuple(y if x == 1 else (None if y == 1 else y) if x is None else x for x, y in zip(a, b))
    return (out,)


def reduce(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, axis = call.first, config.raw("axis", None)
    axes = range(len(shape)) if axis is None else [axis] if is_int(axis) else axis
    if not isinstance(axes, (list, range)) or not all(is_int(a) and -len(shape) <= a < len(shape) for a in axes):
        raise config.wrong("axis", "an axis of the input", axis)
    drop = {a % len(shape) for a in axes}
    keep = config.bool("keepdims", False)
    return (tuple(1 if i in drop else d for i, d in enumerate(shape) if keep or i not in drop),)


cropping_1d = _time_axis(lambda c, t: t - sum(c.ints("cropping", 2)))
zero_padding_1d = _time_axis(lambda c, t: t + sum(c.ints("padding", 2)))
up_sampling_1d = _time_axis(lambda c, t: t * c.int("size"))
