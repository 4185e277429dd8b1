"""Both views side by side (``view="both"``): the rolled drawing, an equals sign and the
unrolled one, the figure textbooks draw of a recurrent network.

Its figure is the pair of the two views' figures, built by those views; ``layout`` sets
their scenes side by side and ``dot`` their DOT in one source.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Optional, Tuple

from ... import labels
from ...errors import RnnDiagramWarning
from .. import rolled, unrolled

if TYPE_CHECKING:
    from ...api import Diagram
    from ...layout.scene import Scene
    from ...options import DiagramOptions
    from ...spec import ModelSpec, Values
    from ...unroll.graph import UnrolledGraph
    from ..rolled.figure import RolledGraph

    Pair = Tuple[RolledGraph, UnrolledGraph]

NAME = "both"
TITLE = "both view"
DRAWS = unrolled.DRAWS
HOW = "rolled and unrolled in time, side by side"


def build(spec: ModelSpec, options: DiagramOptions, values: Optional[Values] = None) -> Pair:
    return rolled.build(spec, options), unrolled.build(spec, options, values)


def lay_out(figure: Pair, options: DiagramOptions) -> Scene:
    """The two scenes side by side (or one above the other); a pair over the size budget
    whose unrolled half is within it is warned of (an unrolled half over it was, when built)."""
    from .layout import beside

    half = unrolled.lay_out(figure[1], options)
    scene = beside(rolled.lay_out(figure[0], options), half)
    over = scene.width > unrolled.BUDGET[0] or scene.height > unrolled.BUDGET[1]
    if over and half.width <= unrolled.BUDGET[0] and half.height <= unrolled.BUDGET[1]:
        warnings.warn(f"the both view of {figure[1].name} is {scene.width:,.0f} x {scene.height:,.0f} px, over the "
                      f"{unrolled.BUDGET[0]:,} x {unrolled.BUDGET[1]:,} px budget; view='unrolled' or "
                      f"view='rolled' (--view) draws one of its halves", RnnDiagramWarning, stacklevel=3)
    return scene


def to_dot(figure: Pair) -> str:
    from .dot import render_both_dot

    return render_both_dot(*figure)


run = unrolled.run


def describe(diagram: Diagram) -> str:
    return labels.model_sentence(diagram.spec, HOW)
