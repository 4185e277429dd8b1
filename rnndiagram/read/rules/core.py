"""Stage 0, the output-shape rules of Keras's layers (other than recurrent ones, whose
shapes follow from the layer table's ``Recurrent`` column, and preprocessing)."""

from __future__ import annotations

import math
import re
from typing import Optional, Tuple

from ...errors import SourceError
from ...spec import Shape
from ..calls import Unsupported
from ..config import Cfg, is_int
from .base import (CallShapes, Rule, check_rank, config_pairs, config_sizes, conv_output_shape,
                   is_channels_last, sequence_input, size_of, spatial_axes, windowed)

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
            channels = inputs[-1] if is_channels_last(config) else inputs[1]
            filters = None if channels is None else channels * config.int("depth_multiplier", 1)
        else:
            filters = config.int("filters")
        return (conv_output_shape(config, inputs, rank, filters),)
    return rule


def pool(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "a pooling layer")
        window = config_sizes(config, "pool_size", rank)
        strides = window if config.raw("strides", None) is None else config_sizes(config, "strides", rank)
        return (windowed(config, inputs, rank, window, strides, (1,) * rank, None),)
    return rule


def global_pool(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "a global pooling layer")
        last = is_channels_last(config)
        channels = inputs[-1] if last else inputs[1]
        if not config.bool("keepdims", False):
            return ((inputs[0], channels),)
        ones = (1,) * rank
        return ((inputs[0],) + ones + (channels,) if last else (inputs[0], channels) + ones,)
    return rule


def flatten(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    rest = check_rank(call.first, 1, "Flatten")[1:]
    return ((call.first[0], size_of(rest)),)


def reshape(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    target = config.raw("target_shape")
    if not isinstance(target, list) or not all(is_int(d) and d >= -1 for d in target) or target.count(-1) > 1:
        raise config.wrong("target_shape", "a list of sizes with at most one -1", target)
    size = size_of(check_rank(call.first, 1, "Reshape")[1:])
    if size is None or -1 not in target:
        if size is not None and size != math.prod(target):
            raise SourceError(f"{config.where}: cannot reshape {call.first} to {tuple(target)}")
        return ((call.first[0],) + tuple(None if d == -1 else d for d in target),)
    known = math.prod(d for d in target if d != -1)
    if known == 0 or size % known:
        raise SourceError(f"{config.where}: cannot reshape {call.first} to {tuple(target)}")
    return ((call.first[0],) + tuple(size // known if d == -1 else d for d in target),)


def permute(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    dims, shape = config.raw("dims"), check_rank(call.first, 1, "Permute")
    if not isinstance(dims, list) or not all(is_int(d) for d in dims) or sorted(dims) != list(range(1, len(shape))):
        raise config.wrong("dims", f"a permutation of 1..{len(shape) - 1}", dims)
    return ((shape[0],) + tuple(shape[d] for d in dims),)


def repeat_vector(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = sequence_input(call.first, 2, "RepeatVector")
    return ((shape[0], config.int("n"), shape[1]),)


def elementwise(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``Merge.compute_output_shape``: broadcast the non-batch axes, keep a known batch."""
    shapes = call.args
    if not shapes or not all(shapes):
        raise SourceError(f"{config.where}: a merge layer needs batched tensors, the file gives {shapes}")
    out: Shape = shapes[0][1:]
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
    if any(len(shape) != len(shapes[0]) for shape in shapes):
        raise SourceError(f"{config.where}: cannot concatenate tensors of other ranks: {shapes}")
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
    query = call.named["query"][0] if call.named.get("query") else call.first
    size = config.raw("output_shape", None)
    if not size:
        return (query,)
    if is_int(size):
        return (query[:-1] + (size,),)
    if isinstance(size, list) and all(is_int(d) and d > 0 for d in size):
        return (query[:-1] + tuple(size),)
    raise config.wrong("output_shape", "a size or a list of sizes", size)


def cropping(rank: int, data_format: bool = True) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = list(sequence_input(call.first, rank + 2, f"Cropping{rank}D"))
        axes = spatial_axes(config, rank) if data_format else range(1, rank + 1)
        for axis, (before, after) in zip(axes, config_pairs(config, "cropping", rank)):
            size = shape[axis]
            if size is not None:
                if size - before - after <= 0:
                    raise SourceError(f"{config.where}: cropping {before + after} of a size of "
                                      f"{size} leaves nothing")
                shape[axis] = size - before - after
        return (tuple(shape),)
    return rule


def zero_padding(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = list(sequence_input(call.first, rank + 2, f"ZeroPadding{rank}D"))
        for axis, (before, after) in zip(spatial_axes(config, rank), config_pairs(config, "padding", rank)):
            size = shape[axis]
            if size is not None:
                shape[axis] = size + before + after
        return (tuple(shape),)
    return rule


def up_sampling(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = list(sequence_input(call.first, rank + 2, f"UpSampling{rank}D"))
        axes = spatial_axes(config, rank) if rank > 1 else range(1, 2)
        for axis, factor in zip(axes, config_sizes(config, "size", rank)):
            size = shape[axis]
            if size is not None:
                shape[axis] = size * factor
        return (tuple(shape),)
    return rule


def conv_transpose(rank: int) -> Rule:
    """``compute_conv_transpose_output_shape`` (backend_utils), size by size."""
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "a transposed convolution")
        kernel = config_sizes(config, "kernel_size", rank)
        strides = config_sizes(config, "strides", rank, 1)
        dilation = config_sizes(config, "dilation_rate", rank, 1)
        extra: Tuple[Optional[int], ...] = (None,) * rank
        if config.raw("output_padding", None) is not None:
            extra = config_sizes(config, "output_padding", rank, minimum=0)
        padding = config.str("padding", "valid")
        if padding not in ("valid", "same"):
            raise config.wrong("padding", "valid or same", padding)
        out = list(inputs)
        for axis, k, s, d, p in zip(spatial_axes(config, rank), kernel, strides, dilation, extra):
            size = inputs[axis]
            if size is None:
                continue
            k = (k - 1) * d + 1
            if padding == "valid":
                out[axis] = (size - 1) * s + k + (max(k, s) - k if p is None else p)
            else:
                out[axis] = size * s if p is None else (size - 1) * s + k % 2 + p
        out[-1 if is_channels_last(config) else 1] = config.int("filters")
        return (tuple(out),)
    return rule


def adaptive_pool(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "an adaptive pooling layer")
        size = config_sizes(config, "output_size", rank)
        if is_channels_last(config):
            return ((inputs[0],) + size + (inputs[-1],),)
        return ((inputs[0], inputs[1]) + size,)
    return rule


def einsum_dense(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``einsum_dense._analyze_split_string``'s full output shape."""
    equation = config.str("equation")
    shape = call.first
    text = equation.replace("...", "0")
    left = False
    match = re.match("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", text)
    if not match:
        match = re.match("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", text)
        left = bool(match)
    if not match:
        match = re.match("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", text)
    if not match:
        raise config.wrong("equation", "an equation of the form ab,bc->ac (with ... at one end)", equation)
    input_spec = match.group(1)
    elided = len(shape) - len(input_spec)
    if elided < 0 or not shape:
        raise SourceError(f"{config.where}: the equation {equation!r} does not fit inputs of shape {shape}")
    partial = config.raw("output_shape")
    if is_int(partial):
        partial = [partial]
    if not isinstance(partial, list) or not all(d is None or (is_int(d) and d >= 0) for d in partial):
        raise config.wrong("output_shape", "a size or a list of sizes", partial)
    out = [shape[0]] + list(partial)
    if elided > 0 and left:
        for i in range(1, elided):
            out.insert(1, shape[i])  # as Keras does: the elided axes end up reversed
    elif elided > 0:
        out.extend(shape[len(shape) - elided:])
    return (tuple(out),)


def reversible_embedding(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    if call.options.get("reverse"):
        shape = check_rank(call.first, 1, "ReversibleEmbedding")
        return (shape[:-1] + (config.int("input_dim"),),)
    return (call.first + (config.int("output_dim"),),)


def lambda_layer(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """A Lambda's stated ``output_shape`` (without the batch axis); without one, Keras runs the
    function to find its shapes, which a file reader cannot."""
    size = config.raw("output_shape", None)
    if size is None:
        raise Unsupported("a Lambda layer without output_shape, whose shapes come from running its function")
    if isinstance(size, dict) and size.get("class_name") == "__tuple__" and isinstance(size.get("config"), dict):
        size = size["config"].get("value")
    if not isinstance(size, list) or not all(d is None or (is_int(d) and d >= 0) for d in size):
        raise Unsupported("a Lambda layer whose output_shape is a function or a structure of shapes")
    return ((call.first[0] if call.first else None,) + tuple(size),)


def dot(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``Dot.compute_output_shape``."""
    if len(call.args) != 2:
        raise SourceError(f"{config.where}: a Dot layer takes two inputs, the file gives {len(call.args)}")
    first, second = list(check_rank(call.args[0], 1, "Dot")), list(check_rank(call.args[1], 2, "Dot"))
    axes = config.raw("axes")
    if is_int(axes):
        pair = [axes % len(first), axes % len(second)] if axes < 0 else [axes, axes]
    elif isinstance(axes, list) and len(axes) == 2 and all(is_int(a) for a in axes):
        pair = list(axes)
    else:
        raise config.wrong("axes", "an axis or a pair of axes", axes)
    if not (-len(first) <= pair[0] < len(first) and -len(second) <= pair[1] < len(second)):
        raise config.wrong("axes", "axes of the inputs", axes)
    first.pop(pair[0])
    second.pop(pair[1])
    if not second:
        raise SourceError(f"{config.where}: Dot axes {axes} leave no batch axis")
    second.pop(0)
    out = first + second
    return (tuple(out + [1] if len(out) == 1 else out),)


def grouped_query_attention(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    if call.options.get("return_attention_scores"):
        raise Unsupported("a GroupedQueryAttention call returning scores")
    return (call.named["query"][0] if call.named.get("query") else call.first,)
