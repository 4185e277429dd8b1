"""Values mode: the numbers in the strips are the numbers Keras computes."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import rnndiagram
from rnndiagram.errors import OptionError
from rnndiagram.spec import value_key


def strip_values(diagram, node_id):
    return diagram.graph.node(node_id).strip.values


def test_outputs_and_states_equal_a_real_forward_pass(example_models):
    model = example_models["seed_return_sequences"]
    sample = np.array([[[0.5, 0.4], [0.3, 0.1], [0.7, 0.5]]], "float32")
    d = rnndiagram.diagram(model, values=True, sample=sample)
    expected = keras.ops.convert_to_numpy(model(sample))[0]
    for t in range(3):
        assert strip_values(d, f"simple_rnn-out-t{t + 1}") == pytest.approx(expected[t], abs=1e-6)
    # A SimpleRNN's state after step t is its output at step t: two computations agree.
    carried = {e.src: e.strip.values for e in d.graph.edges if e.kind == "state" and e.strip}
    assert carried["simple_rnn-t1"] == pytest.approx(expected[0], abs=1e-6)
    assert carried["simple_rnn-t2"] == pytest.approx(expected[1], abs=1e-6)
    assert strip_values(d, "words-x-t2") == pytest.approx((0.3, 0.1))


def test_lstm_states_stepped_by_hand_match_keras():
    x = keras.Input((3, 2), name="x")
    _, h, c = keras.layers.LSTM(3, return_state=True, name="lstm")(x)
    model = keras.Model(x, [h, c], name="lstm_states")
    sample = np.array([[[0.5, 0.4], [0.3, 0.1], [0.7, 0.5]]], "float32")
    d = rnndiagram.diagram(model, values=True, sample=sample)
    h_keras, c_keras = (keras.ops.convert_to_numpy(v)[0] for v in model(sample))
    assert strip_values(d, "lstm-hT") == pytest.approx(h_keras, abs=1e-6)
    assert strip_values(d, "lstm-cT") == pytest.approx(c_keras, abs=1e-6)
    assert rnndiagram.diagram(model).graph.node("lstm-hT").strip.values is None  # only when asked


def test_unknown_length_is_drawn_as_the_length_run(example_models):
    d = rnndiagram.diagram(example_models["variable_length"], values=True)
    assert d.options.timesteps == 4 and [c.key for c in d.graph.panels[0].columns] == ["1", "2", "3", "4"]


def test_default_sample_is_seeded(example_models):
    model = example_models["seed_simple_rnn"]
    a = rnndiagram.diagram(model, values=True, seed=3).to_svg()
    assert rnndiagram.diagram(model, values=True, seed=3).to_svg() == a
    assert rnndiagram.diagram(model, values=True, seed=4).to_svg() != a


def test_values_need_the_live_model(example_specs, example_models):
    with pytest.raises(OptionError, match="Keras model itself"):
        rnndiagram.diagram(example_specs["seed_simple_rnn"], values=True)
    with pytest.raises(OptionError, match="2 array"):
        rnndiagram.diagram(example_models["seed_simple_rnn"], values=True, sample=[np.zeros((1, 3, 2))] * 2)


def test_masked_steps_keep_the_state_like_keras():
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(20, 3, mask_zero=True, name="emb")(tokens)
    model = keras.Model(tokens, keras.layers.GRU(2, name="gru")(embedded), name="masked_gru")
    sample = np.array([[3, 5, 0, 0]], "int32")  # two real steps, then padding
    d = rnndiagram.diagram(model, values=True, sample=sample)
    final = keras.ops.convert_to_numpy(model(sample))[0]
    assert d._values[value_key("gru", 0, 2, state="0/0")] == pytest.approx(final, abs=1e-6)
    assert d._values[value_key("gru", 0, 4, state="0/0")] == pytest.approx(final, abs=1e-6)


def test_masked_sequential_values_run(example_models):
    d = rnndiagram.diagram(example_models["gru_masked_embedding"], values=True)
    assert d.to_svg().startswith("<svg")


def test_a_sequential_loaded_from_a_file_gets_every_value(tmp_path, example_models):
    """Keras numbers a loaded Sequential's nodes from 1; the values still reach every layer."""
    path = tmp_path / "m.keras"
    example_models["seed_stacked"].save(path)
    sample = np.array([[[0.5, 0.4], [0.3, 0.1], [0.7, 0.5]]], "float32")
    loaded = rnndiagram.diagram(keras.saving.load_model(path), values=True, sample=sample)
    live = rnndiagram.diagram(example_models["seed_stacked"], values=True, sample=sample)
    assert strip_values(loaded, "simple_rnn-out-t1") is not None
    assert loaded.to_svg().count("rnd-value") == live.to_svg().count("rnd-value") > 40


def test_a_run_too_big_for_memory_is_refused_before_it_starts():
    """An input of a billion steps would take the machine's memory: nothing is allocated."""
    import keras

    model = keras.Sequential([keras.Input((10**9, 3)), keras.layers.SimpleRNN(2)], name="huge")
    with pytest.raises(OptionError, match=r"over 1,000,000,000 timesteps.*without values \(--values\)"):
        rnndiagram.diagram(model, values=True)


def test_the_length_of_an_unknown_axis_has_a_budget(example_models):
    from rnndiagram.read.values import MAX_VALUES_STEPS

    with pytest.raises(OptionError, match=r"--timesteps for an unknown length"):
        rnndiagram.diagram(example_models["variable_length"], values=True, timesteps=MAX_VALUES_STEPS + 1)


def test_the_numbers_of_one_run_have_a_budget(monkeypatch, example_models):
    from rnndiagram.read import values

    monkeypatch.setattr(values, "MAX_VALUES_NUMBERS", 9)
    with pytest.raises(OptionError, match=r"would make 10 numbers .* more than its budget of 9"):
        rnndiagram.diagram(example_models["seed_simple_rnn"], values=True)


@pytest.mark.parametrize("sample, message", [
    (np.zeros((1, 4, 2), "float32"), r"has shape \(1, 4, 2\), but the model takes \(None, 3, 2\)"),
    (np.zeros((3, 2), "float32"), r"has shape \(3, 2\)"),
    (np.array([[["a", "b"]] * 3]), "holds <U1 values"),
    (np.array([[[{}, {}]] * 3], dtype=object), "holds object values"),
])
def test_a_sample_that_does_not_fit_the_model_says_so(example_models, sample, message):
    with pytest.raises(OptionError, match=message):
        rnndiagram.diagram(example_models["seed_simple_rnn"], values=True, sample=sample)


@pytest.mark.slow
def test_a_stateful_layer_is_stepped_from_the_states_it_keeps():
    model = keras.Sequential([keras.Input((3, 2), batch_size=2), keras.layers.LSTM(
        3, stateful=True, return_sequences=True, name="lstm")], name="kept")
    lstm = model.get_layer("lstm")
    lstm.states[0].assign(np.full((2, 3), 0.5, "float32"))
    lstm.states[1].assign(np.full((2, 3), -0.5, "float32"))
    sample = np.array([[[0.5, 0.4], [0.3, 0.1], [0.7, 0.5]]], "float32")
    d = rnndiagram.diagram(model, values=True, sample=sample)
    carried = {e.src: e.strip.values for e in d.graph.edges
               if e.kind == "state" and e.strip and e.label.startswith("h")}
    expected = keras.ops.convert_to_numpy(model(np.repeat(sample, 2, axis=0)))[0]  # run after: states moved
    assert carried["lstm-t1"] == pytest.approx(expected[0], abs=1e-6)
    assert strip_values(d, "lstm-out-t3") == pytest.approx(expected[2], abs=1e-6)


@pytest.mark.slow  # a Keras forward pass
def test_a_vector_wider_than_a_strip_prints_its_first_units():
    """A 16-unit layer prints the numbers of its first units, then how many there are, in
    the SVG and the DOT; at two shown steps all of them (eight), else as many as fit."""
    model = keras.Sequential([keras.Input((5, 16), name="x"), keras.layers.LSTM(16, return_sequences=True, name="a"),
                              keras.layers.LSTM(16, name="b")], name="wide")
    sample = np.linspace(0, 1, 80, dtype="float32").reshape(1, 5, 16)
    d = rnndiagram.diagram(model, values=True, sample=sample, max_timesteps=2)
    expected = keras.ops.convert_to_numpy(model(sample))[0]
    assert strip_values(d, "b-out-t5") == pytest.approx(expected[:8], abs=1e-6)
    svg = d.to_svg()
    assert svg.count('class="rnd-value"') == 3 * 8  # the input, a's output and b's output of the last step
    assert svg.count(">of 16<") == 3 and "units 1–8 of 16" in svg
    assert d.to_dot().count("| of 16") == 3
    wide = rnndiagram.diagram(model, values=True, sample=sample).to_svg()  # four steps: fewer numbers each
    # three inputs, three outputs of a, one of b, h and c in the two gaps of each row
    assert wide.count(">of 16<") == 3 + 3 + 1 + 4 + 4 and 'class="rnd-value"' in wide
