"""Built documentation pages in a real browser: every diagram is displayed and legible.

Headless Chromium opens the Sphinx and MkDocs sample pages (and the gallery of docs/,
every built-in example) with a measuring script
added; each inline diagram must have a size, keep its text on its canvas, have no two
labels overlapping and keep its own theme. Screenshots are saved for a failure to be
looked at. Without Chromium the test skips, except under CI where it fails.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docs_samples.checks import copy_samples

from rnndiagram import examples

ROOT = Path(__file__).resolve().parents[1]

# Building docs/: sphinx-click and napoleon use Sphinx APIs due for removal in Sphinx 11.
pytestmark = [pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"), pytest.mark.slow]  # Chromium

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
LIGHT_BG, DARK_BG = "rgb(255, 255, 255)", "rgb(30, 31, 34)"

MEASURE = r"""
<script>
window.addEventListener('load', () => {
  const seen = [...document.querySelectorAll('svg.rnd-diagram')].map(svg => {
    const c = svg.getBoundingClientRect();
    const boxes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()
        && getComputedStyle(t).display !== 'none' && getComputedStyle(t).visibility !== 'hidden').map(t => {
      const r = t.getBoundingClientRect();
      return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom, s: t.textContent.trim().slice(0, 40)};
    });
    const outside = [], overlaps = [];
    boxes.forEach((a, i) => {
      if (a.x0 < c.left - 1 || a.y0 < c.top - 1 || a.x1 > c.right + 1 || a.y1 > c.bottom + 1) outside.push(a.s);
      boxes.slice(i + 1).forEach(b => {
        const ox = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0), oy = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
        if (ox > 1 && oy > 1) overlaps.push([a.s, b.s]);
      });
    });
    const bg = svg.querySelector('.rnd-background');
    const scale = c.width / svg.viewBox.baseVal.width, box = svg.parentElement;
    const sizes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
        .map(t => parseFloat(getComputedStyle(t).fontSize) * scale);
    return {id: svg.parentElement.id, width: c.width, height: c.height, texts: boxes.length, outside, overlaps,
            background: bg ? getComputedStyle(bg).fill : null, scale, smallest: Math.min(...sizes),
            scrolls: box.scrollWidth > box.clientWidth + 1, room: box.clientWidth};
  });
  const pre = document.createElement('pre');
  pre.id = 'rnd-measured';
  pre.style.display = 'none';
  pre.textContent = JSON.stringify(seen);
  document.body.appendChild(pre);
});
</script>
"""


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed (install Debian's chromium package)")
    return CHROMIUM


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The sample pages built by Sphinx and by MkDocs, and the gallery of the project's docs."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from sphinx.cmd.build import build_main

    samples = copy_samples(tmp_path_factory.mktemp("browser"))
    sphinx_out = samples.parent / "sphinx-html"
    assert build_main(["-q", "-b", "html", str(samples / "sphinx"), str(sphinx_out)]) == 0
    mkdocs_out = samples.parent / "mkdocs-site"
    build(load_config(str(samples / "mkdocs" / "mkdocs.yml"), site_dir=str(mkdocs_out)))
    docs_out = samples.parent / "docs-html"
    assert build_main(["-q", "-b", "html", str(ROOT / "docs"), str(docs_out)]) == 0
    return {"sphinx-index": sphinx_out / "index.html", "sphinx-second": sphinx_out / "second.html",
            "mkdocs-index": mkdocs_out / "index.html", "mkdocs-second": mkdocs_out / "second" / "index.html",
            "docs-gallery": docs_out / "gallery.html"}


def open_page(chromium: str, page: Path, shots: Path, name: str, dark: bool = False) -> list:
    """Measure the diagrams of ``page`` in headless Chromium, and save a screenshot of it."""
    probe = page.with_name(page.stem + ".measure.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             "--virtual-time-budget=3000", "--window-size=1280,1800"]
    if dark:
        flags.append("--blink-settings=preferredColorScheme=0")
    flags += [f"--user-data-dir={shots / 'profiles' / name}", f"--screenshot={shots / (name + '.png')}"]
    # The page's own timing is virtual (--virtual-time-budget); the limit only ends a browser
    # that hangs, far above any run on a busy machine.
    dom = subprocess.run(flags + ["--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=900,
                         check=False)
    found = re.search(r'<pre id="rnd-measured"[^>]*>(.*?)</pre>', dom.stdout, re.S)
    assert found, f"no measurement from Chromium for {page}: {dom.stderr[-2000:]}"
    return json.loads(html.unescape(found[1]))


@pytest.mark.parametrize("name, count", [("sphinx-index", 3), ("sphinx-second", 2), ("mkdocs-index", 3),
                                         ("mkdocs-second", 1), ("docs-gallery", len(examples.names()))])
def test_each_diagram_is_displayed_and_legible(chromium, pages, tmp_path_factory, name, count):
    shots = tmp_path_factory.mktemp("screenshots")
    seen = open_page(chromium, pages[name], shots, name)
    assert len(seen) == count, seen
    where = f"(screenshot: {shots / (name + '.png')})"
    for d in seen:
        assert d["width"] > 100 and d["height"] > 100, (d, where)
        assert d["texts"] > 5, (d, where)
        assert d["outside"] == [], (d["id"], d["outside"], where)
        assert d["overlaps"] == [], (d["id"], d["overlaps"], where)
    assert (shots / (name + ".png")).stat().st_size > 1000
    if name.endswith("index"):  # auto (light here), dark, auto: each keeps its own colours
        assert [d["background"] for d in seen] == [LIGHT_BG, DARK_BG, LIGHT_BG], where


@pytest.mark.parametrize("name", ["sphinx-index", "mkdocs-index"])
def test_the_auto_theme_follows_the_readers_dark_mode(chromium, pages, tmp_path_factory, name):
    shots = tmp_path_factory.mktemp("screenshots-dark")
    seen = open_page(chromium, pages[name], shots, name, dark=True)
    assert [d["background"] for d in seen] == [DARK_BG, DARK_BG, DARK_BG], shots


def test_two_diagrams_inlined_in_one_page_keep_their_own_colours(chromium, tmp_path):
    """``to_svg()`` pasted twice into a hand-made page (or a notebook): a light diagram after
    a dark one stays light, and the dark one stays dark."""
    from rnndiagram import diagram

    dark, light = (diagram(examples.build("seed_stacked"), theme=t).to_svg() for t in ("dark", "light"))
    page = tmp_path / "two.html"
    page.write_text(f"<!doctype html><html><body>{dark}{light}</body></html>", encoding="utf-8")
    seen = open_page(chromium, page, tmp_path, "two")
    assert [d["background"] for d in seen] == [DARK_BG, LIGHT_BG], tmp_path / "two.png"
    assert all(d["overlaps"] == [] and d["outside"] == [] for d in seen)


WIDE_RST = """\
Wide
====

.. rnndiagram:: example:lstm_classifier
   :view: both

.. rnndiagram:: example:lstm_classifier
   :cell: gates
   :values:

.. rnndiagram:: example:lstm_classifier
   :cell: gates
   :values:
   :width: fit
"""
WIDE_MD = "".join(f"```rnndiagram\nsource: example:lstm_classifier\n{keys}```\n\n" for keys in (
    "view: both\n", "cell: gates\nvalues: true\n", "cell: gates\nvalues: true\nwidth: fit\n"))


@pytest.fixture(scope="module")
def wide_pages(tmp_path_factory):
    """A Sphinx and an MkDocs page of drawings wider than their text column."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from sphinx.cmd.build import build_main

    root = tmp_path_factory.mktemp("wide")
    (root / "sphinx").mkdir()
    (root / "sphinx" / "conf.py").write_text('extensions = ["rnndiagram.sphinxext"]\n')
    (root / "sphinx" / "index.rst").write_text(WIDE_RST)
    assert build_main(["-q", "-W", "-b", "html", str(root / "sphinx"), str(root / "sphinx-html")]) == 0
    (root / "mkdocs" / "docs").mkdir(parents=True)
    (root / "mkdocs" / "mkdocs.yml").write_text("site_name: wide\nplugins:\n  - rnndiagram\n")
    (root / "mkdocs" / "docs" / "index.md").write_text("# Wide\n\n" + WIDE_MD)
    build(load_config(str(root / "mkdocs" / "mkdocs.yml"), site_dir=str(root / "mkdocs-site"), strict=True))
    return {"sphinx": root / "sphinx-html" / "index.html", "mkdocs": root / "mkdocs-site" / "index.html"}


@pytest.mark.parametrize("name", ["sphinx", "mkdocs"])
def test_wide_drawings_stay_legible_and_scroll_with_a_link_to_the_drawing_alone(chromium, wide_pages, tmp_path,
                                                                                 name):
    """``view: both`` (about 1,500 px) and a gate view with values (about 1,900 px) in a text
    column of 660-750 px: shrunk no further than 80% (text 7 px or more), the rest scrolls;
    ``width: fit`` still shrinks to the column."""
    from rnndiagram.docs_common import MIN_SCALE

    both, gates, fit = seen = open_page(chromium, wide_pages[name], tmp_path, name)
    where = f"(screenshot: {tmp_path / (name + '.png')})"
    for d in (both, gates):
        assert d["scale"] >= MIN_SCALE - 0.01 and d["smallest"] >= 7, (d, where)
        assert d["scrolls"] and d["room"] < d["width"], (d, where)
    assert fit["scale"] < 0.5 and not fit["scrolls"], (fit, where)
    assert all(d["overlaps"] == [] and d["outside"] == [] for d in seen), where
    page = wide_pages[name].read_text(encoding="utf-8")
    links = re.findall(r'<p class="rnndiagram-full-size"><a href="([^"]+)">', page)
    assert len(links) == 3 and len(set(links)) == 2, links
    for link in links:
        assert (wide_pages[name].parent / link).read_text(encoding="utf-8").startswith("<svg"), link
