"""The gallery: every built-in example drawn, with its code, in one folder."""

from __future__ import annotations

import inspect as _pyinspect
import textwrap
from pathlib import Path
from typing import Any, Callable, Iterable, List, Optional, Tuple

from . import examples
from ._io import make_folder, write_atomic
from .api import Diagram, diagram
from .render import format_of

COMMAND = "rnndiagram gallery"
VALUES_EXAMPLES = ("seed_simple_rnn", "seed_return_sequences", "seed_time_distributed", "seed_stacked")
GATE_EXAMPLES = {
    "seed_simple_rnn": "a SimpleRNN cell",
    "lstm_classifier": "an LSTM cell",
    "gru_masked_embedding": "a GRU cell with reset_after=True (Keras's default)",
    "gate_settings": "an LSTM with relu, hard_sigmoid and dropout, and a GRU with reset_after=False and no biases",
    "convlstm_next_frame": "a ConvLSTM2D cell: convolutions where the others multiply",
    "stacked_bidirectional_lstm": "each direction of two Bidirectional LSTMs",
    "custom_cell_rnn": "a custom cell: one box, its weights as the model holds them",
    "autoregressive_cell": "an LSTMCell in an RNN, and the same cell called directly",
}
"""The examples drawn gate by gate (``cell="gates"``), and what each shows."""
GATE_VALUES = {"seed_simple_rnn": 2, "gate_settings": 3}
"""Examples also drawn gate by gate with the real values of one step (the step)."""
ROLLED_EXAMPLES = ("seed_stacked", "stacked_bidirectional_lstm", "char_seq2seq", "deep_bidirectional_gru",
                   "memory_network", "luong_attention")
"""The examples drawn rolled (``view="rolled"``) and rolled beside unrolled (``view="both"``)."""
HEATMAP_SENTENCE = "the quick brown fox jumps over the lazy dog"
"""The real sentence the character-level example reads, a character a step, in its heatmap."""
HEATMAP_EXAMPLES = {"gru_masked_embedding": 3}
"""Examples drawn with ``heatmap=True`` over :data:`HEATMAP_SENTENCE` (the max_timesteps)."""
GATE_HEATMAPS = {"gru_masked_embedding": 20}
"""Examples drawn gate by gate with ``heatmap=True`` over :data:`HEATMAP_SENTENCE`: every gate
over every step (the step drawn: the 20th character, the space after "fox")."""
PAGE_EXAMPLES = ("stacked_bidirectional_lstm", "nested_encoder", "deep_bidirectional_gru", "luong_attention",
                 "attention_decoder_loop", "hierarchical_attention")
"""The big examples also written as an interactive page (``NAME.html``)."""
PAGE_VALUES = ("seed_stacked",)
"""Examples also written as an interactive page with values (``NAME-values.html``: its time slider)."""


def _values_diagram(name: str):
    """The example with real numbers; the weights are seeded so the drawing repeats."""
    return diagram(examples.build(name, seed=0), values=True, tokens=examples.get(name).tokens)


def write_gallery(folder: Path, names: Optional[Iterable[str]] = None,
                  progress: Callable[[str], None] = lambda name: None) -> List[Path]:
    """Render every example (SVG and DOT) and the README that shows them; return the files."""
    folder = make_folder(folder)
    written: List[Path] = []
    chosen = tuple(names or examples.names())
    for name in chosen:
        progress(name)
        example = examples.get(name)
        d = diagram(example.build(), tokens=example.tokens)
        written.append(_save(d, folder / f"{name}.svg"))
        written.append(_save(d, folder / f"{name}.dot"))
        valued = _values_diagram(name) if name in VALUES_EXAMPLES or name in PAGE_VALUES else None
        if valued is not None and name in VALUES_EXAMPLES:
            written.append(_save(valued, folder / f"{name}-values.svg"))
        if name in PAGE_EXAMPLES:
            written.append(_save(d, folder / f"{name}.html"))
        if valued is not None and name in PAGE_VALUES:
            written.append(_save(valued, folder / f"{name}-values.html"))
        written += [_save(view, folder / f"{name}-{suffix}.svg") for suffix, view in _other_views(name, d)]
    written.append(write_atomic(folder / "README.md", readme(chosen)))
    return written


def _other_views(name: str, unrolled: Diagram) -> List[Tuple[str, Diagram]]:
    """The example's rolled views and gate views, by the suffix of their files."""
    spec, tokens = unrolled.spec, examples.get(name).tokens
    found: List[Tuple[str, Diagram]] = []
    if name in ROLLED_EXAMPLES:
        found += [("rolled", diagram(spec, view="rolled")), ("both", diagram(spec, view="both", tokens=tokens))]
    if name in GATE_EXAMPLES:
        found.append(("gates", diagram(spec, cell="gates")))
    if name in GATE_VALUES:
        model = examples.build(name, seed=0)  # seeded, so the numbers repeat
        found.append(("gates-values", diagram(model, cell="gates", values=True, step=GATE_VALUES[name])))
    seeded = examples.build(name, seed=0) if name in HEATMAP_EXAMPLES or name in GATE_HEATMAPS else None
    if name in HEATMAP_EXAMPLES:
        found.append(("heatmap", diagram(seeded, heatmap=True, sample=sentence_ids(),
                                         tokens=[c if c != " " else "␣" for c in HEATMAP_SENTENCE],
                                         max_timesteps=HEATMAP_EXAMPLES[name])))
    if name in GATE_HEATMAPS:
        found.append(("gates-heatmap", diagram(seeded, cell="gates", heatmap=True,
                                               sample=sentence_ids(), step=GATE_HEATMAPS[name])))
    return found


def sentence_ids() -> Any:
    """:data:`HEATMAP_SENTENCE` as character ids, batch first: ``a`` to ``z`` are 1 to 26 and
    a space 27 (0 is the embedding's mask)."""
    import numpy as np

    return np.array([[ord(c) - 96 if c.isalpha() else 27 for c in HEATMAP_SENTENCE]], "int32")


def _save(d: Diagram, path: Path) -> Path:
    # The gallery names its files itself: a link found under one of those names is replaced.
    return write_atomic(path, d.render(str(format_of(path))))


def readme(names: Iterable[str]) -> str:
    parts = ["# Gallery", "",
             "Every built-in example of `rnndiagram.examples`, drawn by rnndiagram. "
             f"Regenerate this folder with `{COMMAND}` (from the repository root).", ""]
    for name in names:
        example = examples.get(name)
        source = textwrap.dedent(_pyinspect.getsource(example.build))
        parts += [f"## {example.title}", "", example.description, "",
                  f"![{name}]({name}.svg)", ""]
        if name in VALUES_EXAMPLES:
            parts += ["With `values=True` (seeded weights and input):", "",
                      f"![{name} with values]({name}-values.svg)", ""]
        if name in ROLLED_EXAMPLES:
            parts += ["Rolled (`view=\"rolled\"`): one cell per recurrent layer, its loop carrying the states; "
                      "and rolled = unrolled (`view=\"both\"`):", "", f"![{name} rolled]({name}-rolled.svg)", "",
                      f"![{name} rolled and unrolled]({name}-both.svg)", ""]
        if name in GATE_EXAMPLES:
            parts += [f"Inside the cell (`cell=\"gates\"`): {GATE_EXAMPLES[name]}.", "",
                      f"![{name} gate by gate]({name}-gates.svg)", ""]
        if name in HEATMAP_EXAMPLES:
            parts += [f"With `heatmap=True` over the sentence \"{HEATMAP_SENTENCE}\", a character a step "
                      "(seeded weights, not trained): its state h over all "
                      f"{len(HEATMAP_SENTENCE)} steps, unit by unit, under its cells.", "",
                      f"![{name} heatmap]({name}-heatmap.svg)", ""]
        if name in GATE_HEATMAPS:
            parts += [f"Gate by gate with `heatmap=True, step={GATE_HEATMAPS[name]}` over the same sentence: "
                      "each gate's activations over every step, the drawn step outlined.", "",
                      f"![{name} gate heatmaps]({name}-gates-heatmap.svg)", ""]
        if name in PAGE_EXAMPLES or name in PAGE_VALUES:
            pages = [f"[{name}.html]({name}.html)"] if name in PAGE_EXAMPLES else []
            pages += [f"[{name}-values.html]({name}-values.html) (with values: a time slider)"] \
                if name in PAGE_VALUES else []
            parts += ["Interactive page (download it and open it in a browser; it works offline): "
                      + " · ".join(pages) + ".", ""]
        if name in GATE_VALUES:
            parts += [f"With `values=True, step={GATE_VALUES[name]}` (seeded weights and input): the real gate "
                      f"activations and states of that step.", "",
                      f"![{name} gates with values]({name}-gates-values.svg)", ""]
        parts += ["```python", source.rstrip(), "```", "",
                  f"`rnndiagram.diagram(examples.build({name!r})"
                  + (f", tokens={list(example.tokens)!r}" if example.tokens else "")
                  + f")` · [DOT]({name}.dot)", ""]
    return "\n".join(parts)
