"""The cells of recurrent layers in the spec: their settings, and weights shaped as Keras
stores them, read alike from a live model and from its file, summing to count_params()."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import keras
import pytest
from keras import layers

from rnndiagram import inspect
from rnndiagram.errors import SourceError
from rnndiagram.saved import read_h5, read_saved
from rnndiagram.spec import CellSpec, LayerSpec, ModelSpec, RecurrentSpec

pytestmark = pytest.mark.usefixtures("keep_keras_auto_names")


def keras_recurrent(model: Any, prefix: str = "") -> Iterator[Tuple[str, Any]]:
    """(path, layer) of every recurrent layer and every cell called directly, nested models'
    too, and what a TimeDistributed runs (under its name)."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from keras_recurrent(layer, f"{prefix}{layer.name}/")
        elif isinstance(layer, layers.TimeDistributed) and isinstance(layer.layer, keras.Model):
            yield from keras_recurrent(layer.layer, f"{prefix}{layer.name}/")
        elif isinstance(layer, layers.TimeDistributed) and isinstance(layer.layer, (layers.RNN, layers.Bidirectional)):
            yield f"{prefix}{layer.name}/{layer.layer.name}", layer.layer
        elif isinstance(layer, (layers.RNN, layers.Bidirectional, layers.SimpleRNNCell, layers.GRUCell,
                                layers.LSTMCell)):
            yield prefix + layer.name, layer


def spec_cells(spec: ModelSpec, prefix: str = "") -> Dict[str, Tuple[CellSpec, ...]]:
    """The cells of each recurrent layer (and cell called directly) of a spec, by path."""
    found: Dict[str, Tuple[CellSpec, ...]] = {}
    for layer in spec.layers:
        if layer.model is not None:
            found.update(spec_cells(layer.model, f"{prefix}{layer.name}/"))
        elif layer.wrapped is not None and layer.wrapped.model is not None:
            found.update(spec_cells(layer.wrapped.model, f"{prefix}{layer.name}/"))
        elif layer.wrapped is not None and layer.wrapped.recurrent is not None:
            found[f"{prefix}{layer.name}/{layer.wrapped.name}"] = _cells_of(layer.wrapped.recurrent)
        elif layer.cell is not None:  # a cell called directly (its recurrent spec is one step)
            found.setdefault(prefix + layer.name, (layer.cell,))
        elif layer.recurrent is not None:
            found.setdefault(prefix + layer.name, _cells_of(layer.recurrent))
    return found


def _cells_of(rec: RecurrentSpec) -> Tuple[CellSpec, ...]:
    if rec.bidirectional:
        assert rec.forward is not None and rec.backward is not None
        return rec.forward.cell_specs + rec.backward.cell_specs
    return rec.cell_specs


def _variables(layer: Any) -> List[Tuple[str, Tuple[int, ...]]]:
    return [(w.name, tuple(w.shape)) for w in layer.weights]


def test_every_example_layer_has_the_parameters_keras_counts(example_models, example_specs):
    """For every recurrent layer of every example, the weights of its cells in the spec
    have Keras's names and shapes, and add up to ``count_params()``."""
    checked = 0
    for name, model in example_models.items():
        cells = spec_cells(example_specs[name])
        for path, layer in keras_recurrent(model):
            found = cells[path]
            assert sum(c.params for c in found) == layer.count_params(), (name, path)
            assert [(w.name, w.shape) for c in found for w in c.weights] == _variables(layer), (name, path)
            checked += 1
    assert checked >= 35


def test_the_file_reader_gives_every_example_the_same_parameters(example_models, example_specs, tmp_path):
    """Without Keras, the shapes follow from the config alone, and equal the live ones."""
    for name, model in example_models.items():
        path = tmp_path / f"{name}.keras"
        model.save(path)
        read = spec_cells(read_saved(path))
        assert read == spec_cells(example_specs[name]), name
        for layer_path, layer in keras_recurrent(model):
            assert sum(c.params for c in read[layer_path]) == layer.count_params(), (name, layer_path)


def _sequential(*layer_list: Any, shape: Tuple[int, ...] = (5, 3)) -> keras.Model:
    return keras.Sequential([keras.Input(shape=shape, name="x"), *layer_list], name="focused")


FOCUSED: Dict[str, Callable[[], keras.Model]] = {
    "lstm_64_on_100": lambda: _sequential(layers.LSTM(64, name="l"), shape=(7, 100)),
    "gru_reset_before": lambda: _sequential(layers.GRU(5, reset_after=False, name="l")),
    "gru_no_bias": lambda: _sequential(layers.GRU(5, use_bias=False, name="l")),
    "gru_no_bias_before": lambda: _sequential(layers.GRU(5, use_bias=False, reset_after=False, name="l")),
    "lstm_settings": lambda: _sequential(layers.LSTM(4, activation="relu", recurrent_activation="hard_sigmoid",
                                                     unit_forget_bias=False, use_bias=False, dropout=0.25,
                                                     recurrent_dropout=0.5, name="l")),
    "simple_linear": lambda: _sequential(layers.SimpleRNN(3, activation=None, name="l")),
    "conv_lstm_1d": lambda: _sequential(layers.ConvLSTM1D(4, 3, padding="same", name="l"), shape=(4, 10, 2)),
    "conv_lstm_2d_valid": lambda: _sequential(layers.ConvLSTM2D(3, (3, 2), strides=(2, 1), name="l"),
                                              shape=(3, 9, 8, 2)),
    "conv_lstm_3d": lambda: _sequential(layers.ConvLSTM3D(2, 2, use_bias=False, name="l"), shape=(2, 5, 5, 5, 3)),
    "conv_lstm_channels_first": lambda: _sequential(
        layers.ConvLSTM2D(3, 3, data_format="channels_first", name="l"), shape=(3, 2, 7, 7)),
    "stacked_cells": lambda: _sequential(layers.RNN([layers.LSTMCell(4), layers.GRUCell(3, reset_after=False),
                                                     layers.SimpleRNNCell(2)], name="l")),
    "bidirectional_different": lambda: _sequential(layers.Bidirectional(
        layers.LSTM(4, return_sequences=True), backward_layer=layers.GRU(3, go_backwards=True, return_sequences=True),
        name="l")),
}


@pytest.mark.parametrize("name", sorted(FOCUSED))
def test_focused_cells_count_and_read_back_as_keras(name: str, tmp_path: Path) -> None:
    model = FOCUSED[name]()
    spec = inspect(model)
    cells = spec_cells(spec)["l"]
    layer = model.get_layer("l")
    assert sum(c.params for c in cells) == layer.count_params()
    assert [(w.name, w.shape) for c in cells for w in c.weights] == _variables(layer)
    model.save(tmp_path / "m.keras")
    assert read_saved(tmp_path / "m.keras") == spec


def test_the_issues_example_lstm_64_on_100_features_has_42240_parameters() -> None:
    cell, = spec_cells(inspect(FOCUSED["lstm_64_on_100"]()))["l"]
    assert cell.params == 42_240
    assert [(w.name, w.shape, w.gates) for w in cell.weights] == [
        ("kernel", (100, 256), ("i", "f", "g", "o")), ("recurrent_kernel", (64, 256), ("i", "f", "g", "o")),
        ("bias", (256,), ("i", "f", "g", "o"))]


def test_settings_are_read_as_written() -> None:
    cell, = spec_cells(inspect(FOCUSED["lstm_settings"]()))["l"]
    assert (cell.figure, cell.activation, cell.recurrent_activation, cell.use_bias, cell.unit_forget_bias,
            cell.dropout, cell.recurrent_dropout) == ("lstm", "relu", "hard_sigmoid", False, False, 0.25, 0.5)
    assert [w.name for w in cell.weights] == ["kernel", "recurrent_kernel"]
    gru, = spec_cells(inspect(FOCUSED["gru_reset_before"]()))["l"]
    assert (gru.figure, gru.gates, gru.reset_after, gru.weights[-1].shape) == ("gru", ("z", "r", "h"), False, (15,))
    default_gru, = spec_cells(inspect(_sequential(layers.GRU(5, name="l"))))["l"]
    assert default_gru.reset_after is True and default_gru.weights[-1].shape == (2, 15)
    conv, = spec_cells(inspect(FOCUSED["conv_lstm_2d_valid"]()))["l"]
    assert conv.conv is not None and (conv.conv.kernel_size, conv.conv.strides, conv.conv.padding) == \
        ((3, 2), (2, 1), "valid")
    assert (conv.units, conv.input_size, conv.weights[0].shape) == (3, 2, (3, 2, 2, 12))
    first = spec_cells(inspect(FOCUSED["conv_lstm_channels_first"]()))["l"][0]
    assert first.input_size == 2 and first.conv is not None and first.conv.data_format == "channels_first"


def test_a_stack_of_cells_reads_each_cells_input() -> None:
    cells = spec_cells(inspect(FOCUSED["stacked_cells"]()))["l"]
    assert [(c.kind, c.input_size, c.units) for c in cells] == [("LSTMCell", 3, 4), ("GRUCell", 4, 3),
                                                                ("SimpleRNNCell", 3, 2)]


def direct_cell_model() -> keras.Model:
    """An LSTMCell warmed up by an RNN, then called directly on its own prediction, twice."""
    inputs = keras.Input(shape=(5, 2), name="history")
    cell = layers.LSTMCell(4, name="cell")
    output, *state = layers.RNN(cell, return_state=True, name="warm_up")(inputs)
    predict = layers.Dense(2, name="predict")
    predictions = [predict(output)]
    for _ in range(2):
        output, state = cell(predictions[-1], states=state)
        predictions.append(predict(output))
    return keras.Model(inputs, layers.Concatenate(name="joined")(predictions), name="direct")


def test_a_cell_called_directly_is_described_on_its_layer(tmp_path: Path) -> None:
    model = direct_cell_model()
    spec = inspect(model)
    calls = [l for l in spec.layers if l.name == "cell"]
    assert len(calls) == 2 and all(l.cell is not None and l.recurrent is not None and l.recurrent.step
                                   for l in calls)
    assert calls[0].cell.params == model.get_layer("cell").count_params() == 112
    assert calls[0].cell.input_size == 2
    model.save(tmp_path / "m.keras")
    assert read_saved(tmp_path / "m.keras") == spec


def test_a_custom_cell_keeps_the_weights_it_holds(example_specs, example_models) -> None:
    cell, = spec_cells(example_specs["custom_cell_rnn"])["rnn"]
    assert (cell.kind, cell.figure, cell.gates) == ("MinimalRNNCell", None, ())
    assert [(w.name, w.shape) for w in cell.weights] == [("kernel", (3, 6)), ("recurrent_kernel", (6, 6))]
    assert cell.params == example_models["custom_cell_rnn"].get_layer("rnn").count_params()


def test_a_spec_from_before_cells_were_recorded_still_loads() -> None:
    rec = RecurrentSpec("LSTM", 4, 3, (2,), (), False, False)
    data = rec.to_dict()
    del data["cell_specs"]
    assert RecurrentSpec.from_dict(data).cell_specs == ()
    layer = LayerSpec("c", "c", "LSTMCell", "vector", ((None, 2),), ((None, 4),)).to_dict()
    del layer["cell"]
    assert LayerSpec.from_dict(layer).cell is None


def test_a_cell_setting_of_the_wrong_type_in_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    model = _sequential(layers.LSTM(4, name="l"))
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    config = json.loads(entries["config.json"])
    config["config"]["layers"][1]["config"]["use_bias"] = "yes"
    entries["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "bad.keras", "w") as archive:
        for n, data in entries.items():
            archive.writestr(n, data)
    with pytest.raises(SourceError, match=r"layer 'l': its setting use_bias should be true or false, got 'yes'$"):
        read_saved(tmp_path / "bad.keras")


def decoder_started_from_its_input() -> keras.Model:
    """A common decoder start: a cell whose input is also its initial h."""
    inputs = keras.Input((5, 4), name="x")
    _, h, c = layers.LSTM(8, return_state=True, name="enc")(inputs)
    y, _ = layers.LSTMCell(8, name="cell")(h, [h, c])
    return keras.Model(inputs, y, name="start")


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_cell_whose_input_is_also_its_h_keeps_h_and_c_in_their_slots(suffix: str, tmp_path: Path) -> None:
    import rnndiagram

    model = decoder_started_from_its_input()
    spec = inspect(model)
    assert [(c.layer, c.tensor, c.kind, c.slot) for c in spec.layer("cell").inbound] == [
        ("enc", 1, "vector", 0), ("enc", 1, "state", 0), ("enc", 2, "state", 1)]
    model.save(tmp_path / f"m{suffix}")
    assert (read_saved if suffix == ".keras" else read_h5)(tmp_path / f"m{suffix}") == spec
    graph = rnndiagram.diagram(spec).graph
    assert sorted(n.label for n in graph.nodes if n.kind == "init" and n.layer == "cell") == ["c₀", "h₀ ← enc"]
    assert [(e.state, e.src, e.dst) for e in graph.edges if e.kind == "handoff"] == [("c", "enc-cT", "cell-c0")]
