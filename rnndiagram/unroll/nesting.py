"""Stage 2 helper: a spec with nested models' layers inlined, for ``expand_nested``."""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Tuple

from ..spec import Connection, LayerSpec, ModelSpec, TensorRef


def inline_nested(spec: ModelSpec) -> ModelSpec:
    """The spec with each nested model's layers drawn in place of its one box.

    Inner layers get ids ``outer/inner``; the inner input layers disappear (their readers
    read what the nested model was called on) and the nested model's outputs become the
    inner layers that produce them (a model output keeps the nested model's name).
    """
    layers: List[LayerSpec] = []
    renamed: Dict[Tuple[str, int], Connection] = {}
    names: Dict[Tuple[str, int], str] = {}  # what a nested model's output is called when drawn
    for layer in spec.layers:
        inbound = tuple(_renamed(c, renamed) for c in layer.inbound)
        if layer.model is None:
            layers.append(replace(layer, inbound=inbound))
            continue
        inner = inline_nested(layer.model)
        prefix = f"{layer.id}/"
        outer_inputs = [c for c in inbound if c.kind in ("sequence", "vector")]
        feeds = {ref.layer: outer_inputs[i] for i, ref in enumerate(inner.inputs) if i < len(outer_inputs)}
        for child in inner.layers:
            if child.role == "input":
                continue
            conns = tuple(replace(feeds[c.layer], slot=c.slot) if c.layer in feeds
                          else replace(c, layer=prefix + c.layer) for c in child.inbound)
            layers.append(replace(child, id=prefix + child.id, name=prefix + child.name, inbound=conns))
        for k, ref in enumerate(inner.outputs):
            source = feeds.get(ref.layer)
            renamed[(layer.id, k)] = source or Connection(prefix + ref.layer, 0, ref.tensor, "vector", ref.shape)
            names[(layer.id, k)] = layer.name + (f" [{k}]" if len(inner.outputs) > 1 else "")
    outputs = tuple(_renamed_ref(o, renamed, names) for o in spec.outputs)
    return replace(spec, layers=tuple(layers), outputs=outputs)


def _renamed(conn: Connection, renamed: Dict[Tuple[str, int], Connection]) -> Connection:
    target = renamed.get((conn.layer, conn.tensor))
    return conn if target is None else replace(conn, layer=target.layer, tensor=target.tensor)


def _renamed_ref(ref: TensorRef, renamed: Dict[Tuple[str, int], Connection],
                 names: Dict[Tuple[str, int], str]) -> TensorRef:
    """A model output of a nested model: the inner tensor, still named as the nested model's
    output (``encoder``), as the diagram labels it when the model is one box."""
    target = renamed.get((ref.layer, ref.tensor))
    if target is None:
        return ref
    return replace(ref, layer=target.layer, tensor=target.tensor, name=ref.name or names[(ref.layer, ref.tensor)])
