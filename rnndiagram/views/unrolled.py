"""The unrolled view (the default): one cell per shown timestep. Its stages are the
pipeline's own: ``unroll`` (stage 2, an :class:`~rnndiagram.unroll.graph.UnrolledGraph`),
``layout`` (stage 3) and ``render.dot``."""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple

from .. import labels
from ..errors import RnnDiagramWarning

if TYPE_CHECKING:
    from ..api import Diagram
    from ..layout.scene import Scene
    from ..options import DiagramOptions
    from ..spec import ModelSpec, Values
    from ..unroll.graph import UnrolledGraph

NAME = "unrolled"
TITLE = "unrolled view"
DRAWS = frozenset({"values", "tokens"})
HOW = "unrolled in time"


BUDGET = (1600, 3000)
"""The size (width, height in px) a drawing at default options keeps within."""

FEWEST_STEPS = 3
"""The fewest columns a time axis shows to fit the budget: the first step, "…", the last."""

COMPACT_TRIED = 2.0
"""How many times the budget's height a laid-out drawing may be for its compact layout (20 to
30 % shorter) to be tried; a taller one (a graph of hundreds of layers) is not laid out
again. (One that :func:`~rnndiagram.layout.least_height` shows too tall before any layout is
laid out compact from the start, however tall: compact is also the faster layout.)"""

_laid_out: List[Tuple[UnrolledGraph, str, Scene]] = []
"""The graph the budget chose, its theme and the scene it measured, until :func:`lay_out`
hands that scene to the diagram that draws it (once: nothing stays alive here after)."""


def build(spec: ModelSpec, options: DiagramOptions, values: Optional[Values] = None) -> UnrolledGraph:
    """The model unrolled in time, within the size budget where fewer steps make it fit;
    tokens past its last step, and a drawing still over the budget, are warned of."""
    # The drawing stages are imported on first use: ``import rnndiagram`` stays light
    # for the commands and plugins that only read specs.
    from ..unroll import unroll

    graph = unroll(spec, options, values)
    _warn_of_unused_tokens(graph, options.tokens)
    if options.heatmap:
        from ..unroll.heatmaps import with_heatmaps

        graph = with_heatmaps(graph, spec, values, options.tokens)
    return _within_budget(spec, options, values, graph)


def lay_out(figure: UnrolledGraph, options: DiagramOptions) -> Scene:
    for graph, theme, scene in _laid_out:
        if graph is figure and theme == options.theme:
            _laid_out.clear()
            return scene
    from ..layout import layout

    return layout(figure, options.theme)


def _within_budget(spec: ModelSpec, options: DiagramOptions, values: Optional[Values],
                   graph: UnrolledGraph) -> UnrolledGraph:
    """``graph``, or, where it is wider than the budget at the default ``max_timesteps``,
    the model drawn with fewer steps per time axis (not in values mode: the numbers of the
    steps asked for are kept), and, where it is taller (up to :data:`COMPACT_TRIED` times),
    laid out compact; what is still over is warned of. A graph that
    :func:`~rnndiagram.layout.least_height` already shows to be too tall is laid out compact
    from the start, not first as it would be and then again, however tall it is; one that
    no layout brings within the budget (more than :data:`COMPACT_TRIED` times as tall) shows
    fewer steps from the start too, as a drawing over the budget does."""
    from ..layout import least_height
    from ..options import DiagramOptions as Defaults

    steps = options.max_timesteps
    narrowing = steps == Defaults().max_timesteps and steps > FEWEST_STEPS and not values and _elided(graph)
    least = least_height(graph)
    if BUDGET[1] < least:  # surely too tall: not laid out roomy
        graph = replace(graph, compact=True)
    if narrowing and COMPACT_TRIED * BUDGET[1] < least:  # far too tall: not laid out with every step first
        graph = _fewer_steps(spec, options, values, graph)
        _warn(f"the unrolled view of {spec.name} is at least {least:,.0f} px tall, far over the "
              f"{BUDGET[1]:,} px budget: each time axis shows {FEWEST_STEPS} steps, not {steps}; "
              f"pass max_timesteps={steps + 1} (--max-timesteps {steps + 1}) or more to see more of them")
        narrowing = False
    scene = _measured(graph, options)
    width, height = scene.width, scene.height
    if width > BUDGET[0] and narrowing:
        fewer = _fewer_steps(spec, options, values, graph)
        narrower = _measured(fewer, options)
        if narrower.width < width:
            _warn(f"the unrolled view of {spec.name} would be {width:,.0f} px wide, more than "
                  f"{BUDGET[0]:,} px: each time axis shows {FEWEST_STEPS} steps, not {steps}; pass "
                  f"max_timesteps={steps + 1} (--max-timesteps {steps + 1}) or more to see more of them")
            graph, scene, width, height = fewer, narrower, narrower.width, narrower.height
    if not graph.compact and BUDGET[1] < height <= COMPACT_TRIED * BUDGET[1]:
        compact = replace(graph, compact=True)
        shorter = _measured(compact, options)
        if shorter.height < height:
            graph, scene, width, height = compact, shorter, shorter.width, shorter.height
    _laid_out[:] = [(graph, options.theme, scene)]  # the scene measured is the one drawn
    advice = (["a smaller max_timesteps (--max-timesteps) shows fewer steps"] if width > BUDGET[0] else []) \
        + (["view='rolled' (--view rolled) draws each recurrent layer once"] if height > BUDGET[1] else [])
    if advice:
        _warn(f"the unrolled view of {spec.name} is {width:,.0f} x {height:,.0f} px, over the "
              f"{BUDGET[0]:,} x {BUDGET[1]:,} px budget; " + " and ".join(advice))
    return graph


def _fewer_steps(spec: ModelSpec, options: DiagramOptions, values: Optional[Values],
                 graph: UnrolledGraph) -> UnrolledGraph:
    """The model unrolled again with :data:`FEWEST_STEPS` columns a time axis, laid out as
    ``graph`` is (compact or not)."""
    from ..unroll import unroll

    return replace(unroll(spec, options.with_(max_timesteps=FEWEST_STEPS), values), compact=graph.compact)


def _measured(graph: UnrolledGraph, options: DiagramOptions) -> Scene:
    from ..layout import layout

    return layout(graph, options.theme)


def _elided(graph: UnrolledGraph) -> bool:
    """Whether a time axis shows more columns than the fewest (fewer would make it narrower)."""
    return any(p.kind == "time" and len(p.columns) > FEWEST_STEPS
               and any(c.ellipsis for c in p.columns) for p in graph.panels)


def _warn(message: str) -> None:
    warnings.warn(message, RnnDiagramWarning, stacklevel=4)


def to_dot(figure: UnrolledGraph) -> str:
    from ..render.dot import render_dot

    return render_dot(figure)


def run(model: Any, spec: ModelSpec, arrays: Sequence[Any], options: DiagramOptions) -> Values:
    """Every layer call's outputs and every recurrent state after every step (with
    ``heatmap``, every unit of them too, for the heatmaps)."""
    from ..read.values import compute_values

    values = compute_values(model, spec, arrays)
    if options.heatmap:
        from ..read.heat_values import compute_heat_values

        values.update(compute_heat_values(model, spec, arrays, options.max_timesteps))
    return values


def describe(diagram: Diagram) -> str:
    return labels.model_sentence(diagram.spec, HOW)


def _warn_of_unused_tokens(graph: UnrolledGraph, tokens: Optional[Tuple[str, ...]]) -> None:
    """More tokens than a sequence has steps: the extra ones have no step to label."""
    if not tokens:
        return
    labelled = {n.panel for n in graph.nodes if n.kind == "token"}
    lengths = [max((c.t or 0) for c in panel.columns) for panel in graph.panels
               if panel.index in labelled and all(c.t is not None or c.ellipsis for c in panel.columns)]
    if lengths and max(lengths) < len(tokens):
        extra = tokens[max(lengths):]
        shown = ", ".join(repr(t) for t in extra[:3]) + (", ..." if len(extra) > 3 else "")
        warnings.warn(f"{len(tokens)} tokens were given for {max(lengths)} timesteps; the last "
                      f"{len(extra)} ({shown}) label no step and are not drawn", RnnDiagramWarning,
                      stacklevel=3)
