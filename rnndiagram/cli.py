"""The command line: ``rnndiagram examples`` and ``rnndiagram gallery``."""

from __future__ import annotations

from pathlib import Path

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rnndiagram")
def main() -> None:
    """Draw Keras recurrent layers unrolled in time.

    \b
    Examples:
      rnndiagram examples              list the built-in example models
      rnndiagram examples --json       print the spec JSON of every example
      rnndiagram gallery               redraw gallery/ from the examples
    """


@main.command("examples")
@click.option("--json", "as_json", is_flag=True, help="Print each example's model spec as JSON.")
def examples_command(as_json: bool) -> None:
    """List the built-in example models, one line each.

    \b
    Example:
      rnndiagram examples --json > specs.json
    """
    from . import examples
    from .introspect import inspect

    if not as_json:
        for name in examples.names():
            click.echo(f"{name:28} {examples.get(name).title}")
        return
    import json

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
