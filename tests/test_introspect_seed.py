"""The five seed models of the blog post, introspected, against hand-written expectations."""

from __future__ import annotations

from typing import Dict

import pytest

from rnndiagram import examples, inspect
from rnndiagram.spec import (CellSpec, Connection, LayerSpec, ModelSpec, RecurrentSpec, StateSpec, TensorRef,
                             WeightSpec)

SEEDS = ("seed_simple_rnn", "seed_dense", "seed_return_sequences", "seed_time_distributed",
         "seed_stacked")


@pytest.fixture(scope="module")
def specs() -> Dict[str, ModelSpec]:
    return {name: inspect(examples.build(name)) for name in SEEDS}


def simple_rnn(units: int = 4, timesteps: int = 3, features: int = 2,
               return_sequences: bool = False) -> RecurrentSpec:
    return RecurrentSpec(
        kind="SimpleRNN", units=units, timesteps=timesteps, features=(features,),
        states=(StateSpec("h", (None, units), 0),), return_sequences=return_sequences,
        return_state=False, go_backwards=False, stateful=False, masked=False,
        cells=("SimpleRNNCell",), activation="tanh", recurrent_activation=None,
        cell_specs=(simple_rnn_cell(units, features),))


def simple_rnn_cell(units: int, features: int) -> CellSpec:
    return CellSpec(kind="SimpleRNNCell", figure="simple_rnn", gates=("h",), units=units, input_size=features,
                    activation="tanh", weights=(WeightSpec("kernel", (features, units), ("h",)),
                                                WeightSpec("recurrent_kernel", (units, units), ("h",)),
                                                WeightSpec("bias", (units,), ("h",))))


WORDS = LayerSpec(id="words", name="words", class_name="InputLayer", role="input",
                  input_shapes=(), output_shapes=((None, 3, 2),))
FROM_WORDS = (Connection("words", 0, 0, "sequence", (None, 3, 2), 0),)


def test_every_seed_has_the_seed_tokens() -> None:
    for name in SEEDS:
        assert examples.get(name).tokens == ("I", "am", "groot")


def test_seed_simple_rnn(specs: Dict[str, ModelSpec]) -> None:
    spec = specs["seed_simple_rnn"]
    assert (spec.name, spec.class_name) == ("seed_simple_rnn", "Sequential")
    assert spec.inputs == (TensorRef("words", 0, (None, 3, 2)),)
    assert spec.outputs == (TensorRef("simple_rnn", 0, (None, 4)),)
    assert spec.layers == (
        WORDS,
        LayerSpec(id="simple_rnn", name="simple_rnn", class_name="SimpleRNN", role="recurrent",
                  input_shapes=((None, 3, 2),), output_shapes=((None, 4),),
                  inbound=FROM_WORDS, config=(("units", 4), ("activation", "tanh")),
                  recurrent=simple_rnn()),
    )


def test_seed_dense(specs: Dict[str, ModelSpec]) -> None:
    spec = specs["seed_dense"]
    assert [l.id for l in spec.layers] == ["words", "simple_rnn", "dense"]
    rnn, dense = spec.layers[1], spec.layers[2]
    assert rnn.output_shapes == ((None, 4),)
    assert rnn.recurrent == simple_rnn()
    assert dense == LayerSpec(
        id="dense", name="dense", class_name="Dense", role="vector",
        input_shapes=((None, 4),), output_shapes=((None, 1),),
        inbound=(Connection("simple_rnn", 0, 0, "vector", (None, 4), 0),),
        config=(("units", 1), ("activation", "linear")))
    assert spec.outputs == (TensorRef("dense", 0, (None, 1)),)


def test_seed_return_sequences(specs: Dict[str, ModelSpec]) -> None:
    spec = specs["seed_return_sequences"]
    assert [l.id for l in spec.layers] == ["words", "simple_rnn"]
    rnn = spec.layers[1]
    assert rnn.input_shapes == ((None, 3, 2),)
    assert rnn.output_shapes == ((None, 3, 4),)
    assert rnn.recurrent == simple_rnn(return_sequences=True)
    assert spec.outputs == (TensorRef("simple_rnn", 0, (None, 3, 4)),)


def test_seed_time_distributed(specs: Dict[str, ModelSpec]) -> None:
    spec = specs["seed_time_distributed"]
    assert [l.id for l in spec.layers] == ["words", "simple_rnn", "time_distributed"]
    assert spec.layers[1].recurrent == simple_rnn(return_sequences=True)
    td = spec.layers[2]
    assert (td.class_name, td.role) == ("TimeDistributed", "per_step")
    assert td.input_shapes == ((None, 3, 4),)
    assert td.output_shapes == ((None, 3, 4),)
    assert td.inbound == (Connection("simple_rnn", 0, 0, "sequence", (None, 3, 4), 0),)
    assert td.recurrent is None
    assert td.wrapped == LayerSpec(
        id="dense", name="dense", class_name="Dense", role="vector",
        input_shapes=((None, 4),), output_shapes=((None, 4),),
        config=(("units", 4), ("activation", "softmax")))
    assert spec.outputs == (TensorRef("time_distributed", 0, (None, 3, 4)),)


def test_seed_stacked(specs: Dict[str, ModelSpec]) -> None:
    spec = specs["seed_stacked"]
    assert [l.id for l in spec.layers] == ["words", "simple_rnn", "simple_rnn_1"]
    first, second = spec.layers[1], spec.layers[2]
    assert first.output_shapes == ((None, 3, 4),)
    assert first.recurrent == simple_rnn(return_sequences=True)
    assert second.input_shapes == ((None, 3, 4),)
    assert second.output_shapes == ((None, 4),)
    assert second.inbound == (Connection("simple_rnn", 0, 0, "sequence", (None, 3, 4), 0),)
    assert second.recurrent == simple_rnn(features=4)
    assert spec.outputs == (TensorRef("simple_rnn_1", 0, (None, 4)),)


@pytest.mark.parametrize("name", SEEDS)
def test_seed_spec_survives_json(specs: Dict[str, ModelSpec], name: str) -> None:
    assert ModelSpec.from_json(specs[name].to_json()) == specs[name]
