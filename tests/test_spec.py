"""The model spec: exact dict/JSON round-trips and the schema version guard."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnndiagram.spec import (
    SCHEMA_VERSION, ROLES, TENSOR_KINDS, CellSpec, Connection, ConvSpec, LayerSpec, ModelSpec, RecurrentSpec,
    StateSpec, TensorRef, WeightSpec)

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
dims = st.one_of(st.none(), st.integers(1, 4096))
shapes = st.lists(dims, min_size=1, max_size=5).map(tuple)
config_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**6), names,
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(1, 9), max_size=3).map(tuple))
states = st.builds(StateSpec, name=names, shape=shapes, group=st.integers(0, 3))
sizes = st.lists(st.integers(1, 64), min_size=1, max_size=4).map(tuple)
gates = st.lists(st.sampled_from("ifgozrh"), max_size=4).map(tuple)
weights = st.builds(WeightSpec, name=names, shape=sizes, gates=gates)
convs = st.builds(ConvSpec, kernel_size=sizes, strides=sizes, padding=st.sampled_from(["same", "valid"]),
                  dilation_rate=sizes, data_format=st.sampled_from(["channels_last", "channels_first"]))
cell_specs = st.builds(
    CellSpec, kind=names, figure=st.one_of(st.none(), st.sampled_from(["simple_rnn", "gru", "lstm"])),
    gates=gates, units=st.one_of(st.none(), st.integers(1, 512)), input_size=st.one_of(st.none(), st.integers(1, 512)),
    activation=st.one_of(st.none(), names), recurrent_activation=st.one_of(st.none(), names),
    use_bias=st.booleans(), reset_after=st.one_of(st.none(), st.booleans()),
    unit_forget_bias=st.one_of(st.none(), st.booleans()), dropout=st.floats(0, 1), recurrent_dropout=st.floats(0, 1),
    conv=st.one_of(st.none(), convs), weights=st.lists(weights, max_size=3).map(tuple))


def recurrent_specs(depth: int = 1):
    child = st.none() if depth == 0 else st.one_of(st.none(), recurrent_specs(depth - 1))
    return st.builds(
        RecurrentSpec, kind=names, units=st.one_of(st.none(), st.integers(1, 512)),
        timesteps=dims, features=shapes, states=st.lists(states, max_size=4).map(tuple),
        return_sequences=st.booleans(), return_state=st.booleans(), go_backwards=st.booleans(),
        stateful=st.booleans(), masked=st.booleans(), cells=st.lists(names, max_size=3).map(tuple),
        activation=st.one_of(st.none(), names), merge_mode=st.one_of(st.none(), names),
        merged_units=st.one_of(st.none(), st.integers(1, 1024)), forward=child, backward=child,
        cell_specs=st.lists(cell_specs, max_size=2).map(tuple))


connections = st.builds(Connection, layer=names, call=st.integers(0, 3), tensor=st.integers(0, 4),
                        kind=st.sampled_from(TENSOR_KINDS), shape=shapes, slot=st.integers(0, 3))


def layer_specs(depth: int = 1):
    inner = st.none() if depth == 0 else st.one_of(st.none(), layer_specs(depth - 1))
    nested = st.none() if depth == 0 else st.one_of(st.none(), model_specs(depth - 1))
    return st.builds(
        LayerSpec, id=names, name=names, class_name=names, role=st.sampled_from(ROLES),
        input_shapes=st.lists(shapes, max_size=3).map(tuple),
        output_shapes=st.lists(shapes, max_size=3).map(tuple),
        inbound=st.lists(connections, max_size=3).map(tuple), call=st.integers(0, 3),
        config=st.dictionaries(names, config_values, max_size=4).map(lambda d: tuple(d.items())),
        recurrent=st.one_of(st.none(), recurrent_specs()), wrapped=inner, model=nested,
        cell=st.one_of(st.none(), cell_specs))


def model_specs(depth: int = 1):
    refs = st.lists(st.builds(TensorRef, layer=names, tensor=st.integers(0, 3), shape=shapes,
                              name=st.one_of(st.none(), names)),
                    min_size=1, max_size=3).map(tuple)
    return st.builds(ModelSpec, name=names, class_name=st.sampled_from(["Sequential", "Functional"]),
                     inputs=refs, outputs=refs,
                     layers=st.lists(layer_specs(depth), max_size=3).map(tuple))


@given(model_specs())
def test_dict_round_trip_is_exact(spec):
    assert ModelSpec.from_dict(spec.to_dict()) == spec


@given(model_specs())
def test_json_round_trip_is_exact(spec):
    text = spec.to_json()
    assert ModelSpec.from_json(text) == spec
    assert json.loads(text)["schema_version"] == SCHEMA_VERSION


def test_newer_schema_is_refused_with_the_fix():
    spec = ModelSpec("m", "Sequential", (), (), ())
    data = spec.to_dict() | {"schema_version": SCHEMA_VERSION + 1}
    with pytest.raises(ValueError, match="upgrade rnndiagram"):
        ModelSpec.from_dict(data)


def test_layer_lookup_names_the_known_ids():
    layer = LayerSpec("a", "a", "Dense", "vector", ((None, 2),), ((None, 3),))
    spec = ModelSpec("m", "Functional", (), (), (layer,))
    assert spec.layer("a") is layer
    with pytest.raises(KeyError, match=r"\['a'\]"):
        spec.layer("b")


def test_a_version_1_bidirectional_gets_units_per_direction():
    """Version 1 gave a Bidirectional's merged width as its units; reading it converts."""
    forward = RecurrentSpec("LSTM", 16, 12, (10,), (), True, False)
    for mode, merged, version_1_units in (("concat", 32, 32), ("sum", 16, 16), (None, None, None)):
        bi = RecurrentSpec("Bidirectional", 16, 12, (10,), (), True, False, merge_mode=mode,
                           forward=forward, backward=forward, merged_units=merged)
        old = {**bi.to_dict(), "units": version_1_units}
        del old["merged_units"]
        assert RecurrentSpec.from_dict(old, version=1) == bi
    layer = LayerSpec("bi", "bi", "Bidirectional", "recurrent", ((None, 12, 10),), ((None, 32),), recurrent=bi)
    spec = ModelSpec("m", "Functional", (), (), (layer,))
    text = spec.to_json().replace('"schema_version": 2', '"schema_version": 1')
    assert ModelSpec.from_json(text).layers[0].recurrent.units == 16


def test_a_cells_parameters_are_its_weights_sizes_and_are_written_out():
    cell = CellSpec("GRUCell", "gru", ("z", "r", "h"), 4, 2, weights=(
        WeightSpec("kernel", (2, 12), ("z", "r", "h")), WeightSpec("recurrent_kernel", (4, 12), ("z", "r", "h")),
        WeightSpec("bias", (2, 12), ("z", "r", "h"))))
    assert cell.params == 24 + 48 + 24
    assert cell.to_dict()["params"] == 96
    assert CellSpec.from_dict(cell.to_dict()) == cell


def test_a_layers_steps_are_written_only_when_set_and_read_back():
    plain = LayerSpec("a", "a", "Conv1D", "whole_sequence", ((None, 4, 2),), ((None, 4, 3),))
    query = LayerSpec("q", "q", "Attention", "whole_sequence", ((None, 4, 2),) * 2, ((None, 4, 2),),
                      steps="per_query_step")
    assert "steps" not in plain.to_dict() and query.to_dict()["steps"] == "per_query_step"
    assert LayerSpec.from_dict(query.to_dict()) == query and LayerSpec.from_dict(plain.to_dict()) == plain
    with pytest.raises(ValueError, match="per_query_step, whole_sequence, not 'sideways'"):
        LayerSpec.from_dict({**query.to_dict(), "steps": "sideways"})
