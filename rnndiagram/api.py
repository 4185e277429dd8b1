"""The Python API: ``diagram(model, **options)`` and the ``Diagram`` it returns."""

from __future__ import annotations

import gc
import re
import warnings
from functools import cached_property, wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Tuple, TypeVar, Union, cast

from ._io import write_atomic
from .errors import OptionError, RnnDiagramError, RnnDiagramWarning, UnknownFormatError, UnsupportedLayerError
from .read import inspect
from .options import DiagramOptions
from .render import ENGINES, FORMATS, SUFFIXES, format_of
from .spec import ModelSpec
from .views import View, view_of

if TYPE_CHECKING:
    from .layout.scene import Scene
    from .spec import Values
    from .unroll.graph import UnrolledGraph


Stage = TypeVar("Stage", bound=Callable[..., Any])


def collection_paused(stage: Stage) -> Stage:
    """``stage`` run with Python's cyclic garbage collector paused (as it was, after).

    A drawing stage makes tens of thousands of small objects and no reference cycles to
    collect; each collection the allocations trigger scans every object of the process
    (all of Keras and TensorFlow's once they are loaded), which took half the time of a
    500-layer drawing. Its objects are freed by reference counting as usual.
    """
    @wraps(stage)
    def paused(*args: Any, **kwargs: Any) -> Any:
        if not gc.isenabled():
            return stage(*args, **kwargs)
        gc.disable()
        try:
            return stage(*args, **kwargs)
        finally:
            gc.enable()
    return cast(Stage, paused)


class Diagram:
    """A model's diagram: unrolled in time (the default), rolled, both side by side, or the
    gates inside each cell (``options.view``, ``options.cell``). What it draws, the scene and
    the SVG are computed once, on first use; DOT, PNG, PDF and JSON are made again on each call.

    Build one with :func:`diagram`. In Jupyter it displays itself as its interactive page
    (:meth:`to_html`), and as SVG where a front-end shows no HTML.
    """

    def __init__(self, spec: ModelSpec, options: DiagramOptions, values: Optional[Values] = None,
                 model: Any = None):
        self.spec = spec
        self.options = options
        self._values = values
        self._model = model  # kept in values mode only: the page runs it for its other views and steps

    @cached_property
    def view(self) -> View:
        """The view drawn (:mod:`rnndiagram.views`), as the options choose it."""
        return view_of(self.options)

    @cached_property
    @collection_paused
    def graph(self) -> UnrolledGraph:
        """The model unrolled in time: what the unrolled view draws, whichever view is chosen."""
        from .views import unrolled

        return self.figure if self.view is unrolled else unrolled.build(self.spec, self.options, self._values)

    @cached_property
    @collection_paused
    def figure(self) -> Any:
        """What the diagram draws, before it is laid out: the unrolled graph, or the
        :class:`~rnndiagram.views.gates.parts.GateFigure` (``cell="gates"``), the
        :class:`~rnndiagram.views.rolled.figure.RolledGraph` (``view="rolled"``), or both of
        those graphs (``view="both"``)."""
        return self.view.build(self.spec, self.options, self._values)

    @cached_property
    @collection_paused
    def scene(self) -> Scene:
        return self.view.lay_out(self.figure, self.options)

    def to_svg(self) -> str:
        """The diagram as a self-contained SVG document.

        Its ids and its stylesheet are scoped to the diagram (by a hash of what it draws),
        so several diagrams can share one HTML page.
        """
        return self._svg

    @cached_property
    @collection_paused
    def _svg(self) -> str:
        from .render.svg import render_svg

        return render_svg(self.scene)

    def variant(self, options: DiagramOptions) -> "Diagram":
        """The same model drawn with ``options``. In values mode its numbers are this
        diagram's where the view and step are the same, else the model's run again (the
        model is kept by :func:`diagram` for this); a view without values draws none."""
        if not self.options.values or "values" not in view_of(options).DRAWS:
            return Diagram(self.spec, options)
        if view_of(self.options).NAME == view_of(options).NAME and self.options.step == options.step:
            return Diagram(self.spec, options, self._values, self._model)
        if self._model is None:
            return Diagram(self.spec, options)
        options, values = _run(self._model, self.spec, options)
        return Diagram(self.spec, options, values, self._model)

    def to_html(self, fragment: bool = False) -> str:
        """The diagram as an interactive page, one self-contained file: the unrolled, rolled
        and gate views, with pan and zoom, tooltips, paths, search, fold toggles and (in
        values mode) a time slider; ``fragment`` leaves out ``<html>`` (for embedding)."""
        from .page import page

        return page(self, fragment)

    @collection_paused
    def to_dot(self) -> str:
        """The diagram as Graphviz DOT source (Graphviz lays it out)."""
        return self.view.to_dot(self.figure)

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

    def render(self, format: str, engine: str = "rnndiagram", scale: Optional[float] = None,
               dpi: Optional[int] = None) -> bytes:
        """The diagram in ``format`` (a name of ``rnndiagram.render.FORMATS``), as bytes.

        ``engine="graphviz"`` has Graphviz's ``dot`` lay out the DOT source for svg, png and
        pdf; ``scale`` sizes our PNG (default 1), ``dpi`` our PDF's drawing (default 300) or
        Graphviz's PNG. A ``scale`` or ``dpi`` that the format does not use is a
        :class:`~rnndiagram.errors.RnnDiagramWarning`.
        """
        if format not in FORMATS:
            raise UnknownFormatError(f"unknown format {format!r}; the formats are {', '.join(FORMATS)}")
        if engine not in ENGINES:
            raise OptionError(f"unknown engine {engine!r}; the engines are {', '.join(ENGINES)}")
        for message in unused_settings(format, engine, scale, dpi):
            warnings.warn(message, RnnDiagramWarning, stacklevel=2)
        if format == "json":
            if "step" in self.view.DRAWS:
                _ = self.figure  # refuses a step past a layer's timesteps, as the drawings do
            return self.to_json().encode()
        if format == "dot":
            return self.to_dot().encode()
        if format == "html":
            return self.to_html().encode()
        if engine == "graphviz":
            from .render.raster import graphviz_render

            return graphviz_render(self.to_dot(), format, dpi)  # type: ignore[arg-type]
        if format == "svg":
            return self.to_svg().encode()
        return self.to_png(scale or 1.0) if format == "png" else self.to_pdf(dpi or 300)

    def save(self, path: Union[str, Path], format: Optional[str] = None) -> Path:
        """Write the diagram to ``path`` atomically; the format comes from the suffix
        (``.svg``, ``.dot``/``.gv``, ``.json``, ``.png``, ``.pdf``, ``.html``) unless ``format`` is given."""
        path = Path(path)
        fmt = format or format_of(path)
        if fmt not in FORMATS:
            raise UnknownFormatError(
                f"cannot tell which format to write for {str(path)!r}: use a suffix among "
                f"{', '.join(sorted(SUFFIXES))} or pass format= one of {', '.join(FORMATS)}")
        # The user named this path: a symbolic link there is written through, not replaced.
        return write_atomic(path, self.render(fmt), follow_link=True)

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def _repr_html_(self) -> str:
        return self.to_html(fragment=True)

    def __repr__(self) -> str:
        return f"<Diagram of {self.spec.name!r}: {len(self.spec.recurrent_layers)} recurrent layer(s)>"


def unused_settings(format: str, engine: str, scale: Optional[float], dpi: Optional[int]) -> Tuple[str, ...]:
    """What is said of a ``scale`` or ``dpi`` given for a format that does not use it.

    >>> unused_settings("png", "rnndiagram", 2.0, None)
    ()
    >>> [m.split()[0] for m in unused_settings("svg", "graphviz", 2.0, 300)]
    ['scale', 'dpi']
    """
    ours = engine == "rnndiagram"
    unused = []
    if scale is not None and not (format == "png" and ours):
        unused.append(f"scale (--scale) sizes rnndiagram's PNG; it is not used for {_output(format, engine)}")
    if dpi is not None and not ((format == "pdf" and ours) or (format == "png" and not ours)):
        unused.append(f"dpi (--dpi) sets the resolution of a PDF's drawing or of Graphviz's PNG; it is not "
                      f"used for {_output(format, engine)}")
    return tuple(unused)


def unused_options(opts: DiagramOptions) -> Tuple[str, ...]:
    """What is said of options the chosen view does not draw.

    >>> unused_options(DiagramOptions(step=2))[0].split(";")[0]
    'step (--step) is the timestep the gate view draws (cell="gates")'
    >>> unused_options(DiagramOptions(cell="gates", step=2))
    ()
    """
    view = view_of(opts)
    said = []
    if opts.step is not None and "step" not in view.DRAWS:
        said.append('step (--step) is the timestep the gate view draws (cell="gates"); it is not used for '
                    f"the {view.TITLE}")
    if opts.heatmap and "values" not in view.DRAWS:
        said.append("heatmap (--heatmap) draws states under the cells of the unrolled and gate views; the "
                    f"{view.TITLE} draws none, so the model is not run")
    elif opts.values and "values" not in view.DRAWS:
        said.append("values (--values) print numbers in the unrolled and gate views; the "
                    f"{view.TITLE} draws none, so the model is not run")
    if opts.tokens and "tokens" not in view.DRAWS:
        said.append(f"tokens (--tokens) label the unrolled view's input steps; the {view.TITLE} does not draw them")
    return tuple(said)


def _output(format: str, engine: str) -> str:
    return f"{format} laid out by Graphviz" if engine == "graphviz" and format in ("svg", "png", "pdf") else format


def diagram(model: Any, **options: Any) -> Diagram:
    """Introspect ``model`` (a built Keras model, or a ModelSpec) and return its Diagram.

    Options are those of :class:`rnndiagram.options.DiagramOptions`, e.g.
    ``diagram(model, max_timesteps=5, tokens=["I", "am", "groot"], theme="auto")``,
    ``diagram(model, view="both")`` or ``diagram(model, cell="gates", values=True, step=3)``.
    ``values=True`` runs the model once on ``sample`` (or seeded random input) and
    prints the real numbers in the strips (in the gate view, the gate activations and
    states of ``step``); it needs the live model, not a spec.
    """
    opts = DiagramOptions.from_kwargs(**options)
    for message in unused_options(opts):
        warnings.warn(message, RnnDiagramWarning, stacklevel=2)
    spec = model if isinstance(model, ModelSpec) else inspect(model)
    values = None
    if opts.values and "values" in view_of(opts).DRAWS:
        opts, values = _run(model, spec, opts)
        return Diagram(spec, opts, values, model)
    return Diagram(spec, opts, values)


def _run(model: Any, spec: ModelSpec, opts: DiagramOptions) -> Tuple[DiagramOptions, Values]:
    from .read.values import sample_input

    if isinstance(model, ModelSpec):
        raise OptionError("values=True runs the model, so pass the Keras model itself, not its spec")
    arrays = sample_input(model, spec, opts.sample, opts.seed, opts.timesteps)
    lengths = {a.shape[1] for a, ref in zip(arrays, spec.inputs) if len(ref.shape) > 1 and ref.shape[1] is None}
    if opts.timesteps is None and len(lengths) == 1:
        opts = opts.with_(timesteps=int(lengths.pop()))  # draw the length that was run
    try:
        return opts, view_of(opts).run(model, spec, arrays, opts)
    except RnnDiagramError:
        raise
    except Exception as exc:  # Keras raises anything a model's own code can; one line, not its traceback
        raise UnsupportedLayerError(f"values mode could not run {spec.name}: {type(exc).__name__}: "
                                    f"{_keras_reason(exc)}; draw it without values (--values)") from exc


def _keras_reason(exc: BaseException) -> str:
    """What a Keras error says went wrong, on one line: without the terminal escapes it is
    coloured with, the call it names first and the arguments it lists after.

    >>> _keras_reason(ValueError("Exception encountered when calling LSTM.call().\\n\\n"
    ...     "\\x1b[1mbatch size: 8\\x1b[0m\\n\\nArguments received by LSTM.call(): x"))
    'batch size: 8'
    """
    from .read.loading import keras_reason

    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", str(exc)).split("Arguments received by")[0]
    text = re.sub(r"^\s*Exception encountered when calling [^\n]*\n", "", text)
    return keras_reason(ValueError(text)) if text.strip() else type(exc).__name__
