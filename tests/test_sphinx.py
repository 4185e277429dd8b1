"""The Sphinx extension: real sphinx-build runs on the sample project and on docs/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("sphinx")

from docs_samples.checks import copy_samples, diagrams, figcaptions  # noqa: E402
from sphinx.cmd.build import build_main  # noqa: E402

from rnndiagram import examples, inspect  # noqa: E402
from rnndiagram.docs_common import RENDER_LOG  # noqa: E402
from rnndiagram.labels import model_sentence  # noqa: E402
from rnndiagram.views import unrolled  # noqa: E402

pytestmark = pytest.mark.slow  # whole Sphinx builds

ROOT = Path(__file__).resolve().parents[1]
STACKED_ALT = model_sentence(inspect(examples.build("seed_stacked")), unrolled.HOW)


def sphinx_build(src: Path, out: Path, *args: str, builder: str = "html"):
    """``sphinx-build`` in this process (Keras is imported once for all builds).

    Doctrees, and so the diagram cache, are shared by the builds of one test.
    """
    warnings = out.with_name(out.name + "-warnings.txt")
    code = build_main(["-q", "-b", builder, "-d", str(out.parent / "doctrees"), "-w", str(warnings),
                       *args, str(src), str(out)])
    return code, warnings.read_text(encoding="utf-8") if warnings.exists() else ""


def renders(out: Path):
    log = out.parent / "doctrees" / "rnndiagram" / RENDER_LOG
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    samples = copy_samples(tmp_path_factory.mktemp("sphinx"))
    out = samples.parent / "html"
    code, warnings = sphinx_build(samples / "sphinx", out)
    assert code == 0 and not warnings, warnings
    return samples, out


def test_html_has_each_diagram_inline_with_its_caption_and_alt(built):
    _, out = built
    page = (out / "index.html").read_text(encoding="utf-8")
    first, dark, own = diagrams(page)
    assert [first.count("rnd-cell"), dark.count("rnd-cell"), own.count("rnd-cell")] == [6, 6, 2]
    assert first.title == STACKED_ALT and "source" not in first.title
    assert dark.title == "The stacked model again, in the dark theme"
    assert own.title.startswith("Diagram of the Keras model sample_gru unrolled in time: a GRU of 4 units")
    assert (first.theme, dark.theme, own.theme) == ("rnd-theme-auto", "rnd-theme-dark", "rnd-theme-auto")
    caption, = figcaptions(page)
    assert caption.endswith(" Two stacked SimpleRNN layers &amp; &lt;their&gt; states")
    assert '<figure class="rnndiagram-figure align-default" id="stacked">' in page
    assert 'href="#stacked"' in page and caption.split(" Two")[0] in page.split("<figure")[0]  # :ref:, :numref:
    assert "align-center" in page and "The end of the page." in page
    assert [t.text for t in own.root.iter("{http://www.w3.org/2000/svg}text") if t.text in "abcde"] != []
    second, module_form = diagrams((out / "second.html").read_text(encoding="utf-8"))
    assert second.count("rnd-cell") == 3 and second.count("rnd-box") == 3
    assert module_form.title.startswith("Diagram of the Keras model seed_dense unrolled in time")


def test_an_unchanged_rebuild_draws_nothing_and_a_changed_model_is_redrawn(built, tmp_path):
    samples = copy_samples(tmp_path)
    out = tmp_path / "html"
    assert sphinx_build(samples / "sphinx", out) == (0, "")
    first = renders(out)
    assert len(first) == 5 and all(line.startswith("svg ") for line in first)

    assert sphinx_build(samples / "sphinx", out, "-E") == (0, "")  # re-reads every page
    assert renders(out) == first
    assert len(diagrams((out / "index.html").read_text(encoding="utf-8"))) == 3

    model = samples / "models.py"
    model.write_text(model.read_text().replace("UNITS = 4", "UNITS = 6"))
    later = time.time() + 5
    os.utime(model, (later, later))
    assert sphinx_build(samples / "sphinx", out) == (0, "")  # no -E: the page depends on models.py
    again = renders(out)
    assert len(again) == 6 and again[:5] == first and again[5].endswith("models.py:build")
    own = diagrams((out / "index.html").read_text(encoding="utf-8"))[2]
    assert "a GRU of 6 units" in own.title


def test_text_builder_prints_the_alt_text(built):
    samples, html = built
    out = html.parent / "text"
    assert sphinx_build(samples / "sphinx", out, builder="text") == (0, "")
    text = " ".join((out / "index.txt").read_text(encoding="utf-8").split())
    assert STACKED_ALT in text and "The stacked model again, in the dark theme" in text
    assert "<svg" not in text
    assert len(renders(html)) == 5  # the text build found every drawing in the cache


def test_latex_builder_includes_a_pdf_per_diagram(built):
    samples, html = built
    out = html.parent / "latex"
    assert sphinx_build(samples / "sphinx", out, builder="latex") == (0, "")
    tex = next(out.glob("*.tex")).read_text(encoding="utf-8")
    keys = [line.split()[1] for line in renders(html) if line.startswith("svg ")]
    for key in keys:
        assert f"\\sphinxincludegraphics[]{{rnndiagram-{key}.pdf}}" in tex
        assert (out / f"rnndiagram-{key}.pdf").read_bytes().startswith(b"%PDF")
    assert "\\caption{Two stacked SimpleRNN layers \\& \\textless{}their\\textgreater{} states}" in tex
    assert "\\label{\\detokenize{index:stacked}}" in tex


BROKEN = """\
Broken
======

.. rnndiagram:: example:no_such_model

.. rnndiagram:: missing/model.keras
   :caption: never drawn

The page goes on after the failures.
"""


def test_a_failing_source_is_a_warning_with_its_location_and_fails_under_W(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["rnndiagram.sphinxext"]\n')
    (src / "index.rst").write_text(BROKEN)
    code, warnings = sphinx_build(src, tmp_path / "html")
    assert code == 0
    lines = warnings.strip().splitlines()
    assert len(lines) == 2
    assert f"{src / 'index.rst'}:4: WARNING: rnndiagram: cannot draw example:no_such_model: no built-in " \
           f"example 'no_such_model'" in lines[0]
    assert f"{src / 'index.rst'}:6: WARNING: rnndiagram: cannot draw missing/model.keras: no such file" in lines[1]
    assert "The page goes on after the failures." in (tmp_path / "html" / "index.html").read_text()

    code, warnings = sphinx_build(src, tmp_path / "strict", "-W", "-E")
    assert code != 0 and "no_such_model" in warnings


def test_parallel_build(tmp_path):
    """``-j 2`` in a real sphinx-build process: spec JSON sources, so no worker imports Keras."""
    src = tmp_path / "src"
    (src / "specs").mkdir(parents=True)
    names = ["seed_simple_rnn", "seed_dense", "seed_return_sequences", "seed_stacked"]
    (src / "conf.py").write_text('extensions = ["rnndiagram.sphinxext"]\n')
    (src / "index.rst").write_text("Parallel\n========\n\n.. toctree::\n\n" +
                                   "".join(f"   {n}\n" for n in names))
    for name in names:
        (src / "specs" / f"{name}.json").write_text(inspect(examples.build(name)).to_json())
        (src / f"{name}.rst").write_text(f"{name}\n{'=' * len(name)}\n\n.. rnndiagram:: specs/{name}.json\n")
    out = tmp_path / "html"
    run = subprocess.run([sys.executable, "-m", "sphinx", "--no-color", "-j", "2", "-W", "-b", "html", "-d",
                          str(tmp_path / "doctrees"), str(src), str(out)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    # Chunks of documents ("a .. b") are what Sphinx hands to its worker processes.
    assert re.search(r"reading sources\.\.\. \[ *\d+%\] \S+ \.\. \S+", run.stdout), run.stdout
    for name in names:
        drawn, = diagrams((out / f"{name}.html").read_text(encoding="utf-8"))
        assert drawn.title.startswith(f"Diagram of the Keras model {name} unrolled in time")
    assert len(renders(out)) == 4


# sphinx-click and napoleon use Sphinx APIs due for removal in Sphinx 11; not ours to fix.
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_project_docs_build_without_warnings(tmp_path):
    out = tmp_path / "html"
    code, warnings = sphinx_build(ROOT / "docs", out, "-W")
    assert code == 0 and not warnings, warnings
    gallery = (out / "gallery.html").read_text(encoding="utf-8")
    assert len(diagrams(gallery)) == len(examples.names())
    cli = (out / "cli.html").read_text(encoding="utf-8")
    for command in ("export", "inspect", "examples", "gallery"):
        assert f"rnndiagram {command}" in cli
    api = (out / "api.html").read_text(encoding="utf-8")
    for name in ("rnndiagram.diagram", "rnndiagram.Diagram", "rnndiagram.DiagramOptions", "rnndiagram.inspect",
                 "rnndiagram.ModelSpec", "rnndiagram.RnnDiagramError"):
        assert f'id="{name}"' in api, name
    for page in ("index", "getting-started", "sphinx", "mkdocs", "spec"):
        assert (out / f"{page}.html").is_file()


def tiny_project(src: Path, page: str) -> Path:
    src.mkdir(exist_ok=True)
    (src / "conf.py").write_text('extensions = ["rnndiagram.sphinxext"]\n')
    (src / "index.rst").write_text("Tiny\n====\n\n" + page)
    return src


def test_a_page_whose_model_file_was_missing_is_drawn_once_the_file_exists(tmp_path):
    src = tiny_project(tmp_path / "src", ".. rnndiagram:: later.json\n")
    code, warnings = sphinx_build(src, tmp_path / "html")
    assert code == 0 and "cannot draw later.json: no such file" in warnings
    (src / "later.json").write_text(inspect(examples.build("seed_dense")).to_json())
    assert sphinx_build(src, tmp_path / "html") == (0, "")  # incremental: no -E
    drawn, = diagrams((tmp_path / "html" / "index.html").read_text(encoding="utf-8"))
    assert drawn.title.startswith("Diagram of the Keras model seed_dense")


def test_drawings_no_page_uses_are_pruned_from_the_cache(tmp_path):
    src = tiny_project(tmp_path / "src", ".. rnndiagram:: a.json\n\n.. rnndiagram:: b.json\n")
    for name, example in (("a", "seed_dense"), ("b", "seed_simple_rnn")):
        (src / f"{name}.json").write_text(inspect(examples.build(example)).to_json())
    out = tmp_path / "html"
    assert sphinx_build(src, out) == (0, "")
    cache = out.parent / "doctrees" / "rnndiagram"
    assert len(list(cache.glob("*.svg"))) == 2
    (cache / "notes.txt").write_text("not ours")
    (src / "index.rst").write_text("Tiny\n====\n\n.. rnndiagram:: b.json\n")
    assert sphinx_build(src, out) == (0, "")
    kept, = cache.glob("*.svg")
    assert [line for line in renders(out) if kept.stem in line][0].endswith("b.json")
    assert (cache / "notes.txt").exists()


OPTION_WARNINGS = """\
.. rnndiagram:: example:seed_stacked
   :step: 2

.. rnndiagram:: example:seed_stacked
   :tokens: a b c d e f g h i j
"""


def test_an_option_warning_is_located_at_its_directive_and_fails_under_W(tmp_path):
    import warnings

    from rnndiagram.errors import RnnDiagramWarning

    src = tiny_project(tmp_path / "src", OPTION_WARNINGS)
    page = src / "index.rst"
    with warnings.catch_warnings(record=True) as raw:
        warnings.simplefilter("always")
        code, said = sphinx_build(src, tmp_path / "html")
    assert code == 0 and not [w for w in raw if issubclass(w.category, RnnDiagramWarning)]
    step, tokens = said.strip().splitlines()
    assert step.startswith(f"{page}:4: WARNING: rnndiagram: example:seed_stacked: step (--step) is the timestep "
                           f"the gate view draws") and step.endswith("[rnndiagram.option]")
    assert tokens.startswith(f"{page}:7: WARNING: rnndiagram: example:seed_stacked: 10 tokens were given for 3 "
                             f"timesteps; the last 7")
    assert len(diagrams((tmp_path / "html" / "index.html").read_text(encoding="utf-8"))) == 2

    code, again = sphinx_build(src, tmp_path / "strict", "-W", "-E")  # drawn from the cache: still warned of
    assert code != 0 and "step (--step)" in again and len(renders(tmp_path / "html")) == 2


SITE_DEFAULTS = """\
.. rnndiagram:: example:seed_stacked
   :cell: gates

.. rnndiagram:: example:nested_encoder

.. rnndiagram:: example:nested_encoder
   :expand-nested: auto
   :view: unrolled
"""


def test_a_directives_own_options_win_over_conf_py_defaults_that_do_not_go_with_them(tmp_path):
    src = tiny_project(tmp_path / "src", SITE_DEFAULTS)
    (src / "conf.py").write_text('extensions = ["rnndiagram.sphinxext"]\nrnndiagram_view = "rolled"\n'
                                 'rnndiagram_step = 2\nrnndiagram_expand_nested = False\nrnndiagram_width = "fit"\n')
    assert sphinx_build(src, tmp_path / "html", "-W") == (0, "")
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    gates, boxed, expanded = diagrams(page)
    assert "overflow-x" not in page and "min-width" not in page  # width: fit for every drawing
    assert gates.title.startswith("One step inside each recurrent cell of the Keras model seed_stacked")
    assert boxed.title.startswith("Diagram of the Keras model nested_encoder, which has no recurrent layer")
    assert boxed.count("rnd-cell") == 0 and expanded.count("rnd-cell") > 0


def test_options_that_conf_py_makes_contradictory_are_named_as_its_settings(tmp_path):
    src = tiny_project(tmp_path / "src", ".. rnndiagram:: example:seed_stacked\n\n"
                                         ".. rnndiagram:: example:seed_stacked\n   :view: both\n")
    (src / "conf.py").write_text('extensions = ["rnndiagram.sphinxext"]\nrnndiagram_view = "rolled"\n'
                                 'rnndiagram_cell = "gates"\n')
    code, said = sphinx_build(src, tmp_path / "html")
    assert code == 0
    line, = said.strip().splitlines()  # the second directive chose its view: a drawing of boxes
    assert line.startswith(f"{src / 'index.rst'}:4: WARNING: rnndiagram: cannot draw example:seed_stacked: "
                           f"cell='gates' draws one step inside each cell")
    assert line.endswith("; with conf.py's rnndiagram_view = 'rolled', rnndiagram_cell = 'gates' [rnndiagram]")
    drawn, = diagrams((tmp_path / "html" / "index.html").read_text(encoding="utf-8"))
    assert "rolled and unrolled in time" in drawn.title


def test_an_interactive_directive_inlines_the_page(tmp_path):
    src = tiny_project(tmp_path / "src", ".. rnndiagram:: example:seed_stacked\n   :interactive:\n"
                       "   :caption: Explore\n\n.. rnndiagram:: example:seed_stacked\n")
    assert sphinx_build(src, tmp_path / "html") == (0, "")
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="rnd-page') == 1 and 'data-action="zoom-in"' in page and "Explore" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') > 2  # the page's views, and the static one
    assert "rnndiagram-interactive" in page and "addEventListener" in page
