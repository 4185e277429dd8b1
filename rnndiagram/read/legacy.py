"""Stage 0, a live Keras 2 model (tf_keras, or tf.keras before TensorFlow 2.16), read through
its own ``to_json()``: the config goes to the file reader, which translates Keras 2's form.

Keras 2 is never imported here: its models are told by the modules of their classes.
"""

from __future__ import annotations

from typing import Any

from ..errors import UnsupportedLayerError
from ..spec import ModelSpec

KERAS2_MODULES = ("tf_keras.", "keras.src.engine.", "keras.engine.", "tensorflow.python.keras.")
"""Where Keras 2's model classes live: tf_keras, Keras 2.13 to 2.15, earlier Keras 2, tf.keras."""


def is_keras2_model(obj: Any) -> bool:
    """Whether ``obj`` is a Keras 2 model (it has ``to_json`` and a Keras 2 ``Model`` class)."""
    return callable(getattr(obj, "to_json", None)) and any(
        cls.__name__ in ("Model", "Functional", "Sequential") and cls.__module__.startswith(KERAS2_MODULES)
        for cls in type(obj).__mro__)


def read_keras2_model(model: Any) -> ModelSpec:
    """The spec of a live Keras 2 model, from the config it serializes itself to."""
    from .saved import read_config_json

    try:
        text = model.to_json()
    except NotImplementedError:
        raise UnsupportedLayerError(
            f"model {getattr(model, 'name', '?')!r} is a subclassed Keras 2 model and has no layer graph "
            f"to read; build it as tf_keras.Model(inputs, outputs) or Sequential") from None
    return read_config_json(text)
