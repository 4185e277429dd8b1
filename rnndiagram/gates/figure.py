"""Stage 2 of the gate view: a ModelSpec in, a :class:`GateFigure` (what to draw of one step
inside each cell, on a logical grid) out.

A cell is drawn as the textbook figures draw it (Olah's "Understanding LSTM Networks",
Cho et al.'s GRU): the input from below, the states from the left, the new states to
the right and the output above, so every arrow runs up or right. Each gate is a box with
the activation its config gives and the weight blocks it reads, shaped as Keras stores
them; pointwise operations are circles. Positions are columns and rows (row 0 at the
bottom); ``layout`` turns them into coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Literal, Optional, Sequence, Tuple

from .. import labels
from ..errors import OptionError, UnsupportedLayerError
from ..options import DiagramOptions
from ..spec import CellSpec, LayerSpec, ModelSpec, RecurrentSpec, Values, WeightSpec, gate_key
from ..unroll.graph import Strip

PartKind = Literal["gate", "linear", "op", "act", "state", "input", "output", "custom"]
Route = Literal["up", "side", "side_up", "up_side"]
"""How a flow runs: ``up`` leaves the top of its source and enters the bottom of its
destination (across the gap below it); ``side`` runs straight across one row; ``side_up``
leaves the side of its source along its row, then rises into the destination's bottom;
``up_side`` rises from its source to the destination's row and enters its side."""

GATE_NAMES: Dict[str, Dict[str, str]] = {
    "lstm": {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate"},
    "gru": {"z": "update gate", "r": "reset gate", "h": "candidate"},
    "simple_rnn": {"h": "new state"},
}
"""What each gate of a figure is called."""

_SUB = str.maketrans("0123456789t+-−", "₀₁₂₃₄₅₆₇₈₉ₜ₊₋₋")

MAX_SHOWN = 8
"""The most numbers a strip prints; of a longer vector, its first ones (and a note says so)."""


@dataclass(frozen=True)
class WeightLabel:
    """A block of a weight that a part reads: ``W_f (8, 32)``, from ``kernel``."""

    symbol: str
    weight: str
    shape: Tuple[int, ...]
    gate: str

    @property
    def text(self) -> str:
        return f"{self.symbol} {labels.array_shape(self.shape)}"


@dataclass(frozen=True)
class Part:
    """Something drawn in a cell: a gate, a pointwise operation, a state or input strip.

    ``label`` is a gate's heading, an operation's symbol or an activation's name;
    ``formula`` what a gate computes; ``caption`` the name beside a strip (``side`` -1 puts
    it left, +1 right, 0 under it); ``notes`` small lines under a strip or in a gate.
    """

    id: str
    kind: PartKind
    col: float
    row: int
    label: str = ""
    formula: str = ""
    gate: Optional[str] = None
    weights: Tuple[WeightLabel, ...] = ()
    notes: Tuple[str, ...] = ()
    strip: Optional[Strip] = None
    caption: str = ""
    side: int = 0


@dataclass(frozen=True)
class Flow:
    """An arrow from part ``src`` to part ``dst``; ``state`` marks one carrying a state
    (drawn thick, as the unrolled view's state arrows); ``port`` orders the arrows entering
    a destination's bottom, left first (by their source's column when not given); ``via``
    is the row under which an ``up`` arrow runs across (default: its destination's), so the
    input can run under the previous state's line to every gate."""

    src: str
    dst: str
    route: Route
    state: bool = False
    port: Optional[int] = None
    via: Optional[int] = None


@dataclass(frozen=True)
class TableRow:
    """One weight as Keras stores it, and its blocks: one per gate along the last axis."""

    name: str
    shape: Tuple[int, ...]
    blocks: Tuple[Tuple[str, Tuple[int, ...]], ...]
    note: str = ""


@dataclass(frozen=True)
class CellFigure:
    """One step of one cell: of a layer, a direction of a Bidirectional, or a cell of a stack."""

    key: str
    layer: str
    heading: Tuple[str, ...]
    params: Optional[int]
    parts: Tuple[Part, ...]
    flows: Tuple[Flow, ...]
    table: Tuple[TableRow, ...] = ()
    total: str = ""
    direction: Optional[str] = None
    cell: Optional[int] = None
    step: str = "t"

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)


@dataclass(frozen=True)
class GateFigure:
    """Every recurrent layer's cell (each layer once, however often it is called)."""

    name: str
    summary: str
    cells: Tuple[CellFigure, ...]


@dataclass(frozen=True)
class _Names:
    """The names of one step's tensors: ``x₃``, ``h₂``, ``h₃`` (or ``xₜ``, ``hₜ₋₁``, ``hₜ``)."""

    now: str
    before: str
    input: str = "x"

    def x(self) -> str:
        return self.input + self.now.translate(_SUB)

    def prev(self, state: str) -> str:
        return state + self.before.translate(_SUB)

    def new(self, state: str) -> str:
        return state + self.now.translate(_SUB)


@dataclass
class _Cell:
    """What a recipe draws from: one cell's spec and the tensors around it."""

    key: str
    spec: CellSpec
    names: _Names
    x_dims: Tuple[Optional[int], ...]
    states: Tuple[Tuple[str, Tuple[Optional[int], ...]], ...]
    values: Values
    value_part: str
    layer: str
    parts: List[Part] = field(default_factory=list)
    flows: List[Flow] = field(default_factory=list)

    def strip(self, dims: Sequence[Optional[int]], name: str) -> Strip:
        """The strip of a tensor: its size, or in values mode its numbers (of a feature map,
        the filters at one position; of a long vector, the first :data:`MAX_SHOWN`)."""
        found = self.values.get(gate_key(self.layer, self.value_part, name))
        if found is None:
            return Strip(tuple(dims))
        if len(dims) != 1 or len(found) > MAX_SHOWN:
            return Strip((min(len(found), MAX_SHOWN),), found[:MAX_SHOWN])
        return Strip(tuple(dims), found)

    def shown(self, dims: Sequence[Optional[int]], name: str) -> Tuple[str, ...]:
        """What a strip's numbers are, when they are not the whole tensor."""
        found = self.values.get(gate_key(self.layer, self.value_part, name))
        if found is None or (len(dims) == 1 and len(found) <= MAX_SHOWN):
            return ()
        which = "filters" if len(dims) != 1 else "units"
        part = f"{which} 1–{MAX_SHOWN} of {len(found)}" if len(found) > MAX_SHOWN else f"{which}"
        position = self.values.get(gate_key(self.layer, self.value_part, "position"))
        where = f" at {labels.shape_text(tuple(int(p) for p in position))}" if position and len(dims) != 1 else ""
        return (part + where,)

    def add(self, local: str, kind: PartKind, col: float, row: int, **kw) -> str:
        self.parts.append(Part(f"{self.key}/{local}", kind, col, row, **kw))
        return f"{self.key}/{local}"

    def flow(self, src: str, dst: str, route: Route, state: bool = False, port: Optional[int] = None,
             via: Optional[int] = None) -> None:
        self.flows.append(Flow(src, dst, route, state, port, via))

    def feed(self, ins: Dict[str, str], gate: str, state: Optional[str] = "h") -> None:
        """The input and the previous state into a gate: the state from the left along its
        row (left port), the input from below, under that row (right port)."""
        if state is not None:
            self.flow(ins[state], gate, "side_up", state=True, port=0)
        self.flow(ins["x"], gate, "up", port=1, via=1)

    @property
    def units(self) -> Tuple[Optional[int], ...]:
        return self.states[0][1] if self.states else (self.spec.units,)


def gate_figure(spec: ModelSpec, options: Optional[DiagramOptions] = None,
                values: Optional[Values] = None) -> GateFigure:
    """The gate view of every recurrent layer of ``spec`` (nested models' too), and of
    every cell called directly; a layer called several times is drawn once."""
    options = options or DiagramOptions()
    cells: List[CellFigure] = []
    seen = set()
    for path, layer in _layers(spec):
        if path in seen:
            continue
        seen.add(path)
        if layer.recurrent is not None:
            cells += _recurrent_cells(path, layer, layer.recurrent, options, values or {})
        elif layer.cell is not None:
            cells.append(_direct_cell(path, layer, layer.cell, values or {}))
    if not cells:
        raise UnsupportedLayerError(f"model {spec.name!r} has no recurrent layer, so it has no cell to draw "
                                    f"gate by gate (cell='gates')")
    total = sum(c.params or 0 for c in cells)
    summary = (f"One step inside each recurrent cell of Keras model {spec.name}: "
               + "; ".join(" ".join(c.heading[:1] + c.heading[-1:]) for c in cells)
               + f". {total:,} recurrent parameters in all.")
    return GateFigure(spec.name, summary, tuple(cells))


def _layers(spec: ModelSpec, prefix: str = "") -> Iterator[Tuple[str, LayerSpec]]:
    """(path, layer) of every layer call, nested models' layers as ``outer/inner``."""
    for layer in spec.layers:
        if layer.model is not None:
            yield from _layers(layer.model, f"{prefix}{layer.name}/")
        else:
            yield f"{prefix}{layer.name}", layer


def _recurrent_cells(path: str, layer: LayerSpec, rec: RecurrentSpec, options: DiagramOptions,
                     values: Values) -> List[CellFigure]:
    directions = [(rec.forward, "forward"), (rec.backward, "backward")] if rec.bidirectional else [(rec, None)]
    found: List[CellFigure] = []
    for d, (direction, which) in enumerate(directions):
        assert direction is not None
        if not direction.cell_specs:
            raise UnsupportedLayerError(
                f"the spec of layer {path!r} does not describe its cell (it was written before rnndiagram "
                f"recorded cells); inspect the model again to draw its gates")
        part = str(d)
        step = _step(path, direction, options, values, part)
        for k, cell in enumerate(direction.cell_specs):
            stacked = len(direction.cell_specs) > 1
            key = path + (f"-{which[0]}" if which else "") + (f"-c{k + 1}" if stacked else "")
            names = _names(step, direction.go_backwards, direction.timesteps,
                           "x" if k == 0 else f"y{k}")
            states = tuple((s.name, tuple(s.shape[1:])) for s in direction.states if s.group == k)
            x_dims = direction.features if k == 0 else states[0][1] if states else (cell.input_size,)
            body = _Cell(key, cell, names, tuple(x_dims), states, values,
                         part + (f".{k}" if stacked else ""), path)
            heading = _heading(path, which, k if stacked else None, cell, names, step, direction.timesteps)
            found.append(_figure(body, heading, which, k if stacked else None, step))
    return found


def _direct_cell(path: str, layer: LayerSpec, cell: CellSpec, values: Values) -> CellFigure:
    """A cell called directly: one step per call, on the step it is given."""
    names = _Names("t", "t-1")
    states = tuple((name, tuple(shape[1:])) for name, shape in
                   zip(("h", "c") if len(cell.gates) == 4 else ("h",), layer.output_shapes[1:]))
    body = _Cell(path, cell, names, tuple(layer.input_shapes[0][1:]) if layer.input_shapes else (None,),
                 states, values, "0", path)
    heading = (path, f"{_kind_title(cell)}, called directly: one step a call",
               *_settings_line(cell), _params_text(cell))
    return _figure(body, heading, None, None, None)


def _step(path: str, rec: RecurrentSpec, options: DiagramOptions, values: Values, part: str) -> Optional[int]:
    """The step drawn: the one asked for, the one values were computed for, or none (``t``)."""
    found = values.get(gate_key(path, part, "step"))
    step = int(found[0]) if found else options.step
    if step is not None and rec.timesteps is not None and step > rec.timesteps:
        raise OptionError(f"step={step} is past the {rec.timesteps} timesteps of layer {path!r}; "
                          f"choose a step from 1 to {rec.timesteps} (--step)")
    return step


def _names(step: Optional[int], backwards: bool, timesteps: Optional[int], stem: str) -> _Names:
    if step is None:
        return _Names("t", "t+1" if backwards else "t-1", stem)
    if backwards:
        before = 0 if timesteps is not None and step >= timesteps else step + 1
    else:
        before = step - 1
    return _Names(str(step), str(before), stem)


def _heading(path: str, which: Optional[str], stacked: Optional[int], cell: CellSpec, names: _Names,
             step: Optional[int], timesteps: Optional[int]) -> Tuple[str, ...]:
    where = " · ".join(p for p in (path, which, None if stacked is None else f"cell {stacked + 1}") if p)
    of = "?" if timesteps is None else str(timesteps)
    when = f"step {step} of {of}" if step is not None else f"step t of T = {of}"
    return (where, f"{_kind_title(cell)}, {when}", *_settings_line(cell), _params_text(cell))


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


def _figure(body: _Cell, heading: Tuple[str, ...], which: Optional[str], stacked: Optional[int],
            step: Optional[int]) -> CellFigure:
    figure = body.spec.figure
    if figure == "lstm":
        _lstm(body)
    elif figure == "gru":
        _gru(body)
    elif figure == "simple_rnn":
        _simple(body)
    else:
        _custom(body)
    cell = body.spec
    known = bool(cell.weights)
    return CellFigure(
        key=body.key, layer=body.layer, heading=heading, params=cell.params if known else None,
        parts=tuple(body.parts), flows=tuple(body.flows), table=_table(cell), total=_total(cell),
        direction=which, cell=stacked, step="t" if step is None else str(step))


# -- the recipes: one per figure ----------------------------------------------------------

def _inputs(c: _Cell, x_col: float, states_at: Dict[str, int]) -> Dict[str, str]:
    """The step's input below and the previous states at the left (rows given per state)."""
    notes = (f"dropout {labels.number(c.spec.dropout)} (training only)",) if c.spec.dropout else ()
    found = {"x": c.add("x", "input", x_col, 0, strip=c.strip(c.x_dims, "x"), caption=c.names.x(), side=-1,
                        notes=notes + c.shown(c.x_dims, "x"))}
    for name, dims in c.states:
        if name in states_at:
            rec_notes = (f"recurrent_dropout {labels.number(c.spec.recurrent_dropout)} (training only)",) \
                if c.spec.recurrent_dropout and name == "h" else ()
            found[name] = c.add(f"in-{name}", "state", 0, states_at[name], strip=c.strip(dims, f"in:{name}"),
                                caption=c.names.prev(name), side=-1, notes=rec_notes + c.shown(dims, f"in:{name}"))
    return found


def _outputs(c: _Cell, src: Dict[str, str], cols: Tuple[float, float], rows: Dict[str, int], top: int) -> None:
    """The new states at the right and the output above (the new ``h``, as Keras returns it)."""
    state_col, out_col = cols
    for name, dims in c.states:
        node = c.add(f"out-{name}", "state", state_col, rows[name], strip=c.strip(dims, f"out:{name}"),
                     caption=c.names.new(name), side=1, notes=c.shown(dims, f"out:{name}"))
        c.flow(src[name], node, "side", state=True)
    dims = c.states[0][1] if c.states else c.units
    out = c.add("out", "output", out_col, top, strip=c.strip(dims, "out:h"), caption=f"output {c.names.new('h')}",
                side=1)
    c.flow(src["h"], out, "up")


def _weights_of(c: _Cell, gate: str, kernel: bool = True, recurrent: bool = True, bias: str = "both",
                ) -> Tuple[WeightLabel, ...]:
    """The blocks gate ``gate`` reads: of the kernel (W), the recurrent kernel (U) and the
    bias (b; a GRU's reset_after bias also b′, its recurrent row)."""
    by_name = {w.name: w for w in c.spec.weights}
    sub = _sub(c, gate)
    found = []
    if kernel and "kernel" in by_name:
        found.append(WeightLabel(f"W{sub}", "kernel", _block(by_name["kernel"]), gate))
    if recurrent and "recurrent_kernel" in by_name:
        found.append(WeightLabel(f"U{sub}", "recurrent_kernel", _block(by_name["recurrent_kernel"]), gate))
    b = by_name.get("bias")
    if b is not None:
        two = len(b.shape) == 2
        block = (b.shape[-1] // max(len(b.gates), 1),)
        if bias in ("both", "input"):
            found.append(WeightLabel(f"b{sub}", "bias", block, gate))
        if two and bias in ("both", "recurrent"):
            found.append(WeightLabel(f"b{sub}′", "bias", block, gate))
    return tuple(found)


def _sub(c: _Cell, gate: str) -> str:
    """A weight's subscript: the gate's (``W_f``); none when the cell has one gate (``W``)."""
    return f"_{gate}" if len(c.spec.gates) > 1 else ""


def _block(weight: WeightSpec) -> Tuple[int, ...]:
    return weight.shape[:-1] + (weight.shape[-1] // max(len(weight.gates), 1),)


def _terms(c: _Cell, gate: str, x: bool = True, h: str = "h", bias: str = "both") -> str:
    """What a gate sums before its activation: ``xₜ·W_f + hₜ₋₁·U_f + b_f``."""
    op = " ∗ " if c.spec.conv is not None else "·"
    prev = c.names.prev("h") if h == "h" else h
    sub = _sub(c, gate)
    parts = []
    if x:
        parts.append(f"W{sub}{op}{c.names.x()}" if c.spec.conv is not None else f"{c.names.x()}{op}W{sub}")
    if h:
        parts.append(f"U{sub}{op}{prev}" if c.spec.conv is not None else f"{prev}{op}U{sub}")
    names = [w.symbol for w in _weights_of(c, gate, False, False, bias)]
    return " + ".join(parts + names)


def _gate(c: _Cell, gate: str, col: float, row: int, activation: Optional[str], formula: str,
          weights: Tuple[WeightLabel, ...], notes: Tuple[str, ...] = ()) -> str:
    figure = c.spec.figure or ""
    name = GATE_NAMES.get(figure, {}).get(gate, gate)
    act = activation or "linear"
    return c.add(gate, "gate", col, row, label=f"{gate} · {name}", formula=f"{act}({formula})", gate=gate,
                 weights=weights, notes=notes + c.shown(c.units, gate), strip=c.strip(c.units, gate))


def _simple(c: _Cell) -> None:
    """SimpleRNN: ``h = activation(x·W + h·U + b)``."""
    ins = _inputs(c, 1, {"h": 1})
    h = _gate(c, "h", 1, 2, c.spec.activation, _terms(c, "h"), _weights_of(c, "h"))
    c.feed(ins, h)
    _outputs(c, {"h": h}, (2, 1), {"h": 2}, 3)


def _lstm(c: _Cell) -> None:
    """LSTM (and ConvLSTM, with convolutions): the cell state runs along row 4, as in Olah's
    figure; the gates sit below it, ``h`` is made above it."""
    ins = _inputs(c, 2.5, {"h": 1, "c": 4})
    ra, act = c.spec.recurrent_activation, c.spec.activation
    forget_note = ("b_f starts at 1 (unit_forget_bias)",) if c.spec.unit_forget_bias and c.spec.use_bias else ()
    gates = {}
    for col, gate in enumerate(("f", "i", "g", "o"), start=1):
        gates[gate] = _gate(c, gate, col, 2, act if gate == "g" else ra, _terms(c, gate), _weights_of(c, gate),
                            forget_note if gate == "f" else ())
        c.feed(ins, gates[gate])
    times_ig = c.add("mul-ig", "op", 3, 3, label="×")
    times_f = c.add("mul-f", "op", 1, 4, label="×")
    plus = c.add("add-c", "op", 3, 4, label="+")
    squash = c.add("act-c", "act", 5, 5, label=act or "linear")
    times_o = c.add("mul-o", "op", 5, 6, label="×")
    c.flow(gates["i"], times_ig, "up_side")
    c.flow(gates["g"], times_ig, "up")
    c.flow(gates["f"], times_f, "up")
    c.flow(ins["c"], times_f, "side", state=True)
    c.flow(times_f, plus, "side", state=True)
    c.flow(times_ig, plus, "up")
    c.flow(plus, squash, "side_up", state=True)
    c.flow(squash, times_o, "up")
    c.flow(gates["o"], times_o, "up_side")
    _outputs(c, {"h": times_o, "c": plus}, (6, 5), {"h": 6, "c": 4}, 7)


def _gru(c: _Cell) -> None:
    """GRU: ``h = z⊙h + (1−z)⊙h̃``. With ``reset_after`` the reset gate scales ``h·U_h + b_h′``
    (a box of its own); without it, it scales ``h`` before ``U_h``, inside the candidate."""
    after = bool(c.spec.reset_after)
    ins = _inputs(c, 2.5, {"h": 1})
    ra, act = c.spec.recurrent_activation, c.spec.activation
    z = _gate(c, "z", 1, 2, ra, _terms(c, "z"), _weights_of(c, "z"))
    r = _gate(c, "r", 2, 2, ra, _terms(c, "r"), _weights_of(c, "r"))
    for gate in (z, r):
        c.feed(ins, gate)
    times_r = c.add("mul-r", "op", 3, 3, label="×")
    c.flow(r, times_r, "up_side")
    if after:
        u = c.add("lin-h", "linear", 3, 2, label="u", formula=f"u = {_terms(c, 'h', x=False, bias='recurrent')}",
                  gate="h", weights=_weights_of(c, "h", kernel=False, bias="recurrent"))
        c.flow(ins["h"], u, "side_up", state=True)
        c.flow(u, times_r, "up")
        formula = " + ".join([_terms(c, "h", h="", bias="input"), "r⊙u"])
        weights = _weights_of(c, "h", recurrent=False, bias="input")
    else:
        c.flow(ins["h"], times_r, "side_up", state=True)
        formula = _terms(c, "h", h="(r⊙" + c.names.prev("h") + ")")
        weights = _weights_of(c, "h")
    cand = _gate(c, "h", 4, 4, act, formula, weights)
    c.flow(times_r, cand, "side_up", port=0)
    c.feed(ins, cand, state=None)
    minus = c.add("one-minus", "op", 2, 4, label="1−")
    times_z = c.add("mul-z", "op", 1, 5, label="×")
    times_h = c.add("mul-h", "op", 4, 5, label="×")
    plus = c.add("add-h", "op", 2.5, 6, label="+")
    c.flow(z, times_z, "up")
    c.flow(ins["h"], times_z, "up_side", state=True)
    c.flow(z, minus, "up_side")
    c.flow(minus, times_h, "up_side")
    c.flow(cand, times_h, "up")
    c.flow(times_z, plus, "up", state=True)
    c.flow(times_h, plus, "up")
    _outputs(c, {"h": plus}, (5, 2.5), {"h": 6}, 7)


def _custom(c: _Cell) -> None:
    """A custom cell: one box, its step being its own code; its weights where known."""
    ins = _inputs(c, 1, {c.states[0][0]: 1} if c.states else {})
    lines = tuple(WeightLabel(w.name, w.name, w.shape, "") for w in c.spec.weights)
    body = c.add("cell", "custom", 1, 2, label=c.spec.kind, formula="its step is its own code", weights=lines)
    c.feed(ins, body, c.states[0][0] if c.states else None)
    if c.states:
        first = c.states[0][0]
        node = c.add(f"out-{first}", "state", 2, 2, strip=c.strip(c.states[0][1], f"out:{first}"),
                     caption=c.names.new(first), side=1)
        c.flow(body, node, "side", state=True)
    dims = c.states[0][1] if c.states else c.units
    out = c.add("out", "output", 1, 3, strip=c.strip(dims, "out:h"), caption=f"output {c.names.new('h')}", side=1)
    c.flow(body, out, "up")


# -- the weights table --------------------------------------------------------------------

def _table(cell: CellSpec) -> Tuple[TableRow, ...]:
    """The weights as stored; a weight of several gates split into their blocks (a GRU's
    two-row bias, one row of blocks per row of it)."""
    rows = []
    for w in cell.weights:
        if len(w.gates) < 2:
            rows.append(TableRow(w.name, w.shape, ()))
            continue
        block = _block(w)
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
