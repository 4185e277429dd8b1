"""Whether a model config is in Keras 3's own form, or was written by Keras 2 and needs
translating (:mod:`.keras2`, imported only for such a config: not for a Keras 3 file)."""

from __future__ import annotations

from typing import Any, Dict

KERAS2_MODULE_PREFIXES = ("tf_keras.", "keras.src.engine.", "keras.engine.", "tensorflow.python.keras.")
"""The modules of Keras 2's classes, as its configs name them."""


def needs_translation(data: Dict[str, Any]) -> bool:
    """Whether a parsed model config is not in Keras 3's own form: no ``module`` (Keras 2's
    ``to_json()`` and ``.h5``, Keras 3's legacy ``.h5``), or a Keras 2 module."""
    module = data.get("module")
    return not isinstance(module, str) or module.startswith(KERAS2_MODULE_PREFIXES) \
        or _has_keras2_layers(data)


def _has_keras2_layers(data: Dict[str, Any]) -> bool:
    """tf_keras writes a nested or top-level Sequential with Keras 3's module ``keras``; its
    layers tell (Keras 3 never writes ``batch_input_shape`` or list-form calls)."""
    config = data.get("config")
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list):
        return False
    for layer in layers:
        if not isinstance(layer, dict):
            continue
        inner = layer.get("config")
        nodes = layer.get("inbound_nodes")
        if (isinstance(inner, dict) and "batch_input_shape" in inner) or \
                (isinstance(nodes, list) and nodes and isinstance(nodes[0], list)):
            return True
    return False
