"""The scene: boxes, arrows and text in absolute coordinates, ready for a renderer.

The layout stage computes every coordinate and hands the result over in these types:
``layout()`` (in ``__init__.py``) runs its phases in one sequence, measuring the bands
(``geometry.py``), layering, ordering and placing them (``bands.py``), routing the edges
(``router.py``), tracing the routes into points (``tracing.py``) and turning everything into
these items (``decor.py`` and ``draw.py``); the rolled view lays out its own
scene with these types (``views/rolled/layout.py``).
``render.svg`` only loops over the scene, and the templates compute nothing.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, Union

from .._records import frozen
from .metrics import text_width

Point = Tuple[float, float]


@frozen
class Box:
    x: float
    y: float
    w: float
    h: float
    cls: str
    rx: float = 0.0
    attrs: Tuple[Tuple[str, str], ...] = ()
    """``data-*`` attributes of the box itself (a heatmap's cells)."""

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


@frozen
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
        left, top, w = _text_span(self)
        return Box(left, top, w, self.size, "extent")


@frozen
class Arrow:
    points: Tuple[Point, ...]
    cls: str
    head: bool = True
    dashed: bool = False


@frozen
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


@frozen
class Scene:
    """A drawing: its size, ``<title>`` and ``<desc>``, theme and items. ``styles`` names the
    extra stylesheets (``templates/NAME.css.j2``) its items' classes need (the gate view's)."""

    width: float
    height: float
    title: str
    desc: str
    theme: str
    items: Tuple[Item, ...]
    styles: Tuple[str, ...] = ()


def _text_span(label: Label) -> Tuple[float, float, float]:
    """(left, top, width) of a label's text, by the fixed width table."""
    w = text_width(label.text, label.size, label.bold)
    if label.anchor == "start":
        left = label.x
    elif label.anchor == "middle":
        left = label.x - w / 2
    elif label.anchor == "end":
        left = label.x - w
    else:
        raise ValueError(f"a label's anchor is start, middle or end, not {label.anchor!r}")
    return left, label.y - 0.76 * label.size, w


def walk(items: Tuple[Item, ...]):
    """Every item, groups included, depth first."""
    for item in items:
        yield item
        if isinstance(item, Group):
            yield from walk(item.items)


def item_extent(item: Item) -> Box:
    if isinstance(item, Group):
        return bounds_box(item.items)
    left, top, right, bottom = _sides(item)
    return Box(left, top, right - left, bottom - top, "extent")


def _sides(item: Union[Box, Label, Arrow]) -> Tuple[float, float, float, float]:
    """(left, top, right, bottom) of one drawn item, right and bottom as ``x + w`` and ``y + h``
    of its extent box, so they round exactly as that box's would."""
    if isinstance(item, Box):
        return item.x, item.y, item.x + item.w, item.y + item.h
    if isinstance(item, Label):
        left, top, w = _text_span(item)
        return left, top, left + w, top + item.size
    xs, ys = zip(*item.points)
    left, top = min(xs), min(ys)
    return left, top, left + (max(xs) - left), top + (max(ys) - top)


def bounds(items) -> Tuple[float, float, float, float]:
    """(left, top, right, bottom) of everything drawn."""
    drawn: List[Union[Box, Label, Arrow]] = []
    _collect_drawn(items, drawn)
    if not drawn:
        return 0.0, 0.0, 0.0, 0.0
    lefts, tops, rights, bottoms = zip(*map(_sides, drawn))
    return min(lefts), min(tops), max(rights), max(bottoms)


def _collect_drawn(items, out: List[Union[Box, Label, Arrow]]) -> None:
    """Every item in ``items`` but the groups, which are opened, depth first, onto ``out``."""
    for item in items:
        if isinstance(item, Group):
            _collect_drawn(item.items, out)
        else:
            out.append(item)


def bounds_box(items) -> Box:
    left, top, right, bottom = bounds(items)
    return Box(left, top, right - left, bottom - top, "extent")


def framed(items: Sequence[Item], title: str, desc: str, theme: str, margin: float) -> Scene:
    """The scene of ``items``: moved so that what they draw starts ``margin`` from the top
    left, the scene as large as they are with ``margin`` all round."""
    left, top, right, bottom = bounds(items)
    return Scene(round(right - left + 2 * margin, 1), round(bottom - top + 2 * margin, 1), title, desc, theme,
                 translate(tuple(items), margin - left, margin - top))


def translate(items: Tuple[Item, ...], dx: float, dy: float) -> Tuple[Item, ...]:
    """The same items moved by (dx, dy), coordinates rounded to 0.1 px for stable output."""
    return tuple([_moved(item, dx, dy) for item in items])


def _moved(item: Item, dx: float, dy: float) -> Item:
    """One item moved by (dx, dy) and rounded, a group with everything in it."""
    if isinstance(item, Box):
        return _moved_box(item, dx, dy)
    if isinstance(item, Label):
        return Label(round(item.x + dx, 1), round(item.y + dy, 1), item.text, item.cls, item.size,
                     item.bold, item.anchor, item.boxed)
    if isinstance(item, Arrow):
        return Arrow(tuple([(round(x + dx, 1), round(y + dy, 1)) for x, y in item.points]), item.cls,
                     item.head, item.dashed)
    moved = translate(item.items, dx, dy)
    return Group(item.cls, moved, item.attrs, _moved_frame(item, moved, dx, dy), item.title)


def _moved_box(box: Box, dx: float, dy: float) -> Box:
    return Box(round(box.x + dx, 1), round(box.y + dy, 1), round(box.w, 1), round(box.h, 1), box.cls, box.rx,
               box.attrs)


def _moved_frame(group: Group, moved: Tuple[Item, ...], dx: float, dy: float) -> Optional[Box]:
    """A group's frame moved; when the frame is also drawn as one of its items (as it usually
    is), that item's moved copy."""
    if group.frame is None:
        return None
    for original, copy in zip(group.items, moved):
        if original is group.frame and isinstance(copy, Box):
            return copy
    return _moved_box(group.frame, dx, dy)
