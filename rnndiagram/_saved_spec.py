"""Stage 0 for saved files: a saved layer graph with its shapes in, a ModelSpec out.

Each step mirrors ``introspect.py``: ids, connections, layer descriptions; the mask
sources come from :mod:`rnndiagram._saved_masks`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from ._roles import _CONFIG_KEYS, _MERGE, _PER_STEP, _WHOLE_SEQUENCE, _jsonable
from ._saved_calls import Call, Key, Ref, entry_name, is_model, is_op
from ._saved_config import Cfg, Unsupported
from ._saved_graph import Graph, Shapes, unsupported
from ._saved_masks import Masks, Source
from ._saved_recurrent import recurrent_spec
from ._shape_rules import RECURRENT_KINDS, activation_name
from .spec import Connection, ConfigValue, LayerSpec, ModelSpec, Role, Shape, TensorRef

Ids = Dict[Key, Tuple[str, int]]
# SpatialDropout1D subclasses Dropout, so introspection's isinstance test draws it per step.
_PER_STEP_CLASSES = frozenset(_PER_STEP + ("SpatialDropout1D",))


def model_spec(graph: Graph) -> ModelSpec:
    """The spec of the model whose graph this is, as introspection gives for the live model."""
    if isinstance(graph.spec, ModelSpec):
        return graph.spec
    shapes = graph.run()
    ids = _number_calls(shapes.order)
    masks = Masks(graph, shapes)
    specs: Dict[Key, LayerSpec] = {}
    for key in shapes.order:
        if key in shapes.folded:
            continue
        call = graph.calls[key]
        try:
            passed = masks.visit(call)
            specs[key] = _call_spec(graph, call, shapes, ids, specs, passed)
        except Unsupported as exc:
            raise unsupported(call, str(exc)) from None
    graph.spec = ModelSpec(
        name=graph.name,
        class_name="Sequential" if graph.sequential else "Functional",
        inputs=tuple(_tensor_ref(r, ids, specs) for r in graph.inputs),
        outputs=tuple(_tensor_ref(r, ids, specs) for r in graph.outputs),
        layers=tuple(specs.values()),
    )
    return graph.spec


def _number_calls(order: List[Key]) -> Ids:
    ids: Ids = {}
    counts: Dict[str, int] = {}
    for key in sorted(order, key=lambda k: k[1]):
        n = counts[key[0]] = counts.get(key[0], -1) + 1
        ids[key] = (key[0] if n == 0 else f"{key[0]}@{n}", n)
    return ids


def _tensor_ref(ref: Ref, ids: Ids, specs: Dict[Key, LayerSpec]) -> TensorRef:
    return TensorRef(layer=ids[ref.key][0], tensor=ref.tensor,
                     shape=specs[ref.key].output_shapes[ref.tensor])


def _call_spec(graph: Graph, call: Call, shapes: Shapes, ids: Ids, specs: Dict[Key, LayerSpec],
               masks: List[Source]) -> LayerSpec:
    def connection(ref: Ref, kind: str, slot: int) -> Connection:
        producer = specs.get(ref.key)
        # The producer's spec holds corrected shapes (Bidirectional), so read it first.
        shape = producer.output_shapes[ref.tensor] if producer else shapes.keras[ref.key][ref.tensor]
        layer_id, number = ids[ref.key]
        return Connection(layer=layer_id, call=number, tensor=ref.tensor, kind=kind, shape=shape, slot=slot)

    inbound = [connection(r, "sequence" if len(shapes.keras[r.key][r.tensor]) >= 3 else "vector", slot)
               for slot, r in enumerate(call.data)]
    inbound += [connection(r, "state", slot) for slot, r in enumerate(call.states)]
    for slot, (key, tensor, shape) in enumerate(masks):
        layer_id, number = ids[key]
        inbound.append(Connection(layer=layer_id, call=number, tensor=tensor, kind="mask",
                                  shape=shape, slot=slot))
    layer_id, number = ids[call.key]
    return describe(graph, call.entry, layer_id=layer_id, call=number,
                    input_shapes=tuple(c.shape for c in inbound if c.kind != "mask"),
                    output_shapes=shapes.real[call.key], inbound=tuple(inbound), masked=bool(masks))


def describe(graph: Graph, entry: Cfg, *, layer_id: str, call: int, input_shapes: Tuple[Shape, ...],
             output_shapes: Tuple[Shape, ...], inbound: Tuple[Connection, ...] = (),
             masked: bool = False) -> LayerSpec:
    """The LayerSpec of one call of the layer (or op) serialized as ``entry``."""
    fields: Dict[str, Any] = {}
    kind, op = entry.str("class_name"), is_op(entry)
    if kind == "InputLayer" and not op:
        role: Role = "input"
    elif is_model(entry):
        role = "model"
        fields["model"] = model_spec(graph.nested_graph(entry))
    elif kind in RECURRENT_KINDS + ("Bidirectional",) and input_shapes and not op:
        role = "recurrent"
        fields["recurrent"] = recurrent_spec(kind, entry.sub("config"), input_shapes[0], output_shapes, masked)
    elif kind == "TimeDistributed" and input_shapes and not op:
        role = "per_step"
        inner = entry.sub("config").sub("layer")
        fields["wrapped"] = describe(
            graph, inner, layer_id=entry_name(inner), call=0,
            input_shapes=(_without_time(input_shapes[0]),),
            output_shapes=tuple(_without_time(s) for s in output_shapes))
    else:
        role = _role(kind, op, input_shapes, output_shapes)
    return LayerSpec(
        id=layer_id, name=entry_name(entry), class_name=kind, role=role,
        input_shapes=input_shapes, output_shapes=output_shapes, inbound=inbound, call=call,
        config=config_summary(entry.sub("config")) if not op and role != "model" else (), **fields)


def _role(kind: str, op: bool, input_shapes: Tuple[Shape, ...], output_shapes: Tuple[Shape, ...]) -> Role:
    """``_roles.role_of`` by class name (only Keras's own layers and ops get here)."""
    rank = len(input_shapes[0]) if input_shapes else 0
    if not op and kind in _MERGE:
        return "merge"
    if not op and kind == "Embedding":
        return "per_step" if rank >= 2 else "vector"
    if not op and kind in _PER_STEP_CLASSES:
        return "per_step" if rank >= 3 else "vector"
    if not op and kind in _WHOLE_SEQUENCE:
        longest = max((len(s) for s in input_shapes + output_shapes), default=0)
        return "whole_sequence" if longest >= 3 else "vector"
    return "whole_sequence" if rank >= 3 else "vector"


def config_summary(config: Cfg) -> Tuple[Tuple[str, ConfigValue], ...]:
    """``_roles.config_summary`` from the serialized config."""
    summary = []
    for key in _CONFIG_KEYS:
        if key not in config:
            continue
        raw = config.raw(key)
        if key in ("activation", "recurrent_activation"):
            value = activation_name(raw) or _jsonable(raw)
        else:
            value = _jsonable(raw)
        if value is not ...:
            summary.append((key, value))
    return tuple(summary)


def _without_time(shape: Shape) -> Shape:
    return shape[:1] + shape[2:]
