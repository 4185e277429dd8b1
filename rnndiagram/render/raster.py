"""Stage 4, raster: PNG and PDF made from our own SVG, or Graphviz's own rendering of the DOT."""

from __future__ import annotations

import importlib
import io
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from types import ModuleType
from typing import Literal, Optional, Tuple

from ..errors import MissingDependencyError, OptionError, RnnDiagramError

#: What to install for PNG and PDF export; pyproject.toml's ``raster`` extra lists the same.
RASTER_HINT = 'pip install "rnndiagram[raster]"'
GRAPHVIZ_HINT = ("install Graphviz, e.g. `apt-get install graphviz` or `brew install graphviz`, "
                 "or see https://graphviz.org/download/")
# An SVG length in px is 1/96 inch (CSS); a PDF point is 1/72 inch.
CSS_DPI = 96
PT_PER_PX = 72 / CSS_DPI

MAX_RASTER_PIXELS = 64 * 2**20
"""The most pixels a PNG, or the drawing inside a PDF, may have: 67 million, 256 MiB as the
RGBA image resvg draws, which the PDF writer decodes once more. It stays under the 89
million pixels past which Pillow (reading the PNG into the PDF) warns of a decompression
bomb; a model of a hundred layers at 300 dpi, or the smallest one at 2400 dpi, is over it."""


def svg_size(svg: str) -> Tuple[float, float]:
    """Width and height of the root ``<svg>`` in CSS px (our SVGs always state both).

    >>> svg_size('<svg xmlns="http://www.w3.org/2000/svg" width="895.6" height="479"/>')
    (895.6, 479.0)
    """
    root = ET.fromstring(svg)
    try:
        return float(root.attrib["width"]), float(root.attrib["height"])
    except (KeyError, ValueError) as exc:
        raise RnnDiagramError(f"the root <svg> needs width and height in px, got {root.attrib}") from exc


def svg_to_png(svg: str, scale: float = 1.0) -> bytes:
    """Render an SVG to PNG with resvg; the image is the SVG's size in px times ``scale``
    (rounded up), e.g. ``scale=2`` for a high-density screen."""
    if not scale > 0:
        raise OptionError(f"scale must be a positive number, not {scale!r}")
    fit = _largest_factor(svg, scale)
    if fit is not None:
        raise OptionError(f"the PNG at scale {scale:g} would be {_too_big(svg, scale)}; choose a smaller scale "
                          f"(--scale): at most {_largest_scale(svg, fit)} fits this diagram, or write SVG")
    resvg_py = _require("resvg_py", "resvg-py")
    return bytes(resvg_py.svg_to_bytes(svg_string=_resized(svg, scale)))


def _resized(svg: str, scale: float) -> str:
    """The SVG with its root width and height times ``scale``; the viewBox maps the drawing.

    resvg's own ``zoom`` multiplies the size after rounding it up to whole px, which is
    up to ``scale`` px too large; this way the PNG is the scaled size, rounded up once.

    >>> _resized('<svg viewBox="0 0 10.5 4" width="10.5" height="4"><rect width="1"/></svg>', 2)
    '<svg viewBox="0 0 10.5 4" width="21" height="8"><rect width="1"/></svg>'
    """
    width, height = svg_size(svg)
    sizes = {"width": f"{width * scale:.10g}", "height": f"{height * scale:.10g}"}
    tag = re.compile(r'(?<=\s)(width|height)="[^"]*"')
    return re.sub(r"<svg\b[^>]*>", lambda root: tag.sub(lambda m: f'{m[1]}="{sizes[m[1]]}"', root[0]),
                  svg, count=1)


def _largest_factor(svg: str, factor: float) -> Optional[float]:
    """None if the SVG drawn ``factor`` times its size fits :data:`MAX_RASTER_PIXELS`, else
    a bound on the factors that do (the image's size is rounded up to whole pixels)."""
    if _fits(svg, factor):
        return None
    width, height = svg_size(svg)
    return math.sqrt(MAX_RASTER_PIXELS / (width * height))


def _fits(svg: str, factor: float) -> bool:
    width, height = svg_size(svg)
    return math.ceil(width * factor) * math.ceil(height * factor) <= MAX_RASTER_PIXELS


def _largest_scale(svg: str, bound: float) -> str:
    """The largest scale of two significant digits, at most ``bound``, that fits: rounded
    down, so that passing the number printed works.

    >>> svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10000" height="10230.9"/>'
    >>> bound = _largest_factor(svg, 1.0)
    >>> round(bound, 4), _largest_scale(svg, bound)
    (0.8099, '0.8')
    """
    decimals = max(1 - math.floor(math.log10(bound)), 0)
    steps = math.floor(bound * 10 ** decimals)
    while steps > 1 and not _fits(svg, steps / 10 ** decimals):
        steps -= 1
    return f"{steps / 10 ** decimals:.{decimals}f}".rstrip("0").rstrip(".")


def _largest_dpi(svg: str, bound: float) -> int:
    """The largest whole dpi whose drawing fits, given a bound on the scale."""
    dpi = math.floor(bound * CSS_DPI)
    while dpi > 1 and not _fits(svg, dpi / CSS_DPI):
        dpi -= 1
    return dpi


def _too_big(svg: str, factor: float) -> str:
    width, height = (math.ceil(v * factor) for v in svg_size(svg))
    return (f"an image of {width:,} x {height:,} px, over the {MAX_RASTER_PIXELS:,} pixels "
            f"rnndiagram draws")


def svg_to_pdf(svg: str, dpi: int = 300) -> bytes:
    """A one-page PDF of the SVG: the page is the SVG's size (px at 96 per inch), filled by
    the same resvg rendering as the PNG at ``dpi`` pixels per inch, stored losslessly.

    resvg draws no vector PDF; the well-kept converters that do either need the system
    cairo library (CairoSVG) or lose our markers and fonts (svglib), so the page holds pixels.
    """
    if not dpi > 0:
        raise OptionError(f"dpi must be a positive number, not {dpi!r}")
    fit = _largest_factor(svg, dpi / CSS_DPI)
    if fit is not None:
        raise OptionError(f"the PDF's drawing at {dpi} dpi would be {_too_big(svg, dpi / CSS_DPI)}; choose "
                          f"a smaller dpi (--dpi): at most {_largest_dpi(svg, fit)} fits this diagram, "
                          f"or write SVG")
    png = svg_to_png(svg, dpi / CSS_DPI)
    canvas = _require("reportlab.pdfgen.canvas", "reportlab")
    utils = _require("reportlab.lib.utils", "reportlab")
    width, height = (v * PT_PER_PX for v in svg_size(svg))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, height), invariant=True)  # no dates or random ids
    pdf.drawImage(utils.ImageReader(io.BytesIO(png)), 0, 0, width, height)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def graphviz_render(dot_source: str, fmt: Literal["svg", "png", "pdf"],
                    dpi: Optional[int] = None) -> bytes:
    """Let Graphviz's ``dot`` lay out and draw DOT source as svg, png or pdf.

    ``dpi`` sets the pixel density of png output (Graphviz's default is 96); the vector
    formats are left at Graphviz's own size, since dot would scale their pages by it too.
    A graph too large for dot to lay out in seconds is refused
    (:data:`~rnndiagram.render.dot_budget.MAX_GRAPHVIZ_SIZE`).
    """
    if fmt not in ("svg", "png", "pdf"):
        raise OptionError(f"Graphviz renders svg, png or pdf here, not {fmt!r}")
    from .dot_budget import check_size

    check_size(dot_source)
    exe = shutil.which("dot")
    if exe is None:
        raise MissingDependencyError(f"Graphviz's `dot` program is not on PATH: {GRAPHVIZ_HINT}")
    args = [exe, f"-T{fmt}"] + ([f"-Gdpi={dpi}"] if dpi and fmt == "png" else [])
    done = subprocess.run(args, input=dot_source.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RnnDiagramError(f"dot -T{fmt} failed (exit {done.returncode}): {message}")
    return done.stdout


def _require(module: str, package: str) -> ModuleType:
    """Import an optional converter when it is first needed, so ``import rnndiagram`` stays light."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"PNG and PDF export needs the {package!r} package, which is not installed: "
            f"{RASTER_HINT} (or pip install {package})") from exc
