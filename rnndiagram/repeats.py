"""Runs of identical blocks: found in a model's layers, and folded so that each run is drawn once.

A deep stack (``N x [LSTM, TimeDistributed(Dense)]``) repeats one block of layers N times.
:func:`find_repeats` finds such runs in a spec's layers (no Keras here): ``count`` (at least
2) consecutive blocks of ``period`` layers (at most :data:`MAX_PERIOD`), where each block has
the same classes, settings and shapes in and out as the first (names aside), is wired inside
as the first is, reads only one tensor from outside itself (for every block but the first, the
tensor its predecessor's last layer returns; and masks, each block the same layer's), and where
nothing outside the run reads inside it but what its last layer returns. Runs are chosen
greedily, the one that covers most layers first; the cost is linear in the layers for a
bounded period.

:func:`fold_repeats` turns a spec into the one the views draw: the first block of each run
stands for all, whoever read the run's last layer reads the first block's (its shapes are
the same), and each of the block's layers is named after its first and last copies.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from .spec import LayerSpec, ModelSpec, RepeatSpec, TensorRef

MAX_PERIOD = 8
"""The most layers one repeated block has."""

MIN_COUNT = 2
"""How many blocks a run has at least."""

_Key = Tuple[Any, ...]


def find_repeats(layers: Sequence[LayerSpec], outputs: Sequence[TensorRef] = ()) -> Tuple[RepeatSpec, ...]:
    """The runs of identical blocks among ``layers`` (in topological order), ``outputs`` the
    model's outputs (which no layer inside a run but its last may return), in the order of
    their first layers."""
    n = len(layers)
    position = {layer.id: i for i, layer in enumerate(layers)}
    names: Dict[str, int] = {}
    for layer in layers:
        names[layer.name] = names.get(layer.name, 0) + 1
    foldable = [layer.role != "input" and layer.call == 0 and names[layer.name] == 1 for layer in layers]
    kinds: Dict[str, int] = {}  # each signature as a small number, quick to compare
    signatures = [kinds.setdefault(_signature(layer), len(kinds)) for layer in layers]
    # The first and last positions that read each layer (-1: the model's outputs).
    first, last = [n] * n, [-1] * n
    for i, layer in enumerate(layers):
        for c in layer.inbound:
            if c.layer in position:
                r = position[c.layer]
                first[r], last[r] = min(first[r], i), max(last[r], i)
    for ref in outputs:
        if ref.layer in position:
            first[position[ref.layer]] = -1

    def read_within(q: int, start: int, end: int) -> bool:
        """Whether only positions start .. end - 1 read layer ``q``."""
        return first[q] >= start and last[q] < end

    candidates: List[Tuple[int, int, int]] = []  # (start, period, count)
    for period in range(1, min(MAX_PERIOD, n // MIN_COUNT) + 1):
        for phase in range(period):
            run: List[int] = []
            previous: Optional[_Key] = None
            for start in range(phase, n - period + 1, period):
                key, source = _block(layers, start, period, position, signatures, foldable)
                closed = key is not None and all(read_within(q, start, start + period)
                                                 for q in range(start, start + period - 1))
                linked = bool(run) and closed and key == previous and source is not None \
                    and source[0] == start - 1 and read_within(start - 1, start, start + period)
                if linked:
                    run.append(start)
                else:
                    if len(run) >= MIN_COUNT:
                        candidates.append((run[0], period, len(run)))
                    run = [start] if closed else []
                previous = key
            if len(run) >= MIN_COUNT:
                candidates.append((run[0], period, len(run)))
    return _choose(layers, candidates)


def _choose(layers: Sequence[LayerSpec], candidates: List[Tuple[int, int, int]]) -> Tuple[RepeatSpec, ...]:
    """The runs that cover most layers, greedily (on a tie the shorter block, then the
    earlier run), none overlapping another."""
    taken = [False] * len(layers)
    chosen: List[Tuple[int, int, int]] = []
    for start, period, count in sorted(candidates, key=lambda c: (-c[1] * c[2], c[1], c[0])):
        span = range(start, start + period * count)
        if any(taken[i] for i in span):
            continue
        for i in span:
            taken[i] = True
        chosen.append((start, period, count))
    return tuple(RepeatSpec(count=count, block=tuple(l.id for l in layers[start:start + period]),
                            last=tuple(l.id for l in layers[start + period * (count - 1):start + period * count]))
                 for start, period, count in sorted(chosen))


def _block(layers: Sequence[LayerSpec], start: int, period: int, position: Dict[str, int],
           signatures: List[int], foldable: List[bool]) -> Tuple[Optional[_Key], Optional[Tuple[int, int]]]:
    """The key of the block of ``period`` layers from ``start`` (equal for blocks that repeat
    one another) and the one tensor (position, index) it reads from outside; no key when the
    block cannot repeat (an Input, a shared layer, no tensor or several read from outside)."""
    sources: Set[Tuple[int, int]] = set()
    key: List[Any] = []
    for q in range(start, start + period):
        if not foldable[q]:
            return None, None
        wiring: List[Any] = []
        for c in layers[q].inbound:
            r = position.get(c.layer)
            if r is not None and start <= r < q:
                wiring.append(("in", q - r, c.call, c.tensor, c.kind, c.slot))
            elif c.kind == "mask":  # a mask from outside: the same layer's for every block
                wiring.append(("mask", c.layer, c.call, c.tensor, c.slot))
            else:
                sources.add((-1 if r is None else r, c.tensor))
                wiring.append(("out", c.tensor, c.kind, c.slot, c.shape))
        key.append((signatures[q], tuple(wiring)))
    if len(sources) != 1:
        return None, None
    return tuple(key), next(iter(sources))


def _signature(layer: LayerSpec) -> str:
    """What a layer is, its names and wiring aside: its class, settings, shapes, recurrent
    spec, and what it wraps or nests with their own names replaced by their order."""
    d = layer.to_dict()
    for key in ("id", "name", "inbound", "call"):
        d.pop(key, None)
    d["contains"] = len(layer.contains)
    names: Dict[str, str] = {}
    for key in ("wrapped", "model"):  # the only parts that hold names
        d[key] = _anonymous(d[key], names)
    return json.dumps(d, sort_keys=True)


_NAMING = ("id", "name", "layer", "calls")


def _anonymous(value: Any, names: Dict[str, str]) -> Any:
    """``value`` (a spec's dict) with every name and id in it replaced by the order it first
    comes in, so that two nested models alike but for their names are equal."""
    if isinstance(value, dict):
        return {k: (_renamed(v, names) if k in _NAMING else _anonymous(v, names)) for k, v in value.items()}
    if isinstance(value, list):
        return [_anonymous(v, names) for v in value]
    return value


def _renamed(value: Any, names: Dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    if isinstance(value, str):
        base = value.split("@")[0]
        return names.setdefault(base, f"#{len(names)}") + value[len(base):]
    return value


def members(spec: ModelSpec, repeat: RepeatSpec) -> List[Tuple[str, ...]]:
    """The layer ids of each block of ``repeat``, first to last."""
    start = [layer.id for layer in spec.layers].index(repeat.block[0])
    p = repeat.period
    return [tuple(layer.id for layer in spec.layers[start + j * p:start + (j + 1) * p]) for j in range(repeat.count)]


def fold_repeats(spec: ModelSpec, rename: bool = True) -> Tuple[ModelSpec, Dict[str, RepeatSpec]]:
    """``spec`` with each run drawn once: its first block stands for all (each layer named
    ``first … last`` after its first and last copies, unless not ``rename``), and whatever
    read the run's last layer reads the first block's last layer. Also, for each layer of a
    first block, its run."""
    if not spec.repeats:
        return spec, {}
    dropped: Set[str] = set()
    renamed: Dict[str, str] = {}  # the run's last layer: the first block's last layer
    names: Dict[str, str] = {}
    runs: Dict[str, RepeatSpec] = {}
    for repeat in spec.repeats:
        blocks = members(spec, repeat)
        for block in blocks[1:]:
            dropped.update(block)
        renamed[repeat.last[-1]] = repeat.block[-1]
        for first, last in zip(repeat.block, repeat.last):
            if rename:
                names[first] = f"{spec.layer(first).name} … {spec.layer(last).name}"
            runs[first] = repeat
    layers = tuple(replace(layer, name=names.get(layer.id, layer.name),
                           inbound=tuple(replace(c, layer=renamed.get(c.layer, c.layer)) for c in layer.inbound))
                   for layer in spec.layers if layer.id not in dropped)
    outputs = tuple(replace(ref, layer=renamed.get(ref.layer, ref.layer)) for ref in spec.outputs)
    return replace(spec, layers=layers, outputs=outputs, repeats=()), runs
