"""Stage 3, layout: where each node of a panel goes.

Each panel is a grid: a label gutter on the left, the initial states, one column per
shown timestep, the final states, and a legend on the right. Rows stack bottom to top.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, Tuple

from .draw import Style, caption_width, node_size, strip_size
from ..unroll.graph import Edge, Node, Panel
from .metrics import text_width
from .scene import Box, Group, Item, Label


class PanelGeometry:
    """Column x positions and row y positions of one panel."""

    def __init__(self, panel: Panel, nodes: List[Node], edges: List[Edge], style: Style, x0: float):
        self.panel, self.style = panel, style
        self.states_per_row: Dict[int, List[str]] = defaultdict(list)
        for n in nodes:
            if n.kind == "init" and n.state is not None and n.state not in self.states_per_row[n.row]:
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


def place(n: Node, g: PanelGeometry, rows, style: Style) -> Box:
    w, h = g.sizes[n.id]
    top, row_h = rows[n.row]
    cy = top + row_h / 2
    if n.col is None and n.kind == "band":
        return Box(g.left + 8, cy - h / 2, g.cols_right - g.left - 16, h, "node")
    if n.col is None:  # an initial or final state beside the columns
        states = g.states_per_row[n.row]
        k = states.index(n.state) if n.state in states else 0
        y = state_y(top + row_h / 2, len(states), k, style)
        x = g.left - 28 - w if n.side < 0 else g.cols_right + 28
        return Box(x, y - h / 2, w, h, "node")
    cx = g.col_x(n.col)
    if n.lane[1] > 1:
        cx += g.lane_offset * (2 * n.lane[0] - (n.lane[1] - 1))
    return Box(cx - w / 2, cy - h / 2, w, h, "node")


def state_y(cy: float, n: int, k: int, style: Style) -> float:
    """The y of state ``k``'s arrow: the first state (h) lowest, the cell state above it."""
    if n <= 1:
        return cy
    span = max(style.cell_h, n * style.state_pitch) - (style.cell_h / 2 if n == 2 else style.state_pitch)
    return cy + span / 2 - k * span / (n - 1)


def gutter_and_legend(g: PanelGeometry, rows, style: Style) -> List[Item]:
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


def backdrops(geoms, rows) -> List[Item]:
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
