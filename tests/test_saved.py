"""The file reader: a spec read from a saved .keras file (or model.to_json()) equals the
spec introspected from the live model, without importing TensorFlow."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable, Dict

import keras
import pytest
from click.testing import CliRunner
from hypothesis import given
from keras import layers
from keras.src.ops.numpy import Flip

import rnndiagram
from rnndiagram import examples, inspect
from rnndiagram.cli import main
from rnndiagram.errors import NotBuiltError, UnsupportedLayerError
from rnndiagram.saved import read_config_json, read_saved
from rnndiagram.sources import resolve
from rnndiagram.spec import ModelSpec

from file_specs import as_read
from keras_compat import named_op
from strategies import CUSTOM, build_model, recipes


def saved(model: Any, folder: Path, name: str = "m") -> Path:
    path = Path(folder) / f"{name}.keras"
    model.save(path)
    return path


def assert_same_spec(path: Path, model: Any, live: ModelSpec = None) -> None:
    """The file's spec is the live one, or says what it does not know (``as_read``)."""
    read = read_saved(path)
    known = as_read(live or inspect(model), read)
    assert read.to_dict() == known.to_dict()
    assert read == known
    assert read_config_json(model.to_json()) == known


@pytest.mark.parametrize("name", examples.names())
def test_every_example_reads_back_as_its_live_spec(name: str, tmp_path: Path,
                                                   example_models: Dict[str, Any],
                                                   example_specs: Dict[str, ModelSpec]) -> None:
    path = saved(example_models[name], tmp_path)
    assert_same_spec(path, example_models[name], example_specs[name])
    assert read_saved(path.read_bytes()) == example_specs[name]


@pytest.mark.slow  # builds and saves random models
@given(recipes())
def test_random_models_read_back_as_their_live_spec(recipe: Any) -> None:
    model = build_model(recipe)
    with tempfile.TemporaryDirectory() as folder:
        assert_same_spec(saved(model, Path(folder)), model)


@pytest.mark.slow  # builds and saves random models
@given(recipes(custom=True))
def test_random_models_with_custom_layers_read_back_or_say_what_they_do_not_know(recipe: Any) -> None:
    """The file's spec equals the live one but where it says a custom class's code was not
    run, and it says so of exactly the custom layers."""
    model = build_model(recipe)
    live = inspect(model)
    with tempfile.TemporaryDirectory() as folder:
        read = read_saved(saved(model, Path(folder)))
    assert read == as_read(live, read)
    assert {l.name for l in read.layers if l.code_not_run} == {
        l.name for l in live.layers if l.class_name in CUSTOM}


# Focused models for each layer kind, mask rule and graph shape the reader supports -----


def sequence_layers() -> Any:
    x = keras.Input(shape=(12, 6), name="x")
    conv = layers.Conv1D(8, 3, strides=2, name="conv")(x)
    sep = layers.SeparableConv1D(6, 3, padding="same", name="sep")(x)
    depth = layers.DepthwiseConv1D(3, depth_multiplier=2, padding="same", name="dw")(x)
    up = layers.UpSampling1D(2, name="up")(layers.MaxPooling1D(2, name="maxp")(sep))
    avg = layers.AveragePooling1D(3, strides=2, padding="same", name="avgp")(depth)
    pad = layers.ZeroPadding1D(2, name="pad")(layers.Cropping1D((1, 2), name="crop")(x))
    chain = x
    for layer in [layers.SpatialDropout1D(0.1), layers.GaussianNoise(0.1), layers.GaussianDropout(0.1),
                  layers.AlphaDropout(0.1), layers.ActivityRegularization(), layers.LayerNormalization(),
                  layers.BatchNormalization(), layers.UnitNormalization(), layers.GroupNormalization(2),
                  layers.ReLU(), layers.LeakyReLU(), layers.PReLU(), layers.ELU(), layers.Softmax(),
                  layers.Rescaling(0.5), layers.Activation("swish"), layers.Masking(),
                  layers.Dense(6, activation=layers.LeakyReLU(0.2)), layers.Dropout(0.2)]:
        chain = layer(chain)
    merged = [cls(name=cls.__name__.lower())([x, chain]) for cls in (
        layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum, layers.Minimum)]
    cat = layers.Concatenate(axis=1, name="cat")(merged)
    att = layers.Attention(name="att")([cat, x])
    additive = layers.AdditiveAttention(name="aatt")([cat, x, x])
    lstm = layers.LSTM(3, return_sequences=True, name="lstm")(layers.Concatenate(name="cat2")([att, additive]))
    outputs = [
        layers.GlobalMaxPooling1D(keepdims=True, name="gmax")(chain),
        layers.Reshape((-1, 3), name="resh")(layers.Flatten(name="flat")(up)),
        layers.Permute((2, 1), name="perm")(pad),
        layers.RepeatVector(4, name="rep")(layers.GlobalAveragePooling1D(name="gavg")(conv)),
        lstm, avg,
        layers.MultiHeadAttention(2, 4, name="mha")(x, cat),
        layers.MultiHeadAttention(2, 4, output_shape=5, name="mha2")(query=x, value=x),
    ]
    return keras.Model(x, outputs, name="sequence_layers")


def convolution_layers() -> Any:
    clips = keras.Input(shape=(4, 9, 9, 2), name="clips")
    seq, h, c = layers.ConvLSTM2D(3, (3, 2), strides=(2, 1), return_sequences=True, return_state=True,
                                  name="cl2")(clips)
    y = layers.TimeDistributed(layers.Conv2D(4, 3, padding="same", name="c2"), name="td_conv")(seq)
    y = layers.TimeDistributed(layers.MaxPooling2D(2, name="mp2"), name="td_pool")(y)
    z = layers.AveragePooling3D(1, name="ap3")(layers.MaxPooling3D(2, padding="same", name="mp3")(
        layers.Conv3D(2, 2, name="c3")(seq)))
    v = layers.TimeDistributed(layers.DepthwiseConv2D(2, name="dw2"), name="td_dw")(y)
    u = layers.TimeDistributed(layers.SeparableConv2D(3, 1, name="sep2"), name="td_sep")(v)
    wave = keras.Input(shape=(5, 3, 7), name="wave")
    vol = keras.Input(shape=(2, 4, 4, 4, 1), name="vol")
    outputs = [
        layers.GlobalMaxPooling3D(name="gm3")(z), h, c,
        layers.TimeDistributed(layers.GlobalAveragePooling2D(keepdims=True, name="ga2"), name="td_gap")(y),
        layers.TimeDistributed(layers.GlobalMaxPooling2D(name="gmp2"), name="td_gmp")(
            layers.TimeDistributed(layers.AveragePooling2D(1, name="ap2"), name="td_ap")(u)),
        layers.ConvLSTM1D(2, 3, padding="same", data_format="channels_first", go_backwards=True,
                          name="cl1")(wave),
        *layers.ConvLSTM3D(2, 2, return_state=True, name="cl3")(vol),
    ]
    return keras.Model([clips, wave, vol], outputs, name="convolution_layers")


def cells_and_bidirectional() -> Any:
    x = keras.Input(shape=(5, 3), name="x")
    stacked = layers.RNN([layers.LSTMCell(4), layers.GRUCell(5, activation="relu"), layers.SimpleRNNCell(2)],
                         return_sequences=True, return_state=True, name="stacked")(x)
    same = layers.RNN(layers.StackedRNNCells([layers.GRUCell(3), layers.GRUCell(3)]), name="same")(stacked[0])
    summed = layers.Bidirectional(layers.GRU(4, return_sequences=True, return_state=True), merge_mode="sum",
                                  name="bi_sum")(x)
    apart = layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True), merge_mode=None, name="bi_none")(x)
    other = layers.Bidirectional(layers.LSTM(2, return_sequences=True, return_state=True),
                                 backward_layer=layers.GRU(3, return_sequences=True, return_state=True,
                                                           go_backwards=True), name="bi_other")(x)
    inner = layers.TimeDistributed(layers.LSTM(2, name="inner"), name="td_lstm")(
        layers.Reshape((5, 3, 1), name="to_4d")(x))
    tokens = keras.Input(shape=(), dtype="int32", name="token")
    return keras.Model([x, tokens], [*stacked, same, *summed, *apart, *other, inner,
                                     layers.Embedding(5, 2, name="emb_vector")(tokens)], name="cells")


def functional_masks() -> Any:
    t = keras.Input(shape=(None,), dtype="int32", name="t")
    e = layers.Embedding(20, 4, mask_zero=True, name="emb")(t)
    d = layers.Dense(4, name="d")(e)
    cat = layers.Concatenate(name="cat")(
        layers.Bidirectional(layers.LSTM(3, return_sequences=True), merge_mode=None, name="bi")(d))
    g = layers.GRU(2, return_sequences=True, name="g")(cat)
    summed = layers.Add(name="add")([g, layers.Dense(2, name="d2")(e)])
    x = keras.Input(shape=(None, 3), name="x")
    s = layers.SimpleRNN(2, return_sequences=True, name="s")(layers.Masking(-1.0, name="masking")(x))
    flipped = named_op(Flip)(axis=1, name="reversed")(e)  # named: keras.ops.flip takes a global name
    explicit = layers.GRU(2, name="explicit")(flipped, mask=keras.ops.not_equal(t, 1))
    twice = layers.GRU(2, name="twice")(layers.Embedding(20, 4, mask_zero=True, name="emb2")(t))
    return keras.Model([t, x], [
        layers.LSTM(2, name="l")(summed), layers.GlobalAveragePooling1D(name="pool")(s),
        layers.LSTM(2, name="l2")(layers.TimeDistributed(layers.Dense(2), name="td")(s)),
        layers.Attention(name="att")([d, d]), explicit, twice], name="functional_masks")


def sequential_masks() -> Any:
    return keras.Sequential([
        keras.Input(shape=(None, 3), name="x"),
        layers.Masking(name="masking"),
        layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="bi"),
        layers.TimeDistributed(layers.Dense(4), name="td"),
        layers.Dense(4, name="d"),
        layers.GRU(2, return_sequences=True, name="gru"),
        layers.GlobalAveragePooling1D(name="pool"),
    ], name="sequential_masks")


def shared_and_nested() -> Any:
    inner = keras.Sequential([layers.SimpleRNN(4, return_sequences=True, name="inner_rnn"),
                              layers.GRU(3, name="inner_gru")], name="inner")
    i = keras.Input(shape=(None, 2), name="i")
    encoder = keras.Model(i, layers.GRU(3, return_sequences=True, name="enc_gru")(i), name="encoder")
    a = keras.Input(shape=(4, 2), name="a")
    b = keras.Input(shape=(None, 2), name="b")
    shared = layers.LSTM(3, name="shared")
    joined = layers.Add(name="add")([shared(a), shared(b), inner(a), layers.LSTM(3, name="after")(encoder(a))])
    return keras.Model([a, b], [layers.Dense(2, name="head")(joined), encoder(b)], name="shared_nested")


def other_backward_units() -> Any:
    x = keras.Input(shape=(3, 2), name="x")
    y = layers.Bidirectional(
        layers.LSTM(4, return_sequences=True, return_state=True, name="fwd"),
        backward_layer=layers.LSTM(6, return_sequences=True, return_state=True, go_backwards=True,
                                   name="bwd"), name="bi")(x)
    return keras.Model(x, [layers.Dense(2, name="head")(y[0])] + list(y[1:]), name="bi_units")


def sequential_by_add() -> Any:
    model = keras.Sequential(name="by_add")
    model.add(keras.Input(shape=(None, 3), name="x"))
    model.add(layers.GRU(4, return_sequences=True, name="gru"))
    model.add(layers.LSTM(2, name="lstm"))
    return model


def built_without_input() -> Any:
    model = keras.Sequential([layers.SimpleRNN(4, return_sequences=True, name="a"),
                              layers.LSTM(2, name="b")], name="by_build")
    model.build((None, 3, 2))
    return model


def stateful_seq2seq() -> Any:
    enc = keras.Input(batch_shape=(2, 5, 3), name="enc")
    dec = keras.Input(batch_shape=(2, 4, 3), name="dec")
    _, h = layers.GRU(6, return_state=True, stateful=True, name="encoder")(enc)
    seq = layers.GRU(6, return_sequences=True, stateful=True, name="decoder")(dec, initial_state=h)
    return keras.Model({"dec": dec, "enc": enc}, {"y": layers.Dense(3, name="y")(seq)}, name="stateful")


def masked_nested() -> Any:
    """A mask reaches a nested model, which passes none on (Keras warns it destroys it)."""
    inner = keras.Sequential([keras.Input(shape=(7, 3)), layers.Dense(4, name="d")], name="inner")
    return keras.Sequential([keras.Input(shape=(7, 3), name="x"), layers.Masking(name="masking"), inner,
                             layers.GRU(2, name="gru")], name="masked_nested")


def lambdas_and_ops() -> Any:
    """A Python lambda (which Keras's safe mode refuses to load) and op nodes, read through the
    shapes their readers record."""
    x = keras.Input(shape=(6, 3), name="x")
    doubled = layers.Lambda(lambda t: t * 2.0, name="double")(x)
    last = keras.ops.expand_dims(layers.LSTM(4, return_sequences=True, name="lstm")(doubled)[:, -1], 1)
    return keras.Model(x, layers.GRU(2, name="gru")(last), name="lambdas_and_ops")


def nested_custom_outputs() -> Any:
    """A custom layer that is a nested model's output, read through what reads the nested model:
    called directly and on each step (a hierarchical model)."""
    inner_in = keras.Input(shape=(4, 3), name="words")
    inner = keras.Model(inner_in, Scale(2.0, name="scale")(layers.GRU(2, name="word_gru")(inner_in)),
                        name="sentence_encoder")
    docs = keras.Input(shape=(5, 4, 3), name="docs")
    per_sentence = layers.TimeDistributed(inner, name="td")(docs)
    one = keras.Input(shape=(4, 3), name="one")
    return keras.Model([docs, one], [layers.LSTM(2, name="doc_lstm")(per_sentence),
                                     layers.Dense(1, name="head")(inner(one))], name="nested_custom")


@keras.saving.register_keras_serializable(package="tests")
def softmax_over_time(x: Any) -> Any:
    return keras.ops.softmax(x, axis=1)


def custom_activations() -> Any:
    """Activations written as Python functions (an attention's softmax over time, as in
    keras-io's text-classification-with-attention posts), registered or a lambda: an
    Activation keeps its shape whatever the function."""
    x = keras.Input(shape=(7, 3), name="x")
    h = layers.LSTM(4, return_sequences=True, name="lstm")(x)
    score = layers.Dense(1, activation=softmax_over_time, name="score")(h)
    weights = layers.Activation(softmax_over_time, name="weights")(score)
    doubled = layers.Activation(lambda t: t * 2.0, name="doubled")(weights)
    return keras.Model(x, layers.Multiply(name="weighted")([h, doubled]), name="custom_activations")


FOCUSED: Dict[str, Callable[[], Any]] = {f.__name__: f for f in (
    sequence_layers, convolution_layers, cells_and_bidirectional, functional_masks, sequential_masks,
    shared_and_nested, other_backward_units, sequential_by_add, built_without_input, stateful_seq2seq,
    masked_nested, lambdas_and_ops, nested_custom_outputs, custom_activations)}


@pytest.mark.parametrize("build", FOCUSED.values(), ids=FOCUSED.keys())
def test_focused_models_read_back_as_their_live_spec(build: Callable[[], Any], tmp_path: Path) -> None:
    model = build()
    assert_same_spec(saved(model, tmp_path), model)


def test_a_nested_model_takes_the_mask_and_passes_none_on(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns that the nested model drops the mask
        spec = read_saved(saved(masked_nested(), tmp_path))
    assert [(c.layer, c.kind) for c in spec.layer("inner").inbound] == [("masking", "sequence"), ("masking", "mask")]
    assert [c.kind for c in spec.layer("gru").inbound] == ["sequence"]


def test_masks_are_traced_to_their_maker(tmp_path: Path) -> None:
    spec = read_saved(saved(functional_masks(), tmp_path))
    masks = {l.id: [c.layer for c in l.inbound if c.kind == "mask"] for l in spec.layers}
    assert masks["bi"] == ["emb"] and masks["g"] == ["cat"] and masks["l"] == ["add"]
    assert masks["s"] == ["masking"] and masks["explicit"] == ["t"] and masks["twice"] == ["emb2"]
    assert {"NotEqual", "Any"}.isdisjoint(l.class_name for l in spec.layers)
    assert spec.layer("reversed").role == "whole_sequence"


# Errors and the Keras fallback -----------------------------------------------------------


@keras.saving.register_keras_serializable(package="rnndiagram_tests")
class Scale(layers.Layer):
    def __init__(self, factor: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x: Any) -> Any:
        return x * self.factor

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="rnndiagram_tests")
class TwoStateCell(layers.Layer):
    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units, self.state_size = units, [units, units]

    def call(self, x: Any, states: Any) -> Any:
        return states[0], list(states)

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "units": self.units}


def custom_layer() -> Any:
    x = keras.Input(shape=(3, 2), name="x")
    return keras.Model(x, layers.GRU(4, name="gru")(Scale(2.0, name="scale")(x)), name="custom")


def custom_layer_last() -> Any:
    x = keras.Input(shape=(3, 2), name="x")
    return keras.Model(x, Scale(2.0, name="scale")(layers.GRU(4, name="gru")(x)), name="custom_last")


def custom_cell() -> Any:
    x = keras.Input(shape=(3, 2), name="x")
    return keras.Model(x, layers.RNN(TwoStateCell(3), name="rnn")(x), name="custom_cell")


def test_a_custom_layer_takes_the_shapes_its_readers_record(tmp_path: Path) -> None:
    model = custom_layer()
    spec = read_saved(saved(model, tmp_path))
    assert spec == read_config_json(model.to_json()) == as_read(inspect(model), spec)
    scale = spec.layer("scale")
    assert (scale.class_name, scale.role, scale.output_shapes) == ("Scale", "whole_sequence", ((None, 3, 2),))
    assert scale.code_not_run and not inspect(model).layer("scale").code_not_run
    assert "custom layer: read from the file, its code not run" in rnndiagram.diagram(spec).to_svg()


@keras.saving.register_keras_serializable(package="rnndiagram_tests")
class IndRNNCell(layers.Layer):
    """An independently recurrent cell, h = relu(x W + u * h + b) (Li et al., 2018; after
    titu1994/Independently-Recurrent-Neural-Networks, ind_rnn.py, in Keras 3)."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units, self.state_size = units, units

    def build(self, input_shape: Any) -> None:
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units,), name="recurrent_kernel")

    def call(self, x: Any, states: Any) -> Any:
        h = keras.ops.relu(keras.ops.matmul(x, self.kernel) + states[0] * self.recurrent_kernel)
        return h, [h]

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="rnndiagram_tests")
class IndRNN(layers.RNN):
    """The layer over it, a registered subclass of ``RNN`` as in that repository."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        kwargs.pop("cell", None)
        super().__init__(IndRNNCell(units), **kwargs)
        self.units = units

    def get_config(self) -> Dict[str, Any]:
        config = super().get_config()
        config.pop("cell", None)
        return {**config, "units": self.units}

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "IndRNN":
        return cls(**config)


@keras.saving.register_keras_serializable(package="rnndiagram_tests")
class AdditiveAttention2(layers.Layer):
    """Bahdanau attention returning the context and its weights (keras-io's NMT with
    attention posts): a model that reads only the context leaves the weights unread."""

    def __init__(self, units: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.score = layers.Dense(1)

    def call(self, values: Any) -> Any:
        weights = keras.ops.softmax(self.score(values), axis=1)
        return keras.ops.sum(weights * values, axis=1), weights

    def get_config(self) -> Dict[str, Any]:
        return {**super().get_config(), "units": self.units}


def indrnn_classifier() -> Any:
    x = keras.Input(shape=(6, 3), name="x")
    h = IndRNN(5, return_sequences=True, name="indrnn")(x)
    return keras.Model(x, layers.Dense(2, name="head")(IndRNN(4, name="indrnn_2")(h)), name="indrnn")


def attention_with_unread_weights() -> Any:
    x = keras.Input(shape=(6, 3), name="x")
    context, _ = AdditiveAttention2(4, name="attention")(layers.GRU(4, return_sequences=True, name="gru")(x))
    return keras.Model(x, layers.Dense(2, name="head")(context), name="attention_weights_unread")


@pytest.mark.parametrize("build, custom", [(indrnn_classifier, ["indrnn", "indrnn_2"]),
                                           (attention_with_unread_weights, ["attention"])])
def test_a_file_says_what_it_does_not_know_of_a_custom_class(build: Any, custom: Any, tmp_path: Path) -> None:
    """What a custom class does is in its code, which the file reader does not run: a
    subclass of RNN and a layer with an output nothing reads are marked, never answered wrong."""
    model = build()
    live, spec = inspect(model), read_saved(saved(model, tmp_path))
    assert [l.name for l in spec.layers if l.code_not_run] == custom
    assert spec == as_read(live, spec) == read_config_json(model.to_json())
    assert spec != live  # the live reader knows more: recurrent cells, or a second output
    assert read_saved(saved(model, tmp_path), allow_load=True) == live


@pytest.mark.parametrize("build, names", [(custom_layer_last, r"'scale' \(Scale\).*no layer that reads it"),
                                          (custom_cell, r"'rnn' \(RNN\).*custom cell TwoStateCell")])
def test_unknown_layers_name_the_layer_and_the_flag(build: Any, names: str, tmp_path: Path) -> None:
    model = build()
    path = saved(model, tmp_path)
    for read in (lambda: read_saved(path), lambda: read_config_json(model.to_json()),
                 lambda: resolve(str(path))):
        with pytest.raises(UnsupportedLayerError, match=f"{names}.*--allow-load"):
            read()
    live = inspect(model)
    assert read_saved(path, allow_load=True) == live
    assert read_saved(path.read_bytes(), allow_load=True) == live
    assert read_config_json(model.to_json(), allow_load=True) == live
    assert resolve(str(path), allow_load=True).model.name == model.name


def test_a_mask_computed_like_the_carried_one_is_that_mask(tmp_path: Path) -> None:
    t = keras.Input(shape=(None,), dtype="int32", name="t")
    e = layers.Embedding(20, 4, mask_zero=True, name="emb")(t)
    y = layers.LSTM(2, name="lstm")(e, mask=keras.ops.not_equal(t, 0))  # the mask emb makes, again
    model = keras.Model(t, [y, layers.GRU(2, name="gru")(e)], name="look_alike")
    path = saved(model, tmp_path)
    spec = read_saved(path)
    assert spec == inspect(model) == inspect(keras.saving.load_model(path))
    assert [c.layer for c in spec.layer("lstm").inbound if c.kind == "mask"] == ["emb"]


@pytest.mark.slow  # loads models back with Keras
def test_keras_loaded_models_trace_masks_as_the_originals(tmp_path: Path) -> None:
    model = functional_masks()
    loaded = keras.saving.load_model(saved(model, tmp_path))
    for op in loaded.operations:  # Keras 3.10 and older do not save the name given to an op
        if isinstance(op, Flip):
            op.name = "reversed"
    assert inspect(loaded) == inspect(model)


def test_cli_allow_load(tmp_path: Path) -> None:
    path = saved(custom_layer_last(), tmp_path)
    refused = CliRunner().invoke(main, ["export", str(path), "-o", str(tmp_path / "a.svg")])
    assert refused.exit_code == 1 and "--allow-load" in refused.output and "Traceback" not in refused.output
    assert not (tmp_path / "a.svg").exists()
    loaded = CliRunner().invoke(main, ["export", str(path), "-o", str(tmp_path / "a.svg"), "--allow-load"])
    assert loaded.exit_code == 0, loaded.output
    table = CliRunner().invoke(main, ["inspect", str(path), "--allow-load"])
    assert table.exit_code == 0 and "gru" in table.output


def test_unbuilt_model_is_a_clear_error(tmp_path: Path) -> None:
    model = keras.Sequential([layers.LSTM(4, name="lstm")], name="unbuilt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns about saving an unbuilt model
        path = saved(model, tmp_path)
    for allow_load in (False, True):
        with pytest.raises(NotBuiltError, match="'unbuilt' was saved before it was built.*keras.Input"):
            read_saved(path, allow_load=allow_load)


# Sources, the command line, and no TensorFlow ----------------------------------------------


def test_sources_read_files_without_loading(tmp_path: Path, example_models: Dict[str, Any],
                                            example_specs: Dict[str, ModelSpec]) -> None:
    model = example_models["char_seq2seq"]
    path = saved(model, tmp_path, "seq2seq")
    assert resolve(str(path)).model == example_specs["char_seq2seq"]
    config = tmp_path / "config.json"
    config.write_text(model.to_json())
    assert resolve(str(config)).model == example_specs["char_seq2seq"]
    for source in (path, config):
        assert isinstance(resolve(str(source), live=True).model, keras.Model)


def test_cli_draws_a_file_as_it_draws_the_live_model(tmp_path: Path, example_models: Dict[str, Any]) -> None:
    path = saved(example_models["stacked_bidirectional_lstm"], tmp_path)
    runner = CliRunner()
    for source, out in ((str(path), "file.svg"), ("example:stacked_bidirectional_lstm", "live.svg")):
        assert runner.invoke(main, ["export", source, "-o", str(tmp_path / out)]).exit_code == 0
    assert (tmp_path / "file.svg").read_bytes() == (tmp_path / "live.svg").read_bytes()
    values = runner.invoke(main, ["export", str(path), "-o", str(tmp_path / "v.svg"), "--values"])
    assert values.exit_code == 0, values.output  # values mode loads the model to run it


NO_TENSORFLOW = """
import sys
from rnndiagram.cli import main
from rnndiagram.saved import read_saved
spec = read_saved(sys.argv[1])
main(["export", sys.argv[1], "-o", sys.argv[2]], standalone_mode=False)
main(["inspect", sys.argv[1]], standalone_mode=False)
print(spec.name, sorted(m for m in ("tensorflow", "keras", "h5py") if m in sys.modules))
"""


def test_reading_and_drawing_a_file_imports_no_tensorflow(tmp_path: Path,
                                                          example_models: Dict[str, Any]) -> None:
    path = saved(example_models["char_seq2seq"], tmp_path)
    proc = subprocess.run([sys.executable, "-c", NO_TENSORFLOW, str(path), str(tmp_path / "m.svg")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "char_seq2seq []"
    assert (tmp_path / "m.svg").read_text().startswith("<svg")



@keras.saving.register_keras_serializable(package="rnndiagram_tests")
class _SubclassedTagger(keras.Model):
    """A subclassed model (an Embedding, a GRU and a Dense in its ``call``), saved by Keras
    with its build shapes but no layer graph."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embedding = layers.Embedding(12, 4, name="embedding")
        self.gru = layers.GRU(5, return_sequences=True, name="gru")
        self.dense = layers.Dense(3, name="dense")

    def call(self, inputs: Any) -> Any:
        return self.dense(self.gru(self.embedding(inputs)))


def test_a_saved_subclassed_model_is_read_by_loading_it_with_keras_and_tracing_its_call(tmp_path: Path) -> None:
    model = _SubclassedTagger(name="tagger")
    model(keras.ops.ones((2, 6), "int32"))
    path = tmp_path / "tagger.keras"
    model.save(path)
    with pytest.raises(UnsupportedLayerError, match=r"holds a '_SubclassedTagger' model; .* pass --allow-load"):
        read_saved(path)
    spec = read_saved(path, allow_load=True)
    assert [(l.role, l.output_shapes[0]) for l in spec.layers] == [
        ("input", (None, 6)), ("per_step", (None, 6, 4)), ("recurrent", (None, 6, 5)), ("per_step", (None, 6, 3))]
