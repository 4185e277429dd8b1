"""A chain of vector layers (each reading the one before it alone) is one compact row: one
box per step (or one box above the stack) listing its layers, a gutter naming each with its
output shape, and the last one's output as strips."""

from __future__ import annotations

import numpy as np
import pytest

import rnndiagram
from rnndiagram.spec import Connection, LayerSpec, ModelSpec, TensorRef
from rnndiagram.unroll import unroll
from scene_checks import problems


def _layer(name, cls, role, shape_in, shape_out, reads, config=()):
    kind = "sequence" if len(shape_in) >= 3 else "vector"
    return LayerSpec(name, name, cls, role, (shape_in,), (shape_out,),
                     inbound=(Connection(reads, 0, 0, kind, shape_in),), config=config)


def _model(*layers, outputs):
    x = layers[0]
    return ModelSpec("m", "Functional", (TensorRef(x.id, 0, x.output_shapes[0]),),
                     tuple(TensorRef(o, 0, next(l for l in layers if l.id == o).output_shapes[0]) for o in outputs),
                     tuple(layers))


SEQ = (None, 5, 8)
X = LayerSpec("x", "x", "InputLayer", "input", (), (SEQ,))
HEAD = (
    _layer("dense", "Dense", "per_step", SEQ, (None, 5, 16), "x", (("units", 16),)),
    _layer("relu", "ReLU", "per_step", (None, 5, 16), (None, 5, 16), "dense"),
    _layer("drop", "Dropout", "per_step", (None, 5, 16), (None, 5, 16), "relu", (("rate", 0.5),)),
    _layer("out", "Dense", "per_step", (None, 5, 16), (None, 5, 11), "drop", (("units", 11),)),
)


def _rows(graph, layer):
    return [r for p in graph.panels for r in p.rows if r.layer == layer]


def test_a_per_step_chain_is_one_row_of_boxes_listing_its_layers():
    g = unroll(_model(X, *HEAD, outputs=("out",)))
    assert not any(_rows(g, name) for name in ("dense", "relu", "drop"))
    boxes, strips = _rows(g, "out")
    assert (boxes.kind, strips.kind) == ("boxes", "strips")
    assert boxes.gutter == ("out · Dense(11)", "→ (None, 5, 11)", "drop · Dropout(0.5)", "→ (None, 5, 16)",
                            "relu · ReLU", "→ (None, 5, 16)", "dense · Dense(16)", "→ (None, 5, 16)")
    assert [i for i in range(8) if boxes.named(i)] == [0, 2, 4, 6]  # each name bold
    labels = [n.label for n in g.nodes if n.layer == "out" and n.kind == "box"]
    assert labels == ["Dense(11)\nDropout(0.5)\nReLU\nDense(16)"] * 3  # steps 1, 2, …, 5
    assert [e.src for e in g.edges if e.dst == "out-t1"] == ["x-x-t1"]


def test_a_chain_stops_where_a_layer_has_two_readers_or_is_an_output():
    dense, relu, drop, out = HEAD
    other = _layer("other", "Dense", "per_step", (None, 5, 16), (None, 5, 2), "relu", (("units", 2),))
    g = unroll(_model(X, dense, relu, drop, out, other, outputs=("out", "other")))
    assert [r.kind for r in _rows(g, "relu")] == ["boxes", "strips"]  # dense and relu: a chain of two
    assert [line for line in _rows(g, "relu")[0].gutter if " · " in line] == ["relu · ReLU", "dense · Dense(16)"]
    assert _rows(g, "dense") == _rows(g, "drop") == []
    assert [line for line in _rows(g, "out")[0].gutter if " · " in line] == ["out · Dense(11)", "drop · Dropout(0.5)"]
    assert _rows(g, "other")[0].gutter[0] == "other"  # alone
    g = unroll(_model(X, dense, relu, drop, out, outputs=("relu", "out")))
    assert _rows(g, "relu")[0].gutter[0] == "relu · ReLU" and _rows(g, "out")[0].gutter[0] == "out · Dense(11)"


def test_a_single_layer_is_drawn_as_before():
    dense = HEAD[0]
    g = unroll(_model(X, dense, outputs=("dense",)))
    assert _rows(g, "dense")[0].gutter == ("dense", "Dense(16)", "→ (None, 5, 16)")
    assert {n.label for n in g.nodes if n.layer == "dense" and n.kind == "box"} == {"Dense"}


def test_a_chain_of_vectors_is_one_box_above_the_stack():
    v = (None, 8)
    x = LayerSpec("x", "x", "InputLayer", "input", (), (v,))
    a = _layer("a", "Dense", "vector", v, (None, 4), "x", (("units", 4),))
    b = _layer("b", "LayerNormalization", "vector", (None, 4), (None, 4), "a")
    g = unroll(_model(x, a, b, outputs=("b",)))
    (box,) = [n for n in g.nodes if n.kind == "box"]
    assert (box.id, box.label) == ("b-box", "LayerNorm\nDense(4)")
    assert _rows(g, "b")[0].gutter == ("b · LayerNormalization", "→ (None, 4)", "a · Dense(4)", "→ (None, 4)")


@pytest.mark.slow  # builds Keras models and runs one
def test_a_keras_head_is_compact_its_shapes_keras_s_and_its_scene_clean():
    import keras

    inp = keras.Input((7, 3), name="x")
    h = keras.layers.GRU(8, return_sequences=True, name="gru")(inp)
    layers = [keras.layers.Dense(16, name="d1"), keras.layers.ReLU(name="act"),
              keras.layers.Dropout(0.5, name="drop"), keras.layers.Dense(11, name="logits")]
    y = h
    for layer in layers:
        y = layer(y)
    model = keras.Model(inp, y)
    d = rnndiagram.diagram(model)
    (row,) = [r for p in d.graph.panels for r in p.rows if r.kind == "boxes"]
    probe = keras.Model(inp, [l.output for l in layers])
    actual = probe(np.zeros((2, 7, 3), "float32"))
    for layer, out in zip(layers, actual):
        shape = "(None, 7, " + str(out.shape[-1]) + ")"
        assert f"→ {shape}" in row.gutter[row.gutter.index(next(g for g in row.gutter
                                                                 if g.startswith(layer.name + " ")))+ 1]
    assert [line.split(" · ")[0] for line in row.gutter[::2]] == ["logits", "drop", "act", "d1"]
    assert problems(d.scene) == []
    svg = d.to_svg()
    for text in ("Dense(16)", "ReLU", "Dropout(0.5)", "Dense(11)", "d1 · Dense(16)"):
        assert f">{text}<" in svg


# -- the size budget ----------------------------------------------------------------------

def _wide_model(steps):
    """A per-step layer whose class name is long: each of its boxes is wide, so that four
    steps of its time axis are wider than the budget, and three are not."""
    x = LayerSpec("x", "x", "InputLayer", "input", (), ((None, steps, 8),))
    d = _layer("d", "PositionwiseFeedForwardProjectionLayerXXXXXXX", "per_step", (None, steps, 8),
               (None, steps, 8), "x")
    return _model(x, d, outputs=("d",))


def _columns(d):
    return {len(p.columns) for p in d.graph.panels if p.kind == "time"}


def test_a_drawing_too_wide_shows_fewer_steps_and_says_how_to_see_more():
    spec = _wide_model(9)
    with pytest.warns(rnndiagram.RnnDiagramWarning, match="shows 3 steps, not 4; pass max_timesteps=5"):
        d = rnndiagram.diagram(spec)
        assert _columns(d) == {3}
        assert d.scene.width <= 1600
    assert d.scene is d.scene  # laid out once, the scene the budget measured


def test_an_explicit_max_timesteps_is_drawn_as_asked_and_over_budget_warned_of():
    with pytest.warns(rnndiagram.RnnDiagramWarning, match=r"over the 1,600 x 3,000 px budget; a smaller "
                                                         r"max_timesteps \(--max-timesteps\) shows fewer steps"):
        d = rnndiagram.diagram(_wide_model(9), max_timesteps=6)
        assert _columns(d) == {6} and d.scene.width > 1600


def test_a_drawing_within_budget_is_not_changed_nor_warned_of(recwarn):
    d = rnndiagram.diagram(_model(X, *HEAD, outputs=("out",)))
    assert _columns(d) == {4} and d.scene.width <= 1600
    assert not [w for w in recwarn if issubclass(w.category, rnndiagram.RnnDiagramWarning)]


def test_the_command_line_says_the_budget_warning_on_one_line(tmp_path):
    from click.testing import CliRunner

    from rnndiagram.cli import main

    spec = tmp_path / "wide.json"
    spec.write_text(_wide_model(9).to_json())
    result = CliRunner().invoke(main, ["export", str(spec), "-o", str(tmp_path / "wide.svg")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Warning: the unrolled view of m would be 1,969 px wide, more than 1,600 px: each time axis shows 3 "
        "steps, not 4; pass max_timesteps=5 (--max-timesteps 5) or more to see more of them"]
    assert (tmp_path / "wide.svg").read_text().count('class="rnd-box"') == 2  # steps 1, …, 9


def test_values_mode_keeps_the_steps_asked_for_and_warns_of_the_width():
    """The numbers of four steps are what values mode was asked for: drawn, and the width
    over the budget said."""
    from rnndiagram.api import Diagram
    from rnndiagram.options import DiagramOptions

    spec = _wide_model(9)
    with pytest.warns(rnndiagram.RnnDiagramWarning, match="over the 1,600 x 3,000 px budget"):
        d = Diagram(spec, DiagramOptions(), values={"x:0:1": (0.5,) * 8})
        assert _columns(d) == {4}
