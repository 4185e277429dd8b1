"""Stage 2, the heatmaps (``heatmap=True``): the numbers of ``read.heat_values`` turned
into one :class:`~.graph.Heatmap` per state (or gate) of each recurrent row drawn."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Dict, Iterator, List, Optional, Tuple

from ..spec import LayerSpec, ModelSpec, Values, heat_key
from .graph import Heatmap, UnrolledGraph

DIRECTIONS = ("forward", "backward")


def heat_parts(values: Values, layer: str) -> List[Tuple[str, str]]:
    """The (part, name) of every heatmap of ``layer`` in ``values``, in the order they were
    computed (directions, cells of a stack, states, then gates)."""
    head, tail = f"{layer}:heat:", ":steps"
    found = []
    for key in values:
        if key.startswith(head) and key.endswith(tail):
            part, name = key[len(head):-len(tail)].split(":", 1)
            found.append((part, name))
    return found


def heatmap_of(values: Values, layer: str, name: str, part: str, name_key: str, panel: int, row: int,
               bidirectional: bool) -> Heatmap:
    """The heatmap of state or gate ``name_key`` of ``layer``'s cell ``part``, drawn on ``row``."""
    steps = tuple(int(t) for t in values[heat_key(layer, part, name_key, "steps")])
    units = tuple(int(u) for u in values[heat_key(layer, part, name_key, "units")])
    flat = values[heat_key(layer, part, name_key, "values")]
    total_steps, total_units, positions = (int(n) for n in values[heat_key(layer, part, name_key, "size")])
    rows = tuple(tuple(flat[i * len(units):(i + 1) * len(units)]) for i in range(len(steps)))
    direction = DIRECTIONS[int(part.split(".")[0])] if bidirectional else None
    state = name_key.split(":", 1)[1] if name_key.startswith("gate:") else name_key
    if "." in part:  # the k-th cell of a stack: its states are h1, h2... as the row's captions say
        state += str(int(part.split(".")[1]) + 1)
    return Heatmap(panel, row, name, state, direction, steps, units, rows, total_steps, total_units, positions)


def _recurrent_layers(spec: ModelSpec, ids: str = "", names: str = "") -> Iterator[Tuple[str, str, LayerSpec]]:
    """Every recurrent layer of ``spec`` and of its nested models: its path of ids (as the
    rows name it), its path of names, and its spec."""
    for layer in spec.layers:
        if layer.model is not None:
            yield from _recurrent_layers(layer.model, ids + layer.id + "/", names + layer.name + "/")
        elif layer.recurrent is not None:
            yield ids + layer.id, names + layer.name, layer


def gate_heatmaps(values: Values, layer: str, part: str, direction: Optional[str] = None) -> Tuple[Heatmap, ...]:
    """The heatmaps of the gates of ``layer``'s cell ``part`` (the gate view's, which draws
    each cell of a stack on its own), one a gate, named by its letter; ``direction`` is a
    Bidirectional's. A call over one step has none, as in :func:`with_heatmaps`."""
    found = (replace(heatmap_of(values, layer, layer, part, name, 0, 0, False), state=name.split(":", 1)[1],
                     direction=direction)
             for key_part, name in heat_parts(values, layer) if key_part == part and name.startswith("gate:"))
    return tuple(hm for hm in found if hm.total_steps > 1)


def with_heatmaps(graph: UnrolledGraph, spec: ModelSpec, values: Optional[Values],
                  tokens: Optional[Tuple[str, ...]] = None) -> UnrolledGraph:
    """``graph`` with a heatmap of each state under each recurrent row it draws (a
    Bidirectional's directions under their own rows, a stack's cells' states under its row),
    its steps labelled with ``tokens`` where given. A call over one step (a layer called once
    per step of a Python loop, whose row is the loop's steps) has none: its strip would be
    one column of one call, not the states over time."""
    if not values:
        return graph
    rows: Dict[str, List[Tuple[int, int]]] = defaultdict(list)
    for panel in graph.panels:
        for row in panel.rows:
            if row.kind == "cells" and row.layer is not None:
                rows[row.layer].append((panel.index, row.index))
    heatmaps = []
    for path, name_path, layer in _recurrent_layers(spec):
        if layer.recurrent is None or path not in rows:
            continue
        for part, name in heat_parts(values, path):
            if name.startswith("gate:"):
                continue
            d = int(part.split(".")[0])
            if d < len(rows[path]):
                panel_index, row_index = rows[path][d]
                hm = heatmap_of(values, path, name_path, part, name, panel_index, row_index,
                                layer.recurrent.bidirectional)
                if hm.total_steps > 1:
                    heatmaps.append(replace(hm, tokens=tuple(tokens or ())))
    return replace(graph, heatmaps=tuple(heatmaps))
