"""The layout's phases one by one, each on a small hand-made graph (no Keras): measuring,
layering, ordering, placement, routing with its lanes, tracing, decoration, and the whole
sequence."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rnndiagram.layout import COMPACT_UNITS, layout
from rnndiagram.layout.bands import GAP, layering, ordering, placement
from rnndiagram.layout.decor import decoration
from rnndiagram.layout.draw import Style
from rnndiagram.layout.geometry import CORRIDOR, band_links, measuring
from rnndiagram.layout.router import BOTTOM, TOP, Grid, Leg, Route, assign_lanes, routing, widening
from rnndiagram.layout.scene import Group, Label, bounds
from rnndiagram.layout.tracing import _clashes, shifting, tracing
from rnndiagram.unroll.graph import Column, Edge, Node, Panel, Row, Strip, UnrolledGraph

# -- layering -----------------------------------------------------------------------------------


def test_layering_puts_a_band_above_every_band_it_reads():
    # 0 -> 1 -> 3 and 0 -> 2 -> 3, and 4 reads nothing.
    rank = layering(5, [(0, 1), (1, 3), (0, 2), (2, 3)])
    assert rank == {0: 0, 1: 1, 2: 1, 3: 2, 4: 0}


def test_layering_takes_the_longest_path():
    rank = layering(3, [(0, 2), (0, 1), (1, 2)])
    assert rank[2] == 2


def test_layering_ends_on_a_cycle_and_ignores_self_links():
    rank = layering(3, [(0, 1), (1, 2), (2, 1), (2, 2)])
    assert set(rank) == {0, 1, 2} and rank[0] == 0
    assert rank[1] != rank[2]


# -- ordering -----------------------------------------------------------------------------------


def test_ordering_sorts_by_the_barycentre_of_what_each_band_reads():
    reads = {2: [1], 3: [0], 4: [0, 1]}
    centre = {0: 100.0, 1: 500.0}
    assert ordering([2, 3, 4], reads, centre) == [3, 4, 2]


def test_ordering_of_bands_reading_nothing_placed_is_by_index():
    assert ordering([3, 1, 2], {}, {}) == [1, 2, 3]


# -- placement ----------------------------------------------------------------------------------


def _spans(shelf, widths):
    return sorted((shelf.x[b], shelf.x[b] + widths[b]) for b in shelf.bands)


def test_placement_puts_readers_on_higher_shelves_and_keeps_bands_apart():
    widths = [300.0, 200.0, 200.0, 500.0]
    links = [(0, 1), (0, 2), (1, 3), (2, 3)]
    shelves = placement(widths, layering(4, links), links, budget=1000.0)
    shelf_of = {b: s.index for s in shelves for b in s.bands}
    assert [s.index for s in shelves] == list(range(len(shelves)))
    assert all(shelf_of[a] < shelf_of[b] for a, b in links)
    assert shelf_of[1] == shelf_of[2]  # one rank, side by side within the budget
    for shelf in shelves:
        spans = _spans(shelf, widths)
        assert all(left >= 0 for left, _ in spans)
        assert all(b0 - a1 >= GAP - 1e-9 for (_, a1), (b0, _) in zip(spans, spans[1:]))


def test_placement_packs_a_rank_on_more_shelves_when_it_is_wider_than_the_budget():
    widths = [100.0, 600.0, 600.0, 600.0]
    links = [(0, 1), (0, 2), (0, 3)]
    shelves = placement(widths, layering(4, links), links, budget=1300.0)
    assert [s.bands for s in shelves] == [[0], [1, 2], [3]]
    for shelf in shelves:
        assert max(right for _, right in _spans(shelf, widths)) <= 1300.0


def test_placement_centres_a_band_over_the_band_it_reads():
    widths = [800.0, 200.0]
    shelves = placement(widths, layering(2, [(0, 1)]), [(0, 1)], budget=1000.0)
    assert shelves[1].x[1] + 100.0 == pytest.approx(shelves[0].x[0] + 400.0)


# -- small hand-made graphs ---------------------------------------------------------------------


def _column(t: int) -> Column:
    return Column(str(t), t)


def rnn_graph(steps: int = 2, units: int = 2) -> UnrolledGraph:
    """One time axis: inputs of ``units`` units, a SimpleRNN's cells with their initial
    state, the last output."""
    rows = (Row(0, "inputs", "x", ("x",), "Input"), Row(1, "cells", "rnn", ("rnn", "SimpleRNN(3)")),
            Row(2, "strips", "rnn", (), "Output"))
    panel = Panel(0, tuple(_column(t) for t in range(1, steps + 1)), rows, f"T = {steps}")
    nodes = [Node(f"x{t}", "input", 0, 0, t - 1, f"x{t}", layer="x", t=str(t), strip=Strip((units,)))
             for t in range(1, steps + 1)]
    nodes += [Node(f"c{t}", "cell", 0, 1, t - 1, "RNN", layer="rnn", t=str(t)) for t in range(1, steps + 1)]
    nodes += [Node("h0", "init", 0, 1, None, "h0", layer="rnn", strip=Strip((3,), zero=True), side=-1, state="h"),
              Node("out", "strip", 0, 2, steps - 1, "3", layer="rnn", strip=Strip((3,)), output=0)]
    edges = [Edge(f"x{t}-c{t}", f"x{t}", f"c{t}", "input") for t in range(1, steps + 1)]
    edges += [Edge("h0-c1", "h0", "c1", "state", "h · 3", state="h")]
    edges += [Edge(f"c{t}-c{t + 1}", f"c{t}", f"c{t + 1}", "state", "h · 3", state="h", strip=Strip((3,)))
              for t in range(1, steps)]
    edges += [Edge("c-out", f"c{steps}", "out", "output")]
    return UnrolledGraph("rnn", "a SimpleRNN", (panel,), tuple(nodes), tuple(edges))


def two_band_graph() -> UnrolledGraph:
    """The RNN's last output handed to a stack of one Dense box."""
    rnn = rnn_graph()
    stack = Panel(1, (Column("", None),), (Row(0, "boxes", "dense", ("dense",)),), kind="stack")
    box = Node("dense", "box", 1, 0, 0, "Dense", "(None, 1)", layer="dense")
    handoff = Edge("out-dense", "out", "dense", "handoff", "3", layer="dense")
    return UnrolledGraph("two", "", rnn.panels + (stack,), rnn.nodes + (box,), rnn.edges + (handoff,))


def skip_graph() -> UnrolledGraph:
    """An input read two rows up, past the cell in its column."""
    g = rnn_graph(1)
    skip = Edge("x1-out", "x1", "out", "data")
    return UnrolledGraph("skip", "", g.panels, g.nodes, g.edges + (skip,))


def _grid(graph: UnrolledGraph, style: Style = Style()):
    bands = measuring(graph, style)
    links = band_links(graph)
    placed = placement([bands[p].width for p in sorted(bands)], layering(len(bands), links), links)
    return bands, placed, Grid(bands, placed, {n.id: n for n in graph.nodes}, graph.edges)


# -- measuring ----------------------------------------------------------------------------------


def test_measuring_gives_each_panel_a_band_holding_its_nodes():
    graph = two_band_graph()
    bands = measuring(graph, Style())
    assert sorted(bands) == [0, 1]
    for n in graph.nodes:
        band = bands[n.panel]
        box = band.box(n)
        assert 0 <= box.x and box.right <= band.width
        assert -band.height <= box.y and box.bottom <= 0  # y up from the band's bottom
    tops = [bands[0].row_top[r] for r in range(3)]
    assert tops == sorted(tops, reverse=True)  # rows stack bottom to top


def test_band_links_join_the_panels_an_edge_crosses():
    assert band_links(two_band_graph()) == [(0, 1)]
    assert band_links(rnn_graph()) == []


# -- routing ------------------------------------------------------------------------------------


def _routes(graph):
    bands, placed, grid = _grid(graph)
    return bands, {r.edge.id: r for r in routing(graph.edges, grid)}


def test_routing_sends_an_unblocked_edge_straight_up_and_leaves_state_arrows_to_the_row():
    _, routes = _routes(rnn_graph())
    assert "c1-c2" not in routes and "h0-c1" not in routes
    up = routes["x1-c1"]
    assert (up.start, up.end, up.legs) == (TOP, BOTTOM, [])


def test_routing_takes_an_edge_round_a_node_in_its_way():
    _, routes = _routes(skip_graph())
    legs = routes["x1-out"].legs
    assert [(leg.horizontal, leg.where) for leg in legs] == [
        (True, ("gap", 0, 0)), (False, ("col", 0, 0)), (True, ("gap", 0, 1))]


def test_routing_between_bands_crosses_the_space_above_the_lower_shelf():
    _, routes = _routes(two_band_graph())
    handoff = routes["out-dense"]
    assert handoff.caption and ("shelf", 0) in [leg.where for leg in handoff.legs]


def test_lanes_part_overlapping_runs_of_different_edges_and_widen_the_band():
    graph = skip_graph()
    second = Edge("x1-out-2", "x1", "out", "data")
    graph = UnrolledGraph("skip", "", graph.panels, graph.nodes, graph.edges + (second,))
    bands, routes = _routes(graph)
    narrow = bands[0].width
    lanes = assign_lanes(list(routes.values()))
    assert lanes[("col", 0, 0)] == 1  # the same source and destination: one lane
    other = Route(Edge("y", "c1", "elsewhere", "data"), TOP, BOTTOM, [Leg(False, ("col", 0, 0), (0.5, 1.5))])
    lanes = assign_lanes(list(routes.values()) + [other])
    assert lanes[("col", 0, 0)] == 2 and other.legs[0].slot != routes["x1-out"].legs[1].slot
    widening(bands, lanes)
    assert bands[0].width > narrow
    widening(bands, {})
    assert bands[0].width == narrow


# -- tracing ------------------------------------------------------------------------------------


def _traced(graph: UnrolledGraph):
    bands, placed, grid = _grid(graph)
    routes = routing(graph.edges, grid)
    widening(bands, assign_lanes(routes))
    return graph, bands, routes, tracing(routes, bands, placed, grid, Style())


@pytest.mark.parametrize("make", [rnn_graph, two_band_graph, skip_graph])
def test_tracing_runs_every_route_orthogonally_from_its_source_to_its_destination(make):
    graph, bands, routes, traced = _traced(make())
    assert set(traced.boxes) == {n.id for n in graph.nodes}
    assert set(traced.offsets) == set(bands) and traced.clashes == []
    for r in routes:
        pts = traced.paths[r.edge.id]
        src, dst = traced.boxes[r.edge.src], traced.boxes[r.edge.dst]
        assert pts[0][1] == pytest.approx(src.y) and src.x <= pts[0][0] <= src.right
        assert pts[-1][1] == pytest.approx(dst.bottom) and dst.x <= pts[-1][0] <= dst.right
        assert all(abs(a[0] - b[0]) < 0.05 or abs(a[1] - b[1]) < 0.05 for a, b in zip(pts, pts[1:]))


def test_tracing_puts_a_band_above_the_band_it_reads():
    _, bands, _, traced = _traced(two_band_graph())
    bottom0, bottom1 = traced.offsets[0][1], traced.offsets[1][1]
    assert bottom1 <= bottom0 - bands[0].height  # y grows downwards: the reader's bottom is higher


def test_clashes_name_the_band_whose_corridor_lane_lies_on_another_edges_line():
    corridor = Route(Edge("a", "s1", "d1", "data"), TOP, BOTTOM, [Leg(False, ("right", 1), (0, 2))])
    other = Route(Edge("b", "s2", "d2", "data"), TOP, BOTTOM, [])
    paths = {"a": ((0.0, 0.0), (100.0, 0.0), (100.0, -50.0)), "b": ((100.0, -10.0), (100.0, -80.0))}
    assert _clashes([corridor, other], paths, lambda street, lane: 100.0) == [1]
    paths["b"] = ((100.0, -50.0), (100.0, -80.0))  # end to end: no clash
    assert _clashes([corridor, other], paths, lambda street, lane: 100.0) == []
    shared = Route(Edge("c", "s1", "d3", "data"), TOP, BOTTOM, [])  # the same source may share a line
    paths["c"] = ((100.0, -10.0), (100.0, -80.0))
    assert _clashes([corridor, shared], paths, lambda street, lane: 100.0) == []


def test_clashes_count_lines_less_than_half_a_px_apart():
    """0.3 px apart, as the scene checks see them (the runs fell in two buckets of half a
    px, and went unseen, in the 125-layer random graph of the benchmarks)."""
    corridor = Route(Edge("a", "s1", "d1", "data"), TOP, BOTTOM, [Leg(False, ("right", 1), (0, 2))])
    other = Route(Edge("b", "s2", "d2", "data"), TOP, BOTTOM, [])
    for x in (99.7, 100.3):
        paths = {"a": ((0.0, 0.0), (100.0, 0.0), (100.0, -50.0)), "b": ((x, -10.0), (x, -80.0))}
        assert _clashes([corridor, other], paths, lambda street, lane: 100.0) == [1]
    paths = {"a": ((0.0, 0.0), (100.0, 0.0), (100.0, -50.0)), "b": ((100.6, -10.0), (100.6, -80.0))}
    assert _clashes([corridor, other], paths, lambda street, lane: 100.0) == []


def test_shifting_moves_a_bands_corridor_lanes_by_half_a_lane_then_a_quarter():
    bands = measuring(rnn_graph(), Style())
    before = bands[0].right_x(0)
    moved = []
    for _ in range(4):
        shifting(bands, [0])
        moved.append(bands[0].right_x(0) - before)
    assert moved == pytest.approx([CORRIDOR / 2, CORRIDOR / 4, 3 * CORRIDOR / 4, 0.0])


# -- decoration ---------------------------------------------------------------------------------


def test_decoration_draws_every_row_edge_and_node_nodes_last():
    graph, bands, routes, traced = _traced(two_band_graph())
    items = decoration(graph, bands, routes, traced, Style())
    groups = [i for i in items if isinstance(i, Group)]
    nodes = [g for g in groups if not g.cls.startswith(("rnd-edge", "rnd-gutter", "rnd-legend"))]
    assert len(nodes) == len(graph.nodes) and items[-len(nodes):] == nodes
    edges = [g for g in groups if g.cls.startswith("rnd-edge")]
    assert len(edges) == len(graph.edges)  # the routed ones and the state arrows
    gutters = [g for g in groups if g.cls == "rnd-gutter"]
    assert [g.attrs for g in gutters] == [(("layer", "x"),), (("layer", "rnn"),), (("layer", "dense"),)]
    handoff = next(g for g in edges if "rnd-handoff" in g.cls)
    assert any(isinstance(i, Label) and i.text == "3 (None, 1)" for i in handoff.items)  # its caption


# -- the whole sequence -------------------------------------------------------------------------


@pytest.mark.parametrize("make", [rnn_graph, two_band_graph, skip_graph])
def test_layout_frames_everything_it_draws_in_the_margin(make):
    graph = make()
    scene = layout(graph, "dark")
    assert (scene.title, scene.desc, scene.theme) == (graph.name, graph.summary, "dark")
    left, top, right, bottom = bounds(scene.items)
    assert (left, top) == pytest.approx((20.0, 20.0), abs=0.1)
    assert (right + 20.0, bottom + 20.0) == pytest.approx((scene.width, scene.height), abs=0.2)


def test_layout_compresses_the_strips_of_a_drawing_wider_than_the_budget():
    graph = rnn_graph(steps=3, units=8)
    narrow = Style(margin=700.0)  # a budget of 200 px: no band fits
    assert layout(graph, style=narrow) == layout(graph, style=replace(narrow, max_units=COMPACT_UNITS))
    assert layout(graph) != layout(graph, style=replace(Style(), max_units=COMPACT_UNITS))  # wide enough


def test_a_caption_stays_over_its_longest_run_when_nothing_else_is_there():
    from rnndiagram.layout.captions import caption_point

    pts = ((0.0, 100.0), (0.0, 50.0), (200.0, 50.0), (200.0, 0.0))
    assert caption_point("h · 6 from z", pts, [], Style()) == (100.0, 46.0)


def test_a_caption_leaves_a_place_another_edge_runs_through():
    """sketch-rnn's "h · 6 from init_h" was printed on the RepeatVector's dashed line that
    ran just above its own: it moves to where only its own line is near."""
    from rnndiagram.layout.captions import caption_point

    style = Style()
    pts = ((0.0, 100.0), (0.0, 50.0), (300.0, 50.0), (300.0, 0.0))
    dashed = [((0.0, 40.0), (150.0, 40.0))]  # over the left half of the run, 10 px above
    x, y = caption_point("h · 6 from z", pts, dashed, style)
    box = Label(x, y, "h · 6 from z", "rnd-caption", style.caption_font).extent()
    assert (x, y) != (150.0, 46.0)  # above the middle, where the dashed line runs
    assert box.x > 150 or box.y >= 50  # clear of it: right of it, or below its own run
