"""The command line, through click's runner, and once as the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import rnndiagram

from rnndiagram import __version__
from rnndiagram.cli import main

FILE = Path(__file__).parent / "data" / "models_for_sources.py"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_version_and_help(run):
    assert run("--version").output.strip().endswith(__version__)
    for command in ([], ["export"], ["inspect"], ["examples"], ["gallery"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Example" in result.output, command


def test_export_svg_dot_json(run, tmp_path):
    for suffix, start in ((".svg", "<svg"), (".dot", "digraph"), (".gv", "digraph"), (".json", "{")):
        out = tmp_path / f"m{suffix}"
        result = run("export", "example:seed_stacked", "-o", out, "--tokens", "I am groot")
        assert result.exit_code == 0, result.output
        assert out.read_text().lstrip().startswith(start)
    assert ">groot<" in (tmp_path / "m.svg").read_text()


def test_export_passes_every_diagram_option(run, tmp_path):
    out = tmp_path / "m.svg"
    result = run("export", "example:variable_length", "-o", out, "--max-timesteps", "3", "--timesteps", "9",
                 "--theme", "dark", "--tokens", "a,b,c", "--show-unreturned", "--expand-nested")
    assert result.exit_code == 0, result.output
    svg = out.read_text()
    assert 'data-t="9"' in svg and 'data-t="3"' not in svg and "rnd-theme-dark" in svg and "rnd-faint" in svg


def test_export_values_with_a_sample(run, tmp_path):
    import numpy as np

    sample = tmp_path / "x.npy"
    np.save(sample, np.array([[[0.5, 0.4], [0.3, 0.1], [0.7, 0.5]]], "float32"))
    out = tmp_path / "v.svg"
    assert run("export", "example:seed_simple_rnn", "-o", out, "--values", "--sample", sample).exit_code == 0
    assert ">0.7<" in out.read_text() and ">0.5<" in out.read_text()


def test_export_to_stdout(run):
    result = run("export", "example:seed_dense", "-o", "-", "--format", "dot")
    assert result.exit_code == 0 and result.output.startswith("digraph")


def test_usage_errors_exit_2_and_write_nothing(run, tmp_path):
    cases = [("-o", tmp_path / "a.svg", "--format", "dot"), ("-o", tmp_path / "a.bmp"), ("-o", "-")]
    for extra in cases:
        result = CliRunner().invoke(main, ["export", "example:seed_dense", *map(str, extra)])
        assert result.exit_code == 2, (extra, result.output)
    assert list(tmp_path.iterdir()) == []


def test_source_errors_exit_1_without_traceback_and_keep_old_files(tmp_path):
    out = tmp_path / "a.svg"
    out.write_text("old")
    for source in ("example:nope", f"{FILE}:broken", f"{FILE}:unbuilt"):
        result = CliRunner().invoke(main, ["export", source, "-o", str(out)])
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: ") and "Traceback" not in result.output
    assert out.read_text() == "old" and os.listdir(tmp_path) == ["a.svg"]
    assert "keras.Input" in CliRunner().invoke(main, ["export", f"{FILE}:unbuilt", "-o", str(out)]).output


def test_debug_shows_the_traceback(tmp_path):
    result = CliRunner().invoke(main, ["--debug", "export", "example:nope", "-o", str(tmp_path / "a.svg")])
    assert result.exit_code == 1 and type(result.exception).__name__ == "SourceError"


def test_batch_export_continues_past_failures(tmp_path):
    out = tmp_path / "many"
    result = CliRunner().invoke(main, ["export", "example:seed_dense", "nope.keras", "example:seed_stacked",
                                       f"{FILE}:broken", "-o", str(out), "--format", "json"])
    assert result.exit_code == 1
    assert sorted(os.listdir(out)) == ["seed_dense.json", "seed_stacked.json"]
    assert "nope.keras: no such file" in result.output and "broken" in result.output
    assert "Drawing" not in result.output  # no progress bar when not on a terminal
    assert json.loads((out / "seed_dense.json").read_text())["name"] == "seed_dense"


def test_inspect_table_and_json(run):
    table = run("inspect", "example:char_seq2seq").output
    lines = table.splitlines()
    assert lines[1].split()[:5] == ["layer", "kind", "timesteps", "features", "units"]
    assert lines[2].split()[:5] == ["encoder_lstm", "LSTM", "?", "10", "16"]
    assert "(None, None, 16) (None, 16) (None, 16)" in lines[3]
    data = json.loads(run("inspect", "example:seed_stacked", "--json").output)
    assert [l["id"] for l in data["layers"]] == ["words", "simple_rnn", "simple_rnn_1"]


def test_inspect_gives_a_bidirectional_the_units_the_user_wrote(run):
    """Bidirectional(LSTM(16)) has 16 units each way; the concatenated output is 32 wide."""
    lines = run("inspect", "example:stacked_bidirectional_lstm").output.splitlines()
    assert lines[2].split()[:5] == ["bilstm_1", "Bidirectional", "12", "10", "16"]
    assert "both, concat → 32" in lines[2]


def test_examples_lists_every_example(run):
    from rnndiagram import examples

    lines = run("examples").output.splitlines()
    assert [l.split()[0] for l in lines] == list(examples.names())


def test_gallery_command(run, tmp_path):
    result = run("gallery", tmp_path / "g")
    assert result.exit_code == 0 and (tmp_path / "g" / "README.md").exists()


def test_console_script_runs(tmp_path):
    script = Path(sys.executable).parent / "rnndiagram"
    out = tmp_path / "s.svg"
    proc = subprocess.run([str(script), "export", "example:seed_simple_rnn", "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # TensorFlow's start-up noise is silenced
    assert out.read_text().startswith("<svg")


def test_png_and_pdf_have_the_svg_size(run, tmp_path):
    import re
    import struct

    svg = tmp_path / "m.svg"
    run("export", "example:seed_dense", "-o", svg)
    width, height = (float(v) for v in re.search(r'width="([\d.]+)" height="([\d.]+)"', svg.read_text()).groups())
    png = tmp_path / "m.png"
    assert run("export", "example:seed_dense", "-o", png, "--scale", "2").exit_code == 0
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    assert abs(w - 2 * width) <= 1 and abs(h - 2 * height) <= 1
    pdf = tmp_path / "m.pdf"
    assert run("export", "example:seed_dense", "-o", pdf, "--dpi", "150").exit_code == 0
    text = pdf.read_bytes()
    assert text.startswith(b"%PDF")
    box = [float(v) for v in re.search(rb"/MediaBox \[\s*([\d.\s]+)\]", text).group(1).split()]
    assert abs(box[2] - width * 72 / 96) < 1 and abs(box[3] - height * 72 / 96) < 1


@pytest.mark.parametrize("fmt, magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_graphviz_engine(run, tmp_path, fmt, magic, example_specs):
    """The file is Graphviz's drawing of our DOT (dot is deterministic), not our own SVG's."""
    from rnndiagram.render.raster import graphviz_render

    out = tmp_path / f"g.{fmt}"
    result = run("export", "example:seed_stacked", "--engine", "graphviz", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)
    d = rnndiagram.diagram(example_specs["seed_stacked"])
    assert out.read_bytes() == graphviz_render(d.to_dot(), fmt, None)
    assert out.read_bytes() != d.render(fmt)
