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

from collections import defaultdict
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
    edge's vertical run."""

    offsets: Dict[int, Tuple[float, float]]
    boxes: Dict[str, Box]
    paths: Dict[str, Tuple[Point, ...]]
    clashes: List[int]


def tracing(routes: Sequence[Route], bands: Mapping[int, Band], placed: Sequence[Shelf], grid: Grid,
            style: Style) -> Traced:
    """The tracing phase: the routes into points.

    Takes the routes with their lanes (:func:`~.router.assign_lanes`), the bands widened for
    them, their shelves, the grid the routes were planned on and the style. Gives every
    horizontal leg its track (:func:`~.router.assign_tracks`) and every band's gaps their
    heights (so it changes the bands' y and the legs' slots). Guarantees a box for every
    node of the bands and a polyline for every route, from its source's side to its
    destination's, orthogonal, each run on its own lane or track; and the list of clashes
    (empty when no corridor lane lies on another edge's line)."""
    nodes = grid.nodes
    offsets_x = {b: shelf.x[b] for shelf in placed for b in shelf.bands}
    ends = {r.edge.id: _ends(r, nodes, grid, offsets_x) for r in routes}
    tracks = assign_tracks(routes, _leg_xs(routes, ends, bands, offsets_x))
    offsets_y, channel_y = _heights(bands, placed, tracks, style)
    boxes = {n.id: _moved(band.box(n), offsets_x[p], offsets_y[p]) for p, band in bands.items() for n in band.nodes}

    def street_x(street, lane: int) -> float:
        return _street_x(street, lane, bands, offsets_x)

    paths = {r.edge.id: points(r, boxes[r.edge.src], boxes[r.edge.dst], street_x, channel_y, *ends[r.edge.id])
             for r in routes}
    offsets = {p: (offsets_x[p], offsets_y[p]) for p in bands}
    return Traced(offsets, boxes, paths, _clashes(routes, paths, street_x))


def shifting(bands: Mapping[int, Band], clashes: Sequence[int]) -> None:
    """Each band of ``clashes`` with its corridor lanes moved by half a lane (or back)."""
    for band in clashes:
        bands[band].phase = 0.5 - bands[band].phase


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


def _clashes(routes: Sequence[Route], paths: Mapping[str, Tuple[Point, ...]],
             street_x: Callable[[tuple, int], float]) -> List[int]:
    """The bands whose corridor lanes run on the line of another edge's vertical run (the
    corridors of two stacked bands meet between their shelves): one band of each clash."""
    runs: Dict[int, List[Tuple[float, float, Route, Optional[int]]]] = defaultdict(list)
    for r in routes:
        lanes = [(street_x(leg.where, leg.slot), cast(int, leg.where[1])) for leg in r.legs
                 if not leg.horizontal and leg.where[0] in ("left", "right")]
        for (x0, y0), (x1, y1) in zip(paths[r.edge.id], paths[r.edge.id][1:]):
            if abs(x0 - x1) < 0.05:
                band = next((b for x, b in lanes if abs(x - x0) < 0.05), None)
                runs[round(x0 * 2)].append((min(y0, y1), max(y0, y1), r, band))
    bands: List[int] = []
    for bucket in runs.values():
        bucket.sort(key=lambda run: run[0])
        for i, (_, a1, ra, ba) in enumerate(bucket):  # runs that start before a1 - 1 px
            for b0, b1, rb, bb in bucket[i + 1:]:
                if b0 >= a1 - 1.0:
                    break
                apart = ra.edge.src != rb.edge.src and ra.edge.dst != rb.edge.dst
                if apart and min(a1, b1) - b0 > 1.0:
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


