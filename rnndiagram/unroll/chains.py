"""Stage 2, chains of vector layers drawn as one compact column.

A run of two or more layers that act on one vector at a time (Dense, Dropout, an
activation, a normalisation: per step on a sequence, or on the vector left once the
sequences have collapsed), each reading only the one before it and read only by the one
after it, is drawn as one row: one box per shown step (or one box above the stack) that
lists the layers bottom to top, a gutter naming each with its output shape, and the
last one's output as strips. What decides is the spec (roles, wiring, shapes), never a
class name.
"""

from __future__ import annotations

from typing import AbstractSet, Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

from .._records import frozen
from .. import labels
from ..spec import LayerSpec, ModelSpec
from .canvas import Canvas
from .drafts import _Handle
from .folding import Unit
from .sequences import finish_sequence, head_strip, opens_axis, sequence_from
from .stack import sibling_heads

@frozen
class Chain:
    """Layers drawn as one column, first to last; each reads the one before it alone."""

    links: Tuple[LayerSpec, ...]

    @property
    def first(self) -> LayerSpec:
        return self.links[0]

    @property
    def last(self) -> LayerSpec:
        return self.links[-1]


def plan_chains(spec: ModelSpec, units: Sequence[Unit], apart: AbstractSet[str] = frozenset(),
                ) -> List[Union[Unit, "Chain"]]:
    """``units`` (layers in drawing order, and other units left as they are) with each chain
    of two or more linkable layers put in place of its first layer, its others left out.
    ``apart``: layers that take part in something drawn elsewhere (what a TimeDistributed
    runs), never part of a chain."""
    readers = _readers(spec)
    outputs = {o.layer for o in spec.outputs}
    layers = [u for u in units if isinstance(u, LayerSpec)]
    linkable = {l.id for l in layers if l.id not in apart and _linkable(l)}
    by_id = {l.id: l for l in layers}
    chains: Dict[str, Chain] = {}
    taken: Set[str] = set()
    for layer in layers:
        if layer.id not in linkable or layer.id in taken:
            continue
        links = [layer]
        while True:
            tail = links[-1]
            nxt = readers.get(tail.id, [])
            if len(nxt) != 1 or tail.id in outputs or nxt[0] not in linkable or nxt[0] in taken:
                break
            following = by_id[nxt[0]]
            if _group(following) != _group(layer) or _kind(following) != _kind(layer):
                break
            links.append(following)
        if len(links) >= 2:
            chains[layer.id] = Chain(tuple(links))
            taken.update(l.id for l in links)
    planned: List[Union[Unit, Chain]] = []
    for unit in units:
        if isinstance(unit, LayerSpec) and unit.id in taken:
            if unit.id in chains:
                planned.append(chains[unit.id])
            continue
        planned.append(unit)
    return planned


def _readers(spec: ModelSpec) -> Dict[str, List[str]]:
    """For each layer, the layers that read any of its outputs (once each, in any way)."""
    found: Dict[str, List[str]] = {}
    for layer in spec.layers:
        for conn in layer.inbound:
            seen = found.setdefault(conn.layer, [])
            if layer.id not in seen:
                seen.append(layer.id)
    return found


def _linkable(layer: LayerSpec) -> bool:
    """A layer that maps one vector to one vector, per step or after the sequences: one
    data input, one output, the same axes in as out, nothing it runs or owns."""
    if layer.role not in ("per_step", "vector", "whole_sequence") or len(layer.output_shapes) != 1:
        return False
    if layer.recurrent is not None or layer.wrapped is not None or layer.model is not None or layer.contains \
            or layer.cell is not None or layer.steps is not None or layer.reads_tokens:
        return False
    if any(c.kind not in ("sequence", "vector") for c in layer.inbound) or len(layer.inbound) != 1:
        return False
    shape_in, out = layer.inbound[0].shape, layer.output_shapes[0]
    if _kind(layer) == "per_step":
        return len(shape_in) == len(out) == 3 and shape_in[:2] == out[:2]
    return True  # drawn as one box only where its input is one block (see draw_chain)


def _kind(layer: LayerSpec) -> str:
    """``per_step`` (a box per step), or ``block`` (one box, where its input is one)."""
    return "per_step" if layer.role == "per_step" else "block"


def _group(layer: LayerSpec) -> Optional[str]:
    """The nested model an inlined layer belongs to (its id's prefix)."""
    return layer.id.rsplit("/", 1)[0] if "/" in layer.id else None


def draw_chain(c: Canvas, chain: Chain, draw_one: Callable[[Canvas, LayerSpec], None]) -> None:
    """Draw ``chain`` as one column where its input lets it (a sequence on a panel of
    its own steps; a vector or other block that every layer keeps as one block, opening
    no time axis); otherwise its first layer as ``draw_one`` would, then the rest."""
    inputs = c.data_inputs(chain.first)
    handle = inputs[0][1] if len(inputs) == 1 else None
    if handle is not None and handle.per_col is not None and _kind(chain.first) == "per_step" \
            and c.panel(handle.panel).timesteps == chain.last.output_shapes[0][1]:
        _per_step_column(c, chain, handle)
    elif handle is not None and handle.node is not None and _kind(chain.first) == "block" \
            and not any(opens_axis(c, l, l.output_shapes[0]) for l in chain.links[:-1]):
        _head_column(c, chain, handle)
    else:
        draw_one(c, chain.first)
        rest = Chain(chain.links[1:])
        if len(rest.links) >= 2:
            draw_chain(c, rest, draw_one)
        elif rest.links:
            draw_one(c, rest.first)


def _per_step_column(c: Canvas, chain: Chain, source: _Handle) -> None:
    panel = c.panel(source.panel)
    last = chain.last
    gutter, names = chain_gutter(c, chain)
    row = c.add_row(panel, "boxes", last.id, gutter=gutter, legend="per timestep", names=names,
                    named_layers=_named_layers(chain))
    label = chain_label(chain)
    boxes: Dict[int, str] = {}
    for col, column in enumerate(panel.columns):
        if column.ellipsis:
            boxes[col] = c.ellipsis(panel, row, col, f"{last.id}-t…", last.id)
            continue
        boxes[col] = c.add_node(id=f"{last.id}-t{column.key}", kind="box", panel=panel.index, row=row, col=col,
                                label=label, t=column.key, layer=last.id)
        c.add_edge(source.columns()[col], boxes[col], "data", layer=chain.first.id)
    finish_sequence(c, last, panel, boxes)


def _head_column(c: Canvas, chain: Chain, source: _Handle) -> None:
    # One of several heads that read one vector: a stack of its own, as stack.add_head_box does.
    panel = c.new_stack() if len(sibling_heads(c, chain.first)) >= 2 else c.panel(source.panel)
    last = chain.last
    gutter, names = chain_gutter(c, chain)
    row = c.add_row(panel, "head", last.id, gutter=gutter, names=names, named_layers=_named_layers(chain))
    box = c.add_node(id=f"{last.id}-box", kind="box", panel=panel.index, row=row, col=panel.last,
                     label=chain_label(chain), layer=last.id)
    c.add_edge(c.last_node(source), box, "data", layer=chain.first.id)
    out = last.output_shapes[0]
    if opens_axis(c, last, out):  # the last layer's output is a sequence on a new time axis
        sequence_from(c, last, box, out)
    else:
        head_strip(c, last, panel, box)


def link_text(layer: LayerSpec) -> str:
    """One layer of a chain's box: its short class name and size, ``Dense(16)``."""
    size = labels.layer_size(layer)
    name = labels.box_label(layer.class_name)
    return f"{name}({size})" if size else name


def chain_label(chain: Chain) -> str:
    """The text of a chain's box, one line a layer, the first at the bottom as data flows."""
    return "\n".join(link_text(l) for l in reversed(chain.links))


def _named_layers(chain: Chain) -> Tuple[str, ...]:
    """The layer each naming line of :func:`chain_gutter` is about, in its order (the chain's
    last layer first)."""
    return tuple(layer.id for layer in reversed(chain.links))


def chain_gutter(c: Canvas, chain: Chain) -> Tuple[Tuple[str, ...], Tuple[int, ...]]:
    """Each layer, last (top) first, as the box lists them: its name and title, then its
    output shape; and which of those lines name a layer (drawn bold)."""
    lines: List[str] = []
    names: List[int] = []
    for layer in reversed(chain.links):
        names.append(len(lines))
        name = labels.call_name(layer, c.spec, of_all=True)
        lines += [f"{name} · {labels.layer_title(layer)}", *labels.shapes_lines(layer.output_shapes)]
    return tuple(lines), tuple(names)
