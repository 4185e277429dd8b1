"""Stage 0 for saved files: a Keras model config (the JSON in a ``.keras`` file) in, the calls
of its layer graph out, in introspection's order and with every output shape.

This mirrors how ``introspect.py`` walks a live graph, so both give the same spec: calls
ordered depth-first from the inputs then the outputs, numbered per layer, the raw ops
that build masks folded away, and masks traced to the layer that made them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from ._saved_calls import Call, Key, Ref, entry_name, is_model, is_op, parse_node, triples
from ._saved_config import Cfg, Unsupported, to_shape
from ._saved_recurrent import bidirectional_shapes, rnn_output_shapes
from ._shape_rules import LAYER_RULES, OP_RULES, RECURRENT_KINDS, CallShapes, is_builtin, sequence_input
from .errors import NotBuiltError, SourceError, UnsupportedLayerError
from .spec import ModelSpec, Shape

MAX_NESTING = 32



class Graph:
    """The layer graph of one model config; ``run()`` infers every call's output shapes."""

    def __init__(self, entry: Cfg, depth: int = 0) -> None:
        if depth > MAX_NESTING:
            raise SourceError(f"{entry.where}: models nested more than {MAX_NESTING} deep")
        self.entry, self.depth = entry, depth
        self.config = entry.sub("config")
        self.name = self.config.str("name")
        self.sequential = entry.raw("class_name") == "Sequential"
        self.layers = self.config.raw("layers")
        if not isinstance(self.layers, list):
            raise self.config.wrong("layers", "a list of layers", self.layers)
        self.entries = [Cfg(item, f"{self.config.where}.layers[{i}]")
                        for i, item in enumerate(self.layers)]
        self.calls: Dict[Key, Call] = {}
        self.inputs: List[Ref] = []
        self.outputs: List[Ref] = []
        self.nested: Dict[str, Graph] = {}
        # A nested model called many times is read once: its spec and its outputs per
        # input shapes are kept, so a file cannot make the reader quadratic.
        self.spec: Optional[ModelSpec] = None
        self._outputs: Dict[Tuple[Shape, ...], Tuple[Shape, ...]] = {}
        if not self.sequential:
            self._parse_functional()

    # Parsing --------------------------------------------------------------------------

    def _parse_functional(self) -> None:
        names: Set[str] = set()
        for entry in self.entries:
            name = entry_name(entry)
            if name in names:
                raise SourceError(f"{entry.where}: two layers are named {name!r}")
            names.add(name)
            nodes = entry.raw("inbound_nodes", [])
            if not isinstance(nodes, list):
                raise entry.wrong("inbound_nodes", "a list", nodes)
            if entry.raw("class_name", None) == "InputLayer":
                self.calls[(name, 0)] = Call((name, 0), entry)
            for index, node in enumerate(nodes):
                if isinstance(node, list):
                    raise SourceError(f"{entry.where}: this file was written by Keras 2 (tf-keras), "
                                      f"whose layer graph rnndiagram does not read; save the model "
                                      f"with Keras 3, or pass the model itself")
                node_where = f"{entry.where}.inbound_nodes[{index}]"
                self.calls[(name, index)] = parse_node((name, index), entry, Cfg(node, node_where))
        self.inputs, self.outputs = ([self._ref(t, key) for t in triples(self.config.raw(key),
                                                                          f"{self.config.where}.{key}")]
                                     for key in ("input_layers", "output_layers"))

    def _ref(self, triple: Tuple[str, int, int], where: str) -> Ref:
        name, node, tensor = triple
        first = self.calls.get((name, 0))
        if first is not None and first.class_name == "Functional":
            # Keras counts a nested functional model's calls from 1 here (a node it no longer
            # makes), and its loader subtracts 1 again (functional_from_config.get_tensor).
            node -= 1
        if (name, node) not in self.calls:
            raise SourceError(f"{self.config.where}.{where} names {name!r} call {node}, "
                              f"which the file does not define")
        return Ref((name, node), tensor)

    # Order and numbering ----------------------------------------------------------------

    def order(self) -> List[Key]:
        """Every call, producers first: depth-first from the inputs, then the outputs."""
        if self.sequential:
            return list(self.calls)
        order: List[Key] = []
        seen: Set[Key] = set()
        for root in self.inputs + self.outputs:
            stack: List[Tuple[Key, bool]] = [(root.key, False)]
            while stack:
                key, expanded = stack.pop()
                if expanded:
                    order.append(key)
                    continue
                if key in seen:
                    continue
                if key not in self.calls:
                    raise SourceError(f"{self.config.where}: a layer call refers to {key[0]!r} call "
                                      f"{key[1]}, which the file does not define")
                seen.add(key)
                stack.append((key, True))
                stack.extend((ref.key, False) for ref in reversed(self.calls[key].parents))
        return order

    # Shapes ----------------------------------------------------------------------------

    def run(self, input_shapes: Optional[Sequence[Shape]] = None) -> "Shapes":
        """Infer the output shapes of every call; ``input_shapes`` replaces the stored ones
        (a nested model called on other shapes), and then stored shapes are not checked."""
        shapes = Shapes(check=input_shapes is None)
        if self.sequential:
            self._run_sequential(shapes, input_shapes)
            return shapes
        order = self.order()
        shapes.order = order
        shapes.folded = folded_mask_ops(self, order)
        given = dict(zip((r.key for r in self.inputs), input_shapes or ()))
        if input_shapes is not None and len(input_shapes) != len(self.inputs):
            raise Unsupported(f"model {self.name!r} called on {len(input_shapes)} inputs "
                              f"while it has {len(self.inputs)}")
        for key in order:
            if key not in shapes.folded:
                self._infer(self.calls[key], shapes, given.get(key))
        for ref in self.inputs + self.outputs:
            shapes.view(ref, self)
        return shapes

    def _run_sequential(self, shapes: Shapes, input_shapes: Optional[Sequence[Shape]]) -> None:
        first = self.entries[0] if self.entries else None
        if first is None or first.raw("class_name", None) != "InputLayer":
            if self.config.raw("build_input_shape", None) is None:
                raise NotBuiltError(
                    f"model {self.name!r} was saved before it was built, so the file holds no "
                    f"input shape; start it with keras.Input(shape=(T, features)) or call "
                    f"model.build((None, T, features)), then save it again")
            raise UnsupportedLayerError(
                f"Sequential model {self.name!r} has no InputLayer to read its input shape from; "
                f"pass --allow-load (allow_load=True) to load the file with Keras instead")
        counts: Dict[str, int] = {}
        previous: Optional[Key] = None
        for entry in self.entries:
            name = entry_name(entry)
            counts[name] = counts.get(name, -1) + 1
            key = (name, counts[name])
            call = Call(key, entry)
            if previous is not None:
                call.args = [Ref(previous, t) for t in range(len(shapes.keras[previous]))]
                call.first = call.parents = list(call.args)
            self.calls[key] = call
            shapes.order.append(key)
            given = input_shapes[0] if input_shapes and previous is None else None
            self._infer(call, shapes, given)
            previous = key
        self.inputs = [Ref(shapes.order[0], 0)]
        self.outputs = [Ref(previous, t) for t in range(len(shapes.keras[previous]))]

    def _infer(self, call: Call, shapes: Shapes, given: Optional[Shape]) -> None:
        entry = call.entry
        if entry.raw("class_name", None) == "InputLayer" and not call.parents:
            shape = given if given is not None else _input_shape(call.config)
            shapes.keras[call.key] = shapes.real[call.key] = (shape,)
            return
        args = tuple(shapes.view(ref, self) for ref in call.args)
        named = {name: tuple(shapes.view(r, self) for r in refs) for name, refs in call.named.items()}
        for ref in call.states:
            shapes.view(ref, self)
        if self.sequential and shapes.check:
            _check_build_config(call, args)
        try:
            values = tuple(map_refs(v, lambda ref: shapes.view(ref, self)) for v in call.values)
            keras_view, real = self.outputs_of(entry, CallShapes(args, named, call.options, values))
        except Unsupported as exc:
            raise unsupported(call, str(exc)) from None
        shapes.keras[call.key], shapes.real[call.key] = keras_view, real

    def outputs_of(self, entry: Cfg, call: CallShapes) -> Tuple[Tuple[Shape, ...], Tuple[Shape, ...]]:
        """Keras's output shapes of one call of ``entry``, and the real ones (they differ only
        for a Bidirectional whose backward layer has other units)."""
        kind = entry.str("class_name")
        if is_op(entry):
            if kind not in OP_RULES:
                raise Unsupported(f"no shape rule for the operation {kind}")
            shapes = OP_RULES[kind](entry.sub("config"), call)
            return shapes, shapes
        if is_model(entry):
            inner = self.nested_graph(entry)
            shapes = inner.output_shapes(call.args + tuple(s for n in sorted(call.named) for s in call.named[n]))
            return shapes, shapes
        if not is_builtin(entry):
            raise Unsupported(f"{kind} is a custom layer, which has no shape rule")
        config = entry.sub("config")
        if kind in RECURRENT_KINDS:
            shapes = rnn_output_shapes(kind, config, call.first)
            return shapes, shapes
        if kind == "Bidirectional":
            keras_view, real = bidirectional_shapes(config, call.first)
            # Like introspection, keep Keras's shapes when the counts differ too (LSTM and GRU).
            return keras_view, real if len(real) == len(keras_view) else keras_view
        if kind == "TimeDistributed":
            outer = sequence_input(call.first, len(call.first), "TimeDistributed")
            if len(outer) < 3:
                raise SourceError(f"{entry.where}: TimeDistributed needs a sequence, got {outer}")
            child = self.outputs_of(config.sub("layer"), CallShapes((outer[:1] + outer[2:],)))[0]
            if len(child) != 1:
                raise Unsupported("a TimeDistributed layer with several outputs")
            shape = (child[0][0], outer[1]) + child[0][1:]
            return (shape,), (shape,)
        if kind in LAYER_RULES:
            shapes = LAYER_RULES[kind](config, call)
            return shapes, shapes
        raise Unsupported(f"rnndiagram has no shape rule for {kind} layers")

    def output_shapes(self, input_shapes: Tuple[Shape, ...]) -> Tuple[Shape, ...]:
        """Keras's shapes of the model's outputs when it is called on ``input_shapes``."""
        if input_shapes not in self._outputs:
            result = self.run(input_shapes)
            self._outputs[input_shapes] = tuple(result.keras[r.key][r.tensor] for r in self.outputs)
        return self._outputs[input_shapes]

    def nested_graph(self, entry: Cfg) -> "Graph":
        name = entry_name(entry)
        if name not in self.nested:
            self.nested[name] = Graph(entry, self.depth + 1)
        return self.nested[name]


@dataclass
class Shapes:
    """The result of :meth:`Graph.run`: calls in order, folded ops, shapes per call."""

    check: bool
    order: List[Key] = field(default_factory=list)
    folded: Set[Key] = field(default_factory=set)
    keras: Dict[Key, Tuple[Shape, ...]] = field(default_factory=dict)
    real: Dict[Key, Tuple[Shape, ...]] = field(default_factory=dict)

    def view(self, ref: Ref, graph: Graph) -> Shape:
        """Keras's view of a tensor's shape, checked against the file's when it states one."""
        outputs = self.keras.get(ref.key)
        if outputs is None:
            raise SourceError(f"{graph.config.where}: {ref.key[0]!r} call {ref.key[1]} is used before "
                              f"it is computed (a cycle, or a call through a folded mask op)")
        if ref.tensor >= len(outputs):
            raise SourceError(f"{graph.config.where}: {ref.key[0]!r} has no output {ref.tensor}")
        shape = outputs[ref.tensor]
        if self.check and ref.shape is not None and ref.shape != shape:
            raise UnsupportedLayerError(
                f"the file states {ref.shape} for output {ref.tensor} of layer {ref.key[0]!r}, but "
                f"rnndiagram's shape rules give {shape}; pass --allow-load (allow_load=True) to "
                f"read the file with Keras instead")
        return shape


def map_refs(value: Any, fn: Callable[[Ref], Any]) -> Any:
    """A stored argument with each :class:`Ref` replaced by ``fn(ref)``."""
    if isinstance(value, Ref):
        return fn(value)
    if isinstance(value, list):
        return [map_refs(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: map_refs(v, fn) for k, v in value.items()}
    return value


def unsupported(call: Call, detail: str) -> UnsupportedLayerError:
    return UnsupportedLayerError(
        f"cannot read layer {call.key[0]!r} ({call.class_name}) without Keras: {detail}; pass "
        f"--allow-load (allow_load=True in the API) to load the file with Keras (safe_mode) instead")


def folded_mask_ops(graph: Graph, order: List[Key]) -> Set[Key]:
    """The raw ops that only compute masks (introspect._folded_mask_ops, over the file)."""
    calls = graph.calls
    marked: Set[Key] = set()
    for key in order:
        stack = list(calls[key].masks)
        while stack:
            ref = stack.pop()
            if not is_op(calls[ref.key].entry) or ref.key in marked:
                continue
            marked.add(ref.key)
            stack.extend(calls[ref.key].parents)
    for ref in graph.outputs:
        marked.discard(ref.key)
    # An op whose result is also used as data by a drawn call must be drawn too.
    queue = [key for key in order if key not in marked]
    while queue:
        call = calls[queue.pop()]
        for ref in call.data + call.states:
            if ref.key in marked:
                marked.discard(ref.key)
                queue.append(ref.key)
    return marked


def _input_shape(config: Cfg) -> Shape:
    if "batch_shape" not in config and "batch_input_shape" in config:
        raise SourceError(f"{config.where}: this file was written by Keras 2 (tf-keras), whose format "
                          f"rnndiagram does not read; save the model with Keras 3")
    return config.shape("batch_shape")


def _check_build_config(call: Call, args: Tuple[Shape, ...]) -> None:
    """A Sequential stores each layer's input shape in ``build_config``; it must agree."""
    build = call.entry.raw("build_config", None)
    stored = build.get("input_shape") if isinstance(build, dict) else None
    if stored is None or len(args) != 1:
        return
    if to_shape(stored, f"{call.entry.where}.build_config.input_shape") != args[0]:
        raise UnsupportedLayerError(
            f"the file states the input shape {tuple(stored)} for layer {call.key[0]!r}, but "
            f"rnndiagram's shape rules give {args[0]}; pass --allow-load (allow_load=True) to "
            f"read the file with Keras instead")

