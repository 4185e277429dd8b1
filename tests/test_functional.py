"""Functional graphs: hand-offs, branches, new time axes, nested and shared layers, attention."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import rnndiagram
from rnndiagram.layout.scene import Arrow, Group, walk
from keras_compat import keras_version
from scene_checks import crossings, downward, problems

SVG = "{http://www.w3.org/2000/svg}"


def edge_arrows(scene, cls):
    return [(g, i) for g in walk(scene.items) if isinstance(g, Group) and cls in g.cls.split()
            for i in g.items if isinstance(i, Arrow)]


def test_handoff_edges_one_per_state_with_class(example_specs):
    d = rnndiagram.diagram(example_specs["char_seq2seq"])
    root = ET.fromstring(d.to_svg())
    handoffs = [g for g in root.iter(f"{SVG}g") if "rnd-handoff" in g.get("class", "").split()]
    assert sorted(g.get("data-state") for g in handoffs) == ["c", "h"]
    texts = {t.text for g in handoffs for t in g.iter(f"{SVG}text")}
    assert texts == {"h · 16 from encoder_lstm", "c · 16 from encoder_lstm"}
    # the two sequences keep their own time axes, both of unknown length
    assert [p.title for p in d.graph.panels] == ["T = ?", "T = ?"]


def test_every_edge_between_panels_runs_upwards(example_specs):
    for name in ("two_branch_merge", "attention_seq2seq", "char_seq2seq", "addition_rnn", "crnn"):
        d = rnndiagram.diagram(example_specs[name])
        panel = {n.id: n.panel for n in d.graph.nodes}
        for e in d.graph.edges:
            assert panel[e.src] <= panel[e.dst], (name, e.id)


def test_two_branches_merge_with_the_merged_shape(example_specs):
    g = rnndiagram.diagram(example_specs["two_branch_merge"]).graph
    (merge,) = [n for n in g.nodes if n.layer == "joint" and n.kind == "merge"]
    assert merge.label == "Concatenate"
    assert [n.strip.dims for n in g.nodes if n.layer == "joint" and n.kind == "strip"] == [(24,)]
    legends = [r.legend for p in g.panels for r in p.rows if r.legend and r.legend.startswith("Output")]
    assert sorted(legends) == ["Output 0: score", "Output 1: category"]
    # the two branches meet on a stack of their own, above both; the two heads over it
    # stand on stacks of their own, side by side
    stacks = [p.index for p in g.panels if p.kind == "stack"]
    heads = {n.layer: n.panel for n in g.nodes if n.layer in ("score", "category") and n.kind == "box"}
    assert stacks == [merge.panel, heads["score"], heads["category"]]


def test_repeat_vector_starts_a_shorter_time_axis(example_specs):
    g = rnndiagram.diagram(example_specs["addition_rnn"]).graph
    assert [[c.key for c in p.columns] for p in g.panels] == [["1", "2", "…", "7"], ["1", "2", "3", "4"]]
    decoder_cells = [n for n in g.nodes if n.layer == "decoder" and n.kind == "cell"]
    assert {n.panel for n in decoder_cells} == {1} and len(decoder_cells) == 4


def test_pooling_shortens_the_time_axis_before_the_lstm(example_specs):
    g = rnndiagram.diagram(example_specs["conv_lstm_text"]).graph
    assert [p.title for p in g.panels] == ["T = 100", "T = 25"]
    assert {n.panel for n in g.nodes if n.layer == "lstm" and n.kind == "cell"} == {1}


def test_crnn_image_is_a_tensor_and_reshape_makes_the_sequence(example_specs):
    g = rnndiagram.diagram(example_specs["crnn"]).graph
    (image,) = [n for n in g.nodes if n.layer == "image"]
    assert image.kind == "input" and image.strip.dims == (16, 64, 1)
    assert [(p.kind, p.title) for p in g.panels] == [("stack", ""), ("time", "T = 32")]
    assert {n.panel for n in g.nodes if n.layer == "bilstm" and n.kind == "cell"} == {1}


def test_attention_is_per_query_step_and_reads_the_encoder_once(example_specs):
    g = rnndiagram.diagram(example_specs["attention_seq2seq"]).graph
    boxes = [n for n in g.nodes if n.layer == "attention" and n.kind == "box"]
    assert len(boxes) == 3
    from_encoder = [e for e in g.edges if e.dst.startswith("attention-") and e.src.startswith("encoder_lstm")]
    assert len(from_encoder) == 1 and from_encoder[0].label == "all steps of encoder_lstm"
    scene = rnndiagram.diagram(example_specs["attention_seq2seq"]).scene
    (arrow,) = [a for g, a in edge_arrows(scene, "rnd-data") if g.title.startswith("encoder_lstm-out")]
    (box,) = [i.frame for i in walk(scene.items) if isinstance(i, Group) and i.cls == "rnd-box"
              and dict(i.attrs).get("layer") == "attention" and dict(i.attrs).get("t") == "T"]
    (x0, _), (x1, y1) = arrow.points[-2], arrow.points[-1]
    assert x0 == x1 and y1 == box.bottom and box.x < x1 < box.right  # up into the last query step


def test_nested_model_is_one_box_or_drawn_inside(example_specs):
    collapsed = rnndiagram.diagram(example_specs["nested_encoder"], expand_nested=False).graph
    (band,) = [n for n in collapsed.nodes if n.layer == "encoder" and n.kind == "band"]
    assert band.label == "Sequential[GRU(8), GRU(8)]"
    expanded = rnndiagram.diagram(example_specs["nested_encoder"])  # it holds GRUs: drawn inside by default
    cells = {n.layer for n in expanded.graph.nodes if n.kind == "cell"}
    assert cells == {"encoder/gru_1", "encoder/gru_2"}
    frames = [g for g in walk(expanded.scene.items) if isinstance(g, Group) and g.cls == "rnd-nested-model"]
    assert [dict(f.attrs)["model"] for f in frames] == ["encoder"]
    heads = [e for e in expanded.graph.edges if e.dst == "head-box"]
    assert [e.src for e in heads] == ["encoder/gru_2-out-t10"]
    assert rnndiagram.diagram(example_specs["nested_encoder"], expand_nested=True).graph == expanded.graph


def test_a_nested_model_without_recurrence_stays_one_box(example_specs):
    g = rnndiagram.diagram(example_specs["memory_network"]).graph
    boxes = {n.layer for n in g.nodes if n.kind == "box" and n.label == "Sequential"}
    assert boxes == {"input_encoder_m", "input_encoder_c", "question_encoder"}
    inside = rnndiagram.diagram(example_specs["memory_network"], expand_nested=True).graph
    assert {n.layer for n in inside.nodes if n.label == "Embedding"} >= {"input_encoder_m/embedding_m"}


def test_shared_layer_calls_are_drawn_where_they_happen():
    import keras

    shared = keras.layers.LSTM(5, name="shared_lstm")
    a, b = keras.Input((4, 2), name="a"), keras.Input((6, 2), name="b")
    out = keras.layers.Add(name="add")([shared(a), shared(b)])
    g = rnndiagram.diagram(keras.Model([a, b], out, name="shared")).graph
    cells = [n for n in g.nodes if n.kind == "cell"]
    assert {n.layer for n in cells} == {"shared_lstm", "shared_lstm@1"}
    gutters = [r.gutter[0] for p in g.panels for r in p.rows if r.kind == "cells"]
    assert gutters == ["shared_lstm (call 1 of 2)", "shared_lstm (call 2 of 2)"]
    assert [[c.key for c in p.columns] for p in g.panels] == [["1", "2", "3", "4"], ["1", "2", "…", "6"], [""]]


def test_time_distributed_lstm_is_collapsed_with_its_own_steps():
    import keras

    model = keras.Sequential([keras.Input((5, 7, 2), name="clips"),
                              keras.layers.TimeDistributed(keras.layers.LSTM(4, name="inner"), name="td"),
                              keras.layers.LSTM(3, name="outer")], name="td_lstm")
    g = rnndiagram.diagram(model, expand_nested=False).graph
    boxes = [n for n in g.nodes if n.layer == "td" and n.kind == "box"]
    assert {(b.label, b.detail) for b in boxes} == {("LSTM", "(4) over 7 steps")}
    assert not [n for n in g.nodes if n.kind == "cell" and n.layer != "outer"]


def test_time_distributed_lstm_is_drawn_apart_over_its_own_steps():
    """By default what each step runs is drawn once, unrolled over its own 7 steps, in a
    frame, and its output goes into the TimeDistributed row's last step."""
    import keras

    model = keras.Sequential([keras.Input((5, 7, 2), name="clips"),
                              keras.layers.TimeDistributed(keras.layers.LSTM(4, name="inner"), name="td"),
                              keras.layers.LSTM(3, name="outer")], name="td_lstm")
    d = rnndiagram.diagram(model)
    g = d.graph
    inner = [n for n in g.nodes if n.kind == "cell" and n.layer == "td/inner"]
    assert [n.t for n in inner] == ["1", "2", "7"]
    (panel,) = {n.panel for n in inner}
    assert [c.key for c in g.panels[panel].columns] == ["1", "2", "…", "7"]
    boxes = [n for n in g.nodes if n.layer == "td" and n.kind == "box"]
    assert len(boxes) == 3 and {b.label for b in boxes} == {"LSTM"}
    (into,) = [e for e in g.edges if e.src.startswith("td/inner") and e.dst.startswith("td-")]
    assert into.dashed and into.dst == "td-t5"
    gutter = [line for p in g.panels for r in p.rows for line in r.gutter]
    assert "one step: run by td" in gutter and "for each of its 5 steps" in gutter
    frames = [gr for gr in walk(d.scene.items) if isinstance(gr, Group) and gr.cls == "rnd-nested-model"]
    assert [dict(f.attrs)["model"] for f in frames] == ["td"]


def _svg(diagram):
    return ET.fromstring(diagram.to_svg())


def _texts(root):
    return [t.text for t in root.iter(f"{SVG}text") if t.text]


def test_each_call_of_a_shared_layer_reads_its_own_input(example_specs):
    g = rnndiagram.diagram(example_specs["siamese_lstm"]).graph
    nodes = {n.id: n for n in g.nodes}
    panel_of_input = {n.layer: n.panel for n in g.nodes if n.kind == "input"}
    cells = {n.layer: n.panel for n in g.nodes if n.kind == "cell"}
    assert panel_of_input["left_question"] == cells["shared_lstm"]
    assert panel_of_input["right_question"] == cells["shared_lstm@1"]
    assert cells["shared_lstm"] != cells["shared_lstm@1"]
    # no edge from one question's steps into the other call's layers
    for e in g.edges:
        src, dst = nodes[e.src], nodes[e.dst]
        if src.kind == "input":
            assert (src.layer == "left_question") == (dst.layer == "embedding"), e.id
    gutters = [r.gutter[0] for p in g.panels for r in p.rows if r.gutter]
    assert "shared_lstm (call 1 of 2)" in gutters and "shared_lstm (call 2 of 2)" in gutters
    assert not any("@" in t for t in _texts(_svg(rnndiagram.diagram(example_specs["siamese_lstm"]))))


def test_a_forward_and_backward_pair_share_one_time_axis(example_specs):
    d = rnndiagram.diagram(example_specs["ocr_gru_pair"])
    g = d.graph
    assert [p.kind for p in g.panels] == ["time"]
    rows = [r.layer for r in g.panels[0].rows if r.kind == "cells"]
    assert rows == ["gru1", "gru1_b"]
    merges = [n for n in g.nodes if n.layer == "gru1_merged" and n.kind == "merge"]
    assert len(merges) == 3
    for merge in merges:
        sources = sorted(e.src for e in g.edges if e.dst == merge.id)
        assert sources == [f"gru1-out-t{merge.t}", f"gru1_b-out-t{merge.t}"]
    assert not any("again" in t for t in _texts(_svg(d)))


def test_state_inputs_are_drawn_once_where_they_enter(example_specs):
    d = rnndiagram.diagram(example_specs["seq2seq_inference_decoder"])
    g = d.graph
    state_inputs = ("decoder_state_input_h", "decoder_state_input_c")
    assert not [n for n in g.nodes if n.layer in state_inputs]
    inits = {n.state: n.label for n in g.nodes if n.kind == "init"}
    assert inits == {"h": "h₀ = decoder_state_input_h", "c": "c₀ = decoder_state_input_c"}
    assert len(g.panels) == 1 and [r.kind for r in g.panels[0].rows].count("inputs") == 1


def test_every_output_is_marked_with_its_own_label(example_specs):
    for name, expected in (
            ("seq2seq_inference_decoder", {"0": "decoder_dense", "1": "decoder_lstm [1]", "2": "decoder_lstm [2]"}),
            ("nmt_encoder", {"0": "enc_hidden", "1": "enc_output"})):
        root = _svg(rnndiagram.diagram(example_specs[name]))
        marked = {g.get("data-output") for g in root.iter(f"{SVG}g")
                  if "rnd-model-output" in g.get("class", "").split()}
        assert marked == set(expected), name
        texts = " ".join(_texts(root))
        for index, label in expected.items():
            assert f"Output {index}: {label}" in texts, (name, index)
    finals = [n for n in rnndiagram.diagram(example_specs["nmt_encoder"]).graph.nodes if n.kind == "final"]
    assert [(n.output, n.label) for n in finals] == [(0, "h₇ → Output 0: enc_hidden")]


def test_bidirectional_states_are_handed_on_with_one_caption_each(example_specs):
    root = _svg(rnndiagram.diagram(example_specs["bidirectional_handoff"]))
    handoffs = [g for g in root.iter(f"{SVG}g") if "rnd-handoff" in g.get("class", "").split()]
    captions = sorted(t.text for g in handoffs for t in g.iter(f"{SVG}text"))
    assert captions == sorted(f"{d} {s} · 6 from encoder" for d in ("fwd", "bwd") for s in "hc")


def test_one_tensor_starting_two_states_has_one_caption(example_specs):
    g = rnndiagram.diagram(example_specs["luong_attention"]).graph
    handoffs = [e for e in g.edges if e.kind == "handoff"]
    assert sorted(e.state for e in handoffs) == ["c", "h"]
    assert sorted(e.label for e in handoffs) == ["", "h, c · 8"]


def test_a_per_step_side_input_enters_each_step_on_its_own(example_specs):
    g = rnndiagram.diagram(example_specs["luong_attention"]).graph
    for box in (n for n in g.nodes if n.layer == "combined_context" and n.kind == "merge"):
        sources = sorted(e.src for e in g.edges if e.dst == box.id)
        assert sources == [f"context-out-t{box.t}", f"decoder_lstm-out-t{box.t}"]


def test_a_memory_network_reads_bottom_up(example_specs):
    """Every encoder is drawn below the layers that read it, and no connector runs through
    a box it does not join."""
    scene = rnndiagram.diagram(example_specs["memory_network"]).scene
    assert downward(scene) == [] and crossings(scene) == []
    assert len([g for g in walk(scene.items) if isinstance(g, Group) and "rnd-edge" in g.cls.split()]) > 40


def test_a_nested_models_output_keeps_its_label_when_expanded():
    import keras

    encoder = keras.Sequential([keras.Input((5, 3), name="steps"), keras.layers.GRU(6, name="gru")], name="encoder")
    sequence = keras.Input((5, 3), name="sequence")
    code = encoder(sequence)
    model = keras.Model(sequence, [code, keras.layers.Dense(2, name="head")(code)], name="nested_out")
    for expand, marked in ((False, "encoder-out"), (True, "encoder/gru-out-t5")):
        g = rnndiagram.diagram(model, expand_nested=expand).graph
        assert sorted((n.id, n.output) for n in g.nodes if n.output is not None) == [(marked, 0), ("head-out", 1)]
        legends = sorted(r.legend for p in g.panels for r in p.rows if r.legend and r.legend.startswith("Output"))
        assert legends == ["Output 0: encoder", "Output 1: head"], expand


def test_heads_that_read_one_vector_stand_side_by_side_not_in_a_column():
    """The music model's pitch, step and duration heads read the LSTM's last output: each is
    a stack of its own, on one shelf above the LSTM, so that none seems to read another;
    the model's output order (Keras sorts a dict's keys) is kept."""
    from published_models import music_generation

    diagram = rnndiagram.diagram(music_generation())
    graph, scene = diagram.graph, diagram.scene
    heads = {n.layer: n for n in graph.nodes if n.kind == "box"}
    assert sorted(heads) == ["duration", "pitch", "step"]
    assert len({n.panel for n in heads.values()}) == 3  # a stack each
    frames = {dict(g.attrs)["layer"]: g.frame for g in walk(scene.items)
              if isinstance(g, Group) and g.frame is not None and "rnd-box" in g.cls.split()}
    assert len({round(frames[h].y) for h in heads}) == 1  # on one shelf
    xs = [frames[h].x for h in ("duration", "pitch", "step")]
    assert xs == sorted(xs)  # in the order of the model's outputs
    legends = {r.legend for p in graph.panels for r in p.rows if r.layer in heads and r.legend}
    assert legends == {"Output 0: duration", "Output 1: pitch", "Output 2: step"}
    assert not crossings(scene) and not downward(scene)


def test_poolings_of_one_sequence_stand_side_by_side_each_over_its_share_of_the_steps():
    """The pooled GRU's global average and global max of the BiGRU's outputs: one above the
    other, the max pooling seemed to read the average's vector; they share one row, each a
    band over its share of the steps that every shown step feeds, its vector above it."""
    from published_models import pooled_gru
    from rnndiagram.layout.scene import Box

    diagram = rnndiagram.diagram(pooled_gru())
    graph, scene = diagram.graph, diagram.scene
    bands = {n.layer: n for n in graph.nodes if n.kind == "band"}
    assert sorted(bands) == ["avg_pool", "max_pool"]
    assert {(n.panel, n.row) for n in bands.values()} == {(bands["avg_pool"].panel, bands["avg_pool"].row)}
    steps = {n.id for n in graph.nodes if n.layer == "bigru" and n.kind == "strip"}
    assert len(steps) == 3  # the first two steps and the last
    for band in bands.values():
        assert {e.src for e in graph.edges if e.dst == band.id} == steps
    row = next(r for p in graph.panels for r in p.rows if p.index == bands["avg_pool"].panel
               and r.index == bands["avg_pool"].row)
    assert [row.gutter[i] for i in (0, *row.names)] == ["avg_pool", "max_pool"]  # both named in the gutter
    frames = {dict(g.attrs)["layer"]: g.frame for g in walk(scene.items)
              if isinstance(g, Group) and isinstance(g.frame, Box) and "rnd-band" in g.cls.split()}
    strips = {dict(g.attrs)["layer"]: g.frame for g in walk(scene.items)
              if isinstance(g, Group) and isinstance(g.frame, Box) and "rnd-value-strip" in g.cls.split()}
    avg, top = frames["avg_pool"], frames["max_pool"]
    assert avg.y == top.y and avg.right < top.x  # one row, side by side, in the model's order
    for name, frame in frames.items():
        assert frame.x <= strips[name].x and strips[name].right <= frame.right  # its vector above it
        assert strips[name].bottom < frame.y
    assert problems(scene) == []


def test_embeddings_of_one_input_still_open_a_time_axis_each(example_specs):
    """Layers that read one token input and make sequences (a memory network's two story
    encoders) are no heads: they stay where they were, one above the other."""
    graph = rnndiagram.diagram(example_specs["memory_network"]).graph
    encoders = [n for n in graph.nodes if n.layer in ("input_encoder_m", "input_encoder_c") and n.kind == "box"]
    assert len(encoders) == 2 and encoders[0].panel == encoders[1].panel


@pytest.mark.xfail(keras_version() < (3, 8), raises=NotImplementedError, strict=True,
                   reason="Keras before 3.8 returns no scores from a symbolic call of Attention with "
                          "return_attention_scores=True (keras-team/keras#20680)")
def test_an_attentions_scores_as_a_model_output_are_drawn_on_its_time_axis():
    """``Attention(return_attention_scores=True)``: its scores, the model's second output,
    are a row of strips on the query axis above its context (they were not drawn at all),
    and in values mode they print what Keras computes."""
    import keras
    import numpy as np

    source, target = keras.Input((7, 5), name="source"), keras.Input((4, 5), name="target")
    keys = keras.layers.LSTM(8, return_sequences=True, name="encoder")(source)
    queries = keras.layers.LSTM(8, return_sequences=True, name="decoder")(target)
    context, scores = keras.layers.Attention(name="attention")([queries, keys], return_attention_scores=True)
    joined = keras.layers.Concatenate(name="join")([queries, context])
    model = keras.Model([source, target], [keras.layers.Dense(3, name="out")(joined), scores])

    graph = rnndiagram.diagram(model).graph
    strips = {n.id: n for n in graph.nodes if n.layer == "attention" and n.kind == "strip"}
    assert sorted(strips) == sorted(f"attention-out{k}-t{t}" for k in ("", "1") for t in "1234")
    assert {strips[f"attention-out1-t{t}"].strip.dims for t in "1234"} == {(7,)}
    assert {n.output for n in graph.nodes if n.output is not None} == {0, 1}
    assert strips["attention-out1-t1"].row > strips["attention-out-t1"].row  # above the context

    sample = [np.random.default_rng(0).random((1, 7, 5), dtype="float32"),
              np.random.default_rng(1).random((1, 4, 5), dtype="float32")]
    drawn = {n.id: n.strip.values for n in rnndiagram.diagram(model, values=True, sample=sample).graph.nodes
             if n.id.startswith("attention-out1-t")}
    real = model.predict(sample, verbose=0)[1][0]
    for t in range(4):
        assert np.allclose(drawn[f"attention-out1-t{t + 1}"], real[t], atol=1e-5)
