"""PNG and PDF export: file type and size (never bytes), our CSS honoured, clear errors."""

from __future__ import annotations

import io
import math
import re
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Tuple

import pytest

import rnndiagram
from rnndiagram.errors import MissingDependencyError, OptionError, RnnDiagramError
from rnndiagram.render.raster import MAX_RASTER_PIXELS, graphviz_render, svg_size, svg_to_pdf, svg_to_png
from rnndiagram.spec import ModelSpec

from graphviz_tools import needs_dot

GOLDEN = Path(__file__).parent / "golden"
SVG_NS = "{http://www.w3.org/2000/svg}"


def seed_spec() -> ModelSpec:
    return ModelSpec.from_json((GOLDEN / "seed_stacked.spec.json").read_text())


def seed_svg(theme: str = "light") -> str:
    return rnndiagram.diagram(seed_spec(), tokens=["I", "am", "groot"], theme=theme).to_svg()


def png_size(data: bytes) -> Tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def pdf_page(data: bytes) -> Tuple[float, float]:
    assert data.startswith(b"%PDF-"), "not a PDF"
    boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert len(boxes) == 1, "expected one page"
    x0, y0, x1, y1 = map(float, boxes[0])
    return x1 - x0, y1 - y0


@pytest.mark.parametrize("scale", [1.0, 2.0, 0.5])
def test_png_is_the_svg_size_times_scale(scale):
    svg = seed_svg()
    width, height = svg_size(svg)
    got = png_size(svg_to_png(svg, scale=scale))
    assert got == pytest.approx((width * scale, height * scale), abs=1)


def test_scale_two_doubles_the_png():
    svg = seed_svg()
    (w1, h1), (w2, h2) = png_size(svg_to_png(svg)), png_size(svg_to_png(svg, scale=2))
    assert (w2, h2) == pytest.approx((2 * w1, 2 * h1), abs=1)


@pytest.mark.parametrize("dpi", [96, 300])
def test_pdf_page_is_the_svg_size_at_96_dpi(dpi):
    svg = seed_svg()
    width, height = svg_size(svg)
    pdf = svg_to_pdf(svg, dpi=dpi)
    assert pdf_page(pdf) == pytest.approx((width * 72 / 96, height * 72 / 96), abs=0.01)
    pixels = int(re.search(rb"/Width (\d+)", pdf).group(1))  # the embedded rendering
    assert pixels == pytest.approx(width * dpi / 96, abs=1)


def test_pdf_is_deterministic():
    svg = seed_svg()
    assert svg_to_pdf(svg) == svg_to_pdf(svg)


def _cell_point(svg: str) -> Tuple[float, float]:
    """A point inside the first cell's frame, clear of its label and arrows."""
    frame = next(r for r in ET.fromstring(svg).iter(f"{SVG_NS}rect")
                 if "rnd-cell-frame" in r.get("class", ""))
    x, y, w, h = (float(frame.get(k)) for k in ("x", "y", "width", "height"))
    return x + w / 4, y + h / 4


# "auto" draws light: a converter has no prefers-color-scheme to match.
@pytest.mark.parametrize("theme, background, cell", [
    ("light", (0xff, 0xff, 0xff), (0xf5, 0xf5, 0xf5)),
    ("dark", (0x1e, 0x1f, 0x22), (0x2c, 0x2e, 0x33)),
    ("auto", (0xff, 0xff, 0xff), (0xf5, 0xf5, 0xf5)),
])
def test_png_honours_the_theme_css(theme, background, cell):
    from PIL import Image  # comes with reportlab, which the raster extra installs

    svg = seed_svg(theme)
    image = Image.open(io.BytesIO(svg_to_png(svg, scale=2))).convert("RGB")
    x, y = _cell_point(svg)
    assert image.getpixel((1, 1)) == background
    assert image.getpixel((round(2 * x), round(2 * y))) == cell


def test_missing_png_converter_names_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "resvg_py", None)
    with pytest.raises(MissingDependencyError, match=r'rnndiagram\[raster\].*resvg-py') as info:
        svg_to_png(seed_svg())
    assert isinstance(info.value, ImportError)


def test_missing_pdf_writer_names_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "reportlab.pdfgen.canvas", None)
    with pytest.raises(MissingDependencyError, match=r'rnndiagram\[raster\].*reportlab'):
        svg_to_pdf(seed_svg())


@needs_dot
@pytest.mark.parametrize("fmt, magic", [("svg", b"<svg"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_graphviz_engine_renders_the_dot(fmt, magic):
    out = graphviz_render(rnndiagram.diagram(seed_spec()).to_dot(), fmt, None)
    assert magic in out[:400]
    if fmt == "svg":
        assert "simple_rnn" in out.decode("utf-8")


@needs_dot
def test_graphviz_dpi_scales_the_png():
    dot = rnndiagram.diagram(seed_spec()).to_dot()
    (w1, h1), (w2, h2) = (png_size(graphviz_render(dot, "png", dpi)) for dpi in (96, 192))
    assert (w2, h2) == pytest.approx((2 * w1, 2 * h1), abs=2)


@needs_dot
def test_graphviz_errors_carry_dots_message():
    with pytest.raises(RnnDiagramError, match="syntax error"):
        graphviz_render("digraph { a -> }", "svg", None)


def test_missing_dot_names_graphviz(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no `dot` anywhere
    with pytest.raises(MissingDependencyError, match=r"apt-get install graphviz.*graphviz\.org"):
        graphviz_render("digraph { a }", "png", None)


@pytest.mark.parametrize("width, height", [(10000, 10230.9), (8192, 8192), (9000.5, 7000.25), (30000, 400),
                                           (12345, 6789), (100000, 100000)])
def test_the_largest_scale_and_dpi_advised_fit(width: float, height: float) -> None:
    """The advice is rounded down: passing the number it gives draws the image."""
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"/>'
    with pytest.raises(OptionError, match=r"at most (\S+) fits") as too_big:
        svg_to_png(svg, 20.0)
    scale = float(re.search(r"at most (\S+) fits", str(too_big.value))[1])
    with pytest.raises(OptionError, match=r"at most (\d+) fits") as too_dense:
        svg_to_pdf(svg, 2400)
    dpi = int(re.search(r"at most (\d+) fits", str(too_dense.value))[1])
    def _fits(svg: str, factor: float) -> bool:
        return math.ceil(width * factor) * math.ceil(height * factor) <= MAX_RASTER_PIXELS

    next_scale = scale + 10 ** (math.floor(math.log10(scale)) - 1)  # the next of two significant digits
    assert _fits(svg, scale) and not _fits(svg, next_scale), (scale, next_scale)
    assert _fits(svg, dpi / 96) and not _fits(svg, (dpi + 1) / 96), dpi
