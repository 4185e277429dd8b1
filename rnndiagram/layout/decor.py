"""Stage 3, layout, its decoration phase: everything placed turned into scene items; and
what is drawn along a band's rows, once the band is placed: the gutter that names each
row's layer, the legend, the backdrops of TimeDistributed rows and nested models, and the
state arrows from cell to cell."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ..unroll.graph import Edge, Node, Strip, UnrolledGraph
from .captions import Nearby, Segment, caption_point
from .draw import Style, edge_group, node_group
from .geometry import FRAME_PAD, Band, gutter_lines, state_y
from .heatmaps import HEAT_GAP, HEAT_TOP, heatmap_group, step_spans, strip_height
from .metrics import text_width
from .router import Route
from .scene import Arrow, Box, Group, Item, Label, Point
from .tracing import Traced

FRAME_OVERHANG = 14.0
"""How far left of its band the frame of a run of repeated blocks reaches (a nested model's
frame, 8 px): what the bands' placement leaves free of the width budget where a frame is
drawn, so that the drawing keeps within it."""


def decoration(graph: UnrolledGraph, bands: Mapping[int, Band], routes: Sequence[Route], traced: Traced,
               style: Style) -> List[Item]:
    """The decoration phase: the drawing's items, in the order they are drawn.

    Takes the graph, its bands, the routes and where tracing put everything. Guarantees,
    in band coordinates made absolute: each band's backdrops, gutter and legend; a state
    arrow along its row for each state edge; an arrow for each route (a hand-off's with
    its caption on a run of its own, clear of every other edge's line:
    ``captions.caption_point``); and a group for each node, drawn last, over the arrows."""
    nodes = {n.id: n for n in graph.nodes}
    carried = _carried(graph)
    boxes, paths = traced.boxes, traced.paths
    items: List[Item] = []
    for p, drawn in bands.items():
        items += backdrops(drawn, *traced.offsets[p], style)
        items += heatmap_groups(drawn, *traced.offsets[p])
        items += gutter_and_legend(drawn, *traced.offsets[p], style)
    states = [state_arrow(e, boxes[e.src], boxes[e.dst], nodes[e.src], nodes[e.dst], bands[nodes[e.dst].panel], style,
                          _end_strip(e, nodes, carried))
              for e in graph.edges if e.kind == "state"]
    items += states
    nearby: Optional[Nearby] = None
    taken: List[Box] = []
    for r in routes:
        pts = paths[r.edge.id]
        if not r.caption:
            items.append(edge_group(r.edge, pts, style, shape=_end_strip(r.edge, nodes, carried)))
            continue
        edge = replace(r.edge, label=_caption(r.edge, nodes))
        if nearby is None:  # filed once, for every caption
            nearby = Nearby(_lines(routes, paths, states, graph), list(boxes.values())
                            + [b for g in states for b in g.items if isinstance(b, Box)])
        others, solids = nearby.around(edge.label, pts, r.edge.src, style)
        at = caption_point(edge.label, pts, others, style, solids, taken)
        group = edge_group(edge, pts, style, caption_at=at, shape=_end_strip(edge, nodes, carried))
        taken += [i.extent() for i in group.items if isinstance(i, Label)]
        items.append(group)
    items.extend(node_group(n, boxes[n.id], style) for n in graph.nodes)
    return items


def gutter_and_legend(band: Band, x0: float, y0: float, style: Style) -> List[Item]:
    """The gutter at the band's left and the legend at its right, one entry per row."""
    items: List[Item] = []
    for row in band.panel.rows:
        top, h = y0 + band.row_top[row.index], band.cells_h(row.index)
        lines = gutter_lines(row, band.panel)
        y = top + h / 2 - (len(lines) - 1) * style.gutter_pitch / 2 + 0.36 * style.gutter_font
        # A Bidirectional's second row has no name; a chain's names each of its layers, and a
        # row shared by layers each of them: the lines about each layer are a group of its own.
        groups: List[Tuple[Optional[str], List[Label]]] = []
        for i, line in enumerate(lines):
            label = Label(x0 + 4, y + i * style.gutter_pitch, line, "rnd-gutter-name" if row.named(i) else "rnd-gutter",
                          style.gutter_font, bold=row.named(i), anchor="start")
            layer = row.line_layer(i)
            if groups and groups[-1][0] == layer:
                groups[-1][1].append(label)
            else:
                groups.append((layer, [label]))
        items += [Group("rnd-gutter", tuple(labels), (("layer", layer),) if layer else ()) for layer, labels in groups]
        if row.legend:
            items.append(Group("rnd-legend", (Label(x0 + band.legend_x, top + h / 2 + 0.36 * style.legend_font,
                                                    row.legend, "rnd-legend-label", style.legend_font,
                                                    bold=True, anchor="start"),)))
    return items


def heatmap_groups(band: Band, x0: float, y0: float) -> List[Item]:
    """The heatmaps under each row, aligned with the band's columns, below its cells; the
    shown steps outlined where some steps are elided."""
    items: List[Item] = []
    columns = band.panel.columns
    shown = {c.t for c in columns if c.t is not None and not c.ellipsis}
    elided = any(c.ellipsis for c in columns)
    for row, hms in band.heatmaps.items():
        top = y0 + band.row_top[row] + band.cells_h(row) + HEAT_TOP
        for hm in hms:
            spans = step_spans(columns, hm.steps, lambda i: x0 + band.col_x(i), band.pitch, x0 + band.left,
                               x0 + band.cols_right)
            items.append(heatmap_group(hm, spans, top, x0 + band.left - 6, hm.layer,
                                       shown if elided else ()))
            top += strip_height(hm) + HEAT_GAP
    return items


def backdrops(band: Band, x0: float, y0: float, style: Style) -> List[Item]:
    """The grey band behind a TimeDistributed row, as in the post's figure, a dashed frame
    around the rows of an expanded nested model, and one around the rows of a run of
    identical blocks drawn once, titled on its top edge (``× 4  lstm_1 … dense_4``)."""
    items: List[Item] = []
    groups: Dict[str, List[Tuple[float, float]]] = defaultdict(list)
    repeats: Dict[str, List[Tuple[float, float]]] = defaultdict(list)
    for row in band.panel.rows:
        top, h = y0 + band.row_top[row.index], band.row_h[row.index]
        if row.backdrop:
            items.append(Box(x0 + band.left + 4, top + 2, band.cols_right - band.left - 8, h - 4, "rnd-backdrop", 4))
        if row.group:
            groups[row.group].append((top, top + h))
        if row.repeat:
            repeats[row.repeat].append((top, top + h))
    for name, spans in groups.items():
        top, bottom = min(t for t, _ in spans), max(b for _, b in spans)
        frame = Box(x0 - 8, top - 4, band.legend_x + 4, bottom - top + 8, "rnd-nested", 8)
        items.append(Group("rnd-nested-model", (frame,), (("model", name),), title=f"nested model {name}"))
    for title, spans in repeats.items():
        items.append(_repeat_frame(title, min(t for t, _ in spans) - FRAME_PAD,
                                   max(b for _, b in spans) + FRAME_PAD,
                                   x0 - FRAME_OVERHANG, band.legend_x + 8, style))
    return items


def _repeat_frame(title: str, top: float, bottom: float, x: float, w: float, style: Style) -> Group:
    """The frame of a run of blocks drawn once, its title on a tab over the top edge."""
    size = style.gutter_font
    text_w = text_width(title, size, True)
    tab = Box(x + 10, top - size / 2 - 3, text_w + 12, size + 6, "rnd-background", 3)
    label = Label(x + 16, top + 0.36 * size, title, "rnd-repeat-title", size, bold=True, anchor="start")
    frame = Box(x, top, w, bottom - top, "rnd-nested rnd-repeat-frame", 8)
    return Group("rnd-repeat", (frame, tab, label), (("repeat", title),), title=title)


def state_arrow(e: Edge, s: Box, d: Box, src: Node, dst: Node, band: Band, style: Style,
                shape: Optional[Strip] = None) -> Group:
    """A horizontal arrow at its state's height; the value it carries sits on it."""
    row_states = band.states_per_row.get(dst.row, [])
    k = row_states.index(e.state) if e.state in row_states else 0
    cell = s if src.kind in ("cell", "ellipsis") else d  # its centre is the row's centre
    y = state_y(cell.y + cell.h / 2, len(row_states), k, style)
    x0, x1 = (s.right, d.x) if s.x < d.x else (s.x, d.right)
    above = k == len(row_states) - 1 or len(row_states) > 2  # see state_y: h below, c above
    strip_at = ((x0 + x1) / 2, y, above) if e.strip is not None else None
    return edge_group(e, ((x0, y), (x1, y)), style, strip_at, shape=shape)


def _carried(graph: UnrolledGraph) -> Dict[Tuple[str, str], Strip]:
    """A strip drawn for each (layer, state) (``""``: the layer's output), for the edges
    that draw none: a state arrow out of an ellipsis, an arrow out of a box."""
    found: Dict[Tuple[str, str], Strip] = {}
    things: List[Union[Edge, Node]] = [*graph.edges, *graph.nodes]
    for thing in things:
        if thing.layer and thing.strip is not None:
            found.setdefault((thing.layer, thing.state or ""), thing.strip)
    return found


def _end_strip(e: Edge, nodes: Mapping[str, Node], carried: Mapping[Tuple[str, str], Strip]) -> Optional[Strip]:
    """The value an edge carries: its own strip's, else as drawn at its start or end, else
    as drawn elsewhere for its layer's state or its source's output."""
    src, dst = nodes[e.src], nodes[e.dst]
    return (e.strip or src.strip or dst.strip or (Strip(e.dims) if e.dims is not None else None)
            or carried.get((e.layer or "", e.state or "")) or carried.get((src.layer or "", "")))


def _lines(routes: Sequence[Route], paths: Mapping[str, Tuple[Point, ...]], states: Sequence[Group],
           graph: UnrolledGraph) -> List[Tuple[str, Segment]]:
    """Every line of every edge drawn, with its edge's source: the routes' and the state
    arrows' (``states``, drawn from the graph's state edges in order)."""
    lines = [(r.edge.src, seg) for r in routes for seg in zip(paths[r.edge.id], paths[r.edge.id][1:])]
    lines += [(e.src, seg) for g, e in zip(states, (e for e in graph.edges if e.kind == "state"))
              for a in g.items if isinstance(a, Arrow) for seg in zip(a.points, a.points[1:])]
    return lines


def _caption(e: Edge, nodes: Mapping[str, Node]) -> str:
    detail = nodes[e.dst].detail
    return f"{e.label} {detail}" if detail else e.label
