"""Stage 0, the live reader: a built Keras 3 model in, its call records and ModelSpec out.

With values mode and the examples, the only code that touches Keras objects. A Keras 2
model never reaches it: the dispatcher (:mod:`rnndiagram.read`) sends that to
:mod:`.legacy`. This module imports no other reader.
"""

from __future__ import annotations

import functools
import sys
import weakref
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

from ..errors import NotAModelError, NotBuiltError, UnsupportedLayerError
from ..spec import ModelSpec, Shape
from .build import build_spec
from .calls import Call, Key, MaskId, Ref, Source, folded_mask_ops, mask_source, number, order
from .keras_import import import_keras
from .layers import ACTIVATIONS, LAYERS, SUMMARY_KEYS
from .view import StateSize


def read_model(model: Any) -> ModelSpec:
    """The :class:`ModelSpec` of a built Keras 3 ``Sequential`` or ``Functional`` model.

    Raises :class:`NotAModelError` for anything that is not a ``keras.Model`` and
    :class:`NotBuiltError` for a model whose input shape is not known yet.
    """
    # A Keras object cannot exist before Keras is imported, so a wrong argument is
    # reported without paying for the TensorFlow import.
    keras = import_keras() if "keras" in sys.modules else None
    if keras is None or not isinstance(model, keras.Model):
        raise NotAModelError(_not_a_model_message(keras, model))
    return _Graph(keras, model).spec()


def calls_by_id(model: Any) -> List[Tuple[str, Any, Any]]:
    """(spec id, layer or op, node) of each drawn call of a built model, in the spec's order."""
    graph = _Graph(import_keras(), model)
    folded = graph.folded()
    ids = number([graph.calls[k] for k in graph.listed if k not in folded])
    return [(ids[k][0], graph.ops[k][0], graph.node(k)) for k in graph.listed if k not in folded]


def _not_a_model_message(keras: Optional[ModuleType], obj: Any) -> str:
    kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
    if keras is not None and isinstance(obj, keras.layers.Layer):
        return (f"rnndiagram.inspect() needs a keras.Model, got the layer {obj.name!r} "
                f"({kind}); wrap it in a model, e.g. "
                f"keras.Sequential([keras.Input(shape=(T, features)), layer])")
    return (f"rnndiagram.inspect() needs a keras.Model, got {kind}; pass a built "
            f"keras.Sequential or a functional keras.Model(inputs, outputs)")


def graph_of(keras: ModuleType, model: Any) -> Any:
    """The functional graph that holds the model's nodes: a Sequential keeps one inside; a
    subclassed model, none, so its ``call`` is traced into one (``trace.trace_model``, once
    a model), with the model's own layers."""
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
    kind = f"a subclassed keras.Model ({type(model).__name__})"
    if not model.built:
        raise NotBuiltError(f"model {model.name!r} is {kind} that has not been called yet, so its shapes are "
                            f"unknown; call it once on a batch of data (model(x)) before drawing it")
    if model not in _SUBCLASSED:
        from .trace import trace_model

        _SUBCLASSED[model] = trace_model(keras, model)
    traced = _SUBCLASSED[model]
    if traced is None:
        raise UnsupportedLayerError(
            f"model {model.name!r} is {kind} whose call cannot run on symbolic inputs, so it has no "
            f"layer graph to read; build it as keras.Model(inputs, outputs)")
    return traced


_SUBCLASSED: "weakref.WeakKeyDictionary[Any, Optional[Any]]" = weakref.WeakKeyDictionary()
"""The functional graph traced from each subclassed model (``None`` where its call cannot
be traced), kept as long as the model is."""


def _is_functional(model: Any) -> bool:
    return isinstance(model, _functional_class())


@functools.lru_cache(maxsize=1)
def _functional_class() -> type:
    from keras.src.models.functional import Functional

    return Functional


@functools.lru_cache(maxsize=None)
def _keras_classes(cls: type) -> Tuple[Tuple[str, ...], bool]:
    """The names of a class's Keras classes, most specific first, and whether it is one of
    Keras's own (not a user's subclass)."""
    return (tuple(c.__name__ for c in cls.__mro__ if c.__module__.startswith("keras.")),
            cls.__module__.startswith("keras.src."))


def _is_graph_model(keras: ModuleType, layer: Any) -> bool:
    return isinstance(layer, keras.Sequential) or _is_functional(layer)


def _key(tensor: Any) -> Key:
    op, index, _ = tensor._keras_history
    return (id(op), index)


def _shape(tensor: Any) -> Shape:
    return tuple(None if d is None else int(d) for d in tensor.shape)


def _ref(tensor: Any) -> Ref:
    return Ref(_key(tensor), tensor._keras_history[2], _shape(tensor))


class _Graph:
    """One model's functional graph, read into call records."""

    def __init__(self, keras: ModuleType, model: Any) -> None:
        self.keras, self.model = keras, model
        self.graph = graph_of(keras, model)
        self.ops: Dict[Key, Tuple[Any, int]] = {}
        for tensor in list(self.graph.inputs) + list(self.graph.outputs):
            op, index, _ = tensor._keras_history
            self.ops[(id(op), index)] = (op, index)
        roots = [_key(t) for t in list(self.graph.inputs) + list(self.graph.outputs)]
        self.listed = order(roots, self._parents)
        self.calls = {key: self._record(key) for key in self.listed}
        self._masks = _Masks(keras)

    def node(self, key: Key) -> Any:
        op, index = self.ops[key]
        return op._inbound_nodes[index]

    def _parents(self, key: Key) -> List[Key]:
        parents: List[Key] = []
        for tensor in self.node(key).input_tensors:
            op, index, _ = tensor._keras_history
            self.ops[(id(op), index)] = (op, index)
            parents.append((id(op), index))
        return parents

    def _record(self, key: Key) -> Call:
        op, index = self.ops[key]
        node = op._inbound_nodes[index]
        args, kwargs = node.arguments.args, node.arguments.kwargs
        refs: Dict[int, Ref] = {}

        def ref(tensor: Any) -> Ref:
            if id(tensor) not in refs:
                refs[id(tensor)] = _ref(tensor)
            return refs[id(tensor)]

        call = Call(key, _LiveView(self.keras, op, node), index)
        call.args = [ref(t) for t in self._tensors(args)]
        call.first = call.args[:len(self._tensors(args[0]))] if args else []
        for name in sorted(kwargs):
            call.add_keyword(name, [ref(t) for t in self._tensors(kwargs[name])])
        call.parents = [ref(t) for t in node.input_tensors]
        return call

    def _tensors(self, structure: Any) -> List[Any]:
        if structure is None:
            return []
        return [t for t in self.keras.tree.flatten(structure) if isinstance(t, self.keras.KerasTensor)]

    def folded(self) -> Set[Key]:
        return folded_mask_ops(self.calls, self.listed, [_key(t) for t in self.graph.outputs])

    def tensor(self, ref: Ref) -> Any:
        return self.node(ref.key).output_tensors[ref.tensor]

    def spec(self) -> ModelSpec:
        folded = self.folded()
        outputs = {key: tuple(_shape(t) for t in self.node(key).output_tensors) for key in self.listed}

        def carried(ref: Ref) -> Optional[MaskId]:
            mask = getattr(self.tensor(ref), "_keras_mask", None)
            return None if mask is None else self._masks.canonical(mask)

        def sources(call: Call) -> List[Source]:
            return [mask_source(self.calls, call, self._masks.canonical(self.tensor(ref)), ref, carried, folded)
                    for ref in call.masks]

        return build_spec(
            self.model.name, "Sequential" if isinstance(self.model, self.keras.Sequential) else "Functional",
            self.calls, self.listed, outputs, [_ref(t) for t in self.graph.inputs],
            [_ref(t) for t in self.graph.outputs], sources, folded, self._output_names())

    def _output_names(self) -> List[Optional[str]]:
        """The keys of a dict of outputs (flattened in sorted order, as Keras flattens it)."""
        struct = getattr(self.graph, "_outputs_struct", None)
        if isinstance(struct, dict) and len(struct) == len(self.graph.outputs):
            return [str(k) for k in sorted(struct)]
        return []


@dataclass
class _Masks:
    """Masks identified by the computation that makes them.

    A model loaded from a file passes every mask explicitly, as a copy of the ops that
    built it, while its layers compute their own again; both are the same mask. So is a
    mask the user computes exactly as the layer that made the input's mask does.
    """

    keras: ModuleType
    _forms: Dict[Tuple[Any, ...], int] = field(default_factory=dict)

    def canonical(self, tensor: Any) -> MaskId:
        op, index, t = tensor._keras_history
        if isinstance(op, self.keras.layers.Layer):
            return ("tensor", id(op), index, t)
        try:
            settings = {k: v for k, v in op.get_config().items() if k != "name"}
        except (NotImplementedError, TypeError, AttributeError):
            return ("tensor", id(op), index, t)  # an op that cannot describe itself is only itself
        arguments = op._inbound_nodes[index].arguments
        values = self.keras.tree.flatten((arguments.args, arguments.kwargs))
        form = (type(op).__name__, _frozen(settings), t,
                tuple(self.canonical(v) if isinstance(v, self.keras.KerasTensor) else _frozen(v) for v in values))
        # Small ids keep comparing and hashing shallow however long an op chain is.
        return ("op", self._forms.setdefault(form, len(self._forms)))


def _frozen(value: Any) -> Any:
    """A plain value as something hashable that compares as Keras's ops would (``0 == 0.0``);
    any other object only as itself."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    return ("object", id(value))


class _LiveView:
    """A Keras layer or op as the spec builder reads it."""

    def __init__(self, keras: ModuleType, obj: Any, node: Any = None) -> None:
        self.keras, self.obj, self.node = keras, obj, node
        # Keras's own classes keep their settings as attributes of the same name, which is
        # much faster than get_config() (tests/test_introspect.py checks both agree).
        self.mro, self.exact = _keras_classes(type(obj))  # type: ignore[arg-type]
        self.op = not isinstance(obj, keras.layers.Layer)
        self.model = _is_graph_model(keras, obj)
        self._config: Any = None

    @property
    def name(self) -> str:
        return self.obj.name

    @property
    def class_name(self) -> str:
        if self.model:
            return "Sequential" if isinstance(self.obj, self.keras.Sequential) else "Functional"
        return type(self.obj).__name__

    def config(self) -> Optional[Dict[str, Any]]:
        if self._config is None:
            try:
                self._config = self.obj.get_config()
            except (NotImplementedError, TypeError, ValueError, AttributeError):
                self._config = False
        return self._config or None

    def setting(self, key: str) -> Any:
        if key in ACTIVATIONS and getattr(self.obj, key, None) is not None:
            return activation_name(getattr(self.obj, key))
        config = None if self.exact else self.config()
        if config is not None and key in config:
            return config[key]
        return getattr(self.obj, key, None)

    def printed_settings(self) -> Optional[Mapping[str, Any]]:
        row = LAYERS.get(type(self.obj).__name__)
        if self.exact and row is not None and row.attributes is not None:
            return {key: self.setting(key) for key in row.attributes}
        config = self.config()
        if config is None:
            return None
        return {key: self.setting(key) if key in ACTIVATIONS else config[key]
                for key in SUMMARY_KEYS if key in config}

    def child(self, key: str) -> "_LiveView":
        return _LiveView(self.keras, getattr(self.obj, key))

    def children(self, key: str) -> Tuple["_LiveView", ...]:
        return tuple(_LiveView(self.keras, c) for c in getattr(self.obj, key))

    def output_shapes(self, inputs: Tuple[Shape, ...]) -> Tuple[Shape, ...]:
        return flat_shapes(self.obj.compute_output_shape(inputs[0] if len(inputs) == 1 else list(inputs)))

    def state_sizes(self) -> Tuple[StateSize, ...]:
        size = self.obj.state_size
        sizes = size if isinstance(size, (list, tuple)) else [size]
        return tuple(_state_size(s) for s in sizes)

    def nested_spec(self) -> ModelSpec:
        return _Graph(self.keras, self.obj).spec()

    def traced_spec(self) -> Optional[ModelSpec]:
        if self.node is None or self.op or self.model:
            return None
        if self.node not in _TRACED:
            from .trace import BATCHES, trace_call

            traced = trace_call(self.keras, self.obj, self.node)
            if traced is not None:
                _TRACED[self.node] = _Graph(self.keras, traced).spec()
            else:  # a call that needs a known batch size: traced at two, what differs unknown
                from .unified import unified

                pair = [trace_call(self.keras, self.obj, self.node, batch) for batch in BATCHES]
                _TRACED[self.node] = None if None in pair else \
                    unified(*(_Graph(self.keras, model).spec() for model in pair))
        return _TRACED[self.node]

    def sublayers(self) -> Tuple["_LiveView", ...]:
        flatten = getattr(self.obj, "_flatten_layers", None)
        if self.op or flatten is None:
            return ()
        return tuple(_LiveView(self.keras, layer) for layer in flatten(include_self=False, recursive=True))

    def weight_shapes(self, input_size: Optional[int]) -> Optional[Tuple[Tuple[str, Tuple[int, ...]], ...]]:
        # A built cell holds its variables: their shapes are the truth, whatever its code.
        return tuple((w.name, tuple(int(d) for d in w.shape)) for w in self.obj.weights)

    def outside_weight_shapes(self) -> Tuple[Tuple[str, Tuple[int, ...]], ...]:
        inside = {id(w) for w in getattr(getattr(self.obj, "cell", None), "weights", ())}
        return tuple((str(getattr(w, "path", w.name)).split("/", 1)[-1], tuple(int(d) for d in w.shape))
                     for w in self.obj.weights if id(w) not in inside)


_TRACED: "weakref.WeakKeyDictionary[Any, Optional[ModelSpec]]" = weakref.WeakKeyDictionary()
"""The spec traced from each call of a custom layer (by the call's Keras node, so it lives as
long as the model), or None where the call cannot be traced. Tracing runs the layer's
``call`` through the backend, the dearest part of reading such a model; a model read again
(drawn again, another view of it) is traced once. A spec is frozen, so it is shared."""


def _state_size(size: Any) -> StateSize:
    if isinstance(size, int):
        return None if size == -1 else (size,)
    return tuple(None if d is None else int(d) for d in size)


def flat_shapes(value: Any) -> Tuple[Shape, ...]:
    """Shapes from a nested structure of shapes (``keras.tree.flatten`` would split them)."""
    if isinstance(value, (list, tuple)) and all(d is None or isinstance(d, int) for d in value):
        return (tuple(None if d is None else int(d) for d in value),)
    return tuple(s for item in value for s in flat_shapes(item))


def activation_name(fn: Any) -> Optional[str]:
    """``"tanh"`` for ``keras.activations.tanh``; a layer or callable object by its class."""
    if fn is None:
        return None
    if isinstance(fn, str):
        return fn
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) else type(fn).__name__

