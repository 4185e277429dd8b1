"""Stage 0 for saved files: a saved layer graph with its shapes in, a ModelSpec out.

Each step mirrors ``introspect.py`` (ids, connections, mask sources, layer descriptions);
where the live code asks Keras which tensor carries which mask, this module replays
Keras's mask rules (``Layer.compute_mask`` and its overrides) over the file's graph.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._roles import _CONFIG_KEYS, _MERGE, _PER_STEP, _WHOLE_SEQUENCE, _jsonable
from ._saved_config import Cfg, Unsupported
from ._saved_graph import Call, Graph, Key, Ref, Shapes, entry_name, is_model, is_op, unsupported
from ._saved_recurrent import merge_mode, recurrent_spec
from ._shape_rules import MASK_ARGUMENT, MASK_BEHAVIOUR, RECURRENT_KINDS, activation_name
from .spec import Connection, ConfigValue, LayerSpec, ModelSpec, Role, Shape, TensorRef

Ids = Dict[Key, Tuple[str, int]]
Mask = Tuple[Any, ...]
"""A mask as Keras passes it along: ``("new", key)`` made by a call, ``("tensor", key, n)``
given explicitly, or ``UNKNOWN`` where the reader cannot tell."""

UNKNOWN: Mask = ("unknown",)
# SpatialDropout1D subclasses Dropout, so introspection's isinstance test draws it per step.
_PER_STEP_CLASSES = frozenset(_PER_STEP + ("SpatialDropout1D",))


def model_spec(graph: Graph) -> ModelSpec:
    """The spec of the model whose graph this is, as introspection gives for the live model."""
    shapes = graph.run()
    ids = _number_calls(shapes.order)
    masks = _Masks(graph, shapes)
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
    return ModelSpec(
        name=graph.name,
        class_name="Sequential" if graph.sequential else "Functional",
        inputs=tuple(_tensor_ref(r, ids, specs) for r in graph.inputs),
        outputs=tuple(_tensor_ref(r, ids, specs) for r in graph.outputs),
        layers=tuple(specs.values()),
    )


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


class _Masks:
    """Which mask each tensor carries (Keras's ``_keras_mask``), replayed call by call."""

    def __init__(self, graph: Graph, shapes: Shapes) -> None:
        self.graph, self.shapes = graph, shapes
        self.of: Dict[Key, List[Optional[Mask]]] = {}
        self.shape: Dict[Mask, Shape] = {}

    def mask(self, ref: Ref) -> Optional[Mask]:
        masks = self.of.get(ref.key, [])
        return masks[ref.tensor] if ref.tensor < len(masks) else None

    def visit(self, call: Call) -> List[Tuple[Key, int, Shape]]:
        """The (layer, tensor, shape) each mask passed to ``call`` comes from; records the
        masks of its outputs."""
        carried = [self.mask(r) for r in call.first]
        if self.graph.sequential:
            passed = [m for m in carried if m is not None] if call.class_name in MASK_ARGUMENT else []
            given = [(m, None) for m in passed]
        else:
            given = self._identify(call, carried)
        # Keras computes the output mask from the mask argument when one was passed, which
        # is the carried mask unless the user passed another.
        passed_ids = [m for m, _ in given]
        explicit = bool(call.masks) and passed_ids != [m for m in carried if m is not None]
        self.of[call.key] = self._outputs(call, (passed_ids if explicit else carried) or [None])
        return [self._source(call, mask, ref) for mask, ref in given]

    def _identify(self, call: Call, carried: List[Optional[Mask]]) -> List[Tuple[Mask, Optional[Ref]]]:
        """Each stored mask argument as the mask object it is: the one its data input carries
        when Keras filled it in, else the tensor the user passed."""
        auto = [m for m in carried if m is not None]
        if len(auto) != len(call.masks):
            return [(("tensor",) + ref.key + (ref.tensor,), ref) for ref in call.masks]
        result = []
        for mask, ref in zip(auto, call.masks):
            if mask is UNKNOWN:
                raise Unsupported("it receives a mask that the file reader cannot trace")
            result.append((mask if self._made_as(mask, ref) else ("tensor",) + ref.key + (ref.tensor,), ref))
        return result

    def _made_as(self, mask: Mask, ref: Ref) -> bool:
        """Whether ``ref`` is the tensor Embedding/Masking builds for ``mask`` (not a look-alike
        the user passed): ``not_equal(x, 0)``, ``any(not_equal(x, value), -1)`` of their input."""
        if mask[0] != "new":
            return mask[0] == "tensor" and mask[1:] == ref.key + (ref.tensor,)
        maker = self.graph.calls[mask[1]]
        steps = {"Embedding": ("NotEqual",), "Masking": ("Any", "NotEqual")}.get(maker.class_name)
        if steps is None:
            return True
        node = ref
        for op in steps:
            call = self.graph.calls[node.key]
            if call.class_name != op or not is_op(call.entry) or not call.parents:
                return False
            node = call.parents[0]
        return bool(maker.data) and (node.key, node.tensor) == (maker.data[0].key, maker.data[0].tensor)

    def _source(self, call: Call, mask: Mask, ref: Optional[Ref]) -> Tuple[Key, int, Shape]:
        for tensor in call.data:
            if self.mask(tensor) == mask:
                while True:
                    upstream = [u for u in self.graph.calls[tensor.key].data if self.mask(u) == mask]
                    if not upstream:
                        shape = ref.shape if ref is not None else self.shape[mask]
                        return tensor.key, tensor.tensor, shape
                    tensor = upstream[0]
        if ref is None:
            raise Unsupported("it receives a mask that the file reader cannot trace")
        key, index = ref.key, ref.tensor
        while key in self.shapes.folded:
            parents = self.graph.calls[key].parents
            if not parents:
                break
            key, index = parents[0].key, parents[0].tensor
        return key, index, ref.shape

    def _outputs(self, call: Call, previous: Sequence[Optional[Mask]]) -> List[Optional[Mask]]:
        count = len(self.shapes.keras[call.key])
        none: List[Optional[Mask]] = [None] * count
        if is_op(call.entry) or not call.parents:
            return none
        if is_model(call.entry):
            made = _makes_masks(call.entry) or any(m is not None for m in previous)
            return [UNKNOWN if made else None] * count
        kind, config = call.class_name, call.config
        behaviour = MASK_BEHAVIOUR.get(kind)
        if kind == "Embedding" and not config.bool("mask_zero", False):
            behaviour = None
        first = previous[0]
        if behaviour == "pass":
            return [previous[i] if i < len(previous) else None for i in range(count)]
        if behaviour == "rnn":
            return [first if config.bool("return_sequences", False) else None] + none[1:]
        if behaviour == "bidirectional":
            if not config.sub("layer").sub("config").bool("return_sequences", False):
                return none
            return [first, first] + none[2:] if merge_mode(config) is None else [first] + none[1:]
        if behaviour == "new":
            made = ("new", call.key)
            inputs = self.shapes.keras[call.args[0].key][call.args[0].tensor]
            self.shape[made] = inputs if kind == "Embedding" else inputs[:-1]
            return [made] + none[1:]
        if behaviour in ("merge", "concat"):
            if all(m is None for m in previous) or (behaviour == "merge" and None in previous):
                return none
            if UNKNOWN in previous:
                return [UNKNOWN] + none[1:]
            kept = previous[0] if behaviour == "merge" and len(previous) == 1 else ("new", call.key)
            return [kept] + none[1:]
        return none


def _makes_masks(entry: Cfg) -> bool:
    """Whether a nested model holds a layer that makes masks (then its outputs may carry one)."""
    stack = [entry.data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("class_name") == "Masking" or (
                    item.get("class_name") == "Embedding"
                    and isinstance(item.get("config"), dict) and item["config"].get("mask_zero")):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _call_spec(graph: Graph, call: Call, shapes: Shapes, ids: Ids, specs: Dict[Key, LayerSpec],
               masks: List[Tuple[Key, int, Shape]]) -> LayerSpec:
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
