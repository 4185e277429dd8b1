"""Stages whose cost grew with the square of the model's size: each now reads its inputs
once, however many bands or panels there are (counted, not timed)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any, Dict, List

import rnndiagram
from rnndiagram.layout.bands import Shelf
from rnndiagram.layout.draw import Style
from rnndiagram.layout.router import widening
from rnndiagram.layout.tracing import _heights
from rnndiagram.views.unrolled import _warn_of_unused_tokens

BANDS = 50


class CountedItems(Dict[Any, Any]):
    """A dict that counts how often its items are listed."""

    listed = 0

    def items(self):  # type: ignore[override]
        self.listed += 1
        return super().items()


class CountedList(List[Any]):
    """A list that counts how often it is walked through."""

    walks = 0

    def __iter__(self):
        self.walks += 1
        return super().__iter__()


class FakeBand:
    """What widening and the heights read of a band, and what they set."""

    def __init__(self) -> None:
        self.height, self.row_top, self.gap_h = 40.0, {0: 0.0}, {0: 10.0}
        self.streets: Dict[int, int] = {}
        self.gaps: Dict[int, float] = {}

    def set_x(self, streets: Dict[int, int], right: int, left: int) -> None:
        self.streets = dict(streets)

    def set_y(self, gaps: Dict[int, float]) -> None:
        self.gaps = dict(gaps)


def test_widening_reads_the_streets_once_for_all_bands():
    bands = {p: FakeBand() for p in range(BANDS)}
    lanes = CountedItems({("col", p, c): p + c + 1 for p in range(BANDS) for c in range(2)})
    lanes.update({("right", p): 1 for p in range(BANDS)})
    widening(bands, lanes)
    assert lanes.listed <= 1
    assert bands[3].streets == {0: 4, 1: 5} and bands[0].streets == {0: 1, 1: 2}


def test_the_gaps_heights_read_the_channels_once_for_all_bands():
    bands = {p: FakeBand() for p in range(BANDS)}
    tracks = CountedItems({("gap", p, 0): [8.0, 8.0] for p in range(BANDS)})
    tracks[("shelf", 0)] = [8.0]
    placed = [Shelf(p, [p], {p: 0.0}) for p in range(BANDS)]
    _heights(bands, placed, tracks, Style())  # type: ignore[arg-type]
    assert tracks.listed <= 1
    assert all(band.gaps == {0: 24.0} for band in bands.values())


def test_the_tokens_check_walks_the_nodes_once(example_specs):
    graph = rnndiagram.diagram(example_specs["seed_stacked"]).graph
    panels = tuple(replace(graph.panels[0], index=i) for i in range(BANDS))
    nodes = CountedList(graph.nodes)
    wide = SimpleNamespace(panels=panels, nodes=nodes)
    _warn_of_unused_tokens(wide, ("a",))  # type: ignore[arg-type]
    assert nodes.walks <= 1


def test_every_layer_is_named_in_one_pass_over_the_layers(example_specs):
    from rnndiagram import labels

    spec = example_specs["char_seq2seq"]
    layers = CountedList(spec.layers)
    counted = replace(spec, layers=layers)
    names = [labels.call_name(layer, counted, of_all=True) for layer in spec.layers]
    assert layers.walks <= 1
    assert names == [labels.call_name(layer, spec, of_all=True) for layer in spec.layers]


def test_the_readers_of_every_layer_are_found_in_one_pass_over_the_layers(example_specs):
    from rnndiagram.options import DiagramOptions
    from rnndiagram.unroll.canvas import Canvas

    spec = example_specs["char_seq2seq"]
    layers = CountedList(spec.layers)
    canvas = Canvas(replace(spec, layers=layers), DiagramOptions(), None)
    found = {layer.id: canvas.readers(layer.id) for layer in spec.layers}
    assert layers.walks <= 1
    assert found == {layer.id: [r for r in spec.layers if any(i.layer == layer.id and i.kind != "mask"
                                                               for i in r.inbound)] for layer in spec.layers}
    assert any(found.values())
