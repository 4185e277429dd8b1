"""Stage 3, layout: the route of each edge between placed nodes.

Edges go straight up where nothing is in the way; around the other direction's cells of
a Bidirectional; through a corridor right of every panel when they come from another panel
or would cross a band; and state hand-offs between panels in lanes that never cross.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Dict, List, Tuple

from ..unroll.graph import Edge, Node, UnrolledGraph
from .draw import Style, caption_width, edge_group
from .grid import state_y
from .scene import Box, Group, Point

LANE = 16.0  # between parallel hand-off lines: room for a caption between them
CORRIDOR = 12.0  # between parallel lines in the corridor right of the panels


def handoffs_leaving(graph: UnrolledGraph, node_panel: Dict[str, int]) -> Dict[int, int]:
    """How many hand-off edges leave each panel for another one."""
    counts: Dict[int, int] = defaultdict(int)
    for e in graph.edges:
        src_panel = node_panel.get(e.src)
        if e.kind == "handoff" and src_panel is not None and node_panel.get(e.dst, src_panel) != src_panel:
            counts[src_panel] += 1
    return counts


def corridor_lanes(graph: UnrolledGraph, nodes: Dict[str, Node], placed: Placement) -> Dict[str, int]:
    """A lane for each edge into a box that cannot go straight up: from another panel
    (merges, attention), or past a band that spans every column."""
    lanes: Dict[str, int] = {}
    for e in graph.edges:
        src, dst = nodes[e.src], nodes[e.dst]
        if e.kind in ("handoff", "state") or dst.kind not in ("box", "band", "merge"):
            continue
        s = placed.boxes[e.src]
        past_band = any(nodes[key].kind == "band" for key in placed.blockers(e, s.x + s.w / 2))
        if src.panel != dst.panel or past_band:
            lanes[e.id] = len(lanes)
    return lanes


class Placement:
    """Every node's box, and what a straight line up between two of them would cross."""

    def __init__(self, boxes: Dict[str, Box]):
        self.boxes = boxes
        self._crossed: Dict[float, List[Tuple[str, float, float]]] = {}

    def blockers(self, e: Edge, x: float) -> List[str]:
        """The nodes a straight line up from ``e``'s source at ``x`` would pass through."""
        below, above = self.boxes[e.src].y, self.boxes[e.dst].bottom
        return [key for key, top, bottom in self._crossed_at(x)
                if top < below and bottom > above and key != e.src and key != e.dst]

    def _crossed_at(self, x: float) -> List[Tuple[str, float, float]]:
        """(node, top, bottom) of each box, in placing order, that a vertical line at ``x``
        comes within 4 px of.

        Edges leave from a few shared x positions (column centres), so each is worked out once.
        """
        if x not in self._crossed:
            self._crossed[x] = [(key, b.y, b.bottom) for key, b in self.boxes.items()
                                if b.x - 4 < x < b.right + 4]
        return self._crossed[x]


def through_corridor(e: Edge, boxes: Dict[str, Box], lane_x: float, style: Style) -> Group:
    s, d = boxes[e.src], boxes[e.dst]
    sy, dy = s.y + s.h / 2, d.y + d.h / 2
    return edge_group(e, ((s.right, sy), (lane_x, sy), (lane_x, dy), (d.right, dy)), style)


def handoff_lanes(graph: UnrolledGraph) -> Dict[str, Tuple[int, int]]:
    """Each hand-off edge's (lane, lane count) among the hand-offs into the same layer."""
    groups: Dict[str, List[Edge]] = defaultdict(list)
    for e in graph.edges:
        if e.kind == "handoff":
            groups[e.dst.rsplit("-", 1)[0]].append(e)
    return {e.id: (k, len(es)) for es in groups.values() for k, e in enumerate(es)}


def handoff(e: Edge, boxes: Dict[str, Box], lane: Tuple[int, int], src_top: float, src: Node,
             style: Style) -> Group:
    """From a final state up the right of its panel, across the gap, up into an initial state.

    Lanes are ordered so the lines never cross: the lowest state takes the outermost lane
    on the way out, the highest the outermost lane on the way in.
    """
    s, d = boxes[e.src], boxes[e.dst]
    k, n = lane
    out_x = s.right + caption_width(src, style) + 6 + (n - k) * 10
    gap_y = src_top - style.panel_gap / 2 - (n - k) * LANE
    in_x = d.x - (k + 1) * 10
    sy, dy = s.y + s.h / 2, d.y + d.h / 2
    pts = ((s.right, sy), (out_x, sy), (out_x, gap_y), (in_x, gap_y), (in_x, dy), (d.x, dy))
    return edge_group(replace(e, label=f"{e.label} from {src.layer}"), pts, style)


def edge(e: Edge, placed: Placement, nodes: Dict[str, Node], states: Dict[Tuple[int, int], List[str]],
          style: Style) -> Group:
    s, d = placed.boxes[e.src], placed.boxes[e.dst]
    if e.kind == "state":
        return _state_edge(e, s, d, nodes[e.src], nodes[e.dst], states, style)
    sx, dx = s.x + s.w / 2, d.x + d.w / 2
    if d.w > 3 * s.w and d.x <= sx <= d.right:  # into a band: straight up where it comes from
        dx = sx
    elif s.w > 3 * d.w and s.x <= dx <= s.right:  # out of a band
        sx = dx
    # a band cannot be gone round; such edges take the corridor (see corridor_lanes)
    blockers = [placed.boxes[key] for key in placed.blockers(e, sx) if nodes[key].kind != "band"]
    if blockers:
        return edge_group(e, _bypass(sx, dx, s, d, blockers, e.kind == "output", style), style)
    start, end = (sx, s.y), (dx, d.bottom)
    if abs(sx - dx) < 0.5:
        pts: Tuple[Point, ...] = (start, end)
    else:
        jog = d.bottom + style.row_gap / 2
        pts = (start, (sx, jog), (dx, jog), end)
    return edge_group(e, pts, style)


def _bypass(sx: float, dx: float, s: Box, d: Box, blockers: List[Box], left: bool, style: Style):
    """Around the cells in the way (a Bidirectional's other direction): up beside them."""
    low = max(blockers, key=lambda b: b.bottom)
    high = min(blockers, key=lambda b: b.y)
    side_x = min(b.x for b in blockers) - 10 if left else max(b.right for b in blockers) + 10
    end_x = dx - 10 if left else dx + 10
    if not d.x + 4 < end_x < d.right - 4:
        end_x = dx
    first, second = low.bottom + style.row_gap / 2, d.bottom + style.row_gap / 2
    if high.y - style.row_gap / 2 < second:
        second = min(second, high.y - style.row_gap / 2) if high is not low else second
    return ((sx, s.y), (sx, first), (side_x, first), (side_x, second), (end_x, second), (end_x, d.bottom))


def _state_edge(e: Edge, s: Box, d: Box, src: Node, dst: Node, states: Dict[Tuple[int, int], List[str]],
                style: Style) -> Group:
    """A horizontal arrow at its state's height; the value it carries sits on it."""
    row_states = states.get((dst.panel, dst.row), [])
    k = row_states.index(e.state) if e.state in row_states else 0
    cell = s if src.kind in ("cell", "ellipsis") else d  # its centre is the row's centre
    y = state_y(cell.y + cell.h / 2, len(row_states), k, style)
    x0, x1 = (s.right, d.x) if s.x < d.x else (s.x, d.right)
    above = k == len(row_states) - 1 or len(row_states) > 2  # see state_y: h below, c above
    strip_at = ((x0 + x1) / 2, y, above) if e.strip is not None else None
    return edge_group(e, ((x0, y), (x1, y)), style, strip_at)
