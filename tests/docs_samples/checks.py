"""Checks shared by the documentation tests: the inline diagrams of a built HTML page."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import List

SAMPLES = Path(__file__).resolve().parent
SVG = "{http://www.w3.org/2000/svg}"
_INLINE = re.compile(r'<div class="rnndiagram" id="(?P<uid>[^"]+)"[^>]*>\n(?P<svg><svg .*?</svg>)\n</div>', re.S)


@dataclass
class Inline:
    """One diagram inlined in a page: its wrapper id, its SVG text and parsed root."""

    uid: str
    text: str
    root: ET.Element

    @property
    def title(self) -> str:
        return self.root.find(f"{SVG}title").text

    @property
    def theme(self) -> str:
        return next(c for c in self.root.get("class").split() if c.startswith("rnd-theme-"))

    def count(self, cls: str) -> int:
        return sum(1 for el in self.root.iter() if cls in (el.get("class") or "").split())


def copy_samples(tmp_path: Path) -> Path:
    """A writable copy of the sample projects (tests change their model file)."""
    target = tmp_path / "samples"
    shutil.copytree(SAMPLES, target, ignore=shutil.ignore_patterns("__pycache__", "conftest.py", "checks.py"))
    return target


def diagrams(html: str) -> List[Inline]:
    """The inline diagrams of ``html``, each checked to live at peace with the others."""
    found = [Inline(m["uid"], m["svg"], ET.fromstring(m["svg"])) for m in _INLINE.finditer(html)]
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert not [i for i, n in ids.items() if n > 1], "ids repeated on the page"
    for d in found:
        own = {el.get("id") for el in d.root.iter() if el.get("id")}
        assert own and all(i.startswith(d.uid + "-") for i in own), own
        refs = re.findall(r"url\(#([^)]+)\)", d.text) + " ".join(
            d.root.get(a, "") for a in ("aria-labelledby", "aria-describedby")).split()
        assert refs and set(refs) <= own, (refs, own)
        style = d.root.find(f"{SVG}style").text
        preludes = [p.strip() for p in re.findall(r"([^{}]+)\{", style) if not p.strip().startswith("@")]
        # Scoped once, by the SVG itself, under its root's id (renamed after the wrapper).
        assert d.root.get("id") == f"{d.uid}-svg"
        assert preludes and all(s.strip().startswith(f"#{d.uid}-svg ") for p in preludes for s in p.split(","))
    return found


def figcaptions(html: str) -> List[str]:
    """The text of each figure caption (markup stripped, entities kept)."""
    caps = re.findall(r"<figcaption>(.*?)</figcaption>", html, re.S)
    return [re.sub(r"<a class=\"headerlink\".*?</a>|<[^>]+>", "", c).strip() for c in caps]
