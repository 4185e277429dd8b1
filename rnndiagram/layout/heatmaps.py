"""Stage 3, layout: the heatmaps under a recurrent row (``heatmap=True``).

A row with heatmaps is taller by :func:`heat_height`: its cells keep the top part, and
each heatmap is a strip below them, units top to bottom, every step left to right,
aligned with the time axis: a shown step sits under its column (outlined, so the columns
are marked), and the steps an ellipsis elides share the ellipsis column's room, compressed
but each present. A diverging colour scale centred on 0 (``LEVELS`` shades a side, as
classes the ``heatmap`` stylesheet colours) spans each strip's largest magnitude; its
legend, at the row's legend column, gives that range and says what is sampled or averaged.
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


def strip_height(hm: Heatmap) -> float:
    """A heatmap's height: its units', or its legend's lines' where they are taller."""
    return max(len(hm.units) * unit_height(len(hm.units)), len(legend_lines(hm)) * (FONT + 3))


def heat_height(heatmaps: Sequence[Heatmap]) -> float:
    """What the heatmaps of one row add to its height (0 for none)."""
    if not heatmaps:
        return 0.0
    return HEAT_TOP + sum(strip_height(hm) + HEAT_GAP for hm in heatmaps)


def scale(hm: Heatmap) -> float:
    """The colour scale's end: the strip's largest magnitude (1 for an all-zero strip)."""
    return max((abs(v) for row in hm.values for v in row), default=0.0) or 1.0


def level(value: float, end: float) -> str:
    """The shade of ``value`` on a scale from ``-end`` to ``end``.

    >>> level(0.0, 1.0), level(1.0, 1.0), level(-0.5, 1.0), level(0.06, 1.0)
    ('z', 'p7', 'n4', 'z')
    """
    k = max(-LEVELS, min(LEVELS, round(value / end * LEVELS)))
    return "z" if k == 0 else f"p{k}" if k > 0 else f"n{-k}"


def legend_lines(hm: Heatmap) -> List[str]:
    """The legend: the scale's range, then what the strip samples or averages."""
    end = f"{scale(hm):.3g}"
    lines = [f"{hm.state}: −{end} to {end}"]
    if hm.positions > 1:
        lines.append(f"mean over {hm.positions:,} positions")
    if len(hm.steps) < hm.total_steps:
        lines.append(f"{len(hm.steps)} of {hm.total_steps:,} steps")
    if len(hm.units) < hm.total_units:
        lines.append(f"{len(hm.units)} of {hm.total_units:,} units")
    return lines


def legend_width(hm: Heatmap) -> float:
    return max(text_width(line, FONT) for line in legend_lines(hm)) + len(SWATCH_LEVELS) * SWATCH + 6


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
                  legend_x: float, layer: str, marked: Collection[int]) -> Group:
    """One heatmap: a cell per step and unit (``data-t``, ``data-unit``, ``data-value``),
    its frame, the ``marked`` steps outlined, its name at the left and its legend at the right."""
    end = scale(hm)
    uh = unit_height(len(hm.units))
    height = len(hm.units) * uh
    items: List[Item] = []
    for (x0, x1), t, row in zip(spans, hm.steps, hm.values):
        for j, (unit, value) in enumerate(zip(hm.units, row)):
            items.append(Box(x0, top + j * uh, x1 - x0, uh, f"rnd-heat-{level(value, end)}",
                             attrs=(("t", str(t)), ("unit", str(unit)), ("value", f"{value:.7g}"))))
    left, right = spans[0][0], spans[-1][1]
    items.append(Box(left, top, right - left, height, "rnd-heat-frame"))
    for (x0, x1), t in zip(spans, hm.steps):
        if t in marked:
            items.append(Box(x0, top - 2, x1 - x0, height + 4, "rnd-heat-shown"))
    items.append(Label(name_x, top + height / 2 + 0.36 * FONT, hm.state, "rnd-heat-name", FONT, bold=True,
                       anchor="end"))
    for i, shade in enumerate(SWATCH_LEVELS):
        items.append(Box(legend_x + i * SWATCH, top + 1, SWATCH, SWATCH, f"rnd-heat-{shade}"))
    text_x = legend_x + len(SWATCH_LEVELS) * SWATCH + 6
    for i, line in enumerate(legend_lines(hm)):
        x = text_x if i == 0 else legend_x
        items.append(Label(x, top + 1 + 0.8 * FONT + i * (FONT + 3), line, "rnd-heat-legend", FONT, anchor="start"))
    attrs = [("layer", layer), ("state", hm.state)] + ([("direction", hm.direction)] if hm.direction else [])
    what = f"{hm.direction} " if hm.direction else ""
    return Group("rnd-heatmap", tuple(items), tuple(attrs),
                 title=f"{layer}: {what}{hm.state} over {hm.total_steps:,} steps by {hm.total_units:,} units")
