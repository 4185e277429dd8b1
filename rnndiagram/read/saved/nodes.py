"""Stage 0 for saved files: the calls of a serialized functional graph, as call records.

A functional config lists each layer's calls (``inbound_nodes``) with their arguments;
here they become :class:`~rnndiagram.read.calls.Call` records whose tensors are sorted
the way ``keras.tree.flatten`` sorts a live node's arguments.
"""

from __future__ import annotations

import json
from typing import Any, Callable, List, Tuple

from ...errors import SourceError
from ..calls import Call, Key, Ref
from ..config import Cfg, is_int
from .view import FileView

def parse_node(key: Key, index: int, view: FileView, node: Cfg) -> Call:
    """The record of one call (``node``, stored in the layer's ``inbound_nodes``)."""
    args, kwargs = node.raw("args", []), node.raw("kwargs", {})
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise SourceError(f"{node.where}: expected args as a list and kwargs as an object")
    call = Call(key, view, index)
    call.args = _tensors(args, node.where + ".args")
    call.first = _tensors(args[0], node.where + ".args[0]") if args else []
    call.values = [map_tensors(a, lambda item, at: _tensor(Cfg(item.get("config"), at + ".config")),
                               f"{node.where}.args[{i}]") for i, a in enumerate(args)]
    call.parents = list(call.args)
    for name in sorted(kwargs):
        refs = _tensors(kwargs[name], f"{node.where}.kwargs.{name}")
        call.parents += refs
        call.add_keyword(name, refs, kwargs[name])
    if view.op:
        view.skeleton = skeleton([args, kwargs])
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


def map_refs(value: Any, fn: Callable[[Ref], Any]) -> Any:
    """A stored argument with each :class:`Ref` replaced by ``fn(ref)``."""
    if isinstance(value, Ref):
        return fn(value)
    if isinstance(value, list):
        return [map_refs(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: map_refs(v, fn) for k, v in value.items()}
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
    # A Keras 2 config (translated by keras2.py) states no shapes of the tensors a call reads.
    shape = config.shape("shape") if config.raw("shape", None) is not None else None
    return Ref((history[0], history[1]), history[2], shape)


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
