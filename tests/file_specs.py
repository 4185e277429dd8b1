"""What a saved file's spec is compared with: the live spec, but for what the file says it
does not know."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rnndiagram.spec import ModelSpec


def as_read(live: ModelSpec, read: ModelSpec) -> ModelSpec:
    """The live spec, but for what the file's spec says it does not know (the role, outputs,
    recurrence and owned layers of a custom class whose code was not run, and, after one,
    where the masks the layers are given come from: how a custom class passes a mask on is
    in its code): that from the file, in nested models too."""
    unknown = False

    def layer(l: Any, r: Any) -> Any:
        nonlocal unknown
        if unknown and l.inbound != r.inbound:
            l = replace(l, inbound=tuple(c for c in l.inbound if c.kind != "mask")
                        + tuple(c for c in r.inbound if c.kind == "mask"))
        unknown = unknown or r.code_not_run
        if r.code_not_run:
            return replace(l, role=r.role, recurrent=r.recurrent, output_shapes=r.output_shapes,
                           contains=r.contains, model=r.model, code_not_run=True)
        if l.model is not None and r.model is not None:
            return replace(l, model=as_read(l.model, r.model))
        if l.wrapped is not None and r.wrapped is not None:
            return replace(l, wrapped=layer(l.wrapped, r.wrapped))
        return l

    return replace(live, layers=tuple(layer(l, r) for l, r in zip(live.layers, read.layers)))
