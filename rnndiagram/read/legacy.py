"""Stage 0, the Keras 2 reader: a live Keras 2 model (tf_keras, or tf.keras before TensorFlow
2.16) gives its own ``to_json()``; the dispatcher (:mod:`rnndiagram.read`) hands that config to
the file reader (:mod:`.saved`), which translates Keras 2's form. This module imports no
other reader.

Keras 2 is never imported here: its models are told by the modules of their classes.
"""

from __future__ import annotations

from typing import Any

from ..errors import UnsupportedLayerError

KERAS2_MODULES = ("tf_keras.", "keras.src.engine.", "keras.engine.", "tensorflow.python.keras.")
"""Where Keras 2's model classes live: tf_keras, Keras 2.13 to 2.15, earlier Keras 2, tf.keras."""


def is_keras2_model(obj: Any) -> bool:
    """Whether ``obj`` is a Keras 2 model (it has ``to_json`` and a Keras 2 ``Model`` class)."""
    return callable(getattr(obj, "to_json", None)) and any(
        cls.__name__ in ("Model", "Functional", "Sequential") and cls.__module__.startswith(KERAS2_MODULES)
        for cls in type(obj).__mro__)


def keras2_config(model: Any) -> str:
    """The Keras JSON config a live Keras 2 model serializes itself to; a subclassed model,
    which has no layer graph, is an :class:`UnsupportedLayerError`."""
    try:
        return str(model.to_json())
    except NotImplementedError:
        raise UnsupportedLayerError(
            f"model {getattr(model, 'name', '?')!r} is a subclassed Keras 2 model and has no layer graph "
            f"to read; build it as tf_keras.Model(inputs, outputs) or Sequential") from None
