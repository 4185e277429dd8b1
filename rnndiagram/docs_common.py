"""Shared core of the documentation plugins: diagrams drawn once per content hash, and
SVG made fit to sit inline in an HTML page beside other diagrams.

The Sphinx extension and the MkDocs plugin are thin glue over this module. A drawing is
stored under ``<cache folder>/<key>.svg`` where the key hashes the model spec JSON, the
diagram options, the package version and the templates; PNG and PDF copies are converted
from that SVG and stored beside it. Every drawing or conversion appends one line to
``renders.log`` in the folder, so a rebuild that draws nothing again can be seen. After a
build, :meth:`DiagramCache.prune` removes the drawings no page uses any more.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import re
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple

from . import __version__, labels
from ._io import make_folder, write_atomic
from .render.templates import template_dirs
from .errors import RnnDiagramWarning
from .options import DiagramOptions, parse_tokens
from .sources import SAVED_SUFFIXES
from .views import choose

RENDER_LOG = "renders.log"
_CACHED = re.compile(r"^(?P<key>[0-9a-f]{20})\.(svg|pdf|page\.html|warnings\.txt|x[0-9.]+\.png)$")  # draw()'s files
OPTION_NAMES = ("max_timesteps", "timesteps", "tokens", "theme", "show_unreturned", "expand_nested",
                "fold_loops", "values", "seed", "view", "cell", "step", "heatmap", "fold_repeats")
ALIGNS = ("left", "center", "right")
WIDTHS = ("auto", "fit", "natural")
"""How a drawing meets the page: shrunk to it down to :data:`MIN_SCALE` then scrolled, always
shrunk to it, or at its own size and scrolled."""
MIN_SCALE = 0.8  # the drawing's smallest text, 9 px, stays above 7 px
WIDE = 800  # px: a drawing wider than a page's text column gets a link to it alone
EXPAND_NESTED_DEFAULT = ("auto", "default")  # the words that ask for expand_nested=None

_PATH_SUFFIXES = SAVED_SUFFIXES + (".json",)
_FILE_ATTR = re.compile(r"^(?P<path>.+\.py)(?P<attr>:[A-Za-z_][\w.]*)$")
_MODULE_ATTR = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


@dataclass(frozen=True)
class Drawing:
    """A diagram in the cache: its key, the model's name, a one-sentence summary and warnings."""

    key: str
    name: str
    summary: str
    warnings: Tuple[str, ...] = ()
    """What rnndiagram warned of while drawing it, one line each (for the page's build log)."""


class DiagramCache:
    """Diagrams stored by content hash in ``folder``; ``on_render`` hears of each drawing."""

    def __init__(self, folder: Path, on_render: Optional[Callable[[str], None]] = None):
        self.folder = Path(folder)
        self.on_render = on_render

    def draw(self, source: str, options: Mapping[str, Any], interactive: bool = False) -> Drawing:
        """Resolve ``source``, and draw it unless a drawing with the same key is stored;
        ``interactive`` also stores its interactive page (:meth:`page`).

        Resolving still builds a Keras model (its spec is part of the key); only the
        drawing is skipped. In values mode a model built from code gets weights seeded by
        the ``seed`` option, so the same page draws the same numbers and hits the cache.
        What rnndiagram warns of while drawing (an option the view does not use, tokens
        past the last step) is not shown but kept in :attr:`Drawing.warnings`, stored
        with the drawing so that a rebuild from the cache reports it again.
        Raises :class:`rnndiagram.errors.RnnDiagramError` subclasses.
        """
        with _kept_warnings() as ours:
            key, d = self._draw(source, options)
        said = self.folder / f"{key}.warnings.txt"
        if not said.is_file() or not (self.folder / f"{key}.svg").is_file():
            with _kept_warnings() as more:
                svg = d.to_svg()
            ours += more
            make_folder(self.folder)
            write_atomic(said, "".join(f"{line}\n" for line in dict.fromkeys(ours)))  # before the SVG
            self._store(self.folder / f"{key}.svg", svg, f"svg {key} {source}")
        if interactive and not (self.folder / f"{key}.page.html").is_file():
            with _kept_warnings():  # said once, with the drawing
                page = d.to_html(fragment=True)
            self._store(self.folder / f"{key}.page.html", page, f"page {key} {source}")
        ours += said.read_text(encoding="utf-8").splitlines()
        return Drawing(key, d.spec.name, describe(d), tuple(dict.fromkeys(ours)))

    def _draw(self, source: str, options: Mapping[str, Any]) -> Tuple[str, Any]:
        from .api import diagram
        from .sources import resolve

        chosen = DiagramOptions.from_kwargs(**options)  # a bad option fails before any model is built
        seed = chosen.seed if chosen.values else None
        d = diagram(resolve(source, live=chosen.values, seed=seed).model, **options)
        return content_key(d), d

    def svg(self, key: str) -> str:
        return (self.folder / f"{key}.svg").read_text(encoding="utf-8")

    def page(self, key: str) -> str:
        """The drawing's interactive page, as a fragment of HTML (drawn with ``interactive``)."""
        return (self.folder / f"{key}.page.html").read_text(encoding="utf-8")

    def pdf(self, key: str) -> Path:
        """The drawing as PDF (converted once); needs the converter of ``render.raster``."""
        return self._converted(key, "pdf", lambda svg: _raster().svg_to_pdf(svg))

    def png(self, key: str, scale: float = 2.0) -> Path:
        return self._converted(key, f"x{scale:g}.png", lambda svg: _raster().svg_to_png(svg, scale))

    def prune(self, keep: Iterable[str]) -> List[str]:
        """Remove the drawings (and their PNG and PDF copies) whose key is not in ``keep``;
        return the names of the files removed. Other files in the folder are left alone."""
        kept = set(keep)
        removed: List[str] = []
        for path in sorted(self.folder.glob("*")) if self.folder.is_dir() else []:
            match = _CACHED.match(path.name)
            if match and match["key"] not in kept and path.is_file() and not path.is_symlink():
                path.unlink()
                removed.append(path.name)
        return removed

    def renders(self) -> List[str]:
        """Every drawing and conversion made in this folder, oldest first."""
        log = self.folder / RENDER_LOG
        return log.read_text(encoding="utf-8").splitlines() if log.is_file() else []

    def _converted(self, key: str, suffix: str, convert: Callable[[str], bytes]) -> Path:
        path = self.folder / f"{key}.{suffix}"
        if not path.is_file():
            self._store(path, convert(self.svg(key)), f"{suffix} {key}")
        return path

    def _store(self, path: Path, data: Any, line: str) -> None:
        make_folder(self.folder)
        write_atomic(path, data)
        # One short append per render: O_APPEND keeps lines whole across parallel builds.
        with open(self.folder / RENDER_LOG, "a", encoding="utf-8") as log:
            log.write(line + "\n")
        if self.on_render:
            self.on_render(line)


@contextmanager
def _kept_warnings() -> Iterator[List[str]]:
    """Collects the messages of rnndiagram's warnings raised in the block, instead of
    showing them; other warnings (Keras's) are shown as usual once the block is left."""
    ours: List[str] = []
    held: List[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RnnDiagramWarning)
            try:
                yield ours
            finally:
                held = list(caught)
    finally:
        for w in held:  # outside the recording: shown, not caught again
            if issubclass(w.category, RnnDiagramWarning):
                ours.append(" ".join(str(w.message).split()))
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


def _raster() -> Any:
    from .render import raster

    return raster


def content_key(d: Any) -> str:
    """Hash of what decides a drawing: spec JSON, options, package version and templates.

    In values mode the numbers come from the weights, which the spec does not hold, so
    what the diagram draws (which carries them) is hashed too.
    """
    options = {k: v for k, v in dataclasses.asdict(d.options).items() if k != "sample"}
    parts = {"spec": d.spec.to_dict(), "options": options, "version": __version__,
             "templates": _templates_digest()}
    if d.options.values:
        parts["graph"] = hashlib.sha256(repr(d.figure).encode()).hexdigest()
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _templates_digest() -> str:
    # An edited template (editable installs) changes the drawing without a new version.
    digest = hashlib.sha256()
    for folder in template_dirs()[:1]:
        for path in sorted([*folder.glob("*.j2"), *folder.glob("page.*")]):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def describe(d: Any) -> str:
    """The alt text of a drawing: one sentence for the view it draws."""
    return d.view.describe(d)


def localize(source: str, base: Path) -> Tuple[str, Optional[Path]]:
    """A path-like source made absolute against ``base``, and the file it depends on.

    >>> localize("m.keras", Path("/docs"))
    ('/docs/m.keras', PosixPath('/docs/m.keras'))
    >>> localize("lib/models.py:build", Path("/docs"))
    ('/docs/lib/models.py:build', PosixPath('/docs/lib/models.py'))
    >>> localize("example:seed_stacked", Path("/docs"))
    ('example:seed_stacked', None)
    """
    match = _FILE_ATTR.match(source)
    if match:
        path = base / match["path"]
        return f"{path}{match['attr']}", path
    if Path(source).suffix.lower() in _PATH_SUFFIXES:
        path = base / source
        return str(path), path
    if (base / source).is_dir():  # a SavedModel folder: its Keras metadata is what is read
        return str(base / source), base / source / "keras_metadata.pb"
    return source, None


def module_file(source: str) -> Optional[Path]:
    """The file of the module that a resolved ``package.module:attr`` source came from.

    >>> import json
    >>> module_file("json:dumps").name, module_file("example:seed_dense")
    ('__init__.py', None)
    """
    if source.startswith("example:") or not _MODULE_ATTR.match(source):
        return None
    path = getattr(sys.modules.get(source.split(":", 1)[0]), "__file__", None)
    return Path(path) if path else None


# -- inline SVG -----------------------------------------------------------------------

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>\s*")
_ROOT_ID = re.compile(r'<svg [^>]*?\bid="(rnd-[0-9a-f]+)"')
_TITLE = re.compile(r'(<title id="[^"]*-title">)(.*?)(</title>)', re.S)
_LABELLEDBY = re.compile(r'aria-labelledby="[^"]*"')
_ROOT_WIDTH = re.compile(r'<svg [^>]*?\bwidth="([0-9.]+)(?:px)?"')


def inline_svg(svg: str, uid: str, alt: str, width: str = "auto") -> str:
    """``svg`` wrapped in ``<div id=uid>`` so that it can share a page with others.

    The SVG scopes its ids and stylesheet under its root's id, a hash of the drawing; that
    id becomes ``uid-svg`` here, so the same drawing twice on a page still has ids of its
    own. Its accessible name is ``alt``. ``width`` (one of :data:`WIDTHS`) says how it meets
    the page: ``auto`` shrinks it to the page's width, but not below
    :data:`MIN_SCALE` of its own size, where its smallest text is still legible (a wider
    drawing scrolls sideways in its ``<div>``); ``fit`` shrinks it to the page's width
    whatever its size; ``natural`` keeps its own size and scrolls.
    """
    if width not in WIDTHS:
        raise ValueError(f"width must be one of {', '.join(WIDTHS)}, got {width!r}")
    svg = _XML_DECL.sub("", svg)
    own = _ROOT_ID.search(svg)
    if own:  # the hash is unique to the drawing, so it occurs only where it is an id
        svg = svg.replace(own[1], f"{uid}-svg")
    svg = _LABELLEDBY.sub(f'aria-labelledby="{uid}-svg-title" aria-describedby="{uid}-svg-desc"', svg, count=1)
    svg = _TITLE.sub(lambda m: m[1] + html.escape(labels.printable(alt), quote=False) + m[3], svg, count=1)
    natural = natural_width(svg)
    style = "max-width:100%;height:auto"
    if natural is not None and width != "fit":  # CSS: min-width wins over max-width
        style += f";min-width:{natural * (MIN_SCALE if width == 'auto' else 1):.0f}px"
    svg = svg.replace("<svg ", f'<svg style="{style}" ', 1)
    scroll = "" if width == "fit" else ' style="overflow-x:auto"'
    return f'<div class="rnndiagram" id="{uid}"{scroll}>\n{svg.strip()}\n</div>'


_PAGE_ID = re.compile(r'<div class="rnd-page[^"]*" id="(rnd-page-[0-9a-f]+)"')


def inline_page(page: str, uid: str) -> str:
    """An interactive page (a fragment from ``Diagram.to_html(fragment=True)``) in ``<div
    id=uid>``, its own id made ``uid-page`` so that the same page twice on one document
    is set up twice."""
    own = _PAGE_ID.search(page)
    if own:
        page = page.replace(own[1], f"{uid}-page")
    return f'<div class="rnndiagram rnndiagram-interactive" id="{uid}">\n{page.strip()}\n</div>'


def natural_width(svg: str) -> Optional[float]:
    """The width in pixels that the SVG's root asks for, if it says.

    >>> natural_width('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 900 40" width="899.6" height="40">')
    899.6
    """
    root = _ROOT_WIDTH.search(svg)
    return float(root[1]) if root else None


def full_size_link(href: str) -> str:
    """The link under a wide drawing to the drawing alone, at its own size."""
    return (f'<p class="rnndiagram-full-size"><a href="{html.escape(href)}">'
            f'Open the drawing at full size (SVG)</a></p>')


def is_wide(svg: str) -> bool:
    """Wider than a page's text column (:data:`WIDE` pixels): worth a link to the drawing alone."""
    return (natural_width(svg) or 0) > WIDE


def figure_html(svg: str, uid: str, alt: str, caption: Optional[str] = None,
                align: Optional[str] = None, anchor: Optional[str] = None,
                width: str = "auto", full_size: Optional[str] = None, page: Optional[str] = None) -> str:
    """A ``<figure>`` with the inline SVG and an escaped caption (for Markdown pages);
    ``full_size``, the address of the drawing alone, adds a link to it; ``page``, an
    interactive page, stands in for the SVG."""
    # Markdown themes have no align-* rules, so the alignment is also written out.
    classes = "rnndiagram-figure" + (f" align-{align}" if align else "")
    style = f' style="text-align:{align}"' if align else ""
    ident = f' id="{html.escape(anchor)}"' if anchor else ""
    link = "\n" + full_size_link(full_size) if full_size else ""
    cap = f"\n<figcaption>{html.escape(caption, quote=False)}</figcaption>" if caption else ""
    body = inline_page(page, uid) if page is not None else inline_svg(svg, uid, alt, width) + link
    return f'<figure class="{classes}"{style}{ident}>\n{body}{cap}\n</figure>'


def options_from(values: Mapping[str, Any], defaults: Mapping[str, Any]) -> Dict[str, Any]:
    """Diagram options: ``defaults`` overridden by ``values`` (both keyed by option name).

    A block's own options win: a site-wide default that does not go with them is dropped
    for that block, so ``view: rolled`` in the site's settings leaves a block with
    ``cell: gates`` a gate view, and a default ``step`` or ``tokens`` that the block's
    view does not draw is not said to be unused. Options the block sets itself are kept,
    so a block that asks for two that do not go together is told so.

    >>> options_from({"cell": "gates"}, {"view": "rolled", "tokens": "a b"})
    {'cell': 'gates'}
    >>> options_from({"view": "both"}, {"cell": "gates", "step": 2, "max_timesteps": 3})
    {'max_timesteps': 3, 'view': 'both'}
    """
    own = {k: v for k, v in values.items() if k in OPTION_NAMES}
    merged = {k: defaults.get(k) for k in OPTION_NAMES if defaults.get(k) is not None and k not in own}
    cell = own.get("cell", merged.get("cell", "box"))
    if "cell" in own and cell == "gates" and merged.get("view", "unrolled") != "unrolled":
        merged.pop("view")
    view = own.get("view", merged.get("view", "unrolled"))
    if "view" in own and view != "unrolled" and merged.get("cell") == "gates":
        merged.pop("cell")
        cell = own.get("cell", "box")
    draws = choose(view, cell).DRAWS
    if "step" not in draws:
        merged.pop("step", None)  # only the gate view draws one step
    if "tokens" not in draws:
        merged.pop("tokens", None)  # only a view with the unrolled drawing labels input steps
    merged.update(own)
    if "tokens" in merged:
        merged["tokens"] = parse_tokens(merged["tokens"])
    return merged


def inherited(values: Mapping[str, Any], options: Mapping[str, Any]) -> Dict[str, Any]:
    """The options of ``options`` (from :func:`options_from`) that a block did not set in
    ``values`` but took from the site's settings, where they differ from rnndiagram's
    defaults: what an error about the options should name as coming from the site.

    >>> inherited({"cell": "gates"}, {"cell": "gates", "view": "rolled", "max_timesteps": 4})
    {'view': 'rolled'}
    """
    builtin = {f.name: f.default for f in dataclasses.fields(DiagramOptions)}
    return {k: v for k, v in options.items() if k not in values and v != builtin.get(k)}


def expand_nested_value(value: Any) -> Any:
    """``auto`` or ``default`` (any case) asks for the default of ``expand_nested``: ``None``,
    the nested models that hold a recurrent layer; other values are left as they are.

    >>> expand_nested_value("Auto"), expand_nested_value(False)
    (None, False)
    """
    if isinstance(value, str) and value.strip().lower() in EXPAND_NESTED_DEFAULT:
        return None
    return value
