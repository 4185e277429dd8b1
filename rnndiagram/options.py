"""Diagram options: every choice a user can make about a drawing, in one frozen dataclass."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal, Optional, Tuple

from .errors import OptionError

Theme = Literal["light", "dark", "auto"]
THEMES: Tuple[str, ...] = ("light", "dark", "auto")


@dataclass(frozen=True)
class DiagramOptions:
    """How to draw a model.

    Attributes:
        max_timesteps: timesteps shown per time axis, the ellipsis column included
            (default 4: the first steps, an ellipsis, the last step). At least 2.
        timesteps: draw an unknown sequence length (``None``) as this many steps.
        tokens: a label under each input timestep, e.g. ``("I", "am", "groot")``.
        theme: ``"light"``, ``"dark"`` or ``"auto"`` (follows prefers-color-scheme).
        show_unreturned: draw the outputs a ``return_sequences=False`` layer computes but
            does not return, faint, instead of leaving them out.
        expand_nested: draw nested models' layers instead of one box per nested model.
        values: run the model once and print real numbers in the small strips.
        sample: the input to run in values mode (an array, or a list of arrays for
            several inputs; batch first). Default: seeded random input.
        seed: the random seed for the default sample.
    """

    max_timesteps: int = 4
    timesteps: Optional[int] = None
    tokens: Optional[Tuple[str, ...]] = None
    theme: Theme = "light"
    show_unreturned: bool = False
    expand_nested: bool = False
    values: bool = False
    sample: Any = None
    seed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.max_timesteps, int) or self.max_timesteps < 2:
            raise OptionError(f"max_timesteps must be an integer >= 2 (the first step and the "
                              f"last one), got {self.max_timesteps!r}")
        if self.timesteps is not None and (not isinstance(self.timesteps, int) or self.timesteps < 1):
            raise OptionError(f"timesteps must be a positive integer or None, got {self.timesteps!r}")
        if self.theme not in THEMES:
            raise OptionError(f"theme must be one of {', '.join(THEMES)}; got {self.theme!r}")
        if self.tokens is not None:
            object.__setattr__(self, "tokens", tuple(str(t) for t in self.tokens))

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
