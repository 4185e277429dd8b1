"""Diagram options: every choice a user can make about a drawing, in one frozen dataclass."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Dict, Literal, Mapping, Optional, Tuple, Union

from ._records import frozen
from .errors import OptionError

Theme = Literal["light", "dark", "auto"]
THEMES: Tuple[str, ...] = ("light", "dark", "auto")

View = Literal["unrolled", "rolled", "both"]
VIEWS: Tuple[str, ...] = ("unrolled", "rolled", "both")
"""``unrolled``: one cell per shown timestep; ``rolled``: one cell per layer with a loop
carrying its state; ``both``: the rolled drawing, an equals sign and the unrolled one."""

CellView = Literal["box", "gates"]
CELL_VIEWS: Tuple[str, ...] = ("box", "gates")
"""``box``: a cell is a box; ``gates``: one step of each recurrent layer's cell, gate by gate."""

MAX_SHOWN_TIMESTEPS = 100
"""The most timesteps a time axis may show (``max_timesteps``). Drawing time and SVG size
grow with every shown column (about 4 KiB and 2 ms per column of a recurrent row), and a
hundred columns are already some 10,000 px wide: past that no one reads the drawing."""

_FLAGS = ("show_unreturned", "fold_loops", "values", "fold_repeats", "heatmap")


def parse_tokens(text: Any) -> Optional[Tuple[str, ...]]:
    """Token labels from a string or a list: ``"I am groot"`` (split on spaces) or
    ``"I,am,groot"`` (split on commas when there is one), as the command line takes them.

    >>> parse_tokens("I am groot"), parse_tokens("a b, c"), parse_tokens(["x", 1])
    (('I', 'am', 'groot'), ('a b', 'c'), ('x', '1'))
    >>> parse_tokens("") is None
    True
    """
    if text is None or text == "":
        return None
    if isinstance(text, str):
        return tuple(t.strip() for t in text.split(",")) if "," in text else tuple(text.split())
    if not isinstance(text, (list, tuple)):
        raise OptionError(f"tokens must be a string or a list of strings, got {text!r}")
    return tuple(str(t) for t in text)


@frozen
class DiagramOptions:
    """How to draw a model.

    Attributes:
        max_timesteps: timesteps shown per time axis, the ellipsis column included
            (default 4: the first steps, an ellipsis, the last step). From 2 to
            :data:`MAX_SHOWN_TIMESTEPS`.
        timesteps: draw an unknown sequence length (``None``) as this many steps.
        tokens: a label under each input timestep, e.g. ``("I", "am", "groot")``; a string
            is split like the command line's ``--tokens``: ``"I am groot"`` or ``"I,am,groot"``.
        theme: ``"light"``, ``"dark"`` or ``"auto"`` (follows prefers-color-scheme).
        show_unreturned: draw the outputs a ``return_sequences=False`` layer computes but
            does not return, faint, instead of leaving them out.
        expand_nested: how nested models (a model used as a layer, ``TimeDistributed(model)``)
            are drawn: ``None`` (the default) draws the layers of those that hold a recurrent
            layer and one box for the others; ``True`` draws every nested model's layers,
            ``False`` one box for each.
        fold_loops: draw a recurrent layer or cell called once per step of a Python loop as
            one row of cells over the loop's steps (the default); ``False`` draws each call
            where it happens.
        values: run the model once and print real numbers in the small strips.
        sample: the input to run in values mode (an array, or a list of arrays for
            several inputs; batch first). Default: seeded random input.
        seed: the random seed for the default sample, and in values mode for the weights
            of a model that a source builds (an example, or a function returning a model).
        view: ``"unrolled"`` (one cell per shown timestep), ``"rolled"`` (one cell per
            recurrent layer, with a loop carrying its state: a compact column of one row
            per layer) or ``"both"`` (rolled, an equals sign, unrolled).
        cell: ``"box"``, or ``"gates"`` to draw one step inside each recurrent layer's cell:
            its gates with the activations in its config and every weight with its shape
            as Keras stores it, and the cell's parameter count.
        step: the timestep (from 1) the gate view draws: its inputs and states are named
            after it, and with ``values`` it prints that step's real gate activations.
            Default: the last step in values mode, else a generic step ``t``. One number is
            every layer's step (a layer it is past the end of draws its last step, and says
            so); a mapping gives layers their own (``{"encoder": 7, "decoder": 3}``, by name
            or ``outer/inner`` path), the others keeping the default.
        fold_repeats: draw a run of k >= 2 consecutive identical blocks of layers (same
            classes, settings and shapes in and out, each block reading only the one before
            it: ``N x [LSTM, TimeDistributed(Dense)]``) once, framed, with "× k" and the
            names of its first and last copies, in every view (the default); ``False`` draws
            every block. Values mode draws every block, whose numbers differ.
        heatmap: under each recurrent layer's row of cells, a heatmap of its states over
            every timestep (in the gate view, of its gates); implies ``values``.
    """

    max_timesteps: int = 4
    timesteps: Optional[int] = None
    tokens: Optional[Tuple[str, ...]] = None
    theme: Theme = "light"
    show_unreturned: bool = False
    expand_nested: Optional[bool] = None
    fold_loops: bool = True
    values: bool = False
    sample: Any = None
    seed: int = 0
    view: View = "unrolled"
    cell: CellView = "box"
    step: Union[None, int, Mapping[str, int]] = None
    fold_repeats: bool = True
    heatmap: bool = False

    def __post_init__(self) -> None:
        if not _is_int(self.max_timesteps) or self.max_timesteps < 2:
            raise OptionError(f"max_timesteps must be an integer >= 2 (the first step and the "
                              f"last one), got {self.max_timesteps!r}")
        if self.max_timesteps > MAX_SHOWN_TIMESTEPS:
            raise OptionError(f"max_timesteps is {self.max_timesteps}, more than the "
                              f"{MAX_SHOWN_TIMESTEPS} columns a legible drawing can show; choose a "
                              f"smaller max_timesteps (--max-timesteps)")
        if self.timesteps is not None and (not _is_int(self.timesteps) or self.timesteps < 1):
            raise OptionError(f"timesteps must be a positive integer or None, got {self.timesteps!r}")
        if self.theme not in THEMES:
            raise OptionError(f"theme must be one of {', '.join(THEMES)}; got {self.theme!r}")
        for name in _FLAGS:
            if not isinstance(getattr(self, name), bool):
                raise OptionError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.expand_nested is not None and not isinstance(self.expand_nested, bool):
            raise OptionError(f"expand_nested must be True, False or None (nested models that hold a "
                              f"recurrent layer), got {self.expand_nested!r}")
        if not _is_int(self.seed):
            raise OptionError(f"seed must be an integer, got {self.seed!r}")
        if self.view not in VIEWS:
            raise OptionError(f"view must be one of {', '.join(VIEWS)}; got {self.view!r}")
        if self.cell not in CELL_VIEWS:
            raise OptionError(f"cell must be 'box' (cells drawn as boxes) or 'gates' (one step of each "
                              f"cell, gate by gate); got {self.cell!r}")
        if self.cell == "gates" and self.view != "unrolled":
            raise OptionError(f"cell='gates' draws one step inside each cell, view={self.view!r} the layers "
                              f"as cells; choose one of them")
        object.__setattr__(self, "step", _checked_step(self.step))
        if self.heatmap:
            object.__setattr__(self, "values", True)  # a heatmap shows the values of a run
        object.__setattr__(self, "tokens", parse_tokens(self.tokens))

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> "DiagramOptions":
        """Options from keyword arguments; an unknown name is an error that lists the known ones."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise OptionError(f"unknown diagram option(s) {', '.join(unknown)}; "
                              f"the options are {', '.join(sorted(known))}")
        return cls(**kwargs)

    def with_(self, **changes: Any) -> "DiagramOptions":
        return replace(self, **changes)


def _checked_step(step: Any) -> Union[None, int, Dict[str, int]]:
    """``step`` as given (a copy of a mapping), or an :class:`OptionError` that says why not."""
    if step is None:
        return None
    if isinstance(step, Mapping):
        for name, k in step.items():
            if not isinstance(name, str) or not _is_int(k) or k < 1:
                raise OptionError(f"step must map layer names to timesteps from 1 on, got {name!r}: {k!r}")
        return dict(step)
    if not _is_int(step) or step < 1:
        raise OptionError(f"step must be a timestep from 1 on, got {step!r}")
    return int(step)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
