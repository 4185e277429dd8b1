"""The views (rolled, both, gates) and ``step`` through every front-end: the command line,
the Sphinx directive and the MkDocs block."""

from __future__ import annotations

from pathlib import Path

from docs_samples.checks import diagrams
from test_sphinx import sphinx_build

from rnndiagram.docs_common import DiagramCache


def test_export_draws_each_view(run, tmp_path):
    for flags, mark in ((["--view", "rolled"], "rnd-rolled"), (["--view", "both"], "rnd-equals"),
                        (["--cell", "gates"], "rnd-gates"), (["--cell", "gates", "--step", "2"], 'data-t="2"')):
        out = tmp_path / "d.svg"
        result = run("export", "example:seed_stacked", "-o", out, *flags)
        assert result.exit_code == 0, result.output
        assert mark in out.read_text(), flags
    result = run("export", "example:seed_stacked", "-o", tmp_path / "g.dot", "--cell", "gates")
    assert result.exit_code == 0 and "subgraph cluster_" in (tmp_path / "g.dot").read_text()


def test_values_and_a_step_print_that_steps_gates(run, tmp_path):
    out = tmp_path / "v.svg"
    result = run("export", "example:seed_simple_rnn", "-o", out, "--cell", "gates", "--values", "--step", "2")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert 'class="rnd-value"' in text and "step 2 of 3" in text


def test_bad_values_are_usage_errors_and_a_step_out_of_range_one_line(run, tmp_path):
    bad = run("export", "example:seed_stacked", "-o", tmp_path / "x.svg", "--cell", "gate")
    assert bad.exit_code == 2 and "'gate' is not one of 'box', 'gates'" in bad.output
    for suffix in ("svg", "json"):  # JSON refuses the step as the drawings do
        far = run("export", "example:seed_stacked", "-o", tmp_path / f"x.{suffix}", "--cell", "gates", "--step", "9")
        assert far.exit_code == 2 and far.output.strip().splitlines() == [
            "Error: step=9 is past the 3 timesteps of layer 'simple_rnn'; choose a step from 1 to 3 (--step)"]
    clash = run("export", "example:seed_stacked", "-o", tmp_path / "x.svg", "--cell", "gates", "--view", "both")
    assert clash.exit_code == 2 and "choose one of them" in clash.output
    assert list(tmp_path.iterdir()) == []


def test_contradictory_flags_are_a_usage_error_before_any_source_is_read(run, tmp_path):
    result = run("export", tmp_path / "missing.keras", "example:nope", "-o", tmp_path / "out",
                 "--view", "rolled", "--cell", "gates")
    assert result.exit_code == 2 and result.output.strip().splitlines() == [
        "Error: cell='gates' draws one step inside each cell, view='rolled' the layers as cells; choose one of them"]
    assert not (tmp_path / "out").exists()


def test_a_batch_whose_sources_fail_on_an_option_exits_2(run, tmp_path):
    out = tmp_path / "out"
    result = run("export", "example:seed_stacked", "example:seed_simple_rnn", "-o", out, "--cell", "gates",
                 "--step", "9")
    assert result.exit_code == 2 and result.output.count("is past the 3 timesteps") == 2
    mixed = run("export", "example:seed_stacked", tmp_path / "missing.keras", "-o", out, "--cell", "gates",
                "--step", "9")
    assert mixed.exit_code == 1 and "no such file" in mixed.output


def test_values_for_an_output_without_numbers_is_said_and_not_run(run, tmp_path, example_specs, monkeypatch):
    import rnndiagram.sources as sources

    asked = []
    resolve = sources.resolve
    monkeypatch.setattr(sources, "resolve", lambda text, **kw: asked.append(kw["live"]) or resolve(text, **kw))
    spec = tmp_path / "m.json"  # a spec cannot run: values mode would be an error if it tried
    spec.write_text(example_specs["seed_stacked"].to_json())
    for out, flags, said in ((tmp_path / "r.svg", ["--view", "rolled"], "the rolled view draws none"),
                             (tmp_path / "r.json", [], "not part of the JSON output")):
        result = run("export", spec, "-o", out, "--values", *flags)
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Warning: values (--values)") and said in result.output
        assert out.exists()
    assert asked == [False, False]  # neither loaded the model to run it
    unused = run("export", "example:seed_stacked", "-o", tmp_path / "x.svg", "--step", "2")
    assert unused.exit_code == 0 and "Warning: step (--step) is the timestep the gate view draws" in unused.output


def test_help_teaches_the_views(run):
    text = " ".join(run("export", "--help").output.split())
    for phrase in ("--view [unrolled|rolled|both]", "--cell [box|gates]", "--step K|NAME=K",
                   "--view rolled", "--cell gates --values --step 2"):
        assert phrase in text, phrase


def test_the_sphinx_directive_takes_the_views(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["rnndiagram.sphinxext"]\nrnndiagram_view = "rolled"\n')
    (src / "index.rst").write_text("Views\n=====\n\n.. rnndiagram:: example:lstm_classifier\n\n"
                                   ".. rnndiagram:: example:lstm_classifier\n   :view: both\n\n"
                                   ".. rnndiagram:: example:lstm_classifier\n   :view: unrolled\n   :cell: gates\n"
                                   "   :step: 3\n")
    code, warnings = sphinx_build(src, tmp_path / "html", "-W")
    assert code == 0, warnings
    rolled, both, gates = diagrams((tmp_path / "html" / "index.html").read_text(encoding="utf-8"))
    assert rolled.count("rnd-rolled") == 1 and rolled.count("rnd-equals") == 0
    assert both.count("rnd-equals") == 1
    assert gates.count("rnd-gates") == 1 and gates.title.startswith("One step inside each recurrent cell")
    assert "rolled, one looping cell per recurrent layer" in rolled.title


def test_the_mkdocs_block_takes_the_views(tmp_path):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: views\nplugins:\n  - rnndiagram:\n      cell: gates\n")
    (tmp_path / "docs" / "index.md").write_text(
        "# Views\n\n```rnndiagram\nsource: example:seed_stacked\nstep: 2\n```\n\n"
        "```rnndiagram\nsource: example:seed_stacked\ncell: box\nview: rolled\n```\n")
    build(load_config(str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / "site")))
    gates, rolled = diagrams((tmp_path / "site" / "index.html").read_text(encoding="utf-8"))
    assert gates.count("rnd-gates") == 2 and 'data-t="2"' in gates.text
    assert rolled.count("rnd-rolled") == 2


def test_the_cache_tells_the_views_apart(tmp_path: Path):
    cache = DiagramCache(tmp_path)
    keys = {cache.draw("example:seed_dense", {"view": view}).key for view in ("unrolled", "rolled", "both")}
    keys.add(cache.draw("example:seed_dense", {"cell": "gates"}).key)
    keys.add(cache.draw("example:seed_dense", {"cell": "gates", "step": 2}).key)
    assert len(keys) == 5


def test_step_per_layer_on_the_command_line(run, tmp_path):
    out = tmp_path / "s.svg"
    for flags in (["--step", "encoder=6", "--step", "decoder=2"], ["--step", "encoder=6,decoder=2"]):
        result = run("export", "example:addition_rnn", "-o", out, "--cell", "gates", *flags)
        assert result.exit_code == 0, result.output
        text = out.read_text()
        assert "step 6 of 7" in text and "step 2 of 4" in text, flags
    clamped = run("export", "example:addition_rnn", "-o", out, "--cell", "gates", "--step", "7")
    assert clamped.exit_code == 0 and "step 7 is past its 4 timesteps: its last step is drawn" in out.read_text()
    for flags, said in ((["--step", "3", "--step", "decoder=2"], "give one step for every layer (--step K) or one "
                                                                  "per layer (--step NAME=K), not both"),
                        (["--step", "decoder=0"], "'decoder=0' is not a timestep from 1 on (K) or a layer's (NAME=K)"),
                        (["--step", "=2"], "'=2' is not a timestep")):
        bad = run("export", "example:addition_rnn", "-o", out, "--cell", "gates", *flags)
        assert bad.exit_code == 2 and said in " ".join(bad.output.split()), flags


def test_the_api_does_not_run_a_model_for_the_rolled_view(example_specs):
    import warnings

    import rnndiagram

    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        drawn = rnndiagram.diagram(example_specs["seed_stacked"], view="rolled", values=True)
    assert "rnd-rolled" in drawn.to_svg()
    assert [str(w.message).split(";")[0] for w in said] == [
        "values (--values) print numbers in the unrolled and gate views"]
