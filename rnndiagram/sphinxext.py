"""Sphinx extension: ``.. rnndiagram:: SOURCE`` draws a Keras model unrolled in time.

Add ``"rnndiagram.sphinxext"`` to ``extensions`` in ``conf.py``. The directive resolves the
source and draws it into the cache (keyed by content hash); each builder then takes what
it can show: HTML the SVG inline (so the ``auto`` theme follows the reader's dark mode),
LaTeX a PDF (or PNG) converted from it, text-like builders the alt text.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Callable, ClassVar, Dict, List, Optional, Set, Tuple

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.config import ENUM, Config
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import __version__
from ._io import write_atomic
from .docs_common import (ALIGNS, WIDTHS, DiagramCache, expand_nested_value, full_size_link, inherited, inline_page,
                          inline_svg, is_wide, localize, module_file, options_from)
from .errors import OptionError, RnnDiagramError
from .options import CELL_VIEWS, THEMES, VIEWS

logger = logging.getLogger(__name__)

# conf.py settings (each prefixed ``rnndiagram_``), their defaults and accepted types.
CONFIG: Tuple[Tuple[str, Any, Any], ...] = (
    ("max_timesteps", 4, int),
    ("timesteps", None, (int, type(None))),
    ("theme", "light", ENUM(*THEMES)),
    ("tokens", None, (str, list, tuple, type(None))),
    ("show_unreturned", False, bool),
    ("expand_nested", None, (bool, type(None))),
    ("fold_loops", True, bool),
    ("fold_repeats", True, bool),
    ("values", False, bool),
    ("seed", 0, int),
    ("view", "unrolled", ENUM(*VIEWS)),
    ("cell", "box", ENUM(*CELL_VIEWS)),
    ("step", None, (int, type(None))),
    ("latex_format", "pdf", ENUM("pdf", "png")),
    ("cache_dir", None, (str, type(None))),
    ("width", "auto", ENUM(*WIDTHS)),
    ("heatmap", False, bool),
    ("interactive", False, bool),
)


class rnndiagram(nodes.General, nodes.Element):  # noqa: N801 (docutils names nodes in lower case)
    """A drawn diagram: ``key`` in the cache, ``uid`` for its ids, ``alt``; its child is the alt."""


def flag(argument: Optional[str]) -> bool:
    """A flag option that may also be switched off: ``:values:``, ``:values: no``."""
    word = (argument or "yes").strip().lower()
    if word not in ("yes", "true", "on", "1", "no", "false", "off", "0"):
        raise ValueError(f"expected nothing, yes or no; got {argument!r}")
    return word in ("yes", "true", "on", "1")


def nested_flag(argument: Optional[str]) -> Optional[bool]:
    """``:expand-nested:`` takes a flag, or ``auto`` (``default``) for the default: the
    nested models that hold a recurrent layer (``expand_nested=None``)."""
    if expand_nested_value(argument) is None and argument is not None:
        return None
    try:
        return flag(argument)
    except ValueError:
        raise ValueError(f"expected nothing, yes, no or auto; got {argument!r}") from None


class RnnDiagramDirective(SphinxDirective):
    """``.. rnndiagram:: SOURCE`` with diagram options and figure options."""

    required_arguments = 1
    option_spec: ClassVar[Dict[str, Callable[[Optional[str]], Any]]] = {
        "max-timesteps": directives.positive_int,
        "timesteps": directives.positive_int,
        "theme": lambda arg: directives.choice(arg, THEMES),
        "tokens": directives.unchanged,
        "values": flag,
        "expand-nested": nested_flag,
        "fold-loops": flag,
        "fold-repeats": flag,
        "show-unreturned": flag,
        "seed": directives.nonnegative_int,
        "view": lambda arg: directives.choice(arg, VIEWS),
        "cell": lambda arg: directives.choice(arg, CELL_VIEWS),
        "step": directives.positive_int,
        "caption": directives.unchanged,
        "alt": directives.unchanged,
        "align": lambda arg: directives.choice(arg, ALIGNS),
        "width": lambda arg: directives.choice(arg, WIDTHS),
        "interactive": flag,
        "name": directives.unchanged,
        "class": directives.class_option,
        "heatmap": flag,
    }

    def run(self) -> List[nodes.Node]:
        text = self.arguments[0]
        # Paths are relative to the document, or to the source folder with a leading "/".
        base = Path(self.env.srcdir) if text.startswith("/") else Path(self.env.doc2path(self.env.docname)).parent
        source, dependency = localize(text.lstrip("/") if text.startswith("/") else text, base)
        own = {k.replace("-", "_"): v for k, v in self.options.items()}
        options = options_from(own, defaults(self.config))
        if dependency is not None:
            # Noted before drawing: Sphinx re-reads a page whose dependency changed, appeared
            # or is missing, so a source file created after a failed build is drawn.
            self.env.note_dependency(str(dependency))
        try:
            interactive = self.options.get("interactive", self.config.rnndiagram_interactive)
            drawing = cache_of(self.config, self.env.doctreedir).draw(source, options, interactive)
        except RnnDiagramError as exc:
            site = inherited(own, options) if isinstance(exc, OptionError) else {}
            where = "; with conf.py's " + ", ".join(f"rnndiagram_{k} = {v!r}" for k, v in site.items()) if site else ""
            logger.warning("rnndiagram: cannot draw %s: %s%s", text, exc, where, location=self.get_location(),
                           type="rnndiagram")
            return []
        for message in drawing.warnings:  # located, so that -W fails on them
            logger.warning("rnndiagram: %s: %s", text, message, location=self.get_location(),
                           type="rnndiagram", subtype="option")
        used_keys(self.env).setdefault(self.env.docname, set()).add(drawing.key)
        module = module_file(source) if dependency is None else None
        if module is not None:
            self.env.note_dependency(str(module))  # a changed model file re-reads this page
        alt = self.options.get("alt") or drawing.summary
        uid = f"rnd-{drawing.key[:10]}-{self.env.new_serialno('rnndiagram')}"
        width = self.options.get("width", self.config.rnndiagram_width)
        node = rnndiagram(alt, nodes.paragraph(alt, alt), key=drawing.key, uid=uid, alt=alt, width=width,
                          interactive=interactive)
        self.set_source_info(node)
        figure = nodes.figure("", node, classes=["rnndiagram-figure", *self.options.get("class", [])])
        if "align" in self.options:
            figure["align"] = self.options["align"]
        if self.options.get("caption"):
            inline, messages = self.state.inline_text(self.options["caption"], self.lineno)
            caption = nodes.caption(self.options["caption"], "", *inline)
            self.set_source_info(caption)
            figure += caption
            figure += messages
        self.add_name(figure)
        return [figure]


def defaults(config: Config) -> Dict[str, Any]:
    return {name: config[f"rnndiagram_{name}"] for name, _, _ in CONFIG}


def cache_of(config: Config, doctreedir: Any) -> DiagramCache:
    """The build's cache: ``rnndiagram_cache_dir`` (relative to conf.py), else beside the doctrees."""
    folder = config.rnndiagram_cache_dir
    path = Path(config.confdir or ".") / folder if folder else Path(doctreedir) / "rnndiagram"
    return DiagramCache(path, on_render=lambda line: logger.info("rnndiagram: drew %s", line))


def used_keys(env: Any) -> Dict[str, Set[str]]:
    """The drawings each document uses, kept in the environment across incremental builds."""
    if not hasattr(env, "rnndiagram_keys"):
        env.rnndiagram_keys = {}
    return env.rnndiagram_keys


def purge_doc(app: Sphinx, env: Any, docname: str) -> None:
    used_keys(env).pop(docname, None)


def merge_info(app: Sphinx, env: Any, docnames: Set[str], other: Any) -> None:
    """A parallel read's worker hands back the drawings of the documents it read."""
    for docname in docnames:
        if docname in used_keys(other):
            used_keys(env)[docname] = used_keys(other)[docname]


def prune_cache(app: Sphinx, exception: Optional[Exception]) -> None:
    """After a successful build, drop the drawings that no document uses any more."""
    if exception is not None or app.env is None:
        return
    keep = set().union(*used_keys(app.env).values())
    removed = cache_of(app.config, app.doctreedir).prune(keep)
    if removed:
        logger.info("rnndiagram: removed %d unused drawing(s) from the cache", len(removed))


def html_visit(self: Any, node: rnndiagram) -> None:
    try:
        cache = cache_of(self.config, self.builder.doctreedir)
        if node.get("interactive"):
            self.body.append(inline_page(cache.page(node["key"]), node["uid"]) + "\n")
            raise nodes.SkipNode
        svg = cache.svg(node["key"])
    except OSError as exc:
        logger.warning("rnndiagram: the cached drawing is gone (%s); rebuild with -E", exc,
                       location=node, type="rnndiagram")
        raise nodes.SkipNode from exc
    self.body.append(inline_svg(svg, node["uid"], node["alt"], node.get("width", "auto")) + "\n")
    if is_wide(svg) and hasattr(self.builder, "imgpath"):  # the drawing alone, at its own size
        name = f"rnndiagram-{node['key']}.svg"
        target = Path(self.builder.outdir, self.builder.imagedir, name)
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, svg)
        self.body.append(full_size_link(f"{self.builder.imgpath}/{name}") + "\n")
    raise nodes.SkipNode


def latex_visit(self: Any, node: rnndiagram) -> None:
    cache = cache_of(self.config, self.builder.doctreedir)
    try:
        made = cache.pdf(node["key"]) if self.config.rnndiagram_latex_format == "pdf" else cache.png(node["key"])
    except (RnnDiagramError, ImportError, OSError) as exc:
        logger.warning("rnndiagram: no image for LaTeX: %s", exc, location=node, type="rnndiagram")
        self.body.append(self.encode(node["alt"]))
        raise nodes.SkipNode from exc
    name = f"rnndiagram-{made.name}"
    target = Path(self.builder.outdir, self.builder.imagedir, name)
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made, target)
    self.body.append("\n\\sphinxincludegraphics[]{" + Path(self.builder.imagedir, name).as_posix() + "}\n")
    raise nodes.SkipNode


def keep_text(self: Any, node: rnndiagram) -> None:
    """Text-like builders print the node's child: the alt text."""


def setup(app: Sphinx) -> Dict[str, Any]:
    app.add_node(rnndiagram, html=(html_visit, None), latex=(latex_visit, None),
                 text=(keep_text, keep_text), man=(keep_text, keep_text), texinfo=(keep_text, keep_text))
    app.add_directive("rnndiagram", RnnDiagramDirective)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("build-finished", prune_cache)
    for name, default, types in CONFIG:
        app.add_config_value(f"rnndiagram_{name}", default, "env", types)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
