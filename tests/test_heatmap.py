"""Heatmaps (``heatmap=True``): every number drawn under a recurrent row is Keras's own state
(or gate) for the same sample, on every step, elided ones included; and the strips are bounded."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Dict, Optional, Tuple

import keras
import numpy as np
import pytest

import rnndiagram
from rnndiagram.errors import OptionError

SVG = "{http://www.w3.org/2000/svg}"


def heatmaps(svg: str) -> Dict[Tuple[str, str, Optional[str]], np.ndarray]:
    """Each heatmap of an SVG by (layer, state, direction): its values, steps by units."""
    found = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") != "rnd-heatmap":
            continue
        cells = [r for r in g.iter(f"{SVG}rect") if r.get("data-t") is not None]
        steps = sorted({int(r.get("data-t")) for r in cells})
        units = sorted({int(r.get("data-unit")) for r in cells})
        table = np.full((max(steps), max(units) + 1), np.nan)
        for r in cells:
            table[int(r.get("data-t")) - 1, int(r.get("data-unit"))] = float(r.get("data-value"))
        found[(g.get("data-layer"), g.get("data-state"), g.get("data-direction"))] = table
    return found


def sample(steps: int, features: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (1, steps, features)).astype("float32")


def run(layer, steps: int = 9, features: int = 3, **options):
    x = keras.Input((steps, features), name="x")
    model = keras.Model(x, layer(x), name="m")
    data = sample(steps, features)
    return model, data, heatmaps(rnndiagram.diagram(model, heatmap=True, sample=data, **options).to_svg())


def stepped_states(cell, data: np.ndarray, backwards: bool = False):
    """Keras's own cell called step by step: the states after each input step (by its index)."""
    steps = data.shape[1]
    states = [keras.ops.zeros((1,) + tuple(np.atleast_1d(s))) for s in
              (cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size])]
    after = {}
    for t in (range(steps - 1, -1, -1) if backwards else range(steps)):
        _, states = cell(keras.ops.convert_to_tensor(data[:, t]), states)
        states = states if isinstance(states, (list, tuple)) else [states]
        after[t] = [keras.ops.convert_to_numpy(s)[0] for s in states]
    return after


@pytest.mark.slow
@pytest.mark.parametrize("layer", [
    keras.layers.SimpleRNN(4, return_sequences=True, name="rnn"),
    keras.layers.GRU(5, return_sequences=True, name="rnn"),
    keras.layers.GRU(5, return_sequences=True, reset_after=False, name="rnn"),
    keras.layers.LSTM(6, return_sequences=True, name="rnn"),
])
def test_h_over_every_step_is_the_sequence_keras_returns(layer):
    model, data, found = run(layer)
    expected = keras.ops.convert_to_numpy(model(data))[0]
    assert found[("rnn", "h", None)] == pytest.approx(expected, abs=1e-5)  # every step: 1 to 9, 3 to 8 elided


@pytest.mark.slow
def test_c_of_an_lstm_is_its_cell_state_after_each_step():
    model, data, found = run(keras.layers.LSTM(4, return_sequences=True, name="rnn"))
    lstm = model.get_layer("rnn")
    after = stepped_states(lstm.cell, data)
    c = np.array([after[t][1] for t in range(9)])
    assert found[("rnn", "c", None)] == pytest.approx(c, abs=1e-5)
    # The last one is what return_state gives.
    same = keras.layers.LSTM(4, return_state=True)
    same.build((1, 9, 3))
    same.set_weights(lstm.get_weights())
    _, _, c_last = same(data)
    assert found[("rnn", "c", None)][-1] == pytest.approx(keras.ops.convert_to_numpy(c_last)[0], abs=1e-5)


@pytest.mark.slow
def test_each_direction_of_a_bidirectional_under_its_own_row():
    model, data, found = run(keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True),
                                                        merge_mode=None, name="bi"))
    forward, backward = (keras.ops.convert_to_numpy(o)[0] for o in model(data))
    assert found[("bi", "h", "forward")] == pytest.approx(forward, abs=1e-5)
    # Keras gives the backward outputs in input order: the state after reading input t.
    assert found[("bi", "h", "backward")] == pytest.approx(backward, abs=1e-5)


@pytest.mark.slow
def test_go_backwards_states_are_keyed_by_the_input_step_they_read():
    model, data, found = run(keras.layers.LSTM(3, return_sequences=True, go_backwards=True, name="rnn"))
    out = keras.ops.convert_to_numpy(model(data))[0]  # in the order the steps were run: input 9 first
    assert found[("rnn", "h", None)] == pytest.approx(out[::-1], abs=1e-5)


@pytest.mark.slow
def test_the_cells_of_a_stack_each_get_a_strip():
    model, data, found = run(keras.layers.RNN([keras.layers.LSTMCell(3), keras.layers.GRUCell(2)],
                                              return_sequences=True, name="rnn"))
    out = keras.ops.convert_to_numpy(model(data))[0]
    assert found[("rnn", "h2", None)] == pytest.approx(out, abs=1e-5)
    cell = model.get_layer("rnn").cell.cells[0]
    after = stepped_states(cell, data)
    assert found[("rnn", "h1", None)] == pytest.approx(np.array([after[t][0] for t in range(9)]), abs=1e-5)
    assert found[("rnn", "c1", None)] == pytest.approx(np.array([after[t][1] for t in range(9)]), abs=1e-5)


@pytest.mark.slow
def test_a_masked_step_keeps_the_state_as_keras_does():
    tokens = keras.Input((6,), dtype="int32", name="tokens")
    embedded = keras.layers.Embedding(20, 3, mask_zero=True, name="emb")(tokens)
    model = keras.Model(tokens, keras.layers.GRU(2, return_sequences=True, name="gru")(embedded), name="masked")
    data = np.array([[3, 5, 0, 7, 0, 0]], "int32")
    found = heatmaps(rnndiagram.diagram(model, heatmap=True, sample=data).to_svg())
    assert found[("gru", "h", None)] == pytest.approx(keras.ops.convert_to_numpy(model(data))[0], abs=1e-5)


@pytest.mark.slow
def test_conv_lstm_states_are_each_channels_mean_over_positions():
    x = keras.Input((5, 6, 2), name="x")
    model = keras.Model(x, keras.layers.ConvLSTM1D(3, 3, padding="same", return_sequences=True, name="conv")(x))
    data = np.random.default_rng(1).uniform(-1, 1, (1, 5, 6, 2)).astype("float32")
    svg = rnndiagram.diagram(model, heatmap=True, sample=data).to_svg()
    expected = keras.ops.convert_to_numpy(model(data))[0].mean(axis=1)  # (steps, channels)
    assert heatmaps(svg)[("conv", "h", None)] == pytest.approx(expected, abs=1e-5)
    assert "mean over 6 positions" in svg


@pytest.mark.slow
def test_a_long_wide_sequence_is_sampled_evenly_and_says_so():
    from rnndiagram.read.heat_values import MAX_HEAT_STEPS, MAX_HEAT_UNITS

    model, data, found = run(keras.layers.SimpleRNN(300, return_sequences=True, name="rnn"), steps=450)
    table = found[("rnn", "h", None)]
    drawn_steps = np.flatnonzero(~np.isnan(table[:, 0])) + 1
    drawn_units = np.flatnonzero(~np.isnan(table[0]))
    assert MAX_HEAT_STEPS <= len(drawn_steps) <= MAX_HEAT_STEPS + 2 and drawn_steps[0] == 1 and drawn_steps[-1] == 450
    assert {1, 2} <= set(drawn_steps)  # the steps the time axis shows
    assert len(drawn_units) == MAX_HEAT_UNITS and drawn_units[-1] == 299
    expected = keras.ops.convert_to_numpy(model(data))[0]
    rows = drawn_steps - 1
    assert table[np.ix_(rows, drawn_units)] == pytest.approx(expected[np.ix_(rows, drawn_units)], abs=1e-5)
    svg = rnndiagram.diagram(model, heatmap=True, sample=data).to_svg()
    assert f"{len(drawn_steps)} of 450 steps" in svg and "256 of 300 units" in svg


def test_heatmap_implies_values_and_is_a_flag():
    assert rnndiagram.DiagramOptions(heatmap=True).values is True
    with pytest.raises(OptionError, match="heatmap must be True or False"):
        rnndiagram.DiagramOptions(heatmap="yes")


def test_without_heatmap_nothing_is_drawn(example_models):
    svg = rnndiagram.diagram(example_models["seed_simple_rnn"], values=True).to_svg()
    assert "rnd-heatmap" not in svg and "rnd-heat-" not in svg


@pytest.mark.slow
def test_the_markup_the_interactive_page_reads(example_models):
    svg = rnndiagram.diagram(example_models["seed_return_sequences"], heatmap=True).to_svg()
    group = re.search(r'<g class="rnd-heatmap" data-layer="simple_rnn" data-state="h">', svg)
    assert group is not None
    cell = re.search(r'<rect class="rnd-heat-\w+"[^>]* data-t="1" data-unit="0" data-value="(-?[\d.e-]+)"/>', svg)
    assert cell is not None and len(cell.group(1).strip("-0.")) >= 5
    assert rnndiagram.diagram(example_models["seed_return_sequences"], heatmap=True).to_json() == \
        rnndiagram.diagram(example_models["seed_return_sequences"]).to_json()  # values are not in the spec


@pytest.mark.slow  # a Keras forward pass through the command line
def test_the_command_line_draws_heatmaps_and_json_leaves_them_out(tmp_path):
    from click.testing import CliRunner

    from rnndiagram.cli import main

    out, spec = tmp_path / "m.svg", tmp_path / "m.json"
    data = tmp_path / "x.npy"
    np.save(data, sample(3, 2))
    result = CliRunner().invoke(main, ["export", "example:seed_return_sequences", "--heatmap", "--sample",
                                       str(data), "-o", str(out)])
    assert result.exit_code == 0 and "Warning" not in result.output
    assert 'class="rnd-heatmap" data-layer="simple_rnn" data-state="h"' in out.read_text()
    result = CliRunner().invoke(main, ["export", "example:seed_return_sequences", "--heatmap", "-o", str(spec)])
    assert result.exit_code == 0 and "heat" not in spec.read_text()


def test_the_documentation_plugins_take_the_option():
    from rnndiagram.docs_common import OPTION_NAMES, options_from
    from rnndiagram.mkdocs_plugin import RnnDiagramConfig
    from rnndiagram.sphinxext import CONFIG, RnnDiagramDirective

    assert "heatmap" in OPTION_NAMES and options_from({"heatmap": True}, {})["heatmap"] is True
    assert ("heatmap", False, bool) in CONFIG and RnnDiagramDirective.option_spec["heatmap"]("no") is False
    assert "heatmap" in dict(RnnDiagramConfig._schema)


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


@pytest.mark.slow
@pytest.mark.parametrize("layer", [keras.layers.LSTM(5, return_sequences=True, name="rnn"),
                                   keras.layers.GRU(4, return_sequences=True, name="rnn")])
def test_the_gate_view_draws_each_gate_over_every_step(layer):
    """Each gate at step t from the cell's weights, on x_t and Keras's own h_{t-1}."""
    x = keras.Input((12, 3), name="x")
    model = keras.Model(x, layer(x), name="m")
    data = sample(12, 3, seed=4)
    svg = rnndiagram.diagram(model, heatmap=True, cell="gates", step=5, sample=data).to_svg()
    found = heatmaps(svg)
    h = keras.ops.convert_to_numpy(model(data))[0]
    before = np.vstack([np.zeros((1, h.shape[1])), h[:-1]])
    kernel, recurrent, bias = (keras.ops.convert_to_numpy(w) for w in model.get_layer("rnn").cell.weights)
    xs = data[0] @ kernel
    n = h.shape[1]
    if isinstance(layer, keras.layers.LSTM):
        z = xs + before @ recurrent + bias
        gates = {"i": _sigmoid(z[:, :n]), "f": _sigmoid(z[:, n:2 * n]), "g": np.tanh(z[:, 2 * n:3 * n]),
                 "o": _sigmoid(z[:, 3 * n:])}
    else:  # reset_after: two rows of biases
        xs = xs + bias[0]
        inner = before @ recurrent + bias[1]
        r = _sigmoid(xs[:, n:2 * n] + inner[:, n:2 * n])
        gates = {"z": _sigmoid(xs[:, :n] + inner[:, :n]), "r": r, "h": np.tanh(xs[:, 2 * n:] + r * inner[:, 2 * n:])}
    for gate, expected in gates.items():
        assert found[("rnn", gate, None)] == pytest.approx(expected, abs=1e-5), gate
    marked = re.findall(r'<rect class="rnd-heat-shown" x="([\d.]+)"', svg)
    assert len(marked) == len(gates)  # the drawn step, outlined in each gate's strip


@pytest.mark.slow
def test_a_heatmap_lies_under_its_cells_clear_of_every_node_and_in_both_themes():
    from rnndiagram.layout.scene import Group, item_extent, walk

    x = keras.Input((30, 3), name="x")
    y = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True), name="bi")(x)
    model = keras.Model(x, keras.layers.GRU(3, name="gru")(y), name="m")
    d = rnndiagram.diagram(model, heatmap=True, theme="dark")
    groups = [g for g in walk(d.scene.items) if isinstance(g, Group)]
    strips = [g for g in groups if g.cls == "rnd-heatmap"]
    cells = [g for g in groups if g.cls.startswith("rnd-node") or "rnd-cell" in g.cls or "rnd-init" in g.cls]
    assert len(strips) == 5 and cells  # h and c of each direction, h of the GRU
    for strip in strips:
        box = item_extent(strip)
        assert not any(box.overlaps(item_extent(c)) for c in cells), strip.attrs
        layer = dict(strip.attrs)["layer"]
        own = [item_extent(c) for c in cells if dict(c.attrs).get("layer") == layer and "rnd-cell" in c.cls]
        assert own and box.y > max(c.bottom for c in own if c.y < box.y) - 0.5
    svg = d.to_svg()
    assert "#5aa7e6" in svg and "#2166ac" not in svg  # the dark theme's scale
    assert d.render("png")[:4] == b"\x89PNG"


def test_a_heatmap_asked_of_the_rolled_view_is_a_warning_not_a_run(example_models):
    with pytest.warns(rnndiagram.RnnDiagramWarning, match=r"^heatmap \(--heatmap\) draws states .* the rolled view "
                                                          r"draws none, so the model is not run"):
        d = rnndiagram.diagram(example_models["seed_simple_rnn"], heatmap=True, view="rolled")
    assert "rnd-heatmap" not in d.to_svg()


@pytest.mark.slow
def test_the_recurrent_layers_of_a_nested_model_get_their_heatmaps():
    inner_x = keras.Input((6, 3), name="inner_x")
    inner = keras.Model(inner_x, keras.layers.GRU(4, return_sequences=True, name="gru")(inner_x), name="encoder")
    x = keras.Input((6, 3), name="x")
    model = keras.Model(x, keras.layers.Dense(2, name="head")(inner(x)), name="outer")
    data = sample(6, 3)
    found = heatmaps(rnndiagram.diagram(model, heatmap=True, sample=data).to_svg())
    assert found[("encoder/gru", "h", None)] == pytest.approx(keras.ops.convert_to_numpy(inner(data))[0], abs=1e-5)


@pytest.mark.slow
def test_the_gate_view_of_a_bidirectional_names_each_direction_s_gates():
    x = keras.Input((5, 2), name="x")
    model = keras.Model(x, keras.layers.Bidirectional(keras.layers.GRU(3), name="bi")(x), name="m")
    found = heatmaps(rnndiagram.diagram(model, heatmap=True, cell="gates").to_svg())
    assert {k for k in found if k[1] == "z"} == {("bi", "z", "forward"), ("bi", "z", "backward")}
    assert not np.allclose(found[("bi", "z", "forward")], found[("bi", "z", "backward")])


@pytest.mark.slow
def test_a_layer_called_once_per_step_of_a_loop_gets_no_one_step_strip():
    from rnndiagram import examples

    d = rnndiagram.diagram(examples.build("attention_decoder_loop", seed=0), heatmap=True)
    assert {h.layer for h in d.graph.heatmaps} == {"pre_attention_bilstm"}  # not post_attention_lstm's one step
    gates = rnndiagram.diagram(examples.build("attention_decoder_loop", seed=0), heatmap=True, cell="gates")
    assert {c.layer for c in gates.figure.cells if c.heatmaps} == {"pre_attention_bilstm"}
