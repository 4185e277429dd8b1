"""Make the Keras 2 fixtures: recurrent models built with tf_keras, each saved in four forms.

Run it with tf_keras from PyPI, in a virtual environment of its own (tf_keras pins the
TensorFlow release it works with), from the repository root::

    python -m venv ../venv-keras2 && ../venv-keras2/bin/pip install "tf_keras==2.21.0" "tensorflow==2.21.0"
    ../venv-keras2/bin/python tests/data/keras2/make_fixtures.py [NAME ...]

Each model NAME is written next to this script as ``NAME.h5`` (the HDF5 format),
``NAME.keras`` (tf_keras's zip format), ``NAME.savedmodel/`` (a SavedModel folder) and
``NAME.json`` (``model.to_json()``, indented). ``shapes.json`` records the input and output
shapes that tf_keras reports for every call of every layer, nested models included: the
tests compare each spec read from each form with them. Weights are tiny (a few units),
so the files stay small. The SavedModel folders keep ``keras_metadata.pb`` (all that
rnndiagram reads) and ``fingerprint.pb``: ``saved_model.pb`` and ``variables/`` are dropped,
since their traced graphs and weights take up to 3.6 MB a model and nothing reads them
(a test that has tf_keras saves and reads a whole folder).

The builders take the Keras module, so the tests also build the models that Keras 3 can
build unchanged and compare the two specs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

HERE = Path(__file__).resolve().parent


def seq_lstm(keras: Any) -> Any:
    """Sequential, the input shape given to the first layer (tf_keras adds the InputLayer)."""
    layers = keras.layers
    return keras.Sequential([
        layers.LSTM(8, input_shape=(10, 3), name="lstm"),
        layers.Dense(2, activation="softmax", name="dense"),
    ], name="seq_lstm")


def stacked_bigru(keras: Any) -> Any:
    """Two stacked Bidirectional GRUs, merged by concatenation and by sum."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(12, 4), name="frames"),
        layers.Bidirectional(layers.GRU(6, return_sequences=True, name="gru_a"), name="bi_a"),
        layers.Bidirectional(layers.GRU(5, name="gru_b"), merge_mode="sum", name="bi_b"),
        layers.Dense(1, name="score"),
    ], name="stacked_bigru")


def seq2seq(keras: Any) -> Any:
    """Encoder-decoder: the encoder's final states start the decoder (``initial_state``)."""
    layers = keras.layers
    enc_in = keras.Input(shape=(None, 7), name="encoder_inputs")
    _, state_h, state_c = layers.LSTM(16, return_state=True, name="encoder_lstm")(enc_in)
    dec_in = keras.Input(shape=(None, 9), name="decoder_inputs")
    dec_seq, _, _ = layers.LSTM(16, return_sequences=True, return_state=True, name="decoder_lstm")(
        dec_in, initial_state=[state_h, state_c])
    out = layers.Dense(9, activation="softmax", name="decoder_dense")(dec_seq)
    return keras.Model([enc_in, dec_in], out, name="seq2seq")


def time_distributed(keras: Any) -> Any:
    """A SimpleRNN's sequence read by a TimeDistributed Dense."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(6, 5), name="words"),
        layers.SimpleRNN(4, return_sequences=True, name="rnn"),
        layers.TimeDistributed(layers.Dense(3, activation="softmax", name="tag"), name="per_step"),
    ], name="time_distributed")


def embedding_mask(keras: Any) -> Any:
    """Token ids embedded with ``mask_zero``: the mask reaches both GRUs (functional)."""
    layers = keras.layers
    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    x = layers.Embedding(50, 8, mask_zero=True, name="emb")(tokens)
    x = layers.GRU(6, return_sequences=True, name="gru_seq")(x)
    x = layers.GRU(4, go_backwards=True, name="gru_last")(x)
    return keras.Model(tokens, layers.Dense(1, activation="sigmoid", name="out")(x), name="embedding_mask")


def masking_lstm(keras: Any) -> Any:
    """A Masking layer before an LSTM and a pooling that reads the mask (Sequential)."""
    layers = keras.layers
    return keras.Sequential([
        layers.Masking(mask_value=0.0, input_shape=(8, 3), name="mask"),
        layers.LSTM(5, return_sequences=True, name="lstm"),
        layers.GlobalAveragePooling1D(name="pool"),
        layers.Dense(2, name="head"),
    ], name="masking_lstm")


def stateful_gru(keras: Any) -> Any:
    """A stateful GRU: its fixed batch given as ``batch_input_shape`` on the first layer."""
    layers = keras.layers
    return keras.Sequential([
        layers.GRU(4, stateful=True, return_sequences=True, batch_input_shape=(4, 6, 3), name="gru"),
        layers.TimeDistributed(layers.Dense(2, name="dense"), name="per_step"),
    ], name="stateful_gru")


def cudnn(keras: Any) -> Any:
    """The CuDNN layers of Keras 2 (LSTM and GRU with fixed activations)."""
    from tf_keras.api._v1.keras.layers import CuDNNGRU, CuDNNLSTM

    return keras.Sequential([
        keras.Input(shape=(10, 4), name="x"),
        CuDNNLSTM(6, return_sequences=True, name="cudnn_lstm"),
        CuDNNGRU(3, name="cudnn_gru"),
    ], name="cudnn")


def merge_modes(keras: Any) -> Any:
    """Bidirectional layers in every merge mode, one returning its states."""
    layers = keras.layers
    x = keras.Input(shape=(7, 3), name="x")
    pair = layers.Bidirectional(layers.LSTM(4, return_sequences=True), merge_mode=None, name="bi_none")(x)
    joined = layers.Concatenate(name="joined")(pair)
    ave = layers.Bidirectional(layers.GRU(3, return_sequences=True), merge_mode="ave", name="bi_ave")(joined)
    mul = layers.Bidirectional(layers.SimpleRNN(3, return_sequences=True), merge_mode="mul", name="bi_mul")(ave)
    out, fh, fc, bh, bc = layers.Bidirectional(
        layers.LSTM(5, return_state=True), backward_layer=layers.LSTM(5, return_state=True, go_backwards=True),
        name="bi_states")(mul)
    states = layers.Concatenate(name="states")([fh, fc, bh, bc])
    return keras.Model(x, [out, states], name="merge_modes")


def nested(keras: Any) -> Any:
    """A Sequential encoder and a functional block nested in a functional model, one of
    them called twice, and a nested model inside TimeDistributed."""
    layers = keras.layers
    encoder = keras.Sequential([
        keras.Input(shape=(5, 4), name="enc_in"),
        layers.GRU(6, return_sequences=True, name="enc_gru"),
        layers.GRU(3, name="enc_last"),
    ], name="encoder")
    step_in = keras.Input(shape=(4,), name="step_in")
    block = keras.Model(step_in, layers.Dense(4, activation="tanh", name="block_dense")(step_in), name="block")
    a = keras.Input(shape=(5, 4), name="a")
    b = keras.Input(shape=(5, 4), name="b")
    per_step = layers.TimeDistributed(block, name="td_block")(a)
    codes = layers.Concatenate(name="codes")([encoder(per_step), encoder(b)])
    return keras.Model([a, b], layers.Dense(2, name="head")(codes), name="nested")


def time_major(keras: Any) -> Any:
    """An LSTM over time-major input: axis 0 is time, axis 1 the batch."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(2, 3), name="x"),
        layers.LSTM(4, time_major=True, return_sequences=True, name="lstm_tm"),
        layers.LSTM(5, time_major=True, name="lstm_last"),
    ], name="time_major")


def convlstm(keras: Any) -> Any:
    """Two ConvLSTM2D layers over a sequence of small frames."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(5, 8, 8, 2), name="frames"),
        layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True, name="convlstm_a"),
        layers.ConvLSTM2D(3, 3, name="convlstm_b"),
        layers.Flatten(name="flat"),
    ], name="convlstm")


def stacked_cells(keras: Any) -> Any:
    """A generic RNN over a stack of cells, returning its sequence and every state."""
    layers = keras.layers
    x = keras.Input(shape=(6, 3), name="x")
    outputs = layers.RNN([layers.LSTMCell(4), layers.GRUCell(3)], return_sequences=True,
                         return_state=True, name="stack")(x)
    seq, (h1, c1), h2 = outputs  # tf_keras nests a stacked cell's states per cell
    summary = layers.Concatenate(name="summary")([h1, c1, h2])
    return keras.Model(x, [seq, summary], name="stacked_cells")


def conv_text(keras: Any) -> Any:
    """Embedding with a fixed ``input_length``, Conv1D and pooling before an LSTM."""
    layers = keras.layers
    return keras.Sequential([
        layers.Embedding(100, 8, input_length=20, name="emb"),
        layers.Conv1D(6, 3, activation="relu", name="conv"),
        layers.MaxPooling1D(2, name="pool"),
        layers.LSTM(4, name="lstm"),
        layers.Dropout(0.2, name="drop"),
        layers.Dense(1, activation="sigmoid", name="out"),
    ], name="conv_text")


def attention(keras: Any) -> Any:
    """A decoder attending over an encoder: a tensor passed by keyword (``value=``)."""
    layers = keras.layers
    enc_in = keras.Input(shape=(None, 6), name="enc_in")
    dec_in = keras.Input(shape=(None, 6), name="dec_in")
    enc = layers.LSTM(8, return_sequences=True, name="enc")(enc_in)
    dec = layers.LSTM(8, return_sequences=True, name="dec")(dec_in)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(dec, value=enc)
    additive = layers.AdditiveAttention(name="additive")([dec, enc])
    joined = layers.Concatenate(name="joined")([dec, mha, additive])
    return keras.Model([enc_in, dec_in], layers.Dense(6, name="next")(joined), name="attention")


def shared_lstm(keras: Any) -> Any:
    """One LSTM read twice (its second call is ``lstm@1`` in a spec), and a RepeatVector."""
    layers = keras.layers
    a = keras.Input(shape=(4, 3), name="a")
    b = keras.Input(shape=(9, 3), name="b")
    shared = layers.LSTM(5, name="shared")
    merged = layers.Add(name="sum")([shared(a), shared(b)])
    repeated = layers.RepeatVector(3, name="repeat")(merged)
    return keras.Model([a, b], layers.SimpleRNN(2, return_sequences=True, name="decode")(repeated),
                       name="shared_lstm")


MODELS: Dict[str, Callable[[Any], Any]] = {f.__name__: f for f in (
    seq_lstm, stacked_bigru, seq2seq, time_distributed, embedding_mask, masking_lstm, stateful_gru,
    cudnn, merge_modes, nested, time_major, convlstm, stacked_cells, conv_text, attention, shared_lstm)}

NO_SAVEDMODEL = {
    "cudnn": "tf_keras 2.21 cannot trace its CuDNN layers for a SavedModel: 'CuDNNLSTM' object "
             "has no attribute 'unroll' (and with one, 'Layer has 2 states but was passed 0 "
             "initial states')",
}
"""Models tf_keras cannot write as a SavedModel folder, and what it raises."""

# What a SavedModel folder keeps here: the Keras metadata (all the reader reads) and the
# fingerprint; a folder with saved_model.pb too is what TensorFlow writes.
KEPT_IN_SAVEDMODEL = ("keras_metadata.pb", "fingerprint.pb")


def shape(value: Any) -> Any:
    """A tf_keras shape (a tuple, a TensorShape, or a list of them) as JSON lists."""
    if isinstance(value, list):
        return [shape(v) for v in value]
    if hasattr(value, "as_list"):
        return value.as_list()
    return list(value)


def calls_of(keras: Any, model: Any) -> Dict[str, Any]:
    """For each layer of ``model``: the shapes tf_keras reports for each of its calls in
    the model, in call order, and for a nested model the same for its own layers."""
    found: Dict[str, Any] = {}
    # A Sequential's layers leave out its InputLayer; the tracked ones do not.
    for layer in model._self_tracked_trackables if isinstance(model, keras.Sequential) else model.layers:
        kept = [i for i in range(len(layer._inbound_nodes))
                if f"{layer.name}_ib-{i}" in model._network_nodes]
        calls: List[Dict[str, Any]] = []
        for i in kept:
            node = layer._inbound_nodes[i]
            # Every tensor the call reads, keyword ones (MultiHeadAttention's value) included.
            inputs = [t.shape for t in node.keras_inputs] if node.keras_inputs else [node.output_shapes]
            calls.append({"input": shape(inputs), "output": shape(node.output_shapes)})
        entry: Dict[str, Any] = {"class_name": type(layer).__name__, "calls": calls}
        inner = getattr(layer, "layer", None)
        for candidate in (layer, inner):
            if isinstance(candidate, keras.Model):
                entry["model"] = calls_of(keras, candidate)
        found[layer.name] = entry
    return found


def write(keras: Any, name: str, model: Any) -> Dict[str, Any]:
    """Save ``model`` in each form and return what tf_keras reports of it."""
    for old in (HERE / f"{name}.h5", HERE / f"{name}.keras", HERE / f"{name}.json"):
        old.unlink(missing_ok=True)
    shutil.rmtree(HERE / f"{name}.savedmodel", ignore_errors=True)
    model.save(HERE / f"{name}.h5")
    model.save(HERE / f"{name}.keras")
    if name not in NO_SAVEDMODEL:
        folder = HERE / f"{name}.savedmodel"
        model.save(folder, save_format="tf")
        for item in folder.iterdir():
            if item.name not in KEPT_IN_SAVEDMODEL:
                shutil.rmtree(item) if item.is_dir() else item.unlink()
    (HERE / f"{name}.json").write_text(json.dumps(json.loads(model.to_json()), indent=1) + "\n")
    forms = ["h5", "keras", "json"] + ([] if name in NO_SAVEDMODEL else ["savedmodel"])
    return {"class_name": type(model).__name__, "forms": forms, "layers": calls_of(keras, model)}


def main() -> None:
    import tf_keras as keras

    keras.utils.set_random_seed(0)
    chosen = sys.argv[1:] or list(MODELS)
    path = HERE / "shapes.json"
    recorded = json.loads(path.read_text()) if path.exists() else {"models": {}}
    recorded["tf_keras"] = keras.__version__
    for name in chosen:
        print(name, flush=True)
        recorded["models"][name] = write(keras, name, MODELS[name](keras))
    recorded["models"] = dict(sorted(recorded["models"].items()))
    path.write_text(json.dumps(recorded, indent=1) + "\n")


if __name__ == "__main__":
    main()
