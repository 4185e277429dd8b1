"""The Python API: options, saving by suffix, atomic writes, Jupyter display."""

from __future__ import annotations

import json
import os

import pytest

import rnndiagram
from rnndiagram import DiagramOptions
from rnndiagram.errors import OptionError, RnnDiagramError, UnknownFormatError


def test_save_picks_the_format_from_the_suffix(example_specs, tmp_path):
    d = rnndiagram.diagram(example_specs["seed_stacked"])
    assert (d.save(tmp_path / "a.svg")).read_text().startswith("<svg")
    assert "digraph" in (d.save(tmp_path / "a.gv")).read_text()
    assert "digraph" in (d.save(tmp_path / "a.dot")).read_text()
    data = json.loads(d.save(tmp_path / "a.json").read_text())
    assert data["schema_version"] == rnndiagram.SCHEMA_VERSION and data["name"] == "seed_stacked"
    assert sorted(os.listdir(tmp_path)) == ["a.dot", "a.gv", "a.json", "a.svg"]  # no temporary left


def test_unknown_suffix_names_the_choices_and_writes_nothing(example_specs, tmp_path):
    d = rnndiagram.diagram(example_specs["seed_stacked"])
    with pytest.raises(UnknownFormatError, match=r"\.svg"):
        d.save(tmp_path / "a.bmp")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_old_file(example_specs, tmp_path, monkeypatch):
    target = tmp_path / "a.svg"
    target.write_text("old")
    d = rnndiagram.diagram(example_specs["seed_stacked"])
    monkeypatch.setattr(type(d), "to_svg", lambda self: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        d.save(target)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["a.svg"]


def test_save_replaces_the_file_only_once_it_is_whole(example_specs, tmp_path, monkeypatch):
    """The new content goes to a temporary file beside the target, renamed over it at the
    end: a failure before the rename leaves the old file, and no temporary."""
    target = tmp_path / "a.svg"
    target.write_text("old")
    d = rnndiagram.diagram(example_specs["seed_stacked"])
    renamed, real_replace = [], os.replace

    def failing_replace(src, dst):
        if os.fspath(dst) != os.fspath(target):  # e.g. the compiled-template cache
            return real_replace(src, dst)
        renamed.append((os.path.dirname(src), open(src).read().startswith("<svg"), dst))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        d.save(target)
    assert renamed == [(str(tmp_path), True, target)]
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["a.svg"]


def test_jupyter_display_is_the_svg(example_specs):
    d = rnndiagram.diagram(example_specs["seed_dense"])
    assert d._repr_svg_() == d.to_svg()
    assert "seed_dense" in repr(d)


@pytest.mark.parametrize("kwargs, message", [
    ({"max_timesteps": 1}, "max_timesteps"),
    ({"timesteps": 0}, "timesteps"),
    ({"theme": "blue"}, "light, dark, auto"),
    ({"colour": "red"}, "unknown diagram option"),
])
def test_bad_options_say_what_is_allowed(example_specs, kwargs, message):
    with pytest.raises(OptionError, match=message) as info:
        rnndiagram.diagram(example_specs["seed_dense"], **kwargs)
    assert isinstance(info.value, RnnDiagramError) and isinstance(info.value, ValueError)


def test_options_dataclass_is_frozen_and_normalises_tokens():
    opts = DiagramOptions(tokens=["I", "am"])
    assert opts.tokens == ("I", "am")
    with pytest.raises(Exception):
        opts.theme = "dark"


def test_import_loads_neither_tensorflow_nor_the_drawing_stages():
    """``import rnndiagram`` (and so ``rnndiagram --help``, ``inspect``) stays light."""
    import subprocess
    import sys

    heavy = ("tensorflow", "keras", "jinja2", "rnndiagram.layout", "rnndiagram.render.svg")
    code = f"import sys, rnndiagram.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
