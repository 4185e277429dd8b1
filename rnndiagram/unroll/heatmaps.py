"""Stage 2, the heatmaps (``heatmap=True``): the numbers of ``read.heat_values`` turned
into one :class:`~.graph.Heatmap` per state (or gate) of each recurrent row drawn."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Dict, List, Optional, Tuple

from ..spec import ModelSpec, Values, heat_key
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


def gate_heatmaps(values: Values, layer: str, part: str) -> Tuple[Heatmap, ...]:
    """The heatmaps of the gates of ``layer``'s cell ``part`` (the gate view's, which draws
    each cell of a stack on its own), one a gate, named by its letter."""
    return tuple(replace(heatmap_of(values, layer, layer, part, name, 0, 0, False), state=name.split(":", 1)[1])
                 for key_part, name in heat_parts(values, layer) if key_part == part and name.startswith("gate:"))


def with_heatmaps(graph: UnrolledGraph, spec: ModelSpec, values: Optional[Values],
                  tokens: Optional[Tuple[str, ...]] = None) -> UnrolledGraph:
    """``graph`` with a heatmap of each state under each recurrent row it draws (a
    Bidirectional's directions under their own rows, a stack's cells' states under its row),
    its steps labelled with ``tokens`` where given."""
    if not values:
        return graph
    rows: Dict[str, List[Tuple[int, int]]] = defaultdict(list)
    for panel in graph.panels:
        for row in panel.rows:
            if row.kind == "cells" and row.layer is not None:
                rows[row.layer].append((panel.index, row.index))
    heatmaps = []
    for layer in spec.layers:
        if layer.recurrent is None or layer.id not in rows:
            continue
        for part, name in heat_parts(values, layer.id):
            if name.startswith("gate:"):
                continue
            d = int(part.split(".")[0])
            if d < len(rows[layer.id]):
                panel_index, row_index = rows[layer.id][d]
                hm = heatmap_of(values, layer.id, layer.name, part, name, panel_index, row_index,
                                layer.recurrent.bidirectional)
                heatmaps.append(replace(hm, tokens=tuple(tokens or ())))
    return replace(graph, heatmaps=tuple(heatmaps))
