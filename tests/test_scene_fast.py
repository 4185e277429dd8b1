"""Scene helpers: translate and bounds agree with their plain definitions; the layout's
cached measures agree with working them out afresh."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnndiagram.layout.draw import Style, strip_size
from rnndiagram.layout.metrics import char_width, text_width
from rnndiagram.layout.scene import Arrow, Box, Group, Label, bounds, item_extent, translate, walk
from rnndiagram.unroll.graph import Strip

coords = st.floats(-500, 500, allow_nan=False).map(lambda v: v / 7)
sizes = st.floats(0, 300, allow_nan=False).map(lambda v: v / 3)
boxes = st.builds(Box, coords, coords, sizes, sizes, st.just("b"), st.sampled_from([0.0, 4.0]))
labels = st.builds(Label, coords, coords, st.text("Wxy.→ 0", max_size=6), st.just("t"),
                   st.sampled_from([9.0, 12.0]), st.booleans(), st.sampled_from(["start", "middle", "end"]))
arrows = st.builds(Arrow, st.lists(st.tuples(coords, coords), min_size=2, max_size=6).map(tuple),
                   st.just("a"), st.booleans(), st.booleans())
items = st.recursive(
    st.one_of(boxes, labels, arrows),
    lambda inner: st.builds(Group, st.just("g"), st.lists(inner, max_size=4).map(tuple),
                            frame=st.one_of(st.none(), boxes)),
    max_leaves=12)


def plain_translate(items, dx, dy):
    """translate as first written: dataclasses.replace, item by item."""
    def r(v):
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
            frame = plain_translate((item.frame,), dx, dy)[0] if item.frame is not None else None
            out.append(replace(item, items=plain_translate(item.items, dx, dy), frame=frame))
    return tuple(out)


def plain_bounds(items):
    """bounds as first written: an extent Box per drawn item."""
    extents = [item_extent(i) for i in walk(tuple(items)) if not isinstance(i, Group)]
    if not extents:
        return 0.0, 0.0, 0.0, 0.0
    return (min(b.x for b in extents), min(b.y for b in extents),
            max(b.right for b in extents), max(b.bottom for b in extents))


@given(st.lists(items, max_size=5).map(tuple), coords, coords)
def test_translate_matches_its_definition(scene_items, dx, dy):
    assert repr(translate(scene_items, dx, dy)) == repr(plain_translate(scene_items, dx, dy))


@given(st.lists(items, max_size=5).map(tuple))
def test_bounds_match_the_extent_boxes(scene_items):
    assert bounds(scene_items) == plain_bounds(scene_items)


def test_a_frame_drawn_in_its_group_stays_one_item():
    frame = Box(0.04, 0.06, 10.02, 5.0, "rnd-frame", 6)
    (moved,) = translate((Group("g", (frame, Label(5, 3, "x", "t")), frame=frame),), 1.0, 2.0)
    assert moved.frame is moved.items[0] and moved.frame == Box(1.0, 2.1, 10.0, 5.0, "rnd-frame", 6)


def test_label_extent_by_anchor_and_unknown_anchor():
    w = text_width("ab", 12.0)
    assert Label(100, 50, "ab", "t", anchor="start").extent().x == 100
    assert Label(100, 50, "ab", "t").extent().x == 100 - w / 2
    assert Label(100, 50, "ab", "t", anchor="end").extent().x == 100 - w
    with pytest.raises(ValueError, match="start, middle or end"):
        Label(100, 50, "ab", "t", anchor="left").extent()


@given(st.text(max_size=12), st.sampled_from([9, 11.0, 15]), st.booleans())
def test_text_width_is_the_sum_of_char_widths(text, size, bold):
    assert text_width(text, size, bold) == sum(char_width(ch, bold) for ch in text) * size / 1000


def test_strip_size_cached_equals_fresh():
    for strip in (Strip((4,)), Strip((3,), (0.25, -13.5, 0.0)), Strip((40,)), Strip((8, 8, 5)), Strip((None,))):
        assert strip_size(strip, Style()) == strip_size.__wrapped__(strip, Style())


def test_a_vector_wider_than_a_strip_prints_its_first_numbers_and_its_size():
    from rnndiagram.layout.draw import strip_items, strip_note

    strip = Strip((16,), tuple(i / 10 for i in range(8)))
    texts = [i.text for i in strip_items(strip, 0, 0, Style()) if isinstance(i, Label)]
    assert texts == ["0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "of 16"]
    compact = replace(Style(), max_units=4)  # a diagram too wide for eight numbers a strip
    texts = [i.text for i in strip_items(strip, 0, 0, compact) if isinstance(i, Label)]
    assert texts == ["0", "0.1", "0.2", "0.3", "of 16"] and strip_note(strip, compact) == "units 1–4 of 16"
    zero = Strip((16,), (0.0,) * 16, zero=True)  # an initial state known to be zero keeps its size alone
    assert [i.text for i in strip_items(zero, 0, 0, Style()) if isinstance(i, Label)] == ["16"]
