"""The interactive page (``.html``): one self-contained file holding every view's drawing,
its styles and its script, without a URL to fetch. Its behaviour in a browser is checked
by ``test_page_browser.py``."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

import rnndiagram
from rnndiagram.cli import main
from rnndiagram.page import FOLDS
from rnndiagram.render.html import layer_table

SVG_NS = "http://www.w3.org/2000/svg"


def drawings(page: str):
    return re.findall(r'<div class="rnd-drawing" ([^>]*)>', page)


def test_a_page_is_one_file_with_nothing_to_fetch(example_specs):
    page = rnndiagram.diagram(example_specs["seed_stacked"]).to_html()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert re.findall(r"https?://[^\s\"'<>)]+", page.replace(SVG_NS, "")) == []
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", page)
    assert "@import" not in page and "url(http" not in page
    for attr in ('data-action="zoom-in"', 'data-action="zoom-out"', 'data-action="fit"', 'type="search"',
                 'data-view="unrolled"', 'data-view="rolled"', 'data-view="gates"', 'class="rnd-tooltip"'):
        assert attr in page, attr
    assert [d.split('"')[1] for d in drawings(page)] == ["unrolled", "rolled", "gates"]
    assert len(page.encode()) < 200_000


def test_the_script_and_styles_are_the_packaged_ones_and_small(example_specs):
    page = rnndiagram.diagram(example_specs["seed_simple_rnn"]).to_html()
    script = page[page.rindex("<script>") + len("<script>"):page.rindex("</script>")]
    assert "addEventListener" in script and len(script.encode()) < 30_000
    assert "fetch(" not in script and "XMLHttpRequest" not in script and "import(" not in script


def test_a_fragment_for_a_notebook_and_two_pages_side_by_side(example_specs):
    one = rnndiagram.diagram(example_specs["seed_stacked"])
    two = rnndiagram.diagram(example_specs["lstm_classifier"])
    fragment = one._repr_html_()
    assert "<html" not in fragment and "<body" not in fragment and 'class="rnd-page' in fragment
    ids = re.findall(r'\bid="([^"]+)"', fragment + two.to_html(fragment=True))
    assert len(ids) == len(set(ids))  # every id scoped: two cells coexist
    assert one.to_svg() == one._repr_svg_() and "<script" not in one.to_svg()


def test_fold_toggles_where_a_fold_changes_the_drawing(example_specs):
    nested = rnndiagram.diagram(example_specs["nested_encoder"]).to_html()
    assert 'class="rnd-toggle" data-fold="nested"' in nested
    assert {d for d in drawings(nested) if 'data-nested="collapsed"' in d}
    flat = rnndiagram.diagram(example_specs["seed_stacked"]).to_html()
    assert "rnd-toggle" not in flat.split("<style>")[0] + flat.split("</style>")[1].split("<script>")[0]
    loops = rnndiagram.diagram(example_specs["attention_decoder_loop"]).to_html()
    assert 'data-fold="loops"' in loops and 'data-loops="unfolded"' in loops
    assert [f.name for f in FOLDS][:2] == ["nested", "loops"]


def test_the_layer_table_names_calls_units_states_and_parameters(example_specs):
    table = layer_table(example_specs["seed_stacked"])
    assert table["simple_rnn"]["units"] == 4 and table["simple_rnn"]["params"] == 2 * 4 + 4 * 4 + 4
    assert table["simple_rnn"]["states"] == "h (None, 4)" and table["simple_rnn"]["title"] == "SimpleRNN(4)"
    nested = layer_table(example_specs["nested_encoder"])
    assert any("/" in key for key in nested)  # the ids an expanded nested model's layers are drawn by


def test_model_supplied_names_stay_text_in_the_page(example_specs):
    from dataclasses import replace

    spec = example_specs["seed_stacked"]
    evil = replace(spec, name='</script><script>alert(1)</script>')
    page = rnndiagram.diagram(evil).to_html()
    assert "<script>alert(1)" not in page
    json.loads(re.search(r'<script type="application/json" class="rnd-layers">(.*?)</script>', page, re.S)[1])


def test_html_is_a_format_of_the_api_and_the_command_line(example_specs, tmp_path):
    d = rnndiagram.diagram(example_specs["seed_dense"])
    assert d.save(tmp_path / "a.html").read_text(encoding="utf-8") == d.to_html()
    assert d.render("html") == d.to_html().encode()
    result = CliRunner().invoke(main, ["export", "example:seed_dense", "-o", str(tmp_path / "b.htm")])
    assert result.exit_code == 0, result.output
    assert 'class="rnd-page' in (tmp_path / "b.htm").read_text(encoding="utf-8")


@pytest.mark.slow  # runs the model
def test_values_mode_draws_the_gate_view_at_every_step(example_models):
    page = rnndiagram.diagram(example_models["seed_simple_rnn"], values=True).to_html()
    steps = [re.search(r'data-step="(\d+)"', d)[1] for d in drawings(page) if 'data-view="gates"' in d]
    assert steps == ["1", "2", "3"]
    assert 'type="range"' in page and 'data-steps="1 2 3"' in page


def test_a_page_warns_of_the_drawing_asked_for_not_of_those_it_holds_unfolded(example_specs):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rnndiagram.diagram(example_specs["attention_decoder_loop"]).to_html()  # its loop unfolded is too tall
        rnndiagram.diagram(example_specs["attention_decoder_loop"], fold_loops=False).to_html()
    said = [str(w.message) for w in caught if issubclass(w.category, rnndiagram.RnnDiagramWarning)]
    assert len(said) == 1 and "over the 1,600 x 3,000 px budget" in said[0], said  # the unfolded one asked for
