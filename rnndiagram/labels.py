"""The words and numbers that several stages print: shapes, step names, numbers, layer
titles and phrases, and :func:`printable` for any text a model supplies.

Words that only one stage prints are made there, from these pieces: the legends, edge
labels and ``<desc>`` summary in ``unroll/`` (``builder.py`` and its drawing modules), the sizes
drawn in strips in ``layout/draw.py``, the DOT strips in ``render/dot.py``, the table of
``rnndiagram inspect`` in ``table.py`` and the documentation's alt text in ``docs_common.py``.

>>> shape_text((None, 3, 4))
'(None, 3, 4)'
>>> step_name("x", "12")
'x₁₂'
>>> number(0.4321)
'0.43'
"""

from __future__ import annotations

import re
from typing import Iterable, Optional, Sequence, Tuple

from .spec import LayerSpec, ModelSpec, RecurrentSpec, RepeatSpec, Shape

_SUBSCRIPTS = str.maketrans("0123456789T", "₀₁₂₃₄₅₆₇₈₉ₜ")
# C0 controls as their Control Pictures (U+2400-U+241F), DEL as U+2421, C1 controls as U+FFFD.
_CONTROLS = {**{c: 0x2400 + c for c in range(0x20)}, 0x7F: 0x2421, **{c: 0xFFFD for c in range(0x80, 0xA0)}}

# What the cell box says: the post draws SimpleRNN cells as "RNN".
_CELL_LABELS = {"SimpleRNN": "RNN", "ConvLSTM1D": "ConvLSTM", "ConvLSTM2D": "ConvLSTM",
                "ConvLSTM3D": "ConvLSTM"}


def printable(text: str) -> str:
    """``text`` with every control character shown as a symbol: XML forbids most of them (an
    SVG holding one does not open) and a terminal obeys them (colours, cursor moves).

    >>> printable("a\\x1b[31mb\\x00\\n")
    'a␛[31mb␀␊'
    """
    return text.translate(_CONTROLS)


MAX_WORD = 40
"""The longest word (a layer or model name, a token) a drawing prints whole: the longest
that the built-in examples print is 40 characters, a default Keras name about 20."""
MAX_LINE = 120
"""The longest line of text a drawing prints whole (the longest of the examples: 57; eight
numbers of a strip in DOT, up to 90)."""
_LONG_WORD = re.compile(r"\S{%d,}" % (MAX_WORD + 1))


def shorten(text: str) -> str:
    """``text`` as a drawing prints it: a word over :data:`MAX_WORD` characters, then a line
    over :data:`MAX_LINE`, cut in the middle to that length, keeping the end where names
    differ (``lstm_12``); the drawing keeps the whole text in a tooltip.

    >>> shorten("reads all steps of encoder_" + "x" * 90 + "_7")
    'reads all steps of encoder_xxxxxxxxxxxxxxxxxx…xxxxxxxxxxx_7'
    >>> len(shorten("ab " * 2000)), shorten("lstm_1")
    (120, 'lstm_1')
    """
    if len(text) <= MAX_WORD:
        return text
    head, tail = MAX_WORD * 2 // 3, MAX_WORD - MAX_WORD * 2 // 3 - 1
    text = _LONG_WORD.sub(lambda m: m.group()[:head] + "…" + m.group()[-tail:], text)
    if len(text) > MAX_LINE:
        head, tail = MAX_LINE * 2 // 3, MAX_LINE - MAX_LINE * 2 // 3 - 1
        text = text[:head] + "…" + text[-tail:]
    return text


def step_name(stem: str, key: str) -> str:
    return stem + key.translate(_SUBSCRIPTS)


def shape_text(shape: Sequence[Optional[int]]) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def array_shape(shape: Sequence[Optional[int]]) -> str:
    """A shape as Python (and Keras) prints it: a weight's, ``(8, 32)``, ``(32,)``; one
    timestep's tensor without the batch axis, for the ``data-shape`` of strips and edges,
    ``(8, None, 5)``.

    >>> array_shape((8, 32)), array_shape((32,)), array_shape((8, None, 5))
    ('(8, 32)', '(32,)', '(8, None, 5)')
    """
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def dims_text(dims: Sequence[Optional[int]]) -> str:
    """A per-step shape as the diagram prints it: ``4`` or ``8×8×5``."""
    return "×".join("?" if d is None else str(d) for d in dims) or "1"


def number(value: float) -> str:
    """One number in a strip: two significant decimals, no negative zero."""
    text = f"{value:.2f}" if abs(value) < 10 else f"{value:.3g}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def cell_label(rec: RecurrentSpec) -> str:
    """What a cell box says: its kind (``LSTM``; ``RNN`` for SimpleRNN, as the post draws it),
    the cell of a generic RNN, or ``2 cells`` for a stack (``stacked_cells`` lists them).

    >>> from rnndiagram.spec import RecurrentSpec
    >>> cell_label(RecurrentSpec("RNN", 4, 3, (2,), (), False, False, cells=("LSTMCell", "GRUCell")))
    '2 cells'
    """
    if rec.kind == "RNN":
        if len(rec.cells) > 1:
            return f"{len(rec.cells)} cells"
        return _cell_kind(rec.cells[0]) if rec.cells else "RNN"
    return _CELL_LABELS.get(rec.kind, rec.kind)


def stacked_cells(rec: RecurrentSpec) -> str:
    """The kinds of a stack of cells, bottom first: ``cells: LSTM, GRU``; empty for one cell."""
    return "cells: " + ", ".join(_cell_kind(c) for c in rec.cells) if len(rec.cells) > 1 else ""


def _cell_kind(cell: str) -> str:
    return cell[:-4] if cell.endswith("Cell") and len(cell) > 4 else cell


def call_name(layer: LayerSpec, spec: ModelSpec, of_all: bool = False) -> str:
    """A layer call as the diagram names it: ``encoder``, or ``encoder (call 2)`` for a
    shared layer's second call (``of_all``: ``encoder (call 2 of 3)``); calls count from 1
    everywhere they are printed."""
    calls = spec.name_counts.get(layer.name, 0)
    if calls < 2:
        return layer.name
    return f"{layer.name} (call {layer.call + 1}" + (f" of {calls})" if of_all else ")")


def repeat_title(repeat: RepeatSpec) -> str:
    """How a run of identical blocks drawn once is titled: its count, the first layer of
    its first block and the last layer of its last block (``× 4  lstm_1 … dense_4``)."""
    return f"× {repeat.count}  {repeat.block[0]} … {repeat.last[-1]}"


def state_of_output(layer: LayerSpec, tensor: int) -> str:
    """The state a recurrent layer returns as output ``tensor``: ``h``, ``c``, ``fwd h``, ``h2``
    (the second cell's of a stack); ``state`` for any other layer's output."""
    rec = layer.recurrent
    if rec is None:
        return "state"
    first = 2 if rec.bidirectional and rec.merge_mode is None else 1
    index = tensor - first
    if not 0 <= index < len(rec.states):
        return "state"
    state = rec.states[index]
    if rec.bidirectional:
        return ("fwd " if index < len(rec.states) // 2 else "bwd ") + state.name
    groups = {s.group for s in rec.states}
    return f"{state.name}{state.group + 1}" if len(groups) > 1 else state.name


def output_label(spec: ModelSpec, index: int) -> str:
    """How the diagram marks a model output: ``Output`` for the only one, else ``Output 2:``
    and the name the user gave it or the layer (and which of its outputs, for a state)."""
    if len(spec.outputs) == 1:
        return "Output"
    ref = spec.outputs[index]
    if ref.name is not None:
        return f"Output {index}: {ref.name}"
    layer = spec.layer(ref.layer)
    which = f" [{ref.tensor}]" if len(layer.output_shapes) > 1 else ""
    return f"Output {index}: {call_name(layer, spec)}{which}"


def outputs_label(spec: ModelSpec, indices: Sequence[int]) -> str:
    """How a row of a loop's steps marks the model outputs they are: ``Outputs 0…9:
    output_layer`` (the first and last step are always shown), one as :func:`output_label`
    does; empty for none."""
    if not indices:
        return ""
    if len(indices) == 1:
        return output_label(spec, indices[0])
    ref = spec.outputs[indices[0]]
    return f"Outputs {indices[0]}…{indices[-1]}: {spec.layer(ref.layer).name}"


def model_sentence(spec: ModelSpec, how: str) -> str:
    """One sentence of a model drawn ``how`` (``unrolled in time``), for alt text.

    >>> model_sentence(ModelSpec.from_dict({"schema_version": 1, "name": "m", "class_name": "Sequential",
    ...     "inputs": [], "outputs": [{"layer": "d", "tensor": 0, "shape": [None, 1]}], "layers": []}), "rolled")
    'Diagram of the Keras model m, which has no recurrent layer; output (None, 1).'
    """
    layers = [_over_time(layer.recurrent) for layer in spec.recurrent_layers if layer.recurrent is not None]
    outs = " and ".join(shape_text(o.shape) for o in spec.outputs) or "none"
    if not layers:
        return f"Diagram of the Keras model {spec.name}, which has no recurrent layer; output {outs}."
    return f"Diagram of the Keras model {spec.name} {how}: {', then '.join(layers)}; output {outs}."


def _over_time(rec: RecurrentSpec) -> str:
    steps = "an unknown number of" if rec.timesteps is None else str(rec.timesteps)
    returns = "every step" if rec.return_sequences else "the last step"
    return f"{recurrent_phrase(rec)} over {steps} timesteps returning {returns}"


def recurrent_phrase(rec: RecurrentSpec) -> str:
    """The layer in words: ``a GRU of 24 units``, ``a Bidirectional LSTM of 16 units each way``.

    >>> from rnndiagram.spec import RecurrentSpec
    >>> recurrent_phrase(RecurrentSpec("LSTM", 8, 3, (2,), (), False, False))
    'an LSTM of 8 units'
    """
    kind = f"Bidirectional {rec.forward.kind}" if rec.bidirectional and rec.forward else rec.kind
    article = "an" if _vowel_sound(kind) else "a"
    if rec.units is None:
        size = " with directions of different sizes" if rec.bidirectional else ""
    else:
        size = f" of {rec.units} units" + (" each way" if rec.bidirectional else "")
    return f"{article} {kind}{size}"


def _vowel_sound(word: str) -> bool:
    """Whether a word is said with a vowel first: ``Attention``, and initialisms whose first
    letter is (``LSTM`` is "el-ess-tee-em", ``RNN``), but not ``SimpleRNN`` or ``GRU``."""
    initialism = len(word) > 1 and word[1].isupper()
    return word[:1] in "AEIOU" or (initialism and word[:1] in "FHLMNRSX")


def layer_title(layer: LayerSpec) -> str:
    """``SimpleRNN(4)``, ``Dense(1)``, ``TimeDistributed(Dense(4))``."""
    if layer.wrapped is not None:
        return f"{layer.class_name}({layer_title(layer.wrapped)})"
    if layer.model is not None:
        inner = [layer_title(l) for l in layer.model.layers if l.role != "input"]
        shown = inner if len(inner) <= 3 else inner[:2] + ["…", inner[-1]]
        return f"{layer.class_name}[{', '.join(shown)}]"
    size = layer_size(layer)
    return f"{layer.class_name}({size})" if size else layer.class_name


def layer_size(layer: LayerSpec) -> str:
    """The one setting that sizes a layer (units, filters, rate...), as text; ``""`` if none."""
    if layer.recurrent is not None and not layer.recurrent.bidirectional:
        return "" if layer.recurrent.units is None else str(layer.recurrent.units)
    for key in ("units", "filters", "output_dim", "n", "rate", "pool_size", "num_heads"):
        value = layer.config_value(key)
        if value is not None:
            return dims_text(value) if isinstance(value, tuple) else str(value)
    return ""


def recurrent_flags(rec: RecurrentSpec) -> tuple[str, ...]:
    """The settings a recurrent layer's label names. A cell called directly has no
    ``return_state`` (it always returns its output and states): it is one step a call."""
    if rec.step:
        return ("one step a call",) + (("masked",) if rec.masked else ())
    flags = [name for name, on in (("return_sequences", rec.return_sequences),
                                   ("return_state", rec.return_state),
                                   ("go_backwards", rec.go_backwards),
                                   ("stateful", rec.stateful), ("masked", rec.masked)) if on]
    if rec.bidirectional:
        flags.append(f"merge_mode={rec.merge_mode}")
    return tuple(flags)


def join(parts: Iterable[str], sep: str = ", ") -> str:
    return sep.join(p for p in parts if p)


_SHORTER = (("Normalization", "Norm"), ("Regularization", "Reg"), ("Average", "Avg"), ("Pooling", "Pool"))


def shapes_lines(shapes: Sequence[Shape]) -> Tuple[str, ...]:
    """A layer's output shapes in a gutter: ``→ (None, 8)``; two shapes on one line, or on
    two when that line would be long, and ``…`` for more.

    >>> shapes_lines([(None, 8), (None, 8), (None, 8)])
    ('→ (None, 8) (None, 8) …',)
    >>> shapes_lines([(None, 16, 16, 8), (None, 16, 16, 8), (None, 16, 16, 8)])
    ('→ (None, 16, 16, 8)', '   (None, 16, 16, 8) …')
    """
    texts = [shape_text(s) for s in shapes[:2]]
    extra = " …" if len(shapes) > 2 else ""
    line = "→ " + " ".join(texts) + extra
    if len(texts) < 2 or len(line) <= 30:
        return (line,)
    return ("→ " + texts[0], "   " + texts[1] + extra)


def box_label(class_name: str) -> str:
    """A class name short enough for a box: long ones lose the ends of their common words
    (the gutter prints the full name).

    >>> box_label("BatchNormalization"), box_label("GlobalAveragePooling1D"), box_label("Dense")
    ('BatchNorm', 'GlobalAvgPool1D', 'Dense')
    """
    if len(class_name) <= 14:
        return class_name
    for long, short in _SHORTER:
        class_name = class_name.replace(long, short)
    return class_name


def wrap_title(text: str, width: int = 34) -> tuple[str, ...]:
    """A long title broken after the commas of its outermost list into lines of about
    ``width`` characters.

    >>> wrap_title("TimeDistributed(Sequential[Conv2D(8), MaxPooling2D((2, 2)), Flatten])")
    ('TimeDistributed(Sequential[Conv2D(8),', 'MaxPooling2D((2, 2)), Flatten])')
    """
    if len(text) <= width:
        return (text,)
    pieces = text.split(", ")
    depth, depths = 0, []
    for piece in pieces:
        depth += sum(piece.count(c) for c in "([") - sum(piece.count(c) for c in ")]")
        depths.append(depth)
    outer = depths[0]
    lines: list[str] = [pieces[0]]
    for piece, before in zip(pieces[1:], depths):
        if before <= outer and len(lines[-1]) + 2 + len(piece) > width:
            lines[-1] += ","
            lines.append(piece)
        else:
            lines[-1] += ", " + piece
    return tuple(lines)


def wrap(words: Sequence[str], width: int = 28) -> tuple[str, ...]:
    """Words joined by ", " into lines of at most ``width`` characters (a long word alone;
    empty words left out).

    >>> wrap(["return_sequences", "return_state", "", "masked"])
    ('return_sequences,', 'return_state, masked')
    """
    lines: list[str] = []
    for word in filter(None, words):
        if lines and len(lines[-1]) + 2 + len(word) <= width:
            lines[-1] += ", " + word
        else:
            if lines:
                lines[-1] += ","
            lines.append(word)
    return tuple(lines)


def inside_lines(layer: LayerSpec) -> Tuple[str, ...]:
    """What a custom layer's gutter says of what runs inside it: the recurrent layers it owns,
    and, read from a file, that its code was not run (so what it does is not known)."""
    return (*(("contains " + ", ".join(layer.contains),) if layer.contains else ()),
            *(("custom layer: read from the file, its code not run",) if layer.code_not_run else ()))


def box_detail(layer: LayerSpec) -> str:
    """The second line of a layer's box: its size (``(8)``), the layers of a nested model,
    or the steps of an RNN run inside each step."""
    if layer.model is not None:
        count = sum(1 for l in layer.model.layers if l.role != "input")
        return f"{count} layer" + ("s" if count != 1 else "")
    if layer.contains:
        return "contains " + ", ".join(layer.contains)
    size = layer_size(layer)
    if layer.recurrent is not None:  # an RNN inside a time step: collapsed over its own axis
        rec = layer.recurrent
        steps = "?" if rec.timesteps is None else rec.timesteps
        if rec.bidirectional and rec.units is not None:
            size = f"2×{rec.units}"  # each way
        return f"({size}) over {steps} steps" if size else f"over {steps} steps"
    return f"({size})" if size else ""
