"""Stage 0 helper for saved files: each built-in layer's and ``keras.ops`` operation's output
shapes, from its config and the shapes (and stored values) of its call's arguments.

The shapes are the ones Keras's own ``compute_output_shape`` / ``compute_output_spec`` give
(the formulas follow ``keras/src/ops/operation_utils.py``, the layers' and the ops' code,
quirks included), so a spec read from a file matches one introspected from the live model.
A kind without a rule here raises :class:`Unsupported`, and the reader offers the Keras
fallback instead of guessing. A rule reads untrusted JSON: a bad value is a SourceError.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ._saved_config import Cfg, Unsupported, is_int
from .errors import SourceError
from .spec import Shape

RNN_KINDS = ("SimpleRNN", "GRU", "LSTM")
CONV_LSTM_KINDS = ("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")
RECURRENT_KINDS = RNN_KINDS + CONV_LSTM_KINDS + ("RNN",)

def is_builtin(entry: Cfg) -> bool:
    """Whether a serialized object is one of Keras's own layers (not a same-named custom one)."""
    module, registered = entry.raw("module", None), entry.raw("registered_name", None)
    return (module == "keras.layers" or (isinstance(module, str) and module.startswith("keras.src.layers"))) \
        and registered in (None, entry.raw("class_name", None))


def activation_name(value: Any) -> Optional[str]:
    """The name introspection prints for a serialized activation (``"tanh"``; a layer by its class)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("module") == "keras.layers" \
            and isinstance(value.get("class_name"), str):
        return value["class_name"]
    raise Unsupported(f"a custom activation ({str(value)[:60]})")


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
    kernel = _sizes(config, "kernel_size", rank)
    return _windowed(config, inputs, rank, kernel, _sizes(config, "strides", rank, 1),
                     _sizes(config, "dilation_rate", rank, 1), filters)


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


def _same(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    return (call.first,)


def _dense(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    return (call.first[:-1] + (config.int("units"),),)


def _embedding(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    return (call.first + (config.int("output_dim"),),)


def _conv(rank: int, depthwise: bool = False) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "a convolution")
        if depthwise:
            channels = inputs[-1] if _channels_last(config) else inputs[1]
            filters = None if channels is None else channels * config.int("depth_multiplier", 1)
        else:
            filters = config.int("filters")
        return (conv_output_shape(config, inputs, rank, filters),)
    return rule


def _pool(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "a pooling layer")
        window = _sizes(config, "pool_size", rank)
        strides = window if config.raw("strides", None) is None else _sizes(config, "strides", rank)
        return (_windowed(config, inputs, rank, window, strides, (1,) * rank, None),)
    return rule


def _global_pool(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "a global pooling layer")
        last = _channels_last(config)
        channels = inputs[-1] if last else inputs[1]
        if not config.bool("keepdims", False):
            return ((inputs[0], channels),)
        ones = (1,) * rank
        return ((inputs[0],) + ones + (channels,) if last else (inputs[0], channels) + ones,)
    return rule


def _flatten(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    rest = _rank(call.first, 1, "Flatten")[1:]
    size = None if None in rest else math.prod(rest)
    return ((call.first[0], size),)


def _reshape(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    target = config.raw("target_shape")
    if not isinstance(target, list) or not all(is_int(d) and d >= -1 for d in target) or target.count(-1) > 1:
        raise config.wrong("target_shape", "a list of sizes with at most one -1", target)
    rest = _rank(call.first, 1, "Reshape")[1:]
    if None in rest or -1 not in target:
        if None not in rest and math.prod(rest) != math.prod(target):
            raise SourceError(f"{config.where}: cannot reshape {call.first} to {tuple(target)}")
        return ((call.first[0],) + tuple(None if d == -1 else d for d in target),)
    known = math.prod(d for d in target if d != -1)
    if known == 0 or math.prod(rest) % known:
        raise SourceError(f"{config.where}: cannot reshape {call.first} to {tuple(target)}")
    return ((call.first[0],) + tuple(math.prod(rest) // known if d == -1 else d for d in target),)


def _permute(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    dims, shape = config.raw("dims"), _rank(call.first, 1, "Permute")
    if not isinstance(dims, list) or not all(is_int(d) for d in dims) or sorted(dims) != list(range(1, len(shape))):
        raise config.wrong("dims", f"a permutation of 1..{len(shape) - 1}", dims)
    return ((shape[0],) + tuple(shape[d] for d in dims),)


def _repeat_vector(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = sequence_input(call.first, 2, "RepeatVector")
    return ((shape[0], config.int("n"), shape[1]),)


def _elementwise(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``Merge.compute_output_shape``: broadcast the non-batch axes, keep a known batch."""
    shapes = call.args
    if not shapes or not all(shapes):
        raise SourceError(f"{config.where}: a merge layer needs batched tensors, the file gives {shapes}")
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


def _concatenate(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
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


def _attention(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    if call.options.get("return_attention_scores") or len(call.args) < 2:
        raise Unsupported("an Attention call returning scores")
    query, value = call.args[0], call.args[1]
    return (query[:-1] + value[-1:],)


def _multi_head_attention(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
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


def _rank(shape: Shape, low: int, what: str, high: Optional[int] = None) -> Shape:
    """``shape``, checked to have between ``low`` and ``high`` axes (batch included)."""
    if len(shape) < low or (high is not None and len(shape) > high):
        wanted = f"rank {low}" if high == low else f"rank {low} or more" if high is None \
            else f"rank {low} to {high}"
        raise SourceError(f"{what} expects inputs of {wanted}, but the file gives {shape}")
    return shape


def _sizes(config: Cfg, key: str, rank: int, default: Any = None, minimum: int = 1) -> Tuple[int, ...]:
    """An int or a list of ``rank`` ints, each at least ``minimum`` (``Cfg.ints`` allows no 0)."""
    value = config.raw(key, default)
    if is_int(value) and value >= minimum:
        return (value,) * rank
    if isinstance(value, list) and len(value) == rank and all(is_int(v) and v >= minimum for v in value):
        return tuple(value)
    raise config.wrong(key, f"an integer or a list of {rank} integers of at least {minimum}", value)


def _pairs(config: Cfg, key: str, rank: int) -> Tuple[Tuple[int, int], ...]:
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


def _spatial_axes(config: Cfg, rank: int) -> range:
    return range(1, rank + 1) if _channels_last(config) else range(2, rank + 2)


def _cropping(rank: int, data_format: bool = True) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = list(sequence_input(call.first, rank + 2, f"Cropping{rank}D"))
        axes = _spatial_axes(config, rank) if data_format else range(1, rank + 1)
        for axis, (before, after) in zip(axes, _pairs(config, "cropping", rank)):
            if shape[axis] is not None:
                shape[axis] -= before + after
                if shape[axis] <= 0:
                    raise SourceError(f"{config.where}: cropping {before + after} of a size of "
                                      f"{shape[axis] + before + after} leaves nothing")
        return (tuple(shape),)
    return rule


def _zero_padding(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = list(sequence_input(call.first, rank + 2, f"ZeroPadding{rank}D"))
        for axis, (before, after) in zip(_spatial_axes(config, rank), _pairs(config, "padding", rank)):
            if shape[axis] is not None:
                shape[axis] += before + after
        return (tuple(shape),)
    return rule


def _up_sampling(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = list(sequence_input(call.first, rank + 2, f"UpSampling{rank}D"))
        axes = _spatial_axes(config, rank) if rank > 1 else range(1, 2)
        for axis, size in zip(axes, _sizes(config, "size", rank)):
            if shape[axis] is not None:
                shape[axis] *= size
        return (tuple(shape),)
    return rule


def _conv_transpose(rank: int) -> Rule:
    """``compute_conv_transpose_output_shape`` (backend_utils), size by size."""
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "a transposed convolution")
        kernel = _sizes(config, "kernel_size", rank)
        strides = _sizes(config, "strides", rank, 1)
        dilation = _sizes(config, "dilation_rate", rank, 1)
        extra: Tuple[Optional[int], ...] = (None,) * rank
        if config.raw("output_padding", None) is not None:
            extra = _sizes(config, "output_padding", rank, minimum=0)
        padding = config.str("padding", "valid")
        if padding not in ("valid", "same"):
            raise config.wrong("padding", "valid or same", padding)
        out = list(inputs)
        for axis, k, s, d, p in zip(_spatial_axes(config, rank), kernel, strides, dilation, extra):
            size = inputs[axis]
            if size is None:
                continue
            k = (k - 1) * d + 1
            if padding == "valid":
                out[axis] = (size - 1) * s + k + (max(k, s) - k if p is None else p)
            else:
                out[axis] = size * s if p is None else (size - 1) * s + k % 2 + p
        out[-1 if _channels_last(config) else 1] = config.int("filters")
        return (tuple(out),)
    return rule


def _adaptive_pool(rank: int) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        inputs = sequence_input(call.first, rank + 2, "an adaptive pooling layer")
        size = _sizes(config, "output_size", rank)
        if _channels_last(config):
            return ((inputs[0],) + size + (inputs[-1],),)
        return ((inputs[0], inputs[1]) + size,)
    return rule


def _einsum_dense(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
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


def _reversible_embedding(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    if call.options.get("reverse"):
        shape = _rank(call.first, 1, "ReversibleEmbedding")
        return (shape[:-1] + (config.int("input_dim"),),)
    return (call.first + (config.int("output_dim"),),)


def _lambda(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
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


def _dot(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``Dot.compute_output_shape``."""
    if len(call.args) != 2:
        raise SourceError(f"{config.where}: a Dot layer takes two inputs, the file gives {len(call.args)}")
    first, second = list(_rank(call.args[0], 1, "Dot")), list(_rank(call.args[1], 2, "Dot"))
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


def _grouped_query_attention(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    if call.options.get("return_attention_scores"):
        raise Unsupported("a GroupedQueryAttention call returning scores")
    return (call.named["query"][0] if call.named.get("query") else call.first,)


def _category_encoding(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, tokens = call.first, config.int("num_tokens")
    if not shape:
        return ((tokens,),)
    if config.str("output_mode", "multi_hot") == "one_hot" and (shape[-1] != 1 or len(shape) == 1):
        return (shape + (tokens,),)
    return (shape[:-1] + (tokens,),)


def _discretization(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, mode = call.first, config.str("output_mode", "int")
    if mode == "int":
        return (shape,)
    bounds = config.raw("bin_boundaries", None)
    if bounds is None:
        depth = config.int("num_bins")
    elif isinstance(bounds, list):
        depth = len(bounds) + 1
    else:
        raise config.wrong("bin_boundaries", "a list of numbers", bounds)
    if mode == "one_hot":
        return (shape[:-1] + (depth,) if len(shape) > 1 and shape[-1] == 1 else shape + (depth,),)
    # multi_hot and count: Keras drops the second axis, not the last one.
    return ((shape[0],) + shape[2:] + (depth,) if len(shape) >= 2 else (depth,),)


def _hashing(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = call.first
    if config.str("output_mode", "int") == "int":
        return (shape,)
    return (shape[:-1] + (config.int("num_bins"),),)


def _hashed_crossing(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    if len(call.args) != 2 or not call.args[0] or not call.args[1]:
        raise SourceError(f"{config.where}: HashedCrossing takes two tensors")
    first, second = call.args
    if first[-1] != second[-1]:
        raise SourceError(f"{config.where}: HashedCrossing needs inputs of one shape, got {first} and {second}")
    mode, bins = config.str("output_mode", "int"), config.int("num_bins")
    if mode == "int":
        return (first,)
    if mode == "one_hot" and first[-1] != 1:
        return (first + (bins,),)
    return (first[:-1] + (bins,),)


def _lookup_shape(config: Cfg, shape: Shape) -> Shape:
    """``IndexLookup.compute_output_shape``: the vocabulary size (or max_tokens) as depth."""
    mode = config.str("output_mode", "int")
    if mode == "int":
        return shape
    key = "max_tokens" if config.bool("pad_to_max_tokens", False) else "vocabulary_size"
    depth = config.raw(key, None)
    if not is_int(depth):
        raise Unsupported(f"a lookup layer whose {key} the file does not state")
    if mode == "one_hot":
        return shape[:-1] + (depth,) if len(shape) > 1 and shape[-1] == 1 else shape + (depth,)
    return shape[:-1] + (depth,)


def _lookup(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    return (_lookup_shape(config, call.first),)


def _text_vectorization(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = _rank(call.first, 1, "TextVectorization")
    if config.str("output_mode", "int") == "int":
        length = config.raw("output_sequence_length", None)
        if length is not None and not is_int(length):
            raise config.wrong("output_sequence_length", "a length or null", length)
        return ((shape[0], length),)
    if config.raw("split", "whitespace") is None:
        shape = shape + (1,) if len(shape) <= 1 else shape
    else:
        shape = shape + (None,)
    return (_lookup_shape(config, shape),)


def _image_axes(config: Cfg, shape: Shape, what: str) -> Tuple[int, int]:
    """The height and width axes of an image or a batch of images (Resizing, CenterCrop)."""
    _rank(shape, 3, what, 4)
    batched = len(shape) == 4
    first = int(batched) + (0 if _channels_last(config) else 1)
    return first, first + 1


def _resize(what: str) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = list(call.first)
        height, width = _image_axes(config, call.first, what)
        shape[height], shape[width] = config.int("height"), config.int("width")
        return (tuple(shape),)
    return rule


def _random_crop(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = list(_rank(call.first, 3, "RandomCrop"))
    height = -3 if _channels_last(config) else -2
    shape[height], shape[height + 1] = config.int("height"), config.int("width")
    return (tuple(shape),)


def _mel_spectrogram(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = _rank(call.first, 1, "MelSpectrogram")
    bins, stride = config.int("num_mel_bins", 128), config.int("sequence_stride", 512)
    if stride <= 0:
        raise config.wrong("sequence_stride", "a positive stride", stride)
    samples = shape[0] if len(shape) == 1 else shape[1]
    frames = None if samples is None else (samples + stride + 1) // stride
    return ((bins, frames) if len(shape) == 1 else (shape[0], bins, frames),)


def _stft_spectrogram(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = sequence_input(call.first, 3, "STFTSpectrogram")
    frame = config.int("frame_length")
    if frame < 2:
        raise config.wrong("frame_length", "a frame length of at least 2", frame)
    step = config.int("frame_step", None) or frame // 2
    fft = config.int("fft_length", None) or 2 ** int(math.ceil(math.log2(frame)))
    if step <= 0 or fft <= 0:
        raise SourceError(f"{config.where}: frame_step and fft_length must be positive")
    last = _channels_last(config)
    channels = shape[-1] if last else shape[1]
    if channels is None:
        raise SourceError(f"{config.where}: STFTSpectrogram needs a known number of channels")
    freq = (fft // 2 + 1) * (2 if config.str("mode", "log") == "stft" else 1)
    out = _windowed(config, shape, 1, (frame,), (step,), (1,), freq * channels)
    time = out[1] if last else out[2]
    if config.bool("expand_dims", False):
        return ((shape[0], time, freq, channels) if last else (shape[0], channels, time, freq),)
    return (out,)


_WRAPPERS = ("SpectralNormalization", "Pipeline")


def _inner_rule(entry: Cfg) -> Rule:
    kind = entry.str("class_name")
    if not is_builtin(entry):
        raise Unsupported(f"{kind} is a custom layer, which has no shape rule")
    if kind in _WRAPPERS or kind not in LAYER_RULES:
        raise Unsupported(f"rnndiagram has no shape rule for {kind} layers inside a wrapper")
    return LAYER_RULES[kind]


def _spectral_normalization(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    inner = config.sub("layer")
    return _inner_rule(inner)(inner.sub("config"), call)


def _pipeline(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """The layers of a Pipeline, each called on the previous one's output."""
    items = config.raw("layers")
    if not isinstance(items, list):
        raise config.wrong("layers", "a list of layers", items)
    shapes = call.args
    for index, item in enumerate(items):
        entry = Cfg(item, f"{config.where}.layers[{index}]")
        shapes = _inner_rule(entry)(entry.sub("config"), CallShapes(shapes))
        if len(shapes) != 1:
            raise Unsupported("a Pipeline layer with several outputs")
    return shapes


# keras.ops operations ------------------------------------------------------------------
# An op stores its settings in its config and its call's positional arguments in the node;
# ``call.values`` holds those with each tensor as its shape (a tuple). The formulas follow
# the ops' ``compute_output_spec`` (keras/src/ops/*.py).


def _plain(value: Any) -> Any:
    """A setting as Keras had it: a serialized tuple as its list of items."""
    if isinstance(value, dict) and value.get("class_name") == "__tuple__" and isinstance(value.get("config"), dict):
        return value["config"].get("value")
    return value


def _value(call: CallShapes, index: int, default: Any = None) -> Any:
    return call.values[index] if index < len(call.values) else default


def _tensor(call: CallShapes, index: int = 0) -> Shape:
    """The shape of the positional argument ``index``, which must be a tensor."""
    value = _value(call, index)
    if not isinstance(value, tuple):
        if index == 0 and not call.values and call.args:
            return call.args[0]
        raise Unsupported(f"an operation whose argument {index} is not a tensor")
    return value


def _shape_of(value: Any) -> Shape:
    """``getattr(value, "shape", [])``: a tensor's shape; a Python number or list has none."""
    return value if isinstance(value, tuple) else ()


def _broadcast(a: Shape, b: Shape, where: str) -> Shape:
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


def _axis(axis: Any, rank: int, config: Cfg, key: str = "axis") -> int:
    """``canonicalize_axis``: an int in [-rank, rank) as a non-negative axis."""
    if not is_int(axis) or not -rank <= axis < rank:
        raise config.wrong(key, f"an axis of a rank-{rank} tensor", axis)
    return axis % rank


def _axes(axis: Any, rank: int, config: Cfg, key: str = "axis") -> List[int]:
    axis = _plain(axis)
    items = [axis] if is_int(axis) else axis
    if not isinstance(items, list):
        raise config.wrong(key, "an axis or a list of axes", axis)
    return [_axis(a, rank, config, key) for a in items]


def _reduced(shape: Shape, axis: Any, keepdims: bool, config: Cfg, key: str = "axis") -> Shape:
    """``operation_utils.reduce_shape``."""
    if axis is None:
        return (1,) * len(shape) if keepdims else ()
    axes = _axes(axis, len(shape), config, key)
    out = list(shape)
    if keepdims:
        for a in axes:
            out[a] = 1
        return tuple(out)
    for a in sorted(set(axes), reverse=True):
        del out[a]
    return tuple(out)


def _flat(shape: Shape) -> Shape:
    return (None,) if None in shape else (math.prod(shape),)


def _op_same(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """Elementwise ops of one tensor (and settings): the input's shape."""
    return (_tensor(call),)


def _op_broadcast(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """Elementwise ops of several operands, tensors or Python numbers: numpy broadcasting."""
    if not call.values:
        raise Unsupported("an operation without positional arguments")
    out: Shape = ()
    for value in call.values:
        out = _broadcast(out, _shape_of(value), config.where)
    return (out,)


def _op_reduce(key: str = "axis", outputs: int = 1) -> Rule:
    """Reductions over ``axis`` (an int, a list or None), with or without ``keepdims``."""
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = _reduced(_tensor(call), _plain(config.raw(key, None)), config.bool("keepdims", False),
                         config, key)
        return (shape,) * outputs
    return rule


def _op_quantile(one_item_kept: bool) -> Rule:
    """Quantile and percentile: the reduction, with an axis of the q's in front."""
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = _reduced(_tensor(call), _plain(config.raw("axis", None)), config.bool("keepdims", False), config)
        q = _value(call, 1)
        if isinstance(q, tuple):
            return ((q[0],) + shape if q else shape,)
        if isinstance(q, list) and (one_item_kept or len(q) > 1):
            return ((len(q),) + shape,)
        return (shape,)
    return rule


def _op_average(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, axis = _tensor(call), config.raw("axis", None)
    return (() if axis is None else _reduced(shape, [axis], False, config),)


def _op_flat_if_no_axis(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """Cumulative sums and products, sort and argsort: the flattened input without an axis."""
    shape, axis = _tensor(call), config.raw("axis", None)
    if axis is None:
        return (_flat(shape),)
    _axis(axis, len(shape), config)
    return (shape,)


def _op_expand_dims(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, axis = _tensor(call), _plain(config.raw("axis"))
    axes = [axis] if is_int(axis) else axis
    if not isinstance(axes, list):
        raise config.wrong("axis", "an axis or a list of axes", axis)
    rank = len(shape) + len(axes)
    new = {_axis(a, rank, config) for a in axes}
    rest = iter(shape)
    try:
        return (tuple(1 if i in new else next(rest) for i in range(rank)),)
    except StopIteration:
        raise config.wrong("axis", "distinct axes", axis) from None


def _op_squeeze(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, axis = _tensor(call), _plain(config.raw("axis", None))
    if axis is None:
        return (tuple(d for d in shape if d != 1),)
    axes = _axes(axis, len(shape), config)
    if any(shape[a] != 1 for a in axes):
        raise SourceError(f"{config.where}: cannot squeeze an axis of size other than 1 in {shape}")
    return (tuple(d for i, d in enumerate(shape) if i not in axes),)


def _op_reshape(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``compute_reshape_output_shape`` (the batch axis is not special here)."""
    shape, target = _tensor(call), _plain(config.raw("newshape"))
    if is_int(target):
        target = [target]
    if not isinstance(target, list) or not all(is_int(d) and d >= -1 for d in target) or target.count(-1) > 1:
        raise config.wrong("newshape", "a list of sizes with at most one -1", target)
    if None in shape:
        return (tuple(None if d == -1 else d for d in target),)
    size = math.prod(shape)
    known = math.prod(d for d in target if d != -1)
    if (-1 not in target and size != known) or (-1 in target and (known == 0 or size % known)):
        raise SourceError(f"{config.where}: cannot reshape {shape} to {tuple(target)}")
    return (tuple(size // known if d == -1 else d for d in target),)


def _op_transpose(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, axes = _tensor(call), _plain(config.raw("axes", None))
    if axes is None:
        return (shape[::-1],)
    order = _axes(axes, len(shape), config, "axes") if isinstance(axes, list) else None
    if order is None or sorted(order) != list(range(len(shape))):
        raise config.wrong("axes", f"a permutation of the {len(shape)} axes", axes)
    return (tuple(shape[a] for a in order),)


def _op_moveaxis(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = _tensor(call)
    sources = _axes(config.raw("source"), len(shape), config, "source")
    targets = _axes(config.raw("destination"), len(shape), config, "destination")
    if len(sources) != len(targets) or len(set(sources)) != len(sources) or len(set(targets)) != len(targets):
        raise config.wrong("destination", "as many distinct axes as source", targets)
    out: List[Any] = [_UNSET] * len(shape)
    for source, target in zip(sources, targets):
        out[target] = shape[source]
    rest = iter(d for i, d in enumerate(shape) if i not in sources)
    return (tuple(next(rest) if d is _UNSET else d for d in out),)


_UNSET = object()


def _op_swapaxes(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = list(_tensor(call))
    a = _axis(config.raw("axis1"), len(shape), config, "axis1")
    b = _axis(config.raw("axis2"), len(shape), config, "axis2")
    shape[a], shape[b] = shape[b], shape[a]
    return (tuple(shape),)


def _op_tile(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, repeats = list(_tensor(call)), _plain(config.raw("repeats"))
    repeats = [repeats] if is_int(repeats) else repeats
    if not isinstance(repeats, list) or not all(is_int(r) and r >= 0 for r in repeats):
        raise config.wrong("repeats", "a count or a list of counts", repeats)
    if len(shape) > len(repeats):
        repeats = [1] * (len(shape) - len(repeats)) + repeats
    else:
        shape = [1] * (len(repeats) - len(shape)) + shape
    return (tuple(None if d is None else d * r for d, r in zip(shape, repeats)),)


def _op_repeat(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, repeats, axis = list(_tensor(call)), _plain(config.raw("repeats")), config.raw("axis", None)
    repeats = [repeats] if is_int(repeats) else repeats
    if not isinstance(repeats, list) or not repeats or not all(is_int(r) and r >= 0 for r in repeats):
        raise config.wrong("repeats", "a count or a list of counts", repeats)
    if axis is None:
        if None in shape:
            return ((None,),)
        size = math.prod(shape)
        if len(repeats) == 1:
            return ((size * repeats[0],),)
        if len(repeats) != size:
            raise config.wrong("repeats", f"one count or {size}", repeats)
        return ((sum(repeats),),)
    axis = _axis(axis, len(shape), config)
    if shape[axis] is None:
        return (tuple(shape),)
    if len(repeats) == 1:
        shape[axis] *= repeats[0]
    elif len(repeats) != shape[axis]:
        raise config.wrong("repeats", f"one count or {shape[axis]}", repeats)
    else:
        shape[axis] = sum(repeats)
    return (tuple(shape),)


def _tensor_list(call: CallShapes) -> List[Shape]:
    """The first argument of stack and concatenate: a list of tensors."""
    items = _value(call, 0)
    if isinstance(items, dict) and items.get("class_name") == "__tuple__":
        items = _plain(items)
    if not isinstance(items, list) or not items or not all(isinstance(s, tuple) for s in items):
        raise Unsupported("a stack or concatenation of values that are not all tensors")
    return items


def _joined(shapes: List[Shape], axis: int, config: Cfg) -> Shape:
    first = shapes[0]
    total: Optional[int] = 0
    for shape in shapes:
        if len(shape) != len(first) or any(a is not None and b is not None and a != b
                                           for i, (a, b) in enumerate(zip(shape, first)) if i != axis):
            raise SourceError(f"{config.where}: cannot join shapes {first} and {shape}")
        total = None if total is None or shape[axis] is None else total + shape[axis]
    return first[:axis] + (total,) + first[axis + 1:]


def _op_concatenate(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shapes = _tensor_list(call)
    return (_joined(shapes, _axis(config.raw("axis", 0), len(shapes[0]), config), config),)


def _op_stack_along(axis: int) -> Rule:
    """hstack (axis 1; axis 0 for vectors) and vstack (axis 0)."""
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shapes = _tensor_list(call)
        if len(shapes[0]) <= axis:
            raise SourceError(f"{config.where}: cannot stack shapes {shapes[0]} along axis {axis}")
        return (_joined(shapes, axis, config),)
    return rule


def _op_stack(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shapes = _tensor_list(call)
    axis = _axis(config.raw("axis", 0), len(shapes[0]) + 1, config)
    for shape in shapes:
        if len(shape) != len(shapes[0]) or any(a is not None and b is not None and a != b
                                               for a, b in zip(shape, shapes[0])):
            raise SourceError(f"{config.where}: cannot stack shapes {shapes[0]} and {shape}")
    return (shapes[0][:axis] + (len(shapes),) + shapes[0][axis:],)


def _op_split(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``_compute_split_output_spec``: several outputs."""
    shape = list(_tensor(call))
    axis = _axis(config.raw("axis", 0), len(shape), config)
    sections = _plain(config.raw("indices_or_sections"))
    size = shape[axis]
    if is_int(sections):
        if sections <= 0 or sections > 4096:
            raise config.wrong("indices_or_sections", "a number of sections", sections)
        if size is not None and size % sections:
            raise SourceError(f"{config.where}: {size} does not split into {sections} equal sections")
        part = None if size is None else size // sections
        return tuple(tuple(shape[:axis] + [part] + shape[axis + 1:]) for _ in range(sections))
    if not isinstance(sections, list) or not all(is_int(i) for i in sections) or len(sections) > 4096:
        raise config.wrong("indices_or_sections", "a number of sections or a list of indices", sections)
    bounds = [0] + sections + [size]
    return tuple(tuple(shape[:axis] + [None if a is None or b is None else b - a] + shape[axis + 1:])
                 for a, b in zip(bounds, bounds[1:]))


def _literal_shape(value: Any, config: Cfg) -> Shape:
    """``np.array(value).shape`` of a stored literal (indices given as a list)."""
    if isinstance(value, tuple):
        return value
    shape: List[int] = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        if any(isinstance(v, list) != isinstance(value[0], list) or
               (isinstance(v, list) and len(v) != len(value[0])) for v in value):
            raise SourceError(f"{config.where}: indices that are not a rectangular array")
        value = value[0]
    if isinstance(value, dict):
        raise Unsupported("an operation argument the reader cannot size")
    return tuple(shape)


def _op_take(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, indices, axis = _tensor(call), _literal_shape(_value(call, 1), config), config.raw("axis", None)
    if axis is None:
        return (indices,)
    axis = _axis(axis, len(shape), config)
    return (shape[:axis] + indices + shape[axis + 1:],)


def _op_take_along_axis(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, indices, axis = list(_tensor(call)), list(_tensor(call, 1)), config.raw("axis", None)
    if axis is None:
        shape = list(_flat(tuple(shape)))
    if len(shape) != len(indices):
        raise SourceError(f"{config.where}: take_along_axis needs indices of the input's rank")
    axis = 0 if axis is None else _axis(axis, len(shape), config)
    shape[axis] = indices[axis]
    return (_broadcast(tuple(shape), tuple(indices), config.where),)


def _index_key(value: Any, config: Cfg) -> Any:
    """A stored index (int, slice, None for newaxis, Ellipsis) as Python has it."""
    if value is None or is_int(value):
        return value
    if isinstance(value, dict):
        kind, inner = value.get("class_name"), value.get("config")
        if kind == "__ellipsis__":
            return Ellipsis
        if kind == "__slice__" and isinstance(inner, dict):
            parts = [inner.get(k) for k in ("start", "stop", "step")]
            if all(p is None or is_int(p) for p in parts) and parts[2] != 0:
                return slice(*parts)
    raise Unsupported(f"an index the reader cannot apply ({str(value)[:40]})")


def _op_get_item(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``GetItem.compute_output_spec``: ``x[key]`` with ints, slices, None and ``...``."""
    shape, key = list(_tensor(call)), _plain(_value(call, 1))
    keys = [_index_key(k, config) for k in key] if isinstance(key, list) else [_index_key(key, config)]
    if not isinstance(key, list) and not (key is None or is_int(key)):
        raise Unsupported("an index that is neither an int nor a tuple")
    if keys.count(Ellipsis) > 1:
        raise SourceError(f"{config.where}: an index with two ellipses")
    if Ellipsis not in keys:
        keys.append(Ellipsis)
    out: List[Optional[int]] = []
    while keys:
        key = keys.pop(0)
        if key is Ellipsis:
            needed = len(keys) - keys.count(None)
            used = len(shape) - needed
            if used < 0:
                raise SourceError(f"{config.where}: an index with more items than {len(shape)} axes")
            out += shape[:used]
            shape = shape[used:]
            continue
        if key is None:
            out.append(1)
            continue
        if not shape:
            raise SourceError(f"{config.where}: an index with more items than the tensor has axes")
        length = shape.pop(0)
        if isinstance(key, int):
            if length is not None and not -length <= key < length:
                raise SourceError(f"{config.where}: index {key} is out of bounds for a size of {length}")
        else:
            out.append(None if length is None else len(range(*key.indices(length))))
    return (tuple(out),)


def _op_slice(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, sizes, start = _tensor(call), _plain(config.raw("shape")), _value(call, 1)
    if not isinstance(sizes, list) or len(sizes) != len(shape) or not all(is_int(d) and d >= -1 for d in sizes):
        raise config.wrong("shape", f"{len(shape)} sizes", sizes)
    if isinstance(start, list) and (len(start) != len(shape) or not all(is_int(s) for s in start)):
        raise SourceError(f"{config.where}: start indices that do not fit {shape}")
    out = []
    for i, (size, wanted) in enumerate(zip(shape, sizes)):
        if wanted != -1:
            out.append(wanted)
        elif not isinstance(start, list) or size is None:
            out.append(None)
        else:
            out.append(size - start[i])
    return (tuple(out),)


def _op_pad(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``Pad``: ``pad_width`` as ``Pad._process_pad_width`` reads it, one pair for every axis or
    a pair per axis."""
    shape, widths = _tensor(call), _plain(config.raw("pad_width"))
    if is_int(widths):
        widths = [[widths, widths]]
    elif isinstance(widths, list) and widths and is_int(widths[0]):
        widths = [widths]
    pairs = []
    for width in widths if isinstance(widths, list) else [None]:
        width = _plain(width)
        if isinstance(width, list) and len(width) == 1:
            width = width * 2
        if not (isinstance(width, list) and len(width) == 2 and all(is_int(v) and v >= 0 for v in width)):
            raise config.wrong("pad_width", "a width, a (before, after) pair or one per axis",
                               config.raw("pad_width"))
        pairs.append(width)
    if len(pairs) == 1:
        pairs = pairs * len(shape)
    if len(pairs) != len(shape):
        raise config.wrong("pad_width", f"1 or {len(shape)} pairs", config.raw("pad_width"))
    return (tuple(None if d is None else d + a + b for d, (a, b) in zip(shape, pairs)),)


def _op_one_hot(multi: bool) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape, classes, axis = list(_tensor(call)), config.int("num_classes"), config.raw("axis", -1)
        if axis == -1:
            shape.append(classes)
        elif is_int(axis) and 0 <= axis < len(shape):
            shape.insert(axis, classes)
        else:
            raise config.wrong("axis", "-1 or an axis of the input", axis)
        if multi:
            shape = [shape[-1]] if len(shape) == 2 else shape[:1] + shape[2:]
        return (tuple(shape),)
    return rule


def _op_matmul(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``compute_matmul_output_shape``."""
    a, b = _tensor(call), _tensor(call, 1)
    if not a or not b:
        raise SourceError(f"{config.where}: matmul of a scalar")
    a1, b1 = len(a) == 1, len(b) == 1
    a = (1,) + a if a1 else a
    b = b + (1,) if b1 else b
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        raise SourceError(f"{config.where}: cannot multiply matrices of shapes {a} and {b}")
    out = list(_broadcast(a[:-2], b[:-2], config.where)) + [a[-2], b[-1]]
    if a1:
        del out[-2]
    if b1:
        del out[-1]
    return (tuple(out),)


def _op_dot(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    a, b = _shape_of(_value(call, 0)), _shape_of(_value(call, 1))
    if not a or not b:
        return (_broadcast(a, b, config.where),)
    if len(a) == 1 and len(b) == 1:
        return ((),)
    if len(b) == 1:
        if a[-1] != b[0]:
            raise SourceError(f"{config.where}: cannot dot shapes {a} and {b}")
        return (a[:-1],)
    if a[-1] is None or b[-2] is None or a[-1] == b[-2]:
        return (a[:-1] + b[:-2] + b[-1:],)
    raise SourceError(f"{config.where}: cannot dot shapes {a} and {b}")


def _op_tensordot(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    a, b, axes = list(_tensor(call)), list(_tensor(call, 1)), _plain(config.raw("axes", 2))
    if is_int(axes):
        if axes <= 0:
            return (tuple(a + b),)
        if axes > len(a) or axes > len(b):
            raise config.wrong("axes", "at most the inputs' rank", axes)
        return (tuple(a[:-axes] + b[axes:]),)
    pair = [_plain(p) for p in axes] if isinstance(axes, list) and len(axes) == 2 else None
    if pair is None:
        raise config.wrong("axes", "a count or two lists of axes", axes)
    first = _axes(pair[0], len(a), config, "axes")
    second = _axes(pair[1], len(b), config, "axes")
    if len(first) != len(second) or any(a[i] is not None and b[j] is not None and a[i] != b[j]
                                        for i, j in zip(first, second)):
        raise SourceError(f"{config.where}: tensordot axes of other sizes")
    return (tuple(d for i, d in enumerate(a) if i not in first) +
            tuple(d for i, d in enumerate(b) if i not in second),)


def _op_outer(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    sizes = []
    for index in (0, 1):
        value = _value(call, index)
        shape = value if isinstance(value, tuple) else (1,)
        sizes.append(None if None in shape else math.prod(shape))
    return (tuple(sizes),)


def _op_inner(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    a, b = _shape_of(_value(call, 0)), _shape_of(_value(call, 1))
    if not a or not b:
        return (b if not a else a,)
    if a[-1] is not None and b[-1] is not None and a[-1] != b[-1]:
        raise SourceError(f"{config.where}: cannot take the inner product of {a} and {b}")
    return (a[:-1] + b[:-1],)


def _op_einsum(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """``Einsum.compute_output_spec``: each operand mapped onto the output spec, then broadcast."""
    subscripts = config.str("subscripts").replace(" ", "")
    operands = [_tensor(call, i) for i in range(len(call.values))]
    parts = subscripts.split("->")
    if len(parts) > 2:
        raise config.wrong("subscripts", "one ->", subscripts)
    inputs = parts[0].split(",")
    if len(inputs) != len(operands) or not operands:
        raise SourceError(f"{config.where}: {subscripts!r} names {len(inputs)} operands, "
                          f"the call has {len(operands)}")
    letters = [s for s in parts[0] if s.isalpha()]
    counts = {s: letters.count(s) for s in letters}
    if len(parts) == 2:
        target = parts[1]
    else:
        target = "..." + "".join(sorted(s for s, n in counts.items() if n == 1))
    if not all(s.isalpha() or s in ",." for s in parts[0]) or not all(s.isalpha() or s == "." for s in target) \
            or not all(s.islower() for s in letters + [t for t in target if t.isalpha()]):
        raise Unsupported(f"an einsum spec the reader does not parse ({subscripts[:40]})")
    out: Shape = ()
    for index, (shape, spec) in enumerate(zip(operands, inputs)):
        pieces = spec.split("...")
        if len(pieces) > 2:
            raise config.wrong("subscripts", "at most one ... per operand", subscripts)
        if len(pieces) == 1:
            if len(shape) != len(spec):
                raise SourceError(f"{config.where}: operand {spec!r} does not fit shape {shape}")
            size = dict(zip(spec, shape))
            wild: Shape = ()
        else:
            head, tail = pieces
            if len(head) + len(tail) > len(shape):
                raise SourceError(f"{config.where}: operand {spec!r} does not fit shape {shape}")
            size = dict(zip(head, shape))
            size.update(zip(tail, shape[len(shape) - len(tail):]))
            wild = shape[len(head):len(shape) - len(tail)]
        mapped: List[Optional[int]] = []
        for position, piece in enumerate(target.split("...")):
            if position:
                mapped += wild
            mapped += [size.get(s, 1) for s in piece]
        out = _broadcast(out, tuple(mapped), config.where) if index else tuple(mapped)
    return (out,)


def _op_diagonal(trace: bool) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = list(_tensor(call))
        if len(shape) < 2:
            raise SourceError(f"{config.where}: a diagonal needs two axes, got {tuple(shape)}")
        first = _axis(config.raw("axis1", 0), len(shape), config, "axis1")
        second = _axis(config.raw("axis2", 1), len(shape), config, "axis2")
        if first == second:
            raise config.wrong("axis2", "an axis other than axis1", second)
        rest = [d for i, d in enumerate(shape) if i not in (first, second)]
        if trace:
            return (tuple(rest),)
        rows, cols, offset = shape[first], shape[second], config.int("offset", 0)
        if rows is None or cols is None:
            return (tuple(rest + [None]),)
        remaining = cols - offset if offset > 0 else rows + offset
        return (tuple(rest + [max(0, min(remaining, rows, cols))]),)
    return rule


def _op_diff(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = list(_tensor(call))
    axis = _axis(config.raw("axis", -1), len(shape), config)
    if shape[axis] is not None:
        shape[axis] = max(shape[axis] - config.int("n", 1), 0)
    return (tuple(shape),)


def _op_append(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    a, b, axis = _tensor(call), _tensor(call, 1), config.raw("axis", None)
    if axis is None:
        return ((None,) if None in a + b else (math.prod(a) + math.prod(b),),)
    return (_joined([a, b], _axis(axis, len(a), config), config),)


def _op_rot90(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = list(_tensor(call))
    if len(shape) < 2:
        raise SourceError(f"{config.where}: rot90 needs two axes, got {tuple(shape)}")
    axes = _axes(config.raw("axes", [0, 1]), len(shape), config, "axes")
    if len(axes) != 2 or axes[0] == axes[1]:
        raise config.wrong("axes", "two different axes", config.raw("axes", None))
    shape[axes[0]], shape[axes[1]] = shape[axes[1]], shape[axes[0]]
    return (tuple(shape),)


def _op_broadcast_to(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    target = _plain(config.raw("shape"))
    if not isinstance(target, list) or not all(d is None or (is_int(d) and d >= 0) for d in target):
        raise config.wrong("shape", "a shape", target)
    _broadcast(_tensor(call), tuple(target), config.where)
    return (tuple(target),)


def _op_glu(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = list(_tensor(call))
    axis = _axis(config.raw("axis", -1), len(shape), config)
    if shape[axis] is not None:
        if shape[axis] % 2:
            raise SourceError(f"{config.where}: glu halves an axis of odd size {shape[axis]}")
        shape[axis] //= 2
    return (tuple(shape),)


def _op_top_k(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = _tensor(call)
    if not shape:
        raise SourceError(f"{config.where}: top_k of a scalar")
    out = shape[:-1] + (config.int("k"),)
    return (out, out)


def _op_cross(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    a, b = list(_tensor(call)), list(_tensor(call, 1))
    size_a = a.pop(_axis(config.raw("axisa", -1), len(a), config, "axisa"))
    size_b = b.pop(_axis(config.raw("axisb", -1), len(b), config, "axisb"))
    if any(s is not None and s not in (2, 3) for s in (size_a, size_b)):
        raise SourceError(f"{config.where}: a cross product of vectors of size other than 2 or 3")
    out = list(_broadcast(tuple(a), tuple(b), config.where))
    value = [3] if 3 in (size_a, size_b) else []
    axis = _axis(config.raw("axisc", -1), len(out) + len(value), config, "axisc")
    return (tuple(out[:axis] + value + out[axis:]),)


def _op_unstack(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = _tensor(call)
    axis = _axis(config.raw("axis", 0), len(shape), config)
    count = config.raw("num", None)
    count = shape[axis] if count is None else count
    if not is_int(count) or not 0 < count <= 4096:
        raise Unsupported("an unstack into an unknown number of tensors")
    return (shape[:axis] + shape[axis + 1:],) * count


_UNARY_OPS = (
    # numpy
    "Absolute", "Arccos", "Arccosh", "Arcsin", "Arcsinh", "Arctan", "Arctanh", "BitwiseInvert",
    "BitwiseNot", "Cbrt", "Ceil", "Conjugate", "Copy", "Cos", "Cosh", "Deg2rad", "Exp", "Exp2",
    "Expm1", "Fabs", "Floor", "Imag", "Isfinite", "Isinf", "Isnan", "Isneginf", "Isposinf", "Isreal",
    "Log", "Log10", "Log1p", "Log2", "LogicalNot", "NanToNum", "Negative", "OnesLike", "ZerosLike",
    "EmptyLike", "FullLike", "Rad2deg", "Real", "Reciprocal", "Round", "Sign", "Signbit", "Sin", "Sinc",
    "Sinh", "Sqrt", "Square", "Tan", "Tanh", "Trunc", "Flip", "Fliplr", "Flipud", "Roll", "Clip", "Tril",
    "Triu", "Digitize",
    # nn
    "Relu", "Relu6", "Sigmoid", "Softplus", "Softsign", "SoftShrink", "SparsePlus", "Silu", "Squareplus",
    "LogSigmoid", "LeakyRelu", "HardSigmoid", "HardSilu", "Elu", "Selu", "Gelu", "Celu", "TanhShrink",
    "HardTanh", "HardShrink", "Threshold", "Softmax", "LogSoftmax", "SparseSigmoid", "Sparsemax",
    "Normalize",
    # math and core
    "Erf", "Erfc", "Erfinv", "Rsqrt", "Cast", "SaturateCast", "StopGradient",
)

_BINARY_OPS = (
    "Add", "Subtract", "Multiply", "Divide", "TrueDivide", "FloorDivide", "DivideNoNan", "Power", "Mod",
    "Fmod", "Maximum", "Minimum", "Fmax", "Fmin", "Arctan2", "Hypot", "Logaddexp", "Logaddexp2", "Equal",
    "NotEqual", "Greater", "GreaterEqual", "Less", "LessEqual", "LogicalAnd", "LogicalOr", "LogicalXor",
    "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseLeftShift", "BitwiseRightShift", "LeftShift",
    "RightShift", "Heaviside", "Nextafter", "Gcd", "Lcm", "Ldexp", "Where",
)

_REDUCTIONS = (
    "Sum", "Mean", "Max", "Min", "Prod", "Std", "Var", "Any", "All", "Amax", "Amin", "Argmax", "Argmin",
    "Nanargmax", "Nanargmin", "Logsumexp", "Nansum", "Nanmean", "Nanmax", "Nanmin", "Nanprod", "Nanstd",
    "Nanvar", "Median", "Nanmedian", "Ptp", "CountNonzero", "Norm",
)

# Layers that keep their input's shape; the first group passes masks on (supports_masking).
_SAME_MASKING = ("Activation", "Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout",
                 "ActivityRegularization", "LayerNormalization", "BatchNormalization", "UnitNormalization",
                 "GroupNormalization", "Masking", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
                 "Rescaling", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "Identity",
                 "Normalization")
_SAME_UNMASKED = ("RMSNormalization", "AugMix", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization",
                  "CutMix", "Equalization", "MaxNumBoundingBoxes", "MixUp", "RandAugment", "RandomBrightness",
                  "RandomColorDegeneration", "RandomColorJitter", "RandomContrast", "RandomElasticTransform",
                  "RandomErasing", "RandomFlip", "RandomGaussianBlur", "RandomGrayscale", "RandomHue",
                  "RandomInvert", "RandomPerspective", "RandomPosterization", "RandomRotation",
                  "RandomSaturation", "RandomSharpness", "RandomShear", "RandomTranslation", "RandomZoom",
                  "Solarization")
_SAME = _SAME_MASKING + _SAME_UNMASKED
_MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")

LAYER_RULES: Dict[str, Rule] = {
    **{name: _same for name in _SAME},
    "Dense": _dense, "EinsumDense": _einsum_dense, "Embedding": _embedding,
    "ReversibleEmbedding": _reversible_embedding, "Lambda": _lambda,
    "Conv1D": _conv(1), "Conv2D": _conv(2), "Conv3D": _conv(3),
    "Conv1DTranspose": _conv_transpose(1), "Conv2DTranspose": _conv_transpose(2),
    "Conv3DTranspose": _conv_transpose(3),
    "SeparableConv1D": _conv(1), "SeparableConv2D": _conv(2),
    "DepthwiseConv1D": _conv(1, depthwise=True), "DepthwiseConv2D": _conv(2, depthwise=True),
    **{f"{kind}Pooling{r}D": _pool(r) for kind in ("Max", "Average") for r in (1, 2, 3)},
    **{f"Global{kind}Pooling{r}D": _global_pool(r) for kind in ("Max", "Average") for r in (1, 2, 3)},
    **{f"Adaptive{kind}Pooling{r}D": _adaptive_pool(r) for kind in ("Max", "Average") for r in (1, 2, 3)},
    "Flatten": _flatten, "Reshape": _reshape, "Permute": _permute, "RepeatVector": _repeat_vector,
    "Cropping1D": _cropping(1, data_format=False), "Cropping2D": _cropping(2), "Cropping3D": _cropping(3),
    **{f"ZeroPadding{r}D": _zero_padding(r) for r in (1, 2, 3)},
    **{f"UpSampling{r}D": _up_sampling(r) for r in (1, 2, 3)},
    **{name: _elementwise for name in _MERGES},
    "Concatenate": _concatenate, "Dot": _dot,
    "Attention": _attention, "AdditiveAttention": _attention,
    "MultiHeadAttention": _multi_head_attention,
    "GroupQueryAttention": _grouped_query_attention,  # GroupedQueryAttention's serialized name
    "CategoryEncoding": _category_encoding, "Discretization": _discretization, "Hashing": _hashing,
    "HashedCrossing": _hashed_crossing, "IntegerLookup": _lookup, "StringLookup": _lookup,
    "TextVectorization": _text_vectorization,
    "Resizing": _resize("Resizing"), "CenterCrop": _resize("CenterCrop"), "RandomCrop": _random_crop,
    "MelSpectrogram": _mel_spectrogram, "STFTSpectrogram": _stft_spectrogram,
    "SpectralNormalization": _spectral_normalization, "Pipeline": _pipeline,
}
"""Output-shape rules of the non-recurrent built-in layers (Keras's view)."""

OP_RULES: Dict[str, Rule] = {
    **{name: _op_same for name in _UNARY_OPS},
    **{name: _op_broadcast for name in _BINARY_OPS},
    **{name: _op_reduce() for name in _REDUCTIONS},
    "Moments": _op_reduce("axes", outputs=2), "Average": _op_average,
    "Quantile": _op_quantile(False), "Nanquantile": _op_quantile(False),
    "Percentile": _op_quantile(True), "Nanpercentile": _op_quantile(True),
    **{name: _op_flat_if_no_axis for name in ("Cumsum", "Cumprod", "Nancumsum", "Nancumprod", "Sort",
                                                "Argsort")},
    "Ravel": lambda config, call: (_flat(_tensor(call)),),
    "ExpandDims": _op_expand_dims, "Squeeze": _op_squeeze, "Reshape": _op_reshape,
    "Transpose": _op_transpose, "Moveaxis": _op_moveaxis, "Swapaxes": _op_swapaxes, "Rot90": _op_rot90,
    "Tile": _op_tile, "Repeat": _op_repeat, "BroadcastTo": _op_broadcast_to,
    "Concatenate": _op_concatenate, "Stack": _op_stack, "Vstack": _op_stack_along(0),
    "Hstack": _op_stack_along(1), "Append": _op_append, "Split": _op_split, "ArraySplit": _op_split,
    "Unstack": _op_unstack,
    "GetItem": _op_get_item, "Slice": _op_slice, "Take": _op_take, "TakeAlongAxis": _op_take_along_axis,
    "Pad": _op_pad, "OneHot": _op_one_hot(False), "MultiHot": _op_one_hot(True),
    "Matmul": _op_matmul, "Dot": _op_dot, "Tensordot": _op_tensordot, "Einsum": _op_einsum,
    "Outer": _op_outer, "Inner": _op_inner, "Cross": _op_cross,
    "Diagonal": _op_diagonal(trace=False), "Trace": _op_diagonal(trace=True), "Diff": _op_diff,
    "Glu": _op_glu, "TopK": _op_top_k,
}
"""Rules of the ``keras.ops`` operations that can be nodes of a functional model (Keras also
stores the ones that build masks: NotEqual, Any...)."""

# Layers whose call takes a ``mask`` argument: Keras passes them the mask of their input.
MASK_ARGUMENT = frozenset(RECURRENT_KINDS + (
    "Bidirectional", "TimeDistributed", "BatchNormalization", "Softmax", "GlobalAveragePooling1D",
    "Attention", "AdditiveAttention", "Lambda", "Pipeline"))

# How a layer's output mask follows from its input mask (Layer.compute_mask and overrides):
# pass it on, drop it, make a new one, or as the recurrent layers do.
MASK_BEHAVIOUR: Dict[str, str] = {
    **{name: "pass" for name in _SAME_MASKING + ("Dense", "TimeDistributed", "MultiHeadAttention",
                                                  "GroupQueryAttention")},
    **{name: "rnn" for name in RECURRENT_KINDS},
    "Bidirectional": "bidirectional", "Embedding": "new", "Masking": "new",
    **{name: "merge" for name in _MERGES},
    "Concatenate": "concat", "Attention": "new", "AdditiveAttention": "new",
}
"""Layers missing here drop the mask (``supports_masking`` is False, or compute_mask is None)."""
