"""Stage 4 of the gate view, DOT: each cell a cluster of its gates (boxes), pointwise
operations (circles) and strips, arrows as the figure draws them; Graphviz lays it out."""

from __future__ import annotations

from typing import List

from ...render.dot import digraph, dot_id, dot_lines, full_text, strip_text
from ...render.dot_budget import bounded
from .parts import CellFigure, GateFigure, Part

_STYLE = {
    "gate": {"shape": "box", "style": "rounded,filled", "fillcolor": "#fff2cc", "color": "#d6b656"},
    "linear": {"shape": "box", "style": "rounded,filled", "fillcolor": "#b1ddf0", "color": "#10739e"},
    "custom": {"shape": "box", "style": "rounded,filled", "fillcolor": "#b1ddf0", "color": "#10739e"},
    "op": {"shape": "circle", "style": "filled", "fillcolor": "#f8cecc", "color": "#b85450", "fixedsize": "true",
           "width": "0.4"},
    "act": {"shape": "box", "style": "rounded,filled", "fillcolor": "#f8cecc", "color": "#b85450"},
}
_STRIP = {"shape": "box", "fontsize": "10", "height": "0.3"}


def render_gates_dot(figure: GateFigure) -> str:
    """The gate view as DOT source: one cluster per cell, inputs at the bottom."""
    dot = digraph(figure.name, figure.summary)
    for cell in figure.cells:
        with dot.subgraph(name=f"cluster_{dot_id(cell.key)}") as box:
            box.attr(label=dot_lines(list(cell.heading)), labeljust="l", style="rounded", color="#9a9a9a",
                     fontsize="11", **{"class": "rnd-cell rnd-gates"}, **full_text(cell.heading))
            for part in cell.parts:
                box.node(dot_id(part.id), _label(part), **_STYLE.get(part.kind, _STRIP),
                         **{"class": f"rnd-{part.kind}"})
            _edges(box, cell)
    return bounded(dot)


def _label(part: Part) -> str:
    if part.kind in ("gate", "linear", "custom"):
        lines: List[str] = [part.label if part.kind != "linear" else "", part.formula]
        return dot_lines(lines + [w.text for w in part.weights] + list(part.notes))
    if part.kind in ("op", "act"):
        return dot_lines([part.label])
    return dot_lines([part.caption, strip_text(part.strip), *part.notes])


def _edges(dot, cell: CellFigure) -> None:
    for flow in cell.flows:
        attrs = {"class": "rnd-state" if flow.state else "rnd-data"}
        if flow.state:
            attrs["penwidth"] = "2"
        dot.edge(dot_id(flow.src), dot_id(flow.dst), **attrs)
