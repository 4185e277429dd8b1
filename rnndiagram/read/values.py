"""Values mode: run a live model once and collect the numbers the small strips print.

Like the live reader, this module touches Keras (lazily). It returns plain tuples keyed by
``spec.value_key``, so the later stages never see an array library.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from .. import labels
from ..errors import OptionError
from ..spec import LayerSpec, ModelSpec, RecurrentSpec, value_key
from .keras_import import import_keras
from .keras_import import seed_weights as seed_weights  # for the sources, which seed examples
from .legacy import is_keras2_model
from .live import calls_by_id, graph_of

MAX_SHOWN = 8  # a strip prints at most this many numbers: a wider vector's first ones
DEFAULT_STEPS = 4

MAX_VALUES_NUMBERS = 10_000_000
"""The most numbers a values-mode run may make: one batch item of every input and every
layer output, from the spec's shapes (40 MB as float32; Keras's own work takes a few times
that). A model over ten million numbers per sample does not fit in a few strips anyway."""

MAX_VALUES_STEPS = 2_000
"""The longest sequence values mode runs: the states of every recurrent layer are stepped
one timestep at a time in Python (about a millisecond a step), so this bounds the time."""


def sample_input(model: Any, spec: ModelSpec, sample: Any, seed: int, timesteps: Optional[int]) -> List[Any]:
    """The arrays to run: the user's ``sample``, or seeded random input, with batch 1, or the
    model's own batch size where it is fixed (a stateful layer's); the strips show item 0.

    Random floats are rounded to one decimal, like the post's ``0.5 0.4``; token inputs
    draw ids from 1, so no step is masked out. The run is checked against
    :data:`MAX_VALUES_NUMBERS` and :data:`MAX_VALUES_STEPS` before any array is made.
    """
    import numpy as np

    if is_keras2_model(model):
        raise OptionError(f"values mode runs the model with Keras 3, and {getattr(model, 'name', 'it')!r} is a "
                          f"tf_keras (Keras 2) model; draw it without values, or rebuild it with Keras 3")
    inputs = _graph(model).inputs
    batch = next((int(t.shape[0]) for t in inputs if t.shape[0] is not None), 1)
    if sample is not None:
        arrays = _user_sample(sample, inputs, spec)
        check_budget(spec, max((a.shape[1] for a in arrays if a.ndim > 1), default=1))
        # Item 0 is shown; it repeats to fill a fixed batch.
        return [a[np.arange(batch) % len(a)] for a in arrays]
    steps = timesteps or DEFAULT_STEPS
    check_budget(spec, steps)
    rng = np.random.default_rng(seed)
    vocab = {c.layer: l.config_value("input_dim") for l in spec.layers if l.class_name == "Embedding"
             for c in l.inbound}
    arrays = []
    for tensor, ref in zip(inputs, spec.inputs):
        shape = [batch if i == 0 else steps if d is None else d for i, d in enumerate(tensor.shape)]
        if ref.layer in vocab or "int" in str(tensor.dtype):
            high = max(int(vocab.get(ref.layer) or 10), 2)
            arrays.append(rng.integers(1, high, size=shape).astype(str(tensor.dtype)))
        else:
            arrays.append(np.round(rng.uniform(0.1, 1, size=shape), 1).astype("float32"))
    return arrays


def _user_sample(sample: Any, inputs: Sequence[Any], spec: ModelSpec) -> List[Any]:
    """Batch item 0 of each array of ``sample``, checked against the model's inputs."""
    import numpy as np

    arrays = list(sample) if isinstance(sample, (list, tuple)) else [sample]
    if len(arrays) != len(inputs):
        raise OptionError(f"sample has {len(arrays)} array(s) but the model takes {len(inputs)} input(s)")
    chosen = []
    for array, tensor, ref in zip(arrays, inputs, spec.inputs):
        array = np.asarray(array)
        expected = tuple(tensor.shape)
        if array.dtype.kind not in "biuf":
            raise OptionError(f"the sample for input {ref.layer!r} holds {array.dtype} values; "
                              f"values mode runs the model on numbers")
        if array.ndim != len(expected) or array.shape[0] < 1 or any(
                d is not None and d != n for d, n in zip(expected[1:], array.shape[1:])):
            raise OptionError(f"the sample for input {ref.layer!r} has shape {array.shape}, but the model "
                              f"takes {labels.shape_text(expected)}; pass an array of that shape, batch first")
        chosen.append(np.array(array[:1]))
    return chosen


def check_budget(spec: ModelSpec, steps: int) -> None:
    """Refuse a run over :data:`MAX_VALUES_NUMBERS` or :data:`MAX_VALUES_STEPS` before it
    starts; ``steps`` is the length an unknown (``None``) axis is run with."""
    shapes = [shape for layer in spec.layers for shape in layer.output_shapes]
    numbers = sum(math.prod(steps if d is None else d for d in shape[1:]) for shape in shapes)
    longest = max((layer.recurrent.timesteps or steps for layer in spec.recurrent_layers
                   if layer.recurrent is not None), default=0)
    fix = ("draw it without values (--values), or run a shorter sequence (--timesteps for an "
           "unknown length, or a --sample)")
    if longest > MAX_VALUES_STEPS:
        raise OptionError(f"values mode would step the recurrent layers of {spec.name} over {longest:,} "
                          f"timesteps, more than the {MAX_VALUES_STEPS:,} it runs; {fix}")
    if numbers > MAX_VALUES_NUMBERS:
        raise OptionError(f"values mode would make {numbers:,} numbers for one sample of {spec.name}, "
                          f"more than its budget of {MAX_VALUES_NUMBERS:,}; {fix}")


def compute_values(model: Any, spec: ModelSpec, arrays: Sequence[Any]) -> Dict[str, Tuple[float, ...]]:
    """Every layer call's outputs and every recurrent state after every step, for batch item 0."""
    import numpy as np

    keras = import_keras()
    calls, tensors = _calls(model)
    probe = keras.Model(_graph(model).inputs, tensors)
    with states_kept(keras, model):
        outputs = probe(list(arrays), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    # convert_to_numpy: a PyTorch output that requires grad has no numpy() of its own.
    found: Dict[int, Any] = {id(t): keras.ops.convert_to_numpy(o)[0] for t, o in zip(tensors, outputs)}
    for tensor, array in zip(_graph(model).inputs, arrays):
        found[id(tensor)] = np.asarray(array)[0]
    values: Dict[str, Tuple[float, ...]] = {}
    by_id = {l.id: l for l in spec.layers}
    for layer_id, op, node in calls:
        for k, tensor in enumerate(node.output_tensors):
            _store(values, layer_id, k, found[id(tensor)])
        layer = by_id.get(layer_id)
        if layer is not None and layer.recurrent is not None:
            # The sequence is the first argument; initial states and the mask are keywords.
            kwargs = node.arguments.kwargs
            initial = [found.get(id(t)) for t in keras.tree.flatten(kwargs.get("initial_state") or [])] or [
                state[0] for state in kept_states(keras, op)]  # a stateful layer starts from its own
            mask = kwargs.get("mask")
            mask_value = found.get(id(mask)) if mask is not None else None
            values.update(_states(keras, op, layer, found.get(id(node.input_tensors[0])), initial, mask_value))
    return values


@contextmanager
def states_kept(keras: Any, model: Any) -> Iterator[None]:
    """Running a stateful layer overwrites the states it keeps between batches; the user's
    model gets its own back (values mode and the gate view's values both run it)."""
    kept = [(v, keras.ops.convert_to_numpy(v)) for layer in model._flatten_layers()
            if getattr(layer, "stateful", False) for v in keras.tree.flatten(getattr(layer, "states", None) or [])
            if isinstance(v, keras.Variable)]
    try:
        yield
    finally:
        for variable, value in kept:
            variable.assign(value)


def kept_states(keras: Any, layer: Any) -> List[Any]:
    """The states a stateful layer keeps between batches (each direction's, in order), which
    a call without ``initial_state`` starts from; empty for a layer that keeps none."""
    parts = [layer.forward_layer, layer.backward_layer] if hasattr(layer, "forward_layer") else [layer]
    if not all(getattr(part, "stateful", False) for part in parts):
        return []
    return [keras.ops.convert_to_numpy(v) for part in parts
            for v in keras.tree.flatten(getattr(part, "states", None) or [])]


def _graph(model: Any) -> Any:
    return graph_of(import_keras(), model)


def _calls(model: Any) -> Tuple[List[Tuple[str, Any, Any]], List[Any]]:
    """Each drawn call by its spec id, and every tensor to compute: what those calls output,
    and the masks they are given (made by ops that are not drawn)."""
    keras = import_keras()
    calls = calls_by_id(model)
    masks = keras.tree.flatten([node.arguments.kwargs.get("mask") for _, _, node in calls])
    return calls, [t for _, _, node in calls for t in node.output_tensors] + [
        m for m in masks if isinstance(m, keras.KerasTensor)]


def _store(values: Dict[str, Tuple[float, ...]], layer: str, k: int, array: Any) -> None:
    """A vector's first :data:`MAX_SHOWN` numbers, or those of each step of a sequence."""
    if array.ndim == 1:
        values[value_key(layer, k)] = tuple(float(v) for v in array[:MAX_SHOWN])
    elif array.ndim == 2:
        for t, row in enumerate(array, start=1):
            values[value_key(layer, k, t)] = tuple(float(v) for v in row[:MAX_SHOWN])


def _states(keras: Any, op: Any, layer: LayerSpec, seq: Any, initial: Sequence[Any],
            mask: Any = None) -> Dict[str, Tuple[float, ...]]:
    """Step each direction's cell by hand: Keras returns only the last state.

    A masked-out step keeps the state it was given, as Keras's RNN does.
    """
    import numpy as np

    rec = layer.recurrent
    if rec is None or seq is None or seq.ndim != 2:
        return {}
    directions: List[Tuple[Any, RecurrentSpec]] = [(op, rec)]
    if rec.bidirectional and rec.forward is not None and rec.backward is not None:
        directions = [(op.forward_layer, rec.forward), (op.backward_layer, rec.backward)]
    out: Dict[str, Tuple[float, ...]] = {}
    offset = 0
    for d, (rnn, spec) in enumerate(directions):
        sizes = [int(s.shape[-1] or 0) for s in spec.states]
        if not isinstance(rnn, keras.layers.RNN) or any(s.group for s in spec.states) or len(spec.states) != len(
                _flat(rnn.cell.state_size)):
            offset += len(sizes)
            continue
        given = [a for a in initial if a is not None][offset:offset + len(sizes)]
        states = [np.asarray(g)[None] for g in given] if len(given) == len(sizes) else \
            [np.zeros((1, n), "float32") for n in sizes]
        steps = range(seq.shape[0] - 1, -1, -1) if spec.go_backwards else range(seq.shape[0])
        for t in steps:
            if mask is None or bool(np.asarray(mask)[t]):
                _, states = rnn.cell(seq[t][None].astype("float32"), list(states), training=False)
            for i, state in enumerate(states):
                array = keras.ops.convert_to_numpy(state)[0]
                if array.ndim == 1:
                    out[value_key(layer.id, 0, t + 1, state=f"{d}/{i}")] = tuple(float(v) for v in array[:MAX_SHOWN])
        offset += len(sizes)
    return out


def _flat(size: Any) -> List[Any]:
    return list(size) if isinstance(size, (list, tuple)) else [size]
