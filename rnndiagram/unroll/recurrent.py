"""Stage 2, a recurrent layer: its rows of cells, state edges and outputs (a Bidirectional's two
directions merged in ``bidirectional``)."""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from .._records import frozen
from .. import labels
from ..spec import Connection, LayerSpec, RecurrentSpec, StateSpec, value_key
from .bidirectional import merge_directions
from .canvas import Canvas
from .drafts import _Handle, _PanelDraft
from .graph import Strip
from .sequences import strips_row


def _state_name(state: StateSpec, spec: RecurrentSpec) -> str:
    groups = {s.group for s in spec.states}
    return f"{state.name}{state.group + 1}" if len(groups) > 1 else state.name


def _directions(rec: RecurrentSpec) -> List[Tuple[str, RecurrentSpec]]:
    if rec.bidirectional and rec.forward is not None and rec.backward is not None:
        return [("f", rec.forward), ("b", rec.backward)]
    return [("", rec)]


def _states_fed(b: Canvas, directions: List[Tuple[str, RecurrentSpec]],
                wired: Dict[int, Connection]) -> Dict[Tuple[str, int], Tuple[int, str]]:
    """For each tensor wired into the layer's initial states: the first state slot it starts
    and the names it is printed with (the source's own state name, or the states it starts)."""
    slots: Dict[Tuple[str, int], List[int]] = {}
    names: Dict[Tuple[str, int], List[str]] = {}
    slot = 0
    for _, spec in directions:
        for state in spec.states:
            conn = wired.get(slot)
            if conn is not None:
                key = (conn.layer, conn.tensor)
                name = b.state_label(conn.layer, conn.tensor, _state_name(state, spec))
                slots.setdefault(key, []).append(slot)
                if name not in names.setdefault(key, []):
                    names[key].append(name)
            slot += 1
    return {key: (slots[key][0], ", ".join(names[key])) for key in slots}


@frozen
class AsLoop:
    """A loop's calls drawn as one layer's cells: ``steps`` calls, ``chained`` when each
    starts from the states the one before returned, ``outputs`` the model output each
    shown column's call gives, if any, ``shape`` the output shape of one call."""

    steps: int
    chained: bool
    outputs: Dict[int, Optional[int]]
    shape: Tuple[Optional[int], ...]
    whole: Optional[str] = None  # the steps each call runs over, when more than one ("?": unknown)


def add_recurrent(b: Canvas, layer: LayerSpec, source: _Handle, loop: Optional[AsLoop] = None) -> None:
    """The rows of a recurrent layer over the time axis of ``source``: its cells with their
    states, then its outputs. ``loop``: the layer is a loop's calls, one per column."""
    rec = layer.recurrent
    assert rec is not None
    panel = b.panel(source.panel)
    directions = _directions(rec)
    wired = {c.slot: c for c in layer.inbound if c.kind == "state"}
    fed = _states_fed(b, directions, wired)
    rows: List[_CellRow] = []
    state_offset = 0
    for d, (tag, spec) in enumerate(directions):
        row = _cell_row(b, layer, source, panel, d, tag, spec, loop)
        for i, state in enumerate(spec.states if loop is None or loop.chained else ()):
            _state_chain(b, row, i, state, wired.get(state_offset + i), fed, state_offset)
        state_offset += len(spec.states)
        rows.append(row)
    last_cells = [r.cells[r.order[-1]] for r in rows]
    if rec.bidirectional:
        merge_directions(b, layer, panel, [r.cells for r in rows], last_cells)
    else:
        _outputs(b, layer, panel, rows[0].cells, last_cells[0], loop)


@frozen
class _CellRow:
    """One direction's row of cells: ``cells`` by column, ``order`` the columns in the order
    the cells run, ``side`` where its initial states stand (-1 left, +1 right)."""

    layer: LayerSpec
    spec: RecurrentSpec
    panel: _PanelDraft
    row: int
    d: int
    prefix: str
    cells: Dict[int, str]
    order: List[int]
    side: int
    lane: Tuple[int, int] = (0, 1)  # both directions share the column; layout routes around cells


def _cell_row(b: Canvas, layer: LayerSpec, source: _Handle, panel: _PanelDraft, d: int, tag: str,
              spec: RecurrentSpec, loop: Optional[AsLoop]) -> _CellRow:
    """Direction ``d``'s row: its gutter and a cell per column, each reading its step of ``source``."""
    rec = layer.recurrent
    assert rec is not None
    prefix = f"{layer.id}-{tag}" if tag else layer.id
    if loop is not None:
        gutter = _loop_gutter(layer, loop)
    elif d == 0:
        gutter = b.gutter(layer, labels.recurrent_flags(rec) + (labels.stacked_cells(rec),))
        if rec.bidirectional:
            gutter = gutter[:1] + (f"forward {spec.kind}({spec.units})",) + gutter[2:]
    else:
        gutter = ("", f"backward {spec.kind}({spec.units})", "go_backwards" if spec.go_backwards else "")
    row = b.add_row(panel, "cells", layer.id, gutter=gutter)
    cells: Dict[int, str] = {}
    for col, column in enumerate(panel.columns):
        kind = "ellipsis" if column.ellipsis else "cell"
        cells[col] = b.add_node(id=f"{prefix}-t{column.key}", kind=kind, panel=panel.index, row=row,
                                col=col, label="…" if column.ellipsis else labels.cell_label(spec),
                                layer=layer.id, t=None if column.ellipsis else column.key, lane=(0, 1))
        src = None if column.ellipsis else source.columns().get(col)
        if src is not None:
            b.add_edge(src, cells[col], "input" if b.kind(src) == "input" else "data", layer=layer.id)
    return _CellRow(layer, spec, panel, row, d, prefix, cells, sorted(cells, reverse=spec.go_backwards),
                    1 if spec.go_backwards else -1)


def _state_chain(b: Canvas, r: _CellRow, i: int, state: StateSpec, conn: Optional[Connection],
                 fed: Dict[Tuple[str, int], Tuple[int, str]], state_offset: int) -> None:
    """State ``i`` of a row: its initial value (wired in by ``conn``, or zeros), its edges
    from cell to cell, and its final value when the layer returns its states."""
    layer, spec, panel = r.layer, r.spec, r.panel
    name = _state_name(state, spec)
    dims = tuple(state.shape[1:])
    given = b.handle(conn.layer, conn.tensor) if conn is not None else None
    entered = b.state_input(conn.layer) if conn is not None else None
    # A stateful layer starts from the state the previous batch left, not from zeros.
    kept = conn is None and spec.stateful
    label = labels.step_name(name, "0") + (" (kept)" if kept else "")
    # From another time axis the state arrives by a hand-off edge; from this one it is
    # named instead, since an arrow back down the same panel would cross its rows; an
    # Input read only here is drawn here, once.
    handed = given if given is not None and given.panel != panel.index else None
    if entered is not None:
        label += f" = {entered.name}"
    elif conn is not None and handed is None:
        label += f" ← {b.source_name(conn.layer)}"
    origin = f"from {b.source_name(conn.layer)}" if conn is not None and handed is not None else ""
    value = value_key(entered.id, 0) if entered is not None else None
    init = b.add_node(id=f"{r.prefix}-{name}0", kind="init", panel=panel.index, row=r.row, col=None,
                      side=r.side, label=label, layer=layer.id, lane=r.lane, state=name,
                      strip=b.strip(dims, value, zero=conn is None and not kept), detail=origin)
    if handed is not None and conn is not None:
        # One tensor that starts several states runs on one line with one caption.
        first, names = fed[(conn.layer, conn.tensor)]
        label = f"{names} · {labels.dims_text(dims)}" if first == state_offset + i else ""
        b.add_edge(b.last_node(handed), init, "handoff", layer=layer.id, state=name, label=label)
    prev: str = init
    prev_col: Optional[int] = None
    for col in r.order:
        column = panel.columns[col]
        before = panel.columns[prev_col] if prev_col is not None else None
        strip: Optional[Strip] = None
        if before is not None and not before.ellipsis:
            strip = b.strip(dims, value_key(layer.id, 0, before.t, state=f"{r.d}/{i}"))
        b.add_edge(prev, r.cells[col], "state", layer=layer.id, state=name, strip=strip,
                   label=f"{name} · {labels.dims_text(dims)}",
                   dashed=column.ellipsis or (before is not None and before.ellipsis))
        prev, prev_col = r.cells[col], col
    rec = layer.recurrent
    assert rec is not None
    if rec.return_state or spec.return_state:
        last = panel.columns[r.order[-1]]
        tensor = (2 if rec.bidirectional and rec.merge_mode is None else 1) + state_offset + i
        output = b.output_index(layer, tensor)
        final_label = labels.step_name(name, last.key)
        final = b.add_node(id=f"{r.prefix}-{name}T", kind="final", panel=panel.index, row=r.row, col=None,
                           side=-r.side, layer=layer.id, lane=r.lane, state=name, output=output,
                           label=final_label if output is None
                           else f"{final_label} → {b.output_legend(layer, tensor, None)}",
                           strip=b.strip(dims, value_key(layer.id, 0, last.t, state=f"{r.d}/{i}")))
        b.add_edge(prev, final, "state", layer=layer.id, state=name,
                   label=f"{name} · {labels.dims_text(dims)}")
        b.set_handle(layer.id, tensor, _Handle(panel.index, dims, node=final))


def _loop_gutter(layer: LayerSpec, loop: AsLoop) -> Tuple[str, ...]:
    """A loop's row: the layer, how often it is called and the shape of each call's output."""
    starts = "states carried from call to call" if loop.chained else "each call from zero states"
    shape = "→ " + labels.shape_text(loop.shape) + " each"
    if loop.whole is None:
        return (layer.name, labels.layer_title(layer), f"one call per step, {starts}", shape)
    each = "a whole sequence" if loop.whole == "?" else f"{loop.whole} steps"
    return (layer.name, labels.layer_title(layer), f"one call per loop step, each over {each},", starts, shape)


def _outputs(b: Canvas, layer: LayerSpec, panel: _PanelDraft, cells: Dict[int, str], last: str,
             loop: Optional[AsLoop] = None) -> None:
    rec = layer.recurrent
    assert rec is not None
    dims = tuple(layer.output_shapes[0][2:] if rec.return_sequences else layer.output_shapes[0][1:])
    last_col = next(c for c, n in cells.items() if n == last)
    returned = tuple(cells) if rec.return_sequences else (last_col,)
    legend = "return_sequences=True" if rec.return_sequences else "return_sequences=False"
    if rec.return_sequences and rec.go_backwards:
        legend += " (reversed)"
    if loop is not None:
        per_col = strips_row(b, panel, layer, cells, dims, "each call's output", tuple(cells), outputs=loop.outputs)
        b.set_handle(layer.id, 0, _Handle(panel.index, dims, per_col=per_col))
        return
    per_col = strips_row(b, panel, layer, cells, dims, legend, returned, stepwise=rec.return_sequences)
    if rec.return_sequences:
        b.set_handle(layer.id, 0, _Handle(panel.index, dims, per_col=per_col))
    else:
        b.set_handle(layer.id, 0, _Handle(panel.index, dims, node=per_col[last_col]))
