"""The unrolled view (the default): one cell per shown timestep. Its stages are the
pipeline's own: ``unroll`` (stage 2, an :class:`~rnndiagram.unroll.graph.UnrolledGraph`),
``layout`` (stage 3) and ``render.dot``."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Optional, Sequence, Tuple

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


def build(spec: ModelSpec, options: DiagramOptions, values: Optional[Values] = None) -> UnrolledGraph:
    """The model unrolled in time; tokens past its last step are warned of."""
    # The drawing stages are imported on first use: ``import rnndiagram`` stays light
    # for the commands and plugins that only read specs.
    from ..unroll import unroll

    graph = unroll(spec, options, values)
    _warn_of_unused_tokens(graph, options.tokens)
    return graph


def lay_out(figure: UnrolledGraph, options: DiagramOptions) -> Scene:
    from ..layout import layout

    return layout(figure, options.theme)


def to_dot(figure: UnrolledGraph) -> str:
    from ..render.dot import render_dot

    return render_dot(figure)


def run(model: Any, spec: ModelSpec, arrays: Sequence[Any], options: DiagramOptions) -> Values:
    """Every layer call's outputs and every recurrent state after every step."""
    from ..read.values import compute_values

    return compute_values(model, spec, arrays)


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
