"""The SVG output: valid, self-contained, hooked for tests and CSS, escaped, deterministic."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

import rnndiagram
from rnndiagram.spec import ModelSpec

NS = {"s": "http://www.w3.org/2000/svg"}
EVIL = '<script>"&'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def groups(root, cls):
    return [g for g in root.iter("{http://www.w3.org/2000/svg}g") if cls in g.get("class", "").split()]


def test_document_is_self_contained_and_accessible(example_specs):
    svg = rnndiagram.diagram(example_specs["seed_stacked"]).to_svg()
    root = parse(svg)
    assert root.get("role") == "img" and root.get("viewBox").startswith("0 0 ")
    assert root.find("s:title", NS).text == "seed_stacked"
    assert "SimpleRNN of 4 units unrolled over 3 timesteps" in root.find("s:desc", NS).text
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # no external fonts or CSS
    assert "@import" not in svg and "<image" not in svg


def test_element_ids_are_unique(example_specs):
    for name, spec in example_specs.items():
        ids = [e.get("id") for e in parse(rnndiagram.diagram(spec).to_svg()).iter() if e.get("id")]
        assert len(ids) == len(set(ids)), name


def root_id(svg: str) -> str:
    return parse(svg).get("id")


def test_ids_and_styles_are_scoped_to_the_diagram(example_specs):
    """Two diagrams inlined in one page keep their own ids and colours: every id starts
    with the root's, a hash of the drawing, and every rule of the stylesheet sits under it."""
    import re

    spec = example_specs["seed_stacked"]
    light, dark = (rnndiagram.diagram(spec, theme=t).to_svg() for t in ("light", "dark"))
    assert root_id(light) != root_id(dark) and root_id(light).startswith("rnd-")
    assert rnndiagram.diagram(spec, theme="light").to_svg() == light  # a hash of the content
    for svg in (light, dark):
        root = parse(svg)
        own = root_id(svg)
        ids = [e.get("id") for e in root.iter() if e.get("id")]
        assert all(i == own or i.startswith(own + "-") for i in ids) and len(ids) == 4
        refs = re.findall(r"url\(#([^)]+)\)", svg) + root.get("aria-labelledby").split()
        assert refs and set(refs) <= set(ids)
        css = root.find("s:style", NS).text
        selectors = [s.strip() for p in re.findall(r"([^{}]+)\{", css) if not p.strip().startswith("@")
                     for s in p.split(",")]
        assert selectors and all(s.startswith(f"#{own} ") for s in selectors), selectors


def test_seed_stacked_counts(example_specs):
    root = parse(rnndiagram.diagram(example_specs["seed_stacked"]).to_svg())
    cells = groups(root, "rnd-cell")
    assert sorted((g.get("data-layer"), g.get("data-t")) for g in cells) == sorted(
        (layer, t) for layer in ("simple_rnn", "simple_rnn_1") for t in "123")
    outputs = groups(root, "rnd-output")
    assert sum(g.get("data-layer") == "simple_rnn" for g in outputs) == 3
    assert sum(g.get("data-layer") == "simple_rnn_1" for g in outputs) == 1
    assert len(groups(root, "rnd-input")) == 3
    assert {g.get("data-state") for g in groups(root, "rnd-state")} == {"h"}


def test_return_sequences_false_has_exactly_one_output_edge(example_specs):
    root = parse(rnndiagram.diagram(example_specs["seed_simple_rnn"]).to_svg())
    assert len(groups(root, "rnd-output")) == 1


def test_lstm_state_edges_are_named(example_specs):
    root = parse(rnndiagram.diagram(example_specs["lstm_classifier"]).to_svg())
    assert {g.get("data-state") for g in groups(root, "rnd-state")} == {"h", "c"}


def test_output_is_deterministic(example_models):
    model = example_models["stacked_bidirectional_lstm"]
    first = rnndiagram.diagram(model).to_svg()
    assert rnndiagram.diagram(rnndiagram.inspect(model)).to_svg() == first


def renamed(spec: ModelSpec, old: str, new: str) -> ModelSpec:
    return ModelSpec.from_json(spec.to_json().replace(json.dumps(old), json.dumps(new)))


def test_model_supplied_names_stay_text(example_specs):
    spec = renamed(example_specs["seed_simple_rnn"], "simple_rnn", EVIL)
    svg = rnndiagram.diagram(spec).to_svg()
    root = parse(svg)  # would not parse if the name had become markup
    assert "<script" not in svg
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert EVIL in texts
    assert EVIL in {g.get("data-layer") for g in groups(root, "rnd-cell")}


@pytest.mark.parametrize("theme", ["light", "dark", "auto"])
def test_themes_change_only_colours(example_specs, theme):
    spec = example_specs["seed_return_sequences"]
    svg = rnndiagram.diagram(spec, theme=theme).to_svg()
    light = rnndiagram.diagram(spec).to_svg()
    def body(s):
        return s[s.index("</style>"):].replace(f"rnd-theme-{theme}", "rnd-theme-light").replace(root_id(s), "ID")

    assert body(svg) == body(light)
    assert ("prefers-color-scheme: dark" in svg) == (theme == "auto")
    assert ("#1e1f22" in svg) == (theme != "light")


def test_elision_keeps_the_size_constant_as_t_grows():
    import keras

    sizes, elements = [], set()
    for steps in (10, 100, 10_000, 100_000):
        model = keras.Sequential([keras.Input((steps, 3), name="x"), keras.layers.LSTM(4, name="lstm")],
                                 name="long")
        svg = rnndiagram.diagram(model).to_svg()
        sizes.append(len(svg))
        elements.add(sum(1 for _ in parse(svg).iter()))
        assert svg.count('class="rnd-cell"') == 3  # x1, x2, ..., xT
    assert len(elements) == 1  # the same drawing; only the digits of T (and what they shift) differ
    assert max(sizes) - min(sizes) < 0.01 * min(sizes)


def test_control_characters_in_names_keep_the_svg_valid(example_specs):
    """A hand-made file may name a layer with control characters, which XML forbids even
    escaped: they are drawn as their symbols, and the SVG opens, also as a PNG."""
    from rnndiagram.render.raster import svg_to_png

    spec = renamed(example_specs["seed_simple_rnn"], "simple_rnn", "a\x1b[31m\x00\x07\x85b")
    svg = rnndiagram.diagram(spec, tokens=["x\x0c", "y", "z"]).to_svg()
    root = parse(svg)
    assert "a␛[31m␀␇\ufffdb" in {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert "a␛[31m␀␇\ufffdb" in {g.get("data-layer") for g in groups(root, "rnd-cell")}
    assert not any(ord(c) < 0x20 and c not in "\n\t" for c in svg)
    assert svg_to_png(svg)[:4] == b"\x89PNG"


def test_the_description_names_each_layer_in_plain_english(example_specs):
    desc = parse(rnndiagram.diagram(example_specs["stacked_bidirectional_lstm"]).to_svg()).find("s:desc", NS).text
    assert "bilstm_1 is a Bidirectional LSTM of 16 units each way" in desc
    desc = parse(rnndiagram.diagram(example_specs["lstm_classifier"]).to_svg()).find("s:desc", NS).text
    assert "is an LSTM of" in desc and "a LSTM" not in desc


def test_every_name_a_model_supplies_stays_text(example_specs):
    """Autoescaping is off in the SVG template; each model-derived value must be escaped there."""
    spec = renamed(renamed(example_specs["char_seq2seq"], "char_seq2seq", EVIL), "encoder_lstm", EVIL)
    svg = rnndiagram.diagram(spec, tokens=[EVIL, "b"]).to_svg()
    root = parse(svg)
    assert "<script" not in svg
    assert root.find("s:title", NS).text == EVIL
    assert EVIL in {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert EVIL in {g.get("data-layer") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert any(EVIL in (t.text or "") for t in root.iter("{http://www.w3.org/2000/svg}title"))


def test_class_names_are_the_renderers_own(example_specs):
    """Class attributes are not escaped, so they may only hold our plain ``rnd-`` names."""
    import re

    plain = re.compile(r"rnd-[a-z0-9-]+")
    for name, spec in example_specs.items():
        for element in parse(rnndiagram.diagram(spec, values=False).to_svg()).iter():
            for token in element.get("class", "").split():
                assert plain.fullmatch(token), (name, element.tag, token)


@pytest.fixture
def fresh_templates(monkeypatch, tmp_path):
    """Templates compiled again, with the cache folder this test sets."""
    from rnndiagram.render import svg

    def reset(cache):
        monkeypatch.setenv("RNNDIAGRAM_CACHE_DIR", str(cache))
        svg.environment.cache_clear()
        svg.theme_css.cache_clear()

    yield reset
    svg.environment.cache_clear()
    svg.theme_css.cache_clear()


def test_compiled_templates_are_cached_and_reused(example_specs, fresh_templates, tmp_path):
    spec = example_specs["seed_stacked"]
    expected = rnndiagram.diagram(spec).to_svg()
    cache = tmp_path / "compiled"
    fresh_templates(cache)
    assert rnndiagram.diagram(spec).to_svg() == expected
    entries = sorted(cache.iterdir())
    assert [p.suffix for p in entries] == [".jinja", ".jinja"]  # the diagram and the theme CSS
    stamps = [p.stat().st_mtime_ns for p in entries]
    fresh_templates(cache)
    assert rnndiagram.diagram(spec).to_svg() == expected
    # Jinja writes an entry only when it had to compile: unchanged files were loaded.
    assert [p.stat().st_mtime_ns for p in sorted(cache.iterdir())] == stamps


def test_a_broken_or_unusable_cache_only_costs_time(example_specs, fresh_templates, tmp_path):
    spec = example_specs["seed_stacked"]
    expected = rnndiagram.diagram(spec).to_svg()
    cache = tmp_path / "compiled"
    fresh_templates(cache)
    rnndiagram.diagram(spec).to_svg()
    for entry in cache.iterdir():
        entry.write_bytes(b"\x00 not a compiled template")
    fresh_templates(cache)
    assert rnndiagram.diagram(spec).to_svg() == expected
    a_file = tmp_path / "file"
    a_file.write_text("")
    for folder in (a_file, a_file / "below", ""):  # cannot be created; cache turned off
        fresh_templates(folder)
        assert rnndiagram.diagram(spec).to_svg() == expected


def test_the_template_cache_lives_in_the_user_cache(monkeypatch, tmp_path):
    import sys

    from rnndiagram.render.templates import template_cache_dir

    monkeypatch.delenv("RNNDIAGRAM_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert template_cache_dir() == tmp_path / "rnndiagram" / "templates"
        assert template_cache_dir().is_dir()
    monkeypatch.setenv("RNNDIAGRAM_CACHE_DIR", "")
    assert template_cache_dir() is None


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path):
    import jinja2

    from rnndiagram.render.svg import _TemplateCache, environment

    blocked = tmp_path / "file"
    blocked.write_text("")
    cache = _TemplateCache(str(blocked / "below"), "%s.jinja")  # a folder under a file
    bucket = jinja2.bccache.Bucket(environment(), "key", "checksum")
    bucket.code = compile("x = 1", "diagram.svg.j2", "exec")
    cache.dump_bytecode(bucket)  # no error
    assert blocked.read_text() == ""


@pytest.mark.parametrize("options", [{}, {"view": "rolled"}, {"view": "both"}, {"cell": "gates"}])
def test_a_long_name_is_shortened_in_the_drawing_and_whole_in_its_tooltip(example_specs, options):
    """A 97- and a 5,000-character name draw the same: cut in the middle to 40 characters
    (the end kept), the whole name in the <title> of the text that shortens it, and in the DOT
    in a tooltip only."""
    import re

    from rnndiagram.labels import MAX_WORD

    def drawn(length):
        name = "encoder_" + "x" * (length - 10) + "_7"
        spec = renamed(renamed(example_specs["char_seq2seq"], "encoder_lstm", name), "char_seq2seq", name + "m")
        return name, rnndiagram.diagram(spec, **options)

    name, d = drawn(5000)
    svg, dot = d.to_svg(), d.to_dot()
    root = parse(svg)
    texts = list(root.iter("{http://www.w3.org/2000/svg}text"))
    assert max(len(t.text or "") for t in texts) <= 120
    shortened = [t for t in texts if t.text == "encoder_" + "x" * 18 + "…" + "x" * 11 + "_7"]
    assert shortened and all(t.find("s:title", NS).text == name for t in shortened)
    assert root.find("s:title", NS).text == name + "m" or options.get("cell") == "gates"
    _, short = drawn(97)
    assert root.get("viewBox") == parse(short.to_svg()).get("viewBox")

    def dot_labels(source):
        return re.findall(r'\b(?:x?label)="((?:[^"\\]|\\.)*)"', source)

    assert dot_labels(dot) == dot_labels(short.to_dot())
    words = [w for label in dot_labels(dot) for w in label.replace("\\n", " ").split()]
    assert max(map(len, words)) <= MAX_WORD
    assert f'tooltip="{name[:1000]}' in dot  # (DOT source breaks a line past 2,000 characters)


STRIPS = ("rnd-input", "rnd-init", "rnd-final", "rnd-value-strip")


@pytest.mark.parametrize("options", [{}, {"view": "both"}, {"cell": "gates"}])
def test_every_strip_and_edge_carries_its_shape(example_specs, options):
    """The page's tooltips read ``data-shape``: every strip, state arrow and edge has one,
    in every view: the shape of one step without batch (of the unrolled view, of the gate
    view, of a rolled loop's states), or the whole tensor's on the rolled view's arrows."""
    for name, spec in example_specs.items():
        root = parse(rnndiagram.diagram(spec, **options).to_svg())
        for cls in STRIPS + ("rnd-edge",):
            for g in groups(root, cls):
                shape = g.get("data-shape")
                assert shape and shape.startswith("(") and shape.endswith(")"), (name, g.get("class"), g.attrib)
    stacked = parse(rnndiagram.diagram(example_specs["seed_stacked"]).to_svg())
    assert {g.get("data-shape") for g in groups(stacked, "rnd-state")} == {"(4,)"}
    assert {g.get("data-shape") for g in groups(stacked, "rnd-input")} == {"(2,)"}
    rolled = parse(rnndiagram.diagram(example_specs["seed_stacked"], view="rolled").to_svg())
    assert "(None, 3, 4)" in {g.get("data-shape") for g in groups(rolled, "rnd-data")}
    assert {g.get("data-shape") for g in groups(rolled, "rnd-loop")} == {"(4,)"}
    gates = parse(rnndiagram.diagram(example_specs["lstm_classifier"], cell="gates").to_svg())
    assert {g.get("data-shape") for g in groups(gates, "rnd-state")} == {"(32,)"}


def _gutters(svg: str):
    """Each gutter group's ``data-layer`` and its lines, as (layer, [(class, text)])."""
    return [(g.get("data-layer"), [(t.get("class"), t.text) for t in g.iter("{http://www.w3.org/2000/svg}text")])
            for g in groups(parse(svg), "rnd-gutter")]


def test_each_layer_named_in_a_shared_gutter_is_a_group_of_its_own(example_specs):
    """A row drawn for several layers (a chain of per-step layers, pooling layers sharing a
    row) names each in its gutter: the lines about each are a group whose data-layer is that
    layer, so the page's tooltip and highlight of a line are that layer's, not the row's
    first. Each named (bold) line starts a group, and names the group's layer."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from published_models import pooled_gru

    shared = 0
    for model in (example_specs["hierarchical_attention"], pooled_gru()):
        for layer, lines in _gutters(rnndiagram.diagram(model).to_svg()):
            named = [text for cls, text in lines if cls == "rnd-gutter-name"]
            assert len(named) <= 1 and (not named or lines[0][1] == named[0]), (layer, lines)
            if named:
                assert layer is not None and named[0].split(" · ")[0] == layer, (layer, lines)
                shared += layer in ("max_pool", "sentence_attention_score", "sentences/word_attention_u")
    assert shared == 3  # one layer past the first of a shared row, a chain, a nested model's chain
