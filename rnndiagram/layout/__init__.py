"""Stage 3, layout: an UnrolledGraph in, a Scene (boxes, arrows and text in absolute
coordinates) out. All geometry is computed here; renderers only loop over the scene."""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, List

from ..unroll.graph import Edge, Node, UnrolledGraph
from .draw import Style, node_group
from .grid import PanelGeometry, backdrops, gutter_and_legend, place
from .routing import (CORRIDOR, LANE, Placement, corridor_lanes, edge, handoff, handoff_lanes, handoffs_leaving,
                      through_corridor)
from .scene import Item, Scene, bounds, translate

__all__ = ["Scene", "layout"]


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
    geoms = [PanelGeometry(panel, by_panel[panel.index], edges_into[panel.index], style, style.margin)
             for panel in graph.panels]
    leaving = handoffs_leaving(graph, node_panel)
    # Panels (time axes) stack bottom to top in data-flow order; the gap above each one
    # holds the lanes of the edges that leave it for a later panel.
    rows, bottom = {}, 0.0
    for g in geoms:
        rows[g.panel.index] = g.place_rows(bottom)
        bottom -= g.height + style.panel_gap + leaving[g.panel.index] * LANE
    nodes = {n.id: n for n in graph.nodes}
    boxes = {n.id: place(n, geoms[n.panel], rows[n.panel], style) for n in graph.nodes}
    placed = Placement(boxes)
    corridor = corridor_lanes(graph, nodes, placed)
    corridor_x = max(g.legend_x for g in geoms) + 4
    if corridor:
        # Edges that cannot go straight up run in a corridor right of every panel;
        # the legends move past it.
        for g in geoms:
            g.legend_x = corridor_x + len(corridor) * CORRIDOR + 12
    items: List[Item] = list(backdrops(geoms, rows))
    for g in geoms:
        items.extend(gutter_and_legend(g, rows[g.panel.index], style))
    handoffs = handoff_lanes(graph)
    tops = {g.panel.index: min(t for t, _ in rows[g.panel.index].values()) for g in geoms if g.panel.rows}
    states = {(g.panel.index, row): names for g in geoms for row, names in g.states_per_row.items()}
    for e in graph.edges:
        if e.id in handoffs:
            items.append(handoff(e, boxes, handoffs[e.id], tops[node_panel[e.src]], nodes[e.src], style))
        elif e.id in corridor:
            items.append(through_corridor(e, boxes, corridor_x + corridor[e.id] * CORRIDOR, style))
        else:
            items.append(edge(e, placed, nodes, states, style))
    items.extend(node_group(n, boxes[n.id], style) for n in graph.nodes)
    left, top, right, low = bounds(items)
    m = style.margin
    return Scene(round(right - left + 2 * m, 1), round(low - top + 2 * m, 1), graph.name, graph.summary,
                 theme, translate(tuple(items), m - left, m - top))
