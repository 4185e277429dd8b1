"""Stage 0, introspection: a built Keras model in, a ModelSpec out."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any, Dict, List, Optional, Set, Tuple

from ._keras import import_keras
from ._recurrent import bidirectional_output_shapes, is_recurrent, recurrent_spec
from ._roles import config_summary, role_of
from .errors import NotAModelError, NotBuiltError, UnsupportedLayerError
from .spec import Connection, LayerSpec, ModelSpec, Shape, TensorKind, TensorRef

_Key = Tuple[int, int]
"""An operation call while walking one graph: (id of the operation, node index)."""

_Ids = Dict[_Key, Tuple[str, int]]
"""Each call's spec id and call number in the model being read."""


def inspect(model: Any) -> ModelSpec:
    """The :class:`ModelSpec` of a built Keras ``Sequential`` or ``Functional`` model.

    Raises :class:`NotAModelError` for anything that is not a ``keras.Model`` and
    :class:`NotBuiltError` for a model whose input shape is not known yet.
    """
    # A Keras object cannot exist before Keras is imported, so a wrong argument is
    # reported without paying for the TensorFlow import.
    keras = import_keras() if "keras" in sys.modules else None
    if keras is None or not isinstance(model, keras.Model):
        raise NotAModelError(_not_a_model_message(keras, model))
    return _model_spec(keras, model)


def _not_a_model_message(keras: Optional[ModuleType], obj: Any) -> str:
    kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
    if keras is not None and isinstance(obj, keras.layers.Layer):
        return (f"rnndiagram.inspect() needs a keras.Model, got the layer {obj.name!r} "
                f"({kind}); wrap it in a model, e.g. "
                f"keras.Sequential([keras.Input(shape=(T, features)), layer])")
    return (f"rnndiagram.inspect() needs a keras.Model, got {kind}; pass a built "
            f"keras.Sequential or a functional keras.Model(inputs, outputs)")


def _graph_of(keras: ModuleType, model: Any) -> Any:
    """The functional graph that holds the model's nodes (a Sequential keeps one inside)."""
    if isinstance(model, keras.Sequential):
        graph = getattr(model, "_functional", None)
        if not model.built or graph is None:
            raise NotBuiltError(
                f"model {model.name!r} is not built, so its shapes are unknown; start it "
                f"with keras.Input(shape=(T, features)) or call "
                f"model.build((None, T, features)) before drawing it")
        return graph
    if _is_functional(model):
        return model
    raise UnsupportedLayerError(
        f"model {model.name!r} is a subclassed keras.Model ({type(model).__name__}) and has "
        f"no layer graph to read; rnndiagram reads Sequential and functional models, so "
        f"build it as keras.Model(inputs, outputs)")


def _is_functional(model: Any) -> bool:
    from keras.src.models.functional import Functional

    return isinstance(model, Functional)


def _is_graph_model(keras: ModuleType, layer: Any) -> bool:
    return isinstance(layer, keras.Sequential) or _is_functional(layer)


def _model_spec(keras: ModuleType, model: Any) -> ModelSpec:
    graph = _graph_of(keras, model)
    calls = _ordered_calls(graph)
    ids = _number_calls(calls)
    folded = _folded_mask_ops(keras, calls, graph.outputs)
    specs: Dict[_Key, LayerSpec] = {}
    for op, index in calls:
        if _key(op, index) not in folded:
            specs[_key(op, index)] = _call_spec(keras, op, index, ids, specs, folded)
    return ModelSpec(
        name=model.name,
        class_name="Sequential" if isinstance(model, keras.Sequential) else "Functional",
        inputs=tuple(_tensor_ref(t, ids, specs) for t in graph.inputs),
        outputs=tuple(_tensor_ref(t, ids, specs) for t in graph.outputs),
        layers=tuple(specs.values()),
    )


def _key(op: Any, index: int) -> _Key:
    return (id(op), index)


def _number_calls(calls: List[Tuple[Any, int]]) -> _Ids:
    """Number each layer's calls in this model 0, 1, ... in Keras's node order.

    Keras node indices are not used directly: a layer keeps the nodes of every graph it
    was ever called in, and a Sequential rebuilds its graph on each ``add()`` and when
    loaded from a file, so its layers' live nodes can sit at index 1 or 2.
    """
    ids: _Ids = {}
    counts: Dict[int, int] = {}
    for op, index in sorted(calls, key=lambda call: call[1]):
        n = counts[id(op)] = counts.get(id(op), -1) + 1
        ids[_key(op, index)] = (op.name if n == 0 else f"{op.name}@{n}", n)
    return ids


def _shape(tensor: Any) -> Shape:
    return tuple(None if d is None else int(d) for d in tensor.shape)


def _tensor_ref(tensor: Any, ids: _Ids, specs: Dict[_Key, LayerSpec]) -> TensorRef:
    op, index, t = tensor._keras_history
    return TensorRef(layer=ids[_key(op, index)][0], tensor=t,
                     shape=specs[_key(op, index)].output_shapes[t])


def _ordered_calls(graph: Any) -> List[Tuple[Any, int]]:
    """Every call of the graph, producers before consumers; the model inputs come first.

    Depth-first from the inputs, then the outputs, parents in argument order, so the order
    depends only on how the model was built.
    """
    order: List[Tuple[Any, int]] = []
    seen: Set[_Key] = set()
    for root in list(graph.inputs) + list(graph.outputs):
        op, index, _ = root._keras_history
        stack: List[Tuple[Any, int, bool]] = [(op, index, False)]
        while stack:
            op, index, expanded = stack.pop()
            if expanded:
                order.append((op, index))
                continue
            if _key(op, index) in seen:
                continue
            seen.add(_key(op, index))
            stack.append((op, index, True))
            for tensor in reversed(op._inbound_nodes[index].input_tensors):
                parent, parent_index, _ = tensor._keras_history
                stack.append((parent, parent_index, False))
    return order


def _arguments(keras: ModuleType, node: Any) -> Tuple[List[Any], List[Any], List[Any]]:
    """A call's input tensors split into data (positional first), initial states and masks."""
    kwargs = node.arguments.kwargs
    data = _tensors(keras, node.arguments.args)
    for name in sorted(kwargs):
        if name not in ("initial_state", "mask"):
            data += _tensors(keras, kwargs[name])
    return data, _tensors(keras, kwargs.get("initial_state")), _tensors(keras, kwargs.get("mask"))


def _tensors(keras: ModuleType, structure: Any) -> List[Any]:
    if structure is None:
        return []
    return [t for t in keras.tree.flatten(structure) if isinstance(t, keras.KerasTensor)]


def _folded_mask_ops(keras: ModuleType, calls: List[Tuple[Any, int]],
                     outputs: List[Any]) -> Set[_Key]:
    """The raw ops (NotEqual, Any...) that only compute masks; they are not drawn.

    Keras computes Masking/Embedding masks with ops that land in the functional graph
    as operations of their own, although they are not layers.
    """
    marked: Set[_Key] = set()
    for op, index in calls:
        stack = _arguments(keras, op._inbound_nodes[index])[2]
        while stack:
            producer, p_index, _ = stack.pop()._keras_history
            if isinstance(producer, keras.layers.Layer) or _key(producer, p_index) in marked:
                continue
            marked.add(_key(producer, p_index))
            stack.extend(producer._inbound_nodes[p_index].input_tensors)
    for tensor in outputs:
        marked.discard(_key(*tensor._keras_history[:2]))
    changed = True
    while changed:
        # An op whose result is also used as data by a drawn call must be drawn too.
        changed = False
        for op, index in calls:
            if _key(op, index) in marked:
                continue
            data, states, _ = _arguments(keras, op._inbound_nodes[index])
            for tensor in data + states:
                producer, p_index, _ = tensor._keras_history
                if _key(producer, p_index) in marked:
                    marked.discard(_key(producer, p_index))
                    changed = True
    return marked


def _mask_source(keras: ModuleType, mask: Any, data: List[Any],
                 folded: Set[_Key]) -> Tuple[Any, int, int]:
    """The (layer, call, tensor) a mask comes from.

    A mask that travels with a data input (``_keras_mask``) is traced back through the
    layers that pass it on to the layer that made it (Masking, Embedding). Any other mask
    comes from the nearest drawn call above the raw ops that computed it.
    """
    for tensor in data:
        carried = getattr(tensor, "_keras_mask", None)
        if _same_mask(keras, carried, mask):
            while True:
                op, index, _ = tensor._keras_history
                upstream = [u for u in _arguments(keras, op._inbound_nodes[index])[0]
                            if _same_mask(keras, getattr(u, "_keras_mask", None), carried)]
                if not upstream:
                    return tensor._keras_history
                tensor = upstream[0]
    history = mask._keras_history
    while _key(history[0], history[1]) in folded:
        op, index, _ = history
        parents = op._inbound_nodes[index].input_tensors
        if not parents:
            break
        history = parents[0]._keras_history
    return history


def _same_mask(keras: ModuleType, a: Any, b: Any) -> bool:
    """Whether two masks are one tensor, or computed by the same ops from the same tensors.

    A model loaded from a file passes every mask explicitly, as a copy of the ops that built
    it, while its layers compute their own again; both are the same mask. So is a mask the
    user computes exactly as the layer that made the input's mask does.
    """
    if a is b:
        return True
    if a is None or b is None:
        return False
    (op_a, index_a, t_a), (op_b, index_b, t_b) = a._keras_history, b._keras_history
    if isinstance(op_a, keras.layers.Layer) or type(op_a) is not type(op_b) or t_a != t_b:
        return op_a is op_b and index_a == index_b and t_a == t_b
    try:
        settings = [{k: v for k, v in op.get_config().items() if k != "name"} for op in (op_a, op_b)]
    except (NotImplementedError, TypeError, AttributeError):
        return False  # an op that cannot describe itself is only ever the same as itself
    args_a, args_b = (keras.tree.flatten((op._inbound_nodes[i].arguments.args,
                                          op._inbound_nodes[i].arguments.kwargs))
                      for op, i in ((op_a, index_a), (op_b, index_b)))
    return settings[0] == settings[1] and len(args_a) == len(args_b) and all(
        _same_mask(keras, x, y) if isinstance(x, keras.KerasTensor) else _same_value(x, y)
        for x, y in zip(args_a, args_b))


def _same_value(x: Any, y: Any) -> bool:
    """Equal plain arguments (``0 == 0.0``); arrays and other objects only by identity."""
    plain = (bool, int, float, str, type(None))
    return x is y or (isinstance(x, plain) and isinstance(y, plain) and x == y)


def _call_spec(keras: ModuleType, op: Any, index: int, ids: _Ids,
               specs: Dict[_Key, LayerSpec], folded: Set[_Key]) -> LayerSpec:
    node = op._inbound_nodes[index]
    data, states, masks = _arguments(keras, node)
    inbound = [_connection(t, "sequence" if len(t.shape) >= 3 else "vector", slot, ids, specs)
               for slot, t in enumerate(data)]
    inbound += [_connection(t, "state", slot, ids, specs) for slot, t in enumerate(states)]
    for slot, mask in enumerate(masks):
        producer, p_index, p_tensor = _mask_source(keras, mask, data, folded)
        p_id, p_call = ids[_key(producer, p_index)]
        inbound.append(Connection(layer=p_id, call=p_call, tensor=p_tensor, kind="mask",
                                  shape=_shape(mask), slot=slot))
    layer_id, call = ids[_key(op, index)]
    return _describe_layer(
        keras, op, layer_id=layer_id, call=call,
        input_shapes=tuple(c.shape for c in inbound if c.kind != "mask"),
        output_shapes=tuple(_shape(t) for t in node.output_tensors),
        inbound=tuple(inbound), masked=bool(masks))


def _connection(tensor: Any, kind: TensorKind, slot: int, ids: _Ids,
                specs: Dict[_Key, LayerSpec]) -> Connection:
    op, index, t = tensor._keras_history
    producer = specs.get(_key(op, index))
    # The producer's spec holds corrected shapes (Bidirectional), so read it first.
    shape = producer.output_shapes[t] if producer is not None else _shape(tensor)
    layer_id, call = ids[_key(op, index)]
    return Connection(layer=layer_id, call=call, tensor=t, kind=kind, shape=shape, slot=slot)


def _describe_layer(keras: ModuleType, layer: Any, *, layer_id: str, call: int,
                   input_shapes: Tuple[Shape, ...], output_shapes: Tuple[Shape, ...],
                   inbound: Tuple[Connection, ...] = (), masked: bool = False) -> LayerSpec:
    """The LayerSpec of one call of ``layer`` (or of a non-layer Keras operation)."""
    fields: Dict[str, Any] = {}
    class_name = type(layer).__name__
    if isinstance(layer, keras.layers.InputLayer):
        role = "input"
    elif _is_graph_model(keras, layer):
        role = "model"
        class_name = "Sequential" if isinstance(layer, keras.Sequential) else "Functional"
        fields["model"] = _model_spec(keras, layer)
    elif is_recurrent(keras, layer) and input_shapes:
        role = "recurrent"
        if isinstance(layer, keras.layers.Bidirectional):
            real = bidirectional_output_shapes(layer, input_shapes[0])
            output_shapes = real if len(real) == len(output_shapes) else output_shapes
        fields["recurrent"] = recurrent_spec(keras, layer, input_shapes[0], output_shapes, masked)
    elif isinstance(layer, keras.layers.TimeDistributed) and input_shapes:
        role = "per_step"
        fields["wrapped"] = _describe_layer(
            keras, layer.layer, layer_id=layer.layer.name, call=0,
            input_shapes=(_without_time(input_shapes[0]),),
            output_shapes=tuple(_without_time(s) for s in output_shapes))
    else:
        role = role_of(keras, layer, input_shapes, output_shapes)
    is_layer = isinstance(layer, keras.layers.Layer)
    return LayerSpec(
        id=layer_id, name=layer.name, class_name=class_name, role=role,
        input_shapes=input_shapes, output_shapes=output_shapes, inbound=inbound, call=call,
        config=config_summary(layer) if is_layer and role != "model" else (), **fields)


def _without_time(shape: Shape) -> Shape:
    return shape[:1] + shape[2:]
