"""The loops of a model (found by the readers, and again by the unroller among the calls of
a nested model): a recurrent layer or cell called once per step of a Python loop, each call
reading what the call before it computed.

A Keras graph holds no loop, only the calls a loop made: ``lstm(x_t, initial_state=[h, c])``
ten times is ten calls of one layer. They form a loop when each is one step (a cell called
directly, or a layer on a one-step sequence) and each depends on the call before it, by
its states or through the layers between (an attention over the previous state), or when
each runs over a whole sequence from the states the call before returned. Calls on whole
sequences that hand no states on (a siamese encoder called on two inputs) are not a loop.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

from .spec import LayerSpec, LoopSpec, RecurrentSpec

MIN_CALLS = 2
"""Calls a loop has at least."""


def find_loops(layers: Sequence[LayerSpec]) -> Tuple[LoopSpec, ...]:
    """The loops among ``layers`` (in topological order), in the order their first call comes."""
    position = {layer.id: i for i, layer in enumerate(layers)}
    by_name: Dict[str, List[LayerSpec]] = {}
    for layer in layers:
        if layer.recurrent is not None:
            by_name.setdefault(layer.name, []).append(layer)
    found: List[LoopSpec] = []
    for name, calls in by_name.items():
        calls.sort(key=lambda c: c.call)
        run: List[LayerSpec] = calls[:1]
        carried = True
        for before, after in zip(calls, calls[1:]):
            by_state = any(c.kind == "state" and c.layer == before.id for c in after.inbound)
            if not (one_step(after.recurrent) or by_state):
                found += _loop(name, run, carried)  # whole sequences: a loop only when states are carried
                run, carried = [after], True
                continue
            if by_state or _depends(after, before.id, layers, position):
                run.append(after)
                carried = carried and by_state
                continue
            found += _loop(name, run, carried)
            run, carried = [after], True
        found += _loop(name, run, carried)
    return tuple(sorted(found, key=lambda loop: position[loop.calls[0]]))


def _loop(name: str, run: List[LayerSpec], carried: bool) -> List[LoopSpec]:
    if len(run) < MIN_CALLS:
        return []
    return [LoopSpec(layer=name, calls=tuple(c.id for c in run), carries_state=carried)]


def one_step(rec: Optional[RecurrentSpec]) -> bool:
    """Whether a call is one step: a cell called directly, or a recurrent layer on a sequence
    of one step."""
    assert rec is not None
    return rec.step or rec.timesteps == 1


def _depends(layer: LayerSpec, on: str, layers: Sequence[LayerSpec], position: Dict[str, int]) -> bool:
    """Whether ``layer`` reads, through any path, what the layer ``on`` computed. Only layers
    listed between the two can be on such a path, so the search stays between them."""
    by_id = {l.id: l for l in layers[position[on]:position[layer.id] + 1]}
    seen: Set[str] = set()
    stack = [layer.id]
    while stack:
        current = by_id[stack.pop()]
        for conn in current.inbound:
            if conn.layer == on:
                return True
            if conn.layer in by_id and conn.layer not in seen:
                seen.add(conn.layer)
                stack.append(conn.layer)
    return False
