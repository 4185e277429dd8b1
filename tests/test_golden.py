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


def spec_of(name: str) -> ModelSpec:
    return ModelSpec.from_json((GOLDEN / f"{name}.spec.json").read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_saved_spec_matches_introspection(name, example_specs, request):
    path = GOLDEN / f"{name}.spec.json"
    if request.config.getoption("--update-golden"):
        path.write_text(example_specs[name].to_json() + "\n")
    assert path.exists(), f"missing {path.name}: run pytest --update-golden"
    assert spec_of(name) == example_specs[name]


@pytest.mark.parametrize("suffix", ["svg", "dot"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_output(name, suffix, request):
    d = rnndiagram.diagram(spec_of(name), **CASES[name])
    text = d.to_svg() if suffix == "svg" else d.to_dot()
    path = GOLDEN / f"{name}.{suffix}"
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
    assert set(CASES) <= set(examples.names())


def test_a_mismatch_writes_the_output_beside_the_golden_and_shows_the_diff(tmp_path):
    golden = tmp_path / "case.svg"
    golden.write_text("<svg>\n<g/>\n</svg>\n")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)case.actual.svg.*-<g/>\n\+<g x=\"1\"/>"):
        assert_same_as_golden('<svg>\n<g x="1"/>\n</svg>\n', golden)
    assert (tmp_path / "case.actual.svg").read_text() == '<svg>\n<g x="1"/>\n</svg>\n'
    assert_same_as_golden("<svg>\n<g/>\n</svg>\n", golden)
    assert not (tmp_path / "case.actual.svg").exists()
