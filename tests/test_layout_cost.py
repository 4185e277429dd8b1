"""The layout's work on big graphs, counted (not timed): phases that would run for a
drawing they cannot change, and passes whose cost grew faster than the graph."""

from __future__ import annotations

from typing import List

import rnndiagram.layout as layout_module
from rnndiagram.layout import COMPACT_UNITS, layout
from rnndiagram.layout.draw import Style
from test_layout_phases import rnn_graph


def test_a_band_too_wide_at_its_narrowest_is_routed_only_compressed(monkeypatch):
    routed: List[int] = []
    route = layout_module.routing

    def counted(edges, grid):
        routed.extend(band.style.max_units for band in grid.bands.values())
        return route(edges, grid)

    monkeypatch.setattr(layout_module, "routing", counted)
    narrow = Style(margin=700.0)  # a budget of 200 px: no band fits, even before its routes widen it
    layout(rnn_graph(steps=3, units=8), style=narrow)
    assert routed and set(routed) == {COMPACT_UNITS}
