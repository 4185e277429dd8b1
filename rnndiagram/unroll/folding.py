"""Stage 2 helper: how the loops of a model are folded into time axes.

A loop (``ModelSpec.loops``) is a recurrent layer or cell called once per step. Folded, its
calls are the cells of one row over a time axis of as many steps as there were calls, and
every other layer the loop runs once per step is a row over that axis too. Which step a
layer belongs to follows from the graph: a layer that a call needs runs before it in that
call's step; a layer that only reads a call runs after it, in its step, and so does one
that the next call needs when it also leads to a model output without passing another call
(an autoregressive prediction fed back). Its row is its layer, for a layer called at every
step, or its class and rank among the step's other layers of that class, for one made anew
at every step (the ops of ``tf.expand_dims(x, 1)``). Rows are those of a step in the middle
of the loop (of both steps, for a loop of two); a layer with no such row is drawn outside,
as it would be without folding.
A loop whose steps do not all have those rows is not folded, and the drawing says why.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import field
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

from .._records import record
from ..spec import LayerSpec, LoopSpec, ModelSpec

RowKey = Tuple[str, str]
"""A row of a folded loop: ``("cell", layer)`` for a loop's cells, ``("pre" | "post", key)``
for a layer run before or after the step's calls, its key the layer's name (a layer called
at every step) or class, and its rank among the step's layers of that name or class
(``Dense#0``, ``ExpandDims#1``)."""


@record
class Fold:
    """One time axis made of loops: ``loops`` (each a row of cells), ``steps`` calls each,
    ``rows`` bottom to top, and for each layer drawn on it its step (1-based) and row."""

    loops: Tuple[LoopSpec, ...]
    steps: int
    rows: List[RowKey] = field(default_factory=list)
    place: Dict[str, Tuple[int, RowKey]] = field(default_factory=dict)

    @property
    def members(self) -> Set[str]:
        return set(self.place)

    def at(self, step: int, row: RowKey) -> Optional[str]:
        """The layer drawn at ``step`` in ``row``, if there is one."""
        for layer_id, (k, r) in self.place.items():
            if k == step and r == row:
                return layer_id
        return None


def plan_folds(spec: ModelSpec) -> List[Fold]:
    """The time axes the loops of ``spec`` fold into (loops of one length whose calls take
    turns share one), leaving out any loop that cannot be folded."""
    return plan_loops(spec)[0]


UNLIKE_STEPS = "its steps run different layers"
BETWEEN = "layers between its calls are no step of it"
IN_A_CYCLE = "layers outside it come between its calls"


def plan_loops(spec: ModelSpec) -> Tuple[List[Fold], Dict[str, str]]:
    """The folds of :func:`plan_folds`, and why each loop left out cannot be folded, by the id
    of its first call: what the drawing says beside that call."""
    folds: List[Fold] = []
    why: Dict[str, str] = {}
    for group in _groups(spec):
        plan = _plan(spec, group)
        if isinstance(plan, Fold):
            folds.append(plan)
        else:
            why.update({loop.calls[0]: plan for loop in group})
    return folds, why


def left_out(planned: Sequence[Fold], order: Sequence["Unit"]) -> Dict[str, str]:
    """Why each fold ``planned`` but not in the drawing ``order`` (:func:`schedule` left it
    out, caught in a cycle) is not drawn, by the id of each of its loops' first call."""
    drawn = [unit for unit in order if isinstance(unit, Fold)]
    return {loop.calls[0]: IN_A_CYCLE for fold in planned if not any(fold is d for d in drawn)
            for loop in fold.loops}


def _groups(spec: ModelSpec) -> List[Tuple[LoopSpec, ...]]:
    """Loops of equal length whose k-th calls all come between their (k-1)-th and (k+1)-th:
    stacked layers called in one loop (two ConvLSTM forecasters)."""
    position = {layer.id: i for i, layer in enumerate(spec.layers)}
    groups: List[List[LoopSpec]] = []
    for loop in spec.loops:
        for group in groups:
            if all(_take_turns(loop, other, position) for other in group):
                group.append(loop)
                break
        else:
            groups.append([loop])
    return [tuple(g) for g in groups]


def _take_turns(a: LoopSpec, b: LoopSpec, position: Dict[str, int]) -> bool:
    if len(a.calls) != len(b.calls):
        return False
    pa, pb = [position[c] for c in a.calls], [position[c] for c in b.calls]
    return all(pa[k] < pb[k + 1] and pb[k] < pa[k + 1] for k in range(len(pa) - 1))


def _plan(spec: ModelSpec, loops: Tuple[LoopSpec, ...]) -> Union[Fold, str]:
    """The fold of ``loops``, or why there is none."""
    n = len(loops[0].calls)
    step_of_call = {call: k + 1 for loop in loops for k, call in enumerate(loop.calls)}
    layers = spec.layers
    readers: Dict[str, List[str]] = defaultdict(list)
    for layer in layers:
        for conn in layer.inbound:
            readers[conn.layer].append(layer.id)
    after: Dict[str, int] = {}  # the last step whose calls a layer reads (0: none)
    for layer in layers:
        after[layer.id] = step_of_call.get(layer.id) or max((after[c.layer] for c in layer.inbound), default=0)
    before: Dict[str, int] = {}  # the first step whose calls read the layer (n + 1: none)
    for layer in reversed(layers):
        before[layer.id] = step_of_call.get(layer.id) or min((before[r] for r in readers[layer.id]), default=n + 1)
    why = UNLIKE_STEPS
    for outputs_after in (True, False):  # the second, where the first makes a step unlike the others
        place = _places(layers, _sides(spec, step_of_call, after, before, readers, outputs_after))
        carried = {row for lid, (k, row) in place.items() if row[0] == "pre" and after[lid] == k - 1 >= 1}
        fold = _fold(loops, layers, place, carried)
        if fold is None:
            continue
        if not any(after[l.id] >= 1 and before[l.id] <= n for l in layers
                   if l.id not in fold.place):  # what the loop reads and feeds is on it
            return fold
        why = BETWEEN
    return why


def _fold(loops: Tuple[LoopSpec, ...], layers: Sequence[LayerSpec], place: Dict[str, Tuple[int, RowKey]],
          carried: Set[RowKey]) -> Optional[Fold]:
    """The fold of these places, if every step in the middle of the loop has the same rows."""
    n = len(loops[0].calls)
    middle = n // 2 + 1
    rows = [place[l.id][1] for l in layers if l.id in place and place[l.id][0] == middle]
    if n <= 2:  # no step between the first and the last: the rows both have, and those that
        first = {row for k, row in place.values() if k == 1}  # carry the first step into the second
        rows = [row for row in rows if row in first or row in carried]
    kept = set(rows)
    if any({row for k2, row in place.values() if k2 == k} != kept for k in range(2, n)):
        return None  # a step in the middle of the loop is not like the others
    return Fold(loops, n, rows, {lid: where for lid, where in place.items() if where[1] in kept})


def _sides(spec: ModelSpec, step_of_call: Dict[str, int], after: Dict[str, int], before: Dict[str, int],
           readers: Dict[str, List[str]], outputs_after: bool) -> Dict[str, Tuple[int, str, str]]:
    """For each layer drawn on the loop: its step, its part (``cell``, ``pre``: before the
    call of its step, ``post``: after it) and the base of its row's key (its name if the layer
    is shared, else its class). A layer between two calls goes before the later one, or with
    ``outputs_after`` after the earlier one if it leads to a model output (a prediction fed
    back as the next input). Layers that the first call and later ones read (an encoder's
    output) come before the loop."""
    n = max(step_of_call.values())
    last: Dict[str, int] = {}  # the last step whose calls read the layer; what the first step and
    for layer in reversed(spec.layers):  # later ones read (an encoder's output) comes before the loop
        last[layer.id] = step_of_call.get(layer.id) or max((last[r] for r in readers[layer.id]), default=0)
    to_output = _reach_outputs(spec, step_of_call) if outputs_after else set()
    shared = _shared_names(spec.layers)
    sides: Dict[str, Tuple[int, str, str]] = {}
    for layer in spec.layers:
        a, b = after[layer.id], before[layer.id]
        base = layer.name if layer.name in shared else layer.class_name
        if layer.id in step_of_call:
            sides[layer.id] = (step_of_call[layer.id], "cell", layer.name)
        elif layer.role != "input" and not (a == 0 and (b > n or last[layer.id] > b)):
            before_call = b <= n and not (a >= 1 and b == a + 1 and layer.id in to_output)
            sides[layer.id] = (b, "pre", base) if before_call else (a, "post", base)
    return sides


def _places(layers: Sequence[LayerSpec], sides: Dict[str, Tuple[int, str, str]]) -> Dict[str, Tuple[int, RowKey]]:
    """Each layer's step and row: a cell's row is its layer's; the others are told apart by
    their rank among the layers of their step, part and base."""
    place: Dict[str, Tuple[int, RowKey]] = {}
    ranks: Dict[Tuple[int, str, str], int] = defaultdict(int)
    for layer in layers:
        if layer.id not in sides:
            continue
        step, part, base = sides[layer.id]
        if part == "cell":
            place[layer.id] = (step, ("cell", base))
            continue
        place[layer.id] = (step, (part, f"{base}#{ranks[(step, part, base)]}"))
        ranks[(step, part, base)] += 1
    return place


def _reach_outputs(spec: ModelSpec, calls: Dict[str, int]) -> Set[str]:
    """The layers that lead to a model output without passing through a loop's call."""
    by_id = {layer.id: layer for layer in spec.layers}
    found: Set[str] = set()
    stack = [o.layer for o in spec.outputs if o.layer not in calls]
    while stack:
        layer_id = stack.pop()
        if layer_id in found:
            continue
        found.add(layer_id)
        stack.extend(c.layer for c in by_id[layer_id].inbound if c.layer not in calls)
    return found


def _shared_names(layers: Sequence[LayerSpec]) -> Set[str]:
    counts: Dict[str, int] = defaultdict(int)
    for layer in layers:
        counts[layer.name] += 1
    return {name for name, count in counts.items() if count > 1}


Unit = Union[LayerSpec, Fold]


def schedule(spec: ModelSpec, folds: List[Fold]) -> List[Unit]:
    """The layers and folded loops in an order to draw them: each after everything it
    reads, each loop as one piece, otherwise as the spec lists them. A loop that would have
    to come both before and after a layer outside it is left unfolded."""
    while True:
        order = _order(spec, folds)
        if isinstance(order, list):
            return order
        folds = [f for f in folds if f is not order]


def _order(spec: ModelSpec, folds: List[Fold]) -> Union[List[Unit], Fold]:
    """The order, or the fold caught in a cycle."""
    unit_of: Dict[str, int] = {}
    units: List[Unit] = []
    first: List[int] = []
    for fold in folds:
        for layer_id in fold.place:
            unit_of[layer_id] = len(units)
        units.append(fold)
        first.append(min(i for i, l in enumerate(spec.layers) if l.id in fold.place))
    for i, layer in enumerate(spec.layers):
        if layer.id not in unit_of:
            unit_of[layer.id] = len(units)
            units.append(layer)
            first.append(i)
    needs: Dict[int, Set[int]] = defaultdict(set)
    for layer in spec.layers:
        for conn in layer.inbound:
            a, b = unit_of[conn.layer], unit_of[layer.id]
            if a != b:
                needs[b].add(a)
    waiting = {u: len(needs[u]) for u in range(len(units))}
    readers: Dict[int, List[int]] = defaultdict(list)
    for u, deps in needs.items():
        for d in deps:
            readers[d].append(u)
    ready = [(first[u], u) for u in range(len(units)) if waiting[u] == 0]
    heapq.heapify(ready)
    done: List[Unit] = []
    while ready:
        _, u = heapq.heappop(ready)
        done.append(units[u])
        for r in readers[u]:
            waiting[r] -= 1
            if waiting[r] == 0:
                heapq.heappush(ready, (first[r], r))
    if len(done) < len(units):  # only a fold can close a cycle: the layers alone have none
        return next(folds[u] for u in range(len(folds)) if waiting[u] > 0)
    return done
