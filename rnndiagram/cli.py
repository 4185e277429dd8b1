"""The command line: thin glue that resolves a source, calls the API and writes the result."""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import click

from . import __version__
from .errors import OptionError, RnnDiagramError, RnnDiagramWarning
from .labels import printable
from .options import CELL_VIEWS, MAX_SHOWN_TIMESTEPS, VIEWS, parse_tokens
from .render import ENGINES, FORMATS, SUFFIXES

EXIT_MODEL_ERROR = 1
EXIT_USAGE_ERROR = 2
Target = Tuple[str, Optional[Path], str]
"""(source, output path or None for standard output, format) of one drawing."""


class _Group(click.Group):
    """Turns rnndiagram's errors into a one-line message and exit code 1, or 2 for an
    :class:`OptionError`, a usage error: an option's value, or a combination, that cannot be
    drawn (``--debug``: the traceback); and its warnings into one ``Warning:`` line each on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("default", RnnDiagramWarning)
            warnings.showwarning = _show_warning
            try:
                return super().invoke(ctx)
            except RnnDiagramError as exc:
                if ctx.obj and ctx.obj.get("debug"):
                    raise
                if isinstance(exc, OptionError):
                    raise click.UsageError(printable(str(exc))) from exc
                raise click.ClickException(printable(str(exc))) from exc


_python_showwarning = warnings.showwarning


def _show_warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
                  line: Optional[str] = None) -> None:
    if issubclass(category, RnnDiagramWarning):
        click.echo(f"Warning: {printable(str(message))}", err=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rnndiagram")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Draw Keras recurrent layers unrolled in time.

    A SOURCE is example:NAME, a saved model (.keras, .h5, a SavedModel folder), a spec
    .json written by rnndiagram or a Keras config .json (model.to_json()),
    package.module:attr or path/to/file.py:attr (a model, or a function returning one).
    Saved models and Keras configs, Keras 2 ones too, are read without Keras; --allow-load
    lets Keras load one whose layers the reader has no rule for (custom layers), or a
    subclassed model (whose file holds no layer graph).

    \b
    Examples:
      rnndiagram export example:seed_stacked -o stacked.svg
      rnndiagram export model.keras --tokens "I am groot" --values -o model.png
      rnndiagram export model.keras --view both -o model.svg
      rnndiagram export model.keras --cell gates -o gates.svg
      rnndiagram inspect train.py:build_model
      rnndiagram examples
    """
    ctx.ensure_object(dict)["debug"] = debug


_ALLOW_LOAD = click.option(
    "--allow-load", is_flag=True,
    help="Load a saved file with Keras (safe_mode) when it has layers the file reader has no "
         "rule for, e.g. custom layers, or is a subclassed model; by default that is an error.")


def _diagram_options(f):
    options = [
        click.option("--max-timesteps", type=click.IntRange(min=2, max=MAX_SHOWN_TIMESTEPS), default=4,
                     show_default=True,
                     help="Timesteps shown per time axis, the ellipsis column included."),
        click.option("--timesteps", type=click.IntRange(min=1),
                     help="Draw an unknown length (None) as this many steps."),
        click.option("--theme", type=click.Choice(["light", "dark", "auto"]), default="light", show_default=True,
                     help="Colours; auto follows the reader's dark-mode setting."),
        click.option("--tokens", help='Labels under the input steps: "I am groot" or "I,am,groot".'),
        click.option("--values", is_flag=True, help="Run the model once and print real numbers in the strips."),
        click.option("--heatmap", is_flag=True,
                     help="Under each recurrent layer's cells, a heatmap of its states over every timestep "
                          "(in the gate view, of its gates); implies --values."),
        click.option("--sample", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="A .npy array (batch first; written by numpy.save) to run with --values "
                          "instead of random input."),
        click.option("--seed", type=int, default=0, show_default=True,
                     help="Seed of the random input for --values, and of the weights of a model "
                          "the source builds (example:NAME, a function)."),
        click.option("--show-unreturned", is_flag=True,
                     help="Draw the outputs a return_sequences=False layer does not return, faint."),
        click.option("--expand-nested/--no-expand-nested", default=None,
                     help="Draw the layers of every nested model (--expand-nested) or one box for "
                          "each (--no-expand-nested); by default, those holding a recurrent layer are drawn."),
        click.option("--fold-loops/--no-fold-loops", default=True, show_default=True,
                     help="Draw a recurrent layer or cell called once per step of a Python loop as "
                          "one row of cells over the steps; --no-fold-loops draws each call."),
        click.option("--fold-repeats/--no-fold-repeats", default=True, show_default=True,
                     help="Draw a run of consecutive identical blocks of layers (a deep stack) once, "
                          "framed, with its count and the names of its first and last copies; "
                          "--no-fold-repeats draws every block."),
        click.option("--view", type=click.Choice(VIEWS), default="unrolled", show_default=True,
                     help="unrolled: one cell per shown timestep; rolled: one cell per recurrent layer, its "
                          "loop carrying the state (one row per layer); both: rolled = unrolled, side by side."),
        click.option("--cell", type=click.Choice(CELL_VIEWS), default="box", show_default=True,
                     help="gates: draw one step inside each recurrent layer's cell instead: its gates with the "
                          "activations of its config, every weight with its shape as Keras stores it, and "
                          "its parameter count."),
        click.option("--step", multiple=True, callback=_parse_step, metavar="K|NAME=K",
                     help="The timestep the gate view (--cell gates) draws; with --values, the step whose real "
                          "gate activations it prints (default: the last). K for every layer (a layer it is "
                          "past the end of draws its last step); NAME=K for one layer (repeat, or "
                          "encoder=7,decoder=3)."),
        _ALLOW_LOAD,
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _parse_step(ctx: click.Context, param: click.Parameter,
                given: Tuple[str, ...]) -> Union[None, int, Dict[str, int]]:
    """``--step K`` (every layer) or ``--step NAME=K`` (repeated, or comma-separated)."""
    every: List[int] = []
    named: Dict[str, int] = {}
    for item in (part.strip() for text in given for part in text.split(",")):
        name, _, number = item.rpartition("=")
        try:
            k = int(number)
        except ValueError:
            k = 0
        if k < 1 or (item.count("=") and not name.strip()):
            raise click.BadParameter(f"{item!r} is not a timestep from 1 on (K) or a layer's (NAME=K)")
        if name:
            named[name.strip()] = k
        else:
            every.append(k)
    if every and (named or len(every) > 1):
        raise click.BadParameter("give one step for every layer (--step K) or one per layer "
                                 "(--step NAME=K), not both")
    return every[0] if every else named or None


def _options(kw: Dict[str, Any]) -> Dict[str, Any]:
    kw.pop("allow_load")
    tokens = kw.pop("tokens")
    sample = kw.pop("sample")
    if tokens:
        kw["tokens"] = parse_tokens(tokens)
    if sample is not None:
        if not kw.get("values") and not kw.get("heatmap"):
            warnings.warn("--sample is the input of --values, which was not given; it is not used",
                          RnnDiagramWarning, stacklevel=2)
        kw["sample"] = _load_sample(sample)
    return kw


def _load_sample(path: Path) -> Any:
    """The array in a ``.npy`` file, never unpickled; mapped, not read, so a big file costs
    nothing until values mode takes its first batch item."""
    import numpy as np

    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        reason = str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__
        raise OptionError(f"--sample {path} is not a .npy array of numbers written by numpy.save "
                          f"({reason})") from None
    if not isinstance(array, np.ndarray):  # an .npz archive holds several arrays
        raise OptionError(f"--sample {path} holds several arrays; save the one input with numpy.save")
    return array


@main.command("export")
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--output", required=True,
              help="Output file, - for standard output, or a folder (a name ending in /, or always "
                   "when there are several sources).")
@click.option("-f", "--format", "fmt", type=click.Choice(list(FORMATS)),
              help="Output format; by default taken from the output file's suffix (svg for a folder).")
@click.option("--engine", type=click.Choice(ENGINES), default="rnndiagram", show_default=True,
              help="Who lays the drawing out: our own layout, or Graphviz's dot from the DOT source.")
@click.option("--scale", type=click.FloatRange(min=0.1, max=20),
              help="PNG size as a multiple of the SVG's (default 1).")
@click.option("--dpi", type=click.IntRange(min=10, max=2400),
              help="Resolution of the drawing inside a PDF (default 300), or of Graphviz's PNG.")
@_diagram_options
def export_command(sources: Tuple[str, ...], output: str, fmt: Optional[str], engine: str,
                   scale: Optional[float], dpi: Optional[int], **kw: Any) -> None:
    """Draw each SOURCE and write it to OUTPUT.

    \b
    Examples:
      rnndiagram export example:seed_stacked -o stacked.svg
      rnndiagram export example:char_seq2seq -o - --format dot | dot -Tpng > s.png
      rnndiagram export a.keras b.keras example:lstm_classifier -o diagrams/ --format png
      rnndiagram export model.keras --engine graphviz -o model.pdf
      rnndiagram export example:stacked_bidirectional_lstm --view rolled -o rolled.svg
      rnndiagram export example:seed_stacked --view both -o textbook.svg
      rnndiagram export example:lstm_classifier --cell gates -o lstm-gates.svg
      rnndiagram export example:seed_simple_rnn --cell gates --values --step 2 -o step2.svg
    """
    allow_load = kw["allow_load"]
    options = _options(kw)
    _check_options(options)  # before any source is read or folder made
    folder, targets = _targets(sources, output, fmt)
    if _runs_model(options) and all(f == "json" for _, _, f in targets):
        warnings.warn("values (--values) are not part of the JSON output, the model's spec; the model is "
                      "not run for it", RnnDiagramWarning, stacklevel=1)
    failures: List[Tuple[str, str, bool]] = []
    with _progress(targets) as bar:
        for source, path, target_fmt in bar:
            try:
                data = _render(source, target_fmt, engine, scale, dpi, options, allow_load)
                _write(path, data, follow_link=folder is None)
            except RnnDiagramError as exc:
                if len(targets) == 1:
                    raise
                failures.append((source, printable(str(exc)), isinstance(exc, OptionError)))
    for source, message, _ in failures:
        # Most messages already name their source (a file, example:NAME); the others get it.
        click.echo(f"Error: {message if source in message else f'{source}: {message}'}", err=True)
    if folder is not None:
        done = len(targets) - len(failures)
        click.echo(f"wrote {done}{f' of {len(targets)}' if failures else ''} file{'s' * (len(targets) != 1)} "
                   f"to {folder}")
    if failures:
        # A usage error when every failing source failed on an option; a model error otherwise.
        usage = all(option for _, _, option in failures)
        raise click.exceptions.Exit(EXIT_USAGE_ERROR if usage else EXIT_MODEL_ERROR)


def _progress(targets: List[Target]) -> Any:
    """A progress bar on a terminal's stderr for several targets; for one target, or
    stderr not a terminal, the targets as they are (click's bar costs an import then)."""
    if len(targets) > 1 and sys.stderr.isatty():
        return click.progressbar(targets, label="Drawing", file=sys.stderr)
    return contextlib.nullcontext(targets)


def _check_options(options: Dict[str, Any]) -> None:
    """Options that contradict each other are a usage error before any source is read."""
    from .options import DiagramOptions

    DiagramOptions.from_kwargs(**options)


def _targets(sources: Tuple[str, ...], output: str, fmt: Optional[str]) -> Tuple[Optional[Path], List[Target]]:
    """The output folder (None for one file or stdout) and the targets; usage errors exit with 2."""
    out = Path(output)
    if len(sources) > 1 or output.endswith(("/", os.sep)) or (output != "-" and out.is_dir()):
        targets = _folder_targets(sources, output, fmt)
        _refuse_to_overwrite_sources(targets)
        from ._io import make_folder

        return make_folder(out), targets
    if output == "-":
        if not fmt:
            raise click.UsageError("writing to standard output needs --format")
        return None, [(sources[0], None, fmt)]
    by_suffix = SUFFIXES.get(out.suffix.lower())
    if fmt and by_suffix and fmt != by_suffix:
        raise click.UsageError(f"--format {fmt} clashes with the suffix of {output} ({by_suffix})")
    if not fmt and not by_suffix:
        raise click.UsageError(f"cannot tell the format of {output}: use a suffix among "
                               f"{', '.join(sorted(SUFFIXES))} or pass --format")
    targets = [(sources[0], out, str(fmt or by_suffix))]
    _refuse_to_overwrite_sources(targets)
    return None, targets


def _folder_targets(sources: Tuple[str, ...], output: str, fmt: Optional[str]) -> List[Target]:
    """One file per source in the folder ``output``, named after the source."""
    if output == "-":
        raise click.UsageError("several sources need a folder for -o, not -")
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise click.UsageError(f"several sources need a folder for -o; {output} is a file")
    chosen = fmt or "svg"
    names: Dict[str, int] = {}
    targets: List[Target] = []
    for source in sources:
        stem = _stem(source)
        names[stem] = names.get(stem, 0) + 1
        unique = stem if names[stem] == 1 else f"{stem}-{names[stem]}"
        targets.append((source, out / f"{unique}.{chosen}", chosen))
    return targets


def _refuse_to_overwrite_sources(targets: List[Target]) -> None:
    """A drawing written over the file it is drawn from would destroy the user's model."""
    for source, path, _ in targets:
        own = _source_file(source)
        if path is not None and own is not None and _same_file(own, path):
            raise click.UsageError(f"the output {path} is the source {source} itself; "
                                   f"write the drawing to another file")


def _source_file(source: str) -> Optional[Path]:
    if source.startswith("example:"):
        return None
    path = Path(source.rsplit(":", 1)[0] if ".py:" in source else source)
    return path if path.suffix.lower() in (".keras", ".h5", ".json", ".py") else None


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links
    except OSError:
        return False


def _stem(source: str) -> str:
    tail = source.split(":")[-1] if ":" in source else Path(source).stem
    return Path(tail).stem.rsplit(".", 1)[-1] or "model"


def _render(source_text: str, fmt: str, engine: str, scale: Optional[float], dpi: Optional[int],
            options: Dict[str, Any], allow_load: bool) -> bytes:
    from .api import diagram
    from .sources import resolve

    if fmt == "json":
        options = {**options, "values": False, "heatmap": False, "sample": None}  # the spec holds no values
    # Values mode runs the model, so a saved file is then loaded with Keras.
    values = _runs_model(options)
    source = resolve(source_text, allow_load=allow_load, live=values,
                     seed=options.get("seed", 0) if values else None)
    return diagram(source.model, **options).render(fmt, engine, scale, dpi)


def _runs_model(options: Dict[str, Any]) -> bool:
    """Whether values mode runs the model: ``values`` asked for a view that prints them."""
    from .views import choose

    asked = bool(options.get("values") or options.get("heatmap"))  # a heatmap implies values
    return asked and "values" in choose(options.get("view"), options.get("cell")).DRAWS


def _write(path: Optional[Path], data: bytes, follow_link: bool) -> None:
    from ._io import write_atomic

    if path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_atomic(path, data, follow_link=follow_link)


@main.command("inspect")
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print the model spec as JSON instead of a table.")
@_ALLOW_LOAD
def inspect_command(source: str, as_json: bool, allow_load: bool) -> None:
    """Show the recurrent layers of SOURCE: timesteps, units, states, flags, shapes.

    \b
    Examples:
      rnndiagram inspect example:stacked_bidirectional_lstm
      rnndiagram inspect model.keras --json > model.spec.json
      rnndiagram inspect custom.keras --allow-load
    """
    from .read import inspect
    from .sources import resolve
    from .spec import ModelSpec

    model = resolve(source, allow_load=allow_load).model
    spec = model if isinstance(model, ModelSpec) else inspect(model)
    if as_json:
        click.echo(spec.to_json())
        return
    from .table import recurrent_table

    click.echo(recurrent_table(spec))


@main.command("examples")
@click.option("--json", "as_json", is_flag=True, help="Print each example's model spec as JSON.")
def examples_command(as_json: bool) -> None:
    """List the built-in example models, one line each (use them as example:NAME).

    \b
    Examples:
      rnndiagram examples
      rnndiagram examples --json > specs.json
    """
    from . import examples

    if not as_json:
        for name in examples.names():
            click.echo(f"{name:28} {examples.get(name).title}")
        return
    import json

    from .read import inspect

    specs = {name: inspect(examples.build(name)).to_dict() for name in examples.names()}
    click.echo(json.dumps(specs, indent=2))


@main.command("gallery")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), default=Path("gallery"))
def gallery_command(folder: Path) -> None:
    """Draw every built-in example into FOLDER (default: gallery), with a README.

    \b
    Example:
      rnndiagram gallery docs/gallery
    """
    from .gallery import write_gallery

    files = write_gallery(folder, progress=lambda name: click.echo(f"drawing {name}", err=True))
    click.echo(f"wrote {len(files)} files to {folder}")
