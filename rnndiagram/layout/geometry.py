"""Stage 3, layout: the geometry of one band (a panel of the unrolled graph).

A band is a grid: a label gutter on the left, a corridor for edges that enter initial
states from the left, the initial states, one column per shown timestep, the final states,
a corridor for edges that leave or pass the band on its right, and a legend. Rows stack
bottom to top, with a gap above each one that holds the horizontal runs of edges routed
through it. Coordinates here are the band's own: x from its left edge, y up from its
bottom (so rows have negative y). The measuring phase (:func:`measuring`) makes a band of
each panel; the routes widen it later and their tracks give its gaps their heights.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, Mapping, Sequence, Tuple

from ..unroll.graph import Edge, Heatmap, Node, Panel, UnrolledGraph
from .draw import Style, caption_width, node_size, strip_size
from .heatmaps import heat_height
from .metrics import text_width
from .scene import Box

STREET = 6.0
"""Between two edges run up the street beside a column's content."""

CORRIDOR = 12.0
"""Between two edges run up a band's corridor."""

TRACK = 8.0
"""Between two horizontal runs in one gap; ``CAPTIONED`` where a run carries a caption."""

CAPTIONED = 16.0

FRAME_PAD = 8.0
"""How far the frame of a run of repeated blocks stands above its first row and below its
last; its title's tab sits on its top edge."""


class Band:
    """Where the rows, columns, corridors and nodes of one panel go."""

    def __init__(self, panel: Panel, nodes: List[Node], edges: List[Edge], style: Style,
                 heatmaps: Sequence[Heatmap] = ()) -> None:
        self.panel, self.nodes, self.style = panel, nodes, style
        self.heatmaps: Dict[int, List[Heatmap]] = defaultdict(list)
        """The heatmaps under each row (``heatmap=True``), by row index."""
        for hm in heatmaps:
            self.heatmaps[hm.row].append(hm)
        self.heat_h = {r: heat_height(hms) for r, hms in self.heatmaps.items()}
        self.states_per_row: Dict[int, List[str]] = defaultdict(list)
        for n in nodes:
            if n.kind == "init" and n.state is not None and n.state not in self.states_per_row[n.row]:
                self.states_per_row[n.row].append(n.state)
        self.sizes = {n.id: node_size(n, style, len(self.states_per_row.get(n.row, ())) or 1) for n in nodes}
        lanes = max((n.lane[1] for n in nodes if n.col is not None), default=1)  # a band shares no column
        self.content = max((self.sizes[n.id][0] for n in nodes if n.col is not None and n.kind != "token"),
                           default=style.cell_min_w)
        self.lane_offset = (self.content + style.lane_gap) / 2 if lanes > 1 else 0.0
        strip_w = max((strip_size(e.strip, style)[0] for e in edges if e.strip is not None), default=0.0)
        caption_w = max((text_width(e.label, style.caption_font) for e in edges if e.kind == "state"), default=0.0)
        self.between = max(strip_w, caption_w)
        """The widest strip (or caption) on a state arrow between two columns."""
        self.base_gap = self.between + (56 if lanes > 1 else 40)
        self.lanes = lanes
        tokens_w = max((self.sizes[n.id][0] for n in nodes if n.kind == "token"), default=0.0)
        self.least_pitch = tokens_w + 16
        # A band spans every column, or its share of them (less 8 px each side); a short
        # sequence widens its columns.
        band_w = max(((text_width(n.label, style.font, True) + 40) * n.lane[1] for n in nodes if n.kind == "band"),
                     default=0.0)
        self.least_pitch = max(self.least_pitch, band_w / max(len(panel.columns), 1))
        self.gutter_w = max([text_width(line, style.gutter_font, i == 0 or r.named(i))
                             for r in panel.rows for i, line in enumerate(r.gutter)] + [60.0]) + 16
        self.side_w = {s: max([self.sizes[n.id][0] + caption_width(n, style) + 36
                               for n in nodes if n.side == s and n.col is None] + [0.0]) for s in (-1, 1)}
        self.legend_w = max([text_width(r.legend, style.legend_font, True) for r in panel.rows if r.legend]
                            + [0.0])
        padded: Dict[int, List[float]] = defaultdict(list)
        for n in nodes:
            pad = style.cell_pad if n.kind == "cell" else style.row_pad
            padded[n.row].append(self.sizes[n.id][1] + 2 * pad)
        least = style.strip_h + 2 * style.row_pad
        self.row_h = {r.index: max(padded[r.index] + [least, gutter_height(r, panel, style)])
                      + self.heat_h.get(r.index, 0.0) for r in panel.rows}
        self.least_gap = _frame_gaps(panel, style)
        """The gaps a repeat frame needs beside its rows, above the style's row gap."""
        self.phase = 0.0
        """The part of a lane that the corridors' lanes are moved by (one of
        ``tracing.PHASES``), so that they never run on the line of another edge where two
        bands' corridors and streets meet between shelves."""
        self.set_x({}, 0, 0)
        self.set_y({})

    # -- x --------------------------------------------------------------------------------

    def set_x(self, streets: Mapping[int, int], right: int, left: int) -> None:
        """Columns wide enough for ``streets`` lanes beside each column's content, and the
        corridors for ``right`` and ``left`` lanes."""
        style = self.style
        self._extents: Dict[str, Tuple[float, float]] = {}  # by node id, until x changes again
        self.street_lanes = dict(streets)
        # The strip on a state arrow sits in the middle between two columns' content: the
        # columns part enough that the street's lanes pass left of it, 4 px clear.
        lanes = max(streets.values(), default=0)
        gap = max(self.base_gap, self.between + 2 * (6 + lanes * STREET + 4))
        self.pitch = max(self.content * self.lanes + style.lane_gap * (self.lanes - 1) + gap, self.least_pitch)
        self.left_lanes, self.right_lanes = left, right
        self.left_corridor = self.gutter_w + 4 + (left + 0.5 if left else 0) * CORRIDOR
        self.left = self.left_corridor + self.side_w[-1]
        self.cols_right = self.left + self.pitch * len(self.panel.columns)
        self.corridor_x = self.cols_right + self.side_w[1] + 8
        self.legend_x = self.corridor_x + ((right + 0.5) * CORRIDOR + 12 if right else 0)
        self.width = self.legend_x + self.legend_w + 8

    def col_x(self, col: int) -> float:
        return self.left + self.pitch * (col + 0.5)

    def street_x(self, col: int, lane: int) -> float:
        """The x of lane ``lane`` of the street right of column ``col``'s content."""
        return self.col_x(col) + (self.content * self.lanes + self.style.lane_gap * (self.lanes - 1)) / 2 \
            + 6 + lane * STREET

    def right_x(self, lane: int) -> float:
        return self.corridor_x + (lane + self.phase) * CORRIDOR

    def left_x(self, lane: int) -> float:
        return self.left_corridor - (lane + self.phase + 0.5) * CORRIDOR

    def x_extent(self, node: Node) -> Tuple[float, float]:
        """The left and right of a node's box (computed once per width of the band)."""
        known = self._extents.get(node.id)
        if known is None:
            known = self._extents[node.id] = self._x_extent(node)
        return known

    def _x_extent(self, node: Node) -> Tuple[float, float]:
        w, _ = self.sizes[node.id]
        if node.col is None and node.kind == "band":  # across the columns, or its share of them
            k, n = node.lane
            share = (self.cols_right - self.left) / n
            return self.left + share * k + 8, self.left + share * (k + 1) - 8
        if node.col is None:
            x = self.left - 28 - w if node.side < 0 else self.cols_right + 28
            return x, x + w
        cx = self.col_x(node.col)
        if node.lane[1] > 1:
            cx += self.lane_offset * (2 * node.lane[0] - (node.lane[1] - 1))
        return cx - w / 2, cx + w / 2

    # -- y --------------------------------------------------------------------------------

    def set_y(self, gaps: Mapping[int, float]) -> None:
        """Rows stacked up from 0, with ``gaps[r]`` (at least the style's row gap) above row r;
        ``gaps[-1]``, when given, is a gap below the first row (where an edge fed back from
        a loop's later step reaches a node of the first row from below)."""
        self.row_top: Dict[int, float] = {}
        self.gap_h: Dict[int, float] = {}
        y = 0.0
        if gaps.get(-1):
            self.row_top[-1], self.gap_h[-1] = 0.0, max(self.style.row_gap, gaps[-1])
            y -= self.gap_h[-1]
        rows = self.panel.rows
        for row in rows:
            h = self.row_h[row.index]
            self.row_top[row.index] = y - h
            y -= h
            if row.index < len(rows) - 1:
                self.gap_h[row.index] = max(self.style.row_gap, self.least_gap.get(row.index, 0.0),
                                            gaps.get(row.index, 0.0))
                y -= self.gap_h[row.index]
        self.height = -y

    def cells_h(self, row: int) -> float:
        """The height of a row's nodes' part: the row's, less its heatmaps' below them."""
        return self.row_h[row] - self.heat_h.get(row, 0.0)

    def gap_top(self, row: int) -> float:
        """The top of the gap above ``row`` (the bottom of the row above it)."""
        return self.row_top[row] - self.gap_h[row]

    def box(self, node: Node) -> Box:
        """The node's box in the band's coordinates."""
        w, h = self.sizes[node.id]
        top = self.row_top[node.row]
        cy = top + self.cells_h(node.row) / 2
        x0, x1 = self.x_extent(node)
        if node.col is None and node.kind != "band":
            states = self.states_per_row[node.row]
            k = states.index(node.state) if node.state in states else 0
            cy = state_y(cy, len(states), k, self.style)
        return Box(x0, cy - h / 2, x1 - x0, h, "node")


def measuring(graph: UnrolledGraph, style: Style) -> Dict[int, Band]:
    """The measuring phase: a band for each panel, at its narrowest.

    Takes the graph and the style. Guarantees a :class:`Band` for every panel, by its
    index, with every node of the panel sized and its rows stacked, x as if no edge ran up
    its streets and corridors (the routes widen it later, :func:`~.router.widening`)."""
    by_panel: Dict[int, List[Node]] = defaultdict(list)
    for n in graph.nodes:
        by_panel[n.panel].append(n)
    panel_of = {n.id: n.panel for n in graph.nodes}
    edges_into: Dict[int, List[Edge]] = defaultdict(list)
    for e in graph.edges:
        if e.dst in panel_of:
            edges_into[panel_of[e.dst]].append(e)
    heatmaps: Dict[int, List[Heatmap]] = defaultdict(list)
    for hm in graph.heatmaps:
        heatmaps[hm.panel].append(hm)
    return {p.index: Band(p, by_panel[p.index], edges_into[p.index], style, heatmaps[p.index]) for p in graph.panels}


def band_links(graph: UnrolledGraph) -> List[Tuple[int, int]]:
    """The graph of the bands: ``(a, b)`` for every two panels that an edge joins, from
    ``a`` to ``b``, sorted."""
    panel_of = {n.id: n.panel for n in graph.nodes}
    return sorted({(panel_of[e.src], panel_of[e.dst]) for e in graph.edges if panel_of[e.src] != panel_of[e.dst]})


def state_y(cy: float, n: int, k: int, style: Style) -> float:
    """The y of state ``k``'s arrow: the first state (h) lowest, the cell state above it."""
    if n <= 1:
        return cy
    span = max(style.cell_h, n * style.state_pitch) - (style.cell_h / 2 if n == 2 else style.state_pitch)
    return cy + span / 2 - k * span / (n - 1)


def gutter_lines(row, panel: Panel) -> List[str]:
    """A row's gutter; the panel's title (``T = 5``) ends that of its first input row, or of
    its first row when it has none (a folded loop's)."""
    lines = [line for line in row.gutter if line]
    first = _first_inputs(panel)
    if panel.title and row.index == (first if first >= 0 else 0):
        lines.append(panel.title)
    return lines


def _frame_gaps(panel: Panel, style: Style) -> Dict[int, float]:
    """By row index, the least gap above a row that repeat frames need (a compact style's row
    gap is smaller), 2 px clear: above a run's top row, the frame's top edge and half its
    title's tab (the gutter's size and 3 px each way); under a run's bottom row, its bottom
    edge; both where one run ends under the gap and another starts over it. (Rows stack
    bottom to top: the gap above row r lies under row r + 1.)"""
    gaps: Dict[int, float] = {}
    rows = panel.rows
    for below, above in zip(rows, rows[1:]):
        need = 0.0
        if below.repeat and below.repeat != above.repeat:  # a run's top row is under this gap
            need += FRAME_PAD + style.gutter_font / 2 + 3
        if above.repeat and above.repeat != below.repeat:  # a run's bottom row is over it
            need += FRAME_PAD
        if need:
            gaps[below.index] = need + 2
    return gaps


def gutter_height(row, panel: Panel, style: Style) -> float:
    return len(gutter_lines(row, panel)) * style.gutter_pitch + 4


def _first_inputs(panel: Panel) -> int:
    return next((r.index for r in panel.rows if r.kind == "inputs"), -1)
