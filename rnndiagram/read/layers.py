"""Stage 0, the one table of Keras layer knowledge, read by the live reader and the file reader.

For each Keras class: how it is drawn (its role), which of its settings are printed, its
recurrent kind and states, its output-shape rule (a saved file holds no output shapes)
and how it passes masks on. A layer finds its row through its class's MRO, so a user's
subclass of ``LSTM`` is an LSTM; a class with no row in its MRO (a custom layer) is drawn
by the rank of its tensors.

Adding a Keras class means adding its row here (and its tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Tuple

from . import shapes
from .shapes import Rule

# Roles a row can give (see ``role``): the spec's roles follow from them and the ranks.
MERGE = "merge"            # joins several tensors
PER_STEP = "per_step"      # acts on each step alone when given a sequence (rank >= 3)
TOKENS = "tokens"          # per step from rank 2 on: token ids in, one vector per token out
SEQUENCE = "sequence"      # sees the whole time axis when any of its tensors is a sequence
RECURRENT = "recurrent"    # has a RecurrentSpec
WRAPPER = "wrapper"        # TimeDistributed: its inner layer runs on each step
INPUT = "input"

# How a layer's output mask follows from its input mask (``Layer.compute_mask`` and its
# overrides); a row without one drops the mask.
PASS, RNN, BIDIRECTIONAL, NEW, SAME_MASKS, CONCAT = "pass", "rnn", "bidirectional", "new", "merge", "concat"

ACTIVATIONS = ("activation", "recurrent_activation")
"""Settings that hold an activation, printed by its name."""

SUMMARY_KEYS: Tuple[str, ...] = (
    "units", "filters", "kernel_size", "strides", "padding", "activation",
    "recurrent_activation", "rate", "pool_size", "input_dim", "output_dim", "mask_zero", "n",
    "target_shape", "dims", "axis", "axes", "num_heads", "key_dim", "mask_value", "merge_mode",
)
"""The settings printed on a diagram, in the order they are printed: those of them that
a layer's config has."""


@dataclass(frozen=True)
class Recurrent:
    """What makes a layer class recurrent.

    ``kind`` names it in the spec (``RNN`` for the generic layer over any cell, whose
    cells come from its ``cell`` setting); ``cell`` is the class of its built-in cell;
    ``conv`` is the spatial rank of a ConvLSTM (0 for the others): its states have the
    shape of a step's output and its size is its ``filters``.
    """

    kind: str
    cell: Optional[str] = None
    conv: int = 0


@dataclass(frozen=True)
class LayerKind:
    """One row of the table: a Keras class and what rnndiagram knows of it.

    ``attributes`` lists, for the class itself (not a subclass), the printed settings,
    each of which is also an attribute of the same name: reading those is much faster
    than ``get_config()``. ``states`` names the states of a recurrent cell class.
    """

    name: str
    role: Optional[str] = None
    shape: Optional[Rule] = None
    mask: Optional[str] = None
    takes_mask: bool = False
    recurrent: Optional[Recurrent] = None
    states: Tuple[str, ...] = ()
    attributes: Optional[Tuple[str, ...]] = None


def _rows(names: Iterable[str], role: str, shape: Optional[Rule], mask: Optional[str]) -> Tuple[LayerKind, ...]:
    return tuple(LayerKind(name, role, shape, mask) for name in names)


def _recurrent(name: str, cell: Optional[str] = None, conv: int = 0,
               attributes: Optional[Tuple[str, ...]] = None) -> LayerKind:
    return LayerKind(name, RECURRENT, mask=RNN, takes_mask=True, recurrent=Recurrent(name, cell, conv),
                     attributes=attributes)


_CONV = ("filters", "kernel_size", "strides", "padding", "activation")

_ROWS: Tuple[LayerKind, ...] = (
    LayerKind("InputLayer", INPUT),
    # Recurrent layers and their cells.
    _recurrent("SimpleRNN", "SimpleRNNCell", attributes=("units", "activation")),
    _recurrent("GRU", "GRUCell", attributes=("units", "activation", "recurrent_activation")),
    _recurrent("LSTM", "LSTMCell", attributes=("units", "activation", "recurrent_activation")),
    *(_recurrent(f"ConvLSTM{r}D", "ConvLSTMCell", conv=r, attributes=_CONV + ("recurrent_activation",))
      for r in (1, 2, 3)),
    _recurrent("RNN"),
    LayerKind("Bidirectional", RECURRENT, mask=BIDIRECTIONAL, takes_mask=True,
              recurrent=Recurrent("Bidirectional"), attributes=("merge_mode",)),
    LayerKind("SimpleRNNCell", states=("h",)),
    LayerKind("GRUCell", states=("h",)),
    LayerKind("LSTMCell", states=("h", "c")),
    LayerKind("ConvLSTMCell", states=("h", "c")),
    LayerKind("StackedRNNCells"),
    LayerKind("TimeDistributed", WRAPPER, mask=PASS, takes_mask=True, attributes=()),
    # Per step.
    LayerKind("Dense", PER_STEP, shapes.dense, PASS, attributes=("units", "activation")),
    LayerKind("EinsumDense", PER_STEP),
    LayerKind("Embedding", TOKENS, shapes.embedding, NEW, attributes=("input_dim", "output_dim", "mask_zero")),
    LayerKind("Masking", PER_STEP, shapes.same, NEW),
    LayerKind("BatchNormalization", PER_STEP, shapes.same, PASS, takes_mask=True),
    LayerKind("Softmax", PER_STEP, shapes.same, PASS, takes_mask=True),
    LayerKind("RMSNormalization", PER_STEP),
    # SpatialDropout1D subclasses Dropout, so a live one is drawn per step too.
    *_rows(("Activation", "Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout",
            "ActivityRegularization", "LayerNormalization", "UnitNormalization", "GroupNormalization",
            "ReLU", "LeakyReLU", "PReLU", "ELU", "Rescaling", "SpatialDropout1D"), PER_STEP, shapes.same, PASS),
    # The whole sequence at once.
    LayerKind("Conv1D", SEQUENCE, shapes.conv(1), attributes=_CONV),
    LayerKind("Conv2D", SEQUENCE, shapes.conv(2), attributes=_CONV),
    LayerKind("Conv3D", SEQUENCE, shapes.conv(3)),
    LayerKind("SeparableConv1D", SEQUENCE, shapes.conv(1)),
    LayerKind("SeparableConv2D", SEQUENCE, shapes.conv(2)),
    LayerKind("DepthwiseConv1D", SEQUENCE, shapes.conv(1, depthwise=True)),
    LayerKind("DepthwiseConv2D", SEQUENCE, shapes.conv(2, depthwise=True)),
    *_rows(("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "GroupQueryAttention"), SEQUENCE, None, None),
    *(LayerKind(f"{kind}Pooling{r}D", SEQUENCE, shapes.pool(r)) for kind in ("Max", "Average") for r in (1, 2, 3)),
    *(LayerKind(f"Global{kind}Pooling{r}D", SEQUENCE, shapes.global_pool(r),
                takes_mask=kind == "Average" and r == 1)
      for kind in ("Max", "Average") for r in (1, 2, 3)),
    LayerKind("Flatten", SEQUENCE, shapes.flatten),
    LayerKind("Reshape", SEQUENCE, shapes.reshape),
    LayerKind("Permute", SEQUENCE, shapes.permute),
    LayerKind("RepeatVector", SEQUENCE, shapes.repeat_vector),
    LayerKind("Cropping1D", SEQUENCE, shapes.cropping_1d),
    LayerKind("ZeroPadding1D", SEQUENCE, shapes.zero_padding_1d),
    LayerKind("UpSampling1D", SEQUENCE, shapes.up_sampling_1d),
    LayerKind("Attention", SEQUENCE, shapes.attention, NEW, takes_mask=True),
    LayerKind("AdditiveAttention", SEQUENCE, shapes.attention, NEW, takes_mask=True),
    LayerKind("MultiHeadAttention", SEQUENCE, shapes.multi_head_attention, PASS),
    # Merges.
    *_rows(("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"), MERGE, shapes.elementwise,
           SAME_MASKS),
    LayerKind("Concatenate", MERGE, shapes.concatenate, CONCAT),
    LayerKind("Dot", MERGE),
)

LAYERS: Dict[str, LayerKind] = {row.name: row for row in _ROWS}
"""Every row by class name; a later row of the same name would replace an earlier one."""

OPS: Dict[str, Rule] = {
    "NotEqual": shapes.broadcast, "Equal": shapes.broadcast, "LogicalAnd": shapes.broadcast,
    "LogicalOr": shapes.broadcast, "Any": shapes.reduce, "All": shapes.reduce, "Flip": shapes.same,
}
"""Output-shape rules of the ``keras.ops`` operations a saved functional model can hold."""


def kind_of(mro: Iterable[str]) -> Optional[LayerKind]:
    """The row of the first class in ``mro`` (a class and its bases, most specific first)
    that has one."""
    for name in mro:
        row = LAYERS.get(name)
        if row is not None:
            return row
    return None


def state_names(count: int) -> Tuple[str, ...]:
    """Names of a custom cell's states: ``h``, then ``c``; ``s0, s1, ...`` past two."""
    if count == 1:
        return ("h",)
    if count == 2:
        return ("h", "c")
    return tuple(f"s{i}" for i in range(count))
