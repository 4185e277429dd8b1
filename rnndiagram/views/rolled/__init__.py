"""The rolled view: one cell per recurrent layer, with a loop carrying its states.

``figure`` is its stage 2 (a ModelSpec in, a :class:`~rnndiagram.views.rolled.figure.RolledGraph`,
one node per layer call on rows, out), ``layout`` its stage 3 (a Scene out, rendered by
``render.svg``) and ``dot`` its Graphviz form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, FrozenSet, Optional, Sequence

from ... import labels

if TYPE_CHECKING:
    from ...api import Diagram
    from ...layout.scene import Scene
    from ...options import DiagramOptions
    from ...spec import ModelSpec, Values
    from .figure import RolledGraph

NAME = "rolled"
TITLE = "rolled view"
DRAWS: FrozenSet[str] = frozenset()
HOW = "rolled, one looping cell per recurrent layer"


def build(spec: ModelSpec, options: DiagramOptions, values: Optional[Values] = None) -> RolledGraph:
    """One node per layer call; it draws no numbers, so ``values`` is not used."""
    from .figure import roll

    return roll(spec, options)


def lay_out(figure: RolledGraph, options: DiagramOptions) -> Scene:
    from .layout import layout_rolled

    return layout_rolled(figure, options.theme)


def to_dot(figure: RolledGraph) -> str:
    from .dot import render_rolled_dot

    return render_rolled_dot(figure)


def run(model: Any, spec: ModelSpec, arrays: Sequence[Any], options: DiagramOptions) -> Values:
    """Nothing: the rolled view prints no numbers, so the model is never run for it."""
    return {}


def describe(diagram: Diagram) -> str:
    return labels.model_sentence(diagram.spec, HOW)
