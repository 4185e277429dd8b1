"""The correctness oracle: every shape in a spec is the shape a real forward pass produces."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import keras
import numpy as np
import pytest
from hypothesis import given
from keras.src.ops.function import make_node_key

from rnndiagram import examples, inspect
from rnndiagram.read.trace import BATCHES, trace_call
from rnndiagram.spec import LayerSpec, ModelSpec, Shape

from keras_compat import keras_version
from strategies import build_model, recipes

BATCH = 2
TIMESTEPS = 5


def _graph(model: Any) -> Any:
    return model._functional if isinstance(model, keras.Sequential) else model


def _vocab(model: Any) -> int:
    sizes = [l.input_dim for l in model._flatten_layers() if isinstance(l, keras.layers.Embedding)]
    return min(sizes, default=2)


def _random_input(tensor: Any, vocab: int, rng: np.random.Generator) -> np.ndarray:
    shape = [BATCH if d is None and axis == 0 else TIMESTEPS if d is None else d
             for axis, d in enumerate(tensor.shape)]
    if "int" in str(tensor.dtype):
        return rng.integers(0, vocab, size=shape).astype(str(tensor.dtype))
    return rng.standard_normal(shape).astype("float32")


def forward_pass_shapes(model: Any) -> Dict[str, Tuple[Any, List[Tuple[int, ...]]]]:
    """Each call in the model's graph by spec id (``name@n``): its operation and the
    shapes of its outputs in a real forward pass."""
    graph = _graph(model)
    calls: List[Tuple[str, Any, int]] = []
    tensors: List[Any] = []
    for op in graph.operations:
        # Calls are numbered among this model's nodes only (stale nodes of earlier graphs
        # stay on a layer, e.g. after Sequential.add()).
        nodes = [node for index, node in enumerate(op._inbound_nodes)
                 if make_node_key(op, index) in graph._nodes]
        for n, node in enumerate(nodes):
            calls.append((op.name if n == 0 else f"{op.name}@{n}", op, len(node.output_tensors)))
            tensors += node.output_tensors
    probe = keras.Model(graph.inputs, tensors)
    rng = np.random.default_rng(0)
    vocab = _vocab(model)
    values = probe([_random_input(t, vocab, rng) for t in graph.inputs], training=False)
    shapes = [tuple(int(d) for d in v.shape) for v in values]
    result, start = {}, 0
    for call_id, op, count in calls:
        result[call_id] = (op, shapes[start:start + count])
        start += count
    return result


def _assert_matches(spec_shape: Shape, actual: Tuple[int, ...], fixed_batch: Optional[int],
                    where: str) -> None:
    assert len(spec_shape) == len(actual), f"{where}: spec {spec_shape} vs actual {actual}"
    for axis, (want, got) in enumerate(zip(spec_shape, actual)):
        if want is None:
            # Unknown sizes may only be the batch or the (unknown) time axis.
            expected = (fixed_batch or BATCH) if axis == 0 else TIMESTEPS
            assert got == expected, f"{where}: None at axis {axis} of {spec_shape} is {got}"
        else:
            assert got == want, f"{where}: spec {spec_shape} vs actual {actual}"


def check_layer_consistency(layer: LayerSpec, by_id: Dict[str, LayerSpec]) -> None:
    """What a layer's spec says twice agrees: an inbound shape is its producer's output
    shape, the timesteps are the input's, returned states have the states' shapes."""
    for conn in layer.inbound:
        if conn.kind != "mask":
            assert conn.shape == by_id[conn.layer].output_shapes[conn.tensor], (layer.id, conn)
    rec = layer.recurrent
    if rec is not None:
        # A cell called directly is one step on a vector; a layer, the steps of its sequence.
        assert rec.timesteps == (1 if rec.step else layer.input_shapes[0][1]), layer.id
        if rec.return_state:
            states = layer.output_shapes[len(layer.output_shapes) - len(rec.states):]
            assert tuple(s.shape for s in rec.states) == states, layer.id


def nested_model(op: Any) -> Any:
    """What a spec's nested model is in Keras: the model itself, or the graph a custom layer
    was traced into (``rnndiagram.read.trace``), which is checked by running it forward;
    ``None`` for a call traced only at known batch sizes (:func:`check_spec_against_batches`)."""
    return op if isinstance(op, keras.Model) else trace_call(keras, op, op._inbound_nodes[0])


def check_spec_against_batches(spec: ModelSpec, op: Any) -> None:
    """The spec of a custom layer's call that Keras runs only at a known batch size, checked
    against forward passes of its traces at the two sizes ``trace.BATCHES``: each size the
    spec gives is the real one in both, and each it leaves unknown differs between them."""
    passes = [forward_pass_shapes(trace_call(keras, op, op._inbound_nodes[0], batch)) for batch in BATCHES]
    by_id = {l.id: l for l in spec.layers}
    for layer in spec.layers:
        shapes = [run[layer.id][1] for run in passes]
        assert len(layer.output_shapes) == len(shapes[0]), layer.id
        for spec_shape, *real in zip(layer.output_shapes, *shapes):
            assert [len(r) for r in real] == [len(spec_shape)] * 2, (layer.id, spec_shape, real)
            for want, *got in zip(spec_shape, *real):
                assert (got[0] != got[1]) if want is None else got == [want, want], (layer.id, spec_shape, real)
        check_layer_consistency(layer, by_id)


def check_spec_against_model(spec: ModelSpec, model: Any) -> None:
    actual = forward_pass_shapes(model)
    fixed_batch = _graph(model).inputs[0].shape[0]
    layer_calls = {cid for cid, (op, _) in actual.items() if isinstance(op, keras.layers.Layer)}
    ids = {l.id for l in spec.layers}
    assert layer_calls <= ids, f"layer calls missing from the spec: {layer_calls - ids}"
    by_id = {l.id: l for l in spec.layers}
    for layer in spec.layers:
        op, real_shapes = actual[layer.id]
        assert len(layer.output_shapes) == len(real_shapes), layer.id
        for spec_shape, real in zip(layer.output_shapes, real_shapes):
            _assert_matches(spec_shape, real, fixed_batch, layer.id)
        check_layer_consistency(layer, by_id)
        if layer.model is not None:
            nested = nested_model(op)
            if nested is None:
                check_spec_against_batches(layer.model, op)
            else:
                check_spec_against_model(layer.model, nested)
    for ref in spec.outputs:
        assert ref.shape == by_id[ref.layer].output_shapes[ref.tensor]


def _runnable(name: str) -> Any:
    """luong_attention's decoder mask goes through a BroadcastTo that Keras before 3.12
    cannot run ("Attempt to convert a value (None) ... to a Tensor")."""
    return pytest.param(name, marks=pytest.mark.xfail(
        name == "luong_attention" and keras_version() < (3, 12), raises=ValueError, strict=True,
        reason="Keras before 3.12 cannot run this model (BroadcastTo of a mask)"))


@pytest.mark.slow  # runs every example
@pytest.mark.parametrize("name", [_runnable(name) for name in examples.names()])
def test_example_shapes_match_a_forward_pass(example_models: Dict[str, Any], name: str) -> None:
    model = example_models[name]
    check_spec_against_model(inspect(model), model)


def _bidirectional_backward_units() -> Any:
    layers = keras.layers
    x = keras.Input(shape=(3, 2), name="x")
    y = layers.Bidirectional(
        layers.LSTM(4, return_sequences=True, return_state=True, name="fwd"),
        backward_layer=layers.LSTM(6, return_sequences=True, return_state=True,
                                   go_backwards=True, name="bwd"), name="bi")(x)
    return keras.Model(x, y, name="bi_units")


def _shared_and_nested() -> Any:
    layers = keras.layers
    inner = keras.Sequential([layers.SimpleRNN(4, return_sequences=True, name="inner_rnn"),
                              layers.GRU(3, name="inner_gru")], name="inner")
    a = keras.Input(shape=(4, 2), name="a")
    b = keras.Input(shape=(None, 2), name="b")
    shared = layers.LSTM(3, name="shared")
    joined = layers.Add(name="add")([shared(a), shared(b), inner(a)])
    return keras.Model([a, b], layers.Dense(2, name="head")(joined), name="shared_nested")


def _masked_ops() -> Any:
    layers = keras.layers
    x = keras.Input(shape=(None, 3), name="x")
    masked = layers.Masking(name="masking")(x)
    flipped = keras.ops.flip(masked, axis=1)
    y = layers.LSTM(2, return_sequences=True, name="lstm")(masked)
    z = layers.GRU(2, name="gru")(flipped, mask=keras.ops.any(keras.ops.not_equal(x, 0.0), -1))
    return keras.Model(x, [y, z], name="masked_ops")


def _sequential_by_add() -> Any:
    layers = keras.layers
    model = keras.Sequential(name="by_add")
    model.add(keras.Input(shape=(None, 3), name="x"))
    model.add(layers.GRU(4, return_sequences=True, name="gru"))
    model.add(layers.LSTM(2, name="lstm"))
    return model


@pytest.mark.parametrize("build", [_bidirectional_backward_units, _shared_and_nested,
                                   _masked_ops, _sequential_by_add],
                         ids=lambda f: f.__name__.strip("_"))
def test_tricky_models_match_a_forward_pass(build: Any) -> None:
    model = build()
    check_spec_against_model(inspect(model), model)


@pytest.mark.slow  # builds and runs random models
@given(recipes())
def test_random_models_match_a_forward_pass(recipe: Any) -> None:
    model = build_model(recipe)
    check_spec_against_model(inspect(model), model)
