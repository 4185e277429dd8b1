"""Stage 3, layout: an UnrolledGraph in, a Scene (boxes, arrows and text in absolute
coordinates) out. All geometry is computed here; renderers only loop over the scene.

:func:`layout` runs the phases in one sequence; each is a function whose docstring states
what it takes and what it guarantees:

1. measuring (``geometry.measuring``): each panel as a band (rows, columns, corridors), at
   its narrowest;
2. layering (``bands.layering``): a rank for each band, above every band it reads;
3. placement (``bands.placement``, which orders each rank by ``bands.ordering``): the bands
   on shelves, bottom to top, within the width budget;
4. routing (``router.routing``): each edge's legs through gaps, streets and corridors; its
   vertical legs get lanes (``router.assign_lanes``) that widen the bands
   (``router.widening``), so placement and routing run again while the wider bands move
   to other shelves (``PLACE_ROUNDS``; then the shelves stay as they are, routed once more);
5. fitting: a drawing still wider than the budget is laid out again with its wide strips
   compressed (``COMPACT_UNITS``); a band already too wide at its narrowest is compressed
   before any routing;
6. tracing (``tracing.tracing``): tracks, heights, boxes and polylines, traced again while a
   band's corridor lanes clash with another edge's line (``CLASH_ROUNDS``), each time
   from the tracing before (only what the shifted lanes move is traced anew);
7. decoration (``decor.decoration``): the scene's items, then framed in the margin.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Mapping, Optional, Tuple

from ..unroll.graph import Node, UnrolledGraph
from .bands import WIDTH, Shelf, layering, placement
from .decor import FRAME_OVERHANG, decoration
from .draw import COMPACT, Style
from .geometry import Band, band_links, measuring
from .router import Grid, Route, assign_lanes, routing, widening
from .scene import Scene, framed
from .tracing import shifting, tracing

__all__ = ["Scene", "layout", "least_height"]

COMPACT_UNITS = 4
"""The strip compression a diagram falls back to when a band is wider than the budget: its
strips of more units are drawn as one box labelled with the size."""

PLACE_ROUNDS = 3
"""How often the bands are placed and routed: the lanes of the routes widen the bands, and a
wider band may no longer fit beside its neighbours on a shelf. The rounds end when a
placement keeps every band on its shelf; after the last one, the edges are routed once more
on its shelves, which keep their bands, each shelf as wide as they then are (it may stand
out of the budget a little: the routes were planned on those shelves, so none crosses a
band). The random graph of 250 layers needed that."""

CLASH_ROUNDS = 4
"""How often the routes are traced: where a band's corridor lane runs on the line of
another edge (the corridors of two bands meet between shelves), that band's corridor lanes
move by half a lane and the routes are traced again; after the last round its tracing
stands."""


def layout(graph: UnrolledGraph, theme: str = "light", style: Optional[Style] = None) -> Scene:
    """Place every node and route every edge of ``graph``, by the phases this module's
    docstring lists, in that order; in ``style``, by default the graph's (compact where it
    asks to be)."""
    if style is None:
        style = COMPACT if graph.compact else Style()
    nodes = {n.id: n for n in graph.nodes}
    budget = WIDTH - 2 * style.margin - (FRAME_OVERHANG if _framed(graph) else 0.0)
    bands = measuring(graph, style)
    if _too_wide(bands, budget, style):  # the routes only widen the bands: compress now
        return layout(graph, theme, replace(style, max_units=COMPACT_UNITS))
    links = band_links(graph)
    rank = layering(len(bands), links)
    placed = placement(_widths(bands), rank, links, budget)
    for _attempt in range(PLACE_ROUNDS):  # until the widened bands keep their shelves
        grid, routes = _routed(graph, bands, placed, nodes)
        if _too_wide(bands, budget, style):  # as wide after the next rounds: compress now
            return layout(graph, theme, replace(style, max_units=COMPACT_UNITS))
        again = placement(_widths(bands), rank, links, budget)
        settled = [s.bands for s in again] == [s.bands for s in placed]
        placed = again
        if settled:
            break
    else:  # unsettled: routed once more on the last shelves, which keep their bands
        grid, routes = _routed(graph, bands, placed, nodes)
        placed = placement(_widths(bands), rank, links, budget, shelves=placed)
    traced = tracing(routes, bands, placed, grid, style)
    for _attempt in range(1, CLASH_ROUNDS):  # until no corridor lane lies on another edge's line
        if not traced.clashes:
            break
        shifting(bands, traced.clashes)
        traced = tracing(routes, bands, placed, grid, style, traced)  # what the shift left alone, kept
    scene = framed(decoration(graph, bands, routes, traced, style), graph.name, graph.summary, theme, style.margin)
    return replace(scene, styles=scene.styles + ("heatmap",)) if graph.heatmaps else scene


def _routed(graph: UnrolledGraph, bands: Mapping[int, Band], placed: List[Shelf],
            nodes: Mapping[str, Node]) -> Tuple[Grid, List[Route]]:
    """The routing phase on ``placed``: the grid and the routes, the bands widened by the
    lanes of the routes."""
    grid = Grid(bands, placed, nodes, graph.edges)
    routes = routing(graph.edges, grid)
    widening(bands, assign_lanes(routes))
    return grid, routes


def least_height(graph: UnrolledGraph, style: Optional[Style] = None) -> float:
    """How tall :func:`layout` makes ``graph`` at least, from the measuring and layering phases
    alone (a fraction of a layout's cost): the bands of one rank share a shelf at best, each
    band as short as its rows allow, the shelves ``panel_gap`` apart; the routes only add
    gaps and shelves. The margins are left out, which covers the padding of the bands at
    the top and bottom that no item reaches."""
    if style is None:
        style = COMPACT if graph.compact else Style()
    bands = measuring(graph, style)
    rank = layering(len(bands), band_links(graph))
    tallest: Dict[int, float] = {}
    for p, band in bands.items():
        tallest[rank[p]] = max(tallest.get(rank[p], 0.0), band.height)
    return sum(tallest.values()) + style.panel_gap * max(len(tallest) - 1, 0)


def _framed(graph: UnrolledGraph) -> bool:
    """Whether a frame (of repeated blocks, of a nested model) stands out left of a band."""
    return any(row.repeat or row.group for panel in graph.panels for row in panel.rows)


def _too_wide(bands: Mapping[int, Band], budget: float, style: Style) -> bool:
    """Whether the diagram falls back to compressed strips: a band is wider than the budget
    and its strips are not compressed yet. Widening never narrows a band, so a band too
    wide at its narrowest is too wide after the routes too."""
    return style.max_units > COMPACT_UNITS and max(_widths(bands), default=0.0) > budget


def _widths(bands: Mapping[int, Band]) -> List[float]:
    """The bands' widths, by panel index."""
    return [bands[p].width for p in sorted(bands)]
