"""Stage 2 helper: a spec with nested models' layers inlined, for ``expand_nested``."""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Optional, Tuple

from .._records import frozen
from ..loops import find_loops
from ..options import DiagramOptions
from ..repeats import fold_repeats
from ..spec import Connection, LayerSpec, LoopSpec, ModelSpec, RepeatSpec, TensorRef


def holds_recurrence(spec: ModelSpec) -> bool:
    """Whether a model, or a model nested in it, has a recurrent layer."""
    return any(l.recurrent is not None or (l.model is not None and holds_recurrence(l.model)) for l in spec.layers)


def inline_nested(spec: ModelSpec, everything: bool = True) -> ModelSpec:
    """The spec with each nested model's layers drawn in place of its one box (with
    ``everything`` false, only those of nested models that hold a recurrent layer).

    Inner layers get ids ``outer/inner`` (``outer@2/inner`` in the third call of the nested
    model) and names ``outer/inner`` whatever the call: a nested model called once per step of a
    Python loop is one more loop, of its recurrent layers' calls, found here and folded like the
    others. The inner input layers disappear (their readers read what the nested model was called
    on) and the nested model's outputs become the inner layers that produce them (a model output
    keeps the nested model's name).
    """
    layers: List[LayerSpec] = []
    loops: List[LoopSpec] = list(spec.loops)
    repeats: List[RepeatSpec] = list(spec.repeats)
    renamed: Dict[Tuple[str, int], Connection] = {}
    names: Dict[Tuple[str, int], str] = {}  # what a nested model's output is called when drawn
    for layer in spec.layers:
        inbound = tuple(_renamed(c, renamed) for c in layer.inbound)
        if layer.model is None or not (everything or holds_recurrence(layer.model)):
            layers.append(replace(layer, inbound=inbound))
            continue
        inner = inline_nested(layer.model, everything)
        prefix = f"{layer.id}/"
        loops += [replace(loop, layer=prefix + loop.layer, calls=tuple(prefix + c for c in loop.calls))
                  for loop in inner.loops]  # a loop inside stays a loop, to be folded
        repeats += [replace(r, block=tuple(prefix + i for i in r.block), last=tuple(prefix + i for i in r.last))
                    for r in inner.repeats]  # and so does a run of blocks
        outer_inputs = [c for c in inbound if c.kind in ("sequence", "vector")]
        feeds = {ref.layer: outer_inputs[i] for i, ref in enumerate(inner.inputs) if i < len(outer_inputs)}
        for child in inner.layers:
            if child.role == "input":
                continue
            conns = tuple(replace(feeds[c.layer], slot=c.slot) if c.layer in feeds
                          else replace(c, layer=prefix + c.layer) for c in child.inbound)
            layers.append(replace(child, id=prefix + child.id, name=f"{layer.name}/{child.name}", inbound=conns))
        for k, ref in enumerate(inner.outputs):
            source = feeds.get(ref.layer)
            renamed[(layer.id, k)] = source or Connection(prefix + ref.layer, 0, ref.tensor, "vector", ref.shape)
            names[(layer.id, k)] = layer.name + (f" [{k}]" if len(inner.outputs) > 1 else "")
    outputs = tuple(_renamed_ref(o, renamed, names) for o in spec.outputs)
    looped = {call for loop in loops for call in loop.calls}
    loops += [loop for loop in find_loops(layers) if not looped & set(loop.calls)]
    return replace(spec, layers=tuple(layers), outputs=outputs, loops=tuple(loops), repeats=tuple(repeats))


def drawn_spec(spec: ModelSpec, options: DiagramOptions) -> Tuple[ModelSpec, Dict[str, RunsInside],
                                                                   Dict[str, RepeatSpec]]:
    """What the unrolled and rolled views draw of ``spec``: its runs of identical blocks
    folded (``fold_repeats``; not in values mode, where each block has its own numbers),
    then its nested models inlined (``expand_nested``), with the runs inside them folded
    too. Also what each TimeDistributed layer runs, and the run of each first block's layer."""
    fold = options.fold_repeats and not options.values
    spec, repeats = fold_repeats(spec) if fold else (spec, {})
    runs: Dict[str, RunsInside] = {}
    if options.expand_nested is not False:
        everything = bool(options.expand_nested)
        spec = inline_nested(spec, everything)
        if fold:
            spec, inner = fold_repeats(spec)
            repeats.update(inner)
        spec, runs = inline_time_distributed(spec, everything)
    return spec, runs, repeats


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


def inline_time_distributed(spec: ModelSpec, everything: bool = True) -> Tuple[ModelSpec, Dict[str, RunsInside]]:
    """The spec with what each ``TimeDistributed`` runs at every step drawn once, beside
    it: the layers of a wrapped model (with ``everything`` false, only a model that holds
    a recurrent layer), or a wrapped recurrent layer over its own time axis. The inner
    layers get ids ``outer/inner`` and keep their own Input (one step of the outer
    sequence); the TimeDistributed layer stays, one box per step, and learns what it runs."""
    layers: List[LayerSpec] = []
    runs: Dict[str, RunsInside] = {}
    for layer in spec.layers:
        inner = _inner_model(layer, everything)
        if inner is not None:
            prefix = f"{layer.id}/"
            inner = inline_nested(inner, everything)
            for child in inner.layers:
                conns = tuple(replace(c, layer=prefix + c.layer) for c in child.inbound)
                layers.append(replace(child, id=prefix + child.id, name=prefix + child.name, inbound=conns))
            out = inner.outputs[0]
            steps = layer.input_shapes[0][1] if len(layer.input_shapes[0]) > 1 else None
            runs[layer.id] = RunsInside(prefix + out.layer, out.tensor, steps,
                                        tuple(prefix + ref.layer for ref in inner.inputs))
        layers.append(layer)
    return replace(spec, layers=tuple(layers)), runs


@frozen
class RunsInside:
    """What a TimeDistributed layer runs, drawn beside it: the inner output (``layer``,
    ``tensor``), the outer steps it runs for, and the inner Inputs (each one step)."""

    layer: str
    tensor: int
    steps: Optional[int]
    inputs: Tuple[str, ...]


def _inner_model(layer: LayerSpec, everything: bool) -> Optional[ModelSpec]:
    """The model a TimeDistributed layer runs at every step, when it is drawn: its wrapped
    model, or a model of one Input and its wrapped recurrent layer."""
    wrapped = layer.wrapped
    if wrapped is None:
        return None
    if wrapped.model is not None:
        return wrapped.model if everything or holds_recurrence(wrapped.model) else None
    if wrapped.recurrent is None or wrapped.recurrent.step or not wrapped.input_shapes:
        return None
    shape = wrapped.input_shapes[0]
    source = f"{wrapped.name}_input"
    step_input = LayerSpec(id=source, name=source, class_name="InputLayer", role="input",
                           input_shapes=(), output_shapes=(shape,))
    rnn = replace(wrapped, id=wrapped.name, inbound=(Connection(source, 0, 0, "sequence", shape),))
    return ModelSpec(name=wrapped.name, class_name="Functional", inputs=(TensorRef(source, 0, shape),),
                     outputs=(TensorRef(wrapped.name, 0, wrapped.output_shapes[0]),), layers=(step_input, rnn))
