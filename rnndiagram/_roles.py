"""Stage 0 helper: how a layer is drawn (its role) and the short summary of its settings."""

from __future__ import annotations

from types import ModuleType
from typing import Any, Dict, Optional, Tuple

from .spec import ConfigValue, Role, Shape

# Acting on each timestep alone when given a sequence.
_PER_STEP = (
    "Dense", "EinsumDense", "Activation", "Dropout", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "ActivityRegularization", "LayerNormalization", "BatchNormalization",
    "UnitNormalization", "GroupNormalization", "RMSNormalization", "Masking", "ReLU",
    "LeakyReLU", "PReLU", "ELU", "Softmax", "Rescaling",
)

# Seeing the whole time axis at once.
_WHOLE_SEQUENCE = (
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "Flatten",
    "Attention", "AdditiveAttention", "MultiHeadAttention", "GroupQueryAttention",
    "RepeatVector", "Reshape", "Permute", "Cropping1D", "ZeroPadding1D", "UpSampling1D",
    "SpatialDropout1D",
)

_MERGE = ("Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot")

# Settings worth printing, in the order they are printed.
_CONFIG_KEYS = (
    "units", "filters", "kernel_size", "strides", "padding", "activation",
    "recurrent_activation", "rate", "pool_size", "input_dim", "output_dim", "mask_zero", "n",
    "target_shape", "dims", "axis", "axes", "num_heads", "key_dim", "mask_value", "merge_mode",
)

# Built-in layers that keep each of their ``_CONFIG_KEYS`` as an attribute of the same
# name, and have no others. Reading those is much faster than ``get_config()``, which
# serializes every initializer, regularizer and wrapped layer (it was most of the time
# introspection took). tests/test_introspect.py checks that both ways agree.
_CONV = ("filters", "kernel_size", "strides", "padding", "activation")
_ATTRIBUTE_KEYS = {
    "SimpleRNN": ("units", "activation"),
    "LSTM": ("units", "activation", "recurrent_activation"),
    "GRU": ("units", "activation", "recurrent_activation"),
    "ConvLSTM1D": _CONV + ("recurrent_activation",),
    "ConvLSTM2D": _CONV + ("recurrent_activation",),
    "ConvLSTM3D": _CONV + ("recurrent_activation",),
    "Bidirectional": ("merge_mode",),
    "TimeDistributed": (),
    "Dense": ("units", "activation"),
    "Embedding": ("input_dim", "output_dim", "mask_zero"),
    "Conv1D": _CONV,
    "Conv2D": _CONV,
}


def _classes(keras: ModuleType, names: Tuple[str, ...]) -> Tuple[type, ...]:
    # getattr: not every class exists in every Keras 3 release (RMSNormalization is recent).
    return tuple(c for c in (getattr(keras.layers, n, None) for n in names) if c is not None)


def is_merge(keras: ModuleType, layer: Any) -> bool:
    return isinstance(layer, _classes(keras, _MERGE))


def role_of(keras: ModuleType, layer: Any, input_shapes: Tuple[Shape, ...],
            output_shapes: Tuple[Shape, ...]) -> Role:
    """The role of a layer that is neither an input, a nested model nor recurrent."""
    rank = len(input_shapes[0]) if input_shapes else 0
    if is_merge(keras, layer):
        return "merge"
    if isinstance(layer, keras.layers.TimeDistributed):
        return "per_step"
    if isinstance(layer, keras.layers.Embedding):
        return "per_step" if rank >= 2 else "vector"
    if isinstance(layer, _classes(keras, _PER_STEP)):
        return "per_step" if rank >= 3 else "vector"
    if isinstance(layer, _classes(keras, _WHOLE_SEQUENCE)):
        longest = max((len(s) for s in input_shapes + output_shapes), default=0)
        return "whole_sequence" if longest >= 3 else "vector"
    return "whole_sequence" if rank >= 3 else "vector"


def activation_name(fn: Any) -> Optional[str]:
    """``"tanh"`` for ``keras.activations.tanh``; a layer or callable object by its class."""
    if fn is None:
        return None
    if isinstance(fn, str):
        return fn
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) else type(fn).__name__


def _jsonable(value: Any) -> Any:
    """The value as str/int/float/bool/None or nested tuples of those; ``...`` if it is not."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        items = tuple(_jsonable(v) for v in value)
        return ... if ... in items else items
    return ...


def _settings(layer: Any) -> Optional[Dict[str, Any]]:
    """The layer's settings by name: its attributes for the built-ins of ``_ATTRIBUTE_KEYS``,
    else ``get_config()``; ``None`` if that cannot be built."""
    cls = type(layer)
    keys = _ATTRIBUTE_KEYS.get(cls.__name__) if cls.__module__.startswith("keras.src.") else None
    if keys is not None:
        return {key: getattr(layer, key) for key in keys}
    try:
        return layer.get_config()
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return None


def config_summary(layer: Any) -> Tuple[Tuple[str, ConfigValue], ...]:
    """The settings of ``_CONFIG_KEYS`` that the layer has, activations as names."""
    config = _settings(layer)
    if config is None:
        # A custom layer whose get_config cannot be built is still drawn, just unannotated.
        return ()
    summary = []
    for key in _CONFIG_KEYS:
        if key not in config:
            continue
        if key in ("activation", "recurrent_activation"):
            value = activation_name(getattr(layer, key, None)) or _jsonable(config[key])
        else:
            value = _jsonable(config[key])
        if value is not ...:
            summary.append((key, value))
    return tuple(summary)
