"""Values mode for the gate view: the real gate activations and states of one timestep.

Like ``values``, this module touches Keras (lazily). It runs the model once to get what
each recurrent layer reads, then steps each cell with its own weights, gate by gate, as
Keras's cells compute them (``tests/test_gate_values.py`` checks every step against
Keras's own cell call), and returns plain tuples keyed by ``spec.gate_key``.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from ..errors import OptionError
from ..spec import CellSpec, ConvSpec, LayerSpec, ModelSpec, RecurrentSpec, gate_key
from .keras_import import import_keras
from .live import calls_by_id, graph_of
from .trace import runnable
from .values import kept_states, states_kept

GateValues = Dict[str, Tuple[float, ...]]
Step = Tuple[List[Any], Dict[str, Any]]
"""One step of one cell: its new states, and its gates by name."""


def compute_gate_values(model: Any, spec: ModelSpec, arrays: Sequence[Any],
                        step: Union[None, int, Mapping[str, Optional[int]]], prefix: str = "") -> GateValues:
    """The gates and states at ``step`` (from 1; default the last) of every recurrent layer's
    cell (its first call), and of every cell called directly (its first call), for batch
    item 0 of ``arrays``; nested models' layers keyed ``outer/inner``. ``step`` is one step
    for every layer, or each layer's by path (a layer not in it: the last).

    The model runs on the whole batch of ``arrays`` (a stateful model's fixed batch size;
    its kept states are restored after), and the cells are stepped on item 0."""
    keras = import_keras()
    chosen = [(layer, op, node, _tensors(keras, layer, node)) for layer, op, node in _first_calls(model, spec)]
    found = probed(keras, model, [parts for _, _, _, parts in chosen], arrays)
    values: GateValues = {}
    for layer, op, node, (inputs, initial, masks) in chosen:
        path = prefix + layer.name
        arrays_in = [found[id(t)] for t in inputs]
        if layer.model is not None:  # a nested model, or the graph a custom layer was traced into
            nested = runnable(keras, op, node, len(arrays_in[0]))
            values.update(compute_gate_values(nested, layer.model, arrays_in, step, prefix=path + "/"))
        elif layer.cell is not None:
            x, states = arrays_in[0][:1], [s[:1] for s in arrays_in[1:]]
            new, gates = _step(op, layer.cell, x, states)
            values.update(_record(path, "0", layer.cell, x, states, gates, new))
        elif layer.recurrent is not None:
            mask = found[id(masks[0])][:1] if masks else None
            # No initial state given: a stateful layer starts from the states it keeps.
            given = [found[id(t)][:1] for t in initial] or [state[:1] for state in kept_states(keras, op)]
            values.update(_layer(op, path, layer.recurrent, arrays_in[0][:1], given, mask, _step_of(step, path)))
        elif layer.wrapped is not None:  # what a TimeDistributed runs: its run on the last outer step
            values.update(_wrapped(op.layer, layer.wrapped, arrays_in[0][:1, -1], step, path + "/"))
    return values


def _wrapped(inner: Any, wrapped: LayerSpec, x: Any, step: Union[None, int, Mapping[str, Optional[int]]],
             prefix: str) -> GateValues:
    """The gate values of what a TimeDistributed runs, on one step ``x`` of its input."""
    if wrapped.model is not None:
        return compute_gate_values(inner, wrapped.model, [x], step, prefix=prefix)
    assert wrapped.recurrent is not None
    path = prefix + wrapped.name
    return _layer(inner, path, wrapped.recurrent, x, [], None, _step_of(step, path))


def _step_of(step: Union[None, int, Mapping[str, Optional[int]]], path: str) -> Optional[int]:
    """The step asked of the layer at ``path``: the one for every layer, or its own."""
    return step.get(path) if isinstance(step, Mapping) else step


def _tensors(keras: Any, layer: LayerSpec, node: Any) -> Tuple[List[Any], List[Any], List[Any]]:
    """What a call reads: its inputs (a recurrent layer's sequence; a cell's input and
    states; a nested model's inputs), the initial states and the mask it is given."""
    kwargs = node.arguments.kwargs
    if layer.recurrent is None or layer.cell is not None:
        return list(node.input_tensors), [], []
    initial = [t for t in keras.tree.flatten(kwargs.get("initial_state") or []) if isinstance(t, keras.KerasTensor)]
    mask = kwargs.get("mask")
    return [node.input_tensors[0]], initial, [mask] if isinstance(mask, keras.KerasTensor) else []


def probed(keras: Any, model: Any, reads: Sequence[Tuple[List[Any], ...]], arrays: Sequence[Any]) -> Dict[int, Any]:
    """Every tensor of ``reads`` (what each call stepped reads: :func:`_tensors`) as a NumPy
    array, by ``id`` of the tensor: one run of a model of ``model``'s graph that outputs
    them, on the whole batch of ``arrays`` (a stateful model's kept states restored after)."""
    import numpy as np

    wanted = list({id(t): t for read in reads for group in read for t in group}.values())
    if not wanted:
        return {}
    probe = keras.Model(graph_of(keras, model).inputs, wanted)
    with states_kept(keras, model):
        outputs = probe([np.asarray(a) for a in arrays], training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {id(t): _np(o) for t, o in zip(wanted, outputs)}


def _first_calls(model: Any, spec: ModelSpec) -> List[Tuple[LayerSpec, Any, Any]]:
    """(layer spec, layer, node) of the first call of every layer the gate view draws."""
    by_id = {l.id: l for l in spec.layers}
    seen = set()
    chosen = []
    for layer_id, op, node in calls_by_id(model):
        layer = by_id.get(layer_id)
        if layer is None or layer.name in seen:
            continue
        wrapped = layer.wrapped
        runs = wrapped is not None and (wrapped.model is not None or
                                        (wrapped.recurrent is not None and not wrapped.recurrent.step))
        if layer.recurrent is not None or layer.cell is not None or layer.model is not None or runs:
            seen.add(layer.name)
            chosen.append((layer, op, node))
    return chosen


def _layer(op: Any, path: str, rec: RecurrentSpec, sequence: Any, given: List[Any], mask: Any,
           step: Optional[int]) -> GateValues:
    """Each direction of a recurrent layer stepped from its initial states to ``step``."""
    length = sequence.shape[1]
    chosen = length if step is None else step
    if chosen > length:
        raise OptionError(f"step={chosen} is past the {length} timesteps that values mode ran layer {path!r} "
                          f"over; choose a step from 1 to {length} (--step), or run a longer --sample")
    values: GateValues = {}
    for d, direction, cells, states in directions_of(op, rec, given):
        for t, k, x, before, gates, new in walk(cells, direction, sequence, states, mask):
            if t + 1 == chosen:
                part = str(d) + (f".{k}" if len(cells) > 1 else "")
                values.update(_record(path, part, direction.cell_specs[k], x, before, gates, new))
                values[gate_key(path, part, "step")] = (float(chosen),)
    return values


def directions_of(op: Any, rec: RecurrentSpec,
                  given: List[Any]) -> Iterator[Tuple[int, RecurrentSpec, List[Any], List[List[Any]]]]:
    """Each direction of a recurrent layer (one, or a Bidirectional's two) that can be
    stepped: its index, its spec, its cells and their initial states (from
    ``given`` in order, each cell's own; zeros where none are given)."""
    import numpy as np

    directions = [(op, rec)]
    if rec.bidirectional and rec.forward is not None and rec.backward is not None:
        directions = [(op.forward_layer, rec.forward), (op.backward_layer, rec.backward)]
    for d, (rnn, direction) in enumerate(directions):
        cells = _cells(rnn.cell)
        if len(cells) != len(direction.cell_specs):
            continue
        states: List[List[Any]] = []
        for k in range(len(direction.cell_specs)):
            count = len([s for s in direction.states if s.group == k])
            mine = given[:count] if len(given) >= count and given else \
                [np.zeros((1,) + tuple(int(d or 1) for d in s.shape[1:]), "float32")
                 for s in direction.states if s.group == k]
            given = given[count:] if len(given) >= count else given
            states.append([_np(s, "float32") for s in mine])
        yield d, direction, cells, states


def walk(cells: List[Any], direction: RecurrentSpec, sequence: Any, states: List[List[Any]],
         mask: Any) -> Iterator[Tuple[int, int, Any, List[Any], Dict[str, Any], List[Any]]]:
    """Every step of every cell of one direction, in the order Keras runs them: the input
    step ``t`` (from 0), the cell ``k`` of a stack, its input, the states before, the gates and the
    states after (a masked step keeps the state it was given, as Keras's RNN does)."""
    import numpy as np

    length = sequence.shape[1]
    order = range(length - 1, -1, -1) if direction.go_backwards else range(length)
    weights = [{w.name: _np(w) for w in cell.weights} for cell in cells]  # read once, not every step
    for t in order:
        x = sequence[:, t]
        for k, (cell, cell_spec) in enumerate(zip(cells, direction.cell_specs)):
            before = states[k]
            new, gates = _step(cell, cell_spec, x, before, weights[k])
            if mask is not None and not bool(np.asarray(mask)[0, t]):
                new = before
            yield t, k, x, before, gates, new
            states[k] = new
            x = new[0]


def _cells(cell: Any) -> List[Any]:
    return list(cell.cells) if hasattr(cell, "cells") else [cell]


def _step(cell: Any, spec: CellSpec, x: Any, states: Sequence[Any],
          weights: Optional[Dict[str, Any]] = None) -> Step:
    """One step of a built-in cell, gate by gate, from its weights (Keras's order of blocks;
    ``weights``, by name as NumPy arrays, when the caller has them already)."""
    import numpy as np

    if spec.figure is None:
        output, new = cell(x, list(states), training=False)
        new = new if isinstance(new, (list, tuple)) else [new]
        return [_np(s) for s in new], {}
    act, rec_act = _activation(cell.activation), _activation(getattr(cell, "recurrent_activation", None))
    weights = weights if weights is not None else {w.name: _np(w) for w in cell.weights}
    kernel, recurrent, bias = weights["kernel"], weights["recurrent_kernel"], weights.get("bias")
    h = states[0]
    if spec.conv is not None:
        return _conv_lstm(cell, spec, x, states, act, rec_act, kernel, recurrent, bias)
    n = len(spec.gates)
    xs = np.split(x @ kernel, n, axis=-1)
    if spec.figure == "gru":
        return _gru(spec, x, h, xs, recurrent, bias, act, rec_act)
    hs = np.split(h @ recurrent, n, axis=-1)
    bs = np.split(bias, n) if bias is not None else [0.0] * n
    z = {g: xs[i] + hs[i] + bs[i] for i, g in enumerate(spec.gates)}
    if spec.figure == "simple_rnn":
        new = act(z["h"])
        return [new], {"h": new}
    return _lstm(z, states[1], act, rec_act)


def _lstm(z: Dict[str, Any], c: Any, act: Any, rec_act: Any) -> Step:
    gates = {"i": rec_act(z["i"]), "f": rec_act(z["f"]), "g": act(z["g"]), "o": rec_act(z["o"])}
    c_new = gates["f"] * c + gates["i"] * gates["g"]
    h_new = gates["o"] * act(c_new)
    return [h_new, c_new], gates


def _gru(spec: CellSpec, x: Any, h: Any, xs: List[Any], recurrent: Any, bias: Any, act: Any, rec_act: Any) -> Step:
    import numpy as np

    units = h.shape[-1]
    if bias is None:
        b_in, b_rec = np.zeros(3 * units, "float32"), np.zeros(3 * units, "float32")
    elif spec.reset_after:
        b_in, b_rec = bias[0], bias[1]
    else:
        b_in, b_rec = bias, np.zeros(3 * units, "float32")
    x_z, x_r, x_h = (xs[i] + b_in[i * units:(i + 1) * units] for i in range(3))
    inner = h @ recurrent[:, :2 * units] + b_rec[:2 * units]
    z = rec_act(x_z + inner[:, :units])
    r = rec_act(x_r + inner[:, units:])
    if spec.reset_after:
        candidate = act(x_h + r * (h @ recurrent[:, 2 * units:] + b_rec[2 * units:]))
    else:
        candidate = act(x_h + (r * h) @ recurrent[:, 2 * units:])
    new = z * h + (1 - z) * candidate
    return [new], {"z": z, "r": r, "h": candidate}


def _conv_lstm(cell: Any, spec: CellSpec, x: Any, states: Sequence[Any], act: Any, rec_act: Any, kernel: Any,
               recurrent: Any, bias: Any) -> Step:
    import numpy as np

    axis = kernel.ndim - 1
    ks, rs = np.split(kernel, 4, axis=axis), np.split(recurrent, 4, axis=axis)
    bs = np.split(bias, 4) if bias is not None else [None] * 4
    padding = spec.conv.padding if spec.conv is not None else "valid"
    z = {}
    for i, gate in enumerate(spec.gates):
        xi = _np(cell.input_conv(x, ks[i], bs[i], padding=padding))
        hi = _np(cell.recurrent_conv(states[0], rs[i]))
        z[gate] = xi + hi
    return _lstm(z, states[1], act, rec_act)


def _activation(fn: Any) -> Any:
    """The cell's own activation, on and back to NumPy arrays."""
    import numpy as np

    if fn is None:
        return lambda v: v
    return lambda v: _np(fn(import_keras().ops.convert_to_tensor(np.asarray(v, "float32"))))


def _record(path: str, part: str, spec: CellSpec, x: Any, before: Sequence[Any], gates: Dict[str, Any],
            after: Optional[Sequence[Any]] = None) -> GateValues:
    """The numbers one step shows: its input, gates and states, for batch item 0. Of a
    feature map, the numbers at one position, which ``position:NAME`` gives: the states' and
    gates' centre, and the input's position at the middle of the window that centre reads
    (with ``padding="valid"`` the input is larger than the states)."""
    import numpy as np

    names = ("h", "c")
    found: GateValues = {}
    after = after if after is not None else (before if not gates else None)
    arrays: Dict[str, Any] = {"x": x, **{g: v for g, v in gates.items()}}
    arrays.update({f"in:{n}": s for n, s in zip(names, before)})
    if after is not None:
        arrays.update({f"out:{n}": s for n, s in zip(names, after)})
    items = {name: _np(array)[0] for name, array in arrays.items()}
    maps = [item.shape[:-1] for name, item in items.items() if name != "x" and item.ndim > 1]
    centre = tuple(d // 2 for d in maps[0]) if maps else None
    for name, item in items.items():
        if spec.conv is not None and item.ndim > 1:
            at = _read_at(spec.conv, centre, item.shape[:-1]) if name == "x" else tuple(d // 2 for d in item.shape[:-1])
            item = item[at]
            found[gate_key(path, part, f"position:{name}")] = tuple(float(c) for c in at)
        found[gate_key(path, part, name)] = tuple(float(v) for v in np.ravel(item))
    return found


def _read_at(conv: ConvSpec, out: Optional[Tuple[int, ...]], shape: Tuple[int, ...]) -> Tuple[int, ...]:
    """The input position at the middle of the window that output position ``out`` reads
    (Keras's ``same`` padding puts the smaller half of the padding first); the input's own
    centre where no output position is known.

    >>> _read_at(ConvSpec((3, 3), (1, 1), "valid", (1, 1)), (7, 7), (16, 16))
    (8, 8)
    >>> _read_at(ConvSpec((4,), (2,), "same", (1,)), (3,), (8,))  # reads 5 to 8, 8 being padding
    (6,)
    """
    if out is None or len(out) != len(shape):
        return tuple(d // 2 for d in shape)
    found = []
    for p, n, k, s, d in zip(out, shape, conv.kernel_size, conv.strides, conv.dilation_rate):
        reach = (k - 1) * d
        before = max((-(-n // s) - 1) * s + reach + 1 - n, 0) // 2 if conv.padding == "same" else 0
        found.append(min(max(p * s - before + reach // 2, 0), n - 1))
    return tuple(found)


def _np(value: Any, dtype: Optional[str] = None) -> Any:
    """A Keras tensor or variable as a NumPy array, on every backend (a PyTorch tensor that
    requires grad refuses ``numpy()``)."""
    array = import_keras().ops.convert_to_numpy(value)
    return array if dtype is None else array.astype(dtype)
