"""The gate view (``cell="gates"``): one step inside each recurrent layer's cell, drawn
from its spec.

``figure`` is its stage 2 (a ModelSpec in, a :class:`~rnndiagram.views.gates.parts.GateFigure`,
what to draw, out; ``steps`` chooses the step drawn of each layer and ``recipes`` draws each
cell), ``layout`` its stage 3 (a Scene out, rendered by ``render.svg``) and ``dot`` its
Graphviz form.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Optional, Sequence

if TYPE_CHECKING:
    from ...api import Diagram
    from .parts import GateFigure
    from ...layout.scene import Scene
    from ...options import DiagramOptions
    from ...spec import ModelSpec, Values

NAME = "gates"
TITLE = "gate view"
DRAWS = frozenset({"step", "values"})


def build(spec: ModelSpec, options: DiagramOptions, values: Optional[Values] = None) -> GateFigure:
    from .figure import gate_figure

    figure = gate_figure(spec, options, values)
    if options.heatmap and values:
        from ...unroll.heatmaps import gate_heatmaps

        cells = tuple(replace(c, heatmaps=gate_heatmaps(values, c.layer, c.value_part, c.direction))
                      for c in figure.cells)
        figure = replace(figure, cells=cells)
    return figure


def lay_out(figure: GateFigure, options: DiagramOptions) -> Scene:
    from .layout import layout_gates

    return layout_gates(figure, options.theme)


def to_dot(figure: GateFigure) -> str:
    from .dot import render_gates_dot

    return render_gates_dot(figure)


def run(model: Any, spec: ModelSpec, arrays: Sequence[Any], options: DiagramOptions) -> Values:
    """The gate activations and states of the step drawn of each layer."""
    from .steps import choose_steps
    from ...read.gate_values import compute_gate_values

    steps = {path: chosen.step for path, chosen in choose_steps(spec, options).items()}
    values = compute_gate_values(model, spec, arrays, steps)
    if options.heatmap:
        from ...read.heat_values import compute_heat_values

        values.update(compute_heat_values(model, spec, arrays, options.max_timesteps, gates=True))
    return values


def describe(diagram: Diagram) -> str:
    figure: GateFigure = diagram.figure
    cells = ", ".join(f"{c.layer}{' ' + c.direction if c.direction else ''} "
                      f"({'?' if c.params is None else format(c.params, ',')} parameters)" for c in figure.cells)
    return f"One step inside each recurrent cell of the Keras model {diagram.spec.name}, gate by gate: {cells}."
