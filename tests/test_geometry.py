"""Geometry of the laid-out scene: nothing overflows, nothing overlaps, widths stay bounded."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given

import rnndiagram
from rnndiagram.layout.scene import Arrow, Box, Group, Label, walk
from strategies import build_graph, build_model, graphs, recipes

MAX_WIDTH = 1600


def solids(scene):
    """Node frames and value strips: the things that must never overlap."""
    return [b for b in walk(scene.items) if isinstance(b, Box)
            and b.cls.split()[0] in ("rnd-frame", "rnd-strip-frame")]


def problems(scene):
    found = []
    for group in (g for g in walk(scene.items) if isinstance(g, Group) and g.frame is not None):
        for label in (i for i in group.items if isinstance(i, Label) and i.boxed):
            if not group.frame.contains(label.extent()):
                found.append(f"{label.text!r} sticks out of its {group.cls}")
    boxes = solids(scene)
    for a, b in combinations(boxes, 2):
        if a.overlaps(b, margin=-0.5):
            found.append(f"{a} overlaps {b}")
    found += crossings(scene)
    found += shared_runs(scene) + downward(scene)
    labels = [i for i in walk(scene.items) if isinstance(i, Label)]
    extents = [(l, l.extent()) for l in labels]
    for (la, a), (lb, b) in combinations(extents, 2):
        if a.overlaps(b, margin=-0.5):
            found.append(f"labels {la.text!r} and {lb.text!r} overlap")
    for label, extent in extents:
        if not label.boxed and any(extent.overlaps(b, margin=-0.5) for b in boxes):
            found.append(f"label {label.text!r} lies on a box")
        if extent.x < 0 or extent.y < 0 or extent.right > scene.width or extent.bottom > scene.height:
            found.append(f"label {label.text!r} is outside the canvas")
    return found


def crossings(scene):
    """Arrow segments that pass through a box they neither start nor end at."""
    frames = [b for b in walk(scene.items) if isinstance(b, Box) and b.cls.startswith("rnd-frame")]
    found = []
    for group in (g for g in walk(scene.items) if isinstance(g, Group) and "rnd-edge" in g.cls.split()):
        for arrow in (i for i in group.items if isinstance(i, Arrow)):
            ends = (arrow.points[0], arrow.points[-1])
            for (x0, y0), (x1, y1) in zip(arrow.points, arrow.points[1:]):
                seg = Box(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0), "segment")
                for frame in frames:
                    inner = Box(frame.x + 2, frame.y + 2, frame.w - 4, frame.h - 4, "inner")
                    touching = any(frame.x - 2 <= x <= frame.right + 2 and frame.y - 2 <= y <= frame.bottom + 2
                                   for x, y in ends)
                    if not touching and seg.overlaps(inner):
                        found.append(f"{group.title} crosses a box at {frame.x:.0f},{frame.y:.0f}")
    return found


def _edges(scene):
    """(title, src, dst, data?, segments) of every edge drawn."""
    out = []
    for group in (g for g in walk(scene.items) if isinstance(g, Group) and "rnd-edge" in g.cls.split()):
        src, _, dst = group.title.partition(" → ")
        segments = [seg for a in group.items if isinstance(a, Arrow) for seg in zip(a.points, a.points[1:])]
        out.append((group.title, src, dst, "rnd-data" in group.cls.split(), segments))
    return out


def _collinear(s, t):
    """Two segments that run along one line for more than 2 px."""
    ((ax0, ay0), (ax1, ay1)), ((bx0, by0), (bx1, by1)) = s, t
    if abs(ax0 - ax1) < 0.5 and abs(bx0 - bx1) < 0.5 and abs(ax0 - bx0) < 0.5:
        return min(max(ay0, ay1), max(by0, by1)) - max(min(ay0, ay1), min(by0, by1)) > 2
    if abs(ay0 - ay1) < 0.5 and abs(by0 - by1) < 0.5 and abs(ay0 - by0) < 0.5:
        return min(max(ax0, ax1), max(bx0, bx1)) - max(min(ax0, ax1), min(bx0, bx1)) > 2
    return False


def shared_runs(scene):
    """Edges of different sources and destinations that run along one line: the reader
    could not tell which source goes where."""
    edges = _edges(scene)
    found = []
    for i, (ta, sa, da, _, ga) in enumerate(edges):
        for tb, sb, db, _, gb in edges[i + 1:]:
            if sa != sb and da != db and any(_collinear(s, t) for s in ga for t in gb):
                found.append(f"{ta} and {tb} share a line")
    return found


def downward(scene):
    """Data edges that end lower than they start: a diagram reads from the bottom up."""
    return [f"{title} points down" for title, _, _, data, segments in _edges(scene)
            if data and segments and segments[-1][1][1] > segments[0][0][1] + 2]


def check(spec, **options):
    scene = rnndiagram.diagram(spec, **options).scene
    assert problems(scene) == []
    return scene


@pytest.mark.parametrize("options", [{}, {"show_unreturned": True}, {"max_timesteps": 6},
                                     {"timesteps": 3}])
def test_every_example_lays_out_cleanly(example_specs, options):
    for name, spec in example_specs.items():
        scene = check(spec, **options)
        if not options:
            assert scene.width <= MAX_WIDTH, name


def test_values_mode_lays_out_cleanly(example_models):
    for name in ("seed_time_distributed", "seed_stacked", "stacked_bidirectional_lstm", "char_seq2seq"):
        check(rnndiagram.inspect(example_models[name]))
        scene = rnndiagram.diagram(example_models[name], values=True).scene
        assert problems(scene) == [], name


def test_the_checker_catches_shared_lines_and_downward_edges():
    from rnndiagram.layout.scene import Scene

    def edge(title, points, cls="rnd-edge rnd-data"):
        return Group(cls, (Arrow(points, "rnd-arrow"),), title=title)

    scene = Scene(100, 100, "t", "", "light", (
        edge("a → b", ((10, 90), (10, 50), (40, 50))), edge("c → d", ((20, 50), (60, 50), (60, 10))),
        edge("a → e", ((10, 90), (10, 60))), edge("f → g", ((80, 10), (80, 40)))))
    assert shared_runs(scene) == ["a → b and c → d share a line"]
    assert downward(scene) == ["f → g points down"]


def test_the_checker_catches_overlaps():
    a, b = Box(0, 0, 10, 10, "rnd-frame"), Box(5, 5, 10, 10, "rnd-strip-frame")
    assert a.overlaps(b, margin=-0.5) and not a.overlaps(Box(10, 0, 5, 5, "x"), margin=-0.5)
    inside = Label(5, 8, "x" * 40, "t", boxed=True)
    assert not a.contains(inside.extent())


def big(keras, name, layers, steps=784, features=8):
    return keras.Sequential([keras.Input((steps, features), name="x"), *layers], name=name)


def test_big_models_stay_within_width():
    import keras
    from keras import layers as L

    models = [
        big(keras, "bigru5", [L.Bidirectional(L.GRU(512, return_sequences=i < 4, name=f"gru{i}"), name=f"bi{i}")
                              for i in range(5)], steps=50),
        big(keras, "long784", [L.LSTM(128, name="lstm"), L.Dense(10, name="out")], steps=784, features=28),
        big(keras, "deep10", [L.GRU(16, return_sequences=i < 9, name=f"gru{i}") for i in range(10)], steps=30),
    ]
    for model in models:
        scene = check(model)
        assert scene.width <= MAX_WIDTH, model.name


def test_other_layer_kinds_lay_out_cleanly():
    import keras
    from keras import layers as L

    def seq(name, *layers, shape=(6, 3)):
        return keras.Sequential([keras.Input(shape, name="x"), *layers], name=name)

    inner = keras.Sequential([keras.Input((4, 2)), L.SimpleRNN(3, return_sequences=True, name="i1"),
                              L.SimpleRNN(2, name="i2")], name="inner")
    x = keras.Input((4, 2), name="x")
    models = [
        seq("backwards", L.SimpleRNN(4, go_backwards=True, return_sequences=True, name="back"),
            L.GRU(3, go_backwards=True, name="back2"), L.Dense(2, name="d")),
        seq("unmerged", L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode=None, name="bi")),
        seq("bisum", L.Bidirectional(L.LSTM(3, return_state=True), merge_mode="sum", name="bi")),
        seq("bridge", L.LSTM(5, name="enc"), L.RepeatVector(4, name="rep"),
            L.LSTM(5, return_sequences=True, name="dec"), L.TimeDistributed(L.Dense(2), name="td")),
        seq("td_lstm", L.TimeDistributed(L.LSTM(4), name="td"), L.LSTM(3, name="outer"), shape=(5, 7, 2)),
        seq("conv", L.Conv1D(4, 3, padding="same", name="conv"), L.MaxPooling1D(2, name="pool"),
            L.LSTM(3, name="lstm"), shape=(12, 3)),
        keras.Model(x, L.Dense(1, name="head")(inner(x)), name="nested"),
    ]
    for model in models:
        for options in ({}, {"show_unreturned": True}):
            scene = check(model, **options)
            assert scene.width <= MAX_WIDTH, model.name


@given(recipes())
def test_random_models_lay_out_cleanly(recipe):
    """Stacks, two-branch graphs and encoder-decoders drawn at random: still no overlap."""
    check(build_model(recipe))


@given(graphs())
def test_random_graphs_read_as_they_flow(graph):
    """Branches, merges, shared layers, attention, hand-offs and several outputs at random:
    no overlap, no shared line, no edge pointing down, within the width budget."""
    scene = check(build_graph(graph))
    assert scene.width <= MAX_WIDTH
