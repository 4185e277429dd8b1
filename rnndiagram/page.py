"""The interactive page of a diagram: which drawings it holds (every view, the folds it
toggles, the steps its time slider goes through), rendered by ``render.html``.

The alternatives are pre-computed, few in number: a fold kind (:data:`FOLDS`) doubles the
unrolled and rolled drawings only where its other setting draws something else, and in
values mode the gate view is drawn once per step slid through (at most :data:`MAX_STEPS`).
"""

from __future__ import annotations

import itertools
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from .errors import RnnDiagramError, RnnDiagramWarning
from .render.html import Drawing, Fold, _json, nests, path_graph, render_page

if TYPE_CHECKING:
    from .api import Diagram

MAX_STEPS = 24
"""The most steps of the gate view a page holds (values mode): steps 1 to T, or of a longer
sequence 24 of them spread from the first to the last."""

FOLDS: Tuple[Fold, ...] = (
    Fold("nested", "Nested models", "expand_nested", ("expanded", "collapsed"), (None, False)),
    Fold("loops", "Loops", "fold_loops", ("folded", "unfolded"), (True, False)),
    Fold("repeats", "Repeated blocks", "fold_repeats", ("folded", "unfolded"), (True, False)),
)
"""Every kind of fold the page can collapse or expand, in the order of its buttons."""


def page(diagram: Diagram, fragment: bool = False) -> str:
    """The interactive page of ``diagram`` (``fragment``: without ``<html>``, for a notebook).
    What is warned of is the drawing asked for; the other drawings the page holds (a loop
    unfolded, another view) are said nothing of."""
    _ = diagram.figure  # built here, out of the silence below: its warnings are the user's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RnnDiagramWarning)
        drawings, folds, steps = page_drawings(diagram)
    opts = diagram.options
    start = "gates" if opts.cell == "gates" else "rolled" if opts.view == "rolled" else "unrolled"
    return render_page(drawings, folds, steps, diagram.spec, opts.theme, start, fragment)


def page_drawings(diagram: Diagram) -> Tuple[List[Drawing], List[Fold], List[int]]:
    """Every drawing the page holds, the fold kinds it toggles and the steps it slides over."""
    base = diagram.options.with_(view="unrolled", cell="box", step=None)
    kinds = _kinds(diagram.spec, diagram.options)
    combos = list(itertools.product(*[f.settings for f in kinds]))
    made: Dict[Tuple[str, Tuple[Any, ...]], Diagram] = {}
    anchor = diagram.variant(base)  # in values mode, run once for every unrolled variant
    for view in ("unrolled", "rolled"):
        for combo in combos:
            o = base.with_(view=view, **{f.option: s for f, s in zip(kinds, combo)})
            made[view, combo] = anchor.variant(o)
    used = [f for i, f in enumerate(kinds)
            if any(d.to_svg() != made[view, _flipped(kinds, combo, i)].to_svg() for (view, combo), d in made.items())]
    drawings: List[Drawing] = []
    for (view, combo), d in made.items():
        if any(f not in used and s != f.settings[0] for f, s in zip(kinds, combo)):
            continue  # a fold that changes nothing here: its default only
        shown = tuple((f.name, f.shown[f.settings.index(s)]) for f, s in zip(kinds, combo) if f in used)
        graph = _json(path_graph(d.scene, d.graph)) if view == "unrolled" else ""
        drawings.append(Drawing(view, d.to_svg(), shown, graph=graph))
    steps = gate_steps(diagram)
    shown_steps: List[Any] = list(steps) or [diagram.options.step]  # no slider: the step asked for
    for step in shown_steps:
        o = base.with_(cell="gates", step=step)
        try:
            d = diagram.variant(o)
            drawings.append(Drawing("gates", d.to_svg(), step=step if steps else None))
        except RnnDiagramError:  # a model without a recurrent cell to open
            break
    return drawings, [f for f in kinds if f in used], steps


def _kinds(spec: Any, options: Any) -> Tuple[Fold, ...]:
    """The fold kinds that can change a drawing of ``spec``: nested models only where a layer
    nests some; loops where the spec has one or nests a model (whose loops are found once it
    is inlined); runs of repeated blocks likewise, and not in values mode (where each block
    is drawn). Each kind tried doubles the drawings made, so the others are not tried."""
    nested = any(nests(layer) for layer in spec.layers)
    can = {"nested": nested, "loops": bool(spec.loops) or nested,
           "repeats": (bool(spec.repeats) or nested) and not options.values}
    return tuple(f for f in FOLDS if can[f.name])


def _flipped(kinds: Tuple[Fold, ...], combo: Tuple[Any, ...], index: int) -> Tuple[Any, ...]:
    """The settings of ``combo`` with fold ``index`` of ``kinds`` set the other way."""
    settings = kinds[index].settings
    return combo[:index] + (settings[1 - settings.index(combo[index])],) + combo[index + 1:]


def gate_steps(diagram: Diagram) -> List[int]:
    """The steps the page's time slider goes through: in values mode with the model at
    hand, 1 to the longest recurrent layer's T (at most :data:`MAX_STEPS` of them); else none."""
    opts = diagram.options
    if not opts.values or diagram._model is None:
        return []
    lengths = [l.recurrent.timesteps for l in diagram.spec.recurrent_layers
               if l.recurrent is not None and not l.recurrent.step]
    known = [t for t in lengths if t] or ([opts.timesteps] if opts.timesteps else [])
    if not known:
        return []
    last = max(known)
    if last <= MAX_STEPS:
        return list(range(1, last + 1))
    return sorted({round(1 + i * (last - 1) / (MAX_STEPS - 1)) for i in range(MAX_STEPS)})


