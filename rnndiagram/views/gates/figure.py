"""Stage 2 of the gate view: a ModelSpec in, a :class:`GateFigure` (what to draw of one step
inside each cell, on a logical grid) out.

A cell is drawn as the textbook figures draw it (Olah's "Understanding LSTM Networks",
Cho et al.'s GRU): the input from below, the states from the left, the new states to
the right and the output above, so every arrow runs up or right. Each gate is a box with
the activation its config gives and the weight blocks it reads, shaped as Keras stores
them; pointwise operations are circles. ``recipes`` draws each kind of cell, ``parts``
holds what this stage hands on; ``layout`` turns the grid into coordinates.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional, Tuple

from ... import labels
from ...errors import UnsupportedLayerError
from ...options import DiagramOptions
from ...repeats import fold_repeats
from ...spec import CellSpec, LayerSpec, ModelSpec, RecurrentSpec, Shape, Values, gate_key
from .parts import CellFigure, Flow, GateFigure, Part, TableRow, WeightLabel
from .recipes import Draft, Names, draw, gate_block
from .steps import Chosen, choose_steps, drawn_layers

__all__ = ["CellFigure", "Flow", "GateFigure", "Part", "TableRow", "WeightLabel", "gate_figure"]


def gate_figure(spec: ModelSpec, options: Optional[DiagramOptions] = None,
                values: Optional[Values] = None) -> GateFigure:
    """The gate view of every recurrent layer of ``spec`` (nested models' too), and of
    every cell called directly; a layer called several times is drawn once, and so is each
    layer of a run of identical blocks (``fold_repeats``), with the count of its copies;
    the two directions of a Bidirectional that run the same cell are one figure, and so
    (``fold_repeats``) are two layers of one cell that read one sequence each way."""
    options = options or DiagramOptions()
    cells: List[CellFigure] = []
    seen = set()
    copies: List[int] = []  # how many layers each figure stands for
    steps = choose_steps(spec, options)
    # A run of identical blocks: its recurrent layers drawn once, with their count.
    spec, repeats = fold_repeats(spec, rename=False) if options.fold_repeats and not values else (spec, {})
    twins: Dict[Tuple[Any, ...], Tuple[int, str, bool]] = {}  # a cell each way once: where its figure is
    for path, layer in drawn_layers(spec):
        if path in seen:
            continue
        seen.add(path)
        if layer.cell is not None:  # a cell called directly (its recurrent spec is one step)
            cells.append(_direct_cell(path, layer, layer.cell, values or {}))
            copies.append(1)
        elif layer.recurrent is not None:
            # Cells alike run each way are drawn once, unless a step or its numbers tell them apart.
            apart = bool(values) or steps[path].step is not None
            ways = 2 if _directions_alike(layer.recurrent) and not apart else 1
            twin = None if apart or not options.fold_repeats or layer.recurrent.bidirectional \
                or layer.id in repeats else _twin_key(layer)
            if twin is not None and twin in twins and twins[twin][2] != layer.recurrent.go_backwards:
                at, first, _ = twins.pop(twin)
                cells[at] = replace(_both_ways(cells[at], f"{first} and {path}", path, layer.recurrent.go_backwards),
                                    also=(path,))
                continue
            if twin is not None:
                twins[twin] = (len(cells), path, layer.recurrent.go_backwards)
            found = _recurrent_cells(path, layer, layer.recurrent, steps[path], values or {}, ways)
            repeat = repeats.get(layer.id) if path == layer.name else None
            if repeat is not None:
                note = f"× {repeat.count} layers alike: {path} … {repeat.last[repeat.block.index(layer.id)]}"
                found = [replace(c, heading=c.heading[:1] + (note,) + c.heading[1:]) for c in found]
            cells += found
            copies += [repeat.count if repeat is not None else 1] * len(found)
    if not cells:
        raise UnsupportedLayerError(f"model {spec.name!r} has no recurrent layer, so it has no cell to draw "
                                    f"gate by gate (cell='gates')")
    total = sum((c.params or 0) * n for c, n in zip(cells, copies))
    summary = (f"One step inside each recurrent cell of Keras model {spec.name}: "
               + "; ".join(" ".join(c.heading[:1] + c.heading[-1:]) for c in cells)
               + f". {total:,} recurrent parameters in all.")
    return GateFigure(spec.name, summary, tuple(cells))


def _directions_alike(rec: RecurrentSpec) -> bool:
    """Whether a Bidirectional's two directions run the same cell (kind, sizes, settings,
    weights' shapes) on the same inputs and states: then one figure draws both."""
    fwd, bwd = rec.forward, rec.backward
    return bool(rec.bidirectional and fwd is not None and bwd is not None and fwd.cell_specs
                and fwd.cell_specs == bwd.cell_specs and fwd.features == bwd.features
                and fwd.timesteps == bwd.timesteps and _states(fwd) == _states(bwd))


def _states(rec: RecurrentSpec) -> List[Tuple[str, Shape, int]]:
    return [(s.name, s.shape, s.group) for s in rec.states]


def _recurrent_cells(path: str, layer: LayerSpec, rec: RecurrentSpec, chosen: Chosen,
                     values: Values, ways: int = 1) -> List[CellFigure]:
    """The figures of a layer's cells; ``ways=2``: of a Bidirectional whose directions are
    alike, the forward one drawn for both, its heading saying so."""
    directions = [(rec.forward, "forward"), (rec.backward, "backward")] if rec.bidirectional else [(rec, None)]
    if ways == 2:
        directions = [(rec.forward, "forward and backward")]
    found: List[CellFigure] = []
    for d, (direction, which) in enumerate(directions):
        assert direction is not None
        if not direction.cell_specs:
            raise UnsupportedLayerError(
                f"the spec of layer {path!r} does not describe its cell (it was written before rnndiagram "
                f"recorded cells); inspect the model again to draw its gates")
        part = str(d)
        step = _step(path, chosen, values, part)
        for k, cell in enumerate(direction.cell_specs):
            stacked = len(direction.cell_specs) > 1
            key = path + (f"-{which[0]}" if which else "") + (f"-c{k + 1}" if stacked else "")
            names = _names(step, direction.go_backwards, direction.timesteps or chosen.drawn_as,
                           "x" if k == 0 else f"y{k}")
            states = tuple((s.name, tuple(s.shape[1:])) for s in direction.states if s.group == k)
            x_dims = direction.features if k == 0 else states[0][1] if states else (cell.input_size,)
            body = Draft(key, cell, names, tuple(x_dims), states, values,
                         part + (f".{k}" if stacked else ""), path)
            heading = _heading(path, which, k if stacked else None, cell, names, step, direction.timesteps,
                               chosen, bool(values))
            figure = _figure(body, heading, "both" if ways == 2 else which, k if stacked else None, step)
            found.append(_both_ways(figure, heading[0], "backward", True) if ways == 2 else figure)
    return found


def _twin_key(layer: LayerSpec) -> Optional[Tuple[Any, ...]]:
    """What a recurrent layer's figure is drawn from, and the sequence it reads: two layers
    of one key, run in opposite directions (a forward GRU and a ``go_backwards`` one on the
    same input, a Bidirectional written out), are drawn as one figure."""
    rec = layer.recurrent
    read = next(((c.layer, c.tensor) for c in layer.inbound if c.kind == "sequence"), None)
    if rec is None or read is None or len(rec.cell_specs) != 1:
        return None
    return read, rec.cell_specs, rec.features, rec.timesteps, tuple(_states(rec))


def _both_ways(figure: CellFigure, title: str, other: str, backward: bool) -> CellFigure:
    """``figure`` drawn once for two cells alike, one run each way: headed ``title``, saying
    that ``other`` runs the same cell the other way (``backward``: from the last step), with
    the parameters of both."""
    way = "from the last step to the first (its state from the step after)" if backward else \
        "from the first step to the last (its state from the step before)"
    heading = figure.heading
    params = heading[-1] if figure.params is None else f"{heading[-1]} each ({2 * figure.params:,} in all)"
    return replace(figure, heading=(title, heading[1], f"{other}: the same cell with its own weights, run {way}",
                                    *heading[2:-1], params),
                   params=None if figure.params is None else 2 * figure.params)


def _direct_cell(path: str, layer: LayerSpec, cell: CellSpec, values: Values) -> CellFigure:
    """A cell called directly: one step per call, on the step it is given."""
    names = Names("t", "t-1")
    states = tuple((name, tuple(shape[1:])) for name, shape in
                   zip(("h", "c") if len(cell.gates) == 4 else ("h",), layer.output_shapes[1:]))
    body = Draft(path, cell, names, tuple(layer.input_shapes[0][1:]) if layer.input_shapes else (None,),
                 states, values, "0", path)
    heading = (path, f"{_kind_title(cell)}, called directly: one step a call",
               *_settings_line(cell), _params_text(cell))
    return _figure(body, heading, None, None, None)


def _step(path: str, chosen: Chosen, values: Values, part: str) -> Optional[int]:
    """The step drawn: the one values were computed for, the one chosen, or none (``t``)."""
    found = values.get(gate_key(path, part, "step"))
    return int(found[0]) if found else chosen.step


def _names(step: Optional[int], backwards: bool, timesteps: Optional[int], stem: str) -> Names:
    if step is None:
        return Names("t", "t+1" if backwards else "t-1", stem)
    if backwards:
        before = 0 if timesteps is not None and step >= timesteps else step + 1
    else:
        before = step - 1
    return Names(str(step), str(before), stem)


def _heading(path: str, which: Optional[str], stacked: Optional[int], cell: CellSpec, names: Names,
             step: Optional[int], timesteps: Optional[int], chosen: Chosen, ran: bool) -> Tuple[str, ...]:
    where = " · ".join(p for p in (path, which, None if stacked is None else f"cell {stacked + 1}") if p)
    of = str(timesteps) if timesteps is not None else \
        "?" if chosen.drawn_as is None else f"? (drawn as {chosen.drawn_as})"
    when = f"step {step} of {of}" if step is not None else f"step t of T = {of}"
    note = tuple(n for n in (chosen.run_by + ("; the numbers are of its run on the last" if chosen.run_by and
                                                ran else ""), chosen.note) if n)
    return (where, f"{_kind_title(cell)}, {when}", *note, *_settings_line(cell), _params_text(cell))


def _kind_title(cell: CellSpec) -> str:
    size = "?" if cell.units is None else str(cell.units)
    unit = "filters" if cell.conv is not None else "units"
    return f"{cell.kind} of {size} {unit}"


def _settings_line(cell: CellSpec) -> Tuple[str, ...]:
    """The settings that change the drawing, said once under the heading."""
    said = []
    if cell.conv is not None:
        conv = cell.conv
        said.append(f"kernel {labels.dims_text(conv.kernel_size)}, padding {conv.padding}"
                    + (f", strides {labels.dims_text(conv.strides)}" if set(conv.strides) != {1} else "")
                    + (f", dilation {labels.dims_text(conv.dilation_rate)}" if set(conv.dilation_rate) != {1} else ""))
    if cell.figure is not None and not cell.use_bias:
        said.append("use_bias=False: no biases")
    if cell.reset_after is not None:
        said.append(f"reset_after={cell.reset_after}: r applied {'after' if cell.reset_after else 'before'} "
                    f"h·U_h")
    return tuple(said)


def _params_text(cell: CellSpec) -> str:
    if not cell.weights:
        return "parameters: unknown (its weights are its own code)"
    return f"{cell.params:,} parameters"


def _figure(body: Draft, heading: Tuple[str, ...], which: Optional[str], stacked: Optional[int],
            step: Optional[int]) -> CellFigure:
    draw(body)
    cell = body.spec
    known = bool(cell.weights)
    return CellFigure(
        key=body.key, layer=body.layer, heading=heading, params=cell.params if known else None,
        parts=tuple(body.parts), flows=tuple(body.flows), table=_table(cell), total=_total(cell),
        direction=which, cell=stacked, step="t" if step is None else str(step), value_part=body.value_part)


# -- the weights table --------------------------------------------------------------------

def _table(cell: CellSpec) -> Tuple[TableRow, ...]:
    """The weights as stored; a weight of several gates split into their blocks (a GRU's
    two-row bias, one row of blocks per row of it)."""
    rows = []
    for w in cell.weights:
        if len(w.gates) < 2:
            rows.append(TableRow(w.name, w.shape, ()))
            continue
        block = gate_block(w)
        if len(w.shape) == 2 and w.name == "bias":
            rows.append(TableRow(w.name, w.shape, tuple((g, block[1:]) for g in w.gates), "row 0: input biases"))
            rows.append(TableRow("", (), tuple((g + "′", block[1:]) for g in w.gates), "row 1: recurrent biases"))
        else:
            rows.append(TableRow(w.name, w.shape, tuple((g, block) for g in w.gates)))
    return tuple(rows)


def _total(cell: CellSpec) -> str:
    if not cell.weights:
        return ""
    sizes = " + ".join("×".join(str(d) for d in w.shape) for w in cell.weights)
    return f"{sizes} = {cell.params:,} parameters"
