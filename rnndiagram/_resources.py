"""Where the Jinja2 templates are: the copy inside an installed wheel, else the source tree's."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def template_dirs() -> tuple[Path, ...]:
    """Folders holding the packaged templates, most specific first.

    A wheel carries ``templates/`` inside the package; an editable install runs from the
    source tree, where ``templates/`` sits beside the package.
    """
    candidates = (_PACKAGE_DIR / "templates", _PACKAGE_DIR.parent / "templates")
    return tuple(p for p in candidates if p.is_dir())
