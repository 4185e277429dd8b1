"""MkDocs plugin ``rnndiagram``: a fenced ```` ```rnndiagram ```` block becomes the diagram.

The block's body is YAML: ``source:`` (the same forms as the CLI; a path is relative to
the page) and, optionally, ``caption``, ``alt``, ``align``, ``width``, ``name``,
``interactive`` (the interactive page, ``Diagram.to_html``, instead of the SVG) and any diagram
option (``max_timesteps``, ``timesteps``, ``theme``, ``tokens``, ``values``,
``expand_nested``, ``fold_loops``, ``fold_repeats``, ``show_unreturned``, ``seed``, ``view``, ``cell``, ``step``,
``heatmap``;
hyphens or underscores). Drawings are
cached by content hash, as in the Sphinx extension; after a full build, the drawings no
page used are removed from the cache.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

import yaml
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.utils import get_relative_url

from ._io import make_folder, write_atomic
from .docs_common import (ALIGNS, OPTION_NAMES, WIDTHS, DiagramCache, expand_nested_value, figure_html, inherited,
                          is_wide, localize, options_from)
from .errors import OptionError, RnnDiagramError
from .options import CELL_VIEWS, THEMES, VIEWS

log = get_plugin_logger(__name__)
FIGURE_KEYS = ("source", "caption", "alt", "align", "name", "width", "interactive")
FULL_SIZE = "assets/rnndiagram"  # in the site: the wide drawings alone, at their own size
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\n]*?)\s*$")


class RnnDiagramConfig(base.Config):
    cache_dir = c.Optional(c.Type(str))  # default: .cache/rnndiagram beside mkdocs.yml
    max_timesteps = c.Type(int, default=4)
    timesteps = c.Optional(c.Type(int))
    theme = c.Choice(THEMES, default="light")
    tokens = c.Optional(c.Type((str, list)))
    show_unreturned = c.Type(bool, default=False)
    expand_nested = c.Optional(c.Type(bool))  # default: nested models holding a recurrent layer
    fold_loops = c.Type(bool, default=True)
    fold_repeats = c.Type(bool, default=True)
    values_ = c.Type(bool, default=False)  # the key is "values"; the name would hide Mapping.values()
    seed = c.Type(int, default=0)
    view = c.Choice(VIEWS, default="unrolled")
    cell = c.Choice(CELL_VIEWS, default="box")
    step = c.Optional(c.Type(int))
    width = c.Choice(WIDTHS, default="auto")  # how a drawing meets the page (figure option)
    heatmap = c.Type(bool, default=False)
    interactive = c.Type(bool, default=False)  # the interactive page instead of the SVG (figure option)


class RnnDiagramPlugin(BasePlugin[RnnDiagramConfig]):
    """Replaces each ``rnndiagram`` fence by a placeholder, and the placeholder by the figure."""

    dirty = False  # ``mkdocs serve --dirty`` rebuilds only changed pages: nothing may be pruned

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.dirty = dirty

    def on_config(self, config: Any) -> None:
        root = Path(config.config_file_path or ".").parent
        folder = root / (self.config.cache_dir or ".cache/rnndiagram")
        self.cache = DiagramCache(folder, on_render=lambda line: log.info(f"drew {line}"))
        self.figures: Dict[str, str] = {}
        self.used: Set[str] = set()
        self.wide: Set[str] = set()

    def on_post_build(self, *, config: Any) -> None:
        for key in sorted(self.wide):
            target = Path(config.site_dir, FULL_SIZE, f"{key}.svg")
            make_folder(target.parent)
            write_atomic(target, self.cache.svg(key))
        if not self.dirty:
            removed = self.cache.prune(self.used)
            if removed:
                log.info(f"removed {len(removed)} unused drawing(s) from the cache")

    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Any) -> str:
        lines = markdown.splitlines(keepends=True)
        blocks = list(enumerate(rnndiagram_blocks(lines), start=1))
        tokens = []
        for index, (start, end) in blocks:  # drawn in page order, so warnings are too
            where = f"{page.file.src_uri}, rnndiagram block {index} (line {start + 1})"
            tokens.append(f"rnndiagram-figure-{secrets.token_hex(8)}")
            self.figures[tokens[-1]] = self._figure("".join(lines[start + 1:end]), page, index, where)
        for token, (_, (start, end)) in reversed(list(zip(tokens, blocks))):  # from the end: line numbers hold
            lines[start:end + 1] = [f"\n{token}\n\n"]
        return "".join(lines)

    def on_page_content(self, html: str, *, page: Any, config: Any, files: Any) -> str:
        return re.sub(r"(?:<p>)?(rnndiagram-figure-[0-9a-f]{16})(?:</p>)?",
                      lambda m: self.figures.pop(m[1], m[0]), html)

    def _figure(self, body: str, page: Any, index: int, where: str) -> str:
        settings = _settings(body, where)
        base_dir = Path(page.file.abs_src_path).parent
        source, _ = localize(str(settings["source"]), base_dir)
        options = options_from(settings, {k: self.config[k] for k in OPTION_NAMES})
        try:
            interactive = bool(settings.get("interactive", self.config.interactive))
            drawing = self.cache.draw(source, options, interactive)
        except RnnDiagramError as exc:
            site = inherited(settings, options) if isinstance(exc, OptionError) else {}
            said = "; with " + ", ".join(f"{k}: {v}" for k, v in site.items()) + " in mkdocs.yml" if site else ""
            raise PluginError(f"{where}: cannot draw {settings['source']}: {exc}{said}") from exc
        for message in drawing.warnings:  # through MkDocs' logger, so that --strict fails on them
            log.warning(f"{where}: {settings['source']}: {message}")
        self.used.add(drawing.key)
        alt = str(settings.get("alt") or drawing.summary)
        caption = settings.get("caption")
        svg = self.cache.svg(drawing.key)
        full_size = None
        if is_wide(svg) and not interactive:
            self.wide.add(drawing.key)
            full_size = get_relative_url(f"{FULL_SIZE}/{drawing.key}.svg", page.url)
        return figure_html(svg, f"rnd-{drawing.key[:10]}-{index}", alt, None if caption is None else str(caption),
                           settings.get("align"), settings.get("name"), settings.get("width") or self.config.width,
                           full_size, self.cache.page(drawing.key) if interactive else None)


def _settings(body: str, where: str) -> Dict[str, Any]:
    try:
        data = yaml.safe_load(body) or {}
    except yaml.YAMLError as exc:
        raise PluginError(f"{where}: the block is not YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PluginError(f"{where}: the block must be `key: value` lines, starting with `source:`")
    settings = {str(k).replace("-", "_"): v for k, v in data.items()}
    if "expand_nested" in settings:
        settings["expand_nested"] = expand_nested_value(settings["expand_nested"])
    unknown = sorted(set(settings) - set(FIGURE_KEYS) - set(OPTION_NAMES))
    if unknown:
        raise PluginError(f"{where}: unknown key(s) {', '.join(unknown)}; the keys are "
                          f"{', '.join(FIGURE_KEYS + OPTION_NAMES)}")
    if not settings.get("source"):
        raise PluginError(f"{where}: no `source:` (e.g. `source: example:seed_stacked`)")
    if settings.get("align") not in (None, *ALIGNS):
        raise PluginError(f"{where}: align must be one of {', '.join(ALIGNS)}, got {settings['align']!r}")
    if settings.get("width") not in (None, *WIDTHS):
        raise PluginError(f"{where}: width must be one of {', '.join(WIDTHS)}, got {settings['width']!r}")
    return settings


def rnndiagram_blocks(lines: List[str]) -> Iterator[Tuple[int, int]]:
    """(opening line, closing line) of each top-level ``rnndiagram`` fence.

    Fences inside other fences (e.g. a four-backtick block showing an example) are skipped.

    >>> list(rnndiagram_blocks(["````md\\n", "```rnndiagram\\n", "```\\n", "````\\n",
    ...                         "```rnndiagram\\n", "source: x\\n", "```\\n"]))
    [(4, 6)]
    """
    opened: Optional[Tuple[int, str, str]] = None
    for i, line in enumerate(lines):
        match = _FENCE.match(line.rstrip("\n"))
        if not match:
            continue
        fence = match["fence"]
        if opened is None:
            opened = (i, fence, match["info"])
        elif fence[0] == opened[1][0] and len(fence) >= len(opened[1]) and not match["info"]:
            if opened[2].split() and opened[2].split()[0] == "rnndiagram":
                yield opened[0], i
            opened = None
