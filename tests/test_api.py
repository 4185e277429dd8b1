"""The Python API: options, saving by suffix, atomic writes, Jupyter display."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

import rnndiagram
from rnndiagram import DiagramOptions
from rnndiagram.errors import OptionError, OutputError, RnnDiagramError, RnnDiagramWarning, UnknownFormatError


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


def test_save_to_a_missing_folder_names_the_path_not_a_temporary_file(example_specs, tmp_path):
    d = rnndiagram.diagram(example_specs["seed_dense"])
    with pytest.raises(OutputError) as info:
        d.save(tmp_path / "nodir" / "x.svg")
    assert str(info.value) == (f"cannot write {tmp_path / 'nodir' / 'x.svg'}: the folder {tmp_path / 'nodir'} "
                               f"does not exist; create it first or choose another path")
    assert isinstance(info.value, OSError) and isinstance(info.value, RnnDiagramError)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_umasks_permissions(example_specs, tmp_path, umask, mode):
    d = rnndiagram.diagram(example_specs["seed_dense"])
    previous = os.umask(umask)
    try:
        path = d.save(tmp_path / "a.svg")
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == mode


def test_a_replaced_file_keeps_its_mode(example_specs, tmp_path):
    target = tmp_path / "a.svg"
    target.write_text("old")
    target.chmod(0o604)
    rnndiagram.diagram(example_specs["seed_dense"]).save(target)
    assert target.stat().st_mode & 0o777 == 0o604 and target.read_text().startswith("<svg")


def test_jupyter_display_is_the_svg(example_specs):
    d = rnndiagram.diagram(example_specs["seed_dense"])
    assert d._repr_svg_() == d.to_svg()
    assert "seed_dense" in repr(d)


def test_the_svg_is_made_once(example_specs, monkeypatch):
    """As the class says: a notebook that displays a diagram again does not render it again."""
    from rnndiagram.render import svg

    calls = []
    real = svg.render_svg
    monkeypatch.setattr(svg, "render_svg", lambda scene: calls.append(scene) or real(scene))
    d = rnndiagram.diagram(example_specs["seed_dense"])
    assert d.to_svg() == d._repr_svg_() == d.to_svg() and len(calls) == 1


def test_each_drawing_stage_runs_with_the_garbage_collector_paused(example_specs, monkeypatch):
    """Collections triggered by a stage's allocations scan all of Keras's objects, for no
    cycle to free: each stage pauses the collector, and leaves it as it found it."""
    import gc

    from rnndiagram.layout import scene
    from rnndiagram.render import dot, svg
    from rnndiagram.views import unrolled

    seen = {}
    for module, name in ((unrolled, "build"), (unrolled, "lay_out"), (svg, "render_svg"), (dot, "render_dot")):
        real = getattr(module, name)

        def spy(*args, _real=real, _name=name):
            seen[_name] = gc.isenabled()
            return _real(*args)
        monkeypatch.setattr(module, name, spy)
    d = rnndiagram.diagram(example_specs["seed_dense"])
    assert d.to_svg().startswith("<svg") and "digraph" in d.to_dot()
    assert isinstance(d.scene, scene.Scene)
    assert seen == {"build": False, "lay_out": False, "render_svg": False, "render_dot": False}
    assert gc.isenabled()
    gc.disable()
    try:
        rnndiagram.diagram(example_specs["seed_dense"]).to_svg()
        assert not gc.isenabled()  # paused by the caller: left paused
    finally:
        gc.enable()


def test_tokens_as_a_string_are_split_like_the_command_line(example_specs):
    assert DiagramOptions(tokens="I am groot").tokens == ("I", "am", "groot")
    assert DiagramOptions(tokens="I am, groot").tokens == ("I am", "groot")
    d = rnndiagram.diagram(example_specs["seed_stacked"], tokens="I am groot")
    assert [n.label for n in d.graph.nodes if n.kind == "token"] == ["I", "am", "groot"]


@pytest.mark.parametrize("kwargs, message", [
    ({"values": "maybe"}, "values must be True or False, got 'maybe'"),
    ({"show_unreturned": 1}, "show_unreturned must be True or False"),
    ({"seed": "7"}, "seed must be an integer"),
    ({"tokens": 3}, "tokens must be a string or a list"),
    ({"max_timesteps": 100_000}, r"max_timesteps is 100000, more than the 100 columns .*\(--max-timesteps\)"),
])
def test_options_of_the_wrong_kind_are_refused(kwargs, message):
    with pytest.raises(OptionError, match=message):
        DiagramOptions(**kwargs)


def test_what_cannot_be_honoured_is_a_warning(example_specs):
    d = rnndiagram.diagram(example_specs["seed_stacked"], tokens=["a", "b", "c", "d"])
    with pytest.warns(RnnDiagramWarning, match=r"4 tokens were given for 3 timesteps; the last 1 \('d'\)"):
        d.to_svg()
    with pytest.warns(RnnDiagramWarning, match=r"dpi \(--dpi\) .* not used for svg"):
        d.render("svg", dpi=300)
    with pytest.warns(RnnDiagramWarning, match=r"scale \(--scale\) .* not used for pdf laid out by Graphviz"):
        d.render("pdf", engine="graphviz", scale=2)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rnndiagram.diagram(example_specs["seed_stacked"], tokens=["a", "b", "c"]).render("png", scale=2)
        rnndiagram.diagram(example_specs["variable_length"], tokens=list("abcdefgh")).to_svg()  # length unknown


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
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.theme = "dark"


def test_import_loads_neither_tensorflow_nor_the_drawing_stages():
    """``import rnndiagram`` (and so ``rnndiagram --help``, ``inspect``) stays light: the
    readers are imported by the dispatcher when a model is read."""
    import subprocess
    import sys

    heavy = ("tensorflow", "keras", "h5py", "jinja2", "rnndiagram.layout", "rnndiagram.render.svg",
             "rnndiagram.read.live", "rnndiagram.read.saved")
    code = f"import sys, rnndiagram.cli; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
