"""A plain-text table of a spec's recurrent layers, for ``rnndiagram inspect``."""

from __future__ import annotations

from typing import List, Sequence

from . import labels
from .spec import LayerSpec, ModelSpec, StateSpec

HEADERS = ("layer", "kind", "timesteps", "features", "units", "states", "return_sequences",
           "return_state", "direction/merge", "output shape")


def _state_label(layer: LayerSpec, state: StateSpec) -> str:
    """``h``; ``fwd h`` / ``bwd h`` for Bidirectional; ``h2`` for the second cell of a stack."""
    rec = layer.recurrent
    assert rec is not None
    if rec.bidirectional:
        return ("fwd ", "bwd ")[min(state.group, 1)] + state.name
    if len({s.group for s in rec.states}) > 1:
        return f"{state.name}{state.group + 1}"
    return state.name


def _row(layer: LayerSpec) -> List[str]:
    rec = layer.recurrent
    assert rec is not None
    states = ", ".join(f"{_state_label(layer, s)}{labels.shape_text(s.shape[1:])}" for s in rec.states)
    if rec.bidirectional:
        direction = f"both, {rec.merge_mode}" + (f" → {rec.merged_units}" if rec.merged_units else "")
    else:
        direction = "backward" if rec.go_backwards else "forward"
    return [layer.id, rec.kind, "?" if rec.timesteps is None else str(rec.timesteps),
            labels.dims_text(rec.features), "?" if rec.units is None else str(rec.units), states,
            str(rec.return_sequences), str(rec.return_state), direction,
            " ".join(labels.shape_text(s) for s in layer.output_shapes)]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell.

    >>> print(format_table(["a", "bb"], [["xyz", "1"]]))
    a    bb
    xyz  1
    """
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in [headers, *rows]]
    return "\n".join(lines)


def recurrent_table(spec: ModelSpec) -> str:
    """The table, every name from the model printable (no control codes reach the terminal)."""
    rows = [[labels.printable(cell) for cell in _row(layer)] for layer in spec.recurrent_layers]
    name = labels.printable(spec.name)
    if not rows:
        return f"{name}: no recurrent layers ({len(spec.layers)} layers in all)"
    return f"{name} ({spec.class_name})\n" + format_table(HEADERS, rows)
