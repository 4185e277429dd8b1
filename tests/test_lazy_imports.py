"""A plain SVG export of a ``.keras`` file imports only what it needs: the other views, values,
raster, DOT, the Keras 2 (live or saved), ``.h5`` and SavedModel readers, the muting of
TensorFlow's output, the plugins and the modules only some outputs use are imported when
used, so the command costs little more than importing click and jinja2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_saved_hostile import keras_file

LAZY = (
    "tensorflow", "keras", "h5py", "graphviz", "numpy", "socket", "click._termui_impl",
    "rnndiagram.views.rolled", "rnndiagram.views.both", "rnndiagram.views.gates",
    "rnndiagram.read.values", "rnndiagram.read.gate_values", "rnndiagram.read.live",
    "rnndiagram.render.raster", "rnndiagram.render.dot", "rnndiagram.read.saved.keras2",
    "rnndiagram.read.saved.hdf5", "rnndiagram.read.saved.savedmodel", "rnndiagram.read.rules.ops",
    "rnndiagram.sphinxext", "rnndiagram.mkdocs_plugin", "rnndiagram.docs_common", "rnndiagram.examples",
    "rnndiagram.gallery", "rnndiagram.table", "rnndiagram.read.legacy", "rnndiagram.read.quiet",
)

EXPORT = """
import sys
from rnndiagram.cli import main
try:
    main(["export", sys.argv[1], "-o", sys.argv[2]])
except SystemExit as exit:
    assert not exit.code, exit.code
print([name for name in {lazy!r} if name in sys.modules])
"""

# Which dataclasses the loaded modules of the package made with dataclasses' own decorator
# (its methods compiled from text, ``<string>``) rather than with ``@frozen`` or ``@record``.
COMPILED = """
import dataclasses
print(sorted(f"{name}.{key}" for name, module in list(sys.modules.items()) if name.startswith("rnndiagram")
             for key, value in vars(module).items()
             if isinstance(value, type) and value.__module__ == name and dataclasses.is_dataclass(value)
             and value.__eq__.__code__.co_filename == "<string>"))
"""


@pytest.mark.slow
def test_a_plain_svg_export_imports_none_of_the_lazily_loaded_modules(tmp_path: Path) -> None:
    source, out = keras_file(tmp_path / "m.keras"), tmp_path / "m.svg"
    proc = subprocess.run([sys.executable, "-c", EXPORT.format(lazy=LAZY), str(source), str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().startswith("<svg")
    assert proc.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_a_plain_svg_export_builds_its_dataclasses_as_records(tmp_path: Path) -> None:
    """Every dataclass a plain export loads is made by ``@frozen`` or ``@record``: a class made
    by ``@dataclass`` compiles its methods at import, which cost a third of the command."""
    source, out = keras_file(tmp_path / "m.keras"), tmp_path / "m.svg"
    proc = subprocess.run([sys.executable, "-c", EXPORT.format(lazy=()) + COMPILED, str(source), str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
