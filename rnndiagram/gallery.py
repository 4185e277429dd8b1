"""The gallery: every built-in example drawn, with its code, in one folder."""

from __future__ import annotations

import inspect as _pyinspect
import textwrap
from pathlib import Path
from typing import Callable, Iterable, List, Optional

from . import examples
from ._io import make_folder, write_atomic
from .api import Diagram, diagram
from .render import format_of

COMMAND = "rnndiagram gallery"
VALUES_EXAMPLES = ("seed_simple_rnn", "seed_return_sequences", "seed_time_distributed", "seed_stacked")


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
        if name in VALUES_EXAMPLES:
            written.append(_save(_values_diagram(name), folder / f"{name}-values.svg"))
    written.append(write_atomic(folder / "README.md", readme(chosen)))
    return written


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
            parts += ["With `values=True` (seeded weights and input):", "", f"![{name} with values]({name}-values.svg)", ""]
        parts += ["```python", source.rstrip(), "```", "",
                  f"`rnndiagram.diagram(examples.build({name!r})"
                  + (f", tokens={list(example.tokens)!r}" if example.tokens else "")
                  + f")` · [DOT]({name}.dot)", ""]
    return "\n".join(parts)
