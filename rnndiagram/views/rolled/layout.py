"""Stage 3 of the rolled view: a :class:`~rnndiagram.views.rolled.figure.RolledGraph` in, a Scene out.

Each node is a gutter of text (its name, title, settings, output shapes) left of its
shape: a cell with its loop, a box, or an input strip. Rows are stacked bottom to top;
in a row, each node sits as near as it can over the nodes it reads, nodes that want one
place spreading both ways from it (an arrow that skips rows passes them in a slot of its
own), and the inputs stand under what reads them first. Where the rows are still wider
than the budget, a layer read only higher up moves up to the row under its reader. The
arrows cross the gap between two rows on tracks, two arrows from different nodes never on
one track, and an arrow that rises into a gap where another leaves it for its destination
crosses below that one (else their legs would run on one line).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple, cast

from ...labels import shape_text
from ...layout.bands import WIDTH
from ...layout.draw import Style, strip_items, strip_size
from ...layout.metrics import text_width
from ...layout.scene import Arrow, Box, Group, Item, Label, Point, Scene, bounds, framed, translate
from ...unroll.graph import Strip
from .figure import RolledCell, RolledEdge, RolledGraph, RolledNode


@dataclass(frozen=True)
class RolledStyle:
    """Every size the rolled view uses, in px."""

    cell_w: float = 64.0
    cell_h: float = 52.0
    box_h: float = 36.0
    merge_h: float = 24.0
    font: float = 12.0
    cell_font: float = 15.0
    small: float = 11.0
    line: float = 15.0           # between two gutter lines
    gutter_gap: float = 14.0     # between a gutter and its shape
    loop: float = 22.0           # how far a loop reaches out of its cell
    lane: float = 16.0           # between the two cells of a Bidirectional
    node_gap: float = 36.0       # between two nodes of a row
    slot: float = 14.0           # a row's room for an arrow passing it
    row_gap: float = 30.0
    pitch: float = 8.0
    port_gap: float = 14.0
    margin: float = 20.0
    strips: Style = Style()


@dataclass
class _Shape:
    """A node laid out around its own origin: its items, where arrows enter (per cell) and
    leave (per output), and its extent."""

    items: List[Item]
    entries: Dict[str, Tuple[float, float, float]]   # cell id -> (x0, x1, bottom y)
    exits: Dict[int, Tuple[float, float, str]]       # tensor -> (x, top y, part id)
    anchor: float
    left: float
    right: float
    top: float
    bottom: float
    internal: List[Tuple[Tuple[Point, ...], str, str]] = field(default_factory=list)


def layout_rolled(graph: RolledGraph, theme: str = "light", style: RolledStyle = RolledStyle()) -> Scene:
    """Place every node of ``graph`` on its row and route every arrow upwards, in one
    sequence: each node shaped around its origin; the slots of each row (its nodes, and the
    arrows that pass it); their x, over what they read (where they spread wider than the
    budget, placed again with the layers read only high up moved up, if that is narrower); the ports
    arrows enter by; a track for each run across a gap; the rows' y; then the items, framed
    in the margin."""
    shapes = {n.id: _shape(n, style) for n in graph.nodes}
    slots = _slots(graph)
    xs = _place(graph, slots, shapes, style)
    if _width(graph, shapes, xs) > WIDTH:  # rows too crowded: what is read high up moves up to its reader
        lifted = _lifted(graph)
        lifted_slots = _slots(lifted)
        lifted_xs = _place(lifted, lifted_slots, shapes, style)
        if _width(lifted, shapes, lifted_xs) < _width(graph, shapes, xs):
            graph, slots, xs = lifted, lifted_slots, lifted_xs
    ports = _ports(graph, shapes, xs, style)
    tracks, counts = _tracks(graph, slots, shapes, xs, ports)
    row_y, gap = _rows(graph, shapes, counts, style)
    items: List[Item] = []
    for n in graph.nodes:
        items.append(_node_group(n, shapes[n.id], xs[("node", n.id)], row_y[n.row]))
    for e in graph.edges:
        cls = "rnd-edge rnd-handoff" if e.kind == "state" else "rnd-edge rnd-data"
        for pts in _paths(e, graph, shapes, xs, ports, tracks, row_y, gap, style):
            attrs = (("layer", e.dst),) + ((("shape", e.shape),) if e.shape else ())
            items.append(Group(cls, (Arrow(pts, "rnd-arrow"),), attrs, title=f"{e.src} → {e.dst}"))
    return framed(items, graph.name, graph.summary, theme, style.margin)


def _width(graph: RolledGraph, shapes: Dict[str, _Shape], xs: Dict[Slot, float]) -> float:
    """How wide the nodes of ``graph`` placed at ``xs`` spread."""
    lefts = [xs[("node", n.id)] + shapes[n.id].left for n in graph.nodes]
    rights = [xs[("node", n.id)] + shapes[n.id].right for n in graph.nodes]
    return max(rights, default=0.0) - min(lefts, default=0.0)


def _lifted(graph: RolledGraph) -> RolledGraph:
    """``graph`` with each node that is not an input and is read only higher up moved up to
    the row under its lowest reader (an output stays where it is), topmost first, so that
    a layer stands next to what reads it rather than crowding the rows near the inputs."""
    row = {n.id: n.row for n in graph.nodes}
    readers: Dict[str, List[str]] = defaultdict(list)
    for e in graph.edges:
        if row[e.dst] > row[e.src]:
            readers[e.src].append(e.dst)
    for n in sorted(graph.nodes, key=lambda n: -n.row):
        if n.kind != "input" and readers[n.id]:
            row[n.id] = max(row[n.id], min(row[r] for r in readers[n.id]) - 1)
    return replace(graph, nodes=tuple(replace(n, row=row[n.id]) for n in graph.nodes))


# -- one node -----------------------------------------------------------------------------------

def _gutter(lines: Sequence[str], style: RolledStyle) -> Tuple[List[Label], float, float]:
    labels = [Label(0, i * style.line, line, "rnd-gutter-name" if i == 0 else "rnd-gutter", style.font,
                    bold=i == 0, anchor="start") for i, line in enumerate(lines)]
    width = max((text_width(l, style.font, i == 0) for i, l in enumerate(lines)), default=0.0)
    return labels, width, len(lines) * style.line


def _shape(node: RolledNode, style: RolledStyle) -> _Shape:
    """The node around its origin: the shape's centre at x = 0, its bottom at y = 0."""
    if node.kind == "recurrent":
        body, entries, exits, internal = _cells(node, style)
    elif node.kind == "input":
        body, entries, exits = _input(node, style)
        internal = []
    else:
        body, entries, exits = _box(node, style)
        internal = []
    left, top, right, bottom = bounds(body)
    gutter, width, height = _gutter(node.lines, style)
    gx = left - style.gutter_gap - width
    mid = (top + bottom) / 2
    gy = mid - height / 2 + 0.76 * style.font
    placed = [Label(gx + l.x, gy + l.y, l.text, l.cls, l.size, l.bold, l.anchor) for l in gutter]
    items: List[Item] = [Group("rnd-gutter", tuple(placed), (("layer", node.id),))] + body
    l2, t2, r2, b2 = bounds(items)
    return _Shape(items, entries, exits, 0.0, l2, r2, t2, b2, internal)


def _input(node: RolledNode, style: RolledStyle):
    strip = Strip(node.shape[2:] or node.shape[1:] or (1,))  # one step of it: its last axes
    w, h = strip_size(strip, style.strips)
    items = strip_items(strip, 0, -h / 2, style.strips)
    frame = items[0] if isinstance(items[0], Box) else None
    group: Item = Group("rnd-input rnd-hue-0", tuple(items), (("layer", node.id), ("shape", shape_text(node.shape))),
                        frame, title=node.id)
    return [group], {node.id: (-w / 2, w / 2, 0.0)}, {0: (0.0, -h, node.id)}


def _box(node: RolledNode, style: RolledStyle):
    text = node.label or node.kind
    if node.kind == "merge":
        w, h, cls, rx = text_width(text, style.small, True) + 18, style.merge_h, "rnd-merge-frame", 11.0
    else:
        w, h, cls, rx = max(style.cell_w, text_width(text, style.font, True) + 20), style.box_h, "rnd-box-frame", 6.0
    frame = Box(-w / 2, -h, w, h, f"rnd-frame {cls}", rx)
    size = style.small if node.kind == "merge" else style.font
    label = Label(0, -h / 2 + 0.36 * size, text, f"rnd-{'merge' if node.kind == 'merge' else 'box'}-label", size,
                  bold=True, boxed=True)
    kind = "rnd-merge" if node.kind == "merge" else "rnd-box"
    group: Item = Group(kind, (frame, label), (("layer", node.id),), frame, title=node.id)
    return [group], {node.id: (-w / 2, w / 2, 0.0)}, {0: (0.0, -h, node.id)}


def _cells(node: RolledNode, style: RolledStyle):
    """One cell with its loop, or a Bidirectional's two side by side (backward left, looping
    left; forward right), with the merge of their outputs above them."""
    cells = node.cells
    widths = [max(style.cell_w, text_width(c.label, style.cell_font, True) + 20) for c in cells]
    lefts = [-widths[0] - style.lane / 2, style.lane / 2] if len(cells) == 2 else [-widths[0] / 2]
    order = list(range(len(cells)))
    if len(cells) == 2:  # the backward cell on the left, its loop facing away from the forward one
        lefts = [style.lane / 2, -widths[1] - style.lane / 2]
    items: List[Item] = []
    entries: Dict[str, Tuple[float, float, float]] = {}
    boxes: Dict[int, Box] = {}
    for i in order:
        cell = cells[i]
        box = Box(lefts[i], -style.cell_h, widths[i], style.cell_h, "rnd-frame rnd-cell-frame", 6)
        boxes[i] = box
        outward = -1 if (len(cells) == 2 and i == 1) or (len(cells) == 1 and cell.backwards) else 1
        items.append(_rolled_cell(node, cell, box, outward, style))
        entries[cell.id] = (box.x, box.right, 0.0)
    exits: Dict[int, Tuple[float, float, str]] = {}
    internal: List[Tuple[Tuple[Point, ...], str, str]] = []
    first = 0
    if len(cells) == 2 and node.merge:
        w = text_width(node.merge, style.small, True) + 18
        top = -style.cell_h - 22 - style.merge_h
        pill = Box(-w / 2, top, w, style.merge_h, "rnd-frame rnd-merge-frame", 11)
        items.append(Group("rnd-merge", (pill, Label(0, top + style.merge_h / 2 + 0.36 * style.small, node.merge,
                                                     "rnd-merge-label", style.small, bold=True, boxed=True)),
                           (("layer", node.id),), pill, title=f"{node.id} merge"))
        for i, dx in ((1, -7.0), (0, 7.0)):
            cx = boxes[i].x + boxes[i].w / 2
            internal.append((((cx, -style.cell_h), (cx, top + style.merge_h + 9), (dx, top + style.merge_h + 9),
                              (dx, top + style.merge_h)), node.id, cells[i].output))
        exits[0] = (0.0, top, node.id)
        first = 1
    elif len(cells) == 2:
        for i in (0, 1):
            exits[i] = (boxes[i].x + boxes[i].w / 2, -style.cell_h, cells[i].id)
        first = 2
    per_cell = max(len(c.loop) for c in cells)
    for k in range(first, first + per_cell * len(cells) + 1):
        which = min((k - first) // max(per_cell, 1), len(cells) - 1)
        box = boxes[which]
        # A Bidirectional's states leave their cell off its centre, clear of the merge above.
        off = 0.0 if len(cells) == 1 else (12.0 if box.x > 0 else -12.0)
        exits.setdefault(k, (box.x + box.w / 2 + off, -style.cell_h, cells[which].id))
    for path, owner, shape in internal:
        items.append(Group("rnd-edge rnd-data", (Arrow(path, "rnd-arrow"),),
                           (("layer", owner),) + ((("shape", shape),) if shape else ()), title=f"{owner} → {owner}"))
    return items, entries, exits, internal


def _rolled_cell(node: RolledNode, cell: RolledCell, box: Box, outward: int, style: RolledStyle) -> Group:
    """A cell, its loop (out of its side and back in, carrying its states) and the loop's labels."""
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    side = box.right if outward > 0 else box.x
    reach = side + outward * style.loop
    loop = Arrow(((side, cy - 11), (reach, cy - 11), (reach, cy + 11), (side, cy + 11)),
                 "rnd-arrow rnd-arrow-state")
    lines = list(cell.loop) + [cell.repeat]
    anchor = "start" if outward > 0 else "end"
    x = reach + outward * 6
    y0 = cy - (len(lines) - 1) * 14 / 2 + 0.36 * style.small
    texts = [Label(x, y0 + i * 14, line, "rnd-caption" if i < len(lines) - 1 else "rnd-repeat", style.small,
                   bold=i == len(lines) - 1, anchor=anchor) for i, line in enumerate(lines)]
    edge = Group("rnd-edge rnd-state rnd-loop", (loop,), (("layer", node.id),) + (
        (("state", ", ".join(l.split(" ")[0] for l in cell.loop)),) if cell.loop else ()) + (
        (("shape", cell.states),) if cell.states else ()), title=f"{node.id} → {node.id}")
    frame = Box(box.x, box.y, box.w, box.h, box.cls, box.rx)
    names: List[Item] = [Label(cx, cy + 0.36 * style.cell_font, cell.label, "rnd-cell-label", style.cell_font,
                               bold=True, boxed=True)]
    if cell.direction:  # which way a Bidirectional's cell runs, under its kind
        names = [Label(cx, cy - 2, cell.label, "rnd-cell-label", style.cell_font, bold=True, boxed=True),
                 Label(cx, cy + 14, cell.direction, "rnd-caption", 10, boxed=True)]
    attrs = [("layer", node.id)] + ([("direction", cell.direction)] if cell.direction else [])
    return Group("rnd-cell rnd-rolled", (frame, *names, edge, *texts), tuple(attrs), frame,
                 title=f"{node.id}{' ' + cell.direction if cell.direction else ''}: {cell.label} {cell.repeat}")


# -- rows and slots -------------------------------------------------------------------------------

Slot = Tuple[str, str]
"""A place in a row: ``("node", id)``, or ``("pass", edge id + row)`` for an arrow passing it."""


def _slots(graph: RolledGraph) -> Dict[int, List[Slot]]:
    rows: Dict[int, List[Slot]] = defaultdict(list)
    row_of = {n.id: n.row for n in graph.nodes}
    for n in graph.nodes:
        rows[n.row].append(("node", n.id))
    for e in graph.edges:
        for r in range(row_of[e.src] + 1, row_of[e.dst]):
            rows[r].append(("pass", f"{e.id}@{r}"))
    return rows


def _chain(e: RolledEdge, graph: RolledGraph) -> List[Tuple[int, Slot]]:
    """The slots an edge passes, row by row, from its source to its destination."""
    rs, rd = graph.node(e.src).row, graph.node(e.dst).row
    return ([(rs, ("node", e.src))] + [(r, ("pass", f"{e.id}@{r}")) for r in range(rs + 1, rd)]
            + [(rd, ("node", e.dst))])


def _extent(slot: Slot, shapes: Dict[str, _Shape], style: RolledStyle) -> Tuple[float, float]:
    if slot[0] == "node":
        s = shapes[slot[1]]
        return -s.left, s.right
    return style.slot / 2, style.slot / 2


def _place(graph: RolledGraph, slots: Dict[int, List[Slot]], shapes: Dict[str, _Shape],
           style: RolledStyle) -> Dict[Slot, float]:
    """The x of each slot's anchor: over what it reads, without overlapping its row's others;
    then the inputs, placed first, under what reads them."""
    preds: Dict[Slot, List[Slot]] = defaultdict(list)
    for e in graph.edges:
        chain = _chain(e, graph)
        for (_, a), (_, b) in zip(chain, chain[1:]):
            preds[b].append(a)
    xs: Dict[Slot, float] = {}
    for r in sorted(slots):
        _place_row(slots[r], {s: _mean([xs[p] + _exit_dx(p, shapes) for p in preds[s]]) for s in slots[r]},
                   xs, shapes, style)
    bottom = slots.get(0, [])
    readers = _lowest_readers(bottom, preds, {s: r for r, members in slots.items() for s in members}, xs, shapes)
    _place_row(bottom, {s: _mean(readers[s]) for s in bottom}, xs, shapes, style)
    return xs


def _mean(values: Sequence[float]) -> Optional[float]:
    return sum(values) / len(values) if values else None


def _place_row(members: Sequence[Slot], wanted: Dict[Slot, Optional[float]], xs: Dict[Slot, float],
               shapes: Dict[str, _Shape], style: RolledStyle) -> None:
    """Place one row: each slot that has a ``wanted`` x nearest to it (:func:`_nearest`), left to
    right by it; the others packed after them, in their order."""
    order = sorted(range(len(members)), key=lambda i: (wanted[members[i]] is None, wanted[members[i]] or 0.0, i))
    over = [members[i] for i in order if wanted[members[i]] is not None]
    xs.update(_nearest(over, [cast(float, wanted[s]) for s in over],
                       [_extent(s, shapes, style) for s in over], style.node_gap))
    right: Optional[float] = xs[over[-1]] + _extent(over[-1], shapes, style)[1] if over else None
    for s in (members[i] for i in order if wanted[members[i]] is None):
        lo, hi = _extent(s, shapes, style)
        xs[s] = right + style.node_gap + lo if right is not None else lo
        right = xs[s] + hi


def _lowest_readers(bottom: Sequence[Slot], preds: Dict[Slot, List[Slot]], rows: Dict[Slot, int],
                    xs: Dict[Slot, float], shapes: Dict[str, _Shape]) -> Dict[Slot, List[float]]:
    """For each slot of the bottom row (the inputs, placed before what reads them), where it
    would stand under each of its lowest readers as they were placed (its nodes there, else
    the arrows passing), so that an input's arrow rises straight into a reader that reads
    it alone."""
    inputs = set(bottom)
    lowest: Dict[Slot, List[Tuple[Tuple[int, bool], float]]] = defaultdict(list)  # of what reads each
    for slot, before in preds.items():
        for p in before:
            if p in inputs:
                lowest[p].append(((rows[slot], slot[0] == "pass"), xs[slot] - _exit_dx(p, shapes)))
    readers: Dict[Slot, List[float]] = defaultdict(list)
    for p, found in lowest.items():
        first = min(key for key, _ in found)
        readers[p] = [x for key, x in found if key == first]
    return readers


def _nearest(slots: Sequence[Slot], wanted: Sequence[float], extents: Sequence[Tuple[float, float]],
             gap: float) -> Dict[Slot, float]:
    """The x of each of ``slots`` (left to right) nearest to its ``wanted`` x (least squares)
    with ``gap`` between neighbours' extents, so that a row crowded over one place spreads
    both ways from it instead of drifting right: pool adjacent violators on the wanted x
    less the least offset of each slot from the first."""
    offsets = [0.0]
    for (_, hi), (lo, _) in zip(extents, extents[1:]):
        offsets.append(offsets[-1] + hi + gap + lo)
    blocks: List[List[float]] = []  # [sum of targets, count]
    for want, offset in zip(wanted, offsets):
        blocks.append([want - offset, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    xs: Dict[Slot, float] = {}
    i = 0
    for total, count in blocks:
        for _ in range(int(count)):
            xs[slots[i]] = total / count + offsets[i]
            i += 1
    return xs


def _exit_dx(slot: Slot, shapes: Dict[str, _Shape]) -> float:
    if slot[0] == "node":
        return shapes[slot[1]].exits[0][0]
    return 0.0


def _ports(graph: RolledGraph, shapes: Dict[str, _Shape], xs: Dict[Slot, float],
           style: RolledStyle) -> Dict[Tuple[str, str], float]:
    """Where each arrow enters its destination: the cells' bottoms, spread, left to right by
    where the arrows come from; a Bidirectional's input enters both its cells."""
    entering: Dict[Tuple[str, str], List[Tuple[float, str]]] = defaultdict(list)
    for e in graph.edges:
        chain = _chain(e, graph)
        before = chain[-2][1]
        x = xs[before] + (_exit(e, shapes, graph)[0] if before[0] == "node" else 0.0)
        for cell in _targets(e, shapes):
            entering[(e.dst, cell)].append((x, e.id))
    ports: Dict[Tuple[str, str], float] = {}
    for (dst, cell), found in entering.items():
        x0, x1, _ = shapes[dst].entries[cell]
        base = xs[("node", dst)]
        found.sort()
        k = len(found)
        spacing = min(style.port_gap, (x1 - x0 - 10) / max(k - 1, 1))
        for i, (_, eid) in enumerate(found):
            ports[(eid, cell)] = base + (x0 + x1) / 2 + (i - (k - 1) / 2) * spacing
    return ports


def _targets(e: RolledEdge, shapes: Dict[str, _Shape]) -> List[str]:
    return sorted(shapes[e.dst].entries)


def _exit(e: RolledEdge, shapes: Dict[str, _Shape], graph: RolledGraph) -> Tuple[float, float, str]:
    exits = shapes[e.src].exits
    return exits.get(e.tensor, exits[0])


def _crossings(e: RolledEdge, graph: RolledGraph, shapes, xs, ports) -> List[Tuple[int, float, float]]:
    """(row under the gap, x below, x above) of each gap the edge crosses."""
    chain = _chain(e, graph)
    found = []
    x = xs[chain[0][1]] + _exit(e, shapes, graph)[0]
    for (r, _), (_, slot) in zip(chain, chain[1:]):
        if slot[0] == "node":
            ends = [ports[(e.id, c)] for c in _targets(e, shapes)]
        else:
            ends = [xs[slot]]
        for end in ends:
            found.append((r, x, end))
        x = ends[0]
    return found


def _tracks(graph: RolledGraph, slots, shapes, xs, ports):
    """The track of each arrow's run across each gap; runs of different sources that
    overlap get different tracks."""
    runs: Dict[int, List[Tuple[float, float, str, Tuple[str, int, float]]]] = defaultdict(list)
    for e in graph.edges:
        for r, a, b in _crossings(e, graph, shapes, xs, ports):
            if abs(a - b) > 0.5:
                runs[r].append((min(a, b), max(a, b), e.src, (e.id, r, b)))
    tracks: Dict[Tuple[str, int, float], int] = {}
    counts: Dict[int, int] = defaultdict(int)
    for r, members in runs.items():
        under = _under(members)
        placed: List[Tuple[float, float, str, int]] = []
        for i in sorted(range(len(members)), key=lambda i: (under[i][0], members[i][:3])):
            x0, x1, src, key = members[i]
            track = max((tracks[members[j][3]] + 1 for j in under[i][1]), default=0)
            while any(t == track and s != src and a < x1 + 4 and x0 < b + 4 for a, b, s, t in placed):
                track += 1
            placed.append((x0, x1, src, track))
            tracks[key] = track
        counts[r] = 1 + max(t for *_, t in placed)
    return tracks, counts


def _under(runs: Sequence[Tuple[float, float, str, Tuple[str, int, float]]]) -> List[Tuple[int, List[int]]]:
    """For each run across a gap, the runs of other sources that must cross it lower down
    (one whose leg up from below is where this one's leg up to its destination is: on a
    higher track, the two legs would run on one line), and how many such runs are stacked
    under it, the order in which they get their tracks. A cycle of such runs is cut."""
    above = [key[2] for *_, key in runs]  # where each run leaves the gap upwards
    below = [x1 if key[2] == x0 else x0 for x0, x1, _, key in runs]  # where it enters from below
    starts = sorted(range(len(runs)), key=lambda j: below[j])
    xs = [below[j] for j in starts]
    under: List[List[int]] = []
    for i, run in enumerate(runs):
        near = starts[bisect_left(xs, above[i] - 4):bisect_right(xs, above[i] + 4)]
        under.append([j for j in near if j != i and runs[j][2] != run[2]])
    depth: Dict[int, int] = {}
    for root in range(len(runs)):  # depth first, without recursion; a run met again on its path is cut
        path, stack = {root}, [(root, iter(under[root]))]
        while stack:
            i, todo = stack[-1]
            j = next((j for j in todo if j not in path and j not in depth), None)
            if j is not None:
                path.add(j)
                stack.append((j, iter(under[j])))
                continue
            stack.pop()
            path.discard(i)
            if i not in depth:
                depth[i] = 1 + max((depth[j] for j in under[i] if j in depth), default=-1)
    return [(depth[i], [j for j in under[i] if depth[j] < depth[i]]) for i in range(len(runs))]


def _rows(graph: RolledGraph, shapes: Dict[str, _Shape], counts: Dict[int, int],
          style: RolledStyle) -> Tuple[Dict[int, float], Dict[int, Tuple[float, float]]]:
    """The baseline y of each row (the bottom of its shapes) and the gap above each row."""
    top: Dict[int, float] = defaultdict(float)
    low: Dict[int, float] = defaultdict(float)
    for n in graph.nodes:
        top[n.row] = min(top[n.row], shapes[n.id].top)
        low[n.row] = max(low[n.row], shapes[n.id].bottom)
    y: Dict[int, float] = {0: 0.0}
    gap: Dict[int, Tuple[float, float]] = {}
    for r in range(1, graph.rows):
        height = max(style.row_gap, (counts[r - 1] + 1) * style.pitch + 14)
        upper = y[r - 1] + top[r - 1]
        y[r] = upper - height - low[r]
        gap[r - 1] = (upper - height, upper)
    return y, gap


def _paths(e: RolledEdge, graph: RolledGraph, shapes, xs, ports, tracks, row_y, gap,
           style: RolledStyle) -> List[Tuple[Point, ...]]:
    """The arrow of an edge, one per cell it enters (a Bidirectional's input enters both)."""
    src = graph.node(e.src)
    ex, ey, _ = _exit(e, shapes, graph)
    start: List[Point] = [(xs[("node", e.src)] + ex, row_y[src.row] + ey)]
    dst_row = graph.node(e.dst).row
    crossings = _crossings(e, graph, shapes, xs, ports)
    paths = []
    for cell in _targets(e, shapes):
        pts = list(start)
        end = ports[(e.id, cell)]
        for r, a, b in crossings:
            if r == dst_row - 1 and abs(b - end) > 0.5:
                continue  # the run to the other cell
            if abs(a - b) > 0.5:
                y = gap[r][1] - style.pitch * (1 + tracks[(e.id, r, b)])
                pts += [(a, y), (b, y)]
        pts.append((end, row_y[dst_row] + shapes[e.dst].entries[cell][2]))
        paths.append(tuple(_simplified(pts)))
    return paths


def _simplified(pts: List[Point]) -> List[Point]:
    out: List[Point] = []
    for p in pts:
        if out and abs(out[-1][0] - p[0]) < 0.05 and abs(out[-1][1] - p[1]) < 0.05:
            continue
        out.append(p)
    return out


def _node_group(n: RolledNode, shape: _Shape, x: float, y: float) -> Group:
    attrs = [("layer", n.id)] + ([("output", ",".join(str(o) for o in n.outputs))] if n.outputs else [])
    return Group(f"rnd-rolled-node rnd-rolled-{n.kind}", translate(tuple(shape.items), x, y), tuple(attrs),
                 title=n.id)
