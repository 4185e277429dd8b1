"""The MkDocs plugin: real ``mkdocs build`` runs on the sample project."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")

from docs_samples.checks import copy_samples, diagrams, figcaptions  # noqa: E402
from mkdocs.commands.build import build  # noqa: E402
from mkdocs.config import load_config  # noqa: E402
from mkdocs.exceptions import Abort, PluginError  # noqa: E402

from rnndiagram import examples, inspect  # noqa: E402
from rnndiagram.docs_common import RENDER_LOG  # noqa: E402
from rnndiagram.labels import model_sentence  # noqa: E402
from rnndiagram.views import unrolled  # noqa: E402
from rnndiagram.mkdocs_plugin import RnnDiagramPlugin  # noqa: E402


def mkdocs_build(project: Path, site: Path) -> None:
    """What ``mkdocs build -f project/mkdocs.yml -d site`` does, in this process."""
    build(load_config(str(project / "mkdocs.yml"), site_dir=str(site)))


def renders(project: Path):
    log = project / ".cache" / "rnndiagram" / RENDER_LOG
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = copy_samples(tmp_path_factory.mktemp("mkdocs")) / "mkdocs"
    mkdocs_build(project, project / "site")
    return project


def test_the_plugin_is_registered_under_mkdocs_plugins():
    plugin, = [ep for ep in entry_points(group="mkdocs.plugins") if ep.name == "rnndiagram"]
    assert plugin.load() is RnnDiagramPlugin


def test_each_block_becomes_an_inline_svg_figure(built):
    page = (built / "site" / "index.html").read_text(encoding="utf-8")
    first, dark, own = diagrams(page)
    assert [first.count("rnd-cell"), dark.count("rnd-cell"), own.count("rnd-cell")] == [6, 6, 2]
    assert first.title == model_sentence(inspect(examples.build("seed_stacked")), unrolled.HOW)
    assert dark.title == "The stacked model again, in the dark theme"
    assert (first.theme, dark.theme, own.theme) == ("rnd-theme-auto", "rnd-theme-dark", "rnd-theme-auto")
    assert figcaptions(page) == ["Two stacked SimpleRNN layers &amp; &lt;their&gt; states"]
    assert '<figure class="rnndiagram-figure" id="stacked">' in page
    assert '<figure class="rnndiagram-figure align-center" style="text-align:center">' in page
    assert "example:no_such_model" in page  # a block inside a code block is shown, not drawn
    assert "rnndiagram-figure-" not in page.replace("rnndiagram-figure\"", "").replace("rnndiagram-figure ", "")
    second, = diagrams((built / "site" / "second" / "index.html").read_text(encoding="utf-8"))
    assert second.count("rnd-cell") == 3 and "groot" in second.text


def test_an_unchanged_rebuild_draws_nothing_and_a_changed_model_is_redrawn(built, tmp_path):
    first = renders(built)
    assert len(first) == 4
    mkdocs_build(built, tmp_path / "again")
    assert renders(built) == first
    assert len(diagrams((tmp_path / "again" / "index.html").read_text(encoding="utf-8"))) == 3

    model = built.parent / "models.py"
    model.write_text(model.read_text().replace("UNITS = 4", "UNITS = 6"))
    mkdocs_build(built, tmp_path / "changed")
    later = renders(built)
    assert len(later) == 5 and later[:4] == first and later[4].endswith("models.py:build")
    assert "a GRU of 6 units" in diagrams((tmp_path / "changed" / "index.html").read_text())[2].title


BROKEN = "# Broken\n\n```rnndiagram\nsource: example:seed_simple_rnn\n```\n\nText.\n\n```rnndiagram\n{}\n```\n"


def broken_project(tmp_path: Path, body: str) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: broken\nplugins:\n  - rnndiagram\n")
    (tmp_path / "docs" / "index.md").write_text(BROKEN.format(body))
    return tmp_path


@pytest.mark.parametrize("body, message", [
    ("source: missing.keras", "no such file"),
    ("caption: no source", "no `source:`"),
    ("source: example:seed_dense\ncolour: red", "unknown key(s) colour"),
    ("source: example:seed_dense\nmax_timesteps: 1", "max_timesteps must be an integer >= 2"),
    ("source: example:seed_dense\nvalues: maybe", "values must be True or False, got 'maybe'"),
    ("source: [unclosed", "the block is not YAML"),
    ("source: example:seed_dense\nwidth: wide", "width must be one of auto, fit, natural, got 'wide'"),
])
def test_a_failing_block_is_a_plugin_error_naming_page_and_block(tmp_path, body, message):
    project = broken_project(tmp_path, body)
    with pytest.raises(Abort) as raised:  # MkDocs logs the PluginError, then aborts the build
        mkdocs_build(project, project / "site")
    error = raised.value.__context__
    assert isinstance(error, PluginError)
    assert str(error).startswith("index.md, rnndiagram block 2 (line 9): ") and message in str(error)


def test_the_mkdocs_command_reports_a_failing_block_and_exits_1(tmp_path):
    project = broken_project(tmp_path, "source: example:no_such_model")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(project / "mkdocs.yml")],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1
    assert ("index.md, rnndiagram block 2 (line 9): cannot draw example:no_such_model: no built-in example "
            "'no_such_model'") in run.stderr


def test_drawings_no_page_uses_are_pruned_from_the_cache(tmp_path):
    project = broken_project(tmp_path, "source: example:seed_dense")
    page = project / "docs" / "index.md"
    cache = project / ".cache" / "rnndiagram"
    mkdocs_build(project, project / "site")
    assert len(list(cache.glob("*.svg"))) == 2
    page.write_text("# Shorter\n\n```rnndiagram\nsource: example:seed_dense\n```\n")
    mkdocs_build(project, project / "site")
    kept, = cache.glob("*.svg")
    assert [line for line in renders(project) if kept.stem in line][0].endswith("example:seed_dense")


def test_a_values_diagram_from_a_function_is_drawn_once(tmp_path):
    """A function builds the model with new weights on every read; seeded by ``seed``, it
    draws the same numbers, so a rebuild finds the drawing in the cache."""
    from rnndiagram.docs_common import DiagramCache

    cache = DiagramCache(tmp_path / "cache")
    source = f"{Path(__file__).parent / 'docs_samples' / 'models.py'}:build"
    first = cache.draw(source, {"values": True, "max_timesteps": 3})
    assert cache.draw(source, {"values": True, "max_timesteps": 3}) == first
    assert len(cache.renders()) == 1
    assert cache.draw(source, {"values": True, "max_timesteps": 3, "seed": 1}).key != first.key


def project_with(tmp_path: Path, page: str, settings: str = "") -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(f"site_name: tiny\nplugins:\n  - rnndiagram{':' if settings else ''}\n"
                                         + "".join(f"      {line}\n" for line in settings.splitlines()))
    (tmp_path / "docs" / "index.md").write_text(page)
    return tmp_path


OPTION_WARNINGS = ("# Warned\n\n```rnndiagram\nsource: example:seed_stacked\nstep: 2\n```\n\n"
                   "```rnndiagram\nsource: example:seed_stacked\ntokens: a b c d e f g h i j\n```\n")


@pytest.mark.slow  # MkDocs builds
def test_an_option_warning_names_page_and_block_and_fails_a_strict_build(tmp_path, caplog):
    import logging
    import warnings

    from rnndiagram.errors import RnnDiagramWarning

    project = project_with(tmp_path, OPTION_WARNINGS)
    with warnings.catch_warnings(record=True) as raw, caplog.at_level(logging.WARNING, logger="mkdocs"):
        warnings.simplefilter("always")
        mkdocs_build(project, project / "site")
    assert not [w for w in raw if issubclass(w.category, RnnDiagramWarning)]
    said = [r.getMessage() for r in caplog.records if r.name.startswith("mkdocs.plugins.")]
    assert len(said) == 2
    assert "index.md, rnndiagram block 1 (line 3): example:seed_stacked: step (--step) is the timestep" in said[0]
    assert "index.md, rnndiagram block 2 (line 8): example:seed_stacked: 10 tokens were given for 3" in said[1]
    assert len(diagrams((project / "site" / "index.html").read_text(encoding="utf-8"))) == 2

    caplog.clear()
    with pytest.raises(Abort, match="strict"):  # drawn from the cache this time: still warned of
        build(load_config(str(project / "mkdocs.yml"), site_dir=str(project / "strict"), strict=True))
    assert len(renders(project)) == 2


SITE_DEFAULTS = ("# Defaults\n\n```rnndiagram\nsource: example:seed_stacked\ncell: gates\n```\n\n"
                 "```rnndiagram\nsource: example:nested_encoder\n```\n\n"
                 "```rnndiagram\nsource: example:nested_encoder\nexpand-nested: auto\nview: unrolled\n```\n\n"
                 "```rnndiagram\nsource: example:seed_dense\nwidth: null\n```\n")  # null: the site's width


@pytest.mark.slow
def test_a_blocks_own_options_win_over_site_defaults_that_do_not_go_with_them(tmp_path):
    project = project_with(tmp_path, SITE_DEFAULTS, "view: rolled\nstep: 2\nexpand_nested: false\nwidth: fit")
    build(load_config(str(project / "mkdocs.yml"), site_dir=str(project / "site"), strict=True))
    page = (project / "site" / "index.html").read_text(encoding="utf-8")
    gates, boxed, expanded, _ = diagrams(page)
    assert "overflow-x" not in page and "min-width" not in page  # width: fit for every drawing
    assert gates.title.startswith("One step inside each recurrent cell of the Keras model seed_stacked")
    assert boxed.title.startswith("Diagram of the Keras model nested_encoder, which has no recurrent layer")
    assert boxed.count("rnd-cell") == 0 and expanded.count("rnd-cell") > 0


@pytest.mark.slow
def test_options_that_mkdocs_yml_makes_contradictory_are_named_as_its_settings(tmp_path):
    project = project_with(tmp_path, "# Site\n\n```rnndiagram\nsource: example:seed_stacked\n```\n",
                           "view: rolled\ncell: gates")
    with pytest.raises(Abort) as raised:
        mkdocs_build(project, project / "site")
    error = str(raised.value.__context__)
    assert error.startswith("index.md, rnndiagram block 1 (line 3): cannot draw example:seed_stacked: cell='gates' ")
    assert error.endswith("; with view: rolled, cell: gates in mkdocs.yml")


@pytest.mark.slow
def test_an_interactive_block_inlines_the_page(tmp_path):
    project = project_with(tmp_path, "# Page\n\n```rnndiagram\nsource: example:seed_stacked\ninteractive: true\n"
                                     "caption: Explore\n```\n\n```rnndiagram\nsource: example:seed_stacked\n```\n")
    mkdocs_build(project, project / "site")
    page = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="rnd-page') == 1 and 'data-action="zoom-in"' in page
    assert "<figcaption>Explore</figcaption>" in page and "addEventListener" in page
