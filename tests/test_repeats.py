"""Runs of identical blocks (``ModelSpec.repeats``, option ``fold_repeats``): found exactly when
the structure repeats (against brute-force oracles written here, apart from the finder), shapes
unchanged by folding, every view drawn cleanly, deep stacks small, and ``fold_repeats=False``
the drawing of every block."""

from __future__ import annotations

import json
import re
from itertools import product
from typing import Any, Dict, List, Sequence, Set, Tuple

import keras
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnndiagram
from rnndiagram.cli import main
from rnndiagram.options import DiagramOptions
from rnndiagram.repeats import MAX_PERIOD, find_repeats, fold_repeats, members
from rnndiagram.sources import resolve
from rnndiagram.spec import Connection, LayerSpec, ModelSpec, RepeatSpec, TensorRef
from rnndiagram.unroll.nesting import drawn_spec

from graphviz_tools import parse_dot
from published_models import speech_ctc_deepspeech2
from scene_checks import problems
from strategies import Stack, build_stack, deep_stacks
from test_oracle import forward_pass_shapes

T = 4


# -- the finder on hand-made specs: any wiring, against a brute-force oracle ----------------

Template = Tuple[str, int, Tuple[int, ...]]
"""A layer of a drawn spec: its class, its units, and how many layers back each input is."""

templates = st.tuples(st.sampled_from(("Dense", "Dropout", "Add")), st.integers(2, 3),
                      st.lists(st.sampled_from((1, 1, 1, 2, 3)), min_size=1, max_size=2).map(tuple))


@st.composite
def wired_specs(draw: Any) -> ModelSpec:
    """A spec of one Input and layers that read one or two earlier layers (often the one just
    before), whose middle repeats a block of templates; some inner layers are model outputs."""
    prefix = draw(st.lists(templates, max_size=3))
    block = draw(st.lists(templates, min_size=1, max_size=3))
    suffix = draw(st.lists(templates, max_size=2))
    drawn = prefix + block * draw(st.integers(1, 4)) + suffix
    layers = [LayerSpec(id="in", name="in", class_name="InputLayer", role="input", input_shapes=(),
                        output_shapes=((None, T, draw(st.integers(2, 3))),))]
    for i, (kind, units, back) in enumerate(drawn, start=1):
        sources = [layers[max(0, i - b)] for b in back]
        inbound = tuple(Connection(s.id, 0, 0, "sequence", s.output_shapes[0], slot) for slot, s in enumerate(sources))
        layers.append(LayerSpec(id=f"l{i}", name=f"l{i}", class_name=kind, role="per_step",
                                input_shapes=tuple(c.shape for c in inbound), output_shapes=((None, T, units),),
                                inbound=inbound, config=(("units", units),)))
    extra = draw(st.lists(st.sampled_from([l.id for l in layers[1:]]), max_size=1))
    outputs = tuple(TensorRef(i, 0, (None, T, 2)) for i in [layers[-1].id, *extra])
    return ModelSpec(name="m", class_name="Functional", inputs=(TensorRef("in", 0, layers[0].output_shapes[0]),),
                     outputs=outputs, layers=tuple(layers))


def _stripped(layer: LayerSpec) -> Dict[str, Any]:
    d = layer.to_dict()
    for key in ("id", "name", "inbound", "call"):
        d.pop(key)
    return d


def valid_run(spec: ModelSpec, s: int, p: int, k: int) -> bool:
    """Whether layers s .. s+p*k-1 are k blocks of p layers as the README defines a run."""
    layers = spec.layers
    where = {l.id: i for i, l in enumerate(layers)}
    span = layers[s:s + p * k]
    names = [l.name for l in layers]
    if len(span) < p * k or any(l.role == "input" or l.call or names.count(l.name) > 1 for l in span):
        return False
    readers: Dict[int, Set[int]] = {i: set() for i in range(len(layers))}
    for i, l in enumerate(layers):
        for c in l.inbound:
            readers[where[c.layer]].add(i)
    for ref in spec.outputs:
        readers[where[ref.layer]].add(-1)
    for j in range(k):
        start = s + j * p
        outside: Set[Tuple[str, int]] = set()
        for i in range(p):
            layer, first = layers[start + i], layers[s + i]
            if _stripped(layer) != _stripped(first):
                return False

            def wiring(at: int, member: int) -> List[Any]:
                return [(c.kind, c.slot, c.tensor) + (("in", where[c.layer] - member) if where[c.layer] >= member
                                                      else ("out",)) for c in layers[at].inbound]
            if wiring(start + i, start) != wiring(s + i, s):
                return False
            outside |= {(c.layer, c.tensor) for c in layer.inbound if where[c.layer] < start}
            allowed = set(range(start, start + p)) if i < p - 1 else \
                set(range(start + p, start + 2 * p)) if j < k - 1 else None
            if allowed is not None and not readers[start + i] <= allowed:
                return False
        if len(outside) != 1 or (j > 0 and next(iter(outside))[0] != layers[start - 1].id):
            return False
    return True


def oracle_runs(spec: ModelSpec) -> List[Tuple[int, int, int]]:
    n = len(spec.layers)
    return [(s, p, k) for s, p in product(range(n), range(1, MAX_PERIOD + 1)) for k in range(2, n // p + 1)
            if valid_run(spec, s, p, k)]


def _found(spec: ModelSpec, repeats: Sequence[RepeatSpec]) -> List[Tuple[int, int, int]]:
    where = {l.id: i for i, l in enumerate(spec.layers)}
    return [(where[r.block[0]], r.period, r.count) for r in repeats]


@settings(max_examples=300, deadline=None)
@given(wired_specs())
def test_a_run_is_found_exactly_when_the_structure_repeats(spec):
    repeats = find_repeats(spec.layers, spec.outputs)
    found = _found(spec, repeats)
    expected = oracle_runs(spec)
    assert bool(found) == bool(expected)
    for (s, p, k), repeat in zip(found, repeats):
        assert valid_run(spec, s, p, k), (s, p, k)
        assert repeat.last == tuple(l.id for l in spec.layers[s + p * (k - 1):s + p * k])
    spans = [set(range(s, s + p * k)) for s, p, k in found]
    assert all(not (a & b) for i, a in enumerate(spans) for b in spans[i + 1:])  # no two overlap
    if expected:  # the run that covers most layers is taken first
        assert max(p * k for _, p, k in found) == max(p * k for _, p, k in expected)


@settings(max_examples=200, deadline=None)
@given(wired_specs())
def test_folding_keeps_every_shape_and_connection(spec):
    spec = ModelSpec.from_dict({**spec.to_dict(), "repeats": [r.to_dict() for r in
                                                              find_repeats(spec.layers, spec.outputs)]})
    folded, runs = fold_repeats(spec)
    kept = {l.id: l for l in folded.layers}
    assert len(folded.layers) == len(spec.layers) - sum(r.period * (r.count - 1) for r in spec.repeats)
    for layer in folded.layers:
        original = spec.layer(layer.id)
        assert (layer.input_shapes, layer.output_shapes) == (original.input_shapes, original.output_shapes)
        for conn in layer.inbound:
            assert conn.layer in kept and kept[conn.layer].output_shapes[conn.tensor] == conn.shape
    assert [o.shape for o in folded.outputs] == [o.shape for o in spec.outputs]
    assert all(o.layer in kept for o in folded.outputs)
    for repeat in spec.repeats:
        blocks = members(spec, repeat)
        assert blocks[0] == repeat.block and blocks[-1] == repeat.last and len(blocks) == repeat.count
        assert all(runs[i] == repeat and kept[i].name.endswith(spec.layer(last).name)
                   for i, last in zip(repeat.block, repeat.last))


def test_the_json_spec_lists_the_runs_and_reads_them_back():
    spec = rnndiagram.inspect(build_stack(Stack(3, 2, (("LSTM", 2), ("TimeDistributed", 2)) * 3)))
    assert spec.repeats == (RepeatSpec(3, ("lstm_0", "timedistributed_1"), ("lstm_4", "timedistributed_5")),)
    data = json.loads(spec.to_json())
    assert data["repeats"] == [{"count": 3, "period": 2, "block": ["lstm_0", "timedistributed_1"],
                                "last": ["lstm_4", "timedistributed_5"]}]
    assert ModelSpec.from_json(spec.to_json()) == spec
    plain = rnndiagram.inspect(build_stack(Stack(3, 2, (("LSTM", 2), ("GRU", 2)))))
    assert plain.repeats == () and "repeats" not in json.loads(plain.to_json())  # older files stay as they were
    with pytest.raises(ValueError, match="count of at least 2"):
        ModelSpec.from_dict({**data, "repeats": [{"count": 1, "block": ["lstm_0"], "last": ["lstm_0"]}]})


# -- deep stacks built in Keras: the finder, the shapes and every view -----------------------

def stack_runs(stack: Stack) -> List[Tuple[int, int, int]]:
    """The runs of a stack by its recipe alone: equal (kind, units) blocks whose first layer
    reads as wide a sequence as the block returns (a Dropout keeps the width it reads)."""
    widths = [stack.features]
    for kind, units in stack.layers:
        widths.append(widths[-1] if kind == "Dropout" else units)
    n = len(stack.layers)
    return [(s, p, k) for s, p in product(range(n), range(1, MAX_PERIOD + 1)) for k in range(2, n // p + 1)
            if s + p * k <= n and all(stack.layers[s + j * p + i] == stack.layers[s + i] for j in range(k)
                                      for i in range(p))
            and all(widths[s + j * p] == widths[s + p] for j in range(k))]


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deep_stacks())
def test_deep_stacks_fold_exactly_when_they_repeat_and_draw_cleanly(stack):
    model = build_stack(stack)
    spec = rnndiagram.inspect(model)
    assert bool(spec.repeats) == bool(stack_runs(stack))
    actual = forward_pass_shapes(model)
    folded, _ = fold_repeats(spec)
    for layer in folded.layers:  # the shapes drawn are Keras's, of the first copy and of the last
        copies = [layer.id] + [r.last[r.block.index(layer.id)] for r in spec.repeats if layer.id in r.block]
        for copy in copies:
            assert [tuple(d or 0 for d in s[1:]) for s in layer.output_shapes] == \
                [s[1:] for s in actual[copy][1]], copy
    assert folded.outputs[0].shape[1:] == actual[spec.outputs[0].layer][1][0][1:]
    views: List[Dict[str, Any]] = [{}, {"view": "rolled"}, {"view": "both"}]
    if any(kind not in ("TimeDistributed", "Dense", "Dropout") for kind, _ in stack.layers):
        views.append({"cell": "gates"})
    for options in views:
        d = rnndiagram.diagram(spec, **options)
        svg = d.to_svg()
        parse_dot(d.to_dot())
        assert problems(d.scene) == [], options
        unfolded = rnndiagram.diagram(spec, fold_repeats=False, **options)
        if not spec.repeats:
            assert unfolded.to_svg() == svg
        elif "cell" not in options:  # the gate view folds only runs that hold a recurrent layer
            assert all(f"× {repeat.count}" in svg for repeat in spec.repeats)
            assert len(unfolded.to_dot()) > len(d.to_dot())


def _dot_nodes(dot: str) -> int:
    """How many nodes a DOT graph declares, as Graphviz's parser writes it back."""
    return sum(1 for line in parse_dot(dot).splitlines()
               if re.match(r'^\s*("[^"]+"|[\w.]+)\s*\[', line) and "->" not in line
               and not re.match(r"^\s*(graph|node|edge)\s*\[", line))


def lstm_dense_stack(layers: int) -> Any:
    stack = Stack(20, 16, (("LSTM", 16), ("TimeDistributed", 16)) * (layers // 2))
    return build_stack(stack)


@pytest.mark.slow
def test_a_200_layer_stack_fits_the_page_and_its_dot_is_small():
    spec = rnndiagram.inspect(lstm_dense_stack(200))
    small = rnndiagram.inspect(lstm_dense_stack(4))
    assert spec.repeats[0].count == 100
    for view in ("unrolled", "rolled"):
        d = rnndiagram.diagram(spec, view=view)
        assert d.scene.width <= 1600 and d.scene.height <= 3000, view
        assert problems(d.scene) == [], view
        assert "× 100" in d.to_dot()  # the DOT says what the one block stands for
        nodes = _dot_nodes(d.to_dot())
        assert nodes == _dot_nodes(rnndiagram.diagram(small, view=view).to_dot()) <= 60, view  # as 2 blocks
    assert rnndiagram.diagram(spec, fold_repeats=False, view="rolled").scene.height > 3000


@pytest.mark.slow
def test_deepspeech2_folds_its_later_gru_dropout_pairs():
    model = speech_ctc_deepspeech2()
    spec = rnndiagram.inspect(model)
    assert spec.repeats == (RepeatSpec(2, ("dropout_1", "bidirectional_2"), ("dropout_2", "bidirectional_3")),)
    actual = forward_pass_shapes(model)
    d = rnndiagram.diagram(spec)
    svg = d.to_svg()
    assert "× 2  dropout_1 … bidirectional_3" in svg and "bidirectional_2 … bidirectional_3" in svg
    assert 'data-layer="bidirectional_3"' not in svg and 'data-layer="bidirectional_2"' in svg
    for layer_id in ("dropout_1", "bidirectional_2", "dropout_2", "bidirectional_3"):
        drawn = spec.layer(layer_id).output_shapes[0]
        assert drawn[2:] == actual[layer_id][1][0][2:]  # batch and time: None
    folded, _ = fold_repeats(spec)
    dense = folded.layer("dense_1")
    assert dense.inbound[0].layer == "bidirectional_2" and dense.input_shapes == spec.layer("dense_1").input_shapes
    assert problems(d.scene) == []


@pytest.mark.slow
def test_no_fold_repeats_on_the_command_line_draws_every_block(tmp_path):
    spec = rnndiagram.inspect(lstm_dense_stack(6))
    path = tmp_path / "stack.json"
    path.write_text(spec.to_json())
    for flag, fold in (("--no-fold-repeats", False), ("--fold-repeats", True)):
        out = tmp_path / f"{flag}.svg"
        result = CliRunner().invoke(main, ["export", str(path), "-o", str(out), flag])
        assert result.exit_code == 0, result.output
        assert out.read_text() == rnndiagram.diagram(spec, fold_repeats=fold).to_svg()
    assert "× 3" in (tmp_path / "--fold-repeats.svg").read_text()
    assert "× 3" not in (tmp_path / "--no-fold-repeats.svg").read_text()
    help_text = CliRunner().invoke(main, ["export", "--help"]).output
    assert "--fold-repeats / --no-fold-repeats" in help_text and "identical blocks" in help_text


def test_values_mode_draws_every_block():
    spec = rnndiagram.inspect(lstm_dense_stack(4))
    assert len(drawn_spec(spec, DiagramOptions(values=True))[0].layers) == len(spec.layers)
    assert len(drawn_spec(spec, DiagramOptions())[0].layers) == len(spec.layers) - 2


def test_a_run_inside_a_nested_model_folds_when_it_is_drawn():
    inner = rnndiagram.inspect(lstm_dense_stack(4))
    outer_in = LayerSpec(id="x", name="x", class_name="InputLayer", role="input", input_shapes=(),
                         output_shapes=((None, 20, 16),))
    nested = LayerSpec(id="enc", name="enc", class_name="Sequential", role="model",
                       input_shapes=((None, 20, 16),), output_shapes=((None, 20, 16),),
                       inbound=(Connection("x", 0, 0, "sequence", (None, 20, 16)),), model=inner)
    spec = ModelSpec(name="outer", class_name="Functional", inputs=(TensorRef("x", 0, (None, 20, 16)),),
                     outputs=(TensorRef("enc", 0, (None, 20, 16)),), layers=(outer_in, nested))
    svg = rnndiagram.diagram(spec).to_svg()
    assert "× 2  enc/lstm_0 … enc/timedistributed_3" in svg and 'data-layer="enc/lstm_2"' not in svg
    assert 'data-layer="enc/lstm_2"' in rnndiagram.diagram(spec, fold_repeats=False).to_svg()


def test_the_option_reaches_the_documentation_plugins():
    from rnndiagram import mkdocs_plugin, sphinxext
    from rnndiagram.docs_common import options_from
    from rnndiagram.errors import OptionError

    assert options_from({"fold-repeats": True, "fold_repeats": False}, {"fold_repeats": True}) == \
        {"fold_repeats": False}
    assert ("fold_repeats", True, bool) in sphinxext.CONFIG
    assert sphinxext.RnnDiagramDirective.option_spec["fold-repeats"]("no") is False
    assert "fold_repeats" in dict(mkdocs_plugin.RnnDiagramConfig._schema)
    with pytest.raises(OptionError, match="fold_repeats must be True or False"):
        DiagramOptions(fold_repeats=None)


def test_a_spec_file_written_before_runs_were_listed_still_folds(tmp_path):
    spec = rnndiagram.inspect(lstm_dense_stack(6))
    data = spec.to_dict()
    del data["repeats"]
    path = tmp_path / "older.json"
    path.write_text(json.dumps(data))
    read = resolve(str(path)).model
    assert read.repeats == spec.repeats and rnndiagram.diagram(read).to_svg() == rnndiagram.diagram(spec).to_svg()


def test_a_masked_stack_folds_its_layers_that_read_one_mask():
    layers = keras.layers
    model = keras.Sequential([keras.Input((6,), name="ids"), layers.Embedding(20, 8, mask_zero=True, name="emb")]
                             + [layers.LSTM(8, return_sequences=True, name=f"l{i}") for i in range(3)]
                             + [layers.LSTM(8, name="last")], name="masked")
    spec = rnndiagram.inspect(model)
    assert spec.repeats == (RepeatSpec(3, ("l0",), ("l2",)),)
    d = rnndiagram.diagram(spec)
    assert "× 3  l0 … l2" in d.to_svg() and problems(d.scene) == []


def test_the_description_counts_every_layer_and_says_what_is_drawn_once():
    spec = rnndiagram.inspect(lstm_dense_stack(6))
    for view in ("unrolled", "rolled"):
        desc = re.search(r"<desc[^>]*>([^<]*)</desc>", rnndiagram.diagram(spec, view=view).to_svg())
        assert desc is not None
        assert "with 7 layers" in desc[1], view
        assert "× 3  lstm_0 … timedistributed_5: 3 blocks of 2 layers alike, drawn once." in desc[1], view


@pytest.mark.parametrize("compact", [False, True])
def test_a_repeat_frames_title_and_edges_leave_the_rows_round_them_clear(compact):
    """Laid out compact, the rows stand closer than a frame's edge and its title's tab need:
    the gaps beside a run make room for them (the tab lay on the shape line of the row under
    it, in the random graph of 125 layers too), two runs one over the other included."""
    from dataclasses import replace

    from rnndiagram.layout import layout
    from rnndiagram.layout.scene import Box, Group, Label, walk

    layers: List[Any] = [keras.Input((5, 3)), keras.layers.LSTM(6, return_sequences=True),
                         keras.layers.TimeDistributed(keras.layers.Dense(5))]
    for rnn in (keras.layers.LSTM,) * 3 + (keras.layers.GRU,) * 2:  # two runs, one over the other
        layers += [rnn(4, return_sequences=True), keras.layers.TimeDistributed(keras.layers.Dense(4))]
    figure = rnndiagram.diagram(keras.Sequential(layers)).figure
    scene = layout(replace(figure, compact=compact))
    runs = [g for g in walk(scene.items) if isinstance(g, Group) and g.cls == "rnd-repeat"]
    assert len(runs) == 2, [g.title for g in runs]
    labels = [i for i in walk(scene.items) if isinstance(i, Label)]
    for run in runs:
        tab = next(i for i in run.items if isinstance(i, Box) and i.cls == "rnd-background")
        title = next(i for i in run.items if isinstance(i, Label))
        assert [l.text for l in labels if l is not title and l.extent().overlaps(tab, margin=-0.5)] == []
    frames = [next(i for i in g.items if isinstance(i, Box) and "rnd-repeat-frame" in i.cls) for g in runs]
    lower, upper = sorted(frames, key=lambda frame: -frame.y)
    tab_half = 12 / 2 + 3 if not compact else 11 / 2 + 3  # the gutter's size, 3 px each way
    assert upper.bottom + 2 <= lower.y - tab_half  # the lower frame's tab clears the upper one
    assert problems(scene) == []
