"""Golden SVG and DOT files for focused cases, compared exactly.

Each case starts from a saved spec (``tests/golden/NAME.spec.json``), so rendering runs
without Keras; one test per case proves the saved spec still equals live introspection.
Refresh with ``python -m pytest tests/test_golden.py --update-golden`` and review the diff
(open the SVGs in a browser). A missing golden file fails.
"""

from __future__ import annotations

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
    assert text == path.read_text(), f"{path.name} changed: review, then refresh with --update-golden"


def test_cases_are_examples():
    assert set(CASES) <= set(examples.names())
