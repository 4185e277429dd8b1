"""Stage 0 for saved files: a Keras model config (the JSON in a ``.keras`` file) in, its call
records with every output shape out, and from them the ModelSpec.

A file stores the shape of every tensor a call reads but not what the model outputs, so
output shapes come from the layer table's rules; a layer without a rule (a ``Lambda``, a
custom layer, a class newer than rnndiagram) takes the shapes the layers that read it
recorded, and only a layer nobody reads is then an error.
"""

from __future__ import annotations

from dataclasses import field
from typing import Dict, List, Optional, Sequence, Set, Tuple

from ..._records import record
from ...errors import NotBuiltError, SourceError, UnsupportedLayerError
from ...spec import ModelSpec, Shape
from ..build import build_spec
from ..calls import Call, Key, Ref, Unsupported, folded_mask_ops, order, unsupported
from ..layers import LayerKind, kind_of
from ..recurrent import cells, directions
from ..rules.base import CallShapes, conv_output_shape, sequence_input
from ..config import Cfg, entry_name, to_shape
from .masks import Masks
from .nodes import map_refs, parse_node, triples
from .view import FileView

MAX_NESTING = 32
MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Graph:
    """The layer graph of one model config; ``run()`` infers every call's output shapes."""

    def __init__(self, entry: Cfg, depth: int = 0, keras2: bool = False) -> None:
        if depth > MAX_NESTING:
            raise SourceError(f"{entry.where}: models nested more than {MAX_NESTING} deep")
        self.entry, self.depth = entry, depth
        self.keras2 = keras2
        """Translated from a Keras 2 config (see ``keras2.py``)."""
        self.implicit_masks = keras2 or entry.raw("class_name") == "Sequential"
        """Whether masks pass from tensor to tensor unstated, as in a Sequential or a Keras 2
        functional config (Keras 3 states each mask a functional call is given)."""
        self.config = entry.sub("config")
        self.name = self.config.str("name")
        self.sequential = entry.raw("class_name") == "Sequential"
        layers = self.config.raw("layers")
        if not isinstance(layers, list):
            raise self.config.wrong("layers", "a list of layers", layers)
        self.entries = [Cfg(item, f"{self.config.where}.layers[{i}]") for i, item in enumerate(layers)]
        self.calls: Dict[Key, Call] = {}
        self.inputs: List[Ref] = []
        self.outputs: List[Ref] = []
        self.hints: List[Shape] = []
        """The shapes of the model's outputs as the model that holds it records them."""
        self.output_names: List[Optional[str]] = []
        """The keys of a dict of outputs, in Keras's flattening order."""
        self.recorded: Dict[Key, Dict[int, Shape]] = {}
        """The shapes of each call's outputs as the calls that read them record them."""
        self.nested: Dict[str, Graph] = {}
        # A nested model called many times is read once: its spec and its outputs per
        # input shapes are kept, so a file cannot make the reader quadratic.
        self.spec: Optional[ModelSpec] = None
        self._outputs: Dict[Tuple[Shape, ...], Tuple[Shape, ...]] = {}
        if self.sequential:
            self._parse_sequential()
        else:
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
                self.calls[(name, 0)] = Call((name, 0), FileView(entry, self))
            for index, node in enumerate(nodes):
                if not isinstance(node, dict):
                    raise SourceError(f"{entry.where}.inbound_nodes[{index}]: expected a call "
                                      f"(an object of args and kwargs), got {str(node)[:60]}")
                where = f"{entry.where}.inbound_nodes[{index}]"
                self.calls[(name, index)] = parse_node((name, index), index, FileView(entry, self), Cfg(node, where))
        self.inputs, self.outputs = ([self._ref(t, key) for t in triples(self.config.raw(key),
                                                                          f"{self.config.where}.{key}")]
                                     for key in ("input_layers", "output_layers"))
        stored = self.config.raw("output_layers")
        if isinstance(stored, dict) and len(stored) == len(self.outputs):
            self.output_names = [str(k) for k in sorted(stored)]
        for call in self.calls.values():
            for ref in call.parents:
                if ref.shape is not None:
                    self.recorded.setdefault(ref.key, {})[ref.tensor] = ref.shape

    def _ref(self, triple: Tuple[str, int, int], where: str) -> Ref:
        name, node, tensor = triple
        first = self.calls.get((name, 0))
        if first is not None and first.view.class_name == "Functional":
            # Keras counts a nested functional model's calls from 1 here (a node it no longer
            # makes), and its loader subtracts 1 again (functional_from_config.get_tensor).
            node -= 1
        if (name, node) not in self.calls:
            raise SourceError(f"{self.config.where}.{where} names {name!r} call {node}, "
                              f"which the file does not define")
        return Ref((name, node), tensor)

    def _parse_sequential(self) -> None:
        """A Sequential lists its layers in calling order, each reading the one before."""
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
            call = Call(key, FileView(entry, self), counts[name])
            if previous is not None:
                call.args = call.first = call.parents = [Ref(previous, 0)]
                stored = _build_input_shape(entry)
                if stored is not None:
                    self.recorded.setdefault(previous, {})[0] = stored
            self.calls[key] = call
            previous = key
        self.inputs = [Ref((entry_name(first), 0), 0)]
        self.outputs = [Ref(previous, 0)] if previous is not None else []

    # Order -----------------------------------------------------------------------------

    def listed(self) -> List[Key]:
        """Every call, producers first: depth-first from the inputs, then the outputs."""
        if self.sequential:
            return list(self.calls)
        return order((r.key for r in self.inputs + self.outputs), self._parents)

    def _parents(self, key: Key) -> List[Key]:
        if key not in self.calls:
            raise SourceError(f"{self.config.where}: a layer call refers to {key[0]!r} call "
                              f"{key[1]}, which the file does not define")
        return [ref.key for ref in self.calls[key].parents]

    # Shapes ----------------------------------------------------------------------------

    def run(self, input_shapes: Optional[Sequence[Shape]] = None) -> "Shapes":
        """Infer the output shapes of every call; ``input_shapes`` replaces the stored ones
        (a nested model called on other shapes), and then stored shapes are not checked."""
        shapes = Shapes(check=input_shapes is None)
        shapes.order = self.listed()
        shapes.folded = set() if self.sequential else folded_mask_ops(
            self.calls, shapes.order, (r.key for r in self.outputs))
        if input_shapes is not None and len(input_shapes) != len(self.inputs):
            raise Unsupported(f"model {self.name!r} called on {len(input_shapes)} inputs "
                              f"while it has {len(self.inputs)}")
        given = dict(zip((r.key for r in self.inputs), input_shapes or ()))
        for key in shapes.order:
            if key not in shapes.folded:
                self._infer(self.calls[key], shapes, given.get(key))
        if self.sequential and self.outputs:
            # A Sequential's outputs are all those of its last layer (a GRU returning its state).
            last = self.outputs[0].key
            self.outputs = [Ref(last, t) for t in range(len(shapes.keras[last]))]
        for ref in self.inputs + self.outputs:
            shapes.view(ref, self)
        return shapes

    def _infer(self, call: Call, shapes: "Shapes", given: Optional[Shape]) -> None:
        view = call.view
        assert isinstance(view, FileView)
        if view.class_name == "InputLayer" and not call.parents:
            shape = given if given is not None else _input_shape(view.config)
            shapes.keras[call.key] = (shape,)
            return
        args = tuple(shapes.view(ref, self) for ref in call.args)
        named = {name: tuple(shapes.view(r, self) for r in refs) for name, refs in call.named.items()}
        for ref in call.states:
            shapes.view(ref, self)
        if self.sequential and shapes.check:
            _check_build_config(call, args)
        values = tuple(map_refs(v, lambda ref: shapes.view(ref, self)) for v in call.values)
        try:
            shapes.keras[call.key] = self.rule_shapes(view, CallShapes(args, named, call.options, values))
        except Unsupported as exc:
            shapes.keras[call.key] = self._recorded_shapes(call, str(exc), shapes.check)
            self._hint_nested(view, args, shapes.keras[call.key])

    def _recorded_shapes(self, call: Call, detail: str, stored: bool) -> Tuple[Shape, ...]:
        """A call's output shapes as the calls that read them record them (and, for this
        model's outputs, as the model that holds this one records them)."""
        recorded = dict(self.recorded.get(call.key, {})) if stored else {}
        for ref, shape in zip(self.outputs, self.hints):
            if ref.key == call.key and stored:
                recorded.setdefault(ref.tensor, shape)
        count = max(recorded, default=-1) + 1
        returned = [r.tensor for r in self.outputs if r.key == call.key]
        if count == 0 or len(recorded) < count or any(t >= count for t in returned):
            raise unsupported(call, f"{detail}, and no layer that reads it records the shapes it gives")
        return tuple(recorded[t] for t in range(count))

    def rule_shapes(self, view: FileView, call: CallShapes) -> Tuple[Shape, ...]:
        """Keras's output shapes of one call of ``view``, by the layer table's rules."""
        kind = view.class_name
        if view.op:
            from ..rules.ops import OPS  # the operations' table, for a graph that has any

            rule = OPS.get(kind)
            if rule is None:
                raise Unsupported(f"rnndiagram has no shape rule for the operation {kind}")
            return rule(view.config, call)
        if view.model:
            inner = self.nested_graph(view.entry)
            return inner.output_shapes(call.args + tuple(s for n in sorted(call.named) for s in call.named[n]))
        row = kind_of(view.mro)
        if row is None and not view.mro:
            raise Unsupported(f"{kind} is a custom layer, which has no shape rule")
        if row is None:
            raise Unsupported(f"rnndiagram has no shape rule for {kind} layers")
        if row.recurrent is not None:
            return _recurrent_shapes(view, row, call.first)
        if row.states and not row.spatial:  # a cell called directly: its output, then its states
            return ((call.first[0], view.config.int("units")),) * (1 + len(row.states))
        if row.wraps is not None:
            return self._wrapper_shapes(view, row.wraps, call)
        if row.shape is None:
            raise Unsupported(f"rnndiagram has no shape rule for {kind} layers")
        return row.shape(view.config, call)

    def _wrapper_shapes(self, view: FileView, wraps: str, call: CallShapes) -> Tuple[Shape, ...]:
        """The shapes of a layer that runs others: on each step (TimeDistributed), as they
        are (SpectralNormalization), or one after the other (Pipeline)."""
        if wraps == "same":
            return self.rule_shapes(view.child("layer"), call)
        if wraps == "chain":
            shapes = call.args
            for inner in view.children("layers"):
                shapes = self.rule_shapes(inner, CallShapes(shapes))
                if len(shapes) != 1:
                    raise Unsupported(f"a {view.class_name} of a layer with several outputs")
            return shapes
        outer = call.first
        if len(outer) < 3:
            raise SourceError(f"{view.entry.where}: {view.class_name} needs a sequence, got {outer}")
        child = self.rule_shapes(view.child("layer"), CallShapes((outer[:1] + outer[2:],)))
        if len(child) != 1:
            raise Unsupported(f"a {view.class_name} layer with several outputs")
        return ((child[0][0], outer[1]) + child[0][1:],)

    def outputs_of(self, entry: Cfg, inputs: Tuple[Shape, ...]) -> Tuple[Shape, ...]:
        return self.rule_shapes(FileView(entry, self), CallShapes(inputs))

    def output_shapes(self, input_shapes: Tuple[Shape, ...]) -> Tuple[Shape, ...]:
        """Keras's shapes of the model's outputs when it is called on ``input_shapes``; a
        layer inside whose shapes are unknown is :class:`Unsupported` for the caller, which
        may know them from what reads the model's outputs."""
        if input_shapes not in self._outputs:
            stored = self.stored_input_shapes()
            try:
                result = self.run(None if input_shapes == stored else input_shapes)
            except UnsupportedLayerError as exc:
                raise Unsupported(f"a layer of the nested model {self.name!r} has no shape rule ({exc})") from None
            self._outputs[input_shapes] = tuple(result.keras[r.key][r.tensor] for r in self.outputs)
        return self._outputs[input_shapes]

    def _hint_nested(self, view: FileView, inputs: Tuple[Shape, ...], outputs: Tuple[Shape, ...]) -> None:
        """Tell a nested model the shapes of its outputs that this graph's calls record, when it
        was called on the shapes it was built for (directly, or on each step of a sequence)."""
        row = kind_of(view.mro)
        per_step = row is not None and row.wraps == "step"
        model = view.child("layer") if per_step else view
        if not model.model:
            return
        inner = self.nested_graph(model.entry)
        if per_step:
            inputs = tuple(s[:1] + s[2:] for s in inputs)
            outputs = tuple(s[:1] + s[2:] for s in outputs)
        if inputs == inner.stored_input_shapes() and len(outputs) == len(inner.outputs):
            inner.hints = list(outputs)

    def stored_input_shapes(self) -> Tuple[Shape, ...]:
        return tuple(_input_shape(self.calls[r.key].view.config)  # type: ignore[attr-defined]
                     for r in self.inputs)

    def nested_graph(self, entry: Cfg) -> "Graph":
        name = entry_name(entry)
        if name not in self.nested:
            self.nested[name] = Graph(entry, self.depth + 1, self.keras2)
        return self.nested[name]

    def nested_spec(self, entry: Cfg) -> ModelSpec:
        return model_spec(self.nested_graph(entry))


@record
class Shapes:
    """The result of :meth:`Graph.run`: calls in order, folded ops, Keras's shapes per call."""

    check: bool
    order: List[Key] = field(default_factory=list)
    folded: Set[Key] = field(default_factory=set)
    keras: Dict[Key, Tuple[Shape, ...]] = field(default_factory=dict)

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


def model_spec(graph: Graph) -> ModelSpec:
    """The spec of the model whose graph this is, as the live reader gives for the live model."""
    if graph.spec is None:
        shapes = graph.run()
        masks = Masks(graph, shapes)

        graph.spec = build_spec(graph.name, "Sequential" if graph.sequential else "Functional",
                                graph.calls, shapes.order, shapes.keras, graph.inputs, graph.outputs,
                                masks.visit, shapes.folded, graph.output_names)
    return graph.spec


def merge_mode(config: Cfg) -> Optional[str]:
    mode = config.raw("merge_mode", "concat")
    if mode not in MERGE_MODES:
        raise config.wrong("merge_mode", "one of concat, sum, mul, ave or null", mode)
    return mode


def _recurrent_shapes(view: FileView, row: LayerKind, inputs: Shape) -> Tuple[Shape, ...]:
    """Keras's output shapes of a recurrent layer: the output, then its states if returned."""
    assert row.recurrent is not None
    if row.recurrent.kind == "Bidirectional":
        return _bidirectional_shapes(view, inputs)
    if view.config.bool("time_major", False):
        # Keras 2's time-major layers read (time, batch, ...) and return the sequence so.
        shapes = _batch_major_shapes(view, row, time_major(inputs))
        first = time_major(shapes[0]) if view.config.bool("return_sequences", False) else shapes[0]
        return (first,) + shapes[1:]
    return _batch_major_shapes(view, row, inputs)


def time_major(shape: Shape) -> Shape:
    """A shape with its first two axes swapped (time-major to batch-major, and back)."""
    return shape[1:2] + shape[:1] + shape[2:] if len(shape) >= 2 else shape


def _batch_major_shapes(view: FileView, row: LayerKind, inputs: Shape) -> Tuple[Shape, ...]:
    assert row.recurrent is not None
    config, rank = view.config, row.recurrent.conv
    if rank:
        inputs = sequence_input(inputs, rank + 3, view.class_name)
        step = conv_output_shape(config, inputs[:1] + inputs[2:], rank, config.int("filters"))[1:]
        states: Tuple[Shape, ...] = ((inputs[0],) + step,) * 2
    else:
        inputs = sequence_input(inputs, 3, view.class_name)
        found = cells(view, row)
        last = found[-1].sizes[0]
        step = (last[-1] if last else None,)
        states = tuple((inputs[0],) + (size or ()) for cell in found for size in cell.sizes)
    out = inputs[:2] + step if config.bool("return_sequences", False) else inputs[:1] + step
    return (out,) + (states if config.bool("return_state", False) else ())


def _bidirectional_shapes(view: FileView, inputs: Shape) -> Tuple[Shape, ...]:
    """Keras's view of a Bidirectional call's outputs, computed from the forward layer alone
    (keras-team/keras#23688); the spec builder works out the real ones."""
    (forward, frow), _ = directions(view)
    fwd = _recurrent_shapes(forward, frow, inputs)  # type: ignore[arg-type]
    mode = merge_mode(view.config)
    out = fwd[0]
    states = fwd[1:] + fwd[1:] if forward.setting("return_state") else ()
    if mode == "concat":
        return (out[:-1] + (None if out[-1] is None else out[-1] * 2,),) + states
    if mode is None:
        return (out, out) + states
    return (out,) + states


def _input_shape(config: Cfg) -> Shape:
    if "batch_shape" not in config and "batch_input_shape" in config:
        raise SourceError(f"{config.where}: this file was written by Keras 2 (tf-keras), whose format "
                          f"rnndiagram does not read; save the model with Keras 3")
    return config.shape("batch_shape")


def _build_input_shape(entry: Cfg) -> Optional[Shape]:
    build = entry.raw("build_config", None)
    stored = build.get("input_shape") if isinstance(build, dict) else None
    if stored is None:
        return None
    return to_shape(stored, f"{entry.where}.build_config.input_shape")


def _check_build_config(call: Call, args: Tuple[Shape, ...]) -> None:
    """A Sequential stores each layer's input shape in ``build_config``; it must agree."""
    view = call.view
    assert isinstance(view, FileView)
    stored = _build_input_shape(view.entry)
    if stored is None or len(args) != 1:
        return
    if stored != args[0]:
        raise UnsupportedLayerError(
            f"the file states the input shape {stored} for layer {call.key[0]!r}, but "
            f"rnndiagram's shape rules give {args[0]}; pass --allow-load (allow_load=True) to "
            f"read the file with Keras instead")

