"""Recurrence wherever it hides: recurrent calls in Python loops folded into one time axis,
cells called directly, a recurrent layer after a tensor that was not drawn as a sequence,
time-major tensors, and custom layers that own recurrent layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given

import rnndiagram
from rnndiagram.layout.scene import Arrow, Group, walk
from rnndiagram.spec import LoopSpec
from rnndiagram.unroll.drafts import shown_columns
from rnndiagram.options import DiagramOptions
from keras_compat import named_op
from scene_checks import MAX_WIDTH, problems
from strategies import Loop, build_loop, loop_found, loops
from test_oracle import check_spec_against_model

layers = keras.layers


def cells(graph, layer):
    return [n for n in graph.nodes if n.kind == "cell" and n.layer == layer]


def test_the_loops_of_the_examples(example_specs):
    found = {name: [(l.layer, len(l.calls), l.carries_state) for l in spec.loops]
             for name, spec in example_specs.items() if spec.loops}
    assert found == {"attention_decoder_loop": [("post_attention_lstm", 4, True)],
                     "feedback_forecaster": [("lstm_cell", 4, True)],
                     "convlstm_forecaster_loop": [("forecaster_1", 3, True), ("forecaster_2", 3, True)],
                     "autoregressive_cell": [("cell", 2, True)]}
    # a layer called on two whole sequences is shared, not looped
    assert example_specs["siamese_lstm"].loops == ()


def test_a_folded_loop_is_one_row_of_cells_over_its_steps(example_specs):
    g = rnndiagram.diagram(example_specs["attention_decoder_loop"]).graph
    looped = cells(g, "post_attention_lstm")
    assert [n.t for n in looped] == ["1", "2", "3", "4"]
    assert not [n for n in g.nodes if n.layer and n.layer.startswith("post_attention_lstm@")]
    panel = g.panels[looped[0].panel]
    assert panel.title == "loop of 4 steps"
    states = [e for e in g.edges if e.kind == "state" and e.dst in {n.id for n in looped}]
    assert sorted((e.state, e.dst) for e in states) == sorted(
        (s, n.id) for s in "hc" for n in looped)
    # the attention of step 2 reads the state step 1 returned, drawn above it: fed back down
    (back,) = [e for e in g.edges if e.dst == "repeator@1-box"]
    assert (back.src, back.kind) == ("post_attention_lstm-out-t1", "feedback")
    outputs = {n.output for n in g.nodes if n.layer and n.layer.startswith("output_layer") and n.kind == "strip"}
    assert outputs == {0, 1, 2, 3}
    legends = [r.legend for r in panel.rows if r.legend and r.legend.startswith("Outputs")]
    assert legends == ["Outputs 0…3: output_layer"]
    gutter = [line for r in panel.rows for line in r.gutter]
    assert "reads pre_attention_bilstm at every step" in gutter


def test_without_folding_each_call_is_drawn_where_it_happens(example_specs):
    g = rnndiagram.diagram(example_specs["attention_decoder_loop"], fold_loops=False).graph
    drawn = {n.layer for n in g.nodes if n.kind == "cell" and n.layer.startswith("post_attention_lstm")}
    assert drawn == {"post_attention_lstm", "post_attention_lstm@1", "post_attention_lstm@2", "post_attention_lstm@3"}
    assert not [p for p in g.panels if p.title.startswith("loop")]


def test_a_prediction_fed_back_goes_down_into_the_next_step(example_specs):
    d = rnndiagram.diagram(example_specs["feedback_forecaster"])
    fed = sorted((e.src, e.dst) for e in d.graph.edges if e.kind == "feedback")
    assert fed == [(f"dense@{k}-out", f"lstm_cell-t{k + 1}") for k in (1, 2, 3)]
    arrows = [a for g in walk(d.scene.items) if isinstance(g, Group) and "rnd-feedback" in g.cls.split()
              for a in g.items if isinstance(a, Arrow)]
    assert len(arrows) == 3 and all(a.points[-1][1] > a.points[0][1] for a in arrows)  # they run down
    assert all(a.points[-1][1] < a.points[-2][1] for a in arrows)  # and end up into the cell, from below


def test_a_cell_called_directly_is_a_recurrent_step(example_specs):
    spec = example_specs["feedback_forecaster"]
    call = spec.layer("lstm_cell@1")
    rec = call.recurrent
    assert call.role == "recurrent" and rec is not None and rec.step
    assert (rec.kind, rec.units, rec.timesteps) == ("LSTM", 8, 1)
    assert [(s.name, s.shape) for s in rec.states] == [("h", (None, 8)), ("c", (None, 8))]
    assert [(c.layer, c.tensor, c.kind) for c in call.inbound] == [
        ("dense@1", 0, "vector"), ("lstm_cell", 1, "state"), ("lstm_cell", 2, "state")]


def test_a_cell_called_once_is_one_cell_with_its_states():
    x, h, c = keras.Input((3,), name="x"), keras.Input((4,), name="h"), keras.Input((4,), name="c")
    out, (h2, c2) = layers.LSTMCell(4, name="cell")(x, [h, c])
    model = keras.Model([x, h, c], [out, h2, c2], name="one_step")
    spec = rnndiagram.inspect(model)
    assert spec.loops == ()
    g = rnndiagram.diagram(spec).graph
    (cell,) = cells(g, "cell")
    inits = sorted(n.label for n in g.nodes if n.kind == "init")
    assert inits == ["c₀ = c", "h₀ = h"]
    assert {n.output for n in g.nodes if n.output is not None} == {0, 1, 2}


def test_stacked_loops_share_one_time_axis(example_specs):
    g = rnndiagram.diagram(example_specs["convlstm_forecaster_loop"]).graph
    first, second = cells(g, "forecaster_1"), cells(g, "forecaster_2")
    assert len(first) == len(second) == 3
    assert {n.panel for n in first} == {n.panel for n in second}
    assert first[0].row < second[0].row
    handed = sorted((e.state, e.dst) for e in g.edges if e.kind == "handoff")
    assert handed == [("c", "forecaster_1-c0"), ("c", "forecaster_2-c0"), ("h", "forecaster_1-h0"),
                      ("h", "forecaster_2-h0")]


def test_a_loop_that_passes_no_states_draws_no_state_arrows():
    """The decoder of the TensorFlow attention tutorial calls its GRU without the last state:
    each step reads the last one only through what it predicted."""
    start = keras.Input((1, 3), name="start")
    gru, dense = layers.GRU(4, name="gru"), layers.Dense(3, name="dense")
    x, outputs = start, []
    for t in range(3):
        y = dense(gru(x))
        outputs.append(y)
        x = layers.Reshape((1, 3), name=f"next_{t}")(y)
    spec = rnndiagram.inspect(keras.Model(start, outputs, name="no_states"))
    assert spec.loops == (LoopSpec("gru", ("gru", "gru@1", "gru@2"), carries_state=False),)
    g = rnndiagram.diagram(spec).graph
    assert len(cells(g, "gru")) == 3
    assert not [e for e in g.edges if e.kind == "state"] and not [n for n in g.nodes if n.kind == "init"]
    gutter = [line for p in g.panels for r in p.rows for line in r.gutter]
    assert "one call per step, each call from zero states" in gutter


def test_a_gru_after_a_convlstm_that_returned_its_last_output_gets_cells():
    model = keras.Sequential([keras.Input(shape=(6, 4, 2)), layers.ConvLSTM1D(3, 1, name="conv_lstm"),
                              layers.GRU(2, name="gru")], name="conv_then_gru")
    spec = rnndiagram.inspect(model)
    assert spec.layer("gru").recurrent.timesteps == 4
    g = rnndiagram.diagram(spec).graph
    assert len(cells(g, "gru")) == 4 and len(cells(g, "conv_lstm")) == 3  # 1, 2, …, 6
    gru_panel = g.panels[cells(g, "gru")[0].panel]
    assert gru_panel.title == "T = 4"


def test_a_time_major_stack_is_one_tensor_not_a_time_axis():
    from keras.src.ops.numpy import Stack, Transpose

    x = keras.Input((3,), name="x")
    outs = [layers.Dense(2, name=f"head_{i}")(x) for i in range(5)]
    stacked = named_op(Stack)(axis=0, name="stacked")(outs)
    model = keras.Model(x, named_op(Transpose)(axes=[1, 0, 2], name="batch_major")(stacked), name="time_major")
    g = rnndiagram.diagram(model).graph
    (node,) = [n for n in g.nodes if n.layer == "stacked" and n.kind == "strip"]
    assert node.label == "5×?×2" and g.panels[node.panel].kind == "stack"
    # Nor is the transpose's axis of 5 a time axis: no layer steps over it, and five heads
    # read the same x rather than one cell step after step.
    assert [p.title for p in g.panels if p.kind == "time"] == []
    (out,) = [n for n in g.nodes if n.layer == "batch_major" and n.kind == "strip"]
    assert out.t is None and out.label == "5×2"


class Encoder(keras.layers.Layer):
    """A custom layer that runs an LSTM and a projection in its call."""

    def __init__(self, traceable=True, **kwargs):
        super().__init__(**kwargs)
        self.traceable = traceable
        self.lstm = layers.LSTM(6, return_sequences=True, name="lstm")
        self.project = layers.Dense(3, name="project")

    def build(self, shape):
        self.lstm.build(shape)
        self.project.build(shape[:-1] + (6,))

    def call(self, x):
        if not self.traceable and isinstance(x, keras.KerasTensor):  # as a call of tf.* functions fails
            raise TypeError("a KerasTensor cannot be used as input to a TensorFlow function")
        return self.project(self.lstm(x))


def test_a_custom_layer_that_owns_a_recurrent_layer_is_traced_into_a_nested_graph():
    model = keras.Sequential([keras.Input((5, 4)), Encoder(name="encoder")], name="owner")
    def number(name):
        head, _, n = name.rpartition("_")
        return int(n) if head and n.isdigit() else 0

    before = keras.ops.add(keras.Input((2,)), 1.0)._keras_history[0].name
    spec = rnndiagram.inspect(model)
    after = keras.ops.add(keras.Input((2,)), 1.0)._keras_history[0].name
    assert number(after) == number(before) + 1  # tracing leaves Keras's name counters as they were
    encoder = spec.layer("encoder")
    assert (encoder.role, encoder.contains) == ("model", ())
    assert [(l.name, l.role) for l in encoder.model.layers] == [
        ("x", "input"), ("lstm", "recurrent"), ("project", "per_step")]
    x = np.zeros((2, 5, 4), "float32")  # the shapes Keras computes, batch aside
    real = model.layers[0].lstm(x), model(x)
    assert [l.output_shapes[0][1:] for l in encoder.model.layers[1:]] == [tuple(r.shape[1:]) for r in real]
    cells = [n for n in rnndiagram.diagram(spec).graph.nodes if n.kind == "cell"]
    assert {n.layer for n in cells} == {"encoder/lstm"}
    assert [c.key for c in rnndiagram.diagram(spec, cell="gates").figure.cells] == ["encoder/lstm"]


def test_a_custom_layer_that_cannot_be_traced_names_the_recurrent_layers_it_owns():
    model = keras.Sequential([keras.Input((5, 4)), Encoder(traceable=False, name="encoder")], name="owner")
    spec = rnndiagram.inspect(model)
    assert (spec.layer("encoder").role, spec.layer("encoder").contains) == ("whole_sequence", ("LSTM(6)",))
    g = rnndiagram.diagram(spec).graph
    gutter = [line for p in g.panels for r in p.rows for line in r.gutter]
    assert "contains LSTM(6)" in gutter


@pytest.mark.slow  # builds and runs random loop models
@given(loops())
def test_random_loops_fold_with_the_shapes_keras_computes(loop):
    model = build_loop(loop)
    spec = rnndiagram.inspect(model)
    check_spec_against_model(spec, model)
    if not loop_found(loop):
        assert spec.loops == ()
        assert not [n for n in rnndiagram.diagram(spec).graph.nodes if n.kind == "cell" and n.t == "2"]
        return
    looped = "body/looped" if loop.nested else "looped"
    if not loop.nested:  # a sub-model's calls are found a loop when the sub-model is drawn inlined
        (found,) = spec.loops
        assert (found.layer, len(found.calls), found.carries_state) == ("looped", loop.steps, loop.carry)
    d = rnndiagram.diagram(spec)
    shown = [c for c in shown_columns(loop.steps, DiagramOptions()) if not c.ellipsis]
    assert [n.t for n in cells(d.graph, looped)] == [c.key for c in shown]
    assert problems(d.scene) == [] and d.scene.width <= MAX_WIDTH
    for view in ({"view": "rolled"}, {"view": "both"}, {"cell": "gates"}):
        assert problems(rnndiagram.diagram(spec, **view).scene) == [], view


def test_the_options_of_folding_and_nesting_are_checked():
    import pytest

    from rnndiagram.errors import OptionError

    with pytest.raises(OptionError, match="expand_nested must be True, False or None"):
        DiagramOptions(expand_nested="yes")
    with pytest.raises(OptionError, match="fold_loops must be True or False"):
        DiagramOptions(fold_loops=None)


def test_a_custom_cell_called_directly_is_a_cell_of_its_own_kind():
    from rnndiagram.read.loading import minimal_rnn_cell_class

    x, h = keras.Input((3,), name="x"), keras.Input((4,), name="h")
    out, _ = minimal_rnn_cell_class()(4, name="custom")(x, [h])
    spec = rnndiagram.inspect(keras.Model([x, h], out, name="custom_step"))
    rec = spec.layer("custom").recurrent
    assert rec is not None and rec.step and (rec.kind, rec.cells, rec.units) == ("RNN", ("MinimalRNNCell",), 4)
    (cell,) = cells(rnndiagram.diagram(spec).graph, "custom")
    assert cell.label == "MinimalRNN"


def test_feedback_edges_leave_the_dot_ranks_alone(example_specs):
    dot = rnndiagram.diagram(example_specs["feedback_forecaster"]).to_dot()
    fed = [line for line in dot.splitlines() if "rnd-feedback" in line]
    assert len(fed) == 3 and all("constraint=false" in line and "dashed" in line for line in fed)


class SpanEnd(keras.layers.Layer):
    """BiDAF's span-end layer (Seo et al. 2017; after ParikhKadam/bidaf-keras,
    layers/span_end.py): the passage weighted by the span-begin probabilities, joined with the
    attention and modeling outputs, through a Bidirectional(LSTM), then a per-step Dense and a
    softmax over the passage. Keras 3 tracks only the layers a layer owns, so the
    Bidirectional(LSTM) and the Dense are made in __init__ (that code makes them in call)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.bilstm = layers.Bidirectional(layers.LSTM(units, return_sequences=True),
                                           name="span_end_bilstm")
        self.weights_dense = layers.TimeDistributed(layers.Dense(1), name="span_end_weights")

    def call(self, inputs):
        merged_context, modeled_passage, span_begin = inputs
        ops = keras.ops
        weighted = ops.sum(ops.expand_dims(span_begin, -1) * modeled_passage, axis=-2, keepdims=True)
        weighted = ops.repeat(weighted, ops.shape(modeled_passage)[1], axis=1)
        representation = ops.concatenate([merged_context, modeled_passage, weighted, modeled_passage * weighted], -1)
        end = self.bilstm(representation)
        scores = self.weights_dense(ops.concatenate([merged_context, end], -1))
        return ops.softmax(ops.squeeze(scores, -1), axis=-1)


def test_bidafs_span_end_layer_is_traced_and_its_bilstm_drawn_as_cells():
    merged = keras.Input((7, 8), name="merged_context")
    modeled = keras.Input((7, 4), name="modeled_passage")
    begin = keras.Input((7,), name="span_begin")
    model = keras.Model([merged, modeled, begin], SpanEnd(2, name="span_end")([merged, modeled, begin]),
                        name="bidaf_end")
    spec = rnndiagram.inspect(model)
    span_end = spec.layer("span_end")
    assert span_end.role == "model" and span_end.output_shapes == ((None, 7),)
    bilstm = span_end.model.layer("span_end_bilstm")
    assert (bilstm.recurrent.kind, bilstm.recurrent.units, bilstm.output_shapes) == (
        "Bidirectional", 2, ((None, 7, 4),))
    cells = {n.layer for n in rnndiagram.diagram(spec).graph.nodes if n.kind == "cell"}
    assert cells == {"span_end/span_end_bilstm"}
    figure = rnndiagram.diagram(spec, cell="gates").figure
    assert [(c.key, c.direction) for c in figure.cells] == [("span_end/span_end_bilstm-f", "both")]  # alike
    real = model([np.zeros((2, 7, 8)), np.zeros((2, 7, 4)), np.zeros((2, 7))])
    assert tuple(real.shape) == (2, 7)  # the shape Keras computes, batch aside


@pytest.mark.slow  # builds and draws four Keras models
@pytest.mark.parametrize("loop", [
    Loop("LSTM", 5, 3, carry=True, before=False, after=True, feedback=True, returned=False),
    Loop("LSTMCell", 2, 3, carry=True, before=False, after=True, feedback=True, returned=True),
    Loop("LSTMCell", 2, 1, carry=True, before=False, after=False, feedback=False, returned=False),
    Loop("GRUCell", 5, 3, carry=True, before=True, after=True, feedback=True, returned=True),
], ids=str)
def test_captions_of_the_first_states_sit_on_their_own_edges(loop):
    """The hand-offs of a loop's first states ("h · 3 from start_0") were captioned where
    another edge ran through the text; moved, a caption keeps off the other captions, the
    state arrows and their strips."""
    spec = rnndiagram.inspect(build_loop(loop))
    for view in ({}, {"view": "both"}):
        assert problems(rnndiagram.diagram(spec, **view).scene) == [], view


def _size(svg: str) -> tuple:
    import re

    width, height = re.search(r'<svg[^>]*width="([\d.]+)[^"]*"[^>]*height="([\d.]+)', svg).groups()
    return float(width), float(height)


@pytest.mark.slow  # builds two published models
def test_a_nested_model_called_once_per_step_is_one_loop_of_its_body():
    """The TensorFlow image-captioning decoder, a sub-model called once per word: its GRU is
    one row of cells over the 5 words (not 5 nested drawings), the attention and fc layers its
    rows, at the size of any loop; without folding each call is drawn where it happens."""
    from published_models import image_captioning_decoder_loop

    model = image_captioning_decoder_loop()
    graph = rnndiagram.diagram(model).graph
    gru = cells(graph, "rnn_decoder/gru")
    assert [n.t for n in gru] == ["1", "2", "5"]
    assert not [n for n in graph.nodes if n.kind == "cell" and n.layer != "rnn_decoder/gru"]
    panel = graph.panels[gru[0].panel]
    assert panel.title == "loop of 5 steps"
    gutter = [line for r in panel.rows for line in r.gutter]
    assert "rnn_decoder/attention_w2" in gutter and "rnn_decoder/fc2" in gutter
    width, height = _size(rnndiagram.diagram(model).to_svg())
    assert width <= MAX_WIDTH and height < 3000
    assert _size(rnndiagram.diagram(model, fold_loops=False).to_svg())[1] > 3 * 3000  # unfolded: a tower


@pytest.mark.slow
def test_two_loops_in_a_row_fold_even_when_the_last_step_feeds_a_layer_after_the_loop():
    """DA-RNN: the encoder's LSTM over 5 steps and the decoder's over 4, each a loop whose body
    makes new layers at every step; the decoder's last attention context is read by its last
    call and by the output layers after the loop, and stays in its step like the others."""
    from published_models import da_rnn

    graph = rnndiagram.diagram(da_rnn()).graph
    encoder, decoder = cells(graph, "input_lstm"), cells(graph, "decoder_lstm")
    assert [n.t for n in encoder] == ["1", "2", "5"] and [n.t for n in decoder] == ["1", "2", "3", "4"]
    assert len({n.panel for n in encoder + decoder}) == 2
    contexts = [n for n in graph.nodes if n.layer and n.layer.startswith("context_") and n.kind == "box"]
    assert len({n.panel for n in contexts}) == 1 and contexts[0].panel == decoder[0].panel


def _convlstm_sequence_decoder(calls: int = 6) -> keras.Model:
    """A ConvLSTM encoder-forecaster whose forecaster is called once per loop step on a whole
    sequence of frames of unknown length, from the states the call before returned, as
    precipitation-nowcasting code built on Shi et al. 2015 does when it decodes in chunks
    (``y, h, c = de_convlstm(x, initial_state=[h, c])`` in a Python loop); a Conv3D makes the
    next chunk of frames."""
    size, filters = 8, 4
    frames = keras.Input((None, size, size, 1), name="observed")
    _, h, c = layers.ConvLSTM2D(filters, 3, padding="same", return_sequences=True, return_state=True,
                                name="en_convlstm")(frames)
    decoder = layers.ConvLSTM2D(filters, 3, padding="same", return_sequences=True, return_state=True,
                                name="de_convlstm")
    head = layers.Conv3D(1, (1, 1, 1), activation="sigmoid", name="to_frames")
    x, chunks = frames, []
    for _ in range(calls):
        y, h, c = decoder(x, initial_state=[h, c])
        x = head(y)
        chunks.append(x)
    return keras.Model(frames, layers.Concatenate(axis=1, name="forecast")(chunks), name="convlstm_chunks")


def test_a_layer_called_per_loop_step_on_whole_sequences_is_a_loop_of_calls():
    """Each call sees a whole sequence (not one step) and starts from the states the call
    before returned: one row of calls over the loop, said as calls, not a tower of six
    unrolled layers."""
    model = _convlstm_sequence_decoder()
    spec = rnndiagram.inspect(model)
    (loop,) = spec.loops
    assert (loop.layer, len(loop.calls), loop.carries_state) == ("de_convlstm", 6, True)
    d = rnndiagram.diagram(spec)
    calls = cells(d.graph, "de_convlstm")
    assert [n.t for n in calls] == ["1", "2", "6"]
    panel = d.graph.panels[calls[0].panel]
    assert panel.title == "loop of 6 calls"
    gutter = [line for r in panel.rows for line in r.gutter]
    assert "one call per loop step, each over a whole sequence," in gutter
    assert "states carried from call to call" in gutter
    assert problems(d.scene) == [] and d.scene.height < 1000


def test_a_loop_that_is_not_folded_says_why():
    """Step 3 of this loop runs a Dense the other steps do not: its calls are drawn where they
    happen, and the first call's gutter says that it is a loop and why it is not folded."""
    source = keras.Input((4, 3), name="steps")
    lstm = layers.LSTM(5, return_state=True, name="looped")
    h = c = layers.Dense(5, name="start")(layers.Flatten(name="flat")(source))
    outs = []
    for t in range(4):
        x = layers.Cropping1D((t, 3 - t), name=f"step_{t}")(source)
        if t == 2:
            x = layers.Dense(3, name="only_in_step_3")(x)
        out, h, c = lstm(x, initial_state=[h, c])
        outs.append(out)
    model = keras.Model(source, layers.Concatenate(name="joined")(outs))
    spec = rnndiagram.inspect(model)
    assert len(spec.loops) == 1
    g = rnndiagram.diagram(spec).graph
    gutters = [r.gutter for p in g.panels for r in p.rows]
    said = [gutter for gutter in gutters if "a loop, not folded: its steps run different layers" in gutter]
    assert len(said) == 1 and said[0][0].startswith("looped")
    assert len(cells(g, "looped")) == 1  # each call is drawn where it happens, under its own id
    assert not any("not folded" in line for gutter in
                   (r.gutter for p in rnndiagram.diagram(spec, fold_loops=False).graph.panels for r in p.rows)
                   for line in gutter)


def test_the_description_names_a_loop_once(example_specs):
    """The alt text (``<desc>``) says what a loop does once, not once per call."""
    desc = rnndiagram.diagram(example_specs["convlstm_forecaster_loop"]).graph.summary
    assert desc.count("forecaster_1 is") == 1
    assert "forecaster_1 is a ConvLSTM2D of 4 units called once per step of a loop of 3 steps, " \
           "each call over one step." in desc


@pytest.mark.slow  # builds a published model
def test_the_rolled_view_names_a_loops_rows_by_their_first_and_last_calls():
    """A row of layers made anew at every step stands for all of them in the rolled view:
    it is drawn as the first step's call and named ``first … last``."""
    from published_models import da_rnn

    nodes = {n.id: n for n in rnndiagram.diagram(da_rnn(), view="rolled").figure.nodes}
    assert nodes["y_0"].lines[0] == "y_0 … y_3"
    assert nodes["x_tilde_0"].lines[0] == "x_tilde_0 … x_tilde_4"
    assert not any(i.startswith(("y_1", "y_2", "y_3")) for i in nodes)


class Stepper(keras.layers.Layer):
    """A custom layer that steps a cell of its own over its input, as a pointer network's
    decoder does: each step reads the cell's last output."""

    def __init__(self, cell, listed=True, **kwargs):
        super().__init__(**kwargs)
        self.cell, self.listed = cell, listed

    def call(self, x):
        state = keras.ops.zeros_like(x[:, 0, :1]) * 0.0 + keras.ops.zeros((1, self.cell.units))
        states = [state, state] if isinstance(self.cell, layers.LSTMCell) else ([state] if self.listed else state)
        outputs = []
        for t in range(x.shape[1]):
            out, states = self.cell(x[:, t], states)
            outputs.append(out)
        return keras.ops.stack(outputs, axis=1)


@pytest.mark.parametrize("cell, listed", [(layers.LSTMCell, True), (layers.GRUCell, True), (layers.GRUCell, False),
                                          (layers.SimpleRNNCell, True), (layers.SimpleRNNCell, False)])
def test_a_cell_stepped_by_a_custom_layer_is_traced_to_what_keras_finds_without_a_backend_graph(
        monkeypatch, cell, listed):
    """While a custom layer is traced, a built-in cell's step is worked out from its units,
    not traced by Keras into a backend graph: the spec is the one Keras's own shapes give,
    and the model's forward pass agrees with it."""
    from rnndiagram.read import trace

    def built():
        return keras.Sequential([keras.Input((3, 4), name="x"), Stepper(cell(5, name="step"), listed, name="decoder")],
                                name="stepper")

    made = []  # the layers whose output Keras works out by running their call (in a backend graph)
    real_spec = keras.Operation.compute_output_spec
    monkeypatch.setattr(keras.Operation, "compute_output_spec",
                        lambda self, *a, **k: made.append(self.name) or real_spec(self, *a, **k))
    model = built()
    made.clear()
    fast = rnndiagram.inspect(model)
    assert "step" not in made
    monkeypatch.setattr(trace, "CELLS", ())
    assert rnndiagram.inspect(built()) == fast  # as Keras's own shapes give it
    assert made.count("step") == 3  # one backend graph a step
    check_spec_against_model(fast, model)
    assert [(l.layer, len(l.calls)) for l in fast.layer("decoder").model.loops] == [("step", 3)]  # a loop of steps


def test_a_custom_layer_is_traced_once_however_often_its_model_is_read(monkeypatch):
    from rnndiagram.read import trace

    traced = []
    trace_call = trace.trace_call

    def counted(keras_module, layer, node):
        traced.append(layer.name)
        return trace_call(keras_module, layer, node)

    monkeypatch.setattr(trace, "trace_call", counted)
    model = keras.Sequential([keras.Input((5, 4)), Encoder(name="encoder")], name="owner")
    first, again = rnndiagram.inspect(model), rnndiagram.inspect(model)
    assert traced == ["encoder"]
    assert again == first and again.layer("encoder").role == "model"
    other = keras.Sequential([keras.Input((5, 4)), Encoder(name="encoder")], name="owner")
    assert rnndiagram.inspect(other).layer("encoder").model == first.layer("encoder").model
    assert traced == ["encoder", "encoder"]  # a new model: traced anew


def test_a_custom_layer_that_needs_a_known_batch_size_is_traced_at_two():
    """keras-io's traffic forecaster runs its LSTM on every node's sequence at once, reshaped
    to ``(batch * nodes, steps, features)``: its call cannot run on an unknown batch size
    (``None * 5``), so it is traced at two, and what differs between them is unknown. The
    LSTM is drawn as cells over its 12 steps; the shapes match two real forward passes
    (``test_published``)."""
    from published_models import traffic_lstmgc

    spec = rnndiagram.inspect(traffic_lstmgc())
    inner = spec.layer("st_gcn").model
    assert inner is not None
    assert [(l.name, l.output_shapes[0]) for l in inner.layers] == [
        ("inputs", (None, 12, 5, 1)), ("transpose", (5, None, 12, 1)), ("graph_conv", (5, None, 12, 20)),
        ("reshape", (None, 12, 20)), ("lstm", (None, 8)), ("dense", (None, 3)), ("reshape_1", (5, None, 3)),
        ("transpose_1", (None, 3, 5))]
    rec = inner.layer("lstm").recurrent
    assert rec is not None and (rec.timesteps, rec.units, rec.return_sequences) == (12, 8, False)
    shown = [n.t for n in cells(rnndiagram.diagram(spec).graph, "st_gcn/lstm")]
    assert shown == ["1", "2", "12"] or shown == ["1", "2", "3", "12"]


def test_two_traces_unify_only_in_the_sizes_of_their_shapes():
    from rnndiagram.read.unified import unified
    from rnndiagram.spec import TensorRef

    first = TensorRef("lstm", 0, (83, 12, 20))
    assert unified(first, TensorRef("lstm", 0, (89, 12, 20))) == TensorRef("lstm", 0, (None, 12, 20))
    assert unified(first, first) is first
    assert unified(first, TensorRef("lstm", 1, (89, 12, 20))) is None  # not a size of a shape
    assert unified(first, TensorRef("gru", 0, (89, 12, 20))) is None
    assert unified((first,), (first, first)) is None
    assert unified({"axes": (83, 1)}, {"axes": (89, 1)}) == {"axes": (None, 1)}
    assert unified((True, 1), (False, 1)) is None  # flags are no sizes
