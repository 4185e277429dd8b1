"""The size budget: at default options every example and every published model draws its
unrolled view within 1,600 x 3,000 px, or, where the team knows it does not yet, warns of it;
its rolled view always fits.

A model over the budget is a strict expected failure whose reason says by how much, so it
shows up as soon as it fits.
"""

from __future__ import annotations

import warnings

import pytest

import rnndiagram
from keras_compat import needs_tensorflow
from published_models import MODELS, esim
from rnndiagram import examples
from rnndiagram.views.unrolled import BUDGET

BUILDERS = {**{f"example:{n}": (lambda n=n: examples.build(n)) for n in examples.names()},
            **{f"published:{n}": b for n, b in MODELS.items()}, "published:esim": esim}

OVER = {
    "published:esim": "1,581 x 3,724 px laid out compact (three steps a time axis): two texts through four "
                      "BiLSTMs, attention and merges; kept out of MODELS for its size",
}


NEEDS_TENSORFLOW = {"published:text_classification_rnn"}
"""The models with a layer that Keras makes with TensorFlow only (TextVectorization)."""


def _case(name):
    if name in OVER:
        return pytest.param(name, marks=pytest.mark.xfail(reason=OVER[name], strict=True))
    return pytest.param(name, marks=needs_tensorflow(name in NEEDS_TENSORFLOW))


@pytest.mark.slow  # draws every example and published model
@pytest.mark.parametrize("name", [_case(n) for n in BUILDERS])
def test_the_unrolled_view_fits_the_budget_or_says_it_does_not(name):
    model = BUILDERS[name]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scene = rnndiagram.diagram(model).scene
    said = [str(w.message) for w in caught if issubclass(w.category, rnndiagram.RnnDiagramWarning)]
    over = scene.width > BUDGET[0] or scene.height > BUDGET[1]
    assert any("budget" in s for s in said) == over, said  # over the budget exactly when warned of
    assert not over, f"{scene.width:,.0f} x {scene.height:,.0f} px"


@pytest.mark.slow  # draws every example and published model
@pytest.mark.parametrize("name", [pytest.param(n, marks=needs_tensorflow(n in NEEDS_TENSORFLOW)) for n in BUILDERS])
def test_the_rolled_view_fits_the_budget_and_reads_cleanly(name):
    """Rolled, every model fits, ESIM and DA-RNN too (a crowded row spreads both ways from
    what it reads; a layer read high up stands under its reader where the rows are too wide)."""
    from scene_checks import problems

    scene = rnndiagram.diagram(BUILDERS[name](), view="rolled").scene
    assert scene.width <= BUDGET[0] and scene.height <= BUDGET[1], f"{scene.width:,.0f} x {scene.height:,.0f} px"
    assert problems(scene) == []


@pytest.mark.slow  # lays out every published model
@pytest.mark.parametrize("name", [pytest.param(n, marks=needs_tensorflow(n in NEEDS_TENSORFLOW))
                                  for n in BUILDERS if n.startswith("published:")])
def test_the_least_height_of_a_published_model_is_at_most_its_height(name):
    from dataclasses import replace

    from rnndiagram.layout import layout, least_height

    graph = replace(rnndiagram.diagram(BUILDERS[name]()).figure, compact=False)
    assert least_height(graph) <= layout(graph).height


def test_a_drawing_within_the_budget_is_not_laid_out_compact(example_models):
    assert not rnndiagram.diagram(example_models["seed_stacked"]).figure.compact


def _texts(scene):
    from rnndiagram.layout.scene import Label, walk

    return sorted(i.text for i in walk(scene.items) if isinstance(i, Label))


@pytest.mark.parametrize("name", examples.names())
def test_the_compact_layout_draws_the_same_things_shorter_and_clean(name, example_models):
    from dataclasses import replace

    from rnndiagram.layout import layout
    from scene_checks import problems

    figure = rnndiagram.diagram(example_models[name]).figure
    roomy, compact = layout(replace(figure, compact=False)), layout(replace(figure, compact=True))
    assert _texts(compact) == _texts(roomy)
    assert compact.height < roomy.height
    assert problems(compact) == []


def test_a_drawing_too_tall_for_the_budget_is_laid_out_compact_to_fit(monkeypatch):
    from dataclasses import replace

    from rnndiagram.layout import layout, least_height
    from rnndiagram.views import unrolled

    measured = []
    real = unrolled._measured
    monkeypatch.setattr(unrolled, "_measured", lambda graph, options: measured.append(graph) or real(graph, options))
    model = _blocks(9)
    with warnings.catch_warnings():
        warnings.simplefilter("error", rnndiagram.RnnDiagramWarning)  # it fits: no warning
        diagram = rnndiagram.diagram(model)
        scene = diagram.scene
    roomy = replace(diagram.figure, compact=False)
    assert diagram.figure.compact
    assert layout(roomy).height > least_height(roomy) > BUDGET[1] >= scene.height
    assert [g.compact for g in measured] == [True]  # surely too tall: never laid out roomy first


@pytest.mark.parametrize("compact", [False, True])
def test_the_least_height_is_at_most_the_height_of_the_layout(example_specs, compact):
    """least_height decides, before any layout, that a drawing is too tall: it must never
    say more than the layout gives."""
    from dataclasses import replace

    from rnndiagram.layout import layout, least_height

    for name, spec in example_specs.items():
        graph = replace(rnndiagram.diagram(spec, max_timesteps=4).figure, compact=compact)
        height = layout(graph).height
        assert 0 < least_height(graph) <= height, name


def _blocks(count):
    import keras

    layers = [keras.Input((5, 3))]
    for i in range(count):  # different blocks: nothing to fold
        layers += [keras.layers.LSTM(4 + i, return_sequences=True),
                   keras.layers.TimeDistributed(keras.layers.Dense(3 + i))]
    return keras.Sequential(layers)


def test_a_drawing_far_too_tall_is_laid_out_once_compact_with_the_fewest_steps(monkeypatch):
    """Over twice the budget before any layout: no layout brings it within, so it is laid out
    once, compact (shorter, and faster to lay out) and with the fewest steps a time axis, as
    a drawing over the budget is; steps asked for are kept."""
    from rnndiagram.views import unrolled

    measured = []
    real = unrolled._measured
    monkeypatch.setattr(unrolled, "_measured", lambda graph, options: measured.append(graph) or real(graph, options))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = rnndiagram.diagram(_blocks(20)).figure
    said = [str(w.message) for w in caught if issubclass(w.category, rnndiagram.RnnDiagramWarning)]
    assert measured == [figure] and figure.compact
    assert {len(p.columns) for p in figure.panels if p.kind == "time"} == {unrolled.FEWEST_STEPS}
    assert any("far over the 3,000 px budget: each time axis shows 3 steps, not 4; pass max_timesteps=5" in s
               for s in said), said
    assert any("over the 1,600 x 3,000 px budget" in s for s in said), said

    measured.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        asked = rnndiagram.diagram(_blocks(20), max_timesteps=5).figure
    assert measured == [asked] and asked.compact
    assert {len(p.columns) for p in asked.panels if p.kind == "time"} == {5}


def test_a_both_view_over_the_budget_says_so_and_how_to_draw_one_half(example_models):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        big = rnndiagram.diagram(example_models["deepspeech2"], view="both").scene  # two halves within it
        small = rnndiagram.diagram(example_models["seed_stacked"], view="both").scene
    said = [str(w.message) for w in caught if issubclass(w.category, rnndiagram.RnnDiagramWarning)]
    assert big.height > BUDGET[1] and small.height <= BUDGET[1] and small.width <= BUDGET[0]
    assert said == [f"the both view of deepspeech2 is {big.width:,.0f} x {big.height:,.0f} px, over the 1,600 x "
                    f"3,000 px budget; view='unrolled' or view='rolled' (--view) draws one of its halves"]


@pytest.mark.slow  # builds a model of 125 layers
def test_a_big_random_graph_keeps_within_the_budget_width_and_reads_cleanly():
    """The frame of a run of repeated blocks stands out left of its band: the bands are
    placed in what it leaves of the width (this graph was 1,606 px wide). Its corridor lanes
    clashed with an edge 0.3 px away, and a repeat's title lay on a shape line."""
    import keras

    from benchmarks.run import random_dag
    from scene_checks import problems

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rnndiagram.RnnDiagramWarning)  # far too tall, and said so
        diagram = rnndiagram.diagram(random_dag(keras, 125))
        scene = diagram.scene
    assert any(row.repeat for panel in diagram.figure.panels for row in panel.rows)
    assert BUDGET[0] - 20 < scene.width <= BUDGET[0]  # it takes the width, and no more
    assert problems(scene) == []


@pytest.mark.slow  # builds a model of 60 layers
def test_a_placement_that_does_not_settle_keeps_its_last_shelves_and_is_routed_on_them(monkeypatch):
    """A random graph of 60 layers whose bands change shelves once as the routes widen them,
    then settle; allowed one round, the layout routes its edges again on the shelves of the
    last placement, which keep their bands: no edge crosses a band it was not routed round."""
    import keras

    import rnndiagram.layout as layout_module
    from benchmarks.run import random_dag
    from scene_checks import problems

    figure = rnndiagram.diagram(random_dag(keras, 60, seed=1)).figure
    placed = []
    real = layout_module.placement
    monkeypatch.setattr(layout_module, "placement", lambda *args, **kwargs: placed.append(
        (real(*args, **kwargs), kwargs.get("shelves") is not None)) or placed[-1][0])
    layout_module.layout(figure)
    shelves = [[s.bands for s in p] for p, _ in placed]
    assert len(shelves) == 3 and shelves[0] != shelves[1] == shelves[2]  # settled in its second round
    placed.clear()
    monkeypatch.setattr(layout_module, "PLACE_ROUNDS", 1)
    scene = layout_module.layout(figure)
    assert [kept for _, kept in placed] == [False, False, True]
    assert [s.bands for s in placed[2][0]] == [s.bands for s in placed[1][0]]
    assert problems(scene) == []
