"""Golden SVG and DOT files for focused cases, compared exactly.

Each case starts from a saved spec (``tests/golden/NAME.spec.json``), so rendering runs
without Keras; one test per case proves the saved spec still equals live introspection.
A mismatch writes the actual output beside the golden file (``NAME.actual.svg``) and shows
the diff. Refresh goldens and the gallery together with
``python -m pytest tests/test_golden.py tests/test_gallery.py --update-golden``, then review
the changes as pictures (open the SVGs in a browser). A missing golden file fails.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

import rnndiagram
from rnndiagram import examples
from rnndiagram.spec import ModelSpec

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "seed_simple_rnn": {"tokens": ["I", "am", "groot"]},
    "seed_stacked": {"tokens": ["I", "am", "groot"]},
    "seed_time_distributed": {"tokens": ["I", "am", "groot"], "theme": "auto"},
    "lstm_classifier": {"show_unreturned": True},
    "stacked_bidirectional_lstm": {},
    "char_seq2seq": {"theme": "dark"},
    "convlstm_next_frame": {},
    "variable_length": {"timesteps": 3},
}
VIEWS = {
    # the gate view of each kind of cell
    "seed_simple_rnn-gates": ("seed_simple_rnn", {"cell": "gates"}),
    "lstm_classifier-gates": ("lstm_classifier", {"cell": "gates", "theme": "dark"}),
    "gru_masked_embedding-gates": ("gru_masked_embedding", {"cell": "gates"}),
    "gate_settings-gates": ("gate_settings", {"cell": "gates", "step": 3}),
    "convlstm_next_frame-gates": ("convlstm_next_frame", {"cell": "gates", "theme": "auto"}),
    "stacked_bidirectional_lstm-gates": ("stacked_bidirectional_lstm", {"cell": "gates", "step": 2}),
    "custom_cell_rnn-gates": ("custom_cell_rnn", {"cell": "gates"}),
    "autoregressive_cell-gates": ("autoregressive_cell", {"cell": "gates"}),
    # the rolled view, and rolled = unrolled
    "seed_stacked-rolled": ("seed_stacked", {"view": "rolled"}),
    "seed_stacked-both": ("seed_stacked", {"view": "both", "tokens": ["I", "am", "groot"]}),
    "stacked_bidirectional_lstm-both": ("stacked_bidirectional_lstm", {"view": "both", "theme": "dark"}),
    "char_seq2seq-rolled": ("char_seq2seq", {"view": "rolled"}),
    # every block of a run drawn, as before runs were folded (byte for byte), and the run drawn once
    "deep_bidirectional_gru-rolled": ("deep_bidirectional_gru", {"view": "rolled", "fold_repeats": False}),
    "deep_bidirectional_gru-unfolded": ("deep_bidirectional_gru", {"fold_repeats": False}),
    "deep_bidirectional_gru-repeats": ("deep_bidirectional_gru", {}),
}
"""Golden drawings of the other views: name -> (the example whose saved spec they draw, options)."""
SPECS = sorted(set(CASES) | {example for example, _ in VIEWS.values()})


def spec_of(name: str) -> ModelSpec:
    return ModelSpec.from_json((GOLDEN / f"{name}.spec.json").read_text())


@pytest.mark.parametrize("name", SPECS)
def test_saved_spec_matches_introspection(name, example_specs, request):
    path = GOLDEN / f"{name}.spec.json"
    if request.config.getoption("--update-golden"):
        path.write_text(example_specs[name].to_json() + "\n")
    assert path.exists(), f"missing {path.name}: run pytest --update-golden"
    assert spec_of(name) == example_specs[name]


@pytest.mark.parametrize("suffix", ["svg", "dot"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_output(name, suffix, request):
    check_golden(rnndiagram.diagram(spec_of(name), **CASES[name]), f"{name}.{suffix}", request)


@pytest.mark.parametrize("suffix", ["svg", "dot"])
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_golden_views(name, suffix, request):
    example, options = VIEWS[name]
    check_golden(rnndiagram.diagram(spec_of(example), **options), f"{name}.{suffix}", request)


def check_golden(d: rnndiagram.Diagram, file_name: str, request: pytest.FixtureRequest) -> None:
    """The drawing in the format the file's suffix names, compared with it (or written to it
    with ``--update-golden``)."""
    path = GOLDEN / file_name
    text = d.to_svg() if path.suffix == ".svg" else d.to_dot()
    if request.config.getoption("--update-golden"):
        path.write_text(text)
    assert path.exists(), f"missing golden {path.name}: run pytest --update-golden and review it"
    assert_same_as_golden(text, path)


def assert_same_as_golden(text: str, path: Path) -> None:
    """Equal text, or a failure that writes the actual output beside the golden file and shows
    the first lines of the diff."""
    actual = path.with_name(f"{path.stem}.actual{path.suffix}")
    expected = path.read_text()
    if text == expected:
        actual.unlink(missing_ok=True)
        return
    actual.write_text(text)
    diff = "".join(list(difflib.unified_diff(expected.splitlines(True), text.splitlines(True),
                                             str(path.name), str(actual.name)))[:60])
    pytest.fail(f"{path.name} changed; the output is in {actual.name}. Review it, then refresh with "
                f"--update-golden.\n{diff}")


def test_cases_are_examples():
    assert set(SPECS) <= set(examples.names())


def test_every_kind_of_cell_and_every_view_has_a_golden():
    kinds = {c.figure for example, options in VIEWS.values() if options.get("cell") == "gates"
             for layer in spec_of(example).layers
             for c in ((layer.recurrent.forward or layer.recurrent).cell_specs if layer.recurrent else
                       (layer.cell,) if layer.cell else ())}
    assert kinds == {"simple_rnn", "lstm", "gru", None}  # None: a custom cell, one box
    settings = {(c.reset_after, c.conv is not None) for example, options in VIEWS.values()
                for layer in spec_of(example).layers if layer.recurrent and options.get("cell") == "gates"
                for c in (layer.recurrent.forward or layer.recurrent).cell_specs}
    assert {(True, False), (False, False), (None, True)} <= settings  # GRU both ways, ConvLSTM
    assert {options.get("view") for _, options in VIEWS.values()} == {None, "rolled", "both"}


def test_a_mismatch_writes_the_output_beside_the_golden_and_shows_the_diff(tmp_path):
    golden = tmp_path / "case.svg"
    golden.write_text("<svg>\n<g/>\n</svg>\n")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)case.actual.svg.*-<g/>\n\+<g x=\"1\"/>"):
        assert_same_as_golden('<svg>\n<g x="1"/>\n</svg>\n', golden)
    assert (tmp_path / "case.actual.svg").read_text() == '<svg>\n<g x="1"/>\n</svg>\n'
    assert_same_as_golden("<svg>\n<g/>\n</svg>\n", golden)
    assert not (tmp_path / "case.actual.svg").exists()
