"""The rolled view (one cell per recurrent layer, its loop carrying the state, one row per
layer) and the view of both: rolled, an equals sign, unrolled."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import List

import keras
import pytest
from keras import layers
from graphviz_tools import needs_dot, parse_dot
from scene_checks import MAX_WIDTH, problems

import rnndiagram
from rnndiagram.options import DiagramOptions
from rnndiagram.unroll.nesting import inline_nested, inline_time_distributed
from rnndiagram.views.rolled.figure import roll

SVG = "{http://www.w3.org/2000/svg}"


def groups(svg: str, cls: str) -> List[ET.Element]:
    wanted = set(cls.split())
    return [g for g in ET.fromstring(svg).iter(f"{SVG}g") if wanted <= set((g.get("class") or "").split())]


def test_every_example_rolls_into_at_most_one_row_per_layer(example_specs):
    for name, spec in example_specs.items():
        d = rnndiagram.diagram(spec, view="rolled", fold_repeats=False)  # runs of blocks drawn once: test_repeats
        graph = d.figure
        # nested recurrence, and what TimeDistributed runs, are drawn by default
        drawn = inline_time_distributed(inline_nested(spec, everything=False), everything=False)[0]
        # A layer called before a loop and at each of its steps (autoregressive_cell's
        # predict: the first prediction, then one per call) is a node in both places.
        before_loop = {"autoregressive_cell": 1}.get(name, 0)
        assert graph.rows <= len({l.name for l in drawn.layers}) + before_loop, name
        cells = groups(d.to_svg(), "rnd-cell rnd-rolled")
        later_calls = {call for loop in drawn.loops for call in loop.calls[1:]}  # a loop is one cell
        rolled = [l for l in drawn.recurrent_layers if l.id not in later_calls]
        assert len(cells) == sum(2 if l.recurrent.bidirectional else 1 for l in rolled), name
        assert {c.get("data-layer") for c in cells} == {l.id for l in rolled}, name
        assert problems(d.scene) == [], name


def test_a_python_loop_rolls_into_one_cell_run_once_per_call(example_specs):
    spec = example_specs["attention_decoder_loop"]
    d = rnndiagram.diagram(spec, view="rolled")
    by_layer = {n.id: n for n in d.figure.nodes}
    lstm = by_layer["post_attention_lstm"]
    assert [c.repeat for c in lstm.cells] == ["× 4"]
    assert len([n for n in d.figure.nodes if n.id.startswith("output_layer")]) == 1
    assert "at each of 4 loop steps" in by_layer["dotor"].lines
    assert "reads post_attention_lstm of the step before" in by_layer["repeator"].lines
    assert "Outputs 0…3: output_layer" in by_layer["output_layer"].lines
    unfolded = rnndiagram.diagram(spec, view="rolled", fold_loops=False).figure
    assert len([n for n in unfolded.nodes if n.kind == "recurrent"]) == 1 + 4


def test_a_loop_carries_the_states_and_says_how_often(example_specs):
    svg = rnndiagram.diagram(example_specs["lstm_classifier"], view="rolled").to_svg()
    cell, = groups(svg, "rnd-cell rnd-rolled")
    words = [t.text for t in cell.iter(f"{SVG}text")]
    assert words == ["LSTM", "h · 32", "c · 32", "× 20"]
    loop, = groups(svg, "rnd-loop")
    assert loop.get("data-state") == "h, c" and "rnd-state" in loop.get("class")
    unknown = rnndiagram.diagram(example_specs["variable_length"], view="rolled").to_svg()
    assert "× ?" in unknown and "× 3" in rnndiagram.diagram(example_specs["variable_length"], view="rolled",
                                                             timesteps=3).to_svg()


def test_a_bidirectional_rolls_into_two_cells_and_their_merge(example_specs):
    svg = rnndiagram.diagram(example_specs["stacked_bidirectional_lstm"], view="rolled").to_svg()
    cells = groups(svg, "rnd-cell rnd-rolled")
    assert [(c.get("data-layer"), c.get("data-direction")) for c in cells] == [
        ("bilstm_1", "forward"), ("bilstm_1", "backward"), ("bilstm_2", "forward"), ("bilstm_2", "backward")]
    assert len(groups(svg, "rnd-merge")) == 2


def test_five_stacked_bidirectional_grus_fit_in_1200_px():
    model = keras.Sequential([keras.Input((100, 26), name="x")] + [
        layers.Bidirectional(layers.GRU(32, return_sequences=True, name=f"g{i}"), name=f"b{i}") for i in range(5)]
        + [layers.Dense(29, name="out")], name="deep")
    unrolled = rnndiagram.diagram(model, fold_repeats=False).scene
    rolled = rnndiagram.diagram(model, view="rolled", fold_repeats=False)
    assert rolled.scene.height <= 1200 < unrolled.height
    assert rolled.figure.rows == 7
    assert rnndiagram.diagram(model, view="rolled").figure.rows == 4  # b1 to b4 alike: drawn once


def test_both_sets_rolled_equals_unrolled_side_by_side(example_specs):
    spec = example_specs["seed_stacked"]
    both = rnndiagram.diagram(spec, view="both", tokens="I am groot")
    rolled = rnndiagram.diagram(spec, view="rolled").scene
    unrolled = rnndiagram.diagram(spec, tokens="I am groot").scene
    assert both.scene.width == pytest.approx(rolled.width + 36 + unrolled.width, abs=0.2)
    assert both.scene.height == pytest.approx(max(rolled.height, unrolled.height), abs=0.2)
    svg = both.to_svg()
    assert len(groups(svg, "rnd-equals")) == 1 and len(groups(svg, "rnd-cell rnd-rolled")) == 2
    assert len(groups(svg, "rnd-cell")) == 2 + 6  # two rolled cells, three steps of two layers
    assert "groot" in svg and problems(both.scene) == []


def test_both_goes_one_above_the_other_rather_than_past_the_width_budget(example_specs):
    """Side by side, a stacked BiLSTM's two views would be 1,949 px wide: the rolled one
    goes above the unrolled one, within 1,600 px, when each alone fits."""
    spec = example_specs["stacked_bidirectional_lstm"]
    rolled = rnndiagram.diagram(spec, view="rolled").scene
    unrolled = rnndiagram.diagram(spec).scene
    assert rolled.width + 36 + unrolled.width > MAX_WIDTH
    both = rnndiagram.diagram(spec, view="both").scene
    assert both.width == pytest.approx(max(rolled.width, unrolled.width), abs=0.2) and both.width <= MAX_WIDTH
    assert both.height == pytest.approx(rolled.height + 48 + unrolled.height, abs=0.2)
    assert problems(both) == []


def test_nested_models_roll_as_one_box_or_expanded(example_specs):
    spec = example_specs["nested_encoder"]
    assert [n.kind for n in roll(spec, DiagramOptions(expand_nested=False)).nodes].count("model") == 1
    assert [n.kind for n in roll(spec).nodes].count("model") == 0  # it holds recurrent layers
    expanded = rnndiagram.diagram(spec, view="rolled", expand_nested=True)
    assert [n.id for n in expanded.figure.nodes if n.kind == "recurrent"] == ["encoder/gru_1", "encoder/gru_2"]
    assert problems(expanded.scene) == []


def test_the_rolled_view_repeats_exactly(example_specs):
    spec = example_specs["luong_attention"]
    assert rnndiagram.diagram(spec, view="rolled").to_svg() == rnndiagram.diagram(spec, view="rolled").to_svg()
    assert rnndiagram.diagram(spec, view="both").to_dot() == rnndiagram.diagram(spec, view="both").to_dot()


@needs_dot
@pytest.mark.parametrize("view", ["rolled", "both"])
def test_the_rolled_views_in_dot_are_accepted_by_graphviz(example_specs, view):
    for name in ("stacked_bidirectional_lstm", "bidirectional_handoff", "char_seq2seq", "memory_network"):
        source = rnndiagram.diagram(example_specs[name], view=view).to_dot()
        parsed = parse_dot(source)
        assert "rnd-loop" in parsed
        assert ('equals\t[fontsize=36,\n\t\tlabel="=",' in parsed) == (view == "both"), parsed


def test_what_time_distributed_runs_is_rolled_below_it_as_expand_nested_says(example_specs):
    spec = example_specs["hierarchical_attention"]
    default = rnndiagram.diagram(spec, view="rolled")
    graph = default.figure
    assert [n.id for n in graph.nodes if n.kind == "recurrent"] == ["sentences/word_bigru", "sentence_bigru"]
    assert ("sentences/word_attention_vector", "sentences") in {(e.src, e.dst) for e in graph.edges}
    assert "runs sent_encoder at each step" in graph.node("sentences").lines
    assert graph.node("sentences/words").lines[2:] == ("one step: run by sentences", "for each of its 4 steps")
    assert graph.node("sentences").row > graph.node("sentences/word_attention_vector").row
    assert problems(default.scene) == []
    boxes = roll(spec, DiagramOptions(expand_nested=False))
    assert [n.id for n in boxes.nodes if n.kind == "recurrent"] == ["sentence_bigru"]
    assert not [n for n in boxes.nodes if "/" in n.id]
    assert [n.id for n in roll(spec, DiagramOptions(expand_nested=True)).nodes] == [n.id for n in graph.nodes]


def test_a_cell_called_directly_is_labelled_one_step_not_return_state(example_specs):
    spec = example_specs["feedback_forecaster"]
    rolled = roll(spec, DiagramOptions(fold_loops=False))
    calls = [n for n in rolled.nodes if n.kind == "recurrent" and n.id.startswith("lstm_cell")]
    assert len(calls) == 4
    assert all("one step a call" in n.lines and "return_state" not in n.lines for n in calls)
    assert "return_state" in rolled.node("warmup").lines  # a layer's own setting is still said
    unrolled = rnndiagram.diagram(spec, fold_loops=False).graph
    gutters = [r.gutter for p in unrolled.panels for r in p.rows if r.gutter and r.gutter[0].startswith("lstm_cell")]
    assert len(gutters) == 4 and all("one step a call" in g and "return_state" not in g for g in gutters)


def test_a_crowded_row_spreads_both_ways_from_where_it_is_wanted():
    from rnndiagram.views.rolled.layout import _nearest

    slots = [("node", "a"), ("node", "b"), ("node", "c")]
    crowded = _nearest(slots, [0.0, 0.0, 0.0], [(10.0, 10.0)] * 3, gap=36.0)
    assert [crowded[s] for s in slots] == [-56.0, 0.0, 56.0]  # centred on 0, not drifting right of it
    apart = _nearest(slots, [0.0, 200.0, 400.0], [(10.0, 10.0)] * 3, gap=36.0)
    assert [apart[s] for s in slots] == [0.0, 200.0, 400.0]  # room enough: each where it is wanted
    pair = _nearest(slots, [0.0, 10.0, 500.0], [(10.0, 10.0)] * 3, gap=36.0)
    assert [pair[s] for s in slots] == [-23.0, 33.0, 500.0]  # only the two that collide move


def test_a_layer_read_high_up_moves_up_to_its_reader_where_the_rows_are_too_wide():
    from rnndiagram.views.rolled.figure import RolledEdge, RolledGraph, RolledNode
    from rnndiagram.views.rolled.layout import _lifted

    nodes = (RolledNode("x", "input", 0, ("x",)), RolledNode("a", "box", 1, ("a",)),
             RolledNode("b", "box", 2, ("b",)), RolledNode("late", "box", 1, ("late",)),
             RolledNode("top", "box", 3, ("top",)), RolledNode("side", "box", 1, ("side",)))
    edges = (RolledEdge("x", "a", 0), RolledEdge("a", "b", 0), RolledEdge("b", "top", 0),
             RolledEdge("x", "late", 0), RolledEdge("late", "top", 0), RolledEdge("x", "side", 0))
    lifted = _lifted(RolledGraph("m", "", nodes, edges))
    rows = {n.id: n.row for n in lifted.nodes}
    # "late" stands under "top", which reads it; the input, the chain and the output "side" stay.
    assert rows == {"x": 0, "a": 1, "b": 2, "late": 2, "top": 3, "side": 1}


def test_an_input_stands_under_its_lowest_reader(example_specs):
    """The inputs are placed first, then moved under what reads them lowest: the date that
    a BiLSTM reads (its arrow rises to both cells from between them), not packed left."""
    svg = rnndiagram.diagram(example_specs["attention_decoder_loop"], view="rolled").to_svg()
    frames = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if {"rnd-input", "rnd-box", "rnd-cell", "rnd-merge"} & set((g.get("class") or "").split()):
            rect = g.find(f"{SVG}rect")
            key = (g.get("data-layer"), g.get("data-direction"))
            frames[key] = float(rect.get("x")) + float(rect.get("width")) / 2
    between_cells = (frames[("pre_attention_bilstm", "forward")] + frames[("pre_attention_bilstm", "backward")]) / 2
    assert frames[("date", None)] == pytest.approx(between_cells, abs=0.5)


def test_a_run_rising_where_another_ends_crosses_the_gap_below_it():
    """In a gap between rows, run ``a`` rises from below at x = 50 and ``b`` ends there, rising
    to its destination: ``a`` must take a lower track, or its leg up would run on ``b``'s."""
    from rnndiagram.views.rolled.layout import _under

    a = (50.0, 150.0, "src_a", ("a", 0, 150.0))  # from x = 50 below to x = 150 above
    b = (50.0, 200.0, "src_b", ("b", 0, 50.0))   # from x = 200 below to x = 50 above
    c = (300.0, 400.0, "src_c", ("c", 0, 400.0))  # elsewhere
    assert _under([a, b, c]) == [(0, []), (1, [0]), (0, [])]
    assert _under([b, a]) == [(1, [1]), (0, [])]
    same = (50.0, 200.0, "src_a", ("a2", 0, 50.0))  # the same tensor may run on one line
    assert _under([a, same]) == [(0, []), (0, [])]
    back = (50.0, 150.0, "src_b", ("b", 0, 50.0))  # rises at 150 where a ends: a cycle, cut once
    assert _under([a, back]) == [(1, [1]), (0, [])]
