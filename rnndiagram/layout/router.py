"""Stage 3, layout: the route of every edge, as orthogonal runs through gaps and streets.

An edge goes straight up where nothing is in its way. Otherwise it runs in the free spaces
of the grid: horizontally in a *channel* (the gap above a row, or the space above a shelf
of bands) and vertically in a *street* (beside a column's content, or in the corridor at a
band's left or right). Each run gets a *track* of its channel or a *lane* of its street of
its own, so two edges share a line only when they leave the same node or enter the same
node; the runs that reach furthest take the outer lanes, so fewer lines cross.

Routes are planned on the grid's logical positions (rows, columns, shelves) before any
coordinate is known (:func:`routing`); lanes then size the bands' widths (:func:`widening`)
and tracks the gaps' heights, and only then are the routes turned into points (the tracing
phase, ``tracing.py``, with :func:`points`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import field
from typing import Callable, Dict, Hashable, List, Mapping, Optional, Sequence, Tuple, cast

from .._records import record
from ..unroll.graph import Edge, Node
from .bands import Shelf
from .geometry import CAPTIONED, TRACK, Band
from .scene import Box, Point

Channel = Tuple[Hashable, ...]
"""``("gap", panel, row)``: the gap above a row; ``("shelf", s)``: the space above a shelf."""

Street = Tuple[Hashable, ...]
"""``("col", panel, col)``: beside a column's content; ``("right", panel)``, ``("left", panel)``:
a band's corridors."""

TOP, BOTTOM, LEFT, RIGHT = "top", "bottom", "left", "right"

ENTRY_OFFSET = 8.0
"""An edge that reaches a node through a gap enters it this far right of the node's centre,
so its last run never lies on the run of an edge leaving the node below."""

PORT = 16.0
"""Between the ports of a node that several sources feed."""


@record
class Leg:
    """One run of a route: horizontal in a channel, or vertical in a street.

    ``span`` orders a street's runs: the channels it joins, as positions in its band (a
    row's gap is the row + 0.5; -1 is below the band, the row count above it).
    """

    horizontal: bool
    where: Channel
    span: Tuple[float, float] = (0.0, 0.0)
    slot: int = 0


@record
class Route:
    """How one edge is drawn: from which side of its source, along which legs, into which
    side of its destination."""

    edge: Edge
    start: str
    end: str
    legs: List[Leg] = field(default_factory=list)
    caption: bool = False


class Grid:
    """What the planner knows of where things are: bands, the shelf of each band, the nodes
    of each row with their extents across, and the port by which each edge enters a node
    that several sources feed."""

    def __init__(self, bands: Mapping[int, Band], placed: Sequence[Shelf], nodes: Mapping[str, Node],
                 edges: Sequence[Edge] = ()) -> None:
        self.bands, self.nodes = bands, nodes
        self.shelf_of = {b: s.index for s in placed for b in s.bands}
        self.offsets = {b: s.x[b] for s in placed for b in s.bands}
        # The corridors of each shelf's bands, left to right (x as the bands were last placed).
        self.corridors = {s.index: sorted((self.offsets[b] + (bands[b].left_corridor if side == "left"
                                                              else bands[b].corridor_x), side, b)
                                          for b in s.bands for side in ("left", "right")) for s in placed}
        self.by_row: Dict[Tuple[int, int], List[Node]] = defaultdict(list)
        for n in nodes.values():
            self.by_row[(n.panel, n.row)].append(n)
        self.ports = _ports(edges, nodes, self)

    def extent(self, node: Node) -> Tuple[float, float]:
        return self.bands[node.panel].x_extent(node)

    def exit_x(self, node: Node, toward: Optional[float] = None) -> float:
        x0, x1 = self.extent(node)
        if node.kind == "band":
            return min(max(toward if toward is not None else x1 - 16, x0 + 8), x1 - 8)
        return (x0 + x1) / 2

    def entry_x(self, edge: Edge) -> float:
        """Where an edge enters its destination from below: the centre, or the port of its
        source when several sources feed the node (left to right as the sources lie)."""
        node = self.nodes[edge.dst]
        x0, x1 = self.extent(node)
        index, count = self.ports.get(edge.id, (0, 1))
        spacing = min(PORT, (x1 - x0 - 8) / max(count - 1, 1))
        return (x0 + x1) / 2 + (index - (count - 1) / 2) * spacing

    def state_rank(self, node: Node) -> float:
        """Where a state node sits in its row, as a fraction of the row (h lowest)."""
        states = self.bands[node.panel].states_per_row.get(node.row, [])
        return 0.1 * states.index(node.state) if node.state in states else 0.0

    def blockers(self, panel: int, x: float, low: float, high: float) -> List[Node]:
        """The nodes a vertical line at ``x`` meets between rows ``low`` and ``high`` (both
        excluded) of ``panel``."""
        found = []
        extent = self.bands[panel].x_extent
        for row in range(int(low) + 1, int(high) if high == int(high) else int(high) + 1):
            if not low < row < high:
                continue
            for n in self.by_row.get((panel, row), ()):
                x0, x1 = extent(n)
                if x0 - 3 < x < x1 + 3:
                    found.append(n)
        return found

    def rows(self, panel: int) -> int:
        return len(self.bands[panel].panel.rows)

    def passing(self, shelf: int, x_from: float, x_to: float) -> Tuple[str, int]:
        """The corridor by which an edge from ``x_from`` to ``x_to`` (as the bands were last
        placed) passes a shelf in between: the one that makes the shortest detour."""
        corridors = self.corridors[shelf]
        i = bisect_left(corridors, (min(x_from, x_to),))
        # Any corridor between the two ends costs no detour; else the nearest one outside.
        near = corridors[max(i - 1, 0):i + 1]
        _, side, band = min(near, key=lambda c: (abs(c[0] - x_from) + abs(c[0] - x_to), c))
        return side, band

    def absolute_x(self, node: Node, x: float) -> float:
        return self.offsets[node.panel] + x


def routing(edges: Sequence[Edge], grid: Grid) -> List[Route]:
    """The routing phase: how each edge runs, on the grid's logical positions.

    Takes the edges and the grid of the placed bands. Guarantees a route for every edge
    but the state arrows of a row (those run along the row, drawn by the decoration), in
    the order of ``edges``: the side it leaves its source and enters its destination by,
    and its legs, horizontal ones in a channel and vertical ones in a street; no lane or
    track is given yet (:func:`assign_lanes`, :func:`assign_tracks`)."""
    routes = []
    for e in edges:
        if e.kind == "state":
            continue
        src, dst = grid.nodes[e.src], grid.nodes[e.dst]
        if src.panel == dst.panel:
            routes.append(_within(e, src, dst, grid))
        else:
            routes.append(_between(e, src, dst, grid))
    return routes


def _gap(panel: int, row: int) -> Channel:
    return ("gap", panel, row)


def _side(node: Node) -> str:
    """Where a route meets a node: a state beside the columns on that side, others below
    or above."""
    if node.col is None and node.kind != "band":
        return LEFT if node.side < 0 else RIGHT
    return ""


def _corridor(side: str, panel: int) -> Street:
    return ("left" if side == LEFT else "right", panel)


def _within(e: Edge, src: Node, dst: Node, grid: Grid) -> Route:
    """An edge inside one band: straight up, or round what is in the way."""
    p = src.panel
    if e.kind == "feedback":  # back down to a later step: out of the right, down its street
        route = Route(e, RIGHT, BOTTOM)
        route.legs = [Leg(False, ("col", p, src.col), (dst.row - 0.5, src.row)), Leg(True, _gap(p, dst.row - 1))]
        return route
    route = Route(e, _side(src) or TOP, BOTTOM)
    x_dst = grid.entry_x(e)
    x = grid.exit_x(src, toward=x_dst)
    if dst.kind == "band":
        x_dst = grid.exit_x(dst, toward=x)
    if route.start != TOP:  # a state returned and read again: out along the corridor
        route.legs = [Leg(False, _corridor(route.start, p), (src.row + grid.state_rank(src), dst.row - 0.5)),
                      Leg(True, _gap(p, dst.row - 1))]
        return route
    blocking = grid.blockers(p, x, src.row, dst.row)
    if not blocking:
        if abs(x - x_dst) > 0.5:
            route.legs = [Leg(True, _gap(p, dst.row - 1))]
        return route
    street: Street = ("right", p) if any(n.kind == "band" for n in blocking) or src.col is None \
        else ("col", p, src.col)
    route.legs = [Leg(True, _gap(p, src.row)), Leg(False, street, (src.row + 0.5, dst.row - 0.5)),
                  Leg(True, _gap(p, dst.row - 1))]
    return route


def _between(e: Edge, src: Node, dst: Node, grid: Grid) -> Route:
    """An edge from one band up to another: out of its band, through the shelves between,
    into the other band."""
    p, q = src.panel, dst.panel
    route = Route(e, _side(src) or TOP, _side(dst) or BOTTOM, caption=bool(e.label) and e.kind == "handoff")
    legs: List[Leg] = []
    rows_p = grid.rows(p)
    if route.start != TOP:
        legs.append(Leg(False, _corridor(route.start, p), (src.row + grid.state_rank(src), rows_p)))
    else:
        x = grid.exit_x(src)
        if grid.blockers(p, x, src.row, rows_p):
            legs += [Leg(True, _gap(p, src.row)), Leg(False, ("right", p), (src.row + 0.5, rows_p))]
    low, high = grid.shelf_of[p], grid.shelf_of[q]
    legs.append(Leg(True, ("shelf", low)))
    x_from, x_to = grid.absolute_x(src, grid.exit_x(src)), grid.absolute_x(dst, grid.exit_x(dst))
    for shelf in range(low + 1, high):
        side, band = grid.passing(shelf, x_from, x_to)
        legs += [Leg(False, (side, band), (-1, grid.rows(band))), Leg(True, ("shelf", shelf))]
    if route.end != BOTTOM:
        legs.append(Leg(False, _corridor(route.end, q), (-1, dst.row + grid.state_rank(dst))))
    else:
        blocking = grid.blockers(q, grid.exit_x(dst), -1, dst.row)
        if blocking:  # up the street beside its column, or round a band in the corridor
            street: Street = ("col", q, dst.col) if dst.col is not None and not _band_below(q, dst.row, grid) \
                else ("right", q)
            legs += [Leg(False, street, (-1, dst.row - 0.5)), Leg(True, _gap(q, dst.row - 1))]
    route.legs = legs
    return route


def _band_below(panel: int, row: int, grid: Grid) -> bool:
    """Whether a node across the whole band (a whole-sequence layer) lies below ``row``."""
    return any(n.kind == "band" for r in range(row) for n in grid.by_row.get((panel, r), ()))


def _ports(edges: Sequence[Edge], nodes: Mapping[str, Node], grid: "Grid") -> Dict[str, Tuple[int, int]]:
    """For each edge into a node fed by several sources: its port and the port count, the
    sources taken left to right, so that two inputs never arrive on one line."""
    sources: Dict[str, Dict[str, float]] = defaultdict(dict)
    for e in edges:
        dst = nodes[e.dst]
        if e.kind not in ("state", "handoff") and dst.kind != "band":
            src = nodes[e.src]
            sources[e.dst][e.src] = grid.bands[src.panel].x_extent(src)[0] + 1000.0 * (src.panel != dst.panel)
    port_of = {dst: {s: i for i, s in enumerate(sorted(feeding, key=lambda s: (feeding[s], s)))}
               for dst, feeding in sources.items() if len(feeding) > 1}  # each node's sources ordered once
    ports = {}
    for e in edges:
        order = port_of.get(e.dst)
        if order is not None and e.src in order:
            ports[e.id] = (order[e.src], len(order))
    return ports


# -- lanes and tracks ------------------------------------------------------------------------


def assign_lanes(routes: Sequence[Route]) -> Dict[Street, int]:
    """A lane for each vertical leg; legs of one street that overlap take different lanes
    unless they leave or enter the same node. Returns the lane count of each street."""
    by_street: Dict[Street, List[Tuple[Leg, Edge]]] = defaultdict(list)
    for r in routes:
        for leg in r.legs:
            if not leg.horizontal:
                by_street[leg.where].append((leg, r.edge))
    counts = {}
    for street, legs in by_street.items():
        # Shorter runs inside, longer ones outside: a run that turns off early then crosses
        # no run that goes on.
        legs.sort(key=lambda item: (item[0].span[1] - item[0].span[0], item[0].span))
        counts[street] = _colour([(leg, leg.span, edge) for leg, edge in legs])
    return counts


def widening(bands: Mapping[int, Band], lanes: Mapping[Street, int]) -> None:
    """The bands widened for the routes: each band's columns and corridors as wide as the
    lanes (:func:`assign_lanes`) routed through them; a band no lane passes keeps its
    narrowest width."""
    columns: Dict[int, Dict[int, int]] = defaultdict(dict)  # by band, in one pass over the streets
    for street, count in lanes.items():
        if street[0] == "col":
            columns[cast(int, street[1])][cast(int, street[2])] = count
    for p, band in bands.items():
        band.set_x(columns.get(p, {}), lanes.get(("right", p), 0), lanes.get(("left", p), 0))


def assign_tracks(routes: Sequence[Route], xs: Mapping[int, Tuple[float, float]],
                  before: Optional[Tuple[Mapping[int, Tuple[float, float]], Mapping[Channel, List[float]]]] = None
                  ) -> Dict[Channel, List[float]]:
    """A track for each horizontal leg, given the x where it starts and ends (``xs`` by
    ``id`` of the leg); returns each channel's track pitches, bottom track first.

    ``before``, the ``xs`` and the result of a call on the same routes, keeps the tracks of
    each channel whose legs all start and end where they did (a channel's tracks depend on
    nothing else)."""
    by_channel: Dict[Channel, List[Tuple[Leg, Tuple[float, float], Edge, bool]]] = defaultdict(list)
    for r in routes:
        for leg in r.legs:
            if leg.horizontal:
                a, b = xs[id(leg)]
                by_channel[leg.where].append((leg, (min(a, b) - 3, max(a, b) + 3), r.edge, r.caption))
    old_xs, old_pitches = before if before is not None else ({}, {})
    rises = _rises(routes, xs)
    pitches: Dict[Channel, List[float]] = {}
    for channel, legs in by_channel.items():
        if channel in old_pitches and all(xs[id(leg)] == old_xs.get(id(leg)) for leg, *_ in legs):
            pitches[channel] = old_pitches[channel]  # and its legs keep their slots
            continue
        legs.sort(key=lambda item: item[1])
        count = _colour([(leg, span, edge) for leg, span, edge, _ in legs], by_start=True)
        count = _climb([(leg, edge) for leg, _, edge, _ in legs], rises, count)
        captioned = {leg.slot for leg, _, _, caption in legs if caption}
        pitches[channel] = [CAPTIONED if t in captioned else TRACK for t in range(count)]
    return pitches


Rise = Tuple[Optional[float], Optional[float]]
"""Where a horizontal leg comes up from its source, and where it goes up into its destination."""


def _rises(routes: Sequence[Route], xs: Mapping[int, Tuple[float, float]]) -> Dict[int, Rise]:
    """For each horizontal leg (by ``id``): the x where it comes up from its source's top
    (its route's first leg), and the x where it goes up into its destination's bottom (its
    route's last leg), when it does."""
    rises: Dict[int, Rise] = {}
    for r in routes:
        for leg in r.legs:
            if leg.horizontal:
                a, b = xs[id(leg)]
                first = leg is r.legs[0] and r.start == TOP
                last = leg is r.legs[-1] and r.end == BOTTOM
                rises[id(leg)] = (a if first else None, b if last else None)
    return rises


CLIMB_ROUNDS = 3
"""How often a channel's legs are checked for a way up that runs along another's (see
:func:`_climb`); a leg moved to the top track may meet another there."""


def _climb(legs: Sequence[Tuple[Leg, Edge]], rises: Mapping[int, Rise], count: int) -> int:
    """Move a leg that goes up into its destination at the x where another edge's leg comes
    up from its source onto a new track above that leg: on a track below it, its way up
    would run along the other's line. Returns the channel's track count."""
    from_source: Dict[int, List[Tuple[Leg, Edge]]] = defaultdict(list)
    for leg, edge in legs:
        x = rises[id(leg)][0]
        if x is not None:
            from_source[round(x)].append((leg, edge))
    for _round in range(CLIMB_ROUNDS):
        moved = False
        for leg, edge in legs:
            up = rises[id(leg)][1]
            if up is None:
                continue
            near = (item for key in (round(up) - 1, round(up), round(up) + 1) for item in from_source.get(key, ()))
            if any(other is not leg and other_edge.src != edge.src and other_edge.dst != edge.dst
                   and abs(cast(float, rises[id(other)][0]) - up) < 1 and other.slot > leg.slot
                   for other, other_edge in near):
                leg.slot, count, moved = count, count + 1, True
        if not moved:
            break
    return count


def _colour(items: Sequence[Tuple[Leg, Tuple[float, float], Edge]], by_start: bool = False) -> int:
    """Give each leg the lowest slot free of every overlapping leg of another edge that
    neither leaves nor enters the same node (touching counts as overlapping). With items
    ``by_start`` (sorted by where their spans start), a slot forgets the legs that end
    before the current one starts, so a channel of many short runs costs linear time."""
    taken: Dict[int, List[Tuple[Tuple[float, float], Edge]]] = defaultdict(list)
    count = 0
    for leg, span, edge in items:
        slot = 0
        while True:
            held = taken[slot]
            if by_start:
                held[:] = [h for h in held if h[0][1] >= span[0]]
            if not any(span[0] <= s[1] and s[0] <= span[1] and other.src != edge.src and other.dst != edge.dst
                       for s, other in held):
                break
            slot += 1
        leg.slot = slot
        taken[slot].append((span, edge))
        count = max(count, slot + 1)
    return count


# -- points ----------------------------------------------------------------------------------


def points(route: Route, src_box: Box, dst_box: Box, street_x: Callable[[Street, int], float],
           track_y: Callable[[Channel, int], float], src_x: float, dst_x: float) -> Tuple[Point, ...]:
    """The route as a polyline, from its source's side (``src_x`` across a top) to its
    destination's side (``dst_x`` across a bottom)."""
    if route.start == TOP:
        cur = (src_x, src_box.y)
    else:
        cur = (src_box.x if route.start == LEFT else src_box.right, src_box.y + src_box.h / 2)
    pts: List[Point] = [cur]
    for leg in route.legs:
        if leg.horizontal:
            cur = (cur[0], track_y(leg.where, leg.slot))
        else:
            cur = (street_x(leg.where, leg.slot), cur[1])
        pts.append(cur)
    if route.end == BOTTOM:
        pts += [(dst_x, cur[1]), (dst_x, dst_box.bottom)]
    else:
        y = dst_box.y + dst_box.h / 2
        pts += [(cur[0], y), (dst_box.x if route.end == LEFT else dst_box.right, y)]
    return _simplified(pts)


def _simplified(pts: List[Point]) -> Tuple[Point, ...]:
    """Without repeated points and without points in the middle of a straight run."""
    out: List[Point] = []
    for p in pts:
        if out and abs(p[0] - out[-1][0]) < 0.05 and abs(p[1] - out[-1][1]) < 0.05:
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (abs(ax - bx) < 0.05 and abs(bx - p[0]) < 0.05) or (abs(ay - by) < 0.05 and abs(by - p[1]) < 0.05):
                out[-1] = p
                continue
        out.append(p)
    return tuple(out)
