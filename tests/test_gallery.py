"""The committed gallery is what `rnndiagram gallery` draws today."""

from __future__ import annotations

import re
from pathlib import Path

import keras
import pytest

from rnndiagram import examples
from rnndiagram.gallery import write_gallery

GALLERY = Path(__file__).resolve().parent.parent / "gallery"


@pytest.mark.slow  # draws the whole gallery
def test_committed_gallery_is_current(tmp_path, request):
    """Byte for byte; but the values drawings print numbers from seeded random weights, which
    each backend draws differently: those committed were drawn on TensorFlow, and are
    compared there (values on every backend are checked in test_values)."""
    if request.config.getoption("--update-golden"):
        write_gallery(GALLERY)
    written = write_gallery(tmp_path)
    names = sorted(p.name for p in written)
    assert sorted(p.name for p in GALLERY.iterdir() if p.is_file()) == names, \
        "gallery/ has different files: run `rnndiagram gallery`"
    stale = [n for n in names if (tmp_path / n).read_bytes() != (GALLERY / n).read_bytes()
             and not (("-values." in n or n.endswith("-heatmap.svg")) and keras.backend.backend() != "tensorflow")
             and not (n.endswith("-heatmap.svg") and _masked(tmp_path / n) == _masked(GALLERY / n))]
    assert stale == [], f"stale gallery files {stale}: run `rnndiagram gallery` and review"


def _masked(path):
    """A heatmap drawing without its states' values, their shades, the legend's range and
    the ids hashed from them: on TensorFlow, each Keras and TensorFlow release computes the
    last digits of the seeded model's states a little differently (the numbers are checked
    against Keras in test_heatmap); what is drawn where must not change."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'data-value="[^"]*"', 'data-value=""', text)
    text = re.sub(r"rnd-heat-[pn]\d+", "rnd-heat", text)
    text = re.sub(r"rnd-[0-9a-f]{12}", "rnd-id", text)
    return re.sub(r"[−-]?\d+(\.\d+)?(e[−-]?\d+)? to [−-]?\d+(\.\d+)?(e[−-]?\d+)?", "range", text)


def test_gallery_readme_shows_every_example_with_its_code():
    text = (GALLERY / "README.md").read_text()
    for name in examples.names():
        assert f"![{name}]({name}.svg)" in text
        assert f"def {name}()" in text
    assert "rnndiagram gallery" in text
    assert "[deep_bidirectional_gru.html](deep_bidirectional_gru.html)" in text
    assert (GALLERY / "seed_stacked-values.html").is_file()
