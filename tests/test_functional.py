"""Functional graphs: hand-offs, branches, new time axes, nested and shared layers, attention."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import rnndiagram
from rnndiagram.layout.scene import Arrow, Group, walk

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
    # the two branches meet on a stack of their own, above both
    (stack,) = [p for p in g.panels if p.kind == "stack"]
    assert merge.panel == stack.index


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
    collapsed = rnndiagram.diagram(example_specs["nested_encoder"]).graph
    (band,) = [n for n in collapsed.nodes if n.layer == "encoder" and n.kind == "band"]
    assert band.label == "Sequential[GRU(8), GRU(8)]"
    expanded = rnndiagram.diagram(example_specs["nested_encoder"], expand_nested=True)
    cells = {n.layer for n in expanded.graph.nodes if n.kind == "cell"}
    assert cells == {"encoder/gru_1", "encoder/gru_2"}
    frames = [g for g in walk(expanded.scene.items) if isinstance(g, Group) and g.cls == "rnd-nested-model"]
    assert [dict(f.attrs)["model"] for f in frames] == ["encoder"]
    heads = [e for e in expanded.graph.edges if e.dst == "head-box"]
    assert [e.src for e in heads] == ["encoder/gru_2-out-t10"]


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
    g = rnndiagram.diagram(model).graph
    boxes = [n for n in g.nodes if n.layer == "td" and n.kind == "box"]
    assert {(b.label, b.detail) for b in boxes} == {("LSTM", "(4) over 7 steps")}
