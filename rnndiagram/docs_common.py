"""Shared core of the documentation plugins: diagrams drawn once per content hash, and
SVG made fit to sit inline in an HTML page beside other diagrams.

The Sphinx extension and the MkDocs plugin are thin glue over this module. A drawing is
stored under ``<cache folder>/<key>.svg`` where the key hashes the model spec JSON, the
diagram options, the package version and the templates; PNG and PDF copies are converted
from that SVG and stored beside it. Every drawing or conversion appends one line to
``renders.log`` in the folder, so a rebuild that draws nothing again can be seen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from . import __version__, labels
from ._io import write_atomic
from .render.templates import template_dirs
from .sources import SAVED_SUFFIXES
from .spec import ModelSpec

RENDER_LOG = "renders.log"
OPTION_NAMES = ("max_timesteps", "timesteps", "tokens", "theme", "show_unreturned", "expand_nested",
                "values", "seed")
ALIGNS = ("left", "center", "right")

_PATH_SUFFIXES = SAVED_SUFFIXES + (".json",)
_FILE_ATTR = re.compile(r"^(?P<path>.+\.py)(?P<attr>:[A-Za-z_][\w.]*)$")
_MODULE_ATTR = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


@dataclass(frozen=True)
class Drawing:
    """A diagram in the cache: its key, the model's name and a one-sentence summary."""

    key: str
    name: str
    summary: str


class DiagramCache:
    """Diagrams stored by content hash in ``folder``; ``on_render`` hears of each drawing."""

    def __init__(self, folder: Path, on_render: Optional[Callable[[str], None]] = None):
        self.folder = Path(folder)
        self.on_render = on_render

    def draw(self, source: str, options: Mapping[str, Any]) -> Drawing:
        """Resolve ``source``, and draw it unless a drawing with the same key is stored.

        Resolving still builds a Keras model (its spec is part of the key); only the
        drawing is skipped. Raises :class:`rnndiagram.errors.RnnDiagramError` subclasses.
        """
        from .api import diagram
        from .sources import resolve

        d = diagram(resolve(source).model, **options)
        key = content_key(d)
        path = self.folder / f"{key}.svg"
        if not path.is_file():
            self._store(path, d.to_svg(), f"svg {key} {source}")
        return Drawing(key, d.spec.name, one_sentence(d.spec))

    def svg(self, key: str) -> str:
        return (self.folder / f"{key}.svg").read_text(encoding="utf-8")

    def pdf(self, key: str) -> Path:
        """The drawing as PDF (converted once); needs the converter of ``render.raster``."""
        return self._converted(key, "pdf", lambda svg: _raster().svg_to_pdf(svg))

    def png(self, key: str, scale: float = 2.0) -> Path:
        return self._converted(key, f"x{scale:g}.png", lambda svg: _raster().svg_to_png(svg, scale))

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
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        # One short append per render: O_APPEND keeps lines whole across parallel builds.
        with open(self.folder / RENDER_LOG, "a", encoding="utf-8") as log:
            log.write(line + "\n")
        if self.on_render:
            self.on_render(line)


def _raster() -> Any:
    from .render import raster

    return raster


def content_key(d: Any) -> str:
    """Hash of what decides a drawing: spec JSON, options, package version and templates.

    In values mode the numbers come from the weights, which the spec does not hold, so
    the unrolled graph (which carries them) is hashed too.
    """
    options = {k: v for k, v in dataclasses.asdict(d.options).items() if k != "sample"}
    parts = {"spec": d.spec.to_dict(), "options": options, "version": __version__,
             "templates": _templates_digest()}
    if d.options.values:
        parts["graph"] = hashlib.sha256(repr(d.graph).encode()).hexdigest()
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _templates_digest() -> str:
    # An edited template (editable installs) changes the drawing without a new version.
    digest = hashlib.sha256()
    for folder in template_dirs()[:1]:
        for path in sorted(folder.glob("*.j2")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def one_sentence(spec: ModelSpec) -> str:
    """A one-sentence description of the model for alt text.

    >>> from rnndiagram.spec import ModelSpec
    >>> one_sentence(ModelSpec.from_dict({"schema_version": 1, "name": "m", "class_name": "Sequential",
    ...     "inputs": [], "outputs": [{"layer": "d", "tensor": 0, "shape": [None, 1]}], "layers": []}))
    'Diagram of the Keras model m, which has no recurrent layer; output (None, 1).'
    """
    layers = [_describe(layer.recurrent) for layer in spec.recurrent_layers]
    outs = " and ".join(labels.shape_text(o.shape) for o in spec.outputs) or "none"
    if not layers:
        return f"Diagram of the Keras model {spec.name}, which has no recurrent layer; output {outs}."
    return (f"Diagram of the Keras model {spec.name} unrolled in time: {', then '.join(layers)}; "
            f"output {outs}.")


def _describe(rec: Any) -> str:
    steps = "an unknown number of" if rec.timesteps is None else str(rec.timesteps)
    returns = "every step" if rec.return_sequences else "the last step"
    return f"{labels.recurrent_phrase(rec)} over {steps} timesteps returning {returns}"


def parse_tokens(text: Any) -> Optional[Tuple[str, ...]]:
    """Token labels as the CLI takes them: ``"I am groot"``, ``"I,am,groot"`` or a list.

    >>> parse_tokens("I am groot"), parse_tokens("a b, c"), parse_tokens(["x", 1])
    (('I', 'am', 'groot'), ('a b', 'c'), ('x', '1'))
    """
    if text is None or text == "":
        return None
    if isinstance(text, (list, tuple)):
        return tuple(str(t) for t in text)
    text = str(text)
    return tuple(t.strip() for t in text.split(",")) if "," in text else tuple(text.split())


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
_TITLE = re.compile(r'(<title id="[^"]*-title">)(.*?)(</title>)', re.S)
_LABELLEDBY = re.compile(r'aria-labelledby="[^"]*"')
_STYLE = re.compile(r"(<style>)(.*?)(</style>)", re.S)


def inline_svg(svg: str, uid: str, alt: str) -> str:
    """``svg`` wrapped in ``<div id=uid>`` so that it can share a page with others.

    Its ids get the prefix ``uid`` (so two diagrams do not clash), its stylesheet applies
    only inside the wrapper (so a dark diagram does not repaint a light one), its
    accessible name is ``alt`` and it shrinks to the width of the page.
    """
    svg = _XML_DECL.sub("", svg)
    svg = svg.replace('id="rnd-', f'id="{uid}-').replace("url(#rnd-", f"url(#{uid}-")
    svg = _LABELLEDBY.sub(f'aria-labelledby="{uid}-title" aria-describedby="{uid}-desc"', svg, count=1)
    svg = _TITLE.sub(lambda m: m[1] + html.escape(alt, quote=False) + m[3], svg, count=1)
    svg = _STYLE.sub(lambda m: m[1] + scope_css(m[2], f"#{uid}") + m[3], svg, count=1)
    svg = svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)
    return f'<div class="rnndiagram" id="{uid}">\n{svg.strip()}\n</div>'


def scope_css(css: str, scope: str) -> str:
    """Prefix every selector of ``css`` with ``scope`` (at-rules such as ``@media`` kept).

    >>> scope_css("text{fill:#333}.a,.b{x:1}@media (x){svg.c{y:2}}", "#d")
    '#d text{fill:#333}#d .a,#d .b{x:1}@media (x){#d svg.c{y:2}}'
    """
    out: List[str] = []
    pieces = re.split(r"([{}])", css)
    for i, piece in enumerate(pieces):
        if piece == "{":
            continue
        if piece == "}":
            out.append("}")
            continue
        opens = i + 1 < len(pieces) and pieces[i + 1] == "{"
        if not opens:
            out.append(piece)
            continue
        prelude = piece.strip()
        if prelude.startswith("@"):
            out.append(piece + "{")
            continue
        lead = piece[: len(piece) - len(piece.lstrip())]
        out.append(lead + ",".join(f"{scope} {s.strip()}" for s in prelude.split(",")) + "{")
    return "".join(out)


def figure_html(svg: str, uid: str, alt: str, caption: Optional[str] = None,
                align: Optional[str] = None, anchor: Optional[str] = None) -> str:
    """A ``<figure>`` with the inline SVG and an escaped caption (for Markdown pages)."""
    # Markdown themes have no align-* rules, so the alignment is also written out.
    classes = "rnndiagram-figure" + (f" align-{align}" if align else "")
    style = f' style="text-align:{align}"' if align else ""
    ident = f' id="{html.escape(anchor)}"' if anchor else ""
    cap = f"\n<figcaption>{html.escape(caption, quote=False)}</figcaption>" if caption else ""
    return f'<figure class="{classes}"{style}{ident}>\n{inline_svg(svg, uid, alt)}{cap}\n</figure>'


def options_from(values: Mapping[str, Any], defaults: Mapping[str, Any]) -> Dict[str, Any]:
    """Diagram options: ``defaults`` overridden by ``values`` (both keyed by option name)."""
    merged = {k: defaults.get(k) for k in OPTION_NAMES if defaults.get(k) is not None}
    merged.update({k: v for k, v in values.items() if k in OPTION_NAMES})
    if "tokens" in merged:
        merged["tokens"] = parse_tokens(merged["tokens"])
    return merged
