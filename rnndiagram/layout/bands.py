"""Stage 3, layout: where the bands go, as a layered drawing of the graph they form.

Each band (a time axis with its layers, or a stack of layers after the sequences have
collapsed) is a node of a graph whose edges are the tensors passed between bands. Three
phases place them: :func:`layering` ranks the bands by that graph (longest path, so a band
is above every band it reads); :func:`ordering` orders the bands of one rank by the
barycentre of the bands they read; :func:`placement` packs each rank, in that order, side
by side while it fits the width budget, on shelves stacked bottom to top, a band centred
over what it reads where its neighbours leave room.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import field
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from .._records import record

WIDTH = 1600.0
"""The width a diagram may take at default settings."""

GAP = 48.0
"""Between two bands side by side."""


@record
class Shelf:
    """A row of bands side by side; ``bands`` left to right, ``x`` their left edges."""

    index: int
    bands: List[int] = field(default_factory=list)
    x: Dict[int, float] = field(default_factory=dict)


def layering(count: int, links: Iterable[Tuple[int, int]]) -> Dict[int, int]:
    """The layering phase: each band's rank.

    Takes the band count and the links ``(a, b)``, band ``b`` reads band ``a``. Guarantees a
    rank for every band ``0 .. count - 1``: 0 for a band that reads no other, else one more
    than the highest band it reads, so a band ranks above every band it reads. A link that
    would close a cycle (possible only through a band that both reads and is read by
    another) is left out, so the ranking always ends."""
    above: Dict[int, Set[int]] = defaultdict(set)
    for a, b in links:
        if a != b:
            above[b].add(a)
    rank: Dict[int, int] = {}
    visiting: Set[int] = set()

    def visit(band: int) -> int:
        if band in rank:
            return rank[band]
        visiting.add(band)
        below = [visit(a) for a in sorted(above[band]) if a not in visiting]
        visiting.discard(band)
        rank[band] = 1 + max(below, default=-1)
        return rank[band]

    for band in range(count):
        visit(band)
    return rank


def ordering(members: Sequence[int], reads: Mapping[int, Sequence[int]], centre: Mapping[int, float]) -> List[int]:
    """The ordering phase, for one rank: its bands left to right.

    Takes the rank's bands, the bands each one reads and the centres (x) of the bands
    placed so far. Guarantees every member once, in the order of the mean centre of the
    placed bands each reads (its barycentre), ties and bands that read no placed band
    taken by index (such a band sorts as if its barycentre were its index)."""
    return sorted(members, key=lambda b: (_mean([centre[a] for a in reads.get(b, ()) if a in centre], b), b))


def placement(widths: Sequence[float], rank: Mapping[int, int], links: Sequence[Tuple[int, int]],
              budget: float = WIDTH, shelves: Optional[Sequence[Shelf]] = None) -> List[Shelf]:
    """The placement phase: the bands on shelves, with the x of each band's left edge.

    Takes each band's width, its rank (:func:`layering`), the links and the width budget.
    Guarantees the shelves bottom first, ranks in order (a band's shelf is above the
    shelves of the bands it reads); each rank ordered by :func:`ordering` (which needs the
    centres of the ranks below, so runs here, rank by rank) and packed on as many shelves
    as keep each within the budget (a band wider than the budget alone on its own); bands
    of a shelf at least ``GAP`` apart, each centred over what it reads where its
    neighbours leave room. Given ``shelves``, their bands stay on them, each shelf as wide as
    its bands now need (the routes were planned on them)."""
    reads: Dict[int, List[int]] = defaultdict(list)
    for a, b in links:
        if a != b:
            reads[b].append(a)
    centre: Dict[int, float] = {}
    out: List[Shelf] = []
    for level in sorted(set(rank.values())):
        members = ordering([b for b in range(len(widths)) if rank[b] == level], reads, centre)
        groups = _pack(members, widths, budget) if shelves is None \
            else [s.bands for s in shelves if rank[s.bands[0]] == level]
        for group in groups:
            shelf = Shelf(len(out), group)
            shelf.x = _spread(group, widths, {b: _mean([centre[a] for a in reads[b] if a in centre], None)
                                              for b in group}, budget)
            for b in group:
                centre[b] = shelf.x[b] + widths[b] / 2
            out.append(shelf)
    return out


def _mean(values: List[float], default):
    return sum(values) / len(values) if values else default


def _pack(members: List[int], widths: Sequence[float], budget: float) -> List[List[int]]:
    """Bands in order, on as many shelves as it takes to keep each within the budget."""
    groups: List[List[int]] = []
    used = 0.0
    for b in members:
        if groups and used + GAP + widths[b] <= budget:
            groups[-1].append(b)
            used += GAP + widths[b]
        else:
            groups.append([b])
            used = widths[b]
    return groups


def _spread(group: List[int], widths: Sequence[float], wanted: Mapping[int, Optional[float]],
            budget: float) -> Dict[int, float]:
    """Left edges: each band centred where it is wanted (over what it reads), pushed right
    past its left neighbour, then the row pulled back left into the budget."""
    x: Dict[int, float] = {}
    right = 0.0
    for b in group:
        want = wanted[b]
        left = want - widths[b] / 2 if want is not None else right
        x[b] = max(left, right, 0.0)
        right = x[b] + widths[b] + GAP
    overflow = right - GAP - max(budget, sum(widths[b] for b in group) + GAP * (len(group) - 1))
    if overflow > 0:
        limit = max(budget, right - GAP - overflow)
        for b in reversed(group):
            x[b] = min(x[b], limit - widths[b])
            limit = x[b] - GAP
    return x
