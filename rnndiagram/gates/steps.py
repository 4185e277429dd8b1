"""Which timestep the gate view draws of each recurrent layer (``step``), checked once.

``step`` is one number for every layer, or a number per layer (``{"encoder": 7}``, the
command line's ``--step encoder=7``). One number past a layer's end draws that layer's last
step, and the figure says so; past the end of every layer it is an error, as a step a layer
is given by name past its own end is. A layer of unknown length is drawn over
``timesteps`` steps (``--timesteps``); without it, any step is taken as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

from ..errors import OptionError
from ..options import DiagramOptions
from ..spec import LayerSpec, ModelSpec


@dataclass(frozen=True)
class Chosen:
    """The step drawn of one layer (``None``: the default); when a step given for every
    layer was past its end, what the figure says of it; and for a layer of unknown length,
    the length it is drawn with (``timesteps``), if any."""

    step: Optional[int]
    note: str = ""
    drawn_as: Optional[int] = None


def drawn_layers(spec: ModelSpec, prefix: str = "") -> Iterator[Tuple[str, LayerSpec]]:
    """(path, layer) of every layer call the gate view may draw, nested models' layers as
    ``outer/inner``; what a wrapper runs at each step (``TimeDistributed(model)``,
    ``TimeDistributed(LSTM)``) too, under the wrapper's name."""
    for layer in spec.layers:
        wrapped = layer.wrapped
        if layer.model is not None:
            yield from drawn_layers(layer.model, f"{prefix}{layer.name}/")
        elif wrapped is not None and wrapped.model is not None:
            yield from drawn_layers(wrapped.model, f"{prefix}{layer.name}/")
        elif wrapped is not None and wrapped.recurrent is not None:
            yield f"{prefix}{layer.name}/{wrapped.name}", wrapped
        else:
            yield f"{prefix}{layer.name}", layer


def choose_steps(spec: ModelSpec, options: DiagramOptions) -> Dict[str, Chosen]:
    """The step of each recurrent layer the gate view draws, by path (a cell called
    directly draws one call, so it has none). Raises :class:`OptionError` for a step past
    the end of the layer it is given to (or of every layer), and for a layer name that is
    not one of them."""
    lengths: Dict[str, Optional[int]] = {}
    unknown = set()  # the layers of unknown length, drawn over ``timesteps`` steps
    for path, layer in drawn_layers(spec):
        if layer.recurrent is not None and layer.cell is None and path not in lengths:
            lengths[path] = layer.recurrent.timesteps or options.timesteps
            if layer.recurrent.timesteps is None:
                unknown.add(path)
    step = options.step
    drawn_as = {path: lengths[path] if path in unknown else None for path in lengths}
    chosen = {path: Chosen(None, drawn_as=drawn_as[path]) for path in lengths}
    if isinstance(step, int):
        known = {path: n for path, n in lengths.items() if n is not None}
        if known and len(known) == len(lengths) and all(step > n for n in known.values()):
            longest = max(known, key=lambda p: known[p])
            raise _past(step, longest, known[longest], longest in unknown, options)
        for path, n in lengths.items():
            past = n is not None and step > n
            chosen[path] = Chosen(n if past and n is not None else step,
                                  f"step {step} is past its {_timesteps(n)}: its last step is drawn" if past else "",
                                  drawn_as[path])
    elif step is not None:
        for name, k in step.items():
            for path in _named(name, lengths):
                n = lengths[path]
                if n is not None and k > n:
                    raise _past(k, path, n, path in unknown, options)
                chosen[path] = Chosen(k, drawn_as=drawn_as[path])
    return chosen


def _named(name: str, lengths: Mapping[str, Optional[int]]) -> List[str]:
    """The layers a name in ``step`` stands for: its path, or every layer of that name."""
    if name in lengths:
        return [name]
    found = [path for path in lengths if path.rsplit("/", 1)[-1] == name]
    if not found:
        raise OptionError(f"step names layer {name!r}, which has no recurrent cell for the gate view to draw; "
                          f"name one of {', '.join(repr(p) for p in lengths) or 'none'} (--step NAME=K)")
    return found


def _past(step: int, path: str, n: int, drawn_as: bool, options: DiagramOptions) -> OptionError:
    """The error for a step past a layer's end, said as values mode says it when it runs."""
    if options.values:
        return OptionError(f"step={step} is past the {n} timesteps that values mode ran layer {path!r} over; "
                           f"choose a step from 1 to {n} (--step), or run a longer --sample")
    if drawn_as:
        return OptionError(f"step={step} is past the {n} timesteps layer {path!r} is drawn with "
                           f"(--timesteps {options.timesteps}); choose a step from 1 to {n} (--step), or a "
                           f"longer --timesteps")
    return OptionError(f"step={step} is past the {n} timesteps of layer {path!r}; choose a step from 1 to {n} "
                       f"(--step)")


def _timesteps(n: Optional[int]) -> str:
    return f"{n} timestep{'s' * (n != 1)}"
