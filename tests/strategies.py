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
    ``TimeDistributed`` (of a Dense) or ``Dense``; ``inner`` is a Bidirectional's layer."""

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


@st.composite
def branches(draw: Any) -> Tuple[Block, ...]:
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
        kind = prev.kind if chain else draw(
            st.sampled_from(RECURRENT + ("Bidirectional", "TimeDistributed", "Dense")))
        if kind in ("TimeDistributed", "Dense"):
            blocks.append(Block(kind, draw(units)))
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
def recipes(draw: Any) -> Recipe:
    timesteps = st.one_of(st.none(), st.integers(1, 5))
    n_branches = draw(st.integers(1, 2))
    n_inputs = draw(st.integers(1, n_branches))
    tokens = draw(st.booleans())
    drawn = tuple(draw(branches()) for _ in range(n_branches))
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
