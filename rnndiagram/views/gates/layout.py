"""Stage 3 of the gate view: a :class:`~rnndiagram.views.gates.parts.GateFigure` in, a Scene out.

Each cell is laid out on its grid: columns as wide as their widest part (captions
included), rows as tall as their tallest, and the gap under a row as tall as the tracks
of the arrows that cross it (two arrows from different parts never share a track). The
cells are stacked top to bottom, each under its heading and above its weights table.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple

from ... import labels
from ...layout.draw import Style, strip_items, strip_size
from ...layout.metrics import text_width
from ...layout.scene import Arrow, Box, Group, Item, Label, Point, Scene, bounds, translate
from ...layout.heatmaps import HEAT_GAP, heatmap_group, step_spans, strip_height
from ...unroll.graph import Strip
from .parts import CellFigure, Flow, GateFigure, Part

HEAT_NAME_W = 30.0
"""Left of a gate heatmap: its gate's letter."""

HEAT_MIN_W = 160.0
"""The least width of a gate heatmap; it spans the cell's drawing."""

STYLES = ("gates",)
"""The extra stylesheet the gate view's classes need (``templates/gates.css.j2``)."""


@dataclass(frozen=True)
class GateStyle:
    """Every size the gate view uses, in px."""

    col_gap: float = 34.0       # between columns: room for the ports and a caption's air
    row_gap: float = 26.0       # the least gap between rows
    pitch: float = 8.0          # between two tracks of arrows in one gap
    pad: float = 8.0            # inside a box, around its lines
    font: float = 12.0
    small: float = 11.0
    note: float = 10.0
    heading: float = 13.0
    op: float = 28.0            # a pointwise operation's circle
    act_h: float = 24.0
    port_gap: float = 28.0      # between two arrows entering one box's bottom
    outline_pad: float = 14.0   # the cell's outline around its gates and operations
    cell_gap: float = 56.0      # between two cells
    margin: float = 20.0
    strips: Style = Style()


@dataclass(frozen=True)
class _Size:
    """A part's box (``w`` by ``h``, centred on its grid place) and how far its captions and
    notes reach past the centre on each side."""

    w: float
    h: float
    left: float
    right: float
    up: float
    down: float


def layout_gates(figure: GateFigure, theme: str = "light", style: GateStyle = GateStyle()) -> Scene:
    """Lay out every cell of ``figure``, one under the other."""
    items: List[Item] = []
    top = 0.0
    for cell in figure.cells:
        drawn = _cell(cell, style)
        left, upper, _, lower = bounds(drawn)
        items += translate(tuple(drawn), -left, top - upper)
        top += lower - upper + style.cell_gap
    left, upper, right, lower = bounds(items)
    m = style.margin
    return Scene(round(right - left + 2 * m, 1), round(lower - upper + 2 * m, 1), figure.name, figure.summary,
                 theme, translate(tuple(items), m - left, m - upper),
                 STYLES + (("heatmap",) if any(c.heatmaps for c in figure.cells) else ()))


# -- one cell -------------------------------------------------------------------------------

def _cell(cell: CellFigure, style: GateStyle) -> List[Item]:
    sizes = {p.id: _size(p, style) for p in cell.parts}
    xs = _columns(cell.parts, sizes, style)
    x_of = {p.id: xs(p.col) for p in cell.parts}
    ports = _ports(cell, x_of, sizes, style)
    runs = _runs(cell, x_of, ports)
    tracks = _tracks(runs)
    cy, gaps = _rows(cell.parts, sizes, runs, tracks, style)
    boxes = {p.id: _box(x_of[p.id], cy[p.row], sizes[p.id]) for p in cell.parts}
    by_id = {p.id: p for p in cell.parts}
    inner = [boxes[p.id] for p in cell.parts if p.kind in ("gate", "linear", "op", "act", "custom")]
    items: List[Item] = []
    if inner:
        pad = style.outline_pad
        x0, y0 = min(b.x for b in inner) - pad, min(b.y for b in inner) - pad
        x1, y1 = max(b.right for b in inner) + pad, max(b.bottom for b in inner) + pad
        items.append(Box(x0, y0, x1 - x0, y1 - y0, "rnd-cell-outline", 14))
    # Between pointwise operations runs a vector (or map) of the state's shape.
    state = next((p.strip for p in cell.parts if p.kind == "state" and p.strip is not None), None)
    for flow in cell.flows:
        pts = _route(flow, by_id, boxes, ports, tracks, cy, gaps, style)
        carried = by_id[flow.src].strip or by_id[flow.dst].strip or state
        items.append(_edge(flow, pts, cell.layer, carried))
    for part in cell.parts:
        items.append(_part(part, boxes[part.id], cell.layer, style))
    drawn = _heading(cell, items, style) + items + _table(cell, items, style)
    drawn += _heatmaps(cell, drawn, style)
    attrs = [("layer", cell.layer)] + ([("also", " ".join(cell.also))] if cell.also else [])
    if cell.params is not None:
        attrs.append(("params", str(cell.params)))
    if cell.direction:
        attrs.append(("direction", cell.direction))
    if cell.cell is not None:
        attrs.append(("cell", str(cell.cell + 1)))
    attrs.append(("t", cell.step))
    return [Group("rnd-cell rnd-gates", tuple(drawn), tuple(attrs), title=" · ".join(cell.heading[:2]))]


def _heatmaps(cell: CellFigure, drawn: Sequence[Item], style: GateStyle) -> List[Item]:
    """The cell's gates over every timestep, one strip a gate under everything else, its
    steps evenly spread and the drawn step outlined."""
    if not cell.heatmaps:
        return []
    left, _, right, bottom = bounds(drawn)
    x0 = left + HEAT_NAME_W
    x1 = x0 + max(right - x0, HEAT_MIN_W)
    marked = {int(cell.step)} if cell.step.isdigit() else set()
    items: List[Item] = []
    top = bottom + style.row_gap
    for hm in cell.heatmaps:
        spans = step_spans((), hm.steps, lambda i: 0.0, 0.0, x0, x1)
        items.append(heatmap_group(hm, spans, top, x0 - 6, cell.layer, marked))
        top += strip_height(hm) + HEAT_GAP
    return items


def _size(part: Part, style: GateStyle) -> _Size:
    if part.kind in ("gate", "linear", "custom"):
        w, h = _box_content(part, style)
        return _Size(w, h, w / 2, w / 2, h / 2, h / 2)
    if part.kind == "op":
        d = style.op
        return _Size(d, d, d / 2, d / 2, d / 2, d / 2)
    if part.kind == "act":
        w = text_width(part.label, style.font, True) + 20
        return _Size(w, style.act_h, w / 2, w / 2, style.act_h / 2, style.act_h / 2)
    assert part.strip is not None
    w, h = strip_size(part.strip, style.strips)
    caption = text_width(part.caption, style.small) + 6 if part.caption else 0.0
    notes = [text_width(n, style.note) for n in part.notes]
    below = h / 2 + sum(style.note + 3 for _ in notes)
    half = max([w / 2] + [n / 2 for n in notes])
    return _Size(w, h, half + (caption if part.side < 0 else 0), half + (caption if part.side > 0 else 0),
                 h / 2, below)


def _lines(part: Part) -> List[Tuple[str, str, float, bool]]:
    """A box's lines, top to bottom: (text, class, which font, bold)."""
    lines: List[Tuple[str, str, float, bool]] = [(part.label, "rnd-gate-label", 0, True)] \
        if part.kind != "linear" else []
    if part.formula:
        lines.append((part.formula, "rnd-formula", 1, False))
    lines += [(w.text, "rnd-weight-label", 1, False) for w in part.weights]
    lines += [(n, "rnd-note", 2, False) for n in part.notes]
    return lines


def _font(which: float, style: GateStyle) -> float:
    return (style.font, style.small, style.note)[int(which)]


def _box_content(part: Part, style: GateStyle) -> Tuple[float, float]:
    lines = _lines(part)
    widths = [text_width(t, _font(f, style), b) for t, _, f, b in lines]
    height = sum(_font(f, style) + 4 for _, _, f, _ in lines)
    if part.strip is not None:
        sw, sh = strip_size(part.strip, style.strips)
        widths.append(sw)
        height += sh + 6
    return max(widths) + 2 * style.pad, height + 2 * style.pad - 2


def _columns(parts: Sequence[Part], sizes: Dict[str, _Size], style: GateStyle):
    """The x of every column: each as wide as what it holds; half columns between two."""
    left: Dict[int, float] = defaultdict(float)
    right: Dict[int, float] = defaultdict(float)
    for p in parts:
        if float(p.col).is_integer():
            c = int(p.col)
            left[c] = max(left[c], sizes[p.id].left)
            right[c] = max(right[c], sizes[p.id].right)
    cols = range(0, max(math.ceil(p.col) for p in parts) + 1)
    centre: Dict[int, float] = {}
    x = 0.0
    for c in cols:
        x += left[c] if c in left else 0.0
        centre[c] = x
        x += right[c] + style.col_gap

    def at(col: float) -> float:
        lo, hi = math.floor(col), math.ceil(col)
        return centre[lo] + (centre[hi] - centre[lo]) * (col - lo)

    return at


def _ports(cell: CellFigure, x_of: Dict[str, float], sizes: Dict[str, _Size],
           style: GateStyle) -> Dict[Tuple[str, str], float]:
    """The x where each arrow entering a box's bottom meets it: spread over the box, in the
    order the recipe gives (else by where the arrows come from)."""
    entering: Dict[str, List[Flow]] = defaultdict(list)
    for f in cell.flows:
        if f.route in ("up", "side_up"):
            entering[f.dst].append(f)
    ports: Dict[Tuple[str, str], float] = {}
    for dst, flows in entering.items():
        flows.sort(key=lambda f: (f.port if f.port is not None else 99, x_of[f.src]))
        k = len(flows)
        spacing = min(style.port_gap, (sizes[dst].w - 10) / max(k - 1, 1))
        for i, f in enumerate(flows):
            ports[(f.src, f.dst)] = x_of[dst] + (i - (k - 1) / 2) * spacing if k > 1 else x_of[dst]
    return ports


def _via(flow: Flow, rows: Dict[str, int]) -> int:
    return flow.via if flow.via is not None else rows[flow.dst]


def _runs(cell: CellFigure, x_of: Dict[str, float],
          ports: Dict[Tuple[str, str], float]) -> Dict[int, List[Tuple[float, float, str, Flow]]]:
    """The horizontal runs of the ``up`` arrows, by the row whose gap (under it) they cross."""
    rows = {p.id: p.row for p in cell.parts}
    runs: Dict[int, List[Tuple[float, float, str, Flow]]] = defaultdict(list)
    for f in cell.flows:
        if f.route != "up":
            continue
        sx, px = x_of[f.src], ports[(f.src, f.dst)]
        if abs(sx - px) > 0.5:
            runs[_via(f, rows)].append((min(sx, px), max(sx, px), f.src, f))
    return runs


def _tracks(runs: Dict[int, List[Tuple[float, float, str, Flow]]]) -> Dict[Tuple[str, str], Tuple[int, int]]:
    """(track, tracks in its gap) of each run: runs of different sources that overlap get
    different tracks; runs of one source share one."""
    found: Dict[Tuple[str, str], Tuple[int, int]] = {}
    for members in runs.values():
        placed: List[Tuple[float, float, str, int]] = []
        chosen: Dict[Tuple[str, str], int] = {}
        for x0, x1, src, f in sorted(members, key=lambda r: (r[0], r[1], r[2])):
            track = 0
            while any(t == track and s != src and a < x1 + 4 and x0 < b + 4 for a, b, s, t in placed):
                track += 1
            placed.append((x0, x1, src, track))
            chosen[(f.src, f.dst)] = track
        count = 1 + max(chosen.values())
        found.update({key: (t, count) for key, t in chosen.items()})
    return found


def _rows(parts: Sequence[Part], sizes: Dict[str, _Size], runs, tracks,
          style: GateStyle) -> Tuple[Dict[int, float], Dict[int, Tuple[float, float]]]:
    """The centre y of every row (row 0 lowest) and the span (top, bottom) of the gap under each."""
    up: Dict[int, float] = defaultdict(float)
    down: Dict[int, float] = defaultdict(float)
    for p in parts:
        up[p.row] = max(up[p.row], sizes[p.id].up)
        down[p.row] = max(down[p.row], sizes[p.id].down)
    count: Dict[int, int] = defaultdict(int)
    for gap, members in runs.items():
        count[gap] = max(tracks[(f.src, f.dst)][1] for *_, f in members)
    cy: Dict[int, float] = {0: 0.0}
    gaps: Dict[int, Tuple[float, float]] = {}
    for r in range(1, max(p.row for p in parts) + 1):
        gap = max(style.row_gap, (count[r] + 1) * style.pitch + 12)
        low = cy[r - 1] - up[r - 1]
        cy[r] = low - gap - down[r]
        gaps[r] = (low - gap, low)
    return cy, gaps


def _box(x: float, y: float, size: _Size) -> Box:
    return Box(x - size.w / 2, y - size.h / 2, size.w, size.h, "anchor")


# -- arrows -----------------------------------------------------------------------------------

def _route(flow: Flow, parts: Dict[str, Part], boxes: Dict[str, Box], ports, tracks,
           cy: Dict[int, float], gaps, style: GateStyle) -> Tuple[Point, ...]:
    s, d = boxes[flow.src], boxes[flow.dst]
    scx, scy = s.x + s.w / 2, s.y + s.h / 2
    dcx, dcy = d.x + d.w / 2, d.y + d.h / 2
    rightward = dcx > scx
    if flow.route == "side":
        return (s.right if rightward else s.x, scy), (d.x if rightward else d.right, scy)
    if flow.route == "up_side":
        return (scx, s.y), (scx, dcy), (d.x if rightward else d.right, dcy)
    px = ports[(flow.src, flow.dst)]
    if flow.route == "side_up":
        start = s.right if px > scx else s.x
        return (start, scy), (px, scy), (px, d.bottom)
    if abs(px - scx) <= 0.5:
        return (scx, s.y), (px, d.bottom)
    rows = {p.id: p.row for p in parts.values()}
    top, bottom = gaps[_via(flow, rows)]
    track, count = tracks[(flow.src, flow.dst)]
    y = (top + bottom) / 2 + (track - (count - 1) / 2) * style.pitch
    return (scx, s.y), (scx, y), (px, y), (px, d.bottom)


def _edge(flow: Flow, pts: Tuple[Point, ...], layer: str, carried: Optional[Strip] = None) -> Group:
    """An arrow; ``data-shape`` is that of the strip at its start or end (what it carries)."""
    kind = "state" if flow.state else "data"
    arrow = Arrow(pts, "rnd-arrow" + (" rnd-arrow-state" if flow.state else ""))
    attrs = (("layer", layer),) + ((("shape", labels.array_shape(carried.dims)),) if carried is not None else ())
    return Group(f"rnd-edge rnd-{kind}", (arrow,), attrs, title=f"{flow.src} → {flow.dst}")


# -- parts ------------------------------------------------------------------------------------

_PART_CLASSES = {"gate": "rnd-gate", "linear": "rnd-linear", "op": "rnd-op", "act": "rnd-activation",
                 "custom": "rnd-custom", "input": "rnd-input rnd-hue-0", "state": "rnd-init",
                 "output": "rnd-value-strip"}


def _part(part: Part, box: Box, layer: str, style: GateStyle) -> Group:
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    attrs = [("layer", layer)]
    cls = _PART_CLASSES[part.kind]
    if part.kind == "state" and part.side > 0:
        cls = "rnd-final"
    if part.gate and part.kind == "gate":
        attrs.append(("gate", part.gate))
    items: List[Item] = []
    frame: Optional[Box] = None
    if part.kind in ("gate", "linear", "custom"):
        frame = Box(box.x, box.y, box.w, box.h, f"rnd-frame rnd-{part.kind}-frame", 6)
        items.append(frame)
        items += _box_lines(part, box, layer, style)
    elif part.kind in ("op", "act"):
        frame = Box(box.x, box.y, box.w, box.h, f"rnd-frame rnd-{part.kind}-frame", box.h / 2)
        size = 15.0 if part.kind == "op" else style.font
        items += [frame, Label(cx, cy + 0.36 * size, part.label, f"rnd-{part.kind}-label", size, bold=True,
                               boxed=True)]
        attrs.append(("op", part.label))
    else:
        assert part.strip is not None
        attrs.append(("shape", labels.array_shape(part.strip.dims)))
        items += strip_items(part.strip, cx, cy, style.strips)
        frame = items[0] if isinstance(items[0], Box) else None
        if part.caption:
            x = box.x - 6 if part.side < 0 else box.right + 6
            items.append(Label(x, cy + 0.36 * style.small, part.caption, "rnd-caption", style.small,
                               anchor="end" if part.side < 0 else "start"))
        y = box.bottom
        for note in part.notes:
            y += style.note + 3
            items.append(Label(cx, y, note, "rnd-note", style.note))
    return Group(cls, tuple(items), tuple(attrs), frame, title=part.id)


def _box_lines(part: Part, box: Box, layer: str, style: GateStyle) -> List[Item]:
    """A box's text, one line under the other, then its strip (values or size)."""
    items: List[Item] = []
    cx = box.x + box.w / 2
    y = box.y + style.pad - 2
    weights = iter(part.weights)
    for text, cls, which, bold in _lines(part):
        size = _font(which, style)
        y += size + 4
        label = Label(cx, y - 4, text, cls, size, bold=bold, boxed=True)
        if cls == "rnd-weight-label":
            w = next(weights)
            attrs = (("weight", w.weight), ("shape", labels.array_shape(w.shape))) + \
                ((("gate", w.gate),) if w.gate else ())
            items.append(Group("rnd-weight", (label,), (("layer", layer),) + attrs))
        else:
            items.append(label)
    if part.strip is not None:
        _, sh = strip_size(part.strip, style.strips)
        inner = strip_items(part.strip, cx, y + 6 + sh / 2 - 4, style.strips)
        # Inside a gate the strip is part of the gate, not a value of its own: no frame of its own.
        items += [replace(i, cls="rnd-inner-strip " + i.cls) if isinstance(i, Box) else i for i in inner]
    return items


# -- heading and weights table ------------------------------------------------------------------

def _heading(cell: CellFigure, items: Sequence[Item], style: GateStyle) -> List[Item]:
    left, top, _, _ = bounds(items)
    lines = list(cell.heading)
    y = top - 14 - (len(lines) - 1) * (style.heading + 5)
    found: List[Item] = []
    for i, line in enumerate(lines):
        found.append(Label(left, y + i * (style.heading + 5), line, "rnd-heading" if i == 0 else "rnd-table-text",
                           style.heading if i == 0 else style.small, bold=i == 0, anchor="start"))
    return [Group("rnd-cell-heading", tuple(found))]


def _table(cell: CellFigure, items: Sequence[Item], style: GateStyle) -> List[Item]:
    """Each weight as Keras stores it, split into its gates' blocks in Keras's order."""
    if not cell.table:
        return []
    left, _, _, bottom = bounds(items)
    size = style.small
    name_w = max(text_width(r.name, size, True) for r in cell.table) + 10
    shape_w = max(text_width(labels.array_shape(r.shape), size) for r in cell.table) + 14
    block_w = max([text_width(g, size, True) + 12 for r in cell.table for g, _ in r.blocks] + [22])
    found: List[Item] = []
    y = bottom + 26
    split = any(r.blocks for r in cell.table)
    found.append(Label(left, y, "weights, as Keras stores them" + (" (blocks in its gate order):" if split else ":"),
                       "rnd-table-text", size, anchor="start"))
    for row in cell.table:
        y += 24
        base = y
        x = left
        if row.name:
            shape = labels.array_shape(row.shape)
            found.append(Group("rnd-weight", (
                Label(x, base, row.name, "rnd-weight-label", size, bold=True, anchor="start"),
                Label(x + name_w, base, shape, "rnd-weight-label", size, anchor="start")),
                (("layer", cell.layer), ("weight", row.name), ("shape", shape))))
        x += name_w + shape_w
        for gate, _ in row.blocks:
            frame = Box(x, base - size - 3, block_w, size + 8, "rnd-block-frame", 2)
            found.append(Group("rnd-block", (frame, Label(x + block_w / 2, base, gate, "rnd-block-label", size,
                                                          bold=True, boxed=True)),
                               (("gate", gate.rstrip("′")),), frame))
            x += block_w
        if row.blocks:
            each = f"each {labels.array_shape(row.blocks[0][1])}" + (f"; {row.note}" if row.note else "")
            found.append(Label(x + 8, base, each, "rnd-table-text", size, anchor="start"))
    if cell.total:
        y += 24
        found.append(Label(left, y, cell.total, "rnd-table-text", size, bold=True, anchor="start"))
    return [Group("rnd-weights", tuple(found), (("layer", cell.layer),))]
