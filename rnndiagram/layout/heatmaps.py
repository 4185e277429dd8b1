"""Stage 3, layout: the heatmaps under a recurrent row (``heatmap=True``).

A row with heatmaps is taller by :func:`heat_height`: its cells keep the top part, and
each heatmap is a strip below them, units top to bottom, every step left to right,
aligned with the time axis: a shown step sits under its column (outlined, so the columns
are marked), and the steps an ellipsis elides share the ellipsis column's room, compressed
but each present. A diverging colour scale centred on 0 (``LEVELS`` shades a side, as
classes the ``heatmap`` stylesheet colours) spans each strip's largest magnitude (a strip
that never goes below 0, a sigmoid gate's, is centred on the middle of its range); its
legend, one line under the strip, gives that range and says what is sampled or averaged.
"""

from __future__ import annotations

from typing import Callable, Collection, List, Optional, Sequence, Tuple

from ..unroll.graph import Column, Heatmap
from .metrics import text_width
from .scene import Box, Group, Item, Label

HEAT_TOP = 10.0
"""Between a row's cells and its first heatmap."""

HEAT_GAP = 8.0
"""Between two heatmaps of a row, and below the last one."""

MAX_STRIP_H = 96.0
"""The tallest a strip's units are drawn: a unit is the largest of ``UNIT_HEIGHTS`` that fits."""

UNIT_HEIGHTS = (8.0, 6.0, 4.0, 3.0, 2.0, 1.5, 1.0, 0.5)

SEAM = 0.3
"""How far a step's cells reach under the next step's, so no gap shows between them."""

SHOWN_HALF = 9.0
"""Half the width of a shown step's cells where the next step is elided."""

LEVELS = 7
"""Shades on each side of 0."""

FONT = 10.0
SWATCH = 8.0
"""One shade of the legend's scale."""

SWATCH_LEVELS = ("n7", "n5", "n3", "z", "p3", "p5", "p7")


def unit_height(units: int) -> float:
    """The height of one unit's cells: 8 px for a few units, down to 0.5 px for 192 or more.

    >>> unit_height(4), unit_height(64), unit_height(256)
    (8.0, 1.5, 0.5)
    """
    return next((h for h in UNIT_HEIGHTS if units * h <= MAX_STRIP_H), UNIT_HEIGHTS[-1])


LEGEND_H = FONT + 8
"""The legend's line under a strip."""


TOKEN_FONT = 9.0
TOKENS_H = TOKEN_FONT + 4
"""The line of tokens under a strip, where the steps have tokens."""


def strip_height(hm: Heatmap) -> float:
    """A heatmap's height: its units', its tokens' line and its legend's line under them."""
    return len(hm.units) * unit_height(len(hm.units)) + (TOKENS_H if hm.tokens else 0.0) + LEGEND_H


def heat_height(heatmaps: Sequence[Heatmap]) -> float:
    """What the heatmaps of one row add to its height (0 for none)."""
    if not heatmaps:
        return 0.0
    return HEAT_TOP + sum(strip_height(hm) + HEAT_GAP for hm in heatmaps)


def scale(hm: Heatmap) -> Tuple[float, float]:
    """The colour scale's centre and half-width: centred on 0 up to the strip's largest
    magnitude; for a strip that never goes below 0 (a sigmoid gate's), on the middle of its
    range, from its least value to its largest, so that its shades still tell its steps apart.

    >>> scale(Heatmap(0, 0, "l", "h", None, (1, 2), (0,), ((-0.5,), (0.25,)), 2, 1))
    (0.0, 0.5)
    >>> scale(Heatmap(0, 0, "l", "f", None, (1, 2), (0,), ((0.5,), (0.75,)), 2, 1))
    (0.625, 0.125)
    """
    numbers = [v for row in hm.values for v in row]
    low, high = min(numbers, default=0.0), max(numbers, default=0.0)
    if low >= 0 and high > low:
        return (low + high) / 2, (high - low) / 2
    return 0.0, max(abs(low), abs(high)) or 1.0


def level(value: float, centre: float, half: float) -> str:
    """The shade of ``value`` on a scale from ``centre - half`` to ``centre + half``.

    >>> level(0.0, 0.0, 1.0), level(1.0, 0.0, 1.0), level(-0.5, 0.0, 1.0), level(0.06, 0.0, 1.0)
    ('z', 'p7', 'n4', 'z')
    """
    k = max(-LEVELS, min(LEVELS, round((value - centre) / half * LEVELS)))
    return "z" if k == 0 else f"p{k}" if k > 0 else f"n{-k}"


def _tokens(hm: Heatmap, spans: Sequence[Tuple[float, float]], top: float) -> List[Item]:
    """Each step's token under its cells, where the cells are wide enough for it."""
    items: List[Item] = []
    for (x0, x1), t in zip(spans, hm.steps):
        text = hm.tokens[t - 1] if t <= len(hm.tokens) else ""
        if text and text_width(text, TOKEN_FONT) + 2 <= x1 - x0:
            items.append(Label((x0 + x1) / 2, top + 0.8 * TOKEN_FONT, text, "rnd-heat-token", TOKEN_FONT))
    return items


def legend_x(hm: Heatmap, spans: Sequence[Tuple[float, float]], marked: Collection[int],
             text: Optional[str] = None) -> float:
    """Where the legend's line (``text``, by default the heatmap's) starts: under the strip's
    left end; but where the first steps are marked (shown under their columns, the arrows
    into their cells passing by) and elided steps follow, under the first elided one, if the
    line fits there.

    >>> hm = Heatmap(0, 0, "l", "h", None, (1, 2, 3, 4), (0,), ((0.5,),) * 4, 4, 1)
    >>> legend_x(hm, [(0, 100), (100, 110), (110, 400), (400, 500)], {1, 4}), legend_x(hm, [(0, 1)] * 4, ())
    (104, 0)
    """
    left = spans[0][0]
    if not hm.steps or hm.steps[0] not in marked:
        return left
    k = next((i for i, t in enumerate(hm.steps) if t not in marked), None)
    width = len(SWATCH_LEVELS) * SWATCH + 6 + text_width(legend_text(hm) if text is None else text, FONT)
    if k is None or spans[k][0] + 4 + width > spans[-1][1]:
        return left
    return spans[k][0] + 4


def legend_text(hm: Heatmap, scaled: Optional[Tuple[float, float]] = None) -> str:
    """The legend: the scale's range (``scaled``, by default the heatmap's), then what the
    strip samples or averages.

    >>> legend_text(Heatmap(0, 0, "l", "c", None, (1, 3), (0,), ((0.5,), (-0.25,)), 3, 1, 4))
    'c: −0.5 to 0.5 · mean over 4 positions · 2 of 3 steps'
    """
    return " · ".join(legend_lines(hm, scaled))


def legend_lines(hm: Heatmap, scaled: Optional[Tuple[float, float]] = None) -> List[str]:
    centre, half = scaled or scale(hm)
    low, high = (f"{v:.3g}".replace("-", "−") for v in (centre - half, centre + half))
    lines = [f"{hm.state}: {low} to {high}"]
    if hm.positions > 1:
        lines.append(f"mean over {hm.positions:,} positions")
    if len(hm.steps) < hm.total_steps:
        lines.append(f"{len(hm.steps)} of {hm.total_steps:,} steps")
    if len(hm.units) < hm.total_units:
        lines.append(f"{len(hm.units)} of {hm.total_units:,} units")
    return lines


def step_spans(columns: Sequence[Column], steps: Sequence[int], col_x: Callable[[int], float], pitch: float,
               left: float, right: float) -> List[Tuple[float, float]]:
    """The left and right of each step's cells: a shown step under its column (as wide as
    the column where its neighbours are shown too), the steps between two shown ones
    sharing the room between them evenly.

    >>> cols = [Column("1", 1), Column("2", 2), Column("…", None, True), Column("9", 9)]
    >>> spans = step_spans(cols, range(1, 10), lambda i: 20 * i + 10, 20, 0, 80)
    >>> spans[:3], spans[-1]  # steps 3 to 8 share 39 to 61
    ([(0.0, 20.0), (20.0, 39.0), (39.0, 42.666666666666664)], (61.0, 80.0))
    """
    column_of = {c.t: i for i, c in enumerate(columns) if c.t is not None and not c.ellipsis}
    anchors = {k: column_of[t] for k, t in enumerate(steps) if t in column_of}
    spans: List[Optional[Tuple[float, float]]] = [None] * len(steps)
    last = len(steps) - 1
    for k, i in anchors.items():
        wide_left = k == 0 or anchors.get(k - 1) == i - 1
        wide_right = k == last or anchors.get(k + 1) == i + 1
        x = col_x(i)
        spans[k] = (x - (pitch / 2 if wide_left else SHOWN_HALF), x + (pitch / 2 if wide_right else SHOWN_HALF))
    k = 0
    while k <= last:
        if spans[k] is not None:
            k += 1
            continue
        end = k
        while end <= last and spans[end] is None:
            end += 1
        before = spans[k - 1] if k > 0 else None
        after = spans[end] if end <= last else None
        lo = before[1] if before is not None else left
        hi = after[0] if after is not None else right
        width = (hi - lo) / (end - k)
        for j in range(k, end):
            spans[j] = (lo + (j - k) * width, lo + (j - k + 1) * width)
        k = end
    return [s for s in spans if s is not None]


def heatmap_group(hm: Heatmap, spans: Sequence[Tuple[float, float]], top: float, name_x: float,
                  layer: str, marked: Collection[int]) -> Group:
    """One heatmap: a cell per step and unit (``data-t``, ``data-unit``, ``data-value``),
    its frame, the ``marked`` steps outlined, its name at the left and its legend under it."""
    centre, half = scale(hm)
    uh = unit_height(len(hm.units))
    height = len(hm.units) * uh
    items: List[Item] = []
    last = spans[-1][1]
    for (x0, x1), t, row in zip(spans, hm.steps, hm.values):
        w = min(x1 + SEAM, last) - x0  # over the next step's first tenths of a pixel: no seam where they round apart
        for j, (unit, value) in enumerate(zip(hm.units, row)):
            items.append(Box(x0, top + j * uh, w, uh, f"rnd-heat-{level(value, centre, half)}",
                             attrs=(("t", str(t)), ("unit", str(unit)), ("value", f"{value:.7g}"))))
    left, right = spans[0][0], spans[-1][1]
    items.append(Box(left, top, right - left, height, "rnd-heat-frame"))
    for (x0, x1), t in zip(spans, hm.steps):
        if t in marked:
            items.append(Box(x0, top - 2, x1 - x0, height + 4, "rnd-heat-shown"))
    items.append(Label(name_x, top + height / 2 + 0.36 * FONT, hm.state, "rnd-heat-name", FONT, bold=True,
                       anchor="end"))
    below = top + height + 5
    if hm.tokens:
        items += _tokens(hm, spans, below)
        below += TOKENS_H
    legend = legend_text(hm, (centre, half))
    at = legend_x(hm, spans, marked, legend)
    for i, shade in enumerate(SWATCH_LEVELS):
        items.append(Box(at + i * SWATCH, below + 1, SWATCH, SWATCH, f"rnd-heat-{shade}"))
    items.append(Label(at + len(SWATCH_LEVELS) * SWATCH + 6, below + 0.8 * FONT, legend, "rnd-heat-legend", FONT,
                       anchor="start"))
    attrs = [("layer", layer), ("state", hm.state)] + ([("direction", hm.direction)] if hm.direction else [])
    what = f"{hm.direction} " if hm.direction else ""
    return Group("rnd-heatmap", tuple(items), tuple(attrs),
                 title=f"{layer}: {what}{hm.state} over {hm.total_steps:,} steps by {hm.total_units:,} units")
