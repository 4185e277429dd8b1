"""Which timestep the gate view draws of each recurrent layer (``step``), checked once.

``step`` is one number for every layer, or a number per layer (``{"encoder": 7}``, the
command line's ``--step encoder=7``). One number past a layer's end draws that layer's last
step, and the figure says so; past the end of every layer it is an error, as a step a layer
is given by name past its own end is. A layer of unknown length is drawn over
``timesteps`` steps (``--timesteps``); without it, any step is taken as given.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, Iterator, List, Mapping, Optional, Tuple

from ...errors import OptionError
from ...options import DiagramOptions
from ...spec import LayerSpec, ModelSpec


@dataclass(frozen=True)
class Chosen:
    """The step drawn of one layer (``None``: the default); when a step given for every
    layer was past its end, what the figure says of it; and for a layer of unknown length,
    the length it is drawn with (``timesteps``), if any."""

    step: Optional[int]
    note: str = ""
    drawn_as: Optional[int] = None
    run_by: str = ""
    """What runs the layer: ``run by sentences at each of its 4 steps``, or nothing."""


def drawn_layers(spec: ModelSpec, prefix: str = "") -> Iterator[Tuple[str, LayerSpec]]:
    """(path, layer) of every layer call the gate view may draw, nested models' layers as
    ``outer/inner``; what a wrapper runs at each step (``TimeDistributed(model)``,
    ``TimeDistributed(LSTM)``) too, under the wrapper's name."""
    for path, layer, _ in _walk(spec, prefix, None):
        yield path, layer


Runner = Optional[Tuple[str, Optional[int]]]
"""The TimeDistributed layer that runs a layer at each of its steps: its name and steps."""


def _walk(spec: ModelSpec, prefix: str, runner: Runner) -> Iterator[Tuple[str, LayerSpec, Runner]]:
    for layer in spec.layers:
        wrapped = layer.wrapped
        if layer.model is not None:
            yield from _walk(layer.model, f"{prefix}{layer.name}/", runner)
            continue
        if wrapped is None:
            yield f"{prefix}{layer.name}", layer, runner
            continue
        shape = layer.input_shapes[0] if layer.input_shapes else ()
        runs = (layer.name, shape[1] if len(shape) > 1 else None)
        if wrapped.model is not None:
            yield from _walk(wrapped.model, f"{prefix}{layer.name}/", runs)
        elif wrapped.recurrent is not None:
            yield f"{prefix}{layer.name}/{wrapped.name}", wrapped, runs
        else:
            yield f"{prefix}{layer.name}", layer, runner


def choose_steps(spec: ModelSpec, options: DiagramOptions) -> Dict[str, Chosen]:
    """The step of each recurrent layer the gate view draws, by path (a cell called
    directly draws one call, so it has none). Raises :class:`OptionError` for a step past
    the end of the layer it is given to (or of every layer), and for a layer name that is
    not one of them."""
    lengths: Dict[str, Optional[int]] = {}
    unknown = set()  # the layers of unknown length, drawn over ``timesteps`` steps
    run_by: Dict[str, str] = {}
    for path, layer, runner in _walk(spec, "", None):
        if layer.recurrent is not None and layer.cell is None and path not in lengths:
            lengths[path] = layer.recurrent.timesteps or options.timesteps
            if layer.recurrent.timesteps is None:
                unknown.add(path)
            if runner is not None:
                run_by[path] = f"run by {runner[0]} at each of its {'?' if runner[1] is None else runner[1]} steps"
    step = options.step
    drawn_as = {path: lengths[path] if path in unknown else None for path in lengths}
    chosen = {path: Chosen(None, drawn_as=drawn_as[path], run_by=run_by.get(path, "")) for path in lengths}
    if isinstance(step, int):
        known = {path: n for path, n in lengths.items() if n is not None}
        if known and len(known) == len(lengths) and all(step > n for n in known.values()):
            longest = max(known, key=lambda p: known[p])
            raise _past(step, longest, known[longest], longest in unknown, options)
        for path, n in lengths.items():
            past = n is not None and step > n
            chosen[path] = replace(chosen[path], step=n if past and n is not None else step,
                                   note=f"step {step} is past its {_timesteps(n)}: its last step is drawn"
                                   if past else "")
    elif step is not None:
        for name, k in step.items():
            for path in _named(name, lengths):
                n = lengths[path]
                if n is not None and k > n:
                    raise _past(k, path, n, path in unknown, options)
                chosen[path] = replace(chosen[path], step=k)
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
