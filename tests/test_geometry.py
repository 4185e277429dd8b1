"""Geometry of the laid-out scene: nothing overflows, nothing overlaps, widths stay bounded."""

from __future__ import annotations


import pytest
from hypothesis import given

import rnndiagram
from rnndiagram.layout.scene import Arrow, Box, Group, Label
from scene_checks import MAX_WIDTH, downward, problems, shared_runs, stray_captions
from strategies import build_graph, build_model, graphs, recipes


def check(spec, **options):
    scene = rnndiagram.diagram(spec, **options).scene
    assert problems(scene) == []
    return scene


def check_every_view(model):
    """The unrolled scene (returned) and the rolled, both and gate views: none overlaps (the
    gate view where there is a cell to draw; without one it is refused)."""
    spec = rnndiagram.inspect(model)
    gates = ({"cell": "gates"},) if any(l.recurrent for l in spec.layers) else ()
    for view in ({"view": "rolled"}, {"view": "both"}, *gates):
        check(spec, **view)
    return check(spec)


@pytest.mark.parametrize("options", [{}, {"show_unreturned": True}, {"max_timesteps": 6},
                                     {"timesteps": 3}])
def test_every_example_lays_out_cleanly(example_specs, options):
    for name, spec in example_specs.items():
        scene = check(spec, **options)
        if not options:
            assert scene.width <= MAX_WIDTH, name


@pytest.mark.parametrize("view", [{"view": "rolled"}, {"view": "both"}, {"cell": "gates"},
                                  {"view": "rolled", "fold_loops": False}, {"cell": "gates", "expand_nested": True}])
def test_every_example_lays_out_cleanly_in_the_other_views(example_specs, view):
    for name, spec in example_specs.items():
        if "cell" not in view or any(layer.recurrent for layer in spec.layers):
            assert problems(rnndiagram.diagram(spec, **view).scene) == [], name


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


def test_the_checker_catches_captions_on_another_edge():
    from rnndiagram.layout.scene import Scene

    def handoff(title, points, caption_y):
        caption = Label(50, caption_y, "h · 6 from z", "rnd-caption", 11.0)
        return Group("rnd-edge rnd-handoff", (Arrow(points, "rnd-arrow"), caption), title=title)

    line = Group("rnd-edge rnd-data", (Arrow(((0, 40), (100, 40)), "rnd-arrow"),), title="r → s")
    on_other = Scene(100, 100, "t", "", "light", (handoff("z → h0", ((0, 50), (100, 50)), 42), line))
    assert stray_captions(on_other) == ["caption 'h · 6 from z' of z → h0 lies on r → s"]
    own = Scene(100, 100, "t", "", "light", (handoff("z → h0", ((0, 60), (100, 60)), 56), line))
    assert stray_captions(own) == []


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
    """Stacks, two-branch graphs and encoder-decoders drawn at random: still no overlap, in
    every view."""
    check_every_view(build_model(recipe))


@pytest.mark.slow  # builds random models with custom layers, traced
@given(recipes(custom=True))
def test_random_models_with_custom_layers_lay_out_cleanly(recipe):
    """Custom layers (one owning a GRU, traced into a nested graph; a GRU subclass; one that
    scales) in every view: no overlap."""
    check_every_view(build_model(recipe))


@given(graphs())
def test_random_graphs_read_as_they_flow(graph):
    """Branches, merges, shared layers, attention, hand-offs and several outputs at random:
    no overlap, no shared line, no edge pointing down, within the width budget; the other
    views draw them without overlap."""
    scene = check_every_view(build_graph(graph))
    assert scene.width <= MAX_WIDTH
