"""Stage 2 of the gate view, the drawing of one cell: a recipe per figure (SimpleRNN, LSTM
and ConvLSTM, GRU, a custom cell) places its parts and flows on the grid.

Positions are columns and rows (row 0 at the bottom): the input below, the previous
states at the left, the new states at the right and the output above, so every arrow
runs up or right.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from ... import labels
from ...spec import CellSpec, Values, WeightSpec, gate_key
from ...unroll.graph import Strip
from .parts import Flow, Part, PartKind, Route, WeightLabel

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
class Names:
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
class Draft:
    """What a recipe draws from: one cell's spec and the tensors around it."""

    key: str
    spec: CellSpec
    names: Names
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
        # an input's last axis is its channels; a state's or gate's, the cell's filters
        which = "units" if len(dims) == 1 else "channels" if name == "x" else "filters"
        part = f"{which} 1–{MAX_SHOWN} of {len(found)}" if len(found) > MAX_SHOWN else f"{which}"
        position = self.values.get(gate_key(self.layer, self.value_part, f"position:{name}"))
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


def draw(c: Draft) -> None:
    """Place the parts and flows of ``c``'s cell, by the recipe of its figure."""
    recipe = {"lstm": _lstm, "gru": _gru, "simple_rnn": _simple}.get(c.spec.figure or "", _custom)
    recipe(c)


# -- the recipes: one per figure ----------------------------------------------------------

def _inputs(c: Draft, x_col: float, states_at: Dict[str, int]) -> Dict[str, str]:
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


def _outputs(c: Draft, src: Dict[str, str], cols: Tuple[float, float], rows: Dict[str, int], top: int) -> None:
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


def _weights_of(c: Draft, gate: str, kernel: bool = True, recurrent: bool = True, bias: str = "both",
                ) -> Tuple[WeightLabel, ...]:
    """The blocks gate ``gate`` reads: of the kernel (W), the recurrent kernel (U) and the
    bias (b; a GRU's reset_after bias also b′, its recurrent row)."""
    by_name = {w.name: w for w in c.spec.weights}
    sub = _sub(c, gate)
    found = []
    if kernel and "kernel" in by_name:
        found.append(WeightLabel(f"W{sub}", "kernel", gate_block(by_name["kernel"]), gate))
    if recurrent and "recurrent_kernel" in by_name:
        found.append(WeightLabel(f"U{sub}", "recurrent_kernel", gate_block(by_name["recurrent_kernel"]), gate))
    b = by_name.get("bias")
    if b is not None:
        two = len(b.shape) == 2
        block = (b.shape[-1] // max(len(b.gates), 1),)
        if bias in ("both", "input"):
            found.append(WeightLabel(f"b{sub}", "bias", block, gate))
        if two and bias in ("both", "recurrent"):
            found.append(WeightLabel(f"b{sub}′", "bias", block, gate))
    return tuple(found)


def _sub(c: Draft, gate: str) -> str:
    """A weight's subscript: the gate's (``W_f``); none when the cell has one gate (``W``)."""
    return f"_{gate}" if len(c.spec.gates) > 1 else ""


def gate_block(weight: WeightSpec) -> Tuple[int, ...]:
    """The shape of one gate's block of ``weight``: its last axis split among its gates."""
    return weight.shape[:-1] + (weight.shape[-1] // max(len(weight.gates), 1),)


def _terms(c: Draft, gate: str, x: bool = True, h: str = "h", bias: str = "both") -> str:
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


def _gate(c: Draft, gate: str, col: float, row: int, activation: Optional[str], formula: str,
          weights: Tuple[WeightLabel, ...], notes: Tuple[str, ...] = ()) -> str:
    figure = c.spec.figure or ""
    name = GATE_NAMES.get(figure, {}).get(gate, gate)
    act = activation or "linear"
    return c.add(gate, "gate", col, row, label=f"{gate} · {name}", formula=f"{act}({formula})", gate=gate,
                 weights=weights, notes=notes + c.shown(c.units, gate), strip=c.strip(c.units, gate))


def _simple(c: Draft) -> None:
    """SimpleRNN: ``h = activation(x·W + h·U + b)``."""
    ins = _inputs(c, 1, {"h": 1})
    h = _gate(c, "h", 1, 2, c.spec.activation, _terms(c, "h"), _weights_of(c, "h"))
    c.feed(ins, h)
    _outputs(c, {"h": h}, (2, 1), {"h": 2}, 3)


def _lstm(c: Draft) -> None:
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


def _gru(c: Draft) -> None:
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


def _custom(c: Draft) -> None:
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
