"""Gate values (``cell="gates", values=True, step=t``): rnndiagram steps each cell gate by gate
from its weights; every step must equal Keras's own cell call, to 1e-5."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Sequence, Tuple

import keras
import numpy as np
import pytest
from keras import layers
from test_cells import direct_cell_model

import rnndiagram
from rnndiagram import examples, labels
from rnndiagram.errors import OptionError
from rnndiagram.read.gate_values import compute_gate_values
from rnndiagram.spec import gate_key

pytestmark = pytest.mark.usefixtures("keep_keras_auto_names")
TOLERANCE = 1e-5


def _model(layer: Any, shape: Tuple[int, ...]) -> keras.Model:
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape=shape, name="x"), layer], name="m")
    for w in model.weights:  # biases away from zero, so that a misplaced one shows
        w.assign(np.random.default_rng(len(w.name)).uniform(-0.6, 0.6, w.shape).astype("float32"))
    return model


MODELS = {
    "simple_relu": lambda: _model(layers.SimpleRNN(3, activation="relu", name="l"), (4, 2)),
    "gru_after": lambda: _model(layers.GRU(3, name="l"), (4, 2)),
    "gru_before": lambda: _model(layers.GRU(3, reset_after=False, name="l"), (4, 2)),
    "gru_no_bias": lambda: _model(layers.GRU(3, use_bias=False, name="l"), (4, 2)),
    "lstm": lambda: _model(layers.LSTM(3, name="l"), (4, 2)),
    "lstm_settings": lambda: _model(layers.LSTM(3, activation="relu", recurrent_activation="hard_sigmoid",
                                                use_bias=False, name="l"), (4, 2)),
    "lstm_backwards": lambda: _model(layers.LSTM(3, go_backwards=True, name="l"), (4, 2)),
    "conv_lstm_1d": lambda: _model(layers.ConvLSTM1D(3, 3, padding="same", name="l"), (3, 6, 2)),
    "conv_lstm_2d": lambda: _model(layers.ConvLSTM2D(2, 3, padding="same", name="l"), (3, 5, 5, 1)),
    "bidirectional": lambda: _model(layers.Bidirectional(layers.GRU(3, return_sequences=True), name="l"), (4, 2)),
    "stacked_cells": lambda: _model(layers.RNN([layers.LSTMCell(3), layers.GRUCell(2, reset_after=False)],
                                               name="l"), (4, 2)),
}


def _cells(layer: Any) -> List[Tuple[str, Any, bool]]:
    """(part, cell, backwards) of each cell of a layer, as the gate values key them."""
    directions = [(layer.forward_layer, "0"), (layer.backward_layer, "1")] if isinstance(
        layer, layers.Bidirectional) else [(layer, "0")]
    found = []
    for rnn, d in directions:
        cells = list(rnn.cell.cells) if hasattr(rnn.cell, "cells") else [rnn.cell]
        for k, cell in enumerate(cells):
            found.append((d + (f".{k}" if len(cells) > 1 else ""), cell, rnn.go_backwards))
    return found


def keras_steps(layer: Any, sequence: np.ndarray, initial: Sequence[np.ndarray] = ()) -> Dict[Tuple[str, int], List]:
    """Keras's own cell call, step by step: the states after step t (from 1) of each cell."""
    found: Dict[Tuple[str, int], List] = {}
    given = list(initial)
    by_direction: Dict[str, List] = {}
    for part, cell, backwards in _cells(layer):
        d = part.split(".")[0]
        size = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
        if given:
            states = [keras.ops.convert_to_numpy(s) for s in given[:len(size)]]
            given = given[len(size):]
        elif getattr(cell, "rank", 0):  # a ConvLSTM's maps, the shape of its output (return_sequences=False)
            states = [np.zeros((1,) + tuple(layer.output.shape[1:]), "float32") for _ in ("h", "c")]
        else:
            states = [np.zeros((1, n), "float32") for n in size]
        order = range(sequence.shape[1] - 1, -1, -1) if backwards else range(sequence.shape[1])
        inputs = by_direction.get(d)
        outputs = []
        for i, t in enumerate(order):
            x = sequence[:, t] if inputs is None else inputs[i]
            out, states = cell(x, states, training=False)
            states = [keras.ops.convert_to_numpy(s)
                      for s in (states if isinstance(states, (list, tuple)) else [states])]
            found[(part, t + 1)] = states
            outputs.append(keras.ops.convert_to_numpy(out))
        by_direction[d] = outputs
    return found


def _ours(values: Dict[str, Tuple[float, ...]], part: str, name: str) -> np.ndarray:
    return np.asarray(values[gate_key("l", part, name)])


def _expected(state: np.ndarray) -> np.ndarray:
    item = state[0]
    if item.ndim > 1:  # a feature map: the filters at its centre, as the gate view shows them
        item = item[tuple(d // 2 for d in item.shape[:-1])]
    return np.ravel(item)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_step_equals_keras_own_cell_call(name: str) -> None:
    model = MODELS[name]()
    spec = rnndiagram.inspect(model)
    sample = np.random.default_rng(7).uniform(-1, 1, (1,) + tuple(model.inputs[0].shape[1:])).astype("float32")
    reference = keras_steps(model.get_layer("l"), sample)
    steps = sample.shape[1]
    for t in range(1, steps + 1):
        values = compute_gate_values(model, spec, [sample], t)
        for part, _, _ in _cells(model.get_layer("l")):
            states = reference[(part, t)]
            assert np.allclose(_ours(values, part, "out:h"), _expected(states[0]), atol=TOLERANCE), (name, part, t)
            if len(states) > 1:
                assert np.allclose(_ours(values, part, "out:c"), _expected(states[1]), atol=TOLERANCE), (name, t)
            assert _ours(values, part, "step").tolist() == [t]


@pytest.mark.parametrize("name", ["lstm", "lstm_settings", "gru_after", "gru_before"])
def test_the_gates_make_the_new_states_as_the_figure_draws_them(name: str) -> None:
    model = MODELS[name]()
    sample = np.random.default_rng(1).uniform(-1, 1, (1, 4, 2)).astype("float32")
    values = compute_gate_values(model, rnndiagram.inspect(model), [sample], 3)
    v = {k[len("l:gates:0:"):]: np.asarray(a) for k, a in values.items() if k.startswith("l:gates:0:")}
    h_before = np.asarray(values[gate_key("l", "0", "in:h")])
    cell = model.get_layer("l").cell
    if "f" in v:
        c_before = np.asarray(values[gate_key("l", "0", "in:c")])
        c = np.asarray(values[gate_key("l", "0", "out:c")])
        assert np.allclose(c, v["f"] * c_before + v["i"] * v["g"], atol=TOLERANCE)
        assert np.allclose(v["out:h"], v["o"] * keras.ops.convert_to_numpy(cell.activation(c)), atol=TOLERANCE)
    else:
        h = np.asarray(values[gate_key("l", "0", "out:h")])
        assert np.allclose(h, v["z"] * h_before + (1 - v["z"]) * v["h"], atol=TOLERANCE)


def test_initial_states_given_by_another_layer_are_stepped_from(example_models) -> None:
    model = example_models["char_seq2seq"]
    spec = rnndiagram.inspect(model)
    rng = np.random.default_rng(2)
    arrays = [rng.uniform(0, 1, (1, 5, 10)).astype("float32"), rng.uniform(0, 1, (1, 4, 12)).astype("float32")]
    values = compute_gate_values(model, spec, arrays, 4)
    _, h, c = model.get_layer("encoder_lstm")(arrays[0])
    decoder = model.get_layer("decoder_lstm")
    reference = keras_steps(decoder, arrays[1], [keras.ops.convert_to_numpy(h), keras.ops.convert_to_numpy(c)])
    assert np.allclose(values[gate_key("decoder_lstm", "0", "out:h")], reference[("0", 4)][0][0], atol=TOLERANCE)
    assert np.allclose(values[gate_key("decoder_lstm", "0", "in:h")], reference[("0", 3)][0][0], atol=TOLERANCE)


def test_a_masked_step_keeps_its_state_as_keras_does() -> None:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,), dtype="int32", name="tokens"),
                              layers.Embedding(9, 3, mask_zero=True, name="emb"), layers.GRU(3, name="l")], name="m")
    tokens = np.array([[4, 2, 7, 0, 0]], "int32")
    values = compute_gate_values(model, rnndiagram.inspect(model), [tokens], 5)
    expected = keras.ops.convert_to_numpy(model(tokens))[0]
    assert np.allclose(values[gate_key("l", "0", "out:h")], expected, atol=TOLERANCE)
    assert np.allclose(values[gate_key("l", "0", "out:h")], values[gate_key("l", "0", "in:h")], atol=TOLERANCE)


def test_a_cell_called_directly_is_its_own_keras_call() -> None:
    keras.utils.set_random_seed(4)
    model = direct_cell_model()
    sample = np.random.default_rng(3).uniform(-1, 1, (1, 5, 2)).astype("float32")
    values = compute_gate_values(model, rnndiagram.inspect(model), [sample], None)
    warm = keras.Model(model.inputs[0], model.get_layer("warm_up").output)
    _, h, c = warm(sample)
    x = model.get_layer("predict")(keras.ops.convert_to_numpy(h))  # the first direct call reads the first prediction
    out, (h2, c2) = model.get_layer("cell")(x, [h, c])
    assert np.allclose(values[gate_key("cell", "0", "out:h")], keras.ops.convert_to_numpy(h2)[0], atol=TOLERANCE)
    assert np.allclose(values[gate_key("cell", "0", "out:c")], keras.ops.convert_to_numpy(c2)[0], atol=TOLERANCE)
    assert np.allclose(values[gate_key("warm_up", "0", "out:h")], keras.ops.convert_to_numpy(h)[0], atol=TOLERANCE)


def test_the_drawing_prints_the_values_of_the_chosen_step() -> None:
    model = MODELS["lstm"]()
    sample = np.random.default_rng(5).uniform(-1, 1, (1, 4, 2)).astype("float32")
    d = rnndiagram.diagram(model, cell="gates", values=True, sample=sample, step=2)
    root = ET.fromstring(d.to_svg())
    ns = "{http://www.w3.org/2000/svg}"
    gate = next(g for g in root.iter(f"{ns}g") if g.get("data-gate") == "f")
    printed = [t.text for t in gate.iter(f"{ns}text") if t.get("class") == "rnd-value"]
    expected = compute_gate_values(model, d.spec, [sample], 2)[gate_key("l", "0", "f")]
    assert printed == [labels.number(v) for v in expected]
    cell = next(g for g in root.iter(f"{ns}g") if "rnd-gates" in (g.get("class") or ""))
    assert cell.get("data-t") == "2"
    words = [t.text for t in root.iter(f"{ns}text")]
    assert "x₂" in words and "LSTMCell of 3 units, step 2 of 4" in words
    default = rnndiagram.diagram(model, cell="gates", values=True, sample=sample)
    assert "LSTMCell of 3 units, step 4 of 4" in [t.text for t in ET.fromstring(default.to_svg()).iter(f"{ns}text")]


def test_long_vectors_and_feature_maps_print_what_they_show() -> None:
    wide = _model(layers.GRU(12, name="l"), (3, 2))
    svg = rnndiagram.diagram(wide, cell="gates", values=True).to_svg()
    assert "units 1–8 of 12" in svg
    maps = MODELS["conv_lstm_2d"]()
    assert "filters at (2, 2)" in rnndiagram.diagram(maps, cell="gates", values=True).to_svg()


@pytest.mark.slow  # three ConvLSTM runs
@pytest.mark.parametrize("padding, strides, x_at", [("valid", 1, (8, 8)), ("same", 2, (9, 9)), ("valid", 2, (7, 7))])
def test_a_feature_map_is_labelled_where_its_numbers_are_read(padding, strides, x_at) -> None:
    """The input strip prints the input's channels at the middle of the window that the
    states' shown position reads, and says which position; the states say theirs."""
    model = _model(layers.ConvLSTM2D(3, 3, padding=padding, strides=strides, name="l"), (2, 16, 16, 2))
    sample = np.random.default_rng(5).uniform(-1, 1, (1, 2, 16, 16, 2)).astype("float32")
    values = compute_gate_values(model, rnndiagram.inspect(model), [sample], 2)
    out = tuple(int(d) // 2 for d in model.get_layer("l").output.shape[1:3])
    assert _ours(values, "0", "x").tolist() == pytest.approx(sample[0, 1][x_at].tolist())
    assert _ours(values, "0", "position:x").tolist() == list(x_at)
    h = keras_steps(model.get_layer("l"), sample)[("0", 2)][0]
    assert np.allclose(_ours(values, "0", "out:h"), h[0][out], atol=TOLERANCE)
    svg = rnndiagram.diagram(model, cell="gates", values=True, sample=sample).to_svg()
    assert f"channels at {x_at}" in svg and f"filters at {out}" in svg and f"filters at {x_at}" not in svg


def test_a_step_past_the_run_is_an_error() -> None:
    model = MODELS["gru_after"]()
    with pytest.raises(OptionError, match=r"^step=5 is past the 4 timesteps .*layer 'l'.*choose a step from 1 to 4"):
        rnndiagram.diagram(model, cell="gates", values=True, step=5)


def test_every_example_gets_gate_values_in_values_mode() -> None:
    for name in ("seed_stacked", "stacked_bidirectional_lstm", "nested_encoder", "custom_cell_rnn",
                 "gru_masked_embedding"):
        d = rnndiagram.diagram(examples.build(name, seed=0), cell="gates", values=True, step=2)
        assert d.to_svg().count('class="rnd-value"') > 0, name


@pytest.mark.slow
def test_values_mode_steps_each_layer_to_its_own_step() -> None:
    model = examples.build("addition_rnn", seed=0)
    clamped = rnndiagram.diagram(model, cell="gates", values=True, step=7)
    assert {c.key: c.step for c in clamped.figure.cells} == {"encoder": "7", "decoder": "4"}
    assert "step 7 is past its 4 timesteps: its last step is drawn" in clamped.to_svg()
    named = rnndiagram.diagram(model, cell="gates", values=True, step={"decoder": 2})
    assert {c.key: c.step for c in named.figure.cells} == {"encoder": "7", "decoder": "2"}
    with pytest.raises(OptionError, match=r"^step=5 is past the 4 timesteps that values mode ran layer 'decoder'"):
        rnndiagram.diagram(model, cell="gates", values=True, step={"decoder": 5})


@pytest.mark.slow
def test_what_time_distributed_runs_gets_the_values_of_its_run_on_the_last_step() -> None:
    from test_gates import time_distributed_models

    sample = np.random.default_rng(3).uniform(-1, 1, (1, 5, 6, 3)).astype("float32")
    for model in time_distributed_models():
        d = rnndiagram.diagram(model, cell="gates", values=True, sample=sample)
        runs = keras.ops.convert_to_numpy(model.get_layer("sentences")(sample))[0, -1]  # its run on step 5
        assert np.allclose(d._values[gate_key("sentences/word_lstm", "0", "out:h")], runs, atol=TOLERANCE)
        heading = next(c.heading for c in d.figure.cells if c.key == "sentences/word_lstm")
        assert heading[1].endswith("step 6 of 6")
        assert heading[2] == "run by sentences at each of its 5 steps; the numbers are of its run on the last"
    big = rnndiagram.diagram(examples.build("hierarchical_attention", seed=0), cell="gates", values=True)
    assert {c.key: c.step for c in big.figure.cells} == {"sentences/word_bigru-f": "6", "sentences/word_bigru-b": "6",
                                                        "sentence_bigru-f": "4", "sentence_bigru-b": "4"}


def _stateful_fixed_batch() -> keras.Model:
    return keras.Sequential([keras.Input((4, 2), batch_size=8, name="x"),
                             layers.LSTM(6, stateful=True, return_sequences=True, name="l"),
                             layers.SimpleRNN(3, stateful=True, name="s")], name="st")


@pytest.mark.slow
def test_a_stateful_model_with_a_fixed_batch_gets_its_gate_values_and_keeps_its_states() -> None:
    model = _stateful_fixed_batch()
    model.get_layer("l").states[0].assign(np.full((8, 6), 0.25, "float32"))
    drawn = rnndiagram.diagram(model, cell="gates", values=True, step=2)
    assert drawn.to_svg().count('class="rnd-value"') > 0
    assert drawn._values is not None and gate_key("l", "0", "out:c") in drawn._values
    assert np.allclose(keras.ops.convert_to_numpy(model.get_layer("l").states[0]), 0.25)  # given back
    sample = np.random.default_rng(7).uniform(-1, 1, (8, 4, 2)).astype("float32")
    kept = [keras.ops.convert_to_numpy(s)[:1] for s in model.get_layer("l").states]
    reference = keras_steps(model.get_layer("l"), sample[:1], kept)  # from the states it keeps, as Keras runs it
    ours = compute_gate_values(model, rnndiagram.inspect(model), [sample], 3)
    assert np.allclose(_ours(ours, "0", "in:h"), _expected(reference[("0", 2)][0]), atol=TOLERANCE)
    assert np.allclose(_ours(ours, "0", "out:h"), _expected(reference[("0", 3)][0]), atol=TOLERANCE)
    assert np.allclose(_ours(ours, "0", "out:h"), keras.ops.convert_to_numpy(model.get_layer("l")(sample))[0, 2],
                       atol=TOLERANCE)


@pytest.mark.slow
def test_a_model_keras_cannot_run_is_one_line_and_a_batch_goes_on(tmp_path, monkeypatch, run) -> None:
    import rnndiagram.read.gate_values as gate_values

    works = gate_values.compute_gate_values

    def fails_on_one(model: Any, spec: Any, *args: Any) -> Any:
        if spec.name == "seed_stacked":
            raise ValueError("Exception encountered when calling LSTM.call().\n\n\x1b[1mInput 0 is wrong\x1b[0m\n\n"
                             "Arguments received by LSTM.call():\n  • sequences=tf.Tensor(shape=(1, 4, 2))")
        return works(model, spec, *args)

    monkeypatch.setattr(gate_values, "compute_gate_values", fails_on_one)
    out = tmp_path / "out"
    result = run("export", "example:seed_stacked", "example:seed_simple_rnn", "-o", out, "--cell", "gates",
                 "--values")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: example:seed_stacked: values mode could not run seed_stacked: ValueError: Input 0 is wrong; "
        "draw it without values (--values)", f"wrote 1 of 2 files to {out}"]
    assert (out / "seed_simple_rnn.svg").exists()


@pytest.mark.slow  # forward passes
def test_a_cell_inside_a_traced_custom_layer_gets_its_values() -> None:
    """The pointer network's decoder, a custom layer stepping an LSTMCell, is traced; its
    cell's first step starts from the encoder's final h and c, and its output is the
    cell's own call on them."""
    from published_models import pointer_network

    model = pointer_network()
    sample = np.random.default_rng(5).uniform(-1, 1, (1, 6, 2)).astype("float32")
    values = compute_gate_values(model, rnndiagram.inspect(model), [sample], None)
    _, h, c = (keras.ops.convert_to_numpy(t) for t in model.get_layer("encoder")(sample))
    ours = {name: np.asarray(values[gate_key("decoder/decoder_cell", "0", name)]) for name in ("in:h", "in:c", "out:h")}
    assert np.allclose(ours["in:h"], h[0], atol=TOLERANCE) and np.allclose(ours["in:c"], c[0], atol=TOLERANCE)
    cell = model.get_layer("decoder").cell
    out, _ = cell(np.zeros((1, 8), "float32"), [h, c])  # the first step reads zeros
    assert np.allclose(ours["out:h"], keras.ops.convert_to_numpy(out)[0], atol=TOLERANCE)


@pytest.mark.slow  # forward passes
def test_the_lstm_of_a_custom_layer_traced_at_a_known_batch_size_gets_its_values() -> None:
    """keras-io's traffic forecaster runs its LSTM on ``(batch * nodes, steps, features)``;
    its call is traced at the sample's batch size to be run: the LSTM's last output for
    item 0 (node 0 of the first example) is the LSTM's own, run on what it reads."""
    from published_models import traffic_lstmgc

    model = traffic_lstmgc()
    sample = np.random.default_rng(3).standard_normal((2, 12, 5, 1)).astype("float32")
    values = compute_gate_values(model, rnndiagram.inspect(model), [sample], None)
    layer = model.get_layer("st_gcn")
    nodes_first = keras.ops.transpose(sample, [2, 0, 1, 3])
    read = keras.ops.reshape(layer.graph_conv(nodes_first), (10, 12, 20))
    real = keras.ops.convert_to_numpy(layer.lstm(read))[0]
    assert np.allclose(np.asarray(values[gate_key("st_gcn/lstm", "0", "out:h")]), real, atol=TOLERANCE)
