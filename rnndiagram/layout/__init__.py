"""Stage 3, layout: an UnrolledGraph in, a Scene (boxes, arrows and text in absolute
coordinates) out. All geometry is computed here; renderers only loop over the scene.

The steps: each panel's geometry as a band (``geometry``); the bands placed as a layered
drawing on shelves (``bands``); every edge routed through gaps and streets, with lanes and
tracks of its own (``router``); then rows, gaps and shelves get their heights and every item
its coordinates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple, cast

from ..unroll.graph import Edge, Node, UnrolledGraph
from .bands import WIDTH, Shelf, layering, placement
from .decor import backdrops, gutter_and_legend, state_arrow
from .draw import Style, edge_group, node_group
from .geometry import Band, band_links, measuring
from .router import BOTTOM, ENTRY_OFFSET, Grid, Route, assign_lanes, assign_tracks, points, routing, widening
from .scene import Box, Item, Scene, bounds, translate

__all__ = ["Scene", "layout"]

COMPACT_UNITS = 4
"""The strip compression a diagram falls back to when a band is wider than the budget: its
strips of more units are drawn as one box labelled with the size."""

ROUNDS = 3
"""How often the bands are placed again when the lanes of the routes widen them."""


def layout(graph: UnrolledGraph, theme: str = "light", style: Style = Style()) -> Scene:
    """Place every node and route every edge of ``graph``."""
    nodes = {n.id: n for n in graph.nodes}
    budget = WIDTH - 2 * style.margin
    bands = measuring(graph, style)
    compact = replace(style, max_units=COMPACT_UNITS) if style.max_units > COMPACT_UNITS else None
    if compact is not None and _too_wide(bands, budget):
        return layout(graph, theme, compact)
    links = band_links(graph)
    rank = layering(len(bands), links)
    placed = placement([bands[p].width for p in sorted(bands)], rank, links, budget)
    for _ in range(ROUNDS):
        grid = Grid(bands, placed, nodes, graph.edges)
        routes = routing(graph.edges, grid)
        widening(bands, assign_lanes(routes))
        again = placement([bands[p].width for p in sorted(bands)], rank, links, budget)
        if [s.bands for s in again] == [s.bands for s in placed]:
            placed = again
            break
        placed = again
    if compact is not None and _too_wide(bands, budget):  # widened by the lanes routed through it
        return layout(graph, theme, compact)
    offsets_x = {b: shelf.x[b] for shelf in placed for b in shelf.bands}
    for _ in range(ROUNDS + 1):
        ends = {r.edge.id: _ends(r, nodes, grid, offsets_x) for r in routes}
        tracks = assign_tracks(routes, _leg_xs(routes, ends, bands, offsets_x))
        offsets_y, channel_y = _heights(bands, placed, tracks, style)
        boxes = {n.id: _moved(bands[n.panel].box(n), offsets_x[n.panel], offsets_y[n.panel]) for n in graph.nodes}

        def street_x(street, lane: int) -> float:
            return _street_x(street, lane, bands, offsets_x)

        paths = {r.edge.id: points(r, boxes[r.edge.src], boxes[r.edge.dst], street_x, channel_y, *ends[r.edge.id])
                 for r in routes}
        clashes = _clashes(routes, paths, street_x)
        if not clashes:
            break
        for band in clashes:  # move that band's corridor lanes by half a lane
            bands[band].phase = 0.5 - bands[band].phase
    items: List[Item] = []
    for p, drawn in bands.items():
        items += backdrops(drawn, offsets_x[p], offsets_y[p])
        items += gutter_and_legend(drawn, offsets_x[p], offsets_y[p], style)
    for e in graph.edges:
        if e.kind == "state":
            src, dst = nodes[e.src], nodes[e.dst]
            items.append(state_arrow(e, boxes[e.src], boxes[e.dst], src, dst, bands[dst.panel], style))
    for r in routes:
        pts = paths[r.edge.id]
        edge = replace(r.edge, label=_caption(r.edge, nodes)) if r.caption else r.edge
        items.append(edge_group(edge, pts, style, caption_at=_caption_at(r, pts)))
    items.extend(node_group(n, boxes[n.id], style) for n in graph.nodes)
    left, top, right, low = bounds(items)
    m = style.margin
    return Scene(round(right - left + 2 * m, 1), round(low - top + 2 * m, 1), graph.name, graph.summary,
                 theme, translate(tuple(items), m - left, m - top))


def _too_wide(bands: Dict[int, Band], budget: float) -> bool:
    """Whether a band is wider than the budget (then its strips are drawn compressed)."""
    return max((b.width for b in bands.values()), default=0.0) > budget


def _street_x(street: tuple, lane: int, bands: Dict[int, Band], offsets: Dict[int, float]) -> float:
    kind, p = street[0], street[1]
    band, x0 = bands[p], offsets[p]
    if kind == "col":
        return x0 + band.street_x(street[2], lane)
    if kind == "right":
        return x0 + band.right_x(lane)
    return x0 + band.left_x(lane)


def _ends(r: Route, nodes: Dict[str, Node], grid: Grid, offsets: Dict[int, float]) -> Tuple[float, float]:
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


def _clashes(routes: Sequence[Route], paths: Dict[str, Tuple[Tuple[float, float], ...]],
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


def _leg_xs(routes: Sequence[Route], ends, bands: Dict[int, Band],
            offsets: Dict[int, float]) -> Dict[int, Tuple[float, float]]:
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


def _heights(bands: Dict[int, Band], placed: List[Shelf], tracks: Dict[tuple, List[float]],
             style: Style) -> Tuple[Dict[int, float], Callable[[tuple, int], float]]:
    """Give gaps and shelves their heights; return each band's bottom y and the function from
    a channel's track to its y."""
    for p, band in bands.items():
        band.set_y({key[2]: _room(pitches) for key, pitches in tracks.items()
                    if key[0] == "gap" and key[1] == p})
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


def _caption(e: Edge, nodes: Dict[str, Node]) -> str:
    detail = nodes[e.dst].detail
    return f"{e.label} {detail}" if detail else e.label


def _caption_at(r: Route, pts: Sequence[Tuple[float, float]]) -> Optional[Tuple[float, float]]:
    """A hand-off's caption sits on its first run across a shelf's space, above the line."""
    if not r.caption:
        return None
    runs = [(a, b) for a, b in zip(pts, pts[1:]) if abs(a[1] - b[1]) < 0.05 and abs(a[0] - b[0]) > 1]
    if not runs:
        return None
    (x0, y), (x1, _) = max(runs, key=lambda run: abs(run[1][0] - run[0][0]))
    return (x0 + x1) / 2, y - 4
