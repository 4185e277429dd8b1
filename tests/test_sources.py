"""Model sources: every form resolves, and every way one can be wrong says so clearly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rnndiagram.errors import SourceError
from rnndiagram.sources import resolve
from rnndiagram.spec import ModelSpec

DATA = Path(__file__).parent / "data"
FILE = DATA / "models_for_sources.py"


def test_example_source():
    source = resolve("example:seed_dense")
    assert source.name == "seed_dense" and source.model.name == "seed_dense"


@pytest.mark.parametrize("attr", ["build", "built"])
def test_file_attr_source_takes_a_model_or_a_builder(attr):
    source = resolve(f"{FILE}:{attr}")
    assert source.name == attr and source.model.name == "from_file"


def test_module_attr_source():
    source = resolve("rnndiagram.examples:seed_stacked")
    assert source.model.name == "seed_stacked"


def test_saved_keras_file_round_trips(tmp_path, example_models):
    path = tmp_path / "seq2seq.keras"
    example_models["char_seq2seq"].save(path)
    source = resolve(str(path))
    assert source.name == "seq2seq" and len(source.model.layers) == len(example_models["char_seq2seq"].layers)


def test_spec_json_source(tmp_path, example_specs):
    path = tmp_path / "s.json"
    path.write_text(example_specs["seed_stacked"].to_json())
    source = resolve(str(path))
    assert isinstance(source.model, ModelSpec) and source.model == example_specs["seed_stacked"]


@pytest.mark.parametrize("text, message", [
    ("example:nope", "no built-in example 'nope'"),
    ("missing.keras", "no such file: missing.keras"),
    ("missing/file.py:build", "no such file"),
    (f"{FILE}:nothing", "has no attribute 'nothing'"),
    (f"{FILE}:not_a_model", "gave builtins.int, not a Keras model"),
    (f"{FILE}:broken", "calling broken\\(\\) .* raised RuntimeError: no data here"),
    ("no_such_module_xyz:model", "cannot import module 'no_such_module_xyz'"),
    ("model.txt", "cannot tell what 'model.txt' is"),
])
def test_bad_sources_say_what_went_wrong(text, message):
    with pytest.raises(SourceError, match=message):
        resolve(text)


def test_bad_files_are_source_errors(tmp_path):
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"not a zip")
    with pytest.raises(SourceError, match="garbage.keras is not a .keras archive: it is not a zip file"):
        resolve(str(garbage))
    not_spec = tmp_path / "x.json"
    not_spec.write_text('{"a": 1}')
    with pytest.raises(SourceError, match="not a model spec"):
        resolve(str(not_spec))


def write(tmp_path: Path, name: str, code: str) -> Path:
    path = tmp_path / name
    path.write_text(code)
    return path


def test_a_file_that_exits_at_import_is_a_source_error(tmp_path):
    path = write(tmp_path, "quits.py", "import sys\nsys.exit(0)\n")
    with pytest.raises(SourceError, match=r"running .*quits.py called sys.exit\(0\); .*if __name__ =="):
        resolve(f"{path}:model")


def test_a_file_that_parses_the_command_line_at_import_is_quoted_not_shown(tmp_path, capfd, monkeypatch):
    """The file sees a command line of its own (not rnndiagram's) and its argparse error
    becomes part of the one-line message instead of a usage text on stderr."""
    monkeypatch.setattr("sys.argv", ["rnndiagram", "export", "--theme", "dark"])
    path = write(tmp_path, "train.py", "import argparse\np = argparse.ArgumentParser()\n"
                                       "p.add_argument('--data', required=True)\nargs = p.parse_args()\n")
    with pytest.raises(SourceError) as info:
        resolve(f"{path}:build")
    assert "called sys.exit(2) after printing 'train.py: error: the following arguments are required: " \
           "--data'" in str(info.value)
    assert capfd.readouterr().err == ""
    import sys

    assert sys.argv == ["rnndiagram", "export", "--theme", "dark"]


def test_what_a_working_file_prints_to_stderr_is_still_shown(tmp_path, capfd):
    path = write(tmp_path, "chatty.py", "import sys\nprint('loading weights', file=sys.stderr)\n"
                                        "from rnndiagram import examples\nmodel = examples.build('seed_dense')\n")
    assert resolve(f"{path}:model").model.name == "seed_dense"
    assert capfd.readouterr().err == "loading weights\n"


def test_a_builder_that_exits_is_a_source_error():
    with pytest.raises(SourceError, match=r"calling quits\(\) .* called sys.exit\(3\)"):
        resolve(f"{DATA / 'models_for_sources.py'}:quits")


def test_values_sources_built_from_code_get_seeded_weights():
    first = resolve(f"{FILE}:build", seed=7).model.get_weights()[0]
    again = resolve(f"{FILE}:build", seed=7).model.get_weights()[0]
    other = resolve(f"{FILE}:build", seed=8).model.get_weights()[0]
    assert (first == again).all() and not (first == other).all()
    assert (resolve("example:seed_dense", seed=1).model.get_weights()[0]
            == resolve("example:seed_dense", seed=1).model.get_weights()[0]).all()


def test_a_pipe_device_or_socket_named_as_a_source_is_said_to_be_one(tmp_path):
    """Never "no such file", and never opened: a reader would wait on a pipe forever."""
    import socket

    os.mkfifo(tmp_path / "pipe.keras")
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "link.h5").symlink_to(tmp_path / "pipe.keras")
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere.json")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(tmp_path / "sock.json"))
    cases = {"pipe.keras": "pipe.keras is a named pipe (FIFO), not a regular file",
             "link.h5": f"link.h5 is a link to {tmp_path / 'pipe.keras'}, a named pipe (FIFO), not a regular file",
             "sock.json": "sock.json is a socket, not a regular file",
             "gone.json": f"gone.json is a link to {tmp_path / 'nowhere.json'}, which does not exist",
             "pipe.py:build": "pipe.py is a named pipe (FIFO), not a regular file"}
    if os.path.exists("/dev/null"):  # only looked at, never opened
        (tmp_path / "null.keras").symlink_to("/dev/null")
        cases["null.keras"] = "null.keras is a link to /dev/null, a character device, not a regular file"
    try:
        for name, message in cases.items():
            with pytest.raises(SourceError) as error:
                resolve(str(tmp_path / name))
            assert str(error.value).startswith(f"{tmp_path}/{message}"), name
    finally:
        server.close()


def test_a_spec_file_written_before_layers_said_their_steps_gets_them_from_the_layer_table(tmp_path):
    """A spec whose layers lack ``steps`` (written by an earlier version): attention is still
    drawn per query step, and a ``Dot`` still contracts its inputs' steps."""
    from rnndiagram.spec import Connection, LayerSpec, TensorRef

    seq = (None, 4, 2)
    x = LayerSpec("x", "x", "InputLayer", "input", (), (seq,))
    reads = (Connection("x", 0, 0, "sequence", seq), Connection("x", 0, 0, "sequence", seq, slot=1))
    att = LayerSpec("att", "att", "MultiHeadAttention", "whole_sequence", (seq, seq), (seq,), inbound=reads)
    dot = LayerSpec("dot", "dot", "Dot", "merge", (seq, seq), ((None, 4, 4),), inbound=reads)
    spec = ModelSpec("m", "Functional", (TensorRef("x", 0, seq),), (TensorRef("att", 0, seq),), (x, att, dot))
    path = tmp_path / "old.json"
    path.write_text(spec.to_json())
    read = resolve(str(path)).model
    assert [l.steps for l in read.layers] == [None, "per_query_step", "whole_sequence"]
