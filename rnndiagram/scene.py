"""The scene: boxes, arrows and text in absolute coordinates, ready for a renderer.

``layout`` makes it; ``render.svg`` only loops over it. All geometry lives here, none in
the templates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Tuple, Union

from .metrics import text_width

Point = Tuple[float, float]


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    cls: str
    rx: float = 0.0

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: "Box", margin: float = 0.0) -> bool:
        return (self.x < other.right + margin and other.x < self.right + margin
                and self.y < other.bottom + margin and other.y < self.bottom + margin)

    def contains(self, other: "Box", tolerance: float = 0.5) -> bool:
        return (other.x >= self.x - tolerance and other.y >= self.y - tolerance
                and other.right <= self.right + tolerance and other.bottom <= self.bottom + tolerance)


@dataclass(frozen=True)
class Label:
    """Text; ``y`` is the baseline. ``boxed`` text must stay inside its group's frame."""

    x: float
    y: float
    text: str
    cls: str
    size: float = 12.0
    bold: bool = False
    anchor: str = "middle"
    boxed: bool = False

    def extent(self) -> Box:
        """The box the text occupies, by the fixed width table (ascent 0.76, descent 0.24 em)."""
        w = text_width(self.text, self.size, self.bold)
        left = {"start": self.x, "middle": self.x - w / 2, "end": self.x - w}[self.anchor]
        return Box(left, self.y - 0.76 * self.size, w, self.size, "extent")


@dataclass(frozen=True)
class Arrow:
    points: Tuple[Point, ...]
    cls: str
    head: bool = True
    dashed: bool = False


@dataclass(frozen=True)
class Group:
    """Items that belong together, with the stable hooks CSS and tests use.

    ``frame`` is the group's outline; ``attrs`` become ``data-*`` attributes.
    """

    cls: str
    items: Tuple["Item", ...]
    attrs: Tuple[Tuple[str, str], ...] = ()
    frame: Optional[Box] = None
    title: str = ""


Item = Union[Box, Label, Arrow, Group]


@dataclass(frozen=True)
class Scene:
    width: float
    height: float
    title: str
    desc: str
    theme: str
    items: Tuple[Item, ...]


def walk(items: Tuple[Item, ...]):
    """Every item, groups included, depth first."""
    for item in items:
        yield item
        if isinstance(item, Group):
            yield from walk(item.items)


def item_extent(item: Item) -> Box:
    if isinstance(item, Box):
        return item
    if isinstance(item, Label):
        return item.extent()
    if isinstance(item, Arrow):
        xs = [p[0] for p in item.points]
        ys = [p[1] for p in item.points]
        return Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys), "extent")
    return bounds_box(item.items)


def bounds(items) -> Tuple[float, float, float, float]:
    """(left, top, right, bottom) of everything drawn."""
    boxes = [item_extent(i) for i in walk(tuple(items)) if not isinstance(i, Group)]
    if not boxes:
        return 0.0, 0.0, 0.0, 0.0
    return (min(b.x for b in boxes), min(b.y for b in boxes),
            max(b.right for b in boxes), max(b.bottom for b in boxes))


def bounds_box(items) -> Box:
    left, top, right, bottom = bounds(items)
    return Box(left, top, right - left, bottom - top, "extent")


def translate(items: Tuple[Item, ...], dx: float, dy: float) -> Tuple[Item, ...]:
    """The same items moved by (dx, dy), coordinates rounded to 0.1 px for stable output."""
    def r(v: float) -> float:
        return round(v, 1)

    out = []
    for item in items:
        if isinstance(item, Box):
            out.append(replace(item, x=r(item.x + dx), y=r(item.y + dy), w=r(item.w), h=r(item.h)))
        elif isinstance(item, Label):
            out.append(replace(item, x=r(item.x + dx), y=r(item.y + dy)))
        elif isinstance(item, Arrow):
            out.append(replace(item, points=tuple((r(x + dx), r(y + dy)) for x, y in item.points)))
        else:
            frame = translate((item.frame,), dx, dy)[0] if item.frame is not None else None
            out.append(replace(item, items=translate(item.items, dx, dy), frame=frame))
    return tuple(out)
