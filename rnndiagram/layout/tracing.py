"""Stage 3, layout, its tracing phase: the routes, planned on the grid's logical positions,
traced into points once the bands are placed.

Each horizontal run gets a track of its channel (the tracks need the x where each run
starts and ends), the tracks give the gaps between rows and the spaces above shelves their
heights, the heights every band its y, and then every node its box and every route its
polyline. Last, the corridors of two bands that meet between shelves are checked for a
lane that runs on the line of another edge (:func:`tracing` reports those bands,
:func:`shifting` moves their lanes).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import field
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple, cast

from .._records import frozen
from ..unroll.graph import Node
from .bands import Shelf
from .draw import Style
from .geometry import Band
from .router import BOTTOM, ENTRY_OFFSET, Grid, Route, assign_tracks, points
from .scene import Box, Point


@frozen
class Traced:
    """Where everything is, in absolute coordinates: each band's ``offsets`` (the x of its
    left edge, the y of its bottom), each node's box and each route's polyline (by node and
    edge id), and the ``clashes``: bands whose corridor lanes run on the line of another
    edge's vertical run. The rest is what a tracing again after a shift reuses (see
    :func:`tracing`)."""

    offsets: Dict[int, Tuple[float, float]]
    boxes: Dict[str, Box]
    paths: Dict[str, Tuple[Point, ...]]
    clashes: List[int]
    ends: Dict[str, Tuple[float, float]] = field(default_factory=dict)
    tracks: Mapping[tuple, List[float]] = field(default_factory=dict)
    channel_y: Optional[Callable[[tuple, int], float]] = None
    slots: Dict[int, int] = field(default_factory=dict)
    """The track of each horizontal leg, by ``id`` of the leg."""
    phases: Dict[int, float] = field(default_factory=dict)
    """Each band's phase (:func:`shifting`) when traced."""
    runs: Dict[str, List["Run"]] = field(default_factory=dict)
    """Each route's vertical runs (:func:`_vertical_runs`), by edge id."""
    xs: Dict[int, Tuple[float, float]] = field(default_factory=dict)
    """Where each horizontal leg starts and ends, by ``id`` of the leg."""


def tracing(routes: Sequence[Route], bands: Mapping[int, Band], placed: Sequence[Shelf], grid: Grid,
            style: Style, before: Optional[Traced] = None) -> Traced:
    """The tracing phase: the routes into points.

    Takes the routes with their lanes (:func:`~.router.assign_lanes`), the bands widened for
    them, their shelves, the grid the routes were planned on and the style. Gives every
    horizontal leg its track (:func:`~.router.assign_tracks`) and every band's gaps their
    heights (so it changes the bands' y and the legs' slots). Guarantees a box for every
    node of the bands and a polyline for every route, from its source's side to its
    destination's, orthogonal, each run on its own lane or track; and the list of clashes
    (empty when no corridor lane lies on another edge's line).

    ``before``, the tracing of the same routes, bands, shelves and grid before some bands'
    corridor lanes were shifted, makes the same result with less work: where each route
    leaves and enters its nodes is kept, so are the tracks of each channel whose runs start
    and end where they did, and when the tracks come out as before, so are the heights, the
    boxes and every polyline but those that run in a shifted corridor or on a track that
    changed."""
    nodes = grid.nodes
    offsets_x = {b: shelf.x[b] for shelf in placed for b in shelf.bands}
    ends = before.ends if before is not None else {r.edge.id: _ends(r, nodes, grid, offsets_x) for r in routes}
    xs = _leg_xs(routes, ends, bands, offsets_x)
    tracks = assign_tracks(routes, xs, (before.xs, before.tracks) if before is not None else None)
    slots = {id(leg): leg.slot for r in routes for leg in r.legs if leg.horizontal}
    phases = {p: band.phase for p, band in bands.items()}

    def street_x(street, lane: int) -> float:
        return _street_x(street, lane, bands, offsets_x)

    if before is not None and before.channel_y is not None and tracks == before.tracks:
        boxes, channel_y, offsets = before.boxes, before.channel_y, before.offsets
        moved = {p for p, phase in phases.items() if before.phases.get(p) != phase}
        paths, runs = dict(before.paths), dict(before.runs)
        for r in routes:
            if any(slots[id(leg)] != before.slots.get(id(leg)) if leg.horizontal
                   else leg.where[0] != "col" and leg.where[1] in moved for leg in r.legs):
                paths[r.edge.id] = points(r, boxes[r.edge.src], boxes[r.edge.dst], street_x, channel_y,
                                          *ends[r.edge.id])
                runs[r.edge.id] = _vertical_runs(r, paths[r.edge.id], street_x)
    else:
        offsets_y, channel_y = _heights(bands, placed, tracks, style)
        boxes = {n.id: _moved(band.box(n), offsets_x[p], offsets_y[p]) for p, band in bands.items()
                 for n in band.nodes}
        paths = {r.edge.id: points(r, boxes[r.edge.src], boxes[r.edge.dst], street_x, channel_y, *ends[r.edge.id])
                 for r in routes}
        offsets = {p: (offsets_x[p], offsets_y[p]) for p in bands}
        runs = {r.edge.id: _vertical_runs(r, paths[r.edge.id], street_x) for r in routes}
    return Traced(offsets, boxes, paths, _clashing(routes, runs), ends, tracks, channel_y, slots, phases, runs,
                  xs)


PHASES = (0.0, 0.5, 0.25, 0.75)
"""The offsets, in corridor lanes, that a band's corridor lanes take in turn while they clash:
half a lane first; a quarter lane where half a lane lands on another edge's line (half a
corridor lane is one street lane)."""


def shifting(bands: Mapping[int, Band], clashes: Sequence[int]) -> None:
    """Each band of ``clashes`` with its corridor lanes moved to the next offset of
    :data:`PHASES`."""
    for band in clashes:
        bands[band].phase = PHASES[(PHASES.index(bands[band].phase) + 1) % len(PHASES)]


def _street_x(street: tuple, lane: int, bands: Mapping[int, Band], offsets: Mapping[int, float]) -> float:
    kind, p = street[0], street[1]
    band, x0 = bands[p], offsets[p]
    if kind == "col":
        return x0 + band.street_x(street[2], lane)
    if kind == "right":
        return x0 + band.right_x(lane)
    return x0 + band.left_x(lane)


def _ends(r: Route, nodes: Mapping[str, Node], grid: Grid, offsets: Mapping[int, float]) -> Tuple[float, float]:
    """The x where a route leaves its source and enters its destination (absolute): a band
    is left and entered where the other end is, a node at its port, off centre when the
    route reaches it through a gap."""
    src, dst = nodes[r.edge.src], nodes[r.edge.dst]
    dx0, dx1 = grid.extent(dst)
    ox, dxo = offsets[src.panel], offsets[dst.panel]
    d_port = grid.entry_x(r.edge)
    s_centre = grid.exit_x(src, toward=d_port if dst.panel == src.panel else None)
    through_gap = len(r.legs) > 1 and r.legs[-1].horizontal and r.legs[-1].where[0] == "gap" and r.end == BOTTOM
    if dst.kind == "band":
        d_port = grid.exit_x(dst, toward=s_centre + ox - dxo + (ENTRY_OFFSET if through_gap else 0.0))
    elif through_gap and abs(d_port - (dx0 + dx1) / 2) < 1:
        d_port += min(ENTRY_OFFSET, (dx1 - dx0) / 2 - 2)
    return ox + s_centre, dxo + d_port


Run = Tuple[float, float, float, Optional[int]]
"""A vertical run of a route: its x, its low and high y, and the band whose
corridor lane it runs in (None outside corridors)."""


def _clashes(routes: Sequence[Route], paths: Mapping[str, Tuple[Point, ...]],
             street_x: Callable[[tuple, int], float]) -> List[int]:
    """The bands whose corridor lanes run on the line of another edge's vertical run (the
    corridors of two stacked bands meet between their shelves): one band of each clash."""
    return _clashing(routes, {r.edge.id: _vertical_runs(r, paths[r.edge.id], street_x) for r in routes})


def _vertical_runs(r: Route, path: Tuple[Point, ...], street_x: Callable[[tuple, int], float]) -> List[Run]:
    """The vertical runs of route ``r`` drawn as ``path``."""
    lanes = [(street_x(leg.where, leg.slot), cast(int, leg.where[1])) for leg in r.legs
             if not leg.horizontal and leg.where[0] in ("left", "right")]
    runs: List[Run] = []
    for (x0, y0), (x1, y1) in zip(path, path[1:]):
        if abs(x0 - x1) < 0.05:
            band = next((b for x, b in lanes if abs(x - x0) < 0.05), None)
            runs.append((x0, min(y0, y1), max(y0, y1), band))
    return runs


def _clashing(routes: Sequence[Route], runs_of: Mapping[str, List[Run]]) -> List[int]:
    """:func:`_clashes` of the routes' vertical runs (by edge id): runs less than half a px
    apart, as the scene checks count them. Runs are put in buckets of half a px, and each run
    is compared with the runs of its bucket and the next one that start before it ends, so a
    line of many runs one above the other costs linear time."""
    runs: Dict[int, List[Tuple[float, float, float, Route, Optional[int]]]] = defaultdict(list)
    for r in routes:
        for x, low, high, band in runs_of[r.edge.id]:
            runs[math.floor(x * 2)].append((low, high, x, r, band))
    bands: List[int] = []
    for key in sorted(runs):
        bucket = sorted(runs[key] + runs.get(key + 1, []), key=lambda run: run[0])
        for i in range(len(bucket)):
            _, a1, xa, ra, ba = bucket[i]
            for j in range(i + 1, len(bucket)):  # the runs that start before a1 - 1 px
                b0, b1, xb, rb, bb = bucket[j]
                if b0 >= a1 - 1.0:
                    break
                apart = ra.edge.src != rb.edge.src and ra.edge.dst != rb.edge.dst
                if apart and abs(xa - xb) < 0.5 and min(a1, b1) - b0 > 1.0:
                    band = bb if bb is not None else ba
                    if band is not None and band not in bands:
                        bands.append(band)
    return bands


def _leg_xs(routes: Sequence[Route], ends, bands: Mapping[int, Band],
            offsets: Mapping[int, float]) -> Dict[int, Tuple[float, float]]:
    """The x span of every horizontal leg: from the street (or node) before it to the street
    (or node) after it."""
    xs: Dict[int, Tuple[float, float]] = {}
    for r in routes:
        sx, dx = ends[r.edge.id]
        cur = sx
        pending = None
        for leg in r.legs:
            if leg.horizontal:
                pending = (leg, cur)
            else:
                x = _street_x(leg.where, leg.slot, bands, offsets)
                if pending is not None:
                    xs[id(pending[0])] = (pending[1], x)
                    pending = None
                cur = x
        if pending is not None:
            xs[id(pending[0])] = (pending[1], dx)
    return xs


def _heights(bands: Mapping[int, Band], placed: Sequence[Shelf], tracks: Mapping[tuple, List[float]],
             style: Style) -> Tuple[Dict[int, float], Callable[[tuple, int], float]]:
    """Give gaps and shelves their heights; return each band's bottom y and the function from
    a channel's track to its y."""
    gaps: Dict[int, Dict[int, float]] = defaultdict(dict)  # by band, in one pass over the channels
    for key, pitches in tracks.items():
        if key[0] == "gap":
            gaps[key[1]][key[2]] = _room(pitches)
    for p, band in bands.items():
        band.set_y(gaps.get(p, {}))
    offsets: Dict[int, float] = {}
    shelf_top: Dict[int, float] = {}
    channel_h: Dict[int, float] = {}
    bottom = 0.0
    for shelf in placed:
        for b in shelf.bands:
            offsets[b] = bottom
        height = max(bands[b].height for b in shelf.bands)
        shelf_top[shelf.index] = bottom - height
        channel_h[shelf.index] = max(style.panel_gap, _room(tracks.get(("shelf", shelf.index), []), 16))
        bottom = shelf_top[shelf.index] - channel_h[shelf.index]

    def channel_y(channel: tuple, slot: int) -> float:
        pitches = tracks.get(channel, [8.0])
        if channel[0] == "gap":
            band, p = bands[channel[1]], channel[1]
            low, height = offsets[p] + band.row_top[channel[2]], band.gap_h[channel[2]]
        else:
            low, height = shelf_top[channel[1]], channel_h[channel[1]]
        start = low - (height - sum(pitches)) / 2
        return start - sum(pitches[:slot]) - pitches[slot] / 2

    return offsets, channel_y


def _room(pitches: List[float], extra: float = 0.0) -> float:
    return sum(pitches) + (pitches[0] if pitches else 0.0) + extra


def _moved(box: Box, dx: float, dy: float) -> Box:
    return Box(box.x + dx, box.y + dy, box.w, box.h, box.cls, box.rx)


