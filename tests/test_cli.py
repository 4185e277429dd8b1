"""The command line, through click's runner, and once as the installed console script."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import rnndiagram
from rnndiagram import __version__
from rnndiagram.cli import main

from keras_compat import has_tensorflow

FILE = Path(__file__).parent / "data" / "models_for_sources.py"


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


def test_export_folds_loops_and_draws_nested_models_as_asked(run, tmp_path):
    def drawn(*flags):
        out = tmp_path / "m.svg"
        assert run("export", "example:feedback_forecaster", "-o", out, *flags).exit_code == 0
        return set(re.findall(r'class="rnd-cell" data-layer="([^"]+)"', out.read_text()))

    assert drawn() == {"warmup", "lstm_cell"}
    assert drawn("--no-fold-loops") == {"warmup", "lstm_cell", "lstm_cell@1", "lstm_cell@2", "lstm_cell@3"}
    out = tmp_path / "n.svg"
    assert run("export", "example:nested_encoder", "-o", out, "--no-expand-nested").exit_code == 0
    assert 'data-layer="encoder/gru_1"' not in out.read_text()


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
    lines = result.output.splitlines()
    assert "Error: no such file: nope.keras" in lines  # the path named once, not twice
    assert any(line.startswith("Error: calling broken()") for line in lines)
    assert lines[-1] == f"wrote 2 of 4 files to {out}"
    assert "Drawing" not in result.output  # no progress bar when not on a terminal
    assert json.loads((out / "seed_dense.json").read_text())["name"] == "seed_dense"


def test_a_batch_export_that_succeeds_says_what_it_wrote(run, tmp_path):
    out = tmp_path / "many"
    result = run("export", "example:seed_dense", "example:seed_stacked", "-o", out)
    assert result.exit_code == 0 and result.output == f"wrote 2 files to {out}\n"


def test_an_output_folder_may_be_named_with_a_slash_for_one_source(run, tmp_path):
    result = run("export", "example:seed_dense", "-o", f"{tmp_path / 'new'}/", "--format", "dot")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "seed_dense.dot").read_text().startswith("digraph")


def one_line_error(result) -> str:
    """The single line a failure prints (no traceback, no temporary file named)."""
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert ".tmp" not in lines[0] and result.exception is None or isinstance(result.exception, SystemExit)
    return lines[0]


def test_an_output_that_cannot_be_written_is_one_line(tmp_path):
    a_file = tmp_path / "afile"
    a_file.write_text("")
    cases = [(["export", "example:seed_dense", "-o", str(tmp_path / "nodir" / "x.svg")],
              f"cannot write {tmp_path / 'nodir' / 'x.svg'}: the folder {tmp_path / 'nodir'} does not exist"),
             (["export", "example:seed_dense", "-o", str(a_file / "x.svg")], "is a file, not a folder"),
             (["gallery", str(a_file / "gal")], f"cannot create the folder {a_file / 'gal'}")]
    if Path("/proc/self").is_dir():  # Linux: a folder nobody can create files in
        cases += [(["export", "example:seed_dense", "-o", "/proc/x.svg"], "cannot write /proc/x.svg: "),
                  (["gallery", "/proc/gal"], "cannot create the folder /proc/gal: ")]
    for args, message in cases:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert message in one_line_error(result), (args, result.output)
    assert os.listdir(tmp_path) == ["afile"]


def test_files_get_the_permissions_of_a_plain_write(run, tmp_path):
    new, old = tmp_path / "new.svg", tmp_path / "old.svg"
    old.write_text("old")
    old.chmod(0o640)
    previous = os.umask(0o022)
    try:
        assert run("export", "example:seed_dense", "-o", new).exit_code == 0
        assert run("export", "example:seed_dense", "-o", old).exit_code == 0
    finally:
        os.umask(previous)
    assert (new.stat().st_mode & 0o777, old.stat().st_mode & 0o777) == (0o644, 0o640)
    assert old.read_text().startswith("<svg")


def test_a_link_named_as_the_output_is_written_through(run, tmp_path):
    target = tmp_path / "real.svg"
    target.write_text("old")
    link = tmp_path / "link.svg"
    link.symlink_to(target)
    assert run("export", "example:seed_dense", "-o", link).exit_code == 0
    assert link.is_symlink() and target.read_text().startswith("<svg")
    assert sorted(os.listdir(tmp_path)) == ["link.svg", "real.svg"]


class _Reader(threading.Thread):
    """Reads everything written to a FIFO, or to a Unix socket it listens on, until EOF."""

    def __init__(self, path: Path, kind: str):
        super().__init__(daemon=True)
        self.path, self.kind, self.data = path, kind, b""
        if kind == "fifo":
            os.mkfifo(path)
        else:
            self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.server.bind(str(path))
            self.server.listen(1)
        self.start()

    def run(self):
        if self.kind == "fifo":
            with open(self.path, "rb") as f:  # blocks until a writer opens the FIFO
                self.data = f.read()
            return
        conn, _ = self.server.accept()
        with conn:
            while chunk := conn.recv(65536):
                self.data += chunk


@pytest.mark.parametrize("kind", ["fifo", "socket"])
@pytest.mark.parametrize("through_link", [False, True])
def test_a_pipe_or_socket_as_the_output_is_written_in_place(run, tmp_path, kind, through_link):
    """Renaming a file over a FIFO, a device or a socket would replace it (as root, even
    /dev/null): such an output is written as a shell's > would, and stays what it was."""
    special = tmp_path / "pipe.svg"
    reader = _Reader(special, kind)
    output = special
    if through_link:
        output = tmp_path / "link.svg"
        output.symlink_to(special)
    result = run("export", "example:seed_dense", "-o", output)
    assert result.exit_code == 0, result.output
    mode = os.lstat(special).st_mode
    assert (stat.S_ISFIFO if kind == "fifo" else stat.S_ISSOCK)(mode)
    assert output.is_symlink() == through_link
    # The write has finished and closed its end, so the reader reaches EOF on its own.
    reader.join()
    assert reader.data.startswith(b"<svg") and reader.data.rstrip().endswith(b"</svg>")
    assert sorted(os.listdir(tmp_path)) == sorted(["pipe.svg"] + ["link.svg"] * through_link)


def test_a_block_device_as_the_output_is_refused(monkeypatch, tmp_path):
    """Never a real device in tests: lstat is made to say the path is a block device."""
    from rnndiagram import _io
    from rnndiagram.errors import OutputError

    target = tmp_path / "disk.svg"
    real_lstat = os.lstat
    monkeypatch.setattr(_io.os, "lstat", lambda p: os.stat_result((stat.S_IFBLK | 0o660,) + real_lstat(tmp_path)[1:])
                        if Path(p) == target else real_lstat(p))
    with pytest.raises(OutputError, match=r"disk.svg: it is a block device; give a file name"):
        _io.write_atomic(target, "<svg/>")
    assert os.listdir(tmp_path) == []


def test_a_link_in_an_output_folder_is_replaced_not_followed(run, tmp_path):
    """Only the user's own -o is followed: a link planted under a name the batch chooses
    does not get the drawing written into the file it points to."""
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("keep me")
    (out / "seed_dense.svg").symlink_to(victim)
    assert run("export", "example:seed_dense", "example:seed_stacked", "-o", out).exit_code == 0
    assert victim.read_text() == "keep me" and not (out / "seed_dense.svg").is_symlink()


def test_the_output_may_not_be_the_source(run, tmp_path, example_specs):
    spec = tmp_path / "m.json"
    spec.write_text(example_specs["seed_dense"].to_json())
    before = spec.read_text()
    for args in (["-o", spec], ["-o", tmp_path, "--format", "json"]):
        result = run("export", spec, *args)
        assert result.exit_code == 2 and "is the source" in result.output, result.output
    assert spec.read_text() == before and os.listdir(tmp_path) == ["m.json"]


@pytest.mark.parametrize("args, warning", [
    (["-o", "m.svg", "--dpi", "300"], "Warning: dpi (--dpi) sets the resolution of a PDF's drawing or of "
                                      "Graphviz's PNG; it is not used for svg"),
    (["-o", "m.pdf", "--scale", "2"], "Warning: scale (--scale) sizes rnndiagram's PNG; it is not used for pdf"),
    (["-o", "m.svg", "--tokens", "a b c d e"], "Warning: 5 tokens were given for 3 timesteps; the last 2 "
                                               "('d', 'e') label no step and are not drawn"),
    (["-o", "m.svg", "--sample", "x.npy"], "Warning: --sample is the input of --values, which was not given; "
                                            "it is not used"),
])
def test_what_cannot_be_honoured_is_said(tmp_path, monkeypatch, args, warning):
    import numpy as np

    monkeypatch.chdir(tmp_path)
    np.save("x.npy", np.zeros((1, 3, 2), "float32"))
    result = CliRunner().invoke(main, ["export", "example:seed_dense", *args])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [warning] and (tmp_path / args[1]).exists()


def test_max_timesteps_has_a_budget(run):
    result = CliRunner().invoke(main, ["export", "example:seed_dense", "-o", "-", "--format", "svg",
                                       "--max-timesteps", "100000"])
    assert result.exit_code == 2 and "--max-timesteps" in result.output and "2<=x<=100" in result.output


def test_raster_sizes_have_a_budget(tmp_path):
    for args, option in ((["-o", tmp_path / "m.pdf", "--dpi", "2400"], "--dpi"),
                         (["-o", tmp_path / "m.png", "--scale", "20"], "--scale")):
        result = CliRunner().invoke(main, ["export", "example:seed_dense", *map(str, args)])
        assert result.exit_code == 2 and f"choose a smaller {option[2:]} ({option}): at most" in \
            one_line_error(result)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("content, message", [
    ("object", "is not a .npy array of numbers written by numpy.save"),
    ("bytes", "is not a .npy array of numbers written by numpy.save"),
    ("npz", "holds several arrays"),
    ("shape", "has shape (1, 4, 2), but the model takes (None, 3, 2)"),
    ("text", "holds <U1 values; values mode runs the model on numbers"),
])
def test_a_bad_sample_is_one_line(tmp_path, content, message):
    import numpy as np

    path = tmp_path / "x.npy"
    if content == "object":
        np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    elif content == "bytes":
        path.write_bytes(os.urandom(300))
    elif content == "npz":
        np.savez(path.with_suffix(".npz"), a=np.zeros(2), b=np.zeros(2))
        path.with_suffix(".npz").rename(path)
    else:
        np.save(path, np.zeros((1, 4, 2), "float32") if content == "shape" else np.array([[["a", "b"]] * 3]))
    result = CliRunner().invoke(main, ["export", "example:seed_simple_rnn", "-o", str(tmp_path / "v.svg"),
                                       "--values", "--sample", str(path)])
    assert result.exit_code == 2
    assert message in one_line_error(result) and not (tmp_path / "v.svg").exists(), result.output


def test_control_characters_in_names_never_reach_the_terminal(run, tmp_path, example_specs):
    spec = tmp_path / "evil.json"
    spec.write_text(example_specs["seed_stacked"].to_json().replace('"simple_rnn_1"', '"bad\\u001b[31m\\u0000"'))
    table = run("inspect", spec).output
    assert "\x1b" not in table and "\x00" not in table and "bad␛[31m␀" in table


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


@pytest.mark.slow  # draws every example
def test_gallery_command(run, tmp_path):
    result = run("gallery", tmp_path / "g")
    assert result.exit_code == 0 and (tmp_path / "g" / "README.md").exists()


@pytest.mark.slow  # a new Python process
@pytest.mark.parametrize("command", [[str(Path(sys.executable).parent / "rnndiagram")],
                                     [sys.executable, "-m", "rnndiagram"]], ids=["script", "python -m"])
def test_console_script_runs(tmp_path, command):
    out = tmp_path / "s.svg"
    proc = subprocess.run([*command, "export", "example:seed_simple_rnn", "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # TensorFlow's start-up noise is silenced
    assert out.read_text().startswith("<svg")
    usage = subprocess.run([*command, "--help"], capture_output=True, text=True).stdout
    assert usage.startswith("Usage: rnndiagram ")


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
    assert _undated(out.read_bytes()) == _undated(graphviz_render(d.to_dot(), fmt, None))
    assert out.read_bytes() != d.render(fmt)


def _undated(data: bytes) -> bytes:
    """Graphviz's PDF carries the second it was made (/CreationDate): two renders a second
    apart differ there and nowhere else."""
    return re.sub(rb"/CreationDate \(D:[^)]*\)", b"/CreationDate ()", data)


@pytest.mark.slow  # a new process importing TensorFlow
@pytest.mark.skipif(not has_tensorflow(), reason="the user's file imports TensorFlow, which is not installed")
def test_tensorflow_stays_quiet_when_the_users_file_imports_it(tmp_path):
    """The file imports TensorFlow before rnndiagram would: its start-up log is muted too."""
    train = tmp_path / "train.py"
    train.write_text("import tensorflow as tf\nimport keras\n\n\ndef build_model():\n"
                     "    return keras.Sequential([keras.Input((3, 2)), keras.layers.LSTM(4)])\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}  # as a user's shell has
    env["PYTHONPATH"] = str(Path(rnndiagram.__file__).parents[1])
    proc = subprocess.run([sys.executable, "-c", "from rnndiagram.cli import main; main()", "inspect",
                           f"{train}:build_model"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "lstm" in proc.stdout
    assert proc.stderr == ""
