"""Stage 3, layout: an UnrolledGraph in, a Scene (boxes, arrows and text in absolute
coordinates) out. All geometry is computed here; renderers only loop over the scene.

The steps: each panel's geometry as a band (``geometry``); the bands placed as a layered
drawing on shelves (``bands``); every edge routed through gaps and streets, with lanes and
tracks of its own (``router``); then rows, gaps and shelves get their heights and every item
its coordinates.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Tuple

from ..unroll.graph import Edge, Node, UnrolledGraph
from .bands import WIDTH, layering, placement
from .decor import backdrops, gutter_and_legend, state_arrow
from .draw import Style, edge_group, node_group
from .geometry import Band, band_links, measuring
from .router import Grid, Route, assign_lanes, routing, widening
from .scene import Item, Scene, bounds, translate
from .tracing import shifting, tracing

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
    for _ in range(ROUNDS + 1):
        traced = tracing(routes, bands, placed, grid, style)
        if not traced.clashes:
            break
        shifting(bands, traced.clashes)
    boxes, paths = traced.boxes, traced.paths
    items: List[Item] = []
    for p, drawn in bands.items():
        items += backdrops(drawn, *traced.offsets[p])
        items += gutter_and_legend(drawn, *traced.offsets[p], style)
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
