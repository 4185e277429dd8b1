"""The layout's work on big graphs, counted (not timed): phases that would run for a
drawing they cannot change, and passes whose cost grew faster than the graph."""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import replace
from typing import Any, List

import rnndiagram.layout as layout_module
from rnndiagram.layout import COMPACT_UNITS, layout
from rnndiagram.layout.draw import Style
from rnndiagram.layout.router import BOTTOM, TOP, Route, assign_lanes, routing, widening
from rnndiagram.layout.tracing import _clashes, shifting, tracing
from rnndiagram.unroll.graph import Column, Edge, Node, Panel, Row, UnrolledGraph
from rnndiagram.layout.scene import Label, walk
from test_layout_phases import _grid, rnn_graph, two_band_graph

tracing_module = sys.modules["rnndiagram.layout.tracing"]  # the package's name ``tracing`` is the function


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


def three_shelf_graph() -> UnrolledGraph:
    """The RNN's output read by a Dense box on the shelf above and, past that shelf (up the
    corridor of its band), by a second Dense box on the shelf above that one."""
    rnn = rnn_graph()
    panels = tuple(Panel(p, (Column("", None),), (Row(0, "boxes", name, (name,)),), kind="stack")
                   for p, name in ((1, "d1"), (2, "d2")))
    boxes = (Node("d1", "box", 1, 0, 0, "Dense", "(None, 1)", layer="d1"),
             Node("d2", "box", 2, 0, 0, "Dense", "(None, 1)", layer="d2"))
    edges = (Edge("out-d1", "out", "d1", "data"), Edge("d1-d2", "d1", "d2", "data"),
             Edge("out-d2", "out", "d2", "data"))
    return UnrolledGraph("three", "", rnn.panels + panels, rnn.nodes + boxes, rnn.edges + edges)


def test_a_tracing_after_a_shift_traces_again_only_the_routes_up_the_shifted_corridor(monkeypatch):
    graph = three_shelf_graph()
    bands, placed, grid = _grid(graph)
    routes = routing(graph.edges, grid)
    widening(bands, assign_lanes(routes))
    assert [r.edge.id for r in routes if any(leg.where == ("right", 1) for leg in r.legs)] == ["out-d2"]
    first = tracing(routes, bands, placed, grid, Style())
    shifting(bands, [1])
    traced: List[str] = []
    trace = tracing_module.points

    def counted(route, *args):
        traced.append(route.edge.id)
        return trace(route, *args)

    monkeypatch.setattr(tracing_module, "points", counted)
    again = tracing(routes, bands, placed, grid, Style(), first)
    assert traced == ["out-d2"]
    assert again.paths["out-d2"] != first.paths["out-d2"]  # the shifted lane moved it
    traced.clear()
    anew = tracing(routes, bands, placed, grid, Style())  # everything traced from scratch
    assert len(traced) == len(routes)
    assert (again.paths, again.boxes, again.offsets, again.clashes) == (anew.paths, anew.boxes, anew.offsets,
                                                                       anew.clashes)


class CountedList(List[Any]):
    """A list that counts the items read from it, by index or by slice."""

    read = 0

    def __getitem__(self, index):  # type: ignore[override]
        item = super().__getitem__(index)
        CountedList.read += len(item) if isinstance(index, slice) else 1
        return item


def test_the_clash_check_reads_a_line_of_runs_one_above_the_other_in_linear_time(monkeypatch):
    count = 400
    routes = [Route(Edge(f"e{k}", f"s{k}", f"d{k}", "data"), TOP, BOTTOM, []) for k in range(count)]
    paths = {f"e{k}": ((100.0, -20.0 * k), (100.0, -20.0 * k - 10.0)) for k in range(count)}  # one x, apart
    monkeypatch.setattr(tracing_module, "defaultdict",
                        lambda factory: defaultdict(CountedList if factory is list else factory))
    CountedList.read = 0
    assert _clashes(routes, paths, lambda street, lane: 100.0) == []
    assert CountedList.read <= 3 * count


def test_a_tracing_again_with_nothing_shifted_gives_no_track_and_traces_no_route_anew(monkeypatch):
    graph = three_shelf_graph()
    bands, placed, grid = _grid(graph)
    routes = routing(graph.edges, grid)
    widening(bands, assign_lanes(routes))
    first = tracing(routes, bands, placed, grid, Style())
    router_module = sys.modules["rnndiagram.layout.router"]
    work: List[str] = []
    colour, trace = router_module._colour, tracing_module.points
    monkeypatch.setattr(router_module, "_colour", lambda *args, **kw: work.append("track") or colour(*args, **kw))
    monkeypatch.setattr(tracing_module, "points", lambda *args: work.append("trace") or trace(*args))
    again = tracing(routes, bands, placed, grid, Style(), first)
    assert work == []
    assert (again.paths, again.boxes, again.offsets, again.tracks) == (first.paths, first.boxes, first.offsets,
                                                                      first.tracks)


def caption_chain(count: int) -> UnrolledGraph:
    """``count`` RNNs one above the other, each handing its last output (a captioned edge)
    to a Dense box that feeds the next RNN's first input."""
    pair = two_band_graph()
    panels, nodes, edges = [], [], []
    for k in range(count):
        panels += [replace(p, index=2 * k + p.index) for p in pair.panels]
        nodes += [replace(n, id=f"{k}:{n.id}", panel=2 * k + n.panel) for n in pair.nodes]
        edges += [replace(e, id=f"{k}:{e.id}", src=f"{k}:{e.src}", dst=f"{k}:{e.dst}") for e in pair.edges]
        if k:
            edges.append(Edge(f"{k}:feed", f"{k - 1}:dense", f"{k}:x1", "data"))
    return UnrolledGraph("chain", "", tuple(panels), tuple(nodes), tuple(edges))


def test_captions_look_only_at_the_lines_near_their_own_edge(monkeypatch):
    captions_module = sys.modules["rnndiagram.layout.captions"]
    measured = captions_module._distance
    looked = 0

    def counted(box, seg):
        nonlocal looked
        looked += 1
        return measured(box, seg)

    monkeypatch.setattr(captions_module, "_distance", counted)
    looks = {}
    for count in (8, 32):
        looked = 0
        scene = layout(caption_chain(count))
        assert sum(1 for item in walk(scene.items) if isinstance(item, Label) and item.cls == "rnd-caption") >= count
        looks[count] = looked
    assert looks[32] <= 6 * looks[8]  # linear is 4 times; every line for every caption was 16 times
