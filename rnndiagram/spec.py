"""Stage 1, the model spec: what a Keras model is, as frozen data with no Keras imports.

Introspection (or a saved-file reader) produces a :class:`ModelSpec`; every later stage
reads only this. ``to_dict()``/``from_dict()`` round-trip exactly, and ``to_json()`` is
the public JSON contract described in the README.
"""

from __future__ import annotations

import json
import math
from dataclasses import field
from functools import cached_property
from typing import Any, Dict, Literal, Mapping, Optional, Tuple, Union

from ._records import frozen

SCHEMA_VERSION = 3
"""Version 2: a Bidirectional's ``units`` is per direction and ``merged_units`` its merged
width (version 1 gave the merged width as ``units``); outputs may carry a ``name``.
Version 3 adds, without changing anything older: the model's ``loops`` (a recurrent layer
or cell called once per step of a Python loop), a recurrent spec's ``step`` (a cell called
directly), a layer's ``contains`` (the recurrent layers a custom layer owns), each
recurrent spec's ``cell_specs`` and a directly called cell's ``cell`` (the step of each cell:
its settings and weights as Keras stores them), a layer's ``code_not_run`` (written only
when true) and its ``steps`` (written only when set), and the model's ``repeats`` (runs of
identical blocks of layers, written only when there is one)."""

Dim = Optional[int]
Shape = Tuple[Dim, ...]
"""A tensor shape, batch first, ``None`` where the size is unknown."""

ConfigValue = Union[str, int, float, bool, None, Tuple[Any, ...]]

Role = Literal["input", "recurrent", "per_step", "whole_sequence", "vector", "merge", "model"]
"""How a layer is drawn: ``per_step`` layers act on each timestep alone (Dense on a sequence,
TimeDistributed, Embedding), ``whole_sequence`` layers see the whole time axis at once
(Conv1D, pooling, Flatten, attention, RepeatVector, Reshape), ``vector`` layers come after
the sequence has collapsed, ``merge`` layers join several tensors, ``model`` is a nested
model that carries its own spec. A layer's ``steps`` says more where the role does not say
all (attention is drawn per query step)."""

ROLES: Tuple[str, ...] = ("input", "recurrent", "per_step", "whole_sequence", "vector", "merge", "model")

Steps = Literal["per_query_step", "whole_sequence"]
"""How a layer drawn over a sequence meets its steps, where its role does not say it:
``per_query_step`` for attention (step t of its first input, the query, reads every step
of the others; a ``whole_sequence`` layer), ``whole_sequence`` for a ``merge`` that
contracts its inputs' steps rather than join them step by step (``Dot``)."""

STEPS: Tuple[str, ...] = ("per_query_step", "whole_sequence")

TensorKind = Literal["sequence", "vector", "state", "mask"]
"""What a connection carries: a ``sequence`` (batch, time, ...), a ``vector`` (batch, n),
a ``state`` passed as ``initial_state``, or a ``mask``."""

TENSOR_KINDS: Tuple[str, ...] = ("sequence", "vector", "state", "mask")

Values = Mapping[str, Tuple[float, ...]]
"""Real numbers for values mode, keyed by :func:`value_key`."""


def value_key(layer: str, tensor: int, t: Optional[int] = None, state: Optional[str] = None) -> str:
    """Key of one value: output ``tensor`` of ``layer`` (at 1-based step ``t``), or the
    state named ``state`` (e.g. ``"0/h"``: direction 0, state h) after step ``t``."""
    base = f"{layer}:{tensor}" if state is None else f"{layer}:state:{state}"
    return base if t is None else f"{base}:{t}"


def gate_key(layer: str, part: str, name: str) -> str:
    """Key of one value of the gate view: in ``layer``'s cell ``part`` (``"0"``, or
    ``"1"`` for a Bidirectional's backward direction, then ``.k`` for the k-th cell of a
    stack), the gate or state called ``name`` (``f``, ``x``, ``in:h``, ``out:c``; ``step``
    holds the timestep the values are of)."""
    return f"{layer}:gates:{part}:{name}"


def shape_from_json(value: Any) -> Shape:
    return tuple(None if d is None else int(d) for d in value)


def _shapes_from_json(values: Any) -> Tuple[Shape, ...]:
    return tuple(shape_from_json(s) for s in values)


def _steps_from_json(value: Any) -> Optional[Steps]:
    if value is None or value in STEPS:
        return value
    raise ValueError(f"a layer's steps is one of {', '.join(STEPS)}, not {value!r}")


def _to_tuple(value: Any) -> Any:
    """Turn JSON lists back into the tuples the frozen dataclasses hold."""
    if isinstance(value, list):
        return tuple(_to_tuple(v) for v in value)
    return value


def _to_list(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_to_list(v) for v in value]
    return value


@frozen
class StateSpec:
    """One recurrent state: its name (``h``, ``c``), shape (batch first) and cell group.

    ``group`` is the index of the cell that owns the state in a stacked cell
    (``keras.layers.StackedRNNCells``); it is 0 for a single cell.
    """

    name: str
    shape: Shape
    group: int = 0

    def to_dict(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "group": self.group}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "StateSpec":
        return cls(name=d["name"], shape=shape_from_json(d["shape"]), group=d.get("group", 0))


@frozen
class WeightSpec:
    """One weight array of a cell, as Keras stores it: its name (``kernel``,
    ``recurrent_kernel``, ``bias``), its shape, and the gate each block along its last axis
    belongs to (in Keras's order: LSTM ``i f g o``, GRU ``z r h``; empty for a custom cell).
    A GRU's ``reset_after`` bias has two rows, the input biases and the recurrent ones."""

    name: str
    shape: Tuple[int, ...]
    gates: Tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """How many numbers it holds."""
        return math.prod(self.shape)

    def to_dict(self) -> dict:
        return {"name": self.name, "shape": list(self.shape), "gates": list(self.gates)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "WeightSpec":
        return cls(name=d["name"], shape=tuple(int(n) for n in d["shape"]), gates=tuple(d.get("gates", ())))


@frozen
class ConvSpec:
    """The convolutions of a ConvLSTM cell: on the input with these settings, on the state
    with the same kernel size, stride 1 and ``same`` padding."""

    kernel_size: Tuple[int, ...]
    strides: Tuple[int, ...]
    padding: str
    dilation_rate: Tuple[int, ...]
    data_format: str = "channels_last"

    def to_dict(self) -> dict:
        return {"kernel_size": list(self.kernel_size), "strides": list(self.strides), "padding": self.padding,
                "dilation_rate": list(self.dilation_rate), "data_format": self.data_format}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ConvSpec":
        return cls(kernel_size=tuple(d["kernel_size"]), strides=tuple(d["strides"]), padding=d["padding"],
                   dilation_rate=tuple(d["dilation_rate"]), data_format=d.get("data_format", "channels_last"))


@frozen
class CellSpec:
    """What one step of a recurrent cell computes, as far as its settings tell: the gate
    view draws it and its weights give its parameter count.

    ``kind`` is the cell's class (``LSTMCell``; a custom cell's own name). ``figure`` names
    the drawing of a built-in cell (``simple_rnn``, ``gru``, ``lstm``; ``None`` for a custom
    cell, drawn as one box) and ``gates`` its gates in Keras's order. ``units`` is the size
    of its state (``filters`` for ConvLSTM), ``input_size`` the size of a step's input
    (its channels for ConvLSTM). ``reset_after`` is set for a GRU, ``unit_forget_bias`` for
    an LSTM, ``conv`` for a ConvLSTM. ``weights`` are the arrays it holds, as Keras stores
    them (a custom cell's as the reader found them, or none when it cannot know them).
    """

    kind: str
    figure: Optional[str]
    gates: Tuple[str, ...]
    units: Optional[int]
    input_size: Optional[int]
    activation: Optional[str] = None
    recurrent_activation: Optional[str] = None
    use_bias: bool = True
    reset_after: Optional[bool] = None
    unit_forget_bias: Optional[bool] = None
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    conv: Optional[ConvSpec] = None
    weights: Tuple[WeightSpec, ...] = ()

    @property
    def params(self) -> int:
        """The number of parameters: every weight's size, summed (Keras's ``count_params()``)."""
        return sum(w.size for w in self.weights)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "figure": self.figure, "gates": list(self.gates), "units": self.units,
            "input_size": self.input_size, "activation": self.activation,
            "recurrent_activation": self.recurrent_activation, "use_bias": self.use_bias,
            "reset_after": self.reset_after, "unit_forget_bias": self.unit_forget_bias,
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "conv": self.conv.to_dict() if self.conv else None,
            "weights": [w.to_dict() for w in self.weights], "params": self.params,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "CellSpec":
        return cls(
            kind=d["kind"], figure=d.get("figure"), gates=tuple(d.get("gates", ())), units=d.get("units"),
            input_size=d.get("input_size"), activation=d.get("activation"),
            recurrent_activation=d.get("recurrent_activation"), use_bias=d.get("use_bias", True),
            reset_after=d.get("reset_after"), unit_forget_bias=d.get("unit_forget_bias"),
            dropout=d.get("dropout", 0.0), recurrent_dropout=d.get("recurrent_dropout", 0.0),
            conv=ConvSpec.from_dict(d["conv"]) if d.get("conv") else None,
            weights=tuple(WeightSpec.from_dict(w) for w in d.get("weights", ())),
        )


@frozen
class RecurrentSpec:
    """What makes a recurrent layer recurrent.

    ``kind`` is the layer kind (``SimpleRNN``, ``GRU``, ``LSTM``, ``ConvLSTM1D``..3D,
    ``RNN`` for a generic layer over a custom or stacked cell, ``Bidirectional``).
    ``units`` is the size of a step's output as the user wrote it: ``units`` (``filters``
    for ConvLSTM; for a Bidirectional, each direction's, or ``None`` if the two differ);
    ``features`` the shape of one input step (without batch and time). For Bidirectional,
    ``forward`` and ``backward`` hold the two directions, ``merge_mode`` is Keras's value
    (``None`` there means unmerged outputs) and ``merged_units`` the size of the merged
    output's last axis (twice ``units`` for ``concat``; ``None`` when unmerged).
    ``step`` marks a cell called directly (``LSTMCell()(x, states)``): one step on a
    vector, returning its output and its new states (``timesteps`` is 1).
    ``cell_specs`` describe the step of each cell in ``cells`` (empty in a Bidirectional,
    whose directions hold theirs, and in a spec written before they were recorded).
    """

    kind: str
    units: Optional[int]
    timesteps: Optional[int]
    features: Shape
    states: Tuple[StateSpec, ...]
    return_sequences: bool
    return_state: bool
    go_backwards: bool = False
    stateful: bool = False
    masked: bool = False
    cells: Tuple[str, ...] = ()
    activation: Optional[str] = None
    recurrent_activation: Optional[str] = None
    merge_mode: Optional[str] = None
    forward: Optional["RecurrentSpec"] = None
    backward: Optional["RecurrentSpec"] = None
    merged_units: Optional[int] = None
    step: bool = False
    cell_specs: Tuple[CellSpec, ...] = ()

    @property
    def bidirectional(self) -> bool:
        return self.kind == "Bidirectional"

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "units": self.units,
            "timesteps": self.timesteps,
            "features": list(self.features),
            "states": [s.to_dict() for s in self.states],
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "masked": self.masked,
            "cells": list(self.cells),
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "merge_mode": self.merge_mode,
            "merged_units": self.merged_units,
            "forward": self.forward.to_dict() if self.forward else None,
            "backward": self.backward.to_dict() if self.backward else None,
            "step": self.step,
            "cell_specs": [c.to_dict() for c in self.cell_specs],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], version: int = SCHEMA_VERSION) -> "RecurrentSpec":
        units, merged = d["units"], d.get("merged_units")
        if version < 2 and d["kind"] == "Bidirectional":
            # Version 1 gave a Bidirectional's merged width as its units.
            forward = d.get("forward") or {}
            units, merged = forward.get("units"), (units if d.get("merge_mode") is not None else None)
        return cls(
            kind=d["kind"],
            units=units,
            timesteps=d["timesteps"],
            features=shape_from_json(d["features"]),
            states=tuple(StateSpec.from_dict(s) for s in d["states"]),
            return_sequences=d["return_sequences"],
            return_state=d["return_state"],
            go_backwards=d.get("go_backwards", False),
            stateful=d.get("stateful", False),
            masked=d.get("masked", False),
            cells=tuple(d.get("cells", ())),
            activation=d.get("activation"),
            recurrent_activation=d.get("recurrent_activation"),
            merge_mode=d.get("merge_mode"),
            merged_units=merged,
            forward=cls.from_dict(d["forward"]) if d.get("forward") else None,
            backward=cls.from_dict(d["backward"]) if d.get("backward") else None,
            step=d.get("step", False),
            cell_specs=tuple(CellSpec.from_dict(c) for c in d.get("cell_specs", ())),
        )


@frozen
class Connection:
    """One tensor flowing into a layer call.

    ``layer`` is the producer's layer id, ``call`` the producer's call (node) index,
    ``tensor`` the index among the producer's outputs. ``slot`` is the position inside
    the consumer's argument (which state of ``initial_state``, which input of a merge).
    """

    layer: str
    call: int
    tensor: int
    kind: TensorKind
    shape: Shape
    slot: int = 0

    def to_dict(self) -> dict:
        return {
            "layer": self.layer,
            "call": self.call,
            "tensor": self.tensor,
            "kind": self.kind,
            "shape": list(self.shape),
            "slot": self.slot,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Connection":
        return cls(
            layer=d["layer"],
            call=d["call"],
            tensor=d["tensor"],
            kind=d["kind"],
            shape=shape_from_json(d["shape"]),
            slot=d.get("slot", 0),
        )


@frozen
class LayerSpec:
    """One call of one layer.

    ``id`` is unique in its model: the layer name, with ``@N`` appended for the N-th call
    (N >= 1) of a shared layer. ``config`` is a short, ordered summary of the settings
    worth printing (units, filters, activation, rate...). ``wrapped`` is the inner layer of
    a TimeDistributed, with its per-step shapes; ``model`` the spec of a nested model;
    ``cell`` the step of a built-in recurrent cell called directly (one step per call).
    ``contains`` names the recurrent layers a custom layer owns (``LSTM(64)``), which
    run inside its ``call`` where no graph shows them. ``code_not_run``: a custom class read
    from a saved file, whose code was not run; its role, its outputs and the layers it owns are
    what the file shows (the shapes that its readers record), not what its class does: it may
    be recurrent (a subclass of ``RNN``), have outputs nothing reads, or own layers.
    ``steps``: how it meets a sequence's steps where its role does not say it (:data:`Steps`).
    """

    id: str
    name: str
    class_name: str
    role: Role
    input_shapes: Tuple[Shape, ...]
    output_shapes: Tuple[Shape, ...]
    inbound: Tuple[Connection, ...] = ()
    call: int = 0
    config: Tuple[Tuple[str, ConfigValue], ...] = ()
    recurrent: Optional[RecurrentSpec] = None
    wrapped: Optional["LayerSpec"] = None
    model: Optional["ModelSpec"] = None
    contains: Tuple[str, ...] = ()
    cell: Optional[CellSpec] = None
    code_not_run: bool = False
    steps: Optional[Steps] = None

    @property
    def reads_tokens(self) -> bool:
        """Whether the layer turns each token id of a (batch, time) tensor into a vector (an
        Embedding): the one kind of layer drawn per step on a tensor of rank 2."""
        return self.role == "per_step" and bool(self.input_shapes) and len(self.input_shapes[0]) == 2

    def config_value(self, key: str, default: Any = None) -> Any:
        return dict(self.config).get(key, default)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "class_name": self.class_name,
            "role": self.role,
            "call": self.call,
            "input_shapes": [list(s) for s in self.input_shapes],
            "output_shapes": [list(s) for s in self.output_shapes],
            "inbound": [c.to_dict() for c in self.inbound],
            "config": {k: _to_list(v) for k, v in self.config},
            "recurrent": self.recurrent.to_dict() if self.recurrent else None,
            "wrapped": self.wrapped.to_dict() if self.wrapped else None,
            "model": self.model.to_dict() if self.model else None,
            "contains": list(self.contains),
            "cell": self.cell.to_dict() if self.cell else None,
            **({"code_not_run": True} if self.code_not_run else {}),
            **({"steps": self.steps} if self.steps is not None else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], version: int = SCHEMA_VERSION) -> "LayerSpec":
        return cls(
            id=d["id"],
            name=d["name"],
            class_name=d["class_name"],
            role=d["role"],
            call=d.get("call", 0),
            input_shapes=_shapes_from_json(d["input_shapes"]),
            output_shapes=_shapes_from_json(d["output_shapes"]),
            inbound=tuple(Connection.from_dict(c) for c in d.get("inbound", ())),
            config=tuple((k, _to_tuple(v)) for k, v in d.get("config", {}).items()),
            recurrent=RecurrentSpec.from_dict(d["recurrent"], version) if d.get("recurrent") else None,
            wrapped=cls.from_dict(d["wrapped"], version) if d.get("wrapped") else None,
            model=ModelSpec.from_dict(d["model"]) if d.get("model") else None,
            contains=tuple(d.get("contains", ())),
            cell=CellSpec.from_dict(d["cell"]) if d.get("cell") else None,
            code_not_run=d.get("code_not_run", False) is True,
            steps=_steps_from_json(d.get("steps")),
        )


@frozen
class TensorRef:
    """A model input or output: the layer id that holds it, which output, its shape, and
    the name the user gave it (the key of a dict of outputs), if any."""

    layer: str
    tensor: int
    shape: Shape
    name: Optional[str] = None

    def to_dict(self) -> dict:
        return {"layer": self.layer, "tensor": self.tensor, "shape": list(self.shape), "name": self.name}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "TensorRef":
        return cls(layer=d["layer"], tensor=d["tensor"], shape=shape_from_json(d["shape"]), name=d.get("name"))


@frozen
class LoopSpec:
    """A recurrent layer or cell called once per step of a Python loop: ``calls`` are its
    call ids in order, each a step (a one-step sequence, or a cell on a vector) that reads
    what the call before it computed; ``carries_state`` says whether each call starts from
    the states the previous one returned (``initial_state=[h, c]``), rather than reading
    them only through other layers."""

    layer: str
    calls: Tuple[str, ...]
    carries_state: bool

    def to_dict(self) -> dict:
        return {"layer": self.layer, "calls": list(self.calls), "carries_state": self.carries_state}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "LoopSpec":
        return cls(layer=d["layer"], calls=tuple(d["calls"]), carries_state=d["carries_state"])


@frozen
class RepeatSpec:
    """A run of ``count`` (at least 2) consecutive identical blocks of layers: same classes,
    settings and shapes in and out, each block reading only what the block before it
    returns, nothing outside the run reading inside it but what its last block returns.
    ``block`` holds the layer ids of the first block, ``last`` those of the last block (in
    the same order); the blocks between follow in the model's order of layers."""

    count: int
    block: Tuple[str, ...]
    last: Tuple[str, ...]

    @property
    def period(self) -> int:
        """How many layers one block has."""
        return len(self.block)

    def to_dict(self) -> dict:
        return {"count": self.count, "period": self.period, "block": list(self.block), "last": list(self.last)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "RepeatSpec":
        block, last = tuple(d["block"]), tuple(d["last"])
        if int(d["count"]) < 2 or not block or len(block) != len(last):
            raise ValueError(f"a repeat has a count of at least 2 and a last block as long as its first, "
                             f"not {dict(d)!r}")
        return cls(count=int(d["count"]), block=block, last=last)


@frozen
class ModelSpec:
    """A whole model: its layers in topological order (input layers included), the loops
    its recurrent calls form, and the runs of identical blocks its layers form."""

    name: str
    class_name: str
    inputs: Tuple[TensorRef, ...]
    outputs: Tuple[TensorRef, ...]
    layers: Tuple[LayerSpec, ...]
    schema_version: int = field(default=SCHEMA_VERSION)
    loops: Tuple[LoopSpec, ...] = ()
    repeats: Tuple[RepeatSpec, ...] = ()

    def layer(self, layer_id: str) -> LayerSpec:
        """The layer call with this id; ``KeyError`` names the ids there are."""
        found = self.layers_by_id.get(layer_id)
        if found is None:
            raise KeyError(f"no layer {layer_id!r} in model {self.name!r}; "
                           f"layers are {[l.id for l in self.layers]}")
        return found

    @cached_property
    def layers_by_id(self) -> Dict[str, LayerSpec]:
        """Each layer call by its id (made on first use: the drawing stages ask for them by
        id once per edge)."""
        return {layer.id: layer for layer in reversed(self.layers)}  # the first of an id wins, as in a scan

    @cached_property
    def name_counts(self) -> Dict[str, int]:
        """How many calls each layer name has (made on first use: every layer drawn is named
        by its call, and counting for each would cost the square of the layers)."""
        counts: Dict[str, int] = {}
        for layer in self.layers:
            counts[layer.name] = counts.get(layer.name, 0) + 1
        return counts

    @property
    def recurrent_layers(self) -> Tuple[LayerSpec, ...]:
        return tuple(l for l in self.layers if l.recurrent is not None)

    def to_dict(self) -> dict:
        return {
            "schema_version": self.schema_version,
            "name": self.name,
            "class_name": self.class_name,
            "inputs": [t.to_dict() for t in self.inputs],
            "outputs": [t.to_dict() for t in self.outputs],
            "layers": [l.to_dict() for l in self.layers],
            "loops": [loop.to_dict() for loop in self.loops],
            **({"repeats": [r.to_dict() for r in self.repeats]} if self.repeats else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "ModelSpec":
        version = d.get("schema_version", SCHEMA_VERSION)
        if version > SCHEMA_VERSION:
            raise ValueError(
                f"spec schema_version {version} is newer than this rnndiagram understands "
                f"({SCHEMA_VERSION}); upgrade rnndiagram to read it")
        return cls(
            name=d["name"],
            class_name=d["class_name"],
            inputs=tuple(TensorRef.from_dict(t) for t in d["inputs"]),
            outputs=tuple(TensorRef.from_dict(t) for t in d["outputs"]),
            layers=tuple(LayerSpec.from_dict(l, version) for l in d["layers"]),
            schema_version=version,
            loops=tuple(LoopSpec.from_dict(loop) for loop in d.get("loops", ())),
            repeats=tuple(RepeatSpec.from_dict(r) for r in d.get("repeats", ())),
        )

    def to_json(self, indent: Optional[int] = 2) -> str:
        """The spec as JSON text (the public contract; see the README)."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> "ModelSpec":
        return cls.from_dict(json.loads(text))


def heat_key(layer: str, part: str, name: str, what: str) -> str:
    """Key of one heatmap's numbers (``heatmap=True``): of ``layer``'s cell ``part`` (as in
    :func:`gate_key`), the state or gate ``name`` (``h``, ``c``, ``gate:f``); ``what`` is
    ``steps`` (the steps drawn, from 1), ``units`` (the units drawn, from 0), ``size``
    (all steps, all units, and the positions a feature map's channels are averaged over)
    or ``values`` (steps by units, row by row)."""
    return f"{layer}:heat:{part}:{name}:{what}"
