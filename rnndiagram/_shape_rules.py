"""Stage 0 helper for saved files: each supported layer's output shapes, from its config.

The shapes are the ones Keras's own ``compute_output_shape`` gives (the formulas follow
``keras/src/ops/operation_utils.py`` and the layers' code), so a spec read from a file
matches one introspected from the live model. A layer kind without a rule here raises
:class:`Unsupported`, and the reader offers the Keras fallback instead of guessing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

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
        window = config.ints("pool_size", rank)
        strides = window if config.raw("strides", None) is None else config.ints("strides", rank)
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
    rest = call.first[1:]
    size = None if None in rest else math.prod(rest)
    return ((call.first[0], size),)


def _reshape(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
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


def _permute(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    dims, shape = config.raw("dims"), call.first
    if not isinstance(dims, list) or sorted(dims) != list(range(1, len(shape))):
        raise config.wrong("dims", f"a permutation of 1..{len(shape) - 1}", dims)
    return ((shape[0],) + tuple(shape[d] for d in dims),)


def _repeat_vector(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = sequence_input(call.first, 2, "RepeatVector")
    return ((shape[0], config.int("n"), shape[1]),)


def _time_axis(change: Callable[[Cfg, int], int]) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = sequence_input(call.first, 3, config.where)
        steps = None if shape[1] is None else change(config, shape[1])
        return ((shape[0], steps, shape[2]),)
    return rule


def _elementwise(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
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


def _concatenate(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
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


def _attention(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    if call.options.get("return_attention_scores") or len(call.args) < 2:
        raise Unsupported("an Attention call returning scores")
    query, value = call.args[0], call.args[1]
    return (query[:-1] + value[-1:],)


def _multi_head_attention(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
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
        kernel = config.ints("kernel_size", rank)
        strides = config.ints("strides", rank, 1)
        dilation = config.ints("dilation_rate", rank, 1)
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
        size = config.ints("output_size", rank)
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


def _broadcast_op(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    """numpy-style broadcasting as ``keras.ops`` computes it for binary ops."""
    out: Shape = ()
    for shape in call.args:
        a, b = (out, shape) if len(out) >= len(shape) else (shape, out)
        b = (1,) * (len(a) - len(b)) + b
        out = tuple(y if x == 1 else (None if y == 1 else y) if x is None else x for x, y in zip(a, b))
    return (out,)


def _reduce_op(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, axis = call.first, config.raw("axis", None)
    axes = range(len(shape)) if axis is None else [axis] if is_int(axis) else axis
    if not isinstance(axes, (list, range)) or not all(is_int(a) and -len(shape) <= a < len(shape) for a in axes):
        raise config.wrong("axis", "an axis of the input", axis)
    drop = {a % len(shape) for a in axes}
    keep = config.bool("keepdims", False)
    return (tuple(1 if i in drop else d for i, d in enumerate(shape) if keep or i not in drop),)


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
    "NotEqual": _broadcast_op, "Equal": _broadcast_op, "LogicalAnd": _broadcast_op,
    "LogicalOr": _broadcast_op, "Any": _reduce_op, "All": _reduce_op, "Flip": _same,
}
"""Rules of the ``keras.ops`` operations Keras stores when it builds masks (and Flip)."""

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
