"""Stage 0, the one spec builder: call records in, a ModelSpec out.

Both readers end here, so a model read from a file and the live model give the same spec.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from ..repeats import find_repeats
from ..spec import Connection, ConfigValue, LayerSpec, ModelSpec, Role, Shape, TensorKind, TensorRef
from .calls import Call, Key, Ref, Source, Unsupported, folded_mask_ops, number, unsupported
from .cells import direct_cell_spec
from .layers import (INPUT, MERGE, PER_STEP, SEQUENCE, SUMMARY_KEYS, TOKENS, WRAPPER, LayerKind, kind_named,
                     kind_of)
from ..loops import find_loops
from .recurrent import bidirectional_outputs, cell_spec, is_cell, recurrent_spec
from .view import LayerView

MaskSources = Callable[[Call], List[Source]]
"""Where each mask passed to a call comes from; called once per drawn call, in order."""


def build_spec(name: str, class_name: str, calls: Mapping[Key, Call], listed: Sequence[Key],
               outputs: Mapping[Key, Tuple[Shape, ...]], inputs: Sequence[Ref], results: Sequence[Ref],
               masks: MaskSources, folded: Optional[Set[Key]] = None,
               names: Sequence[Optional[str]] = ()) -> ModelSpec:
    """The spec of a model: its calls (``listed`` in order, ``outputs`` Keras's shapes of
    each call's outputs), its input and output tensors (``names`` those the user gave its
    outputs), and where its masks come from."""
    folded = folded_mask_ops(calls, listed, (r.key for r in results)) if folded is None else folded
    drawn = [calls[key] for key in listed if key not in folded]
    ids = number(drawn)
    specs: Dict[Key, LayerSpec] = {}
    for call in drawn:
        try:
            specs[call.key] = _call_spec(call, outputs, ids, specs, masks(call))
        except Unsupported as exc:
            raise unsupported(call, str(exc)) from None
    layers = tuple(specs.values())
    refs = tuple(replace(_tensor_ref(r, ids, specs), name=n)
                 for r, n in zip(results, tuple(names) + (None,) * len(results)))
    return ModelSpec(
        name=name, class_name=class_name,
        inputs=tuple(_tensor_ref(r, ids, specs) for r in inputs),
        outputs=refs,
        layers=layers,
        loops=find_loops(layers),
        repeats=find_repeats(layers, refs),
    )


def _tensor_ref(ref: Ref, ids: Dict[Key, Tuple[str, int]], specs: Dict[Key, LayerSpec]) -> TensorRef:
    return TensorRef(layer=ids[ref.key][0], tensor=ref.tensor, shape=specs[ref.key].output_shapes[ref.tensor])


def _call_spec(call: Call, outputs: Mapping[Key, Tuple[Shape, ...]], ids: Dict[Key, Tuple[str, int]],
               specs: Dict[Key, LayerSpec], masks: List[Source]) -> LayerSpec:
    def connection(ref: Ref, kind: TensorKind, slot: int) -> Connection:
        producer = specs.get(ref.key)
        # The producer's spec holds the real shapes (Bidirectional), so it is read first.
        shape = producer.output_shapes[ref.tensor] if producer else outputs[ref.key][ref.tensor]
        layer_id, n = ids[ref.key]
        return Connection(layer=layer_id, call=n, tensor=ref.tensor, kind=kind, shape=shape, slot=slot)

    data, states = _arguments(call)
    inbound = [connection(r, "sequence" if len(outputs[r.key][r.tensor]) >= 3 else "vector", slot)
               for slot, r in enumerate(data)]
    inbound += [connection(r, "state", slot) for slot, r in enumerate(states)]
    for slot, (key, tensor, shape) in enumerate(masks):
        layer_id, n = ids[key]
        inbound.append(Connection(layer=layer_id, call=n, tensor=tensor, kind="mask", shape=shape, slot=slot))
    layer_id, n = ids[call.key]
    return describe(call.view, layer_id=layer_id, call=n,
                    input_shapes=tuple(c.shape for c in inbound if c.kind != "mask"),
                    output_shapes=outputs[call.key], inbound=tuple(inbound), masked=bool(masks))


def _arguments(call: Call) -> Tuple[List[Ref], List[Ref]]:
    """A call's data and its initial states. A cell called directly takes its states as
    the arguments after its input (``cell(x, [h, c])``) or as ``states=``."""
    if not is_cell(call.view, None if call.view.op else kind_of(call.view.mro)):
        return call.data, call.states
    # By position, not by tensor: the input may also be a state (``cell(h, [h, c])``).
    data = call.first or call.args[:1]
    return data, call.states + call.data[len(data):]


def describe(view: LayerView, *, layer_id: str, call: int, input_shapes: Tuple[Shape, ...],
             output_shapes: Tuple[Shape, ...], inbound: Tuple[Connection, ...] = (),
             masked: bool = False) -> LayerSpec:
    """The LayerSpec of one call of a layer (or of a raw ``keras.ops`` operation)."""
    fields: Dict[str, Any] = {}
    row = None if view.op else kind_of(view.mro)
    if row is not None and row.role == INPUT:
        role: Role = "input"
    elif view.model:
        role = "model"
        fields["model"] = view.nested_spec()
    elif row is not None and row.recurrent is not None and input_shapes:
        role = "recurrent"
        if row.recurrent.kind == "Bidirectional":
            real = bidirectional_outputs(view, input_shapes[0])
            # Keep Keras's shapes when the counts differ too (LSTM states against GRU's).
            output_shapes = real if len(real) == len(output_shapes) else output_shapes
        fields["recurrent"] = recurrent_spec(view, row, input_shapes[0], output_shapes, masked)
    elif is_cell(view, row) and input_shapes:
        role = "recurrent"
        fields["recurrent"] = cell_spec(view, row, input_shapes[0], output_shapes)
        if row is not None and row.gates is not None:  # a built-in cell: its gates and weights
            fields["cell"] = direct_cell_spec(view, row, input_shapes[0])
    elif row is not None and row.role == WRAPPER and input_shapes:
        role = "per_step"
        inner = view.child("layer")
        # Keras hands the inner layer each step's slice of the mask (TimeDistributed.call).
        fields["wrapped"] = describe(
            inner, layer_id=inner.name, call=0, input_shapes=(_without_time(input_shapes[0]),),
            output_shapes=tuple(_without_time(s) for s in output_shapes), masked=masked)
    elif row is None and not view.op and _owns_recurrence(view) and (traced := view.traced_spec()) is not None:
        role = "model"  # what it runs, recurrent layers and cells with their shapes, as a nested graph
        fields["model"] = traced
    else:
        role = role_of(row, input_shapes, output_shapes)
        if row is not None and row.steps is not None:
            fields["steps"] = row.steps
        if row is None and not view.op:
            fields["contains"] = owned_recurrent(view)
            # A custom class the reader cannot see into (read from a file): what it does
            # is not known, and the spec says so rather than guess.
            fields["code_not_run"] = not view.mro
    return LayerSpec(
        id=layer_id, name=view.name, class_name=view.class_name, role=role,
        input_shapes=input_shapes, output_shapes=output_shapes, inbound=inbound, call=call,
        config=summary(view) if not view.op and not view.model else (), **fields)


def owned_recurrent(view: LayerView) -> Tuple[str, ...]:
    """The recurrent layers a custom layer owns, as ``LSTM(64)``: they run inside its
    ``call``, where no graph shows them (their cells are not listed apart)."""
    found = []
    for sub, sub_row in _recurrent_sublayers(view):
        if sub_row.recurrent is not None:
            units = sub.setting("units")
            found.append(f"{sub.class_name}({units})" if units is not None else sub.class_name)
    return tuple(found)


def with_table_steps(spec: ModelSpec) -> ModelSpec:
    """A spec read from a file that may predate the layers' ``steps`` and the model's
    ``repeats``: each layer without steps gets its class's from the layer table (those of
    nested models and wrapped layers too), and a model without runs of blocks is searched
    for them (a spec written with none found has none to find)."""
    layers = tuple(_table_steps(layer) for layer in spec.layers)
    return replace(spec, layers=layers, repeats=spec.repeats or find_repeats(layers, spec.outputs))


def _table_steps(layer: LayerSpec) -> LayerSpec:
    row = kind_named(layer.class_name)
    return replace(layer, steps=layer.steps or (row.steps if row is not None else None),
                   wrapped=_table_steps(layer.wrapped) if layer.wrapped is not None else None,
                   model=with_table_steps(layer.model) if layer.model is not None else None)


def _recurrent_sublayers(view: LayerView) -> Iterator[Tuple[LayerView, LayerKind]]:
    """The recurrent layers and cells a custom layer owns, with their rows of the table."""
    for sub in view.sublayers():
        sub_row = kind_of(sub.mro)
        if sub_row is not None and (sub_row.recurrent is not None or is_cell(sub, sub_row)):
            yield sub, sub_row


def _owns_recurrence(view: LayerView) -> bool:
    """Whether a custom layer owns a recurrent layer or a cell, which its ``call`` runs."""
    return next(_recurrent_sublayers(view), None) is not None


def role_of(row: Optional[LayerKind], input_shapes: Tuple[Shape, ...], output_shapes: Tuple[Shape, ...]) -> Role:
    """The role of a layer that is neither an input, a nested model nor recurrent: by its
    row, and by the rank of its tensors (a layer without a row is a band over a sequence)."""
    rank = len(input_shapes[0]) if input_shapes else 0
    kind = row.role if row is not None else None
    if kind == MERGE:
        return "merge"
    if kind == WRAPPER:
        return "per_step"
    if kind == TOKENS:
        return "per_step" if rank >= 2 else "vector"
    if kind == PER_STEP:
        return "per_step" if rank >= 3 else "vector"
    if kind == SEQUENCE:
        longest = max((len(s) for s in input_shapes + output_shapes), default=0)
        return "whole_sequence" if longest >= 3 else "vector"
    return "whole_sequence" if rank >= 3 else "vector"


def summary(view: LayerView) -> Tuple[Tuple[str, ConfigValue], ...]:
    """The printed settings the layer has (``layers.SUMMARY_KEYS``), in their order."""
    settings = view.printed_settings()
    if settings is None:
        # A custom layer whose settings cannot be read is still drawn, just unannotated.
        return ()
    found = []
    for key in SUMMARY_KEYS:
        if key in settings:
            value = jsonable(settings[key])
            if value is not ...:
                found.append((key, value))
    return tuple(found)


def jsonable(value: Any) -> Any:
    """The value as str/int/float/bool/None or nested tuples of those; ``...`` if it is not."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        items = tuple(jsonable(v) for v in value)
        return ... if ... in items else items
    return ...


def _without_time(shape: Shape) -> Shape:
    return shape[:1] + shape[2:]

