"""Stage 0 for saved files: a Keras 2 model config (tf.keras, tf_keras, or Keras 3's legacy
HDF5 writer) translated into the Keras 3 form the file reader reads.

Nothing is run: this is a function from parsed JSON to parsed JSON, so one reader serves
both. What differs in a Keras 2 config (tf_keras 2.21's ``to_json()``, ``.h5``, ``.keras``
and SavedModel metadata were compared):

- entries may lack ``module`` (legacy serialization), and models are
  ``tf_keras.src.engine.functional`` or ``Model``: Keras's own classes get Keras 3's modules;
- an ``InputLayer`` has ``batch_input_shape`` (Keras 3: ``batch_shape``), and an old
  Sequential may have none, its first layer carrying ``batch_input_shape``;
- a call is a list of ``[layer, node, tensor, kwargs]`` (Keras 3: ``{"args", "kwargs"}``),
  with tensors in ``kwargs`` as ``[layer, node, tensor]``; a recurrent layer's
  ``initial_state`` is folded into that list after the sequence (``RNN.__call__``);
- a nested model's first node is its own, so the calls of one that starts with an
  ``InputLayer`` are counted from 1 (tf_keras ``_should_skip_first_node``);
- recurrent layers have ``time_major`` (``False`` is dropped, ``True`` kept for the shape
  rules); ``CuDNNLSTM`` and ``CuDNNGRU`` have no activation settings (theirs are fixed);
- a ``Bidirectional`` stores no ``backward_layer`` unless one was given: Keras 2 makes it
  from ``layer``, reversed;
- SavedModel metadata writes tuples as ``{"class_name": "__tuple__", "items": [...]}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set

from ...errors import SourceError
from ..layers import LAYERS, kind_of
from .form import KERAS2_MODULE_PREFIXES, needs_translation

KERAS3_MODEL_MODULES = {"Sequential": "keras", "Functional": "keras.src.models.functional"}
_MODEL_CLASSES = ("Sequential", "Functional", "Model")
_CUDNN_ACTIVATIONS = {"activation": "tanh", "recurrent_activation": "sigmoid"}
_CONSTANT = "_CONSTANT_VALUE"
MAX_DEPTH = 64


@dataclass
class Translated:
    """A config in Keras 3's form, and whether it was written by Keras 2 (whose functional
    configs store no masks: Keras passes them implicitly, as in a Sequential)."""

    data: Any
    keras2: bool


def translate(data: Any) -> Translated:
    """The Keras 3 form of a model config; a Keras 3 config comes back unchanged."""
    if not isinstance(data, dict) or not needs_translation(data):
        return Translated(data, False)
    state = _State()
    return Translated(state.entry(untuple(data), 0), state.keras2)


def untuple(value: Any) -> Any:
    """Keras 2's JSON of a tuple (``{"class_name": "__tuple__", "items": [...]}``, in SavedModel
    metadata) as a list, the way its other writers store tuples."""
    if isinstance(value, dict):
        if value.get("class_name") == "__tuple__" and isinstance(value.get("items"), list):
            return [untuple(v) for v in value["items"]]
        return {k: untuple(v) for k, v in value.items()}
    if isinstance(value, list):
        return [untuple(v) for v in value]
    return value


class _State:
    """One translation: entries are rewritten depth first; ``keras2`` tells whether a mark
    of Keras 2 was seen (Keras 3's legacy ``.h5`` only lacks the modules)."""

    def __init__(self) -> None:
        self.keras2 = False

    def entry(self, data: Any, depth: int) -> Any:
        """A serialized layer or model, in Keras 3's form."""
        if depth > MAX_DEPTH:
            raise SourceError(f"the model config nests layers more than {MAX_DEPTH} deep")
        if not isinstance(data, dict) or not isinstance(data.get("class_name"), str):
            return data
        entry = dict(data)
        module = entry.get("module")
        if entry["class_name"] == "Model" or (isinstance(module, str) and module.startswith(KERAS2_MODULE_PREFIXES)):
            self.keras2 = True
        kind = "Functional" if entry["class_name"] == "Model" else entry["class_name"]
        entry["class_name"] = kind
        if kind in _MODEL_CLASSES:
            entry["module"] = KERAS3_MODEL_MODULES[kind]
            entry.setdefault("registered_name", kind)
        elif not isinstance(entry.get("module"), str) and kind in LAYERS:
            entry["module"], entry["registered_name"] = "keras.layers", None
        config = entry.get("config")
        if kind == "Sequential" and isinstance(config, list):
            config = {"name": entry.get("name") or "sequential", "layers": config}  # Keras before 2.2.3
        if isinstance(config, dict):
            entry["config"] = self.config(kind, config, depth)
        return entry

    def config(self, kind: str, data: Dict[str, Any], depth: int) -> Dict[str, Any]:
        config = dict(data)
        for key in ("layer", "backward_layer", "cell"):
            if isinstance(config.get(key), dict):
                config[key] = self.entry(config[key], depth + 1)
        if isinstance(config.get("cell"), list):  # RNN(cell=[...]) written as a list of cells
            config["cell"] = {"class_name": "StackedRNNCells", "module": "keras.layers",
                              "registered_name": None,
                              "config": {"cells": config["cell"], "name": "stacked_rnn_cells"}}
            config["cell"] = self.entry(config["cell"], depth + 1)
        if kind == "Bidirectional" and "backward_layer" not in config:
            config["backward_layer"] = _backward(config.get("layer"))
        if isinstance(config.get("cells"), list):
            config["cells"] = [self.entry(c, depth + 1) for c in config["cells"]]
        if "batch_input_shape" in config:
            self.keras2 = True
        if kind == "InputLayer" and "batch_shape" not in config and "batch_input_shape" in config:
            config["batch_shape"] = config.pop("batch_input_shape")
        if config.get("time_major") is False:
            config.pop("time_major")
        if kind in ("CuDNNLSTM", "CuDNNGRU"):
            for key, value in _CUDNN_ACTIVATIONS.items():
                config.setdefault(key, value)
        if kind in ("Sequential", "Functional") and isinstance(config.get("layers"), list):
            layers = [self.entry(layer, depth + 1) for layer in config["layers"]]
            if kind == "Sequential":
                config["layers"] = _with_input_layer(layers)
            else:
                config.update(_functional(config, layers, self))
        return config


def _backward(layer: Any) -> Any:
    """The backward layer Keras 2 makes from a Bidirectional's ``layer`` when it is given
    none (and does not store): the same config, run the other way, named ``backward_...``."""
    if not isinstance(layer, dict) or not isinstance(layer.get("config"), dict):
        return layer
    config = layer["config"]
    name = config.get("name")
    return dict(layer, config=dict(config, go_backwards=not config.get("go_backwards", False),
                                   name=f"backward_{name}" if isinstance(name, str) else name))


def _with_input_layer(layers: List[Any]) -> List[Any]:
    """A Sequential's layers, led by an InputLayer made from the first layer's
    ``batch_input_shape`` where Keras 2 wrote none (tf_keras names it ``<layer>_input``)."""
    first = layers[0] if layers else None
    if not isinstance(first, dict) or first.get("class_name") == "InputLayer":
        return layers
    config = first.get("config")
    if not isinstance(config, dict) or "batch_input_shape" not in config:
        return layers
    name = config.get("name") if isinstance(config.get("name"), str) else "input"
    made = {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
            "config": {"batch_shape": config["batch_input_shape"], "dtype": config.get("dtype", "float32"),
                       "name": f"{name}_input"}}
    return [made] + layers


# Functional graphs ---------------------------------------------------------------------


def _functional(config: Dict[str, Any], layers: List[Any], state: _State) -> Dict[str, Any]:
    """A functional config's layers with Keras 3 calls, and its inputs and outputs counted
    the way Keras 3 counts them (Keras 3's legacy ``.h5`` already counts so)."""
    nodes = [layer.get("inbound_nodes") if isinstance(layer, dict) else None for layer in layers]
    if not any(isinstance(n, list) and n and isinstance(n[0], list) for n in nodes):
        return {"layers": layers}
    firsts = _own_first_node(layers)
    calls = _Calls(firsts, state)
    recurrent = _recurrent_constants(layers)
    out = []
    for layer, calls_of in zip(layers, nodes):
        if isinstance(calls_of, list):
            name = _name(layer) or "?"
            layer = dict(layer, inbound_nodes=[calls.node(name, n, recurrent.get(name)) for n in calls_of])
        out.append(layer)
    result: Dict[str, Any] = {"layers": out}
    for key in ("input_layers", "output_layers"):
        if key in config:
            result[key] = _ends(config[key], firsts, layers)
    return result


def _name(layer: Any) -> Optional[str]:
    """A serialized layer's name, where it states one."""
    if not isinstance(layer, dict):
        return None
    config = layer.get("config")
    name = layer.get("name") or (config.get("name") if isinstance(config, dict) else None)
    return name if isinstance(name, str) else None


def _own_first_node(layers: List[Any]) -> Set[str]:
    """The nested models whose node 0 is their own (Keras 2 counts their calls from 1)."""
    found = set()
    for layer in layers:
        name = _name(layer)
        if name is None:
            continue
        kind, config = layer.get("class_name"), layer.get("config")
        if kind == "Functional" or (kind == "Sequential" and isinstance(config, dict)
                                    and _starts_with_input(config.get("layers"))):
            found.add(name)
    return found


def _starts_with_input(layers: Any) -> bool:
    return isinstance(layers, list) and bool(layers) and isinstance(layers[0], dict) \
        and layers[0].get("class_name") == "InputLayer"


def _recurrent_constants(layers: List[Any]) -> Dict[str, int]:
    """The recurrent layers, whose tensors after the sequence are initial states and then
    ``num_constants`` constants (``RNN.__call__``), by name."""
    found: Dict[str, int] = {}
    for layer in layers:
        name = _name(layer)
        if name is None or not isinstance(layer.get("class_name"), str):
            continue
        row = kind_of((layer["class_name"],))
        config = layer.get("config")
        if row is not None and row.recurrent is not None and isinstance(config, dict):
            constants = config.get("num_constants")
            found[name] = constants if isinstance(constants, int) and constants > 0 else 0
    return found


def _ends(value: Any, firsts: Set[str], layers: List[Any]) -> Any:
    """``input_layers``/``output_layers``: Keras 3 counts a nested Functional's calls from 1
    here as Keras 2 did, and a nested Sequential's from 0."""
    if _is_triple(value):
        name, node, tensor = value[:3]
        if name in firsts and _class_of(name, layers) == "Sequential":
            node -= 1
        return [name, node, tensor]
    if isinstance(value, list):
        return [_ends(v, firsts, layers) for v in value]
    if isinstance(value, dict):
        return {k: _ends(v, firsts, layers) for k, v in value.items()}
    return value


def _class_of(name: str, layers: List[Any]) -> Optional[str]:
    return next((layer.get("class_name") for layer in layers if _name(layer) == name), None)


def _is_triple(value: Any) -> bool:
    return isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str) \
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value[1:3])


class _Calls:
    """Keras 2 calls (``[[layer, node, tensor, kwargs], ...]``) as Keras 3 ``args``/``kwargs``."""

    def __init__(self, firsts: Set[str], state: _State) -> None:
        self.firsts, self.state = firsts, state
        self.layer = ""

    def node(self, layer: str, node: Any, constants: Optional[int] = None) -> Any:
        """One call of ``layer``; ``constants`` is given for a recurrent layer (how many of
        its trailing tensors are constants)."""
        if isinstance(node, dict):  # already Keras 3's form (Keras 3's legacy .h5)
            return node
        self.layer = layer
        if not isinstance(node, list) or not node:
            raise self.wrong(node, "is not a list of inbound tensors")
        self.state.keras2 = True
        kwargs: Dict[str, Any] = {}
        for item in _flat_entries(node):
            if len(item) == 4 and isinstance(item[3], dict):
                kwargs = {str(k): self.kwarg(v) for k, v in item[3].items()}
        first = self.structure(node)
        if isinstance(first, list) and len(first) == 1:
            first = first[0]  # a single tensor is passed on its own (unnest_if_single_tensor)
        if constants is not None and isinstance(first, list) and len(first) > 1:
            tensors, first = first[1:], first[0]
            kept = len(tensors) - constants
            kwargs["initial_state"] = tensors[:kept]
            if constants:
                kwargs["constants"] = tensors[kept:]
        return {"args": [first], "kwargs": kwargs}

    def structure(self, value: Any) -> Any:
        """The first argument: Keras 2 entries as Keras 3 tensors, their nesting kept."""
        if isinstance(value, list) and len(value) >= 3 and value[0] == _CONSTANT:
            return value[2]
        if _is_triple(value):
            return self.tensor(value)
        if isinstance(value, list):
            return [self.structure(v) for v in value]
        if isinstance(value, dict):
            return {k: self.structure(v) for k, v in value.items()}
        raise self.wrong(value, "is not an inbound tensor")

    def wrong(self, value: Any, what: str) -> SourceError:
        return SourceError(f"layer {self.layer!r}: its Keras 2 call holds {repr(value)[:60]}, which {what}")

    def kwarg(self, value: Any) -> Any:
        """A keyword argument: tensors (``[layer, node, tensor]``) made Keras 3 tensors."""
        if _is_triple(value) and len(value) == 3:
            return self.tensor(value)
        if isinstance(value, list):
            return [self.kwarg(v) for v in value]
        if isinstance(value, dict):
            return {k: self.kwarg(v) for k, v in value.items()}
        return value

    def tensor(self, value: List[Any]) -> Dict[str, Any]:
        name, node, tensor = value[:3]
        if name in self.firsts:
            node -= 1
        if node < 0 or tensor < 0:
            raise self.wrong(value, f"refers to {name!r} call {node}, output {tensor}")
        return {"class_name": "__keras_tensor__", "config": {"keras_history": [name, node, tensor]}}


def _flat_entries(node: Any) -> List[List[Any]]:
    if _is_triple(node) or (isinstance(node, list) and node and node[0] == _CONSTANT):
        return [node]
    if isinstance(node, list):
        return [e for v in node for e in _flat_entries(v)]
    if isinstance(node, dict):
        return [e for v in node.values() for e in _flat_entries(v)]
    return []
