"""Where the Jinja2 templates are (the copy inside an installed wheel, else the source
tree's) and where their compiled form is cached."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

_PACKAGE_DIR = Path(__file__).resolve().parent.parent

#: Set to a folder to keep compiled templates there, or to an empty string to keep none.
CACHE_ENV = "RNNDIAGRAM_CACHE_DIR"


def template_dirs() -> tuple[Path, ...]:
    """Folders holding the packaged templates, most specific first.

    A wheel carries ``templates/`` inside the package; an editable install runs from the
    source tree, where ``templates/`` sits beside the package.
    """
    candidates = (_PACKAGE_DIR / "templates", _PACKAGE_DIR.parent / "templates")
    return tuple(p for p in candidates if p.is_dir())


def _user_cache_root() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def template_cache_dir() -> Optional[Path]:
    """The folder for compiled templates, created if needed; ``None`` if there is none.

    Compiling the templates costs more than drawing a diagram, so every process after the
    first loads them compiled from here. Jinja names each file by template and checks the
    template's source and the Python version on load, so an upgrade never reads a stale
    entry. ``$RNNDIAGRAM_CACHE_DIR`` moves the folder; set it empty to turn the cache off.
    A folder that cannot be created also means no cache, never an error.
    """
    chosen = os.environ.get(CACHE_ENV)
    if chosen == "":
        return None
    folder = Path(chosen) if chosen else _user_cache_root() / "rnndiagram" / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK | os.X_OK) else None
