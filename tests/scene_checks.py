"""What every laid-out scene must satisfy, as checks the tests share: nothing sticks out,
nothing overlaps, no edge crosses a box, shares a line with an unrelated edge or points
down, every caption sits on its own edge, and the width stays within the budget."""

from __future__ import annotations

from itertools import combinations

from rnndiagram.layout.scene import Arrow, Box, Group, Label, walk

MAX_WIDTH = 1600
"""The width a diagram may take at default settings."""


def solids(scene):
    """Node frames and value strips: the things that must never overlap."""
    return [b for b in walk(scene.items) if isinstance(b, Box)
            and b.cls.split()[0] in ("rnd-frame", "rnd-strip-frame")]


def problems(scene):
    found = []
    for group in (g for g in walk(scene.items) if isinstance(g, Group) and g.frame is not None):
        for label in (i for i in group.items if isinstance(i, Label) and i.boxed):
            if not group.frame.contains(label.extent()):
                found.append(f"{label.text!r} sticks out of its {group.cls}")
    boxes = solids(scene)
    for a, b in combinations(boxes, 2):
        if a.overlaps(b, margin=-0.5):
            found.append(f"{a} overlaps {b}")
    found += crossings(scene)
    found += shared_runs(scene) + downward(scene) + stray_captions(scene)
    labels = [i for i in walk(scene.items) if isinstance(i, Label)]
    extents = [(l, l.extent()) for l in labels]
    for (la, a), (lb, b) in combinations(extents, 2):
        if a.overlaps(b, margin=-0.5):
            found.append(f"labels {la.text!r} and {lb.text!r} overlap")
    for label, extent in extents:
        if not label.boxed and any(extent.overlaps(b, margin=-0.5) for b in boxes):
            found.append(f"label {label.text!r} lies on a box")
        if extent.x < 0 or extent.y < 0 or extent.right > scene.width or extent.bottom > scene.height:
            found.append(f"label {label.text!r} is outside the canvas")
    return found


def crossings(scene):
    """Arrow segments that pass through a box they neither start nor end at."""
    frames = [b for b in walk(scene.items) if isinstance(b, Box) and b.cls.startswith("rnd-frame")]
    found = []
    for group in (g for g in walk(scene.items) if isinstance(g, Group) and "rnd-edge" in g.cls.split()):
        for arrow in (i for i in group.items if isinstance(i, Arrow)):
            ends = (arrow.points[0], arrow.points[-1])
            for (x0, y0), (x1, y1) in zip(arrow.points, arrow.points[1:]):
                seg = Box(min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0), "segment")
                for frame in frames:
                    inner = Box(frame.x + 2, frame.y + 2, frame.w - 4, frame.h - 4, "inner")
                    touching = any(frame.x - 2 <= x <= frame.right + 2 and frame.y - 2 <= y <= frame.bottom + 2
                                   for x, y in ends)
                    if not touching and seg.overlaps(inner):
                        found.append(f"{group.title} crosses a box at {frame.x:.0f},{frame.y:.0f}")
    return found


def _edges(scene):
    """(title, src, dst, data?, segments) of every edge drawn."""
    out = []
    for group in (g for g in walk(scene.items) if isinstance(g, Group) and "rnd-edge" in g.cls.split()):
        src, _, dst = group.title.partition(" → ")
        segments = [seg for a in group.items if isinstance(a, Arrow) for seg in zip(a.points, a.points[1:])]
        out.append((group.title, src, dst, "rnd-data" in group.cls.split(), segments))
    return out


def _collinear(s, t):
    """Two segments that run along one line for more than 2 px."""
    ((ax0, ay0), (ax1, ay1)), ((bx0, by0), (bx1, by1)) = s, t
    if abs(ax0 - ax1) < 0.5 and abs(bx0 - bx1) < 0.5 and abs(ax0 - bx0) < 0.5:
        return min(max(ay0, ay1), max(by0, by1)) - max(min(ay0, ay1), min(by0, by1)) > 2
    if abs(ay0 - ay1) < 0.5 and abs(by0 - by1) < 0.5 and abs(ay0 - by0) < 0.5:
        return min(max(ax0, ax1), max(bx0, bx1)) - max(min(ax0, ax1), min(bx0, bx1)) > 2
    return False


def shared_runs(scene):
    """Edges of different sources and destinations that run along one line: the reader
    could not tell which source goes where."""
    edges = _edges(scene)
    found = []
    for i, (ta, sa, da, _, ga) in enumerate(edges):
        for tb, sb, db, _, gb in edges[i + 1:]:
            if sa != sb and da != db and any(_collinear(s, t) for s in ga for t in gb):
                found.append(f"{ta} and {tb} share a line")
    return found


def downward(scene):
    """Data edges that end lower than they start: a diagram reads from the bottom up."""
    return [f"{title} points down" for title, _, _, data, segments in _edges(scene)
            if data and segments and segments[-1][1][1] > segments[0][0][1] + 2]


def _distance(box, seg):
    """How far an axis-parallel segment passes from a box (0 when it touches or crosses it)."""
    (x0, y0), (x1, y1) = seg
    dx = max(box.x - max(x0, x1), min(x0, x1) - box.right, 0.0)
    dy = max(box.y - max(y0, y1), min(y0, y1) - box.bottom, 0.0)
    return (dx * dx + dy * dy) ** 0.5


def stray_captions(scene, margin=2.0):
    """Captions of hand-offs ("h · 6 from init_h", over the edge's longest run across) that
    another edge's line passes through, or that lie nearer another edge than their own:
    the reader would take them for that edge's. Edges of the same source carry the same
    tensor, and may run together."""
    edges = _edges(scene)
    found = []
    for group in (g for g in walk(scene.items) if isinstance(g, Group) and "rnd-handoff" in g.cls.split()):
        for caption in (i for i in group.items if isinstance(i, Label) and i.cls == "rnd-caption"):
            box = caption.extent()
            own = min((_distance(box, seg) for a in group.items if isinstance(a, Arrow)
                       for seg in zip(a.points, a.points[1:])), default=float("inf"))
            source = group.title.partition(" → ")[0]
            for title, src, _, _, segments in edges:
                if src == source:  # its own edge, or another way of the same tensor
                    continue
                near = min((_distance(box, seg) for seg in segments), default=float("inf"))
                if near < margin or near < own:
                    found.append(f"caption {caption.text!r} of {group.title} lies on {title}")
    return found
