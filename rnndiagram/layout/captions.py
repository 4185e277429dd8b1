"""Stage 3, layout, part of the decoration phase: where a hand-off's caption goes ("h · 6
from init_h"), on a run of its own edge and clear of every other edge's line, so a reader
never takes it for another edge's."""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .draw import Style
from .metrics import text_width
from .scene import Box, Label, Point

Segment = Tuple[Point, Point]

CLEARANCE = 2.0
"""How far every other edge's line stays from a caption's text."""

RISE = 4.0
"""Between a run and the caption's baseline above it, or the top of its text below it."""


def caption_point(text: str, pts: Sequence[Point], others: Sequence[Segment], style: Style,
                  solids: Sequence[Box] = (), taken: Sequence[Box] = ()) -> Optional[Point]:
    """The baseline centre of ``text`` on the edge drawn through ``pts``: above its longest
    run across, as it always was when no other line passes there; else the first place
    that no other edge's line comes near and that lies nearer its own line than any other:
    from the longest run across to the shortest, above or below it and slid along it; then
    beside its runs up, from the longest. No place may touch a caption placed before
    (``taken``), and none but the first a node's box or a strip (``solids``)."""
    segments = [(a, b) for a, b in zip(pts, pts[1:]) if abs(a[0] - b[0]) > 1 or abs(a[1] - b[1]) > 1]
    runs = sorted((s for s in segments if abs(s[0][1] - s[1][1]) < 0.05), key=lambda run: -abs(run[1][0] - run[0][0]))
    if not runs:
        return None
    ups = sorted((s for s in segments if abs(s[0][0] - s[1][0]) < 0.05), key=lambda up: -abs(up[1][1] - up[0][1]))
    first = _places(text, runs[0], style)[0]
    own = list(zip(pts, pts[1:]))
    candidates = [p for run in runs for p in _places(text, run, style)] + \
        [p for up in ups for p in _beside(text, up, style)]
    for place in candidates:
        box = Label(place[0], place[1], text, "rnd-caption", style.caption_font).extent()
        if _clear(box, own, others) and not any(box.overlaps(t, margin=1.0) for t in taken) \
                and (place == first or not any(box.overlaps(s, margin=1.0) for s in solids)):
            return place
    return first


def _places(text: str, run: Segment, style: Style) -> List[Point]:
    """Above the run's middle first, then below it; then slid towards either end."""
    (x0, y), (x1, _) = run
    lo, hi = min(x0, x1), max(x0, x1)
    half = Label(0.0, 0.0, text, "rnd-caption", style.caption_font).extent().w / 2
    mid = (lo + hi) / 2
    xs = [mid] + [x for k in (1, 2, 3) for x in (mid - k * (mid - lo - half) / 3, mid + k * (hi - half - mid) / 3)
                  if lo + half <= x <= hi - half]
    below = y + RISE + 0.76 * style.caption_font
    return [p for x in xs for p in ((x, y - RISE), (x, below))]


def _beside(text: str, up: Segment, style: Style) -> List[Point]:
    """Right of a run up, then left of it, at its middle, then towards either end."""
    (x, y0), (_, y1) = up
    lo, hi = min(y0, y1), max(y0, y1)
    half_w = Label(0.0, 0.0, text, "rnd-caption", style.caption_font).extent().w / 2
    half_h = style.caption_font / 2
    mid = (lo + hi) / 2
    ys = [mid] + [y for k in (1, 2) for y in (mid - k * (mid - lo - half_h) / 2, mid + k * (hi - half_h - mid) / 2)
                  if lo + half_h <= y <= hi - half_h]
    baseline = 0.26 * style.caption_font  # from the text's middle (ascent 0.76, descent 0.24 em)
    return [(cx, y + baseline) for y in ys for cx in (x + RISE + half_w, x - RISE - half_w)]


def _clear(box: Box, own: Iterable[Segment], others: Sequence[Segment]) -> bool:
    mine = min((_distance(box, s) for s in own), default=float("inf"))
    return all(_distance(box, s) >= max(CLEARANCE, mine + 0.5) for s in others)


def _distance(box: Box, seg: Segment) -> float:
    """How far an axis-parallel segment passes from a box (0 when it touches or crosses it)."""
    (x0, y0), (x1, y1) = seg
    dx = max(box.x - max(x0, x1), min(x0, x1) - box.right, 0.0)
    dy = max(box.y - max(y0, y1), min(y0, y1) - box.bottom, 0.0)
    return float((dx * dx + dy * dy) ** 0.5)


STRIP = 200.0
"""The height of the horizontal strips of the drawing by which :class:`Nearby` files what
it holds."""


class Nearby:
    """The lines of the edges (each with its edge's source) and the solid boxes of a
    drawing, filed by the horizontal strips of the drawing they reach into, so that a
    caption is checked only against what lies near its own edge (:meth:`around`): a
    drawing with a caption per hand-off then costs time linear in its edges."""

    def __init__(self, lines: Iterable[Tuple[str, Segment]], solids: Iterable[Box]) -> None:
        self.lines = list(lines)
        self.solids = list(solids)
        self._lines: Dict[int, List[int]] = defaultdict(list)
        self._solids: Dict[int, List[int]] = defaultdict(list)
        for i, (_, ((_, y0), (_, y1))) in enumerate(self.lines):
            for k in _strips(min(y0, y1), max(y0, y1)):
                self._lines[k].append(i)
        for i, box in enumerate(self.solids):
            for k in _strips(box.y, box.bottom):
                self._solids[k].append(i)

    def around(self, text: str, pts: Sequence[Point], src: str,
               style: Style) -> Tuple[List[Segment], List[Box]]:
        """The lines of edges from another source than ``src``, and the solid boxes, that
        may come near a caption ``text`` placed anywhere :func:`caption_point` tries on the
        edge drawn through ``pts``; what is left out is too far to change where it goes.
        In the order they were given."""
        reach = text_width(text, style.caption_font) + style.caption_font + RISE + 8 * CLEARANCE
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        area = Box(min(xs) - reach, min(ys) - reach, max(xs) - min(xs) + 2 * reach, max(ys) - min(ys) + 2 * reach,
                   "area")
        keys = _strips(area.y, area.bottom)
        lines = sorted({i for k in keys for i in self._lines.get(k, ())})
        solids = sorted({i for k in keys for i in self._solids.get(k, ())})
        return ([seg for i in lines for source, seg in (self.lines[i],) if source != src and _meets(area, seg)],
                [self.solids[i] for i in solids if area.overlaps(self.solids[i])])


def _strips(low: float, high: float) -> range:
    return range(int(low // STRIP), int(high // STRIP) + 1)


def _meets(area: Box, seg: Segment) -> bool:
    return _distance(area, seg) == 0.0
