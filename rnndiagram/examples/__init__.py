"""Built-in example models for the gallery, the docs and the tests (Keras imported lazily).

Every model and layer is named explicitly: Keras's automatic names come from global
counters, so they would change with whatever was built before and break determinism.
The examples come in four groups: the blog post's figures (``seed``), one recurrent idea
per model (``basic``), the settings inside a cell (``cells``: the gate view's), the
functional patterns of published models, rebuilt small from their public sources
(``functional``), and recurrence in Python loops and nested models (``loops``).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from ..read.keras_import import seed_weights
from .base import SEED_TOKENS, Example
from .cells import EXAMPLES as _CELLS
from .cells import autoregressive_cell, deep_bidirectional_gru, gate_settings
from .basic import EXAMPLES as _BASIC
from .basic import (addition_rnn, attention_seq2seq, char_seq2seq, conv_lstm_text, convlstm_next_frame, crnn,
                    custom_cell_rnn, gru_masked_embedding, long_sequence, lstm_classifier, nested_encoder,
                    stacked_bidirectional_lstm, stateful_gru, two_branch_merge, variable_length)
from .functional import EXAMPLES as _FUNCTIONAL
from .loops import EXAMPLES as _LOOPS
from .loops import attention_decoder_loop, convlstm_forecaster_loop, feedback_forecaster, hierarchical_attention
from .functional import (bidirectional_handoff, deepspeech2, luong_attention, memory_network, nmt_encoder, ocr_gru_pair,
                         seq2seq_inference_decoder, siamese_lstm)
from .seed import EXAMPLES as _SEED
from .seed import seed_dense, seed_return_sequences, seed_simple_rnn, seed_stacked, seed_time_distributed

__all__ = ["SEED_TOKENS", "Example", "build", "get", "names",
           # every builder, so that ``rnndiagram.examples:seed_stacked`` names a model source
           "seed_simple_rnn", "seed_dense", "seed_return_sequences", "seed_time_distributed", "seed_stacked",
           "lstm_classifier", "gru_masked_embedding", "stacked_bidirectional_lstm", "char_seq2seq",
           "convlstm_next_frame", "custom_cell_rnn", "stateful_gru", "long_sequence", "variable_length",
           "two_branch_merge", "addition_rnn", "crnn", "conv_lstm_text", "nested_encoder", "attention_seq2seq",
           "gate_settings", "autoregressive_cell", "deep_bidirectional_gru",
           "siamese_lstm", "ocr_gru_pair", "memory_network", "seq2seq_inference_decoder", "nmt_encoder",
           "bidirectional_handoff", "luong_attention", "deepspeech2", "attention_decoder_loop", "feedback_forecaster",
           "convlstm_forecaster_loop", "hierarchical_attention"]

_EXAMPLES: Tuple[Example, ...] = _SEED + _BASIC + _CELLS + _FUNCTIONAL + _LOOPS
_BY_NAME: Dict[str, Example] = {e.name: e for e in _EXAMPLES}


def names() -> Tuple[str, ...]:
    """The example names, in gallery order."""
    return tuple(e.name for e in _EXAMPLES)


def get(name: str) -> Example:
    """The example called ``name``; ``KeyError`` lists the valid names."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no example {name!r}; examples are {', '.join(names())}") from None


def build(name: str, seed: Optional[int] = None) -> Any:
    """A freshly built ``keras.Model`` of the example called ``name``; with ``seed``, its
    weights are drawn from Keras's random generators seeded with it (so values repeat)."""
    if seed is not None:
        seed_weights(seed)
    return get(name).build()
