"""Stage 4, rendering: the output formats (one registry, read by the API and the command
line) and the renderers that write them: ``svg`` (a Scene through Jinja2 templates), ``dot``
(an UnrolledGraph as Graphviz DOT) ``raster`` (PNG and PDF) and ``html`` (the interactive page)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Dict, Optional, Tuple, Union

from .._records import frozen


@frozen
class Format:
    """An output format: its name, the file suffixes that mean it, and what it holds."""

    name: str
    suffixes: Tuple[str, ...]
    what: str


FORMATS: Dict[str, Format] = {f.name: f for f in (
    Format("svg", (".svg",), "the diagram as SVG, laid out by rnndiagram"),
    Format("dot", (".dot", ".gv"), "the diagram as Graphviz DOT source"),
    Format("png", (".png",), "the SVG drawn as PNG (needs rnndiagram[raster])"),
    Format("pdf", (".pdf",), "a PDF page holding the SVG drawn (needs rnndiagram[raster])"),
    Format("json", (".json",), "the model spec as JSON"),
    Format("html", (".html", ".htm"), "an interactive page of every view, one file that works offline"),
)}
"""Every format rnndiagram writes, by name."""

SUFFIXES: Dict[str, str] = {suffix: f.name for f in FORMATS.values() for suffix in f.suffixes}
"""The format each file suffix means (lower case, with the dot)."""

ENGINES = ("rnndiagram", "graphviz")
"""Who lays a drawing out: rnndiagram's own layout, or Graphviz's ``dot`` from the DOT source."""


def format_of(path: Union[str, PurePath]) -> Optional[str]:
    """The format a file's suffix means, or ``None``.

    >>> format_of("model.GV"), format_of("notes.txt")
    ('dot', None)
    """
    return SUFFIXES.get(PurePath(path).suffix.lower())
