"""Heatmap values: every recurrent layer's states, and its gates, over every timestep.

Like ``values`` and ``gate_values``, this module touches Keras (lazily). It runs the model
once to get what each recurrent layer reads, then steps each direction's cells with the
gate view's stepping (``gate_values.walk``, checked against Keras's own cells), and keeps
only the numbers a heatmap draws: every step up to :data:`MAX_HEAT_STEPS` and every unit up
to :data:`MAX_HEAT_UNITS`, past that an even sample, so memory stays proportional to the
strips drawn. A feature map (ConvLSTM) is kept per channel, its mean over the positions.
Returns plain tuples keyed by ``spec.heat_key``.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Sequence, Tuple

from ..spec import LayerSpec, ModelSpec, RecurrentSpec, Values, heat_key
from .gate_values import _tensors, directions_of, probed, walk
from .keras_import import import_keras
from .live import calls_by_id
from .trace import runnable
from .values import kept_states

MAX_HEAT_STEPS = 200
"""A heatmap draws at most this many steps; a longer sequence is sampled evenly (its first
and last step and the steps the time axis shows always among them)."""

MAX_HEAT_UNITS = 256
"""A heatmap draws at most this many units (channels); more are sampled evenly."""


def sampled(total: int, limit: int, keep: Sequence[int] = ()) -> List[int]:
    """Indices from 0 to ``total - 1``: all of them, or ``limit`` evenly spread ones and
    those of ``keep``.

    >>> sampled(5, 8), sampled(10, 4), sampled(10, 4, keep=[1])
    ([0, 1, 2, 3, 4], [0, 3, 6, 9], [0, 1, 3, 6, 9])
    """
    if total <= limit:
        return list(range(total))
    picked = {round(i * (total - 1) / (limit - 1)) for i in range(limit)}
    return sorted(picked | {k for k in keep if 0 <= k < total})


def compute_heat_values(model: Any, spec: ModelSpec, arrays: Sequence[Any], max_timesteps: int,
                        gates: bool = False, prefix: str = "") -> Values:
    """The states (and with ``gates`` the gate activations) after every step of every call
    of a recurrent layer of ``spec`` and of its nested models (keyed ``outer/inner``), for
    batch item 0 of ``arrays``.

    The steps a time axis of ``max_timesteps`` columns shows are always among those kept."""
    keras = import_keras()
    by_id = {l.id: l for l in spec.layers}
    chosen = [(by_id[i], op, node) for i, op, node in calls_by_id(model)
              if i in by_id and (_stepped(by_id[i]) or by_id[i].model is not None)]
    parts = [_tensors(keras, layer, node) for layer, _, node in chosen]
    found = probed(keras, model, parts, arrays)
    values: Dict[str, Tuple[float, ...]] = {}
    for (layer, op, node), (inputs, initial, masks) in zip(chosen, parts):
        if layer.model is not None:  # a nested model, or the graph a custom layer was traced into
            arrays_in = [found[id(t)] for t in inputs]
            nested = runnable(keras, op, node, len(arrays_in[0]))
            if nested is not None:
                values.update(compute_heat_values(nested, layer.model, arrays_in, max_timesteps, gates,
                                                  prefix + layer.id + "/"))
            continue
        mask = found[id(masks[0])][:1] if masks else None
        given = [found[id(t)][:1] for t in initial] or [state[:1] for state in kept_states(keras, op)]
        assert layer.recurrent is not None
        values.update(_layer(op, prefix + layer.id, layer.recurrent, found[id(inputs[0])][:1], given, mask,
                             max_timesteps, gates))
    return values


def _stepped(layer: LayerSpec) -> bool:
    rec = layer.recurrent
    return rec is not None and layer.cell is None and layer.model is None and not rec.step


def _layer(op: Any, layer_id: str, rec: RecurrentSpec, sequence: Any, given: List[Any], mask: Any,
           max_timesteps: int, gates: bool) -> Values:
    """Each direction's and each cell's states (and gates) at the kept steps."""
    import numpy as np

    length = int(sequence.shape[1])
    shown = [*range(max_timesteps - 2), length - 1]
    steps = sampled(length, MAX_HEAT_STEPS, keep=shown)
    row_of = {t: i for i, t in enumerate(steps)}
    values: Dict[str, Tuple[float, ...]] = {}
    for d, direction, cells, states in directions_of(op, rec, given):
        names = [[s.name for s in direction.states if s.group == k] for k in range(len(cells))]
        kept: Dict[Tuple[int, str], Any] = {}
        units: Dict[Tuple[int, str], Tuple[List[int], Tuple[int, int, int]]] = {}
        for t, k, _x, _before, gate_arrays, new in walk(cells, direction, sequence, states, mask):
            if t not in row_of:
                continue
            arrays = {name: new[i] for i, name in enumerate(names[k][:len(new)])}
            if gates:
                arrays.update({f"gate:{g}": v for g, v in gate_arrays.items()})
            for name, array in arrays.items():
                channels = _channels(array)
                if channels is None:
                    continue
                vector, positions = channels
                if (k, name) not in kept:
                    chosen = sampled(len(vector), MAX_HEAT_UNITS)
                    units[(k, name)] = (chosen, (length, len(vector), positions))
                    kept[(k, name)] = np.zeros((len(steps), len(chosen)), "float64")
                kept[(k, name)][row_of[t]] = vector[units[(k, name)][0]]
        for (k, name), table in kept.items():
            part = str(d) + (f".{k}" if len(cells) > 1 else "")
            chosen, size = units[(k, name)]
            values[heat_key(layer_id, part, name, "steps")] = tuple(float(t + 1) for t in steps)
            values[heat_key(layer_id, part, name, "units")] = tuple(float(u) for u in chosen)
            values[heat_key(layer_id, part, name, "size")] = tuple(float(n) for n in size)
            values[heat_key(layer_id, part, name, "values")] = tuple(float(v) for v in table.ravel())
    return values


def _channels(array: Any) -> Any:
    """Batch item 0 of a state or gate as one number per unit: a vector as it is, a feature
    map as each channel's mean over its positions; with the count of those positions."""
    import numpy as np

    item = np.asarray(array)[0]
    if item.ndim == 0:
        return None
    if item.ndim == 1:
        return item.astype("float64"), 1
    flat = item.reshape(-1, item.shape[-1]).astype("float64")
    return flat.mean(axis=0), math.prod(item.shape[:-1])
