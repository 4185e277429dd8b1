"""Stage 3, layout: an UnrolledGraph in, a Scene (absolute coordinates) out.

Each panel is a grid: a label gutter on the left, the initial states, one column per
shown timestep, the final states, and a legend on the right. Rows stack bottom to top.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Dict, List, Tuple

from .draw import Style, caption_width, edge_group, node_group, node_size, strip_size
from ..unroll.graph import Edge, Node, Panel, UnrolledGraph
from .metrics import text_width
from .scene import Box, Group, Item, Label, Point, Scene, bounds, translate


class _PanelGeometry:
    """Column x positions and row y positions of one panel."""

    def __init__(self, panel: Panel, nodes: List[Node], edges: List[Edge], style: Style, x0: float):
        self.panel, self.style = panel, style
        self.states_per_row: Dict[int, List[str]] = defaultdict(list)
        for n in nodes:
            if n.kind == "init" and n.state not in self.states_per_row[n.row]:
                self.states_per_row[n.row].append(n.state)
        self.sizes = {n.id: node_size(n, style, len(self.states_per_row.get(n.row, ())) or 1) for n in nodes}
        lanes = max((n.lane[1] for n in nodes), default=1)
        content = max((self.sizes[n.id][0] for n in nodes if n.col is not None and n.kind != "token"),
                      default=style.cell_min_w)
        self.lane_offset = (content + style.lane_gap) / 2 if lanes > 1 else 0.0
        strip_w = max((strip_size(e.strip, style)[0] for e in edges if e.strip is not None), default=0.0)
        caption_w = max((text_width(e.label, style.caption_font) for e in edges if e.kind == "state"), default=0.0)
        gap = max(strip_w, caption_w) + (56 if lanes > 1 else 40)
        tokens_w = max((self.sizes[n.id][0] for n in nodes if n.kind == "token"), default=0.0)
        self.pitch = max(content * lanes + style.lane_gap * (lanes - 1) + gap, tokens_w + 16)
        # A band spans every column (less 8 px each side); a short sequence widens its columns.
        band_w = max((text_width(n.label, style.font, True) + 40 for n in nodes if n.kind == "band"), default=0.0)
        self.pitch = max(self.pitch, band_w / max(len(panel.columns), 1))
        self.gutter_w = max([text_width(line, style.gutter_font, i == 0)
                             for r in panel.rows for i, line in enumerate(r.gutter)] + [60.0]) + 16
        side_w = {s: max([self.sizes[n.id][0] + caption_width(n, style) + 36
                          for n in nodes if n.side == s and n.col is None] + [0.0]) for s in (-1, 1)}
        self.left = x0 + self.gutter_w + side_w[-1]
        self.cols_right = self.left + self.pitch * len(panel.columns)
        if any(n.kind == "final" for n in nodes):
            side_w[1] += 24  # hand-off lanes leave between the final states and the legend
        self.legend_x = self.cols_right + side_w[1] + 8
        self.x0 = x0
        padded: Dict[int, List[float]] = defaultdict(list)
        for n in nodes:
            padded[n.row].append(self.sizes[n.id][1] + 2 * style.row_pad)
        least = style.strip_h + 2 * style.row_pad
        self.row_h = {r.index: max(padded[r.index] + [least, _gutter_height(r, panel, style)]) for r in panel.rows}
        self.height = sum(self.row_h.values()) + style.row_gap * max(len(panel.rows) - 1, 0)

    def place_rows(self, bottom: float) -> Dict[int, Tuple[float, float]]:
        """Each row's (top, height), stacking up from ``bottom``."""
        out, y = {}, bottom
        for row in self.panel.rows:
            h = self.row_h[row.index]
            out[row.index] = (y - h, h)
            y -= h + self.style.row_gap
        return out

    def col_x(self, col: int) -> float:
        return self.left + self.pitch * (col + 0.5)


def layout(graph: UnrolledGraph, theme: str = "light", style: Style = Style()) -> Scene:
    """Place every node and route every edge of ``graph``."""
    by_panel: Dict[int, List[Node]] = defaultdict(list)
    for n in graph.nodes:
        by_panel[n.panel].append(n)
    node_panel = {n.id: n.panel for n in graph.nodes}
    edges_into: Dict[int, List[Edge]] = defaultdict(list)
    for e in graph.edges:
        if e.dst in node_panel:
            edges_into[node_panel[e.dst]].append(e)
    geoms = [_PanelGeometry(panel, by_panel[panel.index], edges_into[panel.index], style, style.margin)
             for panel in graph.panels]
    leaving = _handoffs_leaving(graph, node_panel)
    # Panels (time axes) stack bottom to top in data-flow order; the gap above each one
    # holds the lanes of the edges that leave it for a later panel.
    rows, bottom = {}, 0.0
    for g in geoms:
        rows[g.panel.index] = g.place_rows(bottom)
        bottom -= g.height + style.panel_gap + leaving[g.panel.index] * _LANE
    nodes = {n.id: n for n in graph.nodes}
    boxes = {n.id: _place(n, geoms[n.panel], rows[n.panel], style) for n in graph.nodes}
    placed = _Placement(boxes)
    corridor = _corridor_lanes(graph, nodes, placed)
    corridor_x = max(g.legend_x for g in geoms) + 4
    if corridor:
        # Edges that cannot go straight up run in a corridor right of every panel;
        # the legends move past it.
        for g in geoms:
            g.legend_x = corridor_x + len(corridor) * _CORRIDOR + 12
    items: List[Item] = list(_backdrops(geoms, rows))
    for g in geoms:
        items.extend(_gutter_and_legend(g, rows[g.panel.index], style))
    handoffs = _handoff_lanes(graph)
    tops = {g.panel.index: min(t for t, _ in rows[g.panel.index].values()) for g in geoms if g.panel.rows}
    states = {(g.panel.index, row): names for g in geoms for row, names in g.states_per_row.items()}
    for e in graph.edges:
        if e.id in handoffs:
            items.append(_handoff(e, boxes, handoffs[e.id], tops[node_panel[e.src]], nodes[e.src], style))
        elif e.id in corridor:
            items.append(_through_corridor(e, boxes, corridor_x + corridor[e.id] * _CORRIDOR, style))
        else:
            items.append(_edge(e, placed, nodes, states, style))
    items.extend(node_group(n, boxes[n.id], style) for n in graph.nodes)
    left, top, right, low = bounds(items)
    m = style.margin
    return Scene(round(right - left + 2 * m, 1), round(low - top + 2 * m, 1), graph.name, graph.summary,
                 theme, translate(tuple(items), m - left, m - top))


_LANE = 16.0  # between parallel hand-off lines: room for a caption between them
_CORRIDOR = 12.0  # between parallel lines in the corridor right of the panels


def _handoffs_leaving(graph: UnrolledGraph, node_panel: Dict[str, int]) -> Dict[int, int]:
    """How many hand-off edges leave each panel for another one."""
    counts: Dict[int, int] = defaultdict(int)
    for e in graph.edges:
        src_panel = node_panel.get(e.src)
        if e.kind == "handoff" and src_panel is not None and node_panel.get(e.dst, src_panel) != src_panel:
            counts[src_panel] += 1
    return counts


def _corridor_lanes(graph: UnrolledGraph, nodes: Dict[str, Node], placed: _Placement) -> Dict[str, int]:
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


class _Placement:
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


def _through_corridor(e: Edge, boxes: Dict[str, Box], lane_x: float, style: Style) -> Group:
    s, d = boxes[e.src], boxes[e.dst]
    sy, dy = s.y + s.h / 2, d.y + d.h / 2
    return edge_group(e, ((s.right, sy), (lane_x, sy), (lane_x, dy), (d.right, dy)), style)


def _handoff_lanes(graph: UnrolledGraph) -> Dict[str, Tuple[int, int]]:
    """Each hand-off edge's (lane, lane count) among the hand-offs into the same layer."""
    groups: Dict[str, List[Edge]] = defaultdict(list)
    for e in graph.edges:
        if e.kind == "handoff":
            groups[e.dst.rsplit("-", 1)[0]].append(e)
    return {e.id: (k, len(es)) for es in groups.values() for k, e in enumerate(es)}


def _handoff(e: Edge, boxes: Dict[str, Box], lane: Tuple[int, int], src_top: float, src: Node,
             style: Style) -> Group:
    """From a final state up the right of its panel, across the gap, up into an initial state.

    Lanes are ordered so the lines never cross: the lowest state takes the outermost lane
    on the way out, the highest the outermost lane on the way in.
    """
    s, d = boxes[e.src], boxes[e.dst]
    k, n = lane
    out_x = s.right + caption_width(src, style) + 6 + (n - k) * 10
    gap_y = src_top - style.panel_gap / 2 - (n - k) * _LANE
    in_x = d.x - (k + 1) * 10
    sy, dy = s.y + s.h / 2, d.y + d.h / 2
    pts = ((s.right, sy), (out_x, sy), (out_x, gap_y), (in_x, gap_y), (in_x, dy), (d.x, dy))
    return edge_group(replace(e, label=f"{e.label} from {src.layer}"), pts, style)


def _place(n: Node, g: _PanelGeometry, rows, style: Style) -> Box:
    w, h = g.sizes[n.id]
    top, row_h = rows[n.row]
    cy = top + row_h / 2
    if n.col is None and n.kind == "band":
        return Box(g.left + 8, cy - h / 2, g.cols_right - g.left - 16, h, "node")
    if n.col is None:  # an initial or final state beside the columns
        states = g.states_per_row[n.row]
        k = states.index(n.state) if n.state in states else 0
        y = _state_y(top + row_h / 2, len(states), k, style)
        x = g.left - 28 - w if n.side < 0 else g.cols_right + 28
        return Box(x, y - h / 2, w, h, "node")
    cx = g.col_x(n.col)
    if n.lane[1] > 1:
        cx += g.lane_offset * (2 * n.lane[0] - (n.lane[1] - 1))
    return Box(cx - w / 2, cy - h / 2, w, h, "node")


def _state_y(cy: float, n: int, k: int, style: Style) -> float:
    """The y of state ``k``'s arrow: the first state (h) lowest, the cell state above it."""
    if n <= 1:
        return cy
    span = max(style.cell_h, n * style.state_pitch) - (style.cell_h / 2 if n == 2 else style.state_pitch)
    return cy + span / 2 - k * span / (n - 1)


def _edge(e: Edge, placed: _Placement, nodes: Dict[str, Node], states: Dict[Tuple[int, int], List[str]],
          style: Style) -> Group:
    s, d = placed.boxes[e.src], placed.boxes[e.dst]
    if e.kind == "state":
        return _state_edge(e, s, d, nodes[e.src], nodes[e.dst], states, style)
    sx, dx = s.x + s.w / 2, d.x + d.w / 2
    if d.w > 3 * s.w and d.x <= sx <= d.right:  # into a band: straight up where it comes from
        dx = sx
    elif s.w > 3 * d.w and s.x <= dx <= s.right:  # out of a band
        sx = dx
    # a band cannot be gone round; such edges take the corridor (see _corridor_lanes)
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
    y = _state_y(cell.y + cell.h / 2, len(row_states), k, style)
    x0, x1 = (s.right, d.x) if s.x < d.x else (s.x, d.right)
    above = k == len(row_states) - 1 or len(row_states) > 2  # see _state_y: h below, c above
    strip_at = ((x0 + x1) / 2, y, above) if e.strip is not None else None
    return edge_group(e, ((x0, y), (x1, y)), style, strip_at)


def _gutter_and_legend(g: _PanelGeometry, rows, style: Style) -> List[Item]:
    items: List[Item] = []
    for row in g.panel.rows:
        top, h = rows[row.index]
        lines = _gutter_lines(row, g.panel)
        y = top + h / 2 - (len(lines) - 1) * (style.gutter_font + 3) / 2 + 0.36 * style.gutter_font
        named = bool(row.gutter and row.gutter[0])  # a Bidirectional's second row has no name
        labels = [Label(g.x0 + 4, y + i * (style.gutter_font + 3), line,
                        "rnd-gutter-name" if named and i == 0 else "rnd-gutter", style.gutter_font,
                        bold=named and i == 0, anchor="start") for i, line in enumerate(lines)]
        if labels:
            items.append(Group("rnd-gutter", tuple(labels), (("layer", row.layer),) if row.layer else ()))
        if row.legend:
            items.append(Group("rnd-legend", (Label(g.legend_x, top + h / 2 + 0.36 * style.legend_font,
                                                    row.legend, "rnd-legend-label", style.legend_font,
                                                    bold=True, anchor="start"),)))
    return items


def _gutter_lines(row, panel: Panel) -> List[str]:
    lines = [line for line in row.gutter if line]
    if panel.title and row.kind == "inputs" and row.index == _first_inputs(panel):
        lines.append(panel.title)
    return lines


def _gutter_height(row, panel: Panel, style: Style) -> float:
    return len(_gutter_lines(row, panel)) * (style.gutter_font + 3) + 4


def _first_inputs(panel: Panel) -> int:
    return next((r.index for r in panel.rows if r.kind == "inputs"), -1)


def _backdrops(geoms, rows) -> List[Item]:
    """The grey band behind a TimeDistributed row, as in the post's figure, and a dashed
    frame around the rows of an expanded nested model."""
    items: List[Item] = []
    for g in geoms:
        groups: Dict[str, List[Tuple[float, float]]] = defaultdict(list)
        for row in g.panel.rows:
            top, h = rows[g.panel.index][row.index]
            if row.backdrop:
                items.append(Box(g.left + 4, top + 2, g.cols_right - g.left - 8, h - 4, "rnd-backdrop", 4))
            if row.group:
                groups[row.group].append((top, top + h))
        for name, spans in groups.items():
            top, bottom = min(t for t, _ in spans), max(b for _, b in spans)
            frame = Box(g.x0 - 8, top - 4, g.legend_x - g.x0 + 4, bottom - top + 8, "rnd-nested", 8)
            items.append(Group("rnd-nested-model", (frame,), (("model", name),), title=f"nested model {name}"))
    return items
