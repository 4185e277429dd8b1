"""The DOT renderer: dot accepts its output, names stay text, the time grid holds."""

from __future__ import annotations

import doctest
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Dict, List, Optional, Tuple

import pytest

from rnndiagram.unroll.graph import Node, Strip, UnrolledGraph
from rnndiagram.options import DiagramOptions
from rnndiagram.render import dot as dot_module
from rnndiagram.render.dot import dot_id, render_dot
from rnndiagram.spec import Connection, LayerSpec, ModelSpec, RecurrentSpec, StateSpec, TensorRef
from rnndiagram.unroll import unroll

from graphviz_tools import layout_dot, needs_dot, parse_dot


NASTY = '<script>"&\\\nx}{ -> ; é…'


# -- hand-built specs (no Keras) ------------------------------------------------------------
def _input(name: str, shape: Tuple[Optional[int], ...]) -> LayerSpec:
    return LayerSpec(id=name, name=name, class_name="InputLayer", role="input",
                     input_shapes=(), output_shapes=(shape,))


def _rec(kind: str, units: int, timesteps: Optional[int], features: int, return_sequences: bool,
         return_state: bool = False, go_backwards: bool = False) -> RecurrentSpec:
    names = ("h", "c") if kind == "LSTM" else ("h",)
    return RecurrentSpec(kind=kind, units=units, timesteps=timesteps, features=(features,),
                         states=tuple(StateSpec(n, (None, units)) for n in names),
                         return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards)


def _rnn(name: str, source: LayerSpec, rec: RecurrentSpec, class_name: Optional[str] = None,
         extra_inbound: Tuple[Connection, ...] = ()) -> LayerSpec:
    shape = source.output_shapes[0]
    out = (None, shape[1], rec.units) if rec.return_sequences else (None, rec.units)
    states = tuple(s.shape for s in rec.states) if rec.return_state else ()
    return LayerSpec(id=name, name=name, class_name=class_name or rec.kind, role="recurrent",
                     input_shapes=(shape,), output_shapes=(out,) + states,
                     inbound=(Connection(source.id, 0, 0, "sequence", shape),) + extra_inbound,
                     config=(("units", rec.units),), recurrent=rec)


def _model(name: str, *layers: LayerSpec) -> ModelSpec:
    first, last = layers[0], layers[-1]
    return ModelSpec(name=name, class_name="Sequential",
                     inputs=(TensorRef(first.id, 0, first.output_shapes[0]),),
                     outputs=(TensorRef(last.id, 0, last.output_shapes[0]),), layers=layers)


def simple(return_sequences: bool, name: str = "simple_rnn", timesteps: Optional[int] = 3) -> ModelSpec:
    words = _input("words", (None, timesteps, 2))
    return _model("seed", words, _rnn(name, words, _rec("SimpleRNN", 4, timesteps, 2, return_sequences)))


def stacked() -> ModelSpec:
    words = _input("words", (None, 3, 2))
    first = _rnn("simple_rnn", words, _rec("SimpleRNN", 4, 3, 2, True))
    return _model("seed_stacked", words, first, _rnn("simple_rnn_1", first, _rec("SimpleRNN", 4, 3, 4, False)))


def lstm_return_state() -> ModelSpec:
    words = _input("words", (None, 3, 2))
    return _model("lstm_state", words, _rnn("lstm", words, _rec("LSTM", 4, 3, 2, False, return_state=True)))


def bidirectional_concat() -> ModelSpec:
    frames = _input("frames", (None, 3, 2))
    fwd = _rec("LSTM", 4, 3, 2, True)
    bwd = _rec("LSTM", 4, 3, 2, True, go_backwards=True)
    rec = RecurrentSpec(kind="Bidirectional", units=8, timesteps=3, features=(2,),
                        states=fwd.states + tuple(StateSpec(s.name, s.shape, 1) for s in bwd.states),
                        return_sequences=True, return_state=False, merge_mode="concat",
                        forward=fwd, backward=bwd)
    return _model("bidi", frames, _rnn("bilstm", frames, rec, "Bidirectional"))


def long_sequence() -> ModelSpec:
    signal = _input("signal", (None, 500, 4))
    return _model("long", signal, _rnn("lstm", signal, _rec("LSTM", 16, 500, 4, False)))


def unknown_length() -> ModelSpec:
    return simple(True, timesteps=None)


def seq2seq() -> ModelSpec:
    enc_in, dec_in = _input("enc_in", (None, None, 3)), _input("dec_in", (None, None, 5))
    enc = _rnn("encoder", enc_in, _rec("LSTM", 4, None, 3, False, return_state=True))
    wired = tuple(Connection("encoder", 0, t, "state", (None, 4), slot=t - 1) for t in (1, 2))
    dec = _rnn("decoder", dec_in, _rec("LSTM", 4, None, 5, True), extra_inbound=wired)
    return ModelSpec(name="seq2seq", class_name="Functional",
                     inputs=(TensorRef("enc_in", 0, (None, None, 3)), TensorRef("dec_in", 0, (None, None, 5))),
                     outputs=(TensorRef("decoder", 0, (None, None, 4)),), layers=(enc_in, dec_in, enc, dec))


CASES = {
    "seed_last": lambda: simple(False), "seed_sequences": lambda: simple(True), "stacked": stacked,
    "lstm_return_state": lstm_return_state, "bidirectional_concat": bidirectional_concat,
    "long_sequence": long_sequence, "unknown_length": unknown_length, "seq2seq": seq2seq,
}


def render(spec: ModelSpec, **options) -> Tuple[UnrolledGraph, str]:
    graph = unroll(spec, DiagramOptions(**options))
    return graph, render_dot(graph)


def positions(source: str) -> Dict[str, Tuple[float, float]]:
    """Node centres from ``dot -Tplain`` (our ids need no quoting there)."""
    found = {}
    for line in layout_dot(source, "plain").splitlines():
        parts = line.split()
        if parts and parts[0] == "node":
            found[parts[1]] = (float(parts[2]), float(parts[3]))
    return found


# -- tests ------------------------------------------------------------------------------------
def test_doctests() -> None:
    assert doctest.testmod(dot_module).failed == 0


@needs_dot
@pytest.mark.parametrize("case", sorted(CASES))
def test_dot_accepts_output(case: str) -> None:
    graph, source = render(CASES[case]())
    svg = layout_dot(source)
    ET.fromstring(svg)  # well-formed XML
    for node in graph.nodes:
        assert f"<title>{dot_id(node.id)}</title>" in svg


@pytest.mark.parametrize("case", sorted(CASES))
def test_deterministic(case: str) -> None:
    assert render(CASES[case]())[1] == render(CASES[case]())[1]
    spec = CASES[case]()
    assert render(ModelSpec.from_json(spec.to_json()))[1] == render(spec)[1]


def test_state_edges_labelled() -> None:
    graph, source = render(simple(False))
    state_lines = [line for line in source.splitlines() if 'class="rnd-state"' in line]
    assert len(state_lines) == 3  # h0 -> t1 -> t2 -> t3
    assert all('xlabel="h · 4"' in line and "penwidth=2" in line for line in state_lines)


def test_ellipsis_and_dashed_state_edges() -> None:
    graph, source = render(long_sequence())
    assert [c.key for c in graph.panels[0].columns] == ["1", "2", "…", "500"]
    assert re.search(r'\[label="…" class="rnd-ellipsis"[^\]]*shape=plaintext', source)
    dashed = [line for line in source.splitlines() if 'class="rnd-state"' in line and "style=dashed" in line]
    assert len(dashed) == 4  # h and c, into and out of the ellipsis


def test_handoff_edges_coloured() -> None:
    _, source = render(seq2seq())
    handoffs = [line for line in source.splitlines() if 'class="rnd-handoff"' in line]
    assert len(handoffs) == 2 and all(f'color="{dot_module._HANDOFF}"' in h for h in handoffs)
    assert "from encoder" in source


def test_faint_unreturned_outputs_and_values() -> None:
    _, source = render(simple(False), show_unreturned=True)
    faint = [line for line in source.splitlines() if f'color="{dot_module._FAINT}"' in line]
    assert len(faint) == 4  # the strips of steps 1 and 2, and their edges
    graph = unroll(simple(False))
    with_values = tuple(replace(n, strip=Strip((4,), (0.1, -0.2, 0.3, 0.4))) if n.kind == "strip" else n
                        for n in graph.nodes)
    assert '"0.1 | -0.2 | 0.3 | 0.4"' in render_dot(replace(graph, nodes=with_values))


def rank_blocks(source: str) -> Dict[str, List[str]]:
    """Each ``subgraph pX_rY {...}`` block's node ids (only for specs with plain names)."""
    blocks = {}
    for name, body in re.findall(r"subgraph (p\d+_r\d+) \{(.*?)\n\t*\}", source, re.DOTALL):
        assert "rank=same" in body
        blocks[name] = re.findall(r"^\t+(n_\w+) \[", body, re.MULTILINE)
    return blocks


@pytest.mark.parametrize("case", sorted(CASES))
def test_rows_are_ranks(case: str) -> None:
    graph, source = render(CASES[case]())
    blocks = rank_blocks(source)
    for node in graph.nodes:
        assert dot_id(node.id) in blocks[f"p{node.panel}_r{node.row}"], node.id
    cells = [n for n in graph.nodes if n.kind == "cell"]
    assert cells and all(dot_id(c.id) in blocks[f"p{c.panel}_r{c.row}"] for c in cells)


@needs_dot
@pytest.mark.parametrize("case", ["stacked", "bidirectional_concat", "long_sequence"])
def test_time_grid_holds_after_layout(case: str) -> None:
    graph, source = render(CASES[case]())
    at = positions(source)
    by_row: Dict[Tuple[int, int], List[Node]] = {}
    for node in graph.nodes:
        by_row.setdefault((node.panel, node.row), []).append(node)
    for nodes in by_row.values():
        assert len({round(at[dot_id(n.id)][1], 2) for n in nodes}) == 1  # one row, one rank
        placed = sorted((n for n in nodes if n.col is not None), key=lambda n: n.col)
        xs = [at[dot_id(n.id)][0] for n in placed]
        assert xs == sorted(xs) and len(set(xs)) == len(xs)  # time runs left to right
        for node in nodes:
            if node.kind in ("init", "final") and placed:
                edge = xs[0] if node.side < 0 else xs[-1]
                x = at[dot_id(node.id)][0]
                assert (x < edge) if node.side < 0 else (x > edge)
    heights = [at[dot_id(by_row[key][0].id)][1] for key in sorted(by_row)]
    assert heights == sorted(heights) and len(set(heights)) == len(heights)  # rows bottom to top
    for col in range(len(graph.panels[0].columns)):
        xs = {round(at[dot_id(n.id)][0], 1) for n in graph.nodes if n.col == col and n.lane[1] == 1}
        assert len(xs) == 1, (col, xs)  # columns line up


@needs_dot
@pytest.mark.parametrize("name", [NASTY, "<b>bold</b>", "\\N \\G \\l\\", "{rank=same; a -> b}"])
def test_names_are_text_not_markup(name: str) -> None:
    words = _input("words", (None, 3, 2))
    graph, source = render(_model(name, words, _rnn(name, words, _rec("SimpleRNN", 4, 3, 2, True))))
    assert "=<" not in source  # no attribute is an HTML label
    svg = layout_dot(source)
    assert "<script" not in svg and "<b>" not in svg
    root = ET.fromstring(svg)
    texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for line in name.splitlines():
        assert line in texts  # the graph label (and the row's gutter), line by line
    titles = [a for e in root.iter() for k, a in e.attrib.items() if k.endswith("title")]
    # tooltips keep it whole, newline included; backslashes shown as "∖" (see dot_tooltip)
    assert name.replace("\\", "\u2216") in titles
    assert len({dot_id(n.id) for n in graph.nodes}) == len(graph.nodes)


@needs_dot
def test_script_tag_escaped_in_svg() -> None:
    words = _input("words", (None, 3, 2))
    _, source = render(_model("m", words, _rnn(NASTY, words, _rec("SimpleRNN", 4, 3, 2, False))))
    assert "&lt;script&gt;&quot;&amp;\\" in layout_dot(source)


def test_ids_are_injective_and_plain() -> None:
    names = ["a-b", "a_b", "a__b", "a_2d_b", "a_5f_b", "node", "<b>", '"', "\\", "…", "", "_"]
    ids = [dot_id(n) for n in names]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"n_[A-Za-z0-9_]*", i) for i in ids)


def deep_stack(layers: int, name: str = "rnn") -> ModelSpec:
    words = _input("words", (None, 3, 2))
    stack = [words]
    for i in range(layers):
        stack.append(_rnn(f"{name}_{i}", stack[-1], _rec("SimpleRNN", 2, 3, 2 if i == 0 else 2, i < layers - 1)))
    return _model("deep", *stack)


@needs_dot
@pytest.mark.parametrize("spec", [lambda: deep_stack(220), lambda: deep_stack(2, "n" * 17_000 + "é" * 3_000)],
                         ids=["220 layers", "a 20,000-character name"])
def test_dot_takes_very_long_text(spec) -> None:
    """Graphviz's scanner fails on a token over 16 KiB: the graph's tooltip (a sentence per
    layer) passes that at about 200 layers, a label and an id do with a long name."""
    graph, source = render(spec())
    names = {node.layer for node in graph.nodes if node.layer}
    assert max(len(text.encode()) for text in (graph.summary, *names)) > 16_384
    parse_dot(source)
    assert len({dot_id(n) for n in names}) == len(names)  # still one id per name


def lstm_stack(layers: int, timesteps: int = 10) -> ModelSpec:
    """Stacked LSTM(4) layers: the drawing whose placement took dot longest (see dot_budget)."""
    x = _input("x", (None, timesteps, 4))
    stack = [x]
    for i in range(layers):
        stack.append(_rnn(f"lstm_{i}", stack[-1], _rec("LSTM", 4, timesteps, 4, i < layers - 1)))
    return _model("stack", *stack)


def test_a_large_graph_bounds_dots_placement() -> None:
    """Past LARGE_GRAPH nodes and edges the DOT caps dot's placement at about one round a
    node (``nslimit=1``); a small drawing keeps dot's exact placement."""
    import rnndiagram
    from rnndiagram.render.dot_budget import LARGE_GRAPH, dot_size

    for view in ("unrolled", "both"):
        source = rnndiagram.diagram(lstm_stack(100), view=view).to_dot()
        assert sum(dot_size(source)) > LARGE_GRAPH
        assert re.search(r"graph \[[^\]]*\bnslimit=1\b", source), view
    small = rnndiagram.diagram(lstm_stack(3), view="both").to_dot()
    assert sum(dot_size(small)) < LARGE_GRAPH and "nslimit" not in small


def test_graphviz_is_not_handed_a_graph_too_large_to_lay_out(monkeypatch) -> None:
    """Past MAX_GRAPHVIZ_SIZE nodes and edges, engine="graphviz" is an error that says what
    to do instead, and dot is never started."""
    import subprocess

    import rnndiagram
    from rnndiagram.errors import OptionError
    from rnndiagram.render.dot_budget import MAX_GRAPHVIZ_SIZE, dot_size

    def no_dot(*args, **kwargs):
        raise AssertionError(f"dot was started: {args}")

    monkeypatch.setattr(subprocess, "run", no_dot)
    d = rnndiagram.diagram(lstm_stack(200), view="both", max_timesteps=8)
    assert sum(dot_size(d.to_dot())) > MAX_GRAPHVIZ_SIZE
    with pytest.raises(OptionError, match=r"^this drawing has 4,205 nodes and 13,389 edges, more than Graphviz "
                                          r"lays out in seconds \(10,000 in all\); draw it with rnndiagram's own "
                                          r"layout .* or write the DOT \(-o diagram.dot\)"):
        d.render("png", engine="graphviz")  # svg and pdf go the same way


@needs_dot
@pytest.mark.slow  # dot lays out a 120-layer stack beside its rolled view
def test_dot_places_a_large_graph_in_about_one_round_a_node() -> None:
    """Counted, not timed: unbounded, dot's placement of this drawing took 58,000 rounds of
    network simplex for its 5,000 nodes (about 40 s); bounded, at most one round a node."""
    import subprocess

    import rnndiagram

    source = rnndiagram.diagram(lstm_stack(120), view="both", max_timesteps=5).to_dot()  # as many steps as asked
    done = subprocess.run(["dot", "-v", "-Tsvg", "-o", "/dev/null"], input=source.encode(), capture_output=True,
                          check=False)
    assert done.returncode == 0, done.stderr.decode()
    nodes, rounds = map(int, re.findall(r"network simplex: (\d+) nodes \d+ edges (\d+) iter", done.stderr.decode())[-1])
    assert nodes > 5_000 and rounds <= nodes


@needs_dot
@pytest.mark.slow  # dot lays out six examples
@pytest.mark.parametrize("name", ["deepspeech2", "memory_network", "convlstm_forecaster_loop", "luong_attention",
                                  "attention_seq2seq", "bidirectional_handoff"])
def test_dot_keeps_each_row_in_time_order_and_its_gutter_on_the_left(name, example_specs):
    """As laid out by dot: each row reads left to right as its invisible chain orders it
    (gutter, states on the left, steps in time order, states on the right, legend). Dot's
    last pass over the whole graph reordered nodes across clusters (DeepSpeech2's t2 stood
    left of t1 in 46 places), the gutters of rows fed from another cluster drifted right of
    t1 (Luong attention's), and a backward encoder's final states, handed to a decoder in
    the cluster on the right, stood right of its steps (bidirectional_handoff's)."""
    import rnndiagram

    source = rnndiagram.diagram(example_specs[name]).to_dot()
    x = {}
    for line in layout_dot(source, "plain").splitlines():
        parts = line.split()
        if parts and parts[0] == "node":
            x[parts[1].strip('"')] = float(parts[2])
    chained = re.findall(r"^\s*(\S+) -> (\S+) \[minlen=\d+ style=invis weight=10\]", source, re.M)
    assert len(chained) > 20
    assert [(a, b) for a, b in chained if x[a.strip('"')] >= x[b.strip('"')]] == []
