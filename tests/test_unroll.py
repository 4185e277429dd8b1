"""The unroll stage: which timesteps are shown and what is connected to what."""

from __future__ import annotations

from collections import Counter

import pytest

from rnndiagram.options import DiagramOptions
from rnndiagram.unroll import unroll
from rnndiagram.unroll.drafts import shown_columns


def keys(columns):
    return [c.key for c in columns]


@pytest.mark.parametrize("length, limit, expected", [
    (3, 4, ["1", "2", "3"]),
    (4, 4, ["1", "2", "3", "4"]),
    (5, 4, ["1", "2", "…", "5"]),
    (100_000, 4, ["1", "2", "…", "100000"]),
    (784, 6, ["1", "2", "3", "4", "…", "784"]),
    (None, 4, ["1", "2", "…", "T"]),
    (10, 2, ["…", "10"]),
])
def test_shown_columns(length, limit, expected):
    assert keys(shown_columns(length, DiagramOptions(max_timesteps=limit))) == expected


def test_timesteps_option_fixes_an_unknown_length():
    assert keys(shown_columns(None, DiagramOptions(timesteps=3))) == ["1", "2", "3"]
    assert keys(shown_columns(7, DiagramOptions(timesteps=3))) == ["1", "2", "…", "7"]


def edges_of(graph, kind, layer=None):
    return [e for e in graph.edges if e.kind == kind and (layer is None or e.layer == layer)]


def cells_of(graph, layer):
    return [n for n in graph.nodes if n.kind == "cell" and n.layer == layer]


def test_seed_stacked_has_two_rows_of_three_cells(example_specs):
    g = unroll(example_specs["seed_stacked"])
    assert [len(cells_of(g, l)) for l in ("simple_rnn", "simple_rnn_1")] == [3, 3]
    assert len({n.row for n in cells_of(g, "simple_rnn")}) == 1
    assert len(edges_of(g, "output", "simple_rnn")) == 3
    assert len(edges_of(g, "output", "simple_rnn_1")) == 1
    # the second row reads the first row's outputs, step by step
    inputs = [e for e in g.edges if e.dst.startswith("simple_rnn_1-t") and e.kind != "state"]
    assert sorted(e.src for e in inputs) == ["simple_rnn-out-t1", "simple_rnn-out-t2", "simple_rnn-out-t3"]


def test_return_sequences_false_has_one_output_from_the_last_cell(example_specs):
    g = unroll(example_specs["seed_simple_rnn"])
    (out,) = edges_of(g, "output")
    assert out.src == "simple_rnn-t3"


def test_unreturned_outputs_are_faint_on_request(example_specs):
    g = unroll(example_specs["seed_simple_rnn"], DiagramOptions(show_unreturned=True))
    outs = edges_of(g, "output")
    assert [e.faint for e in outs] == [True, True, False]


def test_lstm_passes_h_and_c_between_cells(example_specs):
    g = unroll(example_specs["lstm_classifier"])
    states = Counter(e.state for e in edges_of(g, "state"))
    assert states == {"h": 4, "c": 4}  # h0 -> t1 -> t2 -> ... -> T, 4 shown columns
    inits = {n.state: n.strip for n in g.nodes if n.kind == "init"}
    assert inits["h"].zero and inits["c"].zero and inits["h"].dims == (32,)


def test_state_edges_carry_the_state_vector(example_specs):
    g = unroll(example_specs["seed_simple_rnn"])
    carried = [e for e in edges_of(g, "state") if e.strip is not None]
    assert [(e.src, e.dst, e.label) for e in carried] == [
        ("simple_rnn-t1", "simple_rnn-t2", "h · 4"), ("simple_rnn-t2", "simple_rnn-t3", "h · 4")]


def test_bidirectional_draws_two_directions_and_merges_each_step(example_specs):
    g = unroll(example_specs["stacked_bidirectional_lstm"])
    first = [n for n in g.nodes if n.layer == "bilstm_1"]
    assert {n.id for n in first if n.kind == "cell"} == {
        f"bilstm_1-{d}-t{k}" for d in "fb" for k in ("1", "2", "12")}
    merges = [n for n in first if n.kind == "merge"]
    assert [m.label for m in merges] == ["concat"] * 3 and merges[0].detail == "32"
    backward_init = [n for n in first if n.kind == "init" and n.id.startswith("bilstm_1-b")]
    assert {n.side for n in backward_init} == {1}  # go_backwards starts on the right
    second = [n for n in g.nodes if n.layer == "bilstm_2" and n.kind == "merge"]
    assert len(second) == 1  # return_sequences=False: the final states are merged once


def test_go_backwards_runs_right_to_left(example_specs):
    g = unroll(example_specs["stacked_bidirectional_lstm"])
    back = [e for e in edges_of(g, "state", "bilstm_1") if e.src.startswith("bilstm_1-b-t")
            and e.state == "h"]
    assert [(e.src, e.dst) for e in back] == [
        ("bilstm_1-b-t12", "bilstm_1-b-t…"), ("bilstm_1-b-t…", "bilstm_1-b-t2"), ("bilstm_1-b-t2", "bilstm_1-b-t1")]


def test_return_state_and_initial_state_become_a_handoff(example_specs):
    g = unroll(example_specs["char_seq2seq"])
    finals = [n for n in g.nodes if n.kind == "final" and n.layer == "encoder_lstm"]
    assert sorted(n.state for n in finals) == ["c", "h"]
    handoffs = edges_of(g, "handoff")
    assert sorted((e.src, e.dst, e.label) for e in handoffs) == [
        ("encoder_lstm-cT", "decoder_lstm-c0", "c · 16"), ("encoder_lstm-hT", "decoder_lstm-h0", "h · 16")]
    assert len(g.panels) == 2  # each sequence keeps its own time axis


def test_time_distributed_is_one_box_per_step_on_a_backdrop(example_specs):
    g = unroll(example_specs["seed_time_distributed"])
    boxes = [n for n in g.nodes if n.kind == "box" and n.layer == "time_distributed"]
    assert [(b.label, b.detail) for b in boxes] == [("Dense", "(4)")] * 3
    (row,) = [r for r in g.panels[0].rows if r.layer == "time_distributed" and r.kind == "boxes"]
    assert row.backdrop and row.legend == "TimeDistributed"


def test_tokens_label_the_input_steps(example_specs):
    g = unroll(example_specs["seed_stacked"], DiagramOptions(tokens=("I", "am", "groot")))
    assert [n.label for n in g.nodes if n.kind == "token"] == ["I", "am", "groot"]


def test_convlstm_states_are_tensors(example_specs):
    g = unroll(example_specs["convlstm_next_frame"])
    init = {n.state: n.strip.dims for n in g.nodes if n.kind == "init"}
    assert init == {"h": (16, 16, 8), "c": (16, 16, 8)}


def test_node_and_edge_ids_are_unique(example_specs):
    for name, spec in example_specs.items():
        g = unroll(spec)
        ids = [n.id for n in g.nodes]
        assert len(ids) == len(set(ids)), name
        assert all(e.src in set(ids) and e.dst in set(ids) for e in g.edges), name


# -- the spec, not the class name, chooses how a layer is drawn ------------------------------

def _spec(*layers, outputs=()):
    from rnndiagram.spec import ModelSpec, TensorRef

    inputs = tuple(TensorRef(l.id, 0, l.output_shapes[0]) for l in layers if l.role == "input")
    outs = tuple(TensorRef(l.id, 0, l.output_shapes[0]) for l in layers if l.id in outputs)
    return ModelSpec("m", "Functional", inputs, outs, tuple(layers))


def _input(name, shape):
    from rnndiagram.spec import LayerSpec

    return LayerSpec(name, name, "InputLayer", "input", (), (shape,))


def _reads(*names, shape):
    from rnndiagram.spec import Connection

    return tuple(Connection(n, 0, 0, "sequence" if len(shape) >= 3 else "vector", shape, slot=i)
                 for i, n in enumerate(names))


def _rows_of(graph, layer):
    return [r for p in graph.panels for r in p.rows if r.layer == layer]


def test_a_layer_the_spec_says_is_drawn_per_query_step_is_whatever_its_class():
    """Self-attention of a custom class the table knows (through its bases) as attention:
    one box per query step, each reading every step, not one band over the sequence."""
    from rnndiagram.spec import LayerSpec

    x = _input("x", (None, 4, 3))
    att = LayerSpec("att", "att", "MySelfAttention", "whole_sequence", ((None, 4, 3),) * 2, ((None, 4, 3),),
                    inbound=_reads("x", "x", shape=(None, 4, 3)), steps="per_query_step")
    g = unroll(_spec(x, att, outputs=("att",)))
    (row, _) = _rows_of(g, "att")
    assert (row.kind, row.legend) == ("boxes", "per query step")
    assert [n.t for n in g.nodes if n.layer == "att" and n.kind == "box"] == ["1", "2", "3", "4"]
    band = replace_steps(att, None)
    (row, _) = _rows_of(unroll(_spec(x, band, outputs=("att",))), "att")
    assert (row.kind, row.legend) == ("band", "whole sequence")


def replace_steps(layer, steps):
    from dataclasses import replace

    return replace(layer, steps=steps)


def test_a_merge_the_spec_says_contracts_steps_is_not_joined_step_by_step():
    """``Dot`` of a sequence with itself: one band over its steps, where a merge that joins
    its inputs step by step (``Add``) has a merge node per step."""
    from rnndiagram.spec import LayerSpec

    x = _input("x", (None, 4, 4))
    dot = LayerSpec("dot", "dot", "Dot", "merge", ((None, 4, 4),) * 2, ((None, 4, 4),),
                    inbound=_reads("x", "x", shape=(None, 4, 4)), steps="whole_sequence")
    assert [r.kind for r in _rows_of(unroll(_spec(x, dot, outputs=("dot",))), "dot")][0] == "band"
    add = replace_steps(dot, None)
    assert [r.kind for r in _rows_of(unroll(_spec(x, add, outputs=("dot",))), "dot")][0] == "boxes"


def test_any_layer_that_reads_token_ids_makes_its_input_a_sequence_of_tokens():
    """A ReversibleEmbedding reads token ids as an Embedding does: the ids are drawn one per
    step and the layer one box per step, not as one vector and one box."""
    from rnndiagram.spec import LayerSpec

    ids = _input("ids", (None, 3))
    emb = LayerSpec("emb", "emb", "ReversibleEmbedding", "per_step", ((None, 3),), ((None, 3, 4),),
                    inbound=(*_reads("ids", shape=(None, 3)),))
    g = unroll(_spec(ids, emb, outputs=("emb",)))
    assert [n.t for n in g.nodes if n.layer == "ids" and n.kind == "input"] == ["1", "2", "3"]
    (row, _) = _rows_of(g, "emb")
    assert (row.kind, row.legend) == ("boxes", "Embedding")
