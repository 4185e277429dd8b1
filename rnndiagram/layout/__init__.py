"""Stage 3, layout: an UnrolledGraph in, a Scene (boxes, arrows and text in absolute
coordinates) out. All geometry is computed here; renderers only loop over the scene.

The steps: each panel's geometry as a band (``geometry``); the bands placed as a layered
drawing on shelves (``bands``); every edge routed through gaps and streets, with lanes and
tracks of its own (``router``); then rows, gaps and shelves get their heights and every item
its coordinates.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict

from ..unroll.graph import UnrolledGraph
from .bands import WIDTH, layering, placement
from .decor import decoration
from .draw import Style
from .geometry import Band, band_links, measuring
from .router import Grid, assign_lanes, routing, widening
from .scene import Scene, bounds, translate
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
    items = decoration(graph, bands, routes, traced, style)
    left, top, right, low = bounds(items)
    m = style.margin
    return Scene(round(right - left + 2 * m, 1), round(low - top + 2 * m, 1), graph.name, graph.summary,
                 theme, translate(tuple(items), m - left, m - top))


def _too_wide(bands: Dict[int, Band], budget: float) -> bool:
    """Whether a band is wider than the budget (then its strips are drawn compressed)."""
    return max((b.width for b in bands.values()), default=0.0) > budget
