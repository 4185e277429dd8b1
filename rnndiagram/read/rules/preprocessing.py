"""Stage 0, the output-shape rules of Keras's preprocessing layers (text, lookups, hashing,
image and audio)."""

from __future__ import annotations

import math
from typing import Tuple

from ...errors import SourceError
from ...spec import Shape
from ..calls import Unsupported
from ..config import Cfg, is_int
from .base import CallShapes, Rule, check_rank, is_channels_last, sequence_input, windowed

def category_encoding(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape, tokens = call.first, config.int("num_tokens")
    if not shape:
        return ((tokens,),)
    if config.str("output_mode", "multi_hot") == "one_hot" and (shape[-1] != 1 or len(shape) == 1):
        return (shape + (tokens,),)
    return (shape[:-1] + (tokens,),)


def discretization(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
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


def hashing(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = call.first
    if config.str("output_mode", "int") == "int":
        return (shape,)
    return (shape[:-1] + (config.int("num_bins"),),)


def hashed_crossing(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
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


def lookup(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    return (_lookup_shape(config, call.first),)


def text_vectorization(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = check_rank(call.first, 1, "TextVectorization")
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
    check_rank(shape, 3, what, 4)
    batched = len(shape) == 4
    first = int(batched) + (0 if is_channels_last(config) else 1)
    return first, first + 1


def resize(what: str) -> Rule:
    def rule(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
        shape = list(call.first)
        height, width = _image_axes(config, call.first, what)
        shape[height], shape[width] = config.int("height"), config.int("width")
        return (tuple(shape),)
    return rule


def random_crop(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = list(check_rank(call.first, 3, "RandomCrop"))
    height = -3 if is_channels_last(config) else -2
    shape[height], shape[height + 1] = config.int("height"), config.int("width")
    return (tuple(shape),)


def mel_spectrogram(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = check_rank(call.first, 1, "MelSpectrogram")
    bins, stride = config.int("num_mel_bins", 128), config.int("sequence_stride", 512)
    if stride <= 0:
        raise config.wrong("sequence_stride", "a positive stride", stride)
    samples = shape[0] if len(shape) == 1 else shape[1]
    frames = None if samples is None else (samples + stride + 1) // stride
    return ((bins, frames) if len(shape) == 1 else (shape[0], bins, frames),)


def stft_spectrogram(config: Cfg, call: CallShapes) -> Tuple[Shape, ...]:
    shape = sequence_input(call.first, 3, "STFTSpectrogram")
    frame = config.int("frame_length")
    if frame < 2:
        raise config.wrong("frame_length", "a frame length of at least 2", frame)
    step = config.int("frame_step", None) or frame // 2
    fft = config.int("fft_length", None) or 2 ** int(math.ceil(math.log2(frame)))
    if step <= 0 or fft <= 0:
        raise SourceError(f"{config.where}: frame_step and fft_length must be positive")
    last = is_channels_last(config)
    channels = shape[-1] if last else shape[1]
    if channels is None:
        raise SourceError(f"{config.where}: STFTSpectrogram needs a known number of channels")
    freq = (fft // 2 + 1) * (2 if config.str("mode", "log") == "stft" else 1)
    out = windowed(config, shape, 1, (frame,), (step,), (1,), freq * channels)
    time = out[1] if last else out[2]
    if config.bool("expand_dims", False):
        return ((shape[0], time, freq, channels) if last else (shape[0], channels, time, freq),)
    return (out,)
