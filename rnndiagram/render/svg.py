"""Stage 4, SVG: a Scene rendered through ``templates/diagram.svg.j2``.

The template gets the scene as one flat stream (a group is opened, its items follow, then
it is closed), so rendering is a single loop rather than a recursive macro. Escaping is
explicit in the template: text that can come from a model (layer names, tokens,
captions, titles) goes through ``|text``; coordinates and our own class names are plain.
Compiled templates are kept in a per-user bytecode cache (see ``_template_cache``).

Every id in the document, and the scope of its stylesheet, is the root's id, a hash of
the document itself: the same drawing gets the same bytes, and two drawings inlined in
one page (a notebook, an HTML page) neither share ids nor repaint each other.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Iterable, Iterator, List, Optional, Tuple, Union, cast

import jinja2
from markupsafe import escape

from ..labels import printable, shorten
from ..layout.scene import Arrow, Box, Group, Item, Label, Scene
from .templates import template_cache_dir, template_dirs

# Stands for the root's id while the document is made, then for its hash. No other NUL
# can be in the output: |text shows a model's control characters as symbols.
_UID = "\x00"


class _Close:
    """Marks the end of a group in the flat stream."""


CLOSE = _Close()


def num(value: float) -> str:
    """Every coordinate goes through here: one decimal at most, no trailing zeros.

    >>> num(12.0), num(3.25), num(-0.04)
    ('12', '3.2', '0')
    """
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def points(pts: Iterable) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in pts)


_KIND = {Box: "box", Label: "label", Arrow: "arrow", Group: "group"}
"""What the template draws each class of item as (a comparison per item, not a test call)."""


def stream(items: Tuple[Item, ...]) -> Iterator[Tuple[str, Union[Item, _Close]]]:
    """The items depth first, each with its kind, each group followed by its items and then
    ``CLOSE`` (of kind ``close``)."""
    for item in items:
        kind = _KIND[type(item)]
        yield kind, item
        if kind == "group":
            yield from stream(cast(Group, item).items)
            yield "close", CLOSE


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache, but a cache that cannot be written is only slower, not an error."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _template_cache() -> Optional[_TemplateCache]:
    folder = template_cache_dir()
    return _TemplateCache(str(folder), "%s.jinja") if folder is not None else None


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in template_dirs()]),
        autoescape=False, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, bytecode_cache=_template_cache(),
        auto_reload=False)  # packaged templates do not change under a running process; no stat per render
    env.filters["num"] = num
    env.filters["points"] = points
    env.filters["text"] = text
    env.filters["short"] = shorten
    return env


def text(value: object) -> str:
    """Text from a model, fit for XML: control characters (which XML forbids) shown as
    symbols, then escaped.

    >>> text('<b>\\x1b"')
    '&lt;b&gt;␛&#34;'
    """
    return str(escape(printable(str(value))))


@lru_cache(maxsize=None)
def theme_css(theme: str) -> str:
    """The stylesheet of one theme, every selector scoped under a placeholder for the
    root's id (the same for every diagram, so made once)."""
    return scope_css(environment().get_template("theme.css.j2").render(theme=theme), "#" + _UID)


@lru_cache(maxsize=None)
def extra_css(name: str, theme: str) -> str:
    """An extra stylesheet (``templates/NAME.css.j2``) of one theme, scoped like the theme's."""
    return scope_css(environment().get_template(f"{name}.css.j2").render(theme=theme), "#" + _UID)


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
        if i + 1 >= len(pieces) or pieces[i + 1] != "{":
            out.append(piece)
            continue
        prelude = piece.strip()
        if prelude.startswith("@"):
            out.append(piece + "{")
            continue
        lead = piece[: len(piece) - len(piece.lstrip())]
        out.append(lead + ",".join(f"{scope} {s.strip()}" for s in prelude.split(",")) + "{")
    return "".join(out)


def render_svg(scene: Scene) -> str:
    """The scene as a self-contained SVG document, its ids and styles scoped to its root,
    whose id is ``rnd-`` and a hash of the document."""
    css = theme_css(scene.theme) + "".join(extra_css(name, scene.theme) for name in scene.styles)
    document = environment().get_template("diagram.svg.j2").render(
        scene=scene, uid=_UID, css=css, items=stream(scene.items))
    return document.replace(_UID, "rnd-" + hashlib.sha256(document.encode("utf-8")).hexdigest()[:12])
