"""The views of a model, in one registry: ``unrolled``, ``rolled``, ``both`` and ``gates``.

Every view has the shape of the pipeline's stages 2 to 4 (:class:`View`): ``build`` (the
spec, the options and any computed values in; what the view draws, its *figure*, out),
``lay_out`` (the figure in, a :class:`~rnndiagram.layout.scene.Scene` out, which
``render.svg`` renders whatever the view) and ``to_dot`` (the figure as Graphviz DOT). A
view also says which of the options ``step``, ``values`` and ``tokens`` it draws, how it
runs the model for values, and its alt text.

:func:`choose` is the one place where the options pick a view. Each view imports its
stages when it is first used, so reading this registry stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, FrozenSet, Iterator, Mapping, Optional, Protocol, Sequence, cast

if TYPE_CHECKING:
    from ..api import Diagram
    from ..layout.scene import Scene
    from ..options import DiagramOptions
    from ..spec import ModelSpec, Values


class View(Protocol):
    """What every view is (each one a module or package of these names)."""

    NAME: str
    """The view's name: the value of ``view``, or ``gates`` for ``cell="gates"``."""
    TITLE: str
    """How messages name it: ``the rolled view``."""
    DRAWS: FrozenSet[str]
    """The options among ``step``, ``values`` and ``tokens`` that it draws."""

    def build(self, spec: ModelSpec, options: DiagramOptions, values: Optional[Values]) -> Any:
        """What the view draws of ``spec`` (its figure), before it is laid out."""

    def lay_out(self, figure: Any, options: DiagramOptions) -> Scene:
        """The figure in absolute coordinates."""

    def to_dot(self, figure: Any) -> str:
        """The figure as Graphviz DOT source (Graphviz lays it out)."""

    def run(self, model: Any, spec: ModelSpec, arrays: Sequence[Any], options: DiagramOptions) -> Values:
        """The numbers the view prints, from running ``model`` once on ``arrays``."""

    def describe(self, diagram: Diagram) -> str:
        """One sentence of what ``diagram`` draws, for alt text (its figure is built only
        if the sentence needs it)."""


class _Registry(Mapping[str, View]):
    """The views by name, each the module of that name here, imported when first looked up
    (a plain export imports the unrolled view's only)."""

    NAMES = ("unrolled", "rolled", "both", "gates")

    def __getitem__(self, name: str) -> View:
        if name not in self.NAMES:
            raise KeyError(name)
        return cast(View, importlib.import_module(f"{__name__}.{name}"))

    def __iter__(self) -> Iterator[str]:
        return iter(self.NAMES)

    def __len__(self) -> int:
        return len(self.NAMES)


VIEWS: Mapping[str, View] = _Registry()
"""Every view, by name."""


def choose(view: Optional[str] = None, cell: Optional[str] = None) -> View:
    """The view the options ask for: the gate view for ``cell="gates"``, else the one
    ``view`` names (the unrolled view by default).

    >>> choose().NAME, choose("rolled").NAME, choose(cell="gates").NAME
    ('unrolled', 'rolled', 'gates')
    """
    return VIEWS["gates" if cell == "gates" else view or "unrolled"]


def view_of(options: DiagramOptions) -> View:
    """The view ``options`` ask for."""
    return choose(options.view, options.cell)
