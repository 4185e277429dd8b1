"""Sphinx configuration of rnndiagram's own documentation (built by the test suite too)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

import rnndiagram  # noqa: E402

project = "rnndiagram"
author = "the rnndiagram authors"
copyright = "the rnndiagram authors"
version = release = rnndiagram.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx_click",
    "rnndiagram.sphinxext",
    "rnndiagram_docs",
]

exclude_patterns = ["_build"]
html_theme = "alabaster"
html_title = f"rnndiagram {release}"
numfig = True
rst_epilog = f".. |schema| replace:: {rnndiagram.SCHEMA_VERSION}\n"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_use_ivar = True

# The diagrams' defaults for every page (each directive can override them).
rnndiagram_theme = "light"
rnndiagram_max_timesteps = 4
