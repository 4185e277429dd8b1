"""Hypothesis strategies for random small recurrent Keras models.

A strategy draws a :class:`Recipe` (plain frozen data, so failures print readably and
shrink well) and :func:`build_model` turns it into a built functional ``keras.Model``
whose every layer is named explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from hypothesis import strategies as st

RECURRENT = ("SimpleRNN", "GRU", "LSTM")
MERGE_MODES = ("concat", "sum", "mul", "ave", None)


@dataclass(frozen=True)
class Block:
    """One layer of a branch. ``kind`` is a recurrent class, ``Bidirectional``,
    ``TimeDistributed`` (of a Dense), ``Dense`` or ``Custom``; ``inner`` is a Bidirectional's
    layer, or a custom layer's class (one of :data:`CUSTOM`)."""

    kind: str
    units: int
    return_sequences: bool = False
    return_state: bool = False
    go_backwards: bool = False
    inner: str = "LSTM"
    merge_mode: Optional[str] = "concat"
    initial_state: bool = False


@dataclass(frozen=True)
class Recipe:
    """Inputs (one timesteps value per input), optional token embedding, and branches.

    With two branches and one input both branches read it; with two inputs each branch
    reads its own. Branches end in vectors (pooled if still a sequence) that are
    concatenated before a Dense head; states returned and not passed on are extra outputs.
    """

    timesteps: Tuple[Optional[int], ...]
    features: int
    vocab: Optional[int]
    mask_zero: bool
    branches: Tuple[Tuple[Block, ...], ...]
    head_units: int
    handoff: bool = False  # the second branch starts from the first one's final states


units = st.integers(1, 6)
CUSTOM = ("Scale", "OwnsGRU", "GRUSubclass")
"""Custom layers a branch may hold (``recipes(custom=True)``): one that scales its input, one
that owns a GRU and runs it in its call, and a subclass of GRU (see ``custom_layer``)."""


@st.composite
def branches(draw: Any, custom: bool = False) -> Tuple[Block, ...]:
    blocks: List[Block] = []
    sequence = True
    for _ in range(draw(st.integers(1, 3))):
        if not sequence:
            blocks.append(Block("Dense", draw(units)))
            continue
        prev = blocks[-1] if blocks else None
        # Often start the next layer from the states the previous one returned.
        chain = (prev is not None and prev.kind in RECURRENT and prev.return_state
                 and not prev.initial_state and draw(st.booleans()))
        kind = prev.kind if chain else "Custom" if custom and draw(st.booleans()) else draw(
            st.sampled_from(RECURRENT + ("Bidirectional", "TimeDistributed", "Dense")))
        if kind in ("TimeDistributed", "Dense"):
            blocks.append(Block(kind, draw(units)))
            continue
        if kind == "Custom":
            blocks.append(Block(kind, draw(units), return_sequences=True, inner=draw(st.sampled_from(CUSTOM))))
            continue
        block = Block(
            kind, prev.units if chain else draw(units),
            return_sequences=draw(st.booleans()), return_state=draw(st.booleans()),
            go_backwards=draw(st.booleans()) and kind != "Bidirectional",
            inner=draw(st.sampled_from(RECURRENT)) if kind == "Bidirectional" else "LSTM",
            merge_mode=draw(st.sampled_from(MERGE_MODES)) if kind == "Bidirectional" else None,
            initial_state=chain)
        blocks.append(block)
        sequence = block.return_sequences
    return tuple(blocks)


@st.composite
def recipes(draw: Any, custom: bool = False) -> Recipe:
    """Random recipes; with ``custom``, branches may hold custom layers (:data:`CUSTOM`)."""
    timesteps = st.one_of(st.none(), st.integers(1, 5))
    n_branches = draw(st.integers(1, 2))
    n_inputs = draw(st.integers(1, n_branches))
    tokens = draw(st.booleans())
    drawn = tuple(draw(branches(custom)) for _ in range(n_branches))
    handoff = n_inputs == 2 and draw(st.booleans())
    if handoff:  # an encoder-decoder: each input has its own time axis, states cross over
        kind, size = draw(st.sampled_from(RECURRENT)), draw(units)
        encoder = Block(kind, size, return_sequences=draw(st.booleans()), return_state=True)
        decoder = Block(kind, size, return_sequences=True, return_state=draw(st.booleans()),
                        initial_state=True)
        drawn = ((encoder,), (decoder,) + tuple(b for b in drawn[1] if not b.initial_state)[1:])
    return Recipe(
        timesteps=tuple(draw(timesteps) for _ in range(n_inputs)),
        features=draw(st.integers(1, 4)),
        vocab=draw(st.integers(3, 10)) if tokens else None,
        mask_zero=tokens and draw(st.booleans()),
        branches=drawn,
        head_units=draw(units),
        handoff=handoff,
    )


def models() -> st.SearchStrategy:
    """Built random models (use :func:`recipes` to see or shrink the recipe)."""
    return recipes().map(build_model)


def build_model(recipe: Recipe) -> Any:
    import keras

    layers = keras.layers
    inputs, sequences = [], []
    for i, t in enumerate(recipe.timesteps):
        if recipe.vocab:
            x = keras.Input(shape=(t,), dtype="int32", name=f"tokens_{i}")
            emb = layers.Embedding(recipe.vocab, recipe.features, mask_zero=recipe.mask_zero,
                                   name=f"embedding_{i}")
            inputs.append(x)
            sequences.append(emb(x))
        else:
            x = keras.Input(shape=(t, recipe.features), name=f"input_{i}")
            inputs.append(x)
            sequences.append(x)
    ends, extra_outputs, handed = [], [], []
    for b, blocks in enumerate(recipe.branches):
        x = sequences[b % len(sequences)]
        states: List[Any] = list(handed) if recipe.handoff and b == 1 else []
        for j, block in enumerate(blocks):
            x, new_states = _apply(keras, block, x, states, f"b{b}_{j}")
            if states and not block.initial_state:
                extra_outputs += states
            states = new_states
            if recipe.handoff and b == 0 and j == 0:
                handed = new_states
        if not (recipe.handoff and b == 0):
            extra_outputs += states
        if len(x.shape) == 3:
            x = layers.GlobalAveragePooling1D(name=f"b{b}_pool")(x)
        ends.append(x)
    x = ends[0] if len(ends) == 1 else layers.Concatenate(name="concat")(ends)
    head = layers.Dense(recipe.head_units, name="head")(x)
    return keras.Model(inputs, [head] + extra_outputs, name="random_model")


def _apply(keras: Any, block: Block, x: Any, states: List[Any],
           name: str) -> Tuple[Any, List[Any]]:
    """Apply one block to ``x``; return its main output and the states it returned."""
    layers = keras.layers
    if block.kind == "Dense":
        return layers.Dense(block.units, name=name)(x), []
    if block.kind == "Custom":
        return custom_layer(block.inner, block.units, name)(x), []
    if block.kind == "TimeDistributed":
        return layers.TimeDistributed(layers.Dense(block.units, name=f"{name}_dense"),
                                      name=name)(x), []
    flags = dict(return_sequences=block.return_sequences, return_state=block.return_state)
    if block.kind == "Bidirectional":
        inner = getattr(layers, block.inner)(block.units, name=f"{name}_inner", **flags)
        out = layers.Bidirectional(inner, merge_mode=block.merge_mode, name=name)(x)
        outs = list(out) if block.return_state or block.merge_mode is None else [out]
        if block.merge_mode is None:
            merged = layers.Concatenate(name=f"{name}_concat")(outs[:2])
            return merged, outs[2:]
        return outs[0], outs[1:]
    layer = getattr(layers, block.kind)(block.units, go_backwards=block.go_backwards,
                                        name=name, **flags)
    out = layer(x, initial_state=states) if block.initial_state else layer(x)
    if block.return_state:
        return out[0], list(out[1:])
    return out, []


def custom_layer(kind: str, units: int, name: str) -> Any:
    """A custom layer of one of the :data:`CUSTOM` kinds, registered so that a file keeps it."""
    return _custom_classes()[kind](units, name=name)


_CLASSES: dict = {}


def _custom_classes() -> dict:
    """The custom classes, made once (Keras registers each class by name)."""
    if _CLASSES:
        return _CLASSES
    import keras

    register = keras.saving.register_keras_serializable(package="strategies")

    @register
    class Scale(keras.layers.Layer):
        def __init__(self, units: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.units = units

        def call(self, x: Any) -> Any:
            return x * 2.0

        def get_config(self) -> dict:
            return {**super().get_config(), "units": self.units}

    @register
    class OwnsGRU(keras.layers.Layer):
        def __init__(self, units: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.units = units
            self.gru = keras.layers.GRU(units, return_sequences=True, name=f"{self.name}_gru")

        def call(self, x: Any) -> Any:
            return self.gru(x)

        def get_config(self) -> dict:
            return {**super().get_config(), "units": self.units}

    @register
    class GRUSubclass(keras.layers.GRU):
        def __init__(self, units: int, **kwargs: Any) -> None:
            kwargs.setdefault("return_sequences", True)
            super().__init__(units, **kwargs)

    _CLASSES.update(Scale=Scale, OwnsGRU=OwnsGRU, GRUSubclass=GRUSubclass)
    return _CLASSES


# Branchy graphs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One layer of a random graph: ``op`` reads the tensors at ``args`` (indices into the
    tensors made so far; the model's inputs come first)."""

    op: str
    args: Tuple[int, ...]
    units: int = 3
    flag: bool = False


@dataclass(frozen=True)
class Graph:
    """Inputs (their timesteps), layers and the tensors returned as outputs."""

    timesteps: Tuple[int, ...]
    steps: Tuple[Step, ...]
    outputs: Tuple[int, ...]


OPS = ("rnn", "rnn_states", "handoff", "dense", "merge", "shared", "attention", "pool", "repeat", "concat")


@st.composite
def graphs(draw: Any) -> Graph:
    """Graphs with branches on one sequence, merges of branches, layers shared between two
    inputs, attention, states handed from one recurrent layer to another and returned as
    outputs: the patterns of published models, combined at random."""
    timesteps = tuple(draw(st.lists(st.integers(2, 6), min_size=1, max_size=3)))
    # What each tensor made so far is: ("seq", steps, width), ("vec", None, width), ("state", None, width).
    made: List[Tuple[str, Optional[int], int]] = [("seq", t, 2) for t in timesteps]
    steps: List[Step] = []
    for _ in range(draw(st.integers(2, 7))):
        seqs = [i for i, m in enumerate(made) if m[0] == "seq"]
        vecs = [i for i, m in enumerate(made) if m[0] == "vec"]
        states = [i for i, m in enumerate(made) if m[0] == "state"]
        op, size = draw(st.sampled_from(OPS)), draw(units)
        step, out = _graph_step(draw, op, size, made, seqs, vecs, states)
        if step is not None:
            steps.append(step)
            made += out
    fresh = list(range(len(timesteps), len(made)))
    returned = draw(st.lists(st.sampled_from(fresh), min_size=1, max_size=3, unique=True)) if fresh else [0]
    return Graph(timesteps, tuple(steps), tuple(returned))


def _graph_step(draw: Any, op: str, size: int, made: List[Tuple[str, Optional[int], int]], seqs: List[int],
                vecs: List[int], states: List[int]) -> Tuple[Optional[Step], List[Tuple[str, Optional[int], int]]]:
    """One layer of a random graph and the tensors it makes; ``None`` if none fits."""
    if op in ("rnn", "rnn_states", "dense") and seqs:
        x = draw(st.sampled_from(seqs))
        keep = op == "dense" or draw(st.booleans())
        out = [("seq", made[x][1], size) if keep else ("vec", None, size)]
        return Step(op, (x,), size, keep), out + ([("state", None, size)] if op == "rnn_states" else [])
    if op == "pool" and seqs:
        x = draw(st.sampled_from(seqs))
        return Step(op, (x,)), [("vec", None, made[x][2])]
    if op == "handoff" and seqs and states:
        x, s = draw(st.sampled_from(seqs)), draw(st.sampled_from(states))
        return Step(op, (x, s), made[s][2]), [("seq", made[x][1], made[s][2])]
    if op in ("merge", "concat", "shared", "attention") and len(seqs + vecs) >= 2:
        pool = vecs if op == "concat" or (op == "merge" and len(vecs) >= 2) else seqs
        if len(pool) < 2:
            return None, []
        a, b = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
        same = made[a][2] == made[b][2]
        if a == b or (op != "concat" and not same) or (op == "merge" and made[a][1] != made[b][1]):
            return None, []
        if op == "shared":
            return Step(op, (a, b), size), [("vec", None, size), ("vec", None, size)]
        width = made[a][2] + made[b][2] if op == "concat" else made[a][2]
        return Step(op, (a, b)), [(made[a][0], made[a][1], width)]
    if op == "repeat" and vecs:
        x, n = draw(st.sampled_from(vecs)), draw(st.integers(2, 5))
        return Step(op, (x,), n), [("seq", n, made[x][2])]
    return None, []


def build_graph(graph: Graph) -> Any:
    """The functional model of a :class:`Graph`, every layer named."""
    import keras

    layers = keras.layers
    tensors: List[Any] = [keras.Input(shape=(t, 2), name=f"in{i}") for i, t in enumerate(graph.timesteps)]
    inputs = list(tensors)
    for n, step in enumerate(graph.steps):
        name = f"{step.op}{n}"
        args = [tensors[i] for i in step.args]
        if step.op in ("rnn", "rnn_states"):
            out = layers.LSTM(step.units, return_sequences=step.flag, return_state=step.op == "rnn_states",
                              name=name)(args[0])
            tensors += [out[0], out[1]] if step.op == "rnn_states" else [out]
        elif step.op == "handoff":
            tensors.append(layers.GRU(step.units, return_sequences=True, name=name)(args[0], initial_state=args[1]))
        elif step.op == "dense":
            tensors.append(layers.Dense(step.units, name=name)(args[0]))
        elif step.op == "pool":
            tensors.append(layers.GlobalMaxPooling1D(name=name)(args[0]))
        elif step.op == "merge":
            tensors.append(layers.Add(name=name)(args))
        elif step.op == "concat":
            tensors.append(layers.Concatenate(name=name)(args))
        elif step.op == "shared":
            encoder = layers.GRU(step.units, name=name)
            tensors += [encoder(args[0]), encoder(args[1])]
        elif step.op == "attention":
            tensors.append(layers.Attention(name=name)(args))
        elif step.op == "repeat":
            tensors.append(layers.RepeatVector(step.units, name=name)(args[0]))
    outputs = [tensors[i] for i in graph.outputs]
    return keras.Model(inputs, outputs, name="random_graph")


LOOPED = ("LSTM", "GRU", "SimpleRNN", "LSTMCell", "GRUCell", "SimpleRNNCell")


@dataclass(frozen=True)
class Loop:
    """A model that calls one recurrent layer (on a one-step sequence) or cell (on a vector)
    once per step of a Python loop: ``steps`` calls, each from the states the call before
    returned (``carry``) or from zeros, with a Dense before each call reading the step's
    input (``before``), a Dense after it (``after``), whose prediction is the next call's
    input when ``feedback``; ``returned``: every step's output is a model output, else
    they are joined into one. ``fresh``: the Dense layers are made anew at every step
    instead of once; ``nested``: the recurrent call is inside a sub-model (``body``) called
    once per step; ``whole``: each call runs over the whole source sequence (its states
    carried from call to call) instead of one step of it."""

    kind: str
    steps: int
    units: int
    carry: bool
    before: bool
    after: bool
    feedback: bool
    returned: bool
    fresh: bool = False
    nested: bool = False
    whole: bool = False


@st.composite
def loops(draw: Any) -> Loop:
    kind = draw(st.sampled_from(LOOPED))
    after = draw(st.booleans())
    whole = not kind.endswith("Cell") and draw(st.booleans())
    return Loop(kind=kind, steps=draw(st.integers(2, 6)), units=draw(units),
                carry=whole or kind.endswith("Cell") or draw(st.booleans()), before=draw(st.booleans()), after=after,
                feedback=not whole and after and draw(st.booleans()), returned=draw(st.booleans()),
                fresh=draw(st.booleans()), nested=not whole and draw(st.booleans()), whole=whole)


def loop_found(loop: Loop) -> bool:
    """Whether the calls form a loop: each reads the call before, by its states or its
    prediction."""
    return loop.carry or loop.feedback


def build_loop(loop: Loop) -> Any:
    """The functional model of a :class:`Loop`, every layer named."""
    import keras

    layers = keras.layers
    cell = loop.kind.endswith("Cell")
    features = 2
    source = keras.Input(shape=(loop.steps, features), name="steps")
    width = loop.units
    recurrent = getattr(layers, loop.kind)(loop.units, name="looped") if cell else getattr(layers, loop.kind)(
        loop.units, return_state=True, name="looped")
    if loop.nested:
        recurrent = _body(loop, recurrent, features)
    shared = {"before": layers.Dense(features, name="before"), "after": layers.Dense(features, name="after")}

    def dense(role: str, t: int) -> Any:
        return layers.Dense(features, name=f"{role}_{t}") if loop.fresh else shared[role]

    states: Any = [layers.Dense(width, name=f"start_{i}")(layers.Flatten(name=f"flat_{i}")(source))
                   for i in range(2 if loop.kind.startswith("LSTM") else 1)]
    fed: Any = None
    outputs = []
    for t in range(loop.steps):
        x = source if loop.whole else fed if fed is not None else layers.Cropping1D(
            (t, loop.steps - t - 1), name=f"step_{t}")(source)
        if cell and len(x.shape) == 3:
            x = layers.Reshape((features,), name=f"vector_{t}")(x)
        if not cell and len(x.shape) == 2:
            x = layers.Reshape((1, features), name=f"sequence_{t}")(x)
        if loop.before:
            x = dense("before", t)(x)
        if loop.nested and (cell or loop.carry):
            out, *states = recurrent([x, *states])
        elif loop.nested:
            out = recurrent(x)
        elif cell:  # a cell is always given its states
            out, states = recurrent(x, states=states)
        elif loop.carry:
            out, *states = recurrent(x, initial_state=states)
        else:
            out, *_ = recurrent(x)
        y = dense("after", t)(out) if loop.after else out
        outputs.append(y)
        fed = y if loop.feedback else None
    if loop.returned:
        return keras.Model(source, outputs, name="loop")
    return keras.Model(source, layers.Concatenate(name="joined")(outputs), name="loop")


def _body(loop: Loop, recurrent: Any, features: int) -> Any:
    """A sub-model named ``body`` around the recurrent call of a :class:`Loop`: it takes the
    step's input (and the states, when they are carried) and returns the output (and the
    new states)."""
    import keras

    cell = loop.kind.endswith("Cell")
    x = keras.Input((features,) if cell else (1, features), name="body_x")
    if not (cell or loop.carry):
        out, *_ = recurrent(x)
        return keras.Model(x, out, name="body")
    states = [keras.Input((loop.units,), name=f"body_state_{i}")
              for i in range(2 if loop.kind.startswith("LSTM") else 1)]
    if cell:
        out, new = recurrent(x, states=states)
    else:
        out, *new = recurrent(x, initial_state=states)
    return keras.Model([x, *states], [out, *new], name="body")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 2**40) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8)
"""Any JSON value, for mutating configs."""


def _paths(value: Any, prefix: tuple = ()) -> List[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, prefix + (i,))
    return found


def mutated(data: st.DataObject, base: Any) -> Any:
    """``base`` (a parsed JSON config) with one value somewhere in it deleted or replaced by
    any JSON value; changed in place and returned."""
    where = data.draw(st.sampled_from(_paths(base)[1:]))
    target = base
    for part in where[:-1]:
        target = target[part]
    if isinstance(target, dict) and data.draw(st.booleans()):
        del target[where[-1]]
    else:
        target[where[-1]] = data.draw(json_values)
    return base


# -- deep stacks, with and without repeated blocks ------------------------------------------

STACKED = ("LSTM", "GRU", "SimpleRNN", "TimeDistributed", "Dense", "Dropout")
"""The layers of a deep stack: recurrent layers returning sequences, a TimeDistributed
Dense, a Dense on the sequence and a Dropout; each keeps the time axis."""


@dataclass(frozen=True)
class Stack:
    """A Sequential stack over ``timesteps`` steps of ``features``: ``layers`` as
    (kind, units) pairs, every one named ``{kind}_{position}`` (a Dropout's units are its
    rate in tenths). ``block`` and ``count`` say how it was drawn: the block repeated
    ``count`` times between a prefix and a suffix of other layers."""

    timesteps: int
    features: int
    layers: Tuple[Tuple[str, int], ...]
    block: Tuple[Tuple[str, int], ...] = ()
    count: int = 0


stack_layers = st.tuples(st.sampled_from(STACKED), st.integers(2, 3))


@st.composite
def deep_stacks(draw: Any) -> Stack:
    """A stack whose middle repeats a block of 1 to 3 layers 1 to 4 times, between a prefix
    and a suffix of up to 3 layers (which may repeat by chance too)."""
    prefix = draw(st.lists(stack_layers, max_size=3))
    block = draw(st.lists(stack_layers, min_size=1, max_size=3))
    count = draw(st.integers(1, 4))
    suffix = draw(st.lists(stack_layers, max_size=3))
    layers = tuple(prefix + block * count + suffix)
    return Stack(timesteps=draw(st.integers(2, 5)), features=draw(st.integers(2, 3)), layers=layers,
                 block=tuple(block), count=count)


def build_stack(stack: Stack) -> Any:
    """The Sequential model of a :class:`Stack`."""
    import keras

    layers = keras.layers
    made: List[Any] = [keras.Input(shape=(stack.timesteps, stack.features), name="steps")]
    for i, (kind, units) in enumerate(stack.layers):
        name = f"{kind.lower()}_{i}"
        if kind == "TimeDistributed":
            made.append(layers.TimeDistributed(layers.Dense(units, name=f"inner_{i}"), name=name))
        elif kind == "Dense":
            made.append(layers.Dense(units, name=name))
        elif kind == "Dropout":
            made.append(layers.Dropout(units / 10, name=name))
        else:
            made.append(getattr(layers, kind)(units, return_sequences=True, name=name))
    return keras.Sequential(made, name="stack")
