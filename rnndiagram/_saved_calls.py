"""Stage 0 helper for saved files: the calls of a serialized layer graph, as plain records.

A Functional config lists each layer's calls (``inbound_nodes``) with their arguments;
here they become :class:`Call` records whose tensors are sorted the way
``keras.tree.flatten`` sorts a live node's arguments, which introspection relies on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._saved_config import Cfg, is_int
from .errors import SourceError
from .spec import Shape

Key = Tuple[str, int]
"""A call in the file: the layer (or op) name and the node index in its ``inbound_nodes``."""

_MODEL_MODULES = ("keras", "keras.models", "keras.src.models.functional", "keras.src.models.sequential")


@dataclass(frozen=True)
class Ref:
    """A tensor in a call's arguments: the call that made it, which output, and the shape the
    file states for it (Keras's view; ``None`` in a Sequential, which stores none)."""

    key: Key
    tensor: int
    shape: Optional[Shape] = None


@dataclass
class Call:
    """One call of a layer or op, with its tensors sorted the way introspection sorts them."""

    key: Key
    entry: Cfg
    args: List[Ref] = field(default_factory=list)
    named: Dict[str, List[Ref]] = field(default_factory=dict)
    states: List[Ref] = field(default_factory=list)
    masks: List[Ref] = field(default_factory=list)
    options: Dict[str, Any] = field(default_factory=dict)
    first: List[Ref] = field(default_factory=list)
    parents: List[Ref] = field(default_factory=list)
    skeleton: str = ""
    """For an op: its arguments with the tensors blanked out (see :func:`skeleton`)."""
    values: List[Any] = field(default_factory=list)
    """The positional arguments as stored, each tensor replaced by its :class:`Ref`
    (ops take literals too: ``x * 2.0``, ``x[:, 1]``)."""

    @property
    def data(self) -> List[Ref]:
        return self.args + [r for name in sorted(self.named) for r in self.named[name]]

    @property
    def class_name(self) -> str:
        return self.entry.data.get("class_name", "?")

    @property
    def config(self) -> Cfg:
        return self.entry.sub("config")


def is_op(entry: Cfg) -> bool:
    """A raw ``keras.ops`` operation (NotEqual, Any...), which is not a layer."""
    module = entry.raw("module", None)
    return isinstance(module, str) and module.startswith("keras.src.ops.")


def is_model(entry: Cfg) -> bool:
    return entry.raw("class_name", None) in ("Sequential", "Functional") \
        and entry.raw("module", None) in _MODEL_MODULES


def entry_name(entry: Cfg) -> str:
    name = entry.raw("name", None)
    if name is None:
        name = entry.sub("config").str("name")
    if not isinstance(name, str) or not name:
        raise entry.wrong("name", "a layer name", name)
    return name


def parse_node(key: Key, entry: Cfg, node: Cfg) -> Call:
    args, kwargs = node.raw("args", []), node.raw("kwargs", {})
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise SourceError(f"{node.where}: expected args as a list and kwargs as an object")
    call = Call(key, entry)
    call.args = _tensors(args, node.where + ".args")
    call.first = _tensors(args[0], node.where + ".args[0]") if args else []
    call.values = [map_tensors(a, lambda item, at: _tensor(Cfg(item.get("config"), at + ".config")),
                               f"{node.where}.args[{i}]") for i, a in enumerate(args)]
    call.parents = list(call.args)
    for name in sorted(kwargs):
        refs = _tensors(kwargs[name], f"{node.where}.kwargs.{name}")
        call.parents += refs
        if name == "initial_state":
            call.states = refs
        elif name == "mask":
            call.masks = refs
        elif refs:
            call.named[name] = refs
        else:
            call.options[name] = kwargs[name]
    if is_op(entry):
        call.skeleton = skeleton([args, kwargs])
    return call


def skeleton(value: Any) -> str:
    """JSON of a structure with every tensor blanked out and numbers as floats, so two ops
    with equal skeletons, settings and input tensors compute the same (``0 == 0.0``)."""
    def blank(item: Any) -> Any:
        if isinstance(item, dict):
            if item.get("class_name") == "__keras_tensor__":
                return "<tensor>"
            return {str(k): blank(v) for k, v in item.items()}
        if isinstance(item, list):
            return [blank(v) for v in item]
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            return float(item)
        return item
    return json.dumps(blank(value), sort_keys=True)


def map_tensors(value: Any, fn: Callable[[Any, str], Any], where: str) -> Any:
    """``value`` with each serialized tensor replaced by ``fn(tensor, where)``; lists stay lists."""
    if isinstance(value, list):
        return [map_tensors(v, fn, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return fn(value, where)
        return {k: map_tensors(v, fn, f"{where}.{k}") for k, v in value.items()}
    return value


def _tensors(value: Any, where: str) -> List[Ref]:
    """The tensors in a serialized argument, in ``keras.tree.flatten`` order."""
    found: List[Ref] = []
    stack: List[Tuple[Any, str]] = [(value, where)]
    while stack:
        item, at = stack.pop()
        if isinstance(item, list):
            stack.extend((v, f"{at}[{i}]") for i, v in reversed(list(enumerate(item))))
        elif isinstance(item, dict):
            kind = item.get("class_name")
            if kind == "__keras_tensor__":
                found.append(_tensor(Cfg(item.get("config"), at + ".config")))
            elif kind == "__tuple__":
                inner = Cfg(item.get("config"), at + ".config")
                stack.append((inner.raw("value"), inner.where + ".value"))
            elif kind is None:
                stack.extend((item[k], f"{at}.{k}") for k in sorted(item, reverse=True))
    return found


def _tensor(config: Cfg) -> Ref:
    history = config.raw("keras_history")
    if not (isinstance(history, list) and len(history) == 3 and isinstance(history[0], str)
            and all(is_int(i) and i >= 0 for i in history[1:])):
        raise config.wrong("keras_history", "[layer name, node index, tensor index]", history)
    return Ref((history[0], history[1]), history[2], config.shape("shape"))


def triples(value: Any, where: str) -> List[Tuple[str, int, int]]:
    """``input_layers``/``output_layers``: one [name, node, tensor] triple or a structure of them."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) \
            and is_int(value[1]) and is_int(value[2]) and value[1] >= 0 and value[2] >= 0:
        return [(value[0], value[1], value[2])]
    if isinstance(value, list) and value:
        return [t for i, v in enumerate(value) for t in triples(v, f"{where}[{i}]")]
    if isinstance(value, dict) and value:
        return [t for k in sorted(value) for t in triples(value[k], f"{where}.{k}")]
    raise SourceError(f"{where}: expected [layer name, node index, tensor index] triples, got {str(value)[:60]}")
