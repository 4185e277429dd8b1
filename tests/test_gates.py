"""The gate view (``cell="gates"``): one step inside each recurrent cell, its gates with the
activations of its config and every weight with its shape, and its parameter count."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Dict, List

import keras
import pytest
from keras import layers
from graphviz_tools import needs_dot, parse_dot
from scene_checks import problems
from test_cells import FOCUSED, direct_cell_model, keras_recurrent

import rnndiagram
from rnndiagram.errors import OptionError, UnsupportedLayerError
from rnndiagram.views.gates.figure import gate_figure
from rnndiagram.saved import read_saved
from rnndiagram.spec import ModelSpec

pytestmark = pytest.mark.usefixtures("keep_keras_auto_names")

GATES = {"lstm": {"f", "i", "g", "o"}, "gru": {"z", "r", "h"}, "simple_rnn": {"h"}}
SVG = "{http://www.w3.org/2000/svg}"


def groups(svg: str, cls: str) -> List[ET.Element]:
    """The <g> elements whose class list holds every class in ``cls``."""
    wanted = set(cls.split())
    return [g for g in ET.fromstring(svg).iter(f"{SVG}g") if wanted <= set((g.get("class") or "").split())]


def params_by_layer(svg: str) -> Dict[str, int]:
    found: Dict[str, int] = defaultdict(int)
    for g in groups(svg, "rnd-cell rnd-gates"):
        found[g.get("data-layer")] += int(g.get("data-params"))
    return dict(found)


def texts(svg: str) -> List[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_every_example_cell_shows_the_parameters_keras_counts(example_models, example_specs):
    """For every recurrent layer of every example: the cells drawn for it carry data-params
    adding up to Keras's count_params(); each is laid out cleanly."""
    for name, model in example_models.items():
        d = rnndiagram.diagram(example_specs[name], cell="gates", fold_repeats=False)
        found = params_by_layer(d.to_svg())
        expected = {path: layer.count_params() for path, layer in keras_recurrent(model)}
        assert found == expected, name
        assert problems(d.scene) == [], name


def test_the_file_reader_draws_the_same_gate_view(example_models, example_specs, tmp_path):
    for name in ("lstm_classifier", "stacked_bidirectional_lstm", "convlstm_next_frame", "custom_cell_rnn"):
        path = tmp_path / f"{name}.keras"
        example_models[name].save(path)
        assert rnndiagram.diagram(read_saved(path), cell="gates").to_svg() == \
            rnndiagram.diagram(example_specs[name], cell="gates").to_svg()


def test_gates_and_weights_are_marked_for_checking(example_specs):
    svg = rnndiagram.diagram(example_specs["lstm_classifier"], cell="gates").to_svg()
    gates = groups(svg, "rnd-gate")
    assert sorted(g.get("data-gate") for g in gates) == ["f", "g", "i", "o"]
    weights = groups(svg, "rnd-weight")
    shapes = {(g.get("data-weight"), g.get("data-gate"), g.get("data-shape")) for g in weights}
    assert ("kernel", "f", "(8, 32)") in shapes and ("recurrent_kernel", "o", "(32, 32)") in shapes
    assert ("bias", "i", "(32,)") in shapes
    assert {(g.get("data-weight"), g.get("data-shape")) for g in weights if g.get("data-gate") is None} == {
        ("kernel", "(8, 128)"), ("recurrent_kernel", "(32, 128)"), ("bias", "(128,)")}
    cell, = groups(svg, "rnd-cell rnd-gates")
    assert (cell.get("data-layer"), cell.get("data-params"), cell.get("data-t")) == ("lstm", "5248", "t")
    assert "8×128 + 32×128 + 128 = 5,248 parameters" in texts(svg)


def _gate_svg(model: keras.Model, **options) -> str:
    return rnndiagram.diagram(model, cell="gates", **options).to_svg()


def test_each_nonlinearity_is_the_configs_and_biases_follow_use_bias():
    svg = _gate_svg(FOCUSED["lstm_settings"]())
    words = texts(svg)
    assert "hard_sigmoid(xₜ·W_f + hₜ₋₁·U_f)" in words and "relu(xₜ·W_g + hₜ₋₁·U_g)" in words
    assert "relu" in words and "tanh" not in " ".join(words)  # the cell state is squashed by relu too
    assert not any(g.get("data-weight") == "bias" for g in groups(svg, "rnd-weight"))
    assert "use_bias=False: no biases" in words
    assert "dropout 0.25 (training only)" in words and "recurrent_dropout 0.5 (training only)" in words
    assert not any("unit_forget_bias" in w for w in words)
    default = texts(_gate_svg(keras.Sequential([keras.Input((3, 2)), layers.LSTM(2, name="l")])))
    assert "b_f starts at 1 (unit_forget_bias)" in default and "sigmoid(xₜ·W_f + hₜ₋₁·U_f + b_f)" in default


def test_the_two_gru_modes_differ_where_r_is_applied_and_in_their_biases():
    after = _gate_svg(keras.Sequential([keras.Input((3, 2)), layers.GRU(5, name="l")]))
    before = _gate_svg(FOCUSED["gru_reset_before"]())
    assert "u = hₜ₋₁·U_h + b_h′" in texts(after) and "tanh(xₜ·W_h + b_h + r⊙u)" in texts(after)
    assert "tanh(xₜ·W_h + (r⊙hₜ₋₁)·U_h + b_h)" in texts(before)
    assert not groups(before, "rnd-linear") and len(groups(after, "rnd-linear")) == 1
    bias_after = {g.get("data-shape") for g in groups(after, "rnd-weight") if g.get("data-weight") == "bias"}
    bias_before = {g.get("data-shape") for g in groups(before, "rnd-weight") if g.get("data-weight") == "bias"}
    assert bias_after == {"(2, 15)", "(5,)"} and bias_before == {"(15,)", "(5,)"}
    assert sorted(g.get("data-gate") for g in groups(after, "rnd-gate")) == ["h", "r", "z"]


def test_convlstm_convolves_and_shows_its_kernel():
    for name, rank in (("conv_lstm_1d", 1), ("conv_lstm_2d_valid", 2), ("conv_lstm_3d", 3)):
        svg = _gate_svg(FOCUSED[name]())
        words = texts(svg)
        assert any(w.startswith("kernel ") and "padding" in w for w in words), name
        assert any(" ∗ xₜ" in w for w in words), name
        kernel = next(g for g in groups(svg, "rnd-weight") if g.get("data-weight") == "kernel" and g.get("data-gate"))
        assert kernel.get("data-shape").count(",") == rank + 1, name


def test_a_bidirectional_draws_its_two_directions_once_where_they_are_alike(example_specs):
    svg = rnndiagram.diagram(example_specs["stacked_bidirectional_lstm"], cell="gates").to_svg()
    cells = groups(svg, "rnd-cell rnd-gates")
    assert [(c.get("data-layer"), c.get("data-direction")) for c in cells] == [("bilstm_1", "both"),
                                                                                ("bilstm_2", "both")]
    words = texts(svg)
    assert "bilstm_1 · forward and backward" in words
    assert any(w.startswith("backward: the same cell with its own weights") for w in words)
    assert "1,728 parameters each (3,456 in all)" in words  # LSTM(16) on 10 features: 4*16*(10+16+1)


def _twins(backward_units=4, reads_other=False):
    inputs = keras.Input((5, 3))
    forward = layers.GRU(4, return_sequences=True, name="gru_a")(inputs)
    source = forward if reads_other else inputs
    backward = layers.GRU(backward_units, return_sequences=True, go_backwards=True, name="gru_b")(source)
    merged = layers.Add()([forward, backward]) if backward_units == 4 else layers.Concatenate()([forward, backward])
    return keras.Model(inputs, merged)


def test_a_gru_and_its_go_backwards_twin_on_one_sequence_are_one_figure():
    model = _twins()
    svg = _gate_svg(model)
    cells = groups(svg, "rnd-cell rnd-gates")
    assert [(c.get("data-layer"), c.get("data-also"), c.get("data-params")) for c in cells] == [
        ("gru_a", "gru_b", str(model.get_layer("gru_a").count_params() + model.get_layer("gru_b").count_params()))]
    words = texts(svg)
    assert "gru_a and gru_b" in words
    assert any(w.startswith("gru_b: the same cell with its own weights, run from the last step") for w in words)
    # Drawn apart: every layer asked for, a cell of another size, or a backward layer reading the forward one.
    for drawn in (rnndiagram.diagram(model, cell="gates", fold_repeats=False).to_svg(), _gate_svg(_twins(5)),
                  _gate_svg(_twins(reads_other=True))):
        assert [c.get("data-layer") for c in groups(drawn, "rnd-cell rnd-gates")] == ["gru_a", "gru_b"]


def test_a_bidirectional_draws_each_direction_where_a_step_or_its_cells_tell_them_apart(example_specs):
    stepped = rnndiagram.diagram(example_specs["stacked_bidirectional_lstm"], cell="gates", step=3).to_svg()
    cells = groups(stepped, "rnd-cell rnd-gates")
    assert [(c.get("data-layer"), c.get("data-direction")) for c in cells] == [
        ("bilstm_1", "forward"), ("bilstm_1", "backward"), ("bilstm_2", "forward"), ("bilstm_2", "backward")]
    words = texts(stepped)
    assert "h₂" in words and "h₄" in words  # forward reads h₂ at step 3, backward h₄
    inputs = keras.Input((5, 3))
    mixed = layers.Bidirectional(layers.LSTM(4, return_sequences=True),
                                 backward_layer=layers.GRU(4, return_sequences=True, go_backwards=True))
    svg = _gate_svg(keras.Model(inputs, mixed(inputs)))
    assert [c.get("data-direction") for c in groups(svg, "rnd-cell rnd-gates")] == ["forward", "backward"]


def test_a_stack_of_cells_and_a_custom_cell_and_a_cell_called_directly():
    stacked = _gate_svg(FOCUSED["stacked_cells"]())
    assert [c.get("data-cell") for c in groups(stacked, "rnd-cell rnd-gates")] == ["1", "2", "3"]
    assert "y1ₜ" in texts(stacked)  # the second cell reads the first one's output
    direct = _gate_svg(direct_cell_model())
    assert [c.get("data-layer") for c in groups(direct, "rnd-cell rnd-gates")] == ["warm_up", "cell"]
    assert any("called directly" in w for w in texts(direct))


def test_a_custom_cell_is_one_box(example_specs):
    svg = rnndiagram.diagram(example_specs["custom_cell_rnn"], cell="gates").to_svg()
    assert not groups(svg, "rnd-gate") and len(groups(svg, "rnd-custom")) == 1
    assert "its step is its own code" in texts(svg) and "54 parameters" in texts(svg)


class QRNNCell(layers.Layer):
    """fo-pooling over the convolution's z, f, o: c = f c + (1 - f) z, h = o c."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = self.state_size = self.output_size = units

    def call(self, zfo, states):
        z, f, o = keras.ops.split(zfo, 3, axis=-1)
        c = keras.ops.sigmoid(f) * states[0] + (1 - keras.ops.sigmoid(f)) * keras.ops.tanh(z)
        return keras.ops.sigmoid(o) * c, [c]


class QRNN(layers.RNN):
    """A quasi-recurrent layer (Bradbury et al., 2016; after DingKe/nn_playground, qrnn.py):
    every weight is in the convolution it runs before its cell, none in the cell."""

    def __init__(self, units, window=2, **kwargs):
        super().__init__(QRNNCell(units), **kwargs)
        self.conv = layers.Conv1D(3 * units, window, padding="causal", name="conv")

    def build(self, input_shape):
        self.conv.build(input_shape)
        super().build(tuple(input_shape[:-1]) + (3 * self.cell.units,))

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(self.conv(sequences), initial_state=initial_state, mask=mask, training=training)


def test_a_custom_layers_weights_outside_its_cell_are_its_parameters():
    x = keras.Input((20, 128))
    model = keras.Model(x, layers.Dense(2)(QRNN(128, name="qrnn")(x)))
    svg = rnndiagram.diagram(model, cell="gates").to_svg()
    assert params_by_layer(svg) == {"qrnn": 98_688} == {"qrnn": model.get_layer("qrnn").count_params()}
    assert "2×128×384 + 384 = 98,688 parameters" in texts(svg)


def test_step_names_the_tensors_and_is_checked(example_specs):
    spec = example_specs["seed_simple_rnn"]
    words = texts(rnndiagram.diagram(spec, cell="gates", step=2).to_svg())
    assert {"x₂", "h₁", "h₂", "output h₂"} <= set(words)
    assert "tanh(x₂·W + h₁·U + b)" in words
    with pytest.raises(OptionError, match=r"^step=4 is past the 3 timesteps of layer 'simple_rnn'; choose a step "
                                          r"from 1 to 3 \(--step\)$"):
        rnndiagram.diagram(spec, cell="gates", step=4).to_svg()
    with pytest.raises(OptionError, match="step must be a timestep from 1 on, got 0"):
        rnndiagram.diagram(spec, cell="gates", step=0)


def test_bad_cell_and_view_values_are_one_line_errors(example_specs):
    spec = example_specs["seed_simple_rnn"]
    with pytest.raises(OptionError, match=r"^cell must be 'box' \(cells drawn as boxes\) or 'gates' .*got 'gate'$"):
        rnndiagram.diagram(spec, cell="gate")
    with pytest.raises(OptionError, match="^view must be one of unrolled, rolled, both; got 'folded'$"):
        rnndiagram.diagram(spec, view="folded")
    with pytest.raises(OptionError, match="choose one of them"):
        rnndiagram.diagram(spec, cell="gates", view="rolled")


def test_options_the_view_does_not_use_are_said(example_specs):
    spec = example_specs["seed_simple_rnn"]
    with pytest.warns(rnndiagram.RnnDiagramWarning, match="step .* is the timestep the gate view draws"):
        rnndiagram.diagram(spec, step=2)
    with pytest.warns(rnndiagram.RnnDiagramWarning, match="the gate view does not draw them"):
        rnndiagram.diagram(spec, cell="gates", tokens="I am groot")


def test_a_model_without_recurrent_layers_and_an_old_spec_say_why(example_specs):
    plain = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="d")], name="plain")
    with pytest.raises(UnsupportedLayerError, match="has no recurrent layer"):
        rnndiagram.diagram(plain, cell="gates").to_svg()
    data = example_specs["lstm_classifier"].to_dict()
    for layer in data["layers"]:
        if layer["recurrent"]:
            del layer["recurrent"]["cell_specs"]
    with pytest.raises(UnsupportedLayerError, match="inspect the model again to draw its gates"):
        gate_figure(ModelSpec.from_dict(data))


def test_the_gate_view_repeats_exactly_and_only_uses_its_own_stylesheet(example_specs):
    spec = example_specs["char_seq2seq"]
    first = rnndiagram.diagram(spec, cell="gates", theme="auto").to_svg()
    assert first == rnndiagram.diagram(spec, cell="gates", theme="auto").to_svg()
    assert ".rnd-gate-frame" in first and "@media (prefers-color-scheme: dark)" in first
    assert ".rnd-gate-frame" not in rnndiagram.diagram(spec).to_svg()


@needs_dot
def test_the_gate_view_in_dot_is_accepted_by_graphviz(example_specs):
    for name in ("gru_masked_embedding", "stacked_bidirectional_lstm", "custom_cell_rnn"):
        source = rnndiagram.diagram(example_specs[name], cell="gates").to_dot()
        assert source.count("subgraph cluster_") == len(gate_figure(example_specs[name]).cells)
        assert re.search(r"forget gate|update gate|custom", parse_dot(source))


def time_distributed_models() -> List[keras.Model]:
    """A recurrent layer run at each step by TimeDistributed: inside a model, and alone."""
    words = keras.Input((6, 3), name="words")
    encoder = keras.Model(words, layers.LSTM(4, name="word_lstm")(words), name="encoder")
    review = keras.Input((5, 6, 3), name="review")
    in_model = keras.Model(review, layers.GRU(3, name="gru")(layers.TimeDistributed(encoder, name="sentences")(review)))
    alone = layers.TimeDistributed(layers.LSTM(4, name="word_lstm"), name="sentences")(review)
    return [in_model, keras.Model(review, layers.GRU(3, name="gru")(alone))]


def test_what_time_distributed_runs_has_its_gates_drawn():
    for model in time_distributed_models():
        d = rnndiagram.diagram(model, cell="gates")
        assert params_by_layer(d.to_svg()) == {"sentences/word_lstm": 128, "gru": 81}
        assert sum(c.params for c in d.figure.cells) == model.count_params() == 209
        assert problems(d.scene) == []


def headings(d) -> Dict[str, tuple]:
    return {c.key: c.heading for c in d.figure.cells}


def test_one_step_for_every_layer_draws_a_shorter_layers_last_step_and_says_so(example_specs):
    spec = example_specs["addition_rnn"]  # encoder of 7 steps, decoder of 4
    found = headings(rnndiagram.diagram(spec, cell="gates", step=7))
    assert found["encoder"][1].endswith("step 7 of 7") and len(found["encoder"]) == 3
    assert (found["decoder"][1][-11:], found["decoder"][2]) == ("step 4 of 4",
                                     "step 7 is past its 4 timesteps: its last step is drawn")
    with pytest.raises(OptionError, match=r"^step=8 is past the 7 timesteps of layer 'encoder'; choose a step "
                                          r"from 1 to 7 \(--step\)$"):
        rnndiagram.diagram(spec, cell="gates", step=8).to_svg()


def test_a_step_per_layer_by_name_each_checked_against_its_own_end(example_specs):
    spec = example_specs["addition_rnn"]
    found = headings(rnndiagram.diagram(spec, cell="gates", step={"encoder": 6, "decoder": 2}))
    assert found["encoder"][1].endswith("step 6 of 7") and found["decoder"][1].endswith("step 2 of 4")
    only = headings(rnndiagram.diagram(spec, cell="gates", step={"decoder": 3}))
    assert only["encoder"][1].endswith("step t of T = 7") and only["decoder"][1].endswith("step 3 of 4")
    with pytest.raises(OptionError, match=r"^step=5 is past the 4 timesteps of layer 'decoder'"):
        rnndiagram.diagram(spec, cell="gates", step={"decoder": 5}).to_svg()
    with pytest.raises(OptionError, match=r"^step names layer 'nope', .* name one of 'encoder', 'decoder'"):
        rnndiagram.diagram(spec, cell="gates", step={"nope": 1}).to_svg()
    with pytest.raises(OptionError, match=r"^step must map layer names to timesteps from 1 on, got 'decoder': 0$"):
        rnndiagram.diagram(spec, cell="gates", step={"decoder": 0})


def test_the_gate_view_of_an_unknown_length_honours_timesteps(example_specs):
    spec = example_specs["gru_masked_embedding"]
    found = headings(rnndiagram.diagram(spec, cell="gates", timesteps=5, step=5))
    assert found["gru"][1].endswith(", step 5 of ? (drawn as 5)")
    with pytest.raises(OptionError, match=r"^step=6 is past the 5 timesteps layer 'gru' is drawn with "
                                          r"\(--timesteps 5\); choose a step from 1 to 5 \(--step\), or a "
                                          r"longer --timesteps$"):
        rnndiagram.diagram(spec, cell="gates", timesteps=5, step=6).to_svg()
    assert headings(rnndiagram.diagram(spec, cell="gates", step=50))["gru"][1].endswith("step 50 of ?")
