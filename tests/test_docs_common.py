"""The core shared by the documentation plugins, without a Sphinx or MkDocs build."""

from __future__ import annotations

import warnings

import pytest

from rnndiagram.docs_common import DiagramCache, options_from
from rnndiagram.errors import OptionError, RnnDiagramWarning
from rnndiagram.options import DiagramOptions

TOO_MANY_TOKENS = " ".join("abcdefghij")  # seed_stacked has 3 timesteps


def test_a_drawing_keeps_its_warnings_and_a_rebuild_from_the_cache_reports_them_again(tmp_path):
    cache = DiagramCache(tmp_path / "cache")
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        first = cache.draw("example:seed_stacked", {"step": 2, "tokens": TOO_MANY_TOKENS})
        again = cache.draw("example:seed_stacked", {"step": 2, "tokens": TOO_MANY_TOKENS})
    assert not [w for w in shown if issubclass(w.category, RnnDiagramWarning)]  # said by the plugin instead
    step, tokens = first.warnings
    assert step.startswith("step (--step) is the timestep the gate view draws")
    assert tokens.startswith("10 tokens were given for 3 timesteps; the last 7 ('d', 'e', 'f', ...)")
    assert again == first and len(cache.renders()) == 1  # drawn once, warned of twice
    assert cache.draw("example:seed_stacked", {}).warnings == ()


def test_a_cache_without_the_warnings_of_a_drawing_draws_it_again(tmp_path):
    cache = DiagramCache(tmp_path)
    key = cache.draw("example:seed_stacked", {"tokens": TOO_MANY_TOKENS}).key
    (tmp_path / f"{key}.warnings.txt").unlink()
    assert len(cache.draw("example:seed_stacked", {"tokens": TOO_MANY_TOKENS}).warnings) == 1
    assert len(cache.renders()) == 2
    assert sorted(cache.prune(set())) == [f"{key}.svg", f"{key}.warnings.txt"]


def test_other_warnings_raised_while_drawing_are_shown_once_also_when_drawing_fails(tmp_path, monkeypatch):
    def draw(self, source, options):
        warnings.warn("from Keras", UserWarning, stacklevel=2)
        warnings.warn("from us", RnnDiagramWarning, stacklevel=2)
        raise OptionError("no drawing")

    monkeypatch.setattr(DiagramCache, "_draw", draw)
    with warnings.catch_warnings(record=True) as shown, pytest.raises(OptionError, match="no drawing"):
        warnings.simplefilter("always")
        DiagramCache(tmp_path).draw("example:seed_stacked", {})
    assert [(w.category, str(w.message)) for w in shown] == [(UserWarning, "from Keras")]


@pytest.mark.parametrize("block, site, expected", [
    ({"cell": "gates"}, {"view": "rolled"}, {"cell": "gates"}),
    ({"cell": "gates"}, {"view": "both", "step": 2}, {"cell": "gates", "step": 2}),
    ({"view": "rolled"}, {"cell": "gates", "step": 3, "tokens": "a b"}, {"view": "rolled"}),
    ({"view": "both"}, {"cell": "gates", "tokens": "a b"}, {"view": "both", "tokens": ("a", "b")}),
    ({"cell": "gates"}, {"tokens": "a b", "max_timesteps": 3}, {"cell": "gates", "max_timesteps": 3}),
    ({}, {"view": "rolled", "step": 2}, {"view": "rolled"}),
    ({"step": 2}, {}, {"step": 2}),  # the block's own option stays, and is warned of
    ({"cell": "gates", "view": "rolled"}, {}, {"cell": "gates", "view": "rolled"}),  # the block's own conflict
    ({"expand_nested": None}, {"expand_nested": False}, {"expand_nested": None}),
])
def test_a_blocks_own_options_win_over_the_site_defaults_that_do_not_go_with_them(block, site, expected):
    assert options_from(block, site) == expected


def test_options_from_the_defaults_of_both_plugins_with_cell_gates_make_valid_options():
    from rnndiagram.sphinxext import CONFIG

    site = {name: default for name, default, _ in CONFIG} | {"view": "rolled", "step": 2}
    chosen = DiagramOptions.from_kwargs(**options_from({"cell": "gates"}, site))
    assert (chosen.view, chosen.cell, chosen.step) == ("unrolled", "gates", 2)


@pytest.mark.parametrize("argument, expected", [
    (None, True), ("no", False), ("auto", None), ("Default", None), (" AUTO ", None)])
def test_sphinx_expand_nested_takes_a_flag_or_auto_for_the_default(argument, expected):
    from rnndiagram.sphinxext import RnnDiagramDirective

    assert RnnDiagramDirective.option_spec["expand-nested"](argument) is expected


def test_sphinx_expand_nested_names_auto_among_the_words_it_takes():
    from rnndiagram.sphinxext import RnnDiagramDirective

    with pytest.raises(ValueError, match="expected nothing, yes, no or auto; got 'perhaps'"):
        RnnDiagramDirective.option_spec["expand-nested"]("perhaps")


WIDE = ('<svg xmlns="http://www.w3.org/2000/svg" id="rnd-0123abcd" viewBox="0 0 1500 300" width="1500" '
        'height="300" aria-labelledby="x"><title id="rnd-0123abcd-title">m</title></svg>')


@pytest.mark.parametrize("width, div, svg", [
    ("auto", ' style="overflow-x:auto"', "max-width:100%;height:auto;min-width:1200px"),
    ("natural", ' style="overflow-x:auto"', "max-width:100%;height:auto;min-width:1500px"),
    ("fit", "", "max-width:100%;height:auto"),
])
def test_a_wide_drawing_shrinks_no_further_than_legible_and_scrolls(width, div, svg):
    from rnndiagram.docs_common import inline_svg

    made = inline_svg(WIDE, "rnd-1", "alt", width)
    assert made.startswith(f'<div class="rnndiagram" id="rnd-1"{div}>\n<svg style="{svg}" ')
    with pytest.raises(ValueError, match="width must be one of auto, fit, natural"):
        inline_svg(WIDE, "rnd-1", "alt", "wide")


def test_a_figure_links_to_the_drawing_alone_when_asked():
    from rnndiagram.docs_common import figure_html, is_wide

    assert is_wide(WIDE) and not is_wide(WIDE.replace('width="1500"', 'width="700"'))
    made = figure_html(WIDE, "rnd-1", "alt", "A <caption>", full_size="../assets/rnndiagram/k.svg")
    assert ('</div>\n<p class="rnndiagram-full-size"><a href="../assets/rnndiagram/k.svg">Open the drawing at full '
            'size (SVG)</a></p>\n<figcaption>A &lt;caption&gt;</figcaption>\n</figure>') in made
    assert "rnndiagram-full-size" not in figure_html(WIDE, "rnd-1", "alt")


def test_an_interactive_drawing_stores_its_page_once_and_is_pruned_with_it(tmp_path):
    from rnndiagram.docs_common import figure_html, inline_page

    cache = DiagramCache(tmp_path)
    key = cache.draw("example:seed_stacked", {}).key
    assert not (tmp_path / f"{key}.page.html").exists()
    assert cache.draw("example:seed_stacked", {}, interactive=True).key == key
    assert cache.draw("example:seed_stacked", {}, interactive=True).key == key
    assert [line.split()[0] for line in cache.renders()] == ["svg", "page"]
    page = cache.page(key)
    assert 'class="rnd-page' in page and "<html" not in page
    one, two = inline_page(page, "rnd-a"), inline_page(page, "rnd-b")
    assert 'id="rnd-a-page"' in one and 'id="rnd-b-page"' in two  # the same page twice on a document
    figure = figure_html(cache.svg(key), "rnd-c", "alt", "A caption", page=page)
    assert 'id="rnd-c-page"' in figure and "<figcaption>A caption</figcaption>" in figure
    assert sorted(cache.prune(set())) == [f"{key}.page.html", f"{key}.svg", f"{key}.warnings.txt"]
