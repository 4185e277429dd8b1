"""Stage 3, layout, its drawing half: one node or edge, already placed, into scene items."""

from __future__ import annotations

from functools import lru_cache
from typing import List, Optional, Tuple

from .._records import frozen
from .. import labels
from ..unroll.graph import Edge, Node, Strip
from .metrics import text_width
from .scene import Arrow, Box, Group, Item, Label, Point


@frozen
class Style:
    """Every size the layout uses, in px (why each is what it is, beside it)."""

    cell_min_w: float = 64.0       # the post's RNN squares
    cell_h: float = 52.0
    state_pitch: float = 40.0      # room for a strip and its caption between state arrows
    box_h: float = 44.0            # two lines: class name and size
    merge_h: float = 24.0
    band_h: float = 36.0
    unit: float = 11.0             # one strip cell, one unit of a vector
    strip_h: float = 16.0
    max_units: int = 8             # past this a strip is compressed and labelled with its size
    row_pad: float = 14.0          # above and below each row: captions live here
    cell_pad: float = 14.0         # above and below a row of cells: their state strips live here
    row_gap: float = 24.0          # arrow length between rows
    lane_gap: float = 16.0         # between the two cells of a Bidirectional step
    margin: float = 20.0
    panel_gap: float = 56.0
    font: float = 12.0
    cell_font: float = 15.0
    caption_font: float = 11.0
    value_font: float = 9.0
    token_font: float = 20.0
    legend_font: float = 14.0
    gutter_font: float = 12.0
    gutter_lead: float = 3.0       # between two lines of a gutter

    @property
    def gutter_pitch(self) -> float:
        """From one gutter line to the next."""
        return self.gutter_font + self.gutter_lead


COMPACT = Style(row_pad=6.0, row_gap=10.0, box_h=38.0, gutter_font=11.0, gutter_lead=2.0)
"""The style of a drawing laid out compact, to keep within the size budget's height: rows
closer together (still with room for their captions; rows of cells keep theirs for the state
strips), smaller boxes and gutter text. The same drawing, 20 to 30 % shorter."""


def value_unit(strip: Strip, style: Style) -> float:
    """A strip cell wide enough for the widest number it prints."""
    widest = max((text_width(labels.number(v), style.value_font) for v in _printed(strip, style)), default=0.0)
    return max(style.unit, widest + 5)


def _printed(strip: Strip, style: Style) -> Tuple[float, ...]:
    """The numbers a strip prints: all of them, or of a vector wider than ``max_units`` the
    first ``max_units`` (values mode); a zero initial state wider than that prints none."""
    values = strip.values or ()
    n = strip.size
    if n is not None and n > style.max_units:
        return () if strip.zero else values[:style.max_units]
    return values


def _partial(strip: Strip, style: Style) -> bool:
    """Whether a strip prints only its first units' numbers, then a last cell saying how
    many units there are."""
    n = strip.size
    return n is not None and 0 < len(_printed(strip, style)) < n


def _tail_text(strip: Strip) -> str:
    return f"of {strip.size}"


def _tail_width(strip: Strip, style: Style) -> float:
    return text_width(_tail_text(strip), style.caption_font, True) + 10


@lru_cache(maxsize=1024)
def strip_size(strip: Strip, style: Style) -> Tuple[float, float]:
    """(width, height) of a strip; cached, as every arrow and node carrying it asks."""
    dims = strip.dims
    if len(dims) != 1:
        return text_width(labels.dims_text(dims), style.caption_font) + 12, style.strip_h + 4
    n = dims[0]
    unit = value_unit(strip, style)
    if n is not None and n <= style.max_units:
        return max(n, 1) * unit, style.strip_h
    if _partial(strip, style):
        return len(_printed(strip, style)) * unit + _tail_width(strip, style), style.strip_h
    text = "?" if n is None else str(n)
    return max(4 * style.unit, text_width(text, style.caption_font, True) + 16), style.strip_h


def _has_side_caption(node: Node) -> bool:
    """Strips named beside them; a wired initial state is named by its incoming edge."""
    wired = node.kind == "init" and bool(node.detail)
    return node.kind in ("input", "init", "final") and bool(node.label) and not wired


def caption_width(node: Node, style: Style) -> float:
    """Room a strip node's name takes beside it."""
    if _has_side_caption(node):
        return text_width(node.label, style.caption_font) + 5
    return 0.0


def strip_note(strip: Strip, style: Style) -> str:
    """What a strip's numbers are when they are not all of them (``units 1–8 of 16``), or ""."""
    return f"units 1–{len(_printed(strip, style))} of {strip.size}" if _partial(strip, style) else ""


def strip_items(strip: Strip, cx: float, cy: float, style: Style, faint: bool = False) -> List[Item]:
    """A vector as a row of small cells (numbers in them in values mode), or compressed; a
    vector too wide to print whole shows its first units' numbers, then ``of N``."""
    w, h = strip_size(strip, style)
    x, y = cx - w / 2, cy - h / 2
    tone = " rnd-faint" if faint else ""
    frame = Box(x, y, w, h, "rnd-strip-frame" + tone, 2)
    n = strip.size
    if _partial(strip, style):
        cells = _value_cells(strip, len(_printed(strip, style)) + 1, x, cy, h, value_unit(strip, style), style)
        return [frame] + cells + _tail(strip, x + w, y, h, style, tone)
    if len(strip.dims) != 1 or n is None or n > style.max_units:
        text = labels.dims_text(strip.dims) if len(strip.dims) != 1 else ("?" if n is None else str(n))
        return [frame, Box(x, y, w, h, "rnd-strip-compressed" + tone, 2),
                Label(cx, cy + 0.36 * style.caption_font, text, "rnd-strip-size", style.caption_font,
                      bold=len(strip.dims) == 1, boxed=True)]
    return [frame] + _value_cells(strip, n, x, cy, h, w / max(n, 1), style)


def _value_cells(strip: Strip, cells: int, x: float, cy: float, h: float, unit: float, style: Style) -> List[Item]:
    """The dividers between ``cells`` cells of a strip and its numbers in them, from ``x`` on."""
    y = cy - h / 2
    items: List[Item] = []
    for i in range(1, cells):
        items.append(Arrow(((x + i * unit, y), (x + i * unit, y + h)), "rnd-strip-div", head=False))
    for i, value in enumerate(_printed(strip, style)):
        items.append(Label(x + (i + 0.5) * unit, cy + 0.36 * style.value_font, labels.number(value),
                           "rnd-value", style.value_font, boxed=True))
    return items


def _tail(strip: Strip, right: float, y: float, h: float, style: Style, tone: str) -> List[Item]:
    """The last cell of a partly printed strip: how many units the vector has."""
    w = _tail_width(strip, style)
    return [Box(right - w, y, w, h, "rnd-strip-compressed" + tone, 2),
            Label(right - w / 2, y + h / 2 + 0.36 * style.caption_font, _tail_text(strip), "rnd-strip-size",
                  style.caption_font, bold=True, boxed=True)]


def node_size(node: Node, style: Style, n_states: int = 1) -> Tuple[float, float]:
    if node.kind == "cell":
        w = max(style.cell_min_w, text_width(node.label, style.cell_font, True) + 20)
        return w, max(style.cell_h, n_states * style.state_pitch)
    if node.kind == "box" and "\n" in node.label:  # a chain of layers, one a line
        lines = node.label.split("\n")
        w = max(text_width(line, style.font, True) for line in lines) + 20
        return max(style.cell_min_w, w), max(style.box_h, len(lines) * (style.font + 4) + 12)
    if node.kind == "box":
        w = max(text_width(node.label, style.font, True), text_width(node.detail, style.font)) + 20
        return max(style.cell_min_w, w), style.box_h
    if node.kind == "merge":
        return text_width(node.label, style.caption_font, True) + 18, style.merge_h
    if node.kind == "token":
        return text_width(node.label, style.token_font, True), style.token_font
    if node.kind == "ellipsis":  # wide enough that arrows stop short of the dots
        return text_width("…", style.cell_font, True) + 16, style.cell_font
    if node.strip is not None:
        return strip_size(node.strip, style)
    return style.cell_min_w, style.band_h


_NODE_CLASSES = {"input": "rnd-input", "init": "rnd-init", "final": "rnd-final", "strip": "rnd-value-strip",
                 "token": "rnd-token", "ellipsis": "rnd-ellipsis", "merge": "rnd-merge", "band": "rnd-band",
                 "box": "rnd-box", "cell": "rnd-cell"}


def node_group(node: Node, box: Box, style: Style) -> Group:
    """The scene items of one placed node, in a group carrying its hooks."""
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    attrs = [("layer", node.layer)] if node.layer else []
    if node.t is not None:
        attrs.append(("t", node.t))
    if node.state:
        attrs.append(("state", node.state))
    if node.strip is not None:
        attrs.append(("shape", labels.array_shape(node.strip.dims)))
    kind_cls = _NODE_CLASSES[node.kind]
    if node.output is not None:  # a model output: its index, as the legend or caption names it
        attrs.append(("output", str(node.output)))
        kind_cls += " rnd-model-output"
    faint = " rnd-faint" if node.faint else ""
    if node.kind == "input" and node.col is not None:
        faint += f" rnd-hue-{node.col % 3}"  # the post colours each word's embedding
    items: List[Item] = []
    frame: Optional[Box] = None
    if node.kind in ("cell", "box", "merge", "band"):
        frame = Box(box.x, box.y, box.w, box.h, f"rnd-frame rnd-{node.kind}-frame", 6 if node.kind != "merge" else 11)
        items.append(frame)
        if node.kind == "cell":
            items.append(Label(cx, cy + 0.36 * style.cell_font, node.label, "rnd-cell-label",
                               style.cell_font, bold=True, boxed=True))
        elif node.kind == "box" and "\n" in node.label:
            items.extend(_lines_items(node.label.split("\n"), cx, cy, style))
        elif node.detail and node.kind == "box":
            items.append(Label(cx, cy - 3, node.label, "rnd-box-label", style.font, bold=True, boxed=True))
            items.append(Label(cx, cy + style.font, node.detail, "rnd-box-detail", style.font, boxed=True))
        else:
            size = style.caption_font if node.kind == "merge" else style.font
            items.append(Label(cx, cy + 0.36 * size, node.label, f"rnd-{node.kind}-label", size,
                               bold=True, boxed=True))
    elif node.kind == "token":
        items.append(Label(cx, cy + 0.36 * style.token_font, node.label, "rnd-token-label",
                           style.token_font, bold=True))
    elif node.kind == "ellipsis":
        items.append(Label(cx, cy + 0.36 * style.cell_font, "…", "rnd-ellipsis-label", style.cell_font, bold=True))
    elif node.strip is not None:
        items.extend(strip_items(node.strip, cx, cy, style, node.faint))
        frame = items[0] if isinstance(items[0], Box) else None
        if _has_side_caption(node):
            before = node.side < 0 or node.kind == "input"  # names sit on the outer side
            x = box.x - 5 if before else box.right + 5
            items.append(Label(x, cy + 0.36 * style.caption_font, node.label, "rnd-caption",
                               style.caption_font, anchor="end" if before else "start"))
    note = strip_note(node.strip, style) if node.strip is not None else ""
    title = " ".join(p for p in (node.layer or "", f"t={node.t}" if node.t else "", node.detail, note) if p)
    return Group(kind_cls + faint, tuple(items), tuple(attrs), frame, title)


def _lines_items(lines: List[str], cx: float, cy: float, style: Style) -> List[Item]:
    """Lines of text centred in a box, ``style.font + 4`` apart."""
    pitch = style.font + 4
    top = cy - (len(lines) - 1) * pitch / 2 + 0.36 * style.font
    return [Label(cx, top + i * pitch, line, "rnd-box-label", style.font, bold=True, boxed=True)
            for i, line in enumerate(lines)]


def caption_items(text: str, x: float, y: float, style: Style, anchor: str = "middle") -> List[Item]:
    return [Label(x, y, text, "rnd-caption", style.caption_font, anchor=anchor)]


def edge_group(edge: Edge, points: Tuple[Point, ...], style: Style,
               strip_at: Optional[Tuple[float, float, bool]] = None,
               caption_at: Optional[Tuple[float, float]] = None, shape: Optional[Strip] = None) -> Group:
    """An arrow; a state edge also carries its state vector (above or below the arrow), and
    a hand-off its caption (centred at ``caption_at``). ``data-shape`` is the shape of the
    value it carries: its own strip's, else that of ``shape`` (the strip at either end)."""
    # "rnd-input" names input steps (nodes); the arrows out of them are "rnd-feed".
    kind = "feed" if edge.kind == "input" else edge.kind
    cls = f"rnd-edge rnd-{kind}" + (" rnd-faint" if edge.faint else "")
    items: List[Item] = [Arrow(points, "rnd-arrow" + (" rnd-arrow-state" if edge.kind == "state" else ""),
                               dashed=edge.dashed)]
    if strip_at is not None and edge.strip is not None:
        x, y, above = strip_at
        w, h = strip_size(edge.strip, style)
        cy = y - 4 - h / 2 if above else y + 4 + h / 2
        items.extend(strip_items(edge.strip, x, cy, style))
        cap_y = cy - h / 2 - 4 if above else cy + h / 2 + style.caption_font
        items.extend(caption_items(edge.label, x, cap_y, style))
    elif caption_at is not None and edge.label:
        items.extend(caption_items(edge.label, caption_at[0], caption_at[1], style))
    attrs = [("layer", edge.layer)] if edge.layer else []
    if edge.state:
        attrs.append(("state", edge.state))
    carried = edge.strip or shape
    if carried is not None:
        attrs.append(("shape", labels.array_shape(carried.dims)))
    note = strip_note(edge.strip, style) if strip_at is not None and edge.strip is not None else ""
    return Group(cls, tuple(items), tuple(attrs), title=f"{edge.src} → {edge.dst}" + (f" {note}" if note else ""))
