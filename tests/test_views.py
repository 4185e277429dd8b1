"""The views' registry: every view under its name, of one shape, chosen in one place."""

from __future__ import annotations

from pathlib import Path

import rnndiagram
from rnndiagram import options
from rnndiagram.options import DiagramOptions
from rnndiagram.spec import ModelSpec
from rnndiagram.views import VIEWS, choose, view_of

GOLDEN = Path(__file__).parent / "golden"


def test_every_view_is_registered_under_its_name_with_the_same_stages():
    assert set(VIEWS) == set(options.VIEWS) | {"gates"}
    for name, view in VIEWS.items():
        assert view.NAME == name and view.TITLE.endswith(" view")
        assert all(callable(getattr(view, stage)) for stage in ("build", "lay_out", "to_dot", "run", "describe"))
        assert view.DRAWS <= {"step", "values", "tokens"}


def test_the_options_choose_the_view():
    assert view_of(DiagramOptions()) is VIEWS["unrolled"]
    assert view_of(DiagramOptions(view="both")) is VIEWS["both"]
    assert view_of(DiagramOptions(cell="gates")) is VIEWS["gates"]
    assert choose("rolled", "box") is choose("rolled") is VIEWS["rolled"]


def test_a_diagram_draws_through_its_view():
    spec = ModelSpec.from_json((GOLDEN / "char_seq2seq.spec.json").read_text())
    for name in ("rolled", "both"):
        d = rnndiagram.diagram(spec, view=name)
        view = VIEWS[name]
        assert d.view is view
        assert d.to_dot() == view.to_dot(view.build(spec, d.options, None))
        assert d.scene == view.lay_out(d.figure, d.options)
