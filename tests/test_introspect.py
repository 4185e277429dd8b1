"""Introspection of each Keras feature rnndiagram draws, one focused model per test."""

from __future__ import annotations

from typing import Any, Dict, List

import keras
import pytest
from keras import layers

from rnndiagram import examples, inspect
from rnndiagram.labels import box_detail
from rnndiagram.errors import NotAModelError, NotBuiltError, UnsupportedLayerError
from rnndiagram.spec import Connection, ModelSpec, StateSpec, TensorRef


def spec_of(inputs: Any, outputs: Any, name: str = "model") -> ModelSpec:
    return inspect(keras.Model(inputs, outputs, name=name))


def on_sequence(layer: Any, shape: tuple = (3, 2)) -> ModelSpec:
    x = keras.Input(shape=shape, name="x")
    return spec_of(x, layer(x))


# Recurrent layers ----------------------------------------------------------------------


def test_lstm_has_states_h_and_c() -> None:
    rec = on_sequence(layers.LSTM(5, name="lstm")).layer("lstm").recurrent
    assert (rec.kind, rec.units, rec.timesteps, rec.features) == ("LSTM", 5, 3, (2,))
    assert rec.states == (StateSpec("h", (None, 5)), StateSpec("c", (None, 5)))
    assert (rec.activation, rec.recurrent_activation) == ("tanh", "sigmoid")
    assert rec.cells == ("LSTMCell",)


def test_gru_has_one_state_and_flags() -> None:
    gru = layers.GRU(3, go_backwards=True, return_sequences=True, activation="relu", name="gru")
    rec = on_sequence(gru).layer("gru").recurrent
    assert rec.states == (StateSpec("h", (None, 3)),)
    assert (rec.go_backwards, rec.return_sequences, rec.return_state) == (True, True, False)
    assert (rec.activation, rec.recurrent_activation) == ("relu", "sigmoid")


@pytest.mark.parametrize("cls, step, out_step", [
    (layers.ConvLSTM1D, (10, 2), (10, 5)),
    (layers.ConvLSTM2D, (8, 8, 2), (8, 8, 5)),
    (layers.ConvLSTM3D, (6, 6, 6, 2), (6, 6, 6, 5)),
])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_convlstm_states_are_tensors(cls: Any, step: tuple, out_step: tuple,
                                     return_sequences: bool) -> None:
    layer = cls(5, 3, padding="same", return_sequences=return_sequences, return_state=True,
                name="conv")
    spec = on_sequence(layer, (3,) + step).layer("conv")
    rec = spec.recurrent
    assert (rec.kind, rec.units, rec.timesteps, rec.features) == (cls.__name__, 5, 3, step)
    assert rec.states == (StateSpec("h", (None,) + out_step), StateSpec("c", (None,) + out_step))
    first = (None, 3) + out_step if return_sequences else (None,) + out_step
    assert spec.output_shapes == (first, (None,) + out_step, (None,) + out_step)
    assert spec.config_value("filters") == 5
    assert spec.config_value("padding") == "same"


def test_convlstm_valid_padding_shrinks_the_states() -> None:
    rec = on_sequence(layers.ConvLSTM2D(4, 3, name="conv"), (None, 8, 8, 1)).layer("conv").recurrent
    assert rec.timesteps is None
    assert rec.states[0].shape == (None, 6, 6, 4)


class PairCell(layers.Layer):
    """A cell with one state per entry of ``sizes``; it outputs the first one."""

    def __init__(self, sizes: List[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sizes = list(sizes)
        self.state_size = self.sizes if len(self.sizes) > 1 else self.sizes[0]
        self.output_size = self.sizes[0]

    def build(self, input_shape: Any) -> None:
        self.kernels = [self.add_weight(shape=(input_shape[-1], n), name=f"k{i}")
                        for i, n in enumerate(self.sizes)]

    def call(self, inputs: Any, states: Any) -> Any:
        new = [keras.ops.tanh(keras.ops.matmul(inputs, k) + s)
               for k, s in zip(self.kernels, states)]
        return new[0], new


@pytest.mark.parametrize("sizes, names", [
    ([4], ("h",)),
    ([4, 6], ("h", "c")),
    ([4, 2, 3], ("s0", "s1", "s2")),
])
def test_custom_cell_states_come_from_state_size(sizes: List[int], names: tuple) -> None:
    rnn = layers.RNN(PairCell(sizes, name="cell"), return_sequences=True, name="rnn")
    spec = on_sequence(rnn).layer("rnn")
    rec = spec.recurrent
    assert (rec.kind, rec.cells, rec.units) == ("RNN", ("PairCell",), 4)
    assert tuple(s.name for s in rec.states) == names
    assert tuple(s.shape for s in rec.states) == tuple((None, n) for n in sizes)
    assert spec.output_shapes == ((None, 3, 4),)


def test_custom_cell_example(example_specs: Dict[str, ModelSpec]) -> None:
    rec = example_specs["custom_cell_rnn"].layer("rnn").recurrent
    assert (rec.kind, rec.cells, rec.units, rec.timesteps) == ("RNN", ("MinimalRNNCell",), 6, 5)
    assert rec.states == (StateSpec("h", (None, 6)),)


def test_stacked_cells_have_one_state_group_per_cell() -> None:
    rnn = layers.RNN([layers.LSTMCell(5), layers.GRUCell(7), layers.SimpleRNNCell(3)],
                     return_sequences=True, return_state=True, name="stack")
    spec = on_sequence(rnn).layer("stack")
    rec = spec.recurrent
    assert rec.kind == "RNN"
    assert rec.cells == ("LSTMCell", "GRUCell", "SimpleRNNCell")
    assert rec.units == 3
    assert rec.states == (StateSpec("h", (None, 5), 0), StateSpec("c", (None, 5), 0),
                          StateSpec("h", (None, 7), 1), StateSpec("h", (None, 3), 2))
    assert spec.output_shapes == ((None, 3, 3), (None, 5), (None, 5), (None, 7), (None, 3))


def test_explicit_stacked_rnn_cells() -> None:
    cells = layers.StackedRNNCells([layers.LSTMCell(5), layers.LSTMCell(6)])
    rec = on_sequence(layers.RNN(cells, name="stack")).layer("stack").recurrent
    assert [(s.name, s.shape[1], s.group) for s in rec.states] == [
        ("h", 5, 0), ("c", 5, 0), ("h", 6, 1), ("c", 6, 1)]
    assert rec.units == 6


# Bidirectional ---------------------------------------------------------------------------


@pytest.mark.parametrize("merge_mode, units", [
    ("concat", 8), ("sum", 4), ("mul", 4), ("ave", 4), (None, None)])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_merge_modes(merge_mode: Any, units: int, return_sequences: bool) -> None:
    bi = layers.Bidirectional(layers.LSTM(4, return_sequences=return_sequences, name="l"),
                              merge_mode=merge_mode, name="bi")
    spec = on_sequence(bi).layer("bi")
    rec = spec.recurrent
    step = (None, 3) if return_sequences else (None,)
    expected = (step + (4,), step + (4,)) if merge_mode is None else (step + (units,),)
    assert spec.output_shapes == expected
    assert (rec.kind, rec.merge_mode, rec.units, rec.merged_units) == ("Bidirectional", merge_mode, 4, units)
    assert rec.bidirectional
    assert (rec.forward.kind, rec.forward.go_backwards) == ("LSTM", False)
    assert (rec.backward.kind, rec.backward.go_backwards) == ("LSTM", True)
    assert [(s.name, s.group) for s in rec.states] == [("h", 0), ("c", 0), ("h", 1), ("c", 1)]
    assert rec.return_sequences == return_sequences


def test_bidirectional_none_with_return_state_has_six_outputs() -> None:
    bi = layers.Bidirectional(layers.GRU(4, return_sequences=True, return_state=True),
                              merge_mode=None, name="bi")
    spec = on_sequence(bi).layer("bi")
    assert spec.output_shapes == ((None, 3, 4), (None, 3, 4), (None, 4), (None, 4))
    assert spec.recurrent.return_state


def test_bidirectional_backward_layer_of_other_units_gets_the_real_shape() -> None:
    # Keras reports (None, 3, 8) here although the layer returns (batch, 3, 10).
    bi = layers.Bidirectional(
        layers.LSTM(4, return_sequences=True, return_state=True, name="fwd"),
        backward_layer=layers.LSTM(6, return_sequences=True, return_state=True,
                                   go_backwards=True, name="bwd"), name="bi")
    x = keras.Input(shape=(3, 2), name="x")
    out = bi(x)
    spec = spec_of(x, out)
    layer = spec.layer("bi")
    assert layer.output_shapes == ((None, 3, 10), (None, 4), (None, 4), (None, 6), (None, 6))
    assert (layer.recurrent.units, layer.recurrent.merged_units) == (None, 10)  # the directions differ
    assert (layer.recurrent.forward.units, layer.recurrent.backward.units) == (4, 6)
    assert spec.outputs[0] == TensorRef("bi", 0, (None, 3, 10))


def test_stacked_bidirectional_example(example_specs: Dict[str, ModelSpec]) -> None:
    spec = example_specs["stacked_bidirectional_lstm"]
    first, second = spec.layer("bilstm_1"), spec.layer("bilstm_2")
    assert first.output_shapes == ((None, 12, 32),)
    assert second.input_shapes == ((None, 12, 32),)
    assert second.output_shapes == ((None, 16),)
    assert second.recurrent.features == (32,)
    assert spec.layer("dense").input_shapes == ((None, 16),)


# TimeDistributed -------------------------------------------------------------------------


def test_time_distributed_dense_wraps_a_per_step_spec() -> None:
    td = layers.TimeDistributed(layers.Dense(7, activation="relu", name="d"), name="td")
    spec = on_sequence(td, (3, 5)).layer("td")
    assert (spec.role, spec.output_shapes) == ("per_step", ((None, 3, 7),))
    inner = spec.wrapped
    assert (inner.id, inner.class_name, inner.role) == ("d", "Dense", "vector")
    assert (inner.input_shapes, inner.output_shapes) == (((None, 5),), ((None, 7),))
    assert inner.config == (("units", 7), ("activation", "relu"))


def test_time_distributed_lstm_has_its_own_recurrent_spec() -> None:
    td = layers.TimeDistributed(layers.LSTM(5, name="inner"), name="td")
    spec = on_sequence(td, (3, 4, 2)).layer("td")
    assert spec.output_shapes == ((None, 3, 5),)
    assert spec.recurrent is None
    inner = spec.wrapped
    assert inner.role == "recurrent"
    assert (inner.input_shapes, inner.output_shapes) == (((None, 4, 2),), ((None, 5),))
    assert (inner.recurrent.kind, inner.recurrent.timesteps, inner.recurrent.features) == (
        "LSTM", 4, (2,))


def char_ner_encoder() -> Any:
    """The character encoder of a char-level NER tagger (Lample et al., 2016, "Neural
    Architectures for Named Entity Recognition", as Keras tutorials write it): characters of
    each word embedded with mask_zero, then TimeDistributed(Bidirectional(LSTM)) per word."""
    chars = keras.Input((None, 6), name="chars")  # words x characters
    embedded = layers.Embedding(30, 4, mask_zero=True, name="char_emb")(chars)
    words = layers.TimeDistributed(layers.Bidirectional(layers.LSTM(5, name="char_lstm")), name="char_enc")(embedded)
    return keras.Model(chars, words, name="char_ner")


def test_time_distributed_bidirectional_over_a_masked_input_has_directions_merge_and_mask() -> None:
    inner = inspect(char_ner_encoder()).layer("char_enc").wrapped
    rec = inner.recurrent
    assert (rec.kind, rec.units, rec.merge_mode, rec.merged_units, rec.timesteps) == (
        "Bidirectional", 5, "concat", 10, 6)
    assert (rec.forward.kind, rec.backward.kind, rec.backward.go_backwards) == ("LSTM", "LSTM", True)
    assert rec.masked and rec.forward.masked and rec.backward.masked
    assert box_detail(inner) == "(2×5) over 6 steps"  # it said "() over 6 steps"


@pytest.mark.slow  # a forward pass
def test_keras_masks_each_step_of_time_distributed_bidirectional() -> None:
    """What the spec's masked says, Keras does: a word's padded characters leave its code unchanged."""
    import numpy as np

    model = char_ner_encoder()
    words = np.array([[[3, 4, 5, 0, 0, 0], [7, 0, 0, 0, 0, 0]]])
    padded = keras.ops.convert_to_numpy(model(words))[0]
    embed, encode = model.get_layer("char_emb"), model.get_layer("char_enc").layer
    for w, length in enumerate((3, 1)):
        alone = keras.ops.convert_to_numpy(encode(embed(words[:, w, :length])))[0]
        assert np.allclose(padded[w], alone, atol=1e-5)


# return_state, initial_state -------------------------------------------------------------


@pytest.mark.parametrize("cls, n_states", [(layers.SimpleRNN, 1), (layers.GRU, 1),
                                           (layers.LSTM, 2)])
def test_return_state_lists_every_output(cls: Any, n_states: int) -> None:
    x = keras.Input(shape=(3, 2), name="x")
    outs = cls(4, return_sequences=True, return_state=True, name="r")(x)
    spec = spec_of(x, list(outs))
    layer = spec.layer("r")
    assert layer.output_shapes == ((None, 3, 4),) + ((None, 4),) * n_states
    assert layer.recurrent.return_state
    assert [ref.tensor for ref in spec.outputs] == list(range(1 + n_states))


def test_initial_state_connections(example_specs: Dict[str, ModelSpec]) -> None:
    spec = example_specs["char_seq2seq"]
    assert [l.id for l in spec.layers] == [
        "encoder_inputs", "decoder_inputs", "encoder_lstm", "decoder_lstm", "decoder_dense"]
    decoder = spec.layer("decoder_lstm")
    assert decoder.inbound == (
        Connection("decoder_inputs", 0, 0, "sequence", (None, None, 12), 0),
        Connection("encoder_lstm", 0, 1, "state", (None, 16), 0),
        Connection("encoder_lstm", 0, 2, "state", (None, 16), 1),
    )
    assert decoder.input_shapes == ((None, None, 12), (None, 16), (None, 16))
    assert decoder.recurrent.timesteps is None
    assert spec.layer("encoder_lstm").output_shapes == ((None, 16),) * 3
    assert spec.inputs == (TensorRef("encoder_inputs", 0, (None, None, 10)),
                           TensorRef("decoder_inputs", 0, (None, None, 12)))
    assert spec.outputs == (TensorRef("decoder_dense", 0, (None, None, 12)),)


# Masks -----------------------------------------------------------------------------------


def _no_mask_ops(spec: ModelSpec) -> None:
    assert not {"NotEqual", "Any"} & {l.class_name for l in spec.layers}


def test_masking_layer_masks_the_lstm() -> None:
    x = keras.Input(shape=(None, 3), name="x")
    y = layers.LSTM(4, name="lstm")(layers.Masking(mask_value=-1.0, name="masking")(x))
    spec = spec_of(x, y)
    _no_mask_ops(spec)
    assert [l.id for l in spec.layers] == ["x", "masking", "lstm"]
    lstm = spec.layer("lstm")
    assert lstm.recurrent.masked
    assert lstm.inbound[1] == Connection("masking", 0, 0, "mask", (None, None), 0)
    assert lstm.input_shapes == ((None, None, 3),)
    masking = spec.layer("masking")
    assert (masking.role, masking.config) == ("per_step", (("mask_value", -1.0),))


def test_embedding_mask_zero(example_specs: Dict[str, ModelSpec]) -> None:
    spec = example_specs["gru_masked_embedding"]
    _no_mask_ops(spec)
    assert [l.id for l in spec.layers] == ["tokens", "embedding", "gru", "score"]
    gru = spec.layer("gru")
    assert gru.recurrent.masked
    assert [c.kind for c in gru.inbound] == ["sequence", "mask"]
    assert (gru.inbound[1].layer, gru.inbound[1].shape) == ("embedding", (None, None))
    emb = spec.layer("embedding")
    assert emb.role == "per_step"
    assert emb.config == (("input_dim", 1000), ("output_dim", 16), ("mask_zero", True))
    assert emb.inbound == (Connection("tokens", 0, 0, "vector", (None, None), 0),)


def test_mask_passed_on_through_layers_comes_from_its_maker() -> None:
    x = keras.Input(shape=(None,), dtype="int32", name="t")
    e = layers.Embedding(20, 4, mask_zero=True, name="emb")(x)
    s = layers.GRU(3, return_sequences=True, name="gru")(layers.Dense(5, name="d")(e))
    spec = spec_of(x, layers.LSTM(2, name="lstm")(s))
    _no_mask_ops(spec)
    assert [c.layer for c in spec.layer("lstm").inbound if c.kind == "mask"] == ["emb"]
    assert spec.layer("d").recurrent is None
    assert spec.layer("d").role == "per_step"


def test_explicit_mask_argument() -> None:
    x = keras.Input(shape=(4, 3), name="x")
    m = keras.Input(shape=(4,), dtype="bool", name="m")
    spec = spec_of([x, m], layers.LSTM(2, name="lstm")(x, mask=m))
    lstm = spec.layer("lstm")
    assert lstm.recurrent.masked
    assert lstm.inbound == (Connection("x", 0, 0, "sequence", (None, 4, 3), 0),
                            Connection("m", 0, 0, "mask", (None, 4), 0))


def test_mask_made_with_ops_is_folded_and_other_ops_are_kept() -> None:
    t = keras.Input(shape=(None,), dtype="int32", name="t")
    e = keras.ops.flip(layers.Embedding(10, 3, name="emb")(t), axis=1)
    y = layers.GRU(2, name="gru")(e, mask=keras.ops.not_equal(t, 0))
    spec = spec_of(t, y)
    _no_mask_ops(spec)
    assert [(l.id, l.class_name) for l in spec.layers] == [
        ("t", "InputLayer"), ("emb", "Embedding"), ("flip", "Flip"), ("gru", "GRU")]
    assert spec.layer("flip").role == "whole_sequence"
    assert spec.layer("gru").inbound == (
        Connection("flip", 0, 0, "sequence", (None, None, 3), 0),
        Connection("t", 0, 0, "mask", (None, None), 0))


def test_unmasked_layers_are_not_masked(example_specs: Dict[str, ModelSpec]) -> None:
    for spec in example_specs.values():
        for layer in spec.recurrent_layers:
            has_mask = any(c.kind == "mask" for c in layer.inbound)
            assert layer.recurrent.masked == has_mask, layer.id
    assert example_specs["gru_masked_embedding"].layer("gru").recurrent.masked


# Stateful, shared, nested, multi-input -----------------------------------------------------


def test_stateful_keeps_the_fixed_batch(example_specs: Dict[str, ModelSpec]) -> None:
    spec = example_specs["stateful_gru"]
    gru = spec.layer("gru")
    assert gru.recurrent.stateful
    assert gru.input_shapes == ((4, 10, 3),)
    assert gru.output_shapes == ((4, 10, 8),)
    assert gru.recurrent.states == (StateSpec("h", (4, 8)),)
    assert spec.layer("per_step").wrapped.output_shapes == ((4, 2),)


def test_shared_layer_has_one_entry_per_call() -> None:
    a = keras.Input(shape=(4, 2), name="a")
    b = keras.Input(shape=(6, 2), name="b")
    shared = layers.LSTM(5, name="shared")
    spec = spec_of([a, b], layers.Add(name="add")([shared(a), shared(b)]))
    assert [l.id for l in spec.layers] == ["a", "b", "shared", "shared@1", "add"]
    first, second = spec.layer("shared"), spec.layer("shared@1")
    assert (first.name, first.call, first.recurrent.timesteps) == ("shared", 0, 4)
    assert (second.name, second.call, second.recurrent.timesteps) == ("shared", 1, 6)
    assert second.inbound == (Connection("b", 0, 0, "sequence", (None, 6, 2), 0),)
    add = spec.layer("add")
    assert add.role == "merge"
    assert add.inbound == (Connection("shared", 0, 0, "vector", (None, 5), 0),
                           Connection("shared@1", 1, 0, "vector", (None, 5), 1))


def test_nested_sequential_is_one_layer_with_its_own_spec() -> None:
    inner = keras.Sequential([layers.SimpleRNN(4, return_sequences=True, name="r1"),
                              layers.SimpleRNN(3, name="r2")], name="inner")
    x = keras.Input(shape=(5, 2), name="outer_in")
    spec = spec_of(x, layers.Dense(1, name="head")(inner(x)), name="outer")
    assert [l.id for l in spec.layers] == ["outer_in", "inner", "head"]
    nested = spec.layer("inner")
    assert (nested.role, nested.class_name) == ("model", "Sequential")
    assert (nested.input_shapes, nested.output_shapes) == (((None, 5, 2),), ((None, 3),))
    model = nested.model
    assert (model.name, model.class_name) == ("inner", "Sequential")
    assert [l.class_name for l in model.layers] == ["InputLayer", "SimpleRNN", "SimpleRNN"]
    assert model.layer("r1").recurrent.timesteps == 5
    assert model.layer("r2").output_shapes == ((None, 3),)


def test_nested_functional_model() -> None:
    i = keras.Input(shape=(3, 2), name="i")
    encoder = keras.Model(i, layers.GRU(4, name="gru")(i), name="encoder")
    x = keras.Input(shape=(3, 2), name="x")
    spec = spec_of(x, encoder(x))
    nested = spec.layer("encoder")
    assert (nested.role, nested.class_name) == ("model", "Functional")
    assert [l.id for l in nested.model.layers] == ["i", "gru"]
    assert nested.inbound == (Connection("x", 0, 0, "sequence", (None, 3, 2), 0),)


def test_multi_input_multi_output() -> None:
    a = keras.Input(shape=(5, 3), name="seq_a")
    b = keras.Input(shape=(7, 3), name="seq_b")
    ha = layers.LSTM(8, name="lstm_a")(a)
    hb = layers.GRU(8, name="gru_b2")(layers.GRU(8, return_sequences=True, name="gru_b")(b))
    cat = layers.Concatenate(name="cat")([ha, hb])
    spec = spec_of([a, b], [layers.Dense(1, name="out_reg")(cat),
                            layers.Dense(3, name="out_cls")(cat)])
    assert spec.inputs == (TensorRef("seq_a", 0, (None, 5, 3)), TensorRef("seq_b", 0, (None, 7, 3)))
    assert spec.outputs == (TensorRef("out_reg", 0, (None, 1)), TensorRef("out_cls", 0, (None, 3)))
    assert [c.slot for c in spec.layer("cat").inbound] == [0, 1]
    assert spec.layer("cat").config == (("axis", -1),)
    ids = [l.id for l in spec.layers]
    assert ids[:2] == ["seq_a", "seq_b"]
    assert ids.index("gru_b") < ids.index("gru_b2") < ids.index("cat") < ids.index("out_cls")


class Scale(layers.Layer):
    def __init__(self, factor: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x: Any) -> Any:
        return x * self.factor


def test_unknown_layer_is_carried() -> None:
    x = keras.Input(shape=(3, 2), name="x")
    s = Scale(2.0, name="scale")(x)
    v = Scale(0.5, name="scale_v")(layers.GRU(4, name="gru")(s))
    spec = spec_of(x, v)
    assert (spec.layer("scale").class_name, spec.layer("scale").role) == ("Scale", "whole_sequence")
    assert spec.layer("scale").output_shapes == ((None, 3, 2),)
    assert spec.layer("scale_v").role == "vector"


# Roles and config ------------------------------------------------------------------------


def _attribute_read_layers() -> List[Any]:
    """One instance, with settings off their defaults, of every class read by attribute."""
    return [
        layers.SimpleRNN(3, activation="relu"), layers.LSTM(4, recurrent_activation="tanh"),
        layers.GRU(5, activation="sigmoid"), layers.ConvLSTM1D(2, 3, strides=2, padding="same"),
        layers.ConvLSTM2D(3, (3, 2), activation="relu"), layers.ConvLSTM3D(2, 3),
        layers.Bidirectional(layers.GRU(2), merge_mode="sum"), layers.TimeDistributed(layers.Dense(2)),
        layers.Dense(7, activation="softmax"), layers.Embedding(50, 6, mask_zero=True),
        layers.Conv1D(4, 5, strides=2, padding="causal"), layers.Conv2D(3, (1, 2), activation="elu"),
    ]


_FLAGS = ("return_sequences", "return_state", "go_backwards", "stateful", "units", "filters", "merge_mode")


def test_settings_read_by_attribute_match_get_config(monkeypatch) -> None:
    from rnndiagram.read.build import summary
    from rnndiagram.read.layers import LAYERS
    from rnndiagram.read.live import _LiveView

    fresh = _attribute_read_layers()
    assert sorted(type(layer).__name__ for layer in fresh) == sorted(
        name for name, row in LAYERS.items() if row.attributes is not None)
    every = fresh + [layer for name in examples.names() for layer in examples.build(name).layers]
    fast = [summary(_LiveView(keras, layer)) for layer in every]
    slow = []
    for layer in every:
        view = _LiveView(keras, layer)
        view.exact = False  # as for a user's subclass: every setting from get_config()
        slow.append(summary(view))
        config = layer.get_config()
        for key in _FLAGS:
            if key in config:
                assert _LiveView(keras, layer).setting(key) == view.setting(key) == config[key], (layer.name, key)
    assert fast == slow
    monkeypatch.setattr(type(fresh[1]), "get_config", lambda self: 1 / 0)
    assert summary(_LiveView(keras, fresh[1])) == (
        ("units", 4), ("activation", "tanh"), ("recurrent_activation", "tanh"))  # no get_config




def test_roles_and_config_of_typical_layers() -> None:
    x = keras.Input(shape=(8, 4), name="x")
    conv = layers.Conv1D(6, 3, padding="same", activation="relu", name="conv")(x)
    pool = layers.MaxPooling1D(2, name="pool")(conv)
    drop = layers.Dropout(0.25, name="drop")(pool)
    norm = layers.LayerNormalization(name="norm")(drop)
    att = layers.Attention(name="att")([norm, norm])
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, name="mha")(att, att)
    rnn = layers.LSTM(5, return_sequences=True, name="lstm")(mha)
    gap = layers.GlobalAveragePooling1D(name="gap")(rnn)
    flat = layers.Flatten(name="flat")(rnn)
    dense = layers.Dense(4, name="dense")(layers.Concatenate(name="cat")([gap, flat]))
    rep = layers.RepeatVector(3, name="rep")(dense)
    perm = layers.Permute((2, 1), name="perm")(rep)
    resh = layers.Reshape((12,), name="resh")(perm)
    act = layers.Activation("tanh", name="act")(resh)
    spec = spec_of(x, act)
    roles = {l.id: l.role for l in spec.layers}
    assert roles == {
        "x": "input", "conv": "whole_sequence", "pool": "whole_sequence", "drop": "per_step",
        "norm": "per_step", "att": "whole_sequence", "mha": "whole_sequence",
        "lstm": "recurrent", "gap": "whole_sequence", "flat": "whole_sequence", "cat": "merge",
        "dense": "vector", "rep": "whole_sequence", "perm": "whole_sequence",
        "resh": "whole_sequence", "act": "vector"}
    config = {l.id: l.config for l in spec.layers}
    assert config["conv"] == (("filters", 6), ("kernel_size", (3,)), ("strides", (1,)),
                              ("padding", "same"), ("activation", "relu"))
    assert config["pool"] == (("strides", (2,)), ("padding", "valid"), ("pool_size", (2,)))
    assert config["drop"] == (("rate", 0.25),)
    assert config["norm"] == (("axis", (-1,)),)
    assert config["mha"] == (("num_heads", 2), ("key_dim", 3))
    assert config["rep"] == (("n", 3),)
    assert config["perm"] == (("dims", (2, 1)),)
    assert config["resh"] == (("target_shape", (12,)),)
    assert config["act"] == (("activation", "tanh"),)
    assert spec.layer("mha").inbound[1].slot == 1


def test_embedding_on_single_tokens_is_a_vector_layer() -> None:
    x = keras.Input(shape=(), dtype="int32", name="x")
    spec = spec_of(x, layers.Embedding(5, 2, name="emb")(x))
    assert spec.layer("emb").role == "vector"


def test_config_values_are_json_scalars_or_tuples(example_specs: Dict[str, ModelSpec]) -> None:
    def ok(value: Any) -> bool:
        if isinstance(value, tuple):
            return all(ok(v) for v in value)
        return value is None or isinstance(value, (str, int, float, bool))

    for spec in example_specs.values():
        for layer in spec.layers:
            assert all(ok(v) for _, v in layer.config), (layer.id, layer.config)


# Whole-model properties ------------------------------------------------------------------


@pytest.mark.parametrize("name", examples.names())
def test_inbound_refers_to_earlier_layers(example_specs: Dict[str, ModelSpec], name: str) -> None:
    seen = set()
    for layer in example_specs[name].layers:
        for conn in layer.inbound:
            assert conn.layer in seen, (layer.id, conn.layer)
        seen.add(layer.id)
    assert len(seen) == len(example_specs[name].layers)


@pytest.mark.parametrize("name", examples.names())
def test_introspection_is_deterministic(example_specs: Dict[str, ModelSpec], name: str) -> None:
    again = inspect(examples.build(name))
    assert again.to_json() == example_specs[name].to_json()
    assert ModelSpec.from_json(again.to_json()) == again


def test_timesteps_of_examples(example_specs: Dict[str, ModelSpec]) -> None:
    assert example_specs["long_sequence"].layer("lstm").recurrent.timesteps == 500
    assert example_specs["variable_length"].layer("gru").recurrent.timesteps is None
    assert example_specs["variable_length"].layer("lstm").input_shapes == ((None, None, 12),)
    conv = example_specs["convlstm_next_frame"].layer("conv_lstm")
    assert conv.recurrent.features == (16, 16, 1)
    assert conv.recurrent.states[1] == StateSpec("c", (None, 16, 16, 8))
    assert example_specs["convlstm_next_frame"].layer("next_frame").role == "whole_sequence"


# Errors ----------------------------------------------------------------------------------


def test_not_a_model_string() -> None:
    with pytest.raises(NotAModelError, match=r"builtins\.str.*keras\.Sequential"):
        inspect("model.keras")


def test_not_a_model_layer() -> None:
    with pytest.raises(NotAModelError, match=r"layer 'lstm'.*wrap it in a model") as info:
        inspect(layers.LSTM(4, name="lstm"))
    assert isinstance(info.value, TypeError)


def test_unbuilt_sequential() -> None:
    model = keras.Sequential([layers.LSTM(4, name="lstm")], name="unbuilt")
    with pytest.raises(NotBuiltError, match="'unbuilt' is not built") as info:
        inspect(model)
    assert "keras.Input(shape=" in str(info.value)
    assert "model.build((None, T, features))" in str(info.value)


class _TextGenerator(keras.Model):
    """The TensorFlow tutorial "Text generation with an RNN"'s ``MyModel``: a subclassed
    model whose ``call`` runs an Embedding, a GRU returning its state and a Dense."""

    def __init__(self, traceable: bool = True) -> None:
        super().__init__(name="text_generator")
        self.traceable = traceable
        self.embedding = layers.Embedding(12, 4, name="embedding")
        self.gru = layers.GRU(5, return_sequences=True, return_state=True, name="gru")
        self.dense = layers.Dense(12, name="dense")

    def call(self, inputs: Any, states: Any = None, return_state: bool = False, training: bool = False) -> Any:
        if not self.traceable and isinstance(inputs, keras.KerasTensor):  # as a call of tf.* functions fails
            raise TypeError("a KerasTensor cannot be used as input to a TensorFlow function")
        x = self.embedding(inputs, training=training)
        x, states = self.gru(x, initial_state=states, training=training)
        x = self.dense(x, training=training)
        return (x, states) if return_state else x


def test_a_subclassed_model_once_called_is_traced_into_a_graph_of_its_layers() -> None:
    """A subclassed model keeps no layer graph: its ``call`` is run on Inputs of the shapes
    it was built with (batch unknown; integers where an Embedding reads them), and the
    shapes are those of a real forward pass."""
    from rnndiagram.read.live import graph_of

    model = _TextGenerator()
    tokens = keras.ops.convert_to_tensor([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]], "int32")
    real = model(tokens)
    spec = inspect(model)
    assert spec.name == "text_generator"
    assert [(l.name, l.output_shapes) for l in spec.layers] == [
        ("inputs", ((None, 6),)), ("embedding", ((None, 6, 4),)), ("gru", ((None, 6, 5), (None, 5))),
        ("dense", ((None, 6, 12),))]
    assert spec.outputs[0].shape[1:] == tuple(real.shape[1:])
    traced = graph_of(keras, model)  # what values mode runs: the model's own layers, on token ids
    assert traced.inputs[0].dtype == "int32" and traced.get_layer("gru") is model.gru
    rec = spec.layer("gru").recurrent
    assert rec is not None and (rec.timesteps, rec.units) == (6, 5)


def test_a_subclassed_model_not_called_or_not_traceable_says_what_to_do() -> None:
    with pytest.raises(NotBuiltError, match=r"^model 'text_generator' is a subclassed keras.Model \(_TextGenerator\) "
                                            r"that has not been called yet.*call it once on a batch of data"):
        inspect(_TextGenerator())
    model = _TextGenerator(traceable=False)
    model.traceable = True
    model(keras.ops.ones((1, 3), "int32"))
    model.traceable = False
    with pytest.raises(UnsupportedLayerError, match=r"^model 'text_generator' is a subclassed keras.Model .* "
                                                    r"whose call cannot run on symbolic inputs.*"
                                                    r"keras.Model\(inputs, outputs\)$"):
        inspect(model)


def test_calls_are_numbered_within_the_model() -> None:
    model = keras.Sequential(name="by_add")
    model.add(keras.Input(shape=(3, 2), name="x"))
    model.add(layers.SimpleRNN(4, return_sequences=True, name="a"))
    model.add(layers.SimpleRNN(4, name="b"))
    # Each add() rebuilt the graph, leaving stale Keras nodes on "a".
    assert len(model.get_layer("a")._inbound_nodes) > 1
    spec = inspect(model)
    assert [(l.id, l.call) for l in spec.layers] == [("x", 0), ("a", 0), ("b", 0)]
    assert spec.layer("b").inbound[0].call == 0


def test_layer_called_before_in_another_model() -> None:
    lstm = layers.LSTM(2, name="reused")
    lstm(keras.Input(shape=(3, 2)))
    x = keras.Input(shape=(4, 2), name="x")
    spec = spec_of(x, lstm(x))
    assert [(l.id, l.call) for l in spec.layers] == [("x", 0), ("reused", 0)]
    assert spec.layer("reused").recurrent.timesteps == 4


def test_a_subclass_of_attention_is_drawn_per_query_step_as_attention_is():
    """The layer table finds a user's subclass through its bases, and the spec carries what
    the table says of its steps: the unroller never looks at the class's name."""
    from rnndiagram.unroll import unroll

    class ScaledAttention(layers.Attention):
        pass

    x = keras.Input(shape=(4, 3), name="x")
    spec = inspect(keras.Model(x, ScaledAttention(name="att")([x, x]), name="m"))
    rows = [r for p in unroll(spec).panels for r in p.rows if r.layer == "att"]
    assert (rows[0].kind, rows[0].legend) == ("boxes", "per query step")
    assert spec.layer("att").steps == "per_query_step"
    assert spec.layer("x").steps is None
