"""The Python API: ``diagram(model, **options)`` and the ``Diagram`` it returns."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

from ._io import write_atomic
from .errors import OptionError, UnknownFormatError
from .read.live import inspect
from .options import DiagramOptions
from .render import ENGINES, FORMATS, SUFFIXES, format_of
from .spec import ModelSpec

if TYPE_CHECKING:
    from .layout.scene import Scene
    from .spec import Values
    from .unroll.graph import UnrolledGraph

class Diagram:
    """A model's unrolled diagram; every output is computed once, on first use.

    Build one with :func:`diagram`. In Jupyter it displays itself as SVG.
    """

    def __init__(self, spec: ModelSpec, options: DiagramOptions, values: Optional[Values] = None):
        self.spec = spec
        self.options = options
        self._values = values

    @cached_property
    def graph(self) -> UnrolledGraph:
        # The drawing stages are imported on first use: ``import rnndiagram`` stays light
        # for the commands and plugins that only read specs.
        from .unroll import unroll

        return unroll(self.spec, self.options, self._values)

    @cached_property
    def scene(self) -> Scene:
        from .layout import layout

        return layout(self.graph, self.options.theme)

    def to_svg(self) -> str:
        """The diagram as a self-contained SVG document."""
        from .render.svg import render_svg

        return render_svg(self.scene)

    def to_dot(self) -> str:
        """The diagram as Graphviz DOT source (Graphviz lays it out)."""
        from .render.dot import render_dot

        return render_dot(self.graph)

    def to_png(self, scale: float = 1.0) -> bytes:
        """The SVG drawn as PNG, ``scale`` times its size (needs ``rnndiagram[raster]``)."""
        from .render.raster import svg_to_png

        return svg_to_png(self.to_svg(), scale)

    def to_pdf(self, dpi: int = 300) -> bytes:
        """A PDF page the size of the SVG, holding it drawn at ``dpi`` (needs ``rnndiagram[raster]``)."""
        from .render.raster import svg_to_pdf

        return svg_to_pdf(self.to_svg(), dpi)

    def to_json(self) -> str:
        """The model spec as JSON (the contract described in the README)."""
        return self.spec.to_json()

    def render(self, format: str, engine: str = "rnndiagram", scale: float = 1.0,
               dpi: Optional[int] = None) -> bytes:
        """The diagram in ``format`` (a name of ``rnndiagram.render.FORMATS``), as bytes.

        ``engine="graphviz"`` has Graphviz's ``dot`` lay out the DOT source for svg, png and
        pdf; ``scale`` sizes our PNG, ``dpi`` our PDF's drawing (default 300) or Graphviz's PNG.
        """
        if format not in FORMATS:
            raise UnknownFormatError(f"unknown format {format!r}; the formats are {', '.join(FORMATS)}")
        if engine not in ENGINES:
            raise OptionError(f"unknown engine {engine!r}; the engines are {', '.join(ENGINES)}")
        if format == "json":
            return self.to_json().encode()
        if format == "dot":
            return self.to_dot().encode()
        if engine == "graphviz":
            from .render.raster import graphviz_render

            return graphviz_render(self.to_dot(), format, dpi)  # type: ignore[arg-type]
        if format == "svg":
            return self.to_svg().encode()
        return self.to_png(scale) if format == "png" else self.to_pdf(dpi or 300)

    def save(self, path: Union[str, Path], format: Optional[str] = None) -> Path:
        """Write the diagram to ``path`` atomically; the format comes from the suffix
        (``.svg``, ``.dot``/``.gv``, ``.json``, ``.png``, ``.pdf``) unless ``format`` is given."""
        path = Path(path)
        fmt = format or format_of(path)
        if fmt not in FORMATS:
            raise UnknownFormatError(
                f"cannot tell which format to write for {str(path)!r}: use a suffix among "
                f"{', '.join(sorted(SUFFIXES))} or pass format= one of {', '.join(FORMATS)}")
        return write_atomic(path, self.render(fmt))

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def __repr__(self) -> str:
        return f"<Diagram of {self.spec.name!r}: {len(self.spec.recurrent_layers)} recurrent layer(s)>"


def diagram(model: Any, **options: Any) -> Diagram:
    """Introspect ``model`` (a built Keras model, or a ModelSpec) and return its Diagram.

    Options are those of :class:`rnndiagram.options.DiagramOptions`, e.g.
    ``diagram(model, max_timesteps=5, tokens=["I", "am", "groot"], theme="auto")``.
    ``values=True`` runs the model once on ``sample`` (or seeded random input) and
    prints the real numbers in the strips; it needs the live model, not a spec.
    """
    opts = DiagramOptions.from_kwargs(**options)
    spec = model if isinstance(model, ModelSpec) else inspect(model)
    values = None
    if opts.values:
        opts, values = _run(model, spec, opts)
    return Diagram(spec, opts, values)


def _run(model: Any, spec: ModelSpec, opts: DiagramOptions) -> Tuple[DiagramOptions, Values]:
    from .read.values import compute_values, sample_input

    if isinstance(model, ModelSpec):
        raise OptionError("values=True runs the model, so pass the Keras model itself, not its spec")
    arrays = sample_input(model, spec, opts.sample, opts.seed, opts.timesteps)
    lengths = {a.shape[1] for a, ref in zip(arrays, spec.inputs) if len(ref.shape) > 1 and ref.shape[1] is None}
    if opts.timesteps is None and len(lengths) == 1:
        opts = opts.with_(timesteps=int(lengths.pop()))  # draw the length that was run
    return opts, compute_values(model, spec, arrays)
