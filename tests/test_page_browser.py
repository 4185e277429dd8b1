"""The interactive page in a real browser: Playwright drives the system's Chromium (never a
downloaded one) through pages of several examples and checks each behaviour the README
promises: zoom, tooltips, paths, search, fold toggles, views, the time slider; no request
and no console error. Screenshots are saved beside each page to be looked at. Without
Chromium or Playwright the tests skip, except under CI where they fail."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import rnndiagram

pytestmark = pytest.mark.slow  # a browser

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOWN = ".rnd-drawing:not([hidden])"


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed; .ci/run installs it")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright (pip install -e '.[test]')")
    if CHROMIUM is None:
        _missing("Chromium (Debian's chromium package)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Opened:
    """A page open in the browser, with what it asked the network for and logged as errors."""

    def __init__(self, browser, path: Path):
        self.path, self.errors, self.requests = path, [], []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())

    def shown(self, selector: str):
        return self.page.locator(f"{SHOWN} {selector}")

    def point(self, locator, click: bool = False):
        box = locator.bounding_box()
        assert box is not None, locator
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        (self.page.mouse.click if click else self.page.mouse.move)(x, y)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.path.with_name(f"{self.path.stem}-{name}.png")))

    def close(self) -> None:
        assert self.errors == [], self.errors
        assert self.requests == [self.path.as_uri()], self.requests  # the file itself, nothing else
        self.page.close()


def open_page(browser, tmp_path: Path, diagram, name: str) -> Opened:
    path = tmp_path / f"{name}.html"
    diagram.save(path)
    return Opened(browser, path)


@pytest.mark.parametrize("name", ["seed_stacked", "stacked_bidirectional_lstm", "char_seq2seq"])
def test_zoom_tooltips_paths_search_and_views(browser, tmp_path, example_specs, name):
    spec = example_specs[name]
    o = open_page(browser, tmp_path, rnndiagram.diagram(spec), name)
    page = o.page
    assert page.get_attribute(".rnd-page", "data-view") == "unrolled"
    o.shot("opened")

    cell = o.shown("g.rnd-cell").first
    before = cell.bounding_box()["width"]
    page.click("[data-action=zoom-in]")
    assert cell.bounding_box()["width"] > before * 1.2
    page.focus(".rnd-page")
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert cell.bounding_box()["width"] < before
    page.click("[data-action=fit]")
    assert cell.bounding_box()["width"] == pytest.approx(before, rel=0.01)
    page.mouse.move(640, 500)
    page.mouse.wheel(0, -200)
    assert cell.bounding_box()["width"] > before

    page.keyboard.press("0")
    strip = o.shown("g.rnd-state[data-shape]:has(.rnd-strip-frame)").first
    o.point(strip)
    tip = page.locator(".rnd-tooltip")
    assert tip.is_visible() and f"shape {strip.get_attribute('data-shape')}" in tip.inner_text()
    assert strip.get_attribute("data-layer") in tip.inner_text()
    o.point(cell)
    assert "parameters" in tip.inner_text() and "units" in tip.inner_text()
    o.shot("tooltip")

    layer = cell.get_attribute("data-layer")
    o.point(cell, click=True)
    marked = o.shown(".rnd-highlight")
    assert marked.count() > 1 and o.shown(f'g.rnd-cell.rnd-highlight[data-layer="{layer}"]').count() == \
        o.shown(f'g.rnd-cell[data-layer="{layer}"]').count()
    assert {marked.nth(i).get_attribute("data-layer") for i in range(marked.count())} == {layer}
    o.shot("recurrence")
    page.keyboard.press("Escape")
    assert page.locator(".rnd-highlight").count() == 0

    o.point(o.shown("g.rnd-input").first, click=True)
    up = o.shown("g.rnd-cell.rnd-highlight")
    layers = {up.nth(i).get_attribute("data-layer") for i in range(up.count())}
    assert spec.recurrent_layers[0].id in layers  # the way up from the first input step
    if name == "seed_stacked":
        assert layers == {"simple_rnn", "simple_rnn_1"} and up.count() == 2  # step 1 of each layer
    assert o.shown("g.rnd-edge.rnd-highlight").count() >= 1
    o.shot("path")
    page.keyboard.press("Escape")

    target = spec.recurrent_layers[-1]
    page.fill("input[type=search]", target.name)
    found = o.shown(".rnd-match")
    assert found.count() >= 1
    assert all(target.name in (found.nth(i).get_attribute("data-layer") or "") for i in range(found.count()))
    o.shot("search")
    page.press("input[type=search]", "Enter")  # by keyboard: what a click on the first match does
    assert o.shown(f'g.rnd-highlight[data-layer="{found.first.get_attribute("data-layer")}"]').count() >= 1
    page.press("input[type=search]", "Escape")
    assert page.locator(".rnd-highlight").count() == 0 and page.input_value("input[type=search]") == ""
    assert page.locator(".rnd-match").count() == 0

    page.click("button[data-view=rolled]")
    assert page.locator(SHOWN).get_attribute("data-view") == "rolled"
    assert page.get_attribute("button[data-view=rolled]", "aria-pressed") == "true"
    o.shot("rolled")
    rolled = o.shown("g.rnd-cell.rnd-rolled").first
    opened = rolled.get_attribute("data-layer")
    o.point(rolled, click=True)
    assert page.locator(SHOWN).get_attribute("data-view") == "gates"
    assert o.shown(f'g.rnd-cell.rnd-gates.rnd-highlight[data-layer="{opened}"]').count() >= 1
    o.shot("gates")
    page.click("button[data-view=unrolled]")
    assert page.locator(SHOWN).get_attribute("data-view") == "unrolled"
    o.close()


def test_fold_toggles_collapse_and_expand(browser, tmp_path, example_specs):
    o = open_page(browser, tmp_path, rnndiagram.diagram(example_specs["nested_encoder"]), "nested_encoder")
    page = o.page
    nested = o.shown("g.rnd-nested-model").count()
    boxes = o.shown("g[data-layer]").count()
    assert nested >= 1
    toggle = page.locator(".rnd-toolbar .rnd-toggle[data-fold=nested]")
    toggle.click()
    assert page.locator(SHOWN).get_attribute("data-nested") == "collapsed"
    assert toggle.get_attribute("aria-pressed") == "true"
    assert o.shown("g.rnd-nested-model").count() == 0 and o.shown("g[data-layer]").count() < boxes
    o.shot("collapsed")
    toggle.click()
    minus = o.shown("g.rnd-toggle[data-fold=nested]")  # in place, on the nested model's frame
    assert minus.count() == nested and "collapse encoder" == minus.first.get_attribute("aria-label")
    o.point(minus.first, click=True)
    assert page.locator(SHOWN).get_attribute("data-nested") == "collapsed"
    plus = o.shown("g.rnd-toggle[data-fold=nested]")
    assert plus.count() == 1 and plus.first.get_attribute("aria-label") == "expand encoder"
    plus.first.focus()
    page.keyboard.press("Enter")
    assert page.locator(SHOWN).get_attribute("data-nested") == "expanded"
    toggle.click()
    page.click("button[data-view=rolled]")
    assert page.locator(SHOWN).get_attribute("data-nested") == "collapsed"
    toggle.click()
    assert page.locator(SHOWN).get_attribute("data-nested") == "expanded"
    o.close()

    o = open_page(browser, tmp_path, rnndiagram.diagram(example_specs["attention_decoder_loop"]), "loops")
    gutters = o.shown("g.rnd-gutter").count()
    o.page.locator(".rnd-toolbar .rnd-toggle[data-fold=loops]").click()
    assert o.page.locator(SHOWN).get_attribute("data-loops") == "unfolded"
    assert o.shown("g.rnd-gutter").count() > gutters  # a row per call, not one row over the calls
    o.shot("unfolded")
    fold = o.shown("g.rnd-toggle[data-fold=loops]")  # in place, before the loop's row name
    assert fold.count() == 1 and fold.first.get_attribute("aria-label") == "fold the loop of post_attention_lstm"
    o.page.click("[data-action=fit]")
    o.point(fold.first, click=True)
    assert o.page.locator(SHOWN).get_attribute("data-loops") == "folded"
    assert o.shown("g.rnd-toggle[data-fold=loops]").first.get_attribute("aria-label").startswith("unfold")
    o.close()

    o = open_page(browser, tmp_path, rnndiagram.diagram(example_specs["deep_bidirectional_gru"]), "repeats")
    assert o.page.locator(SHOWN).get_attribute("data-repeats") == "folded"
    cells = o.shown("g.rnd-cell").count()
    unfold = o.shown("g.rnd-toggle[data-fold=repeats]")  # in place, on the frame of the run drawn once
    assert unfold.count() == 1
    assert unfold.first.get_attribute("aria-label") == "draw every block of × 5  bidirectional_1 … bidirectional_5"
    o.page.click("[data-action=fit]")
    o.point(unfold.first, click=True)
    assert o.page.locator(SHOWN).get_attribute("data-repeats") == "unfolded"
    assert o.shown("g.rnd-cell").count() == 5 * cells  # every block's cells
    o.page.locator(".rnd-toolbar .rnd-toggle[data-fold=repeats]").click()
    assert o.page.locator(SHOWN).get_attribute("data-repeats") == "folded"
    o.close()


def test_two_pages_in_one_document_work_apart(browser, tmp_path, example_specs):
    one = rnndiagram.diagram(example_specs["seed_stacked"]).to_html(fragment=True)
    two = rnndiagram.diagram(example_specs["lstm_classifier"]).to_html(fragment=True)
    path = tmp_path / "two.html"
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{one}{two}</body></html>",
                    encoding="utf-8")
    o = Opened(browser, path)
    first, second = o.page.locator(".rnd-page").nth(0), o.page.locator(".rnd-page").nth(1)
    first.locator("button[data-view=rolled]").click()
    assert first.locator(SHOWN).get_attribute("data-view") == "rolled"
    assert second.locator(SHOWN).get_attribute("data-view") == "unrolled"
    o.close()


def test_the_time_slider_steps_the_gate_view_and_moves_a_heatmap_marker(browser, tmp_path, example_models):
    d = rnndiagram.diagram(example_models["seed_simple_rnn"], values=True)
    o = open_page(browser, tmp_path, d, "values")
    page = o.page
    slider = page.locator("input[type=range]")
    assert slider.get_attribute("data-steps") == "1 2 3"
    # A heatmap (rnd-heatmap, one element per step with data-t), as values drawings may carry.
    page.evaluate("""() => {
      const svg = document.querySelector('.rnd-drawing[data-view=unrolled] svg');
      const g = document.createElementNS('http://www.w3.org/2000/svg', 'g');
      g.setAttribute('class', 'rnd-heatmap');
      [1, 2, 3].forEach(t => {
        const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
        r.setAttribute('data-t', String(t)); r.setAttribute('x', 20 * t); r.setAttribute('y', 5);
        r.setAttribute('width', 18); r.setAttribute('height', 10); g.appendChild(r);
      });
      svg.appendChild(g);
    }""")
    slider.fill("0")
    assert page.locator(".rnd-step").inner_text() == "1"
    marker = page.locator(".rnd-heatmap .rnd-time-marker")
    assert marker.count() == 1 and float(marker.get_attribute("x")) == pytest.approx(19)
    assert o.shown('g.rnd-cell.rnd-current[data-t="1"]').count() >= 1
    page.click("button[data-view=gates]")
    first = page.locator(SHOWN)
    assert first.get_attribute("data-step") == "1"
    numbers = first.locator("text").evaluate_all("ts => ts.map(t => t.textContent)")
    o.shot("step1")
    slider.fill("2")
    shown = page.locator(SHOWN)
    assert shown.get_attribute("data-step") == "3"
    assert shown.locator("text").evaluate_all("ts => ts.map(t => t.textContent)") != numbers
    o.shot("step3")
    page.click("button[data-view=unrolled]")
    assert float(page.locator(".rnd-heatmap .rnd-time-marker").get_attribute("x")) == pytest.approx(59)
    o.close()


def test_dark_theme_and_print(browser, tmp_path, example_specs):
    o = open_page(browser, tmp_path, rnndiagram.diagram(example_specs["lstm_classifier"], theme="dark"), "dark")
    page = o.page
    assert page.evaluate("getComputedStyle(document.querySelector('.rnd-page')).backgroundColor") == "rgb(30, 31, 34)"
    page.emulate_media(media="print")
    assert page.locator(".rnd-toolbar").is_hidden()
    assert page.evaluate("getComputedStyle(document.querySelector('.rnd-canvas')).transform") == "none"
    o.shot("print")
    o.close()


def test_every_example_exports_a_working_page(browser, tmp_path, example_specs):
    """Each example's page: every view shows, zooms, gives a tooltip with a shape, and
    search marks the layer of its first cell; every toggle switches; no request, no error."""
    for name, spec in example_specs.items():
        o = open_page(browser, tmp_path, rnndiagram.diagram(spec), name)
        page = o.page
        for view in page.locator(".rnd-toolbar button[data-view]").evaluate_all(
                "bs => bs.map(b => b.getAttribute('data-view'))"):
            page.click(f"button[data-view={view}]")
            shown = page.locator(SHOWN)
            assert shown.count() == 1 and shown.get_attribute("data-view") == view, (name, view)
            svg = page.locator(f"{SHOWN} svg")
            before = svg.bounding_box()["width"]
            page.click("[data-action=zoom-in]")
            assert svg.bounding_box()["width"] > before * 1.2, (name, view)
            page.click("[data-action=fit]")
            shaped = o.shown("g[data-shape]:has(rect)").first
            if view != "gates" or shaped.count():
                o.point(shaped)
                assert f"shape {shaped.get_attribute('data-shape')}" in page.locator(".rnd-tooltip").inner_text(), \
                    (name, view)
            layer = o.shown("g.rnd-cell[data-layer]").first.get_attribute("data-layer")
            page.fill("input[type=search]", layer)
            assert o.shown(".rnd-match").count() >= 1, (name, view, layer)
            page.fill("input[type=search]", "")
        page.click("button[data-view=unrolled]")
        for toggle in page.locator(".rnd-toolbar .rnd-toggle").all():
            fold = toggle.get_attribute("data-fold")
            first = page.locator(SHOWN).get_attribute(f"data-{fold}")
            toggle.click()
            assert page.locator(SHOWN).get_attribute(f"data-{fold}") != first, (name, fold)
        o.close()


def test_interactive_pages_in_sphinx_and_mkdocs_sites(browser, tmp_path):
    """Two interactive diagrams on one documentation page, under each tool's own theme:
    each is set up apart, draws at its size, and zooms; no request, no console error."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from sphinx.cmd.build import build_main

    sphinx = tmp_path / "sphinx"
    sphinx.mkdir()
    (sphinx / "conf.py").write_text('extensions = ["rnndiagram.sphinxext"]\nrnndiagram_interactive = True\n')
    (sphinx / "index.rst").write_text("Two\n===\n\n.. rnndiagram:: example:seed_stacked\n\n"
                                      ".. rnndiagram:: example:lstm_classifier\n   :caption: Second\n")
    assert build_main(["-q", "-b", "html", str(sphinx), str(tmp_path / "sphinx-html")]) == 0
    mkdocs = tmp_path / "mkdocs"
    (mkdocs / "docs").mkdir(parents=True)
    (mkdocs / "mkdocs.yml").write_text(  # a theme that fetches nothing (the default one loads highlight.js)
        "site_name: two\ntheme:\n  name: readthedocs\n  highlightjs: false\n"
        "plugins:\n  - rnndiagram:\n      interactive: true\n")
    (mkdocs / "docs" / "index.md").write_text("# Two\n\n```rnndiagram\nsource: example:seed_stacked\n```\n\n"
                                              "```rnndiagram\nsource: example:lstm_classifier\n```\n")
    build(load_config(str(mkdocs / "mkdocs.yml"), site_dir=str(mkdocs / "site")))
    for page in (tmp_path / "sphinx-html" / "index.html", mkdocs / "site" / "index.html"):
        o = Opened(browser, page)
        o.requests = [r for r in o.requests if r.startswith(page.parent.as_uri())]  # the site's own files
        first, second = o.page.locator(".rnd-page").nth(0), o.page.locator(".rnd-page").nth(1)
        assert o.page.locator(".rnd-page").count() == 2
        cell = first.locator(f"{SHOWN} g.rnd-cell").first
        assert cell.bounding_box()["width"] > 30
        before = cell.bounding_box()["width"]
        first.locator("[data-action=zoom-in]").click()
        assert cell.bounding_box()["width"] > before * 1.2
        second.locator("button[data-view=rolled]").click()
        assert second.locator(SHOWN).get_attribute("data-view") == "rolled"
        assert first.locator(SHOWN).get_attribute("data-view") == "unrolled"
        o.shot("site")
        assert o.errors == []
        assert all(r.startswith("file:") for r in o.requests)
        o.page.close()


def test_a_rolled_cell_opens_the_gate_figure_it_shares_with_its_twin(browser, tmp_path):
    import keras
    from keras import layers

    inputs = keras.Input((5, 3))
    forward = layers.GRU(4, return_sequences=True, name="gru_a")(inputs)
    backward = layers.GRU(4, return_sequences=True, go_backwards=True, name="gru_b")(inputs)
    model = keras.Model(inputs, layers.Add()([forward, backward]))
    o = open_page(browser, tmp_path, rnndiagram.diagram(model, view="rolled"), "twins")
    page = o.page
    o.point(o.shown('g.rnd-cell.rnd-rolled[data-layer="gru_b"]'), click=True)
    assert page.locator(SHOWN).get_attribute("data-view") == "gates"
    assert o.shown('g.rnd-cell.rnd-gates.rnd-highlight[data-also="gru_b"]').count() == 1
    o.close()
