"""The built-in example models: registry API, builder sources, saving the custom cell."""

from __future__ import annotations

import inspect as pyinspect
import subprocess
import sys
from pathlib import Path

import keras
import pytest

from rnndiagram import examples
from rnndiagram import inspect as introspect

EXPECTED = (
    "seed_simple_rnn", "seed_dense", "seed_return_sequences", "seed_time_distributed",
    "seed_stacked", "lstm_classifier", "gru_masked_embedding", "stacked_bidirectional_lstm",
    "char_seq2seq", "convlstm_next_frame", "custom_cell_rnn", "stateful_gru", "long_sequence",
    "variable_length", "two_branch_merge", "addition_rnn", "crnn", "conv_lstm_text", "nested_encoder",
    "attention_seq2seq", "gate_settings", "autoregressive_cell", "deep_bidirectional_gru", "siamese_lstm",
    "ocr_gru_pair", "memory_network", "seq2seq_inference_decoder", "nmt_encoder", "bidirectional_handoff",
    "luong_attention", "deepspeech2", "attention_decoder_loop", "feedback_forecaster",
    "convlstm_forecaster_loop", "hierarchical_attention",
)
FUNCTIONAL = EXPECTED[-12:]
"""The patterns of published models (functional, loops, nested), each rebuilt from a cited source."""


def test_names_are_stable() -> None:
    assert examples.names() == EXPECTED


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(KeyError, match="no example 'nope'; examples are seed_simple_rnn, "):
        examples.get("nope")
    with pytest.raises(KeyError, match="variable_length"):
        examples.build("nope")


@pytest.mark.parametrize("name", EXPECTED)
def test_example_metadata(name: str) -> None:
    example = examples.get(name)
    assert example.name == name
    assert example.title and "\n" not in example.title
    assert example.description.endswith(".")
    assert example.tokens is None or all(isinstance(t, str) for t in example.tokens)


@pytest.mark.parametrize("name", EXPECTED)
def test_builder_source_is_just_the_builder(name: str) -> None:
    source = pyinspect.getsource(examples.get(name).build)
    assert source.startswith(f"def {name}() -> keras.Model:\n")
    assert source.count("\ndef ") == 0
    assert f'name="{name}"' in source


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_published_patterns_name_their_source_and_changes(name: str) -> None:
    doc = pyinspect.getdoc(examples.get(name).build) or ""
    assert "Source: " in doc and "Changed: " in doc


def test_every_builder_is_a_model_source() -> None:
    """``rnndiagram.examples:NAME`` names each example for the CLI and the docs plugins."""
    assert all(getattr(examples, name) is examples.get(name).build for name in EXPECTED)


def test_importing_examples_does_not_import_keras() -> None:
    code = ("import sys, rnndiagram, rnndiagram.examples as e; e.names(); e.get('seed_dense'); "
            "print('keras' in sys.modules, 'tensorflow' in sys.modules)")
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=root, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_custom_cell_model_saves_and_loads(tmp_path: Path) -> None:
    model = examples.build("custom_cell_rnn")
    model.save(tmp_path / "custom.keras")
    loaded = keras.models.load_model(tmp_path / "custom.keras")
    assert introspect(loaded) == introspect(model)
