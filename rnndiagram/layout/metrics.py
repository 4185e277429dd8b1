"""Text widths from one fixed table, so layout is the same on every machine.

Advance widths of DejaVu Sans (regular and bold) in thousandths of an em, for printable
ASCII; the SVG declares that font first. Characters outside the table count as a full em
(wide enough for CJK), except the few symbols the diagrams use, listed below.

>>> round(text_width("RNN", 15, bold=True), 1)
36.7
"""

from __future__ import annotations

from functools import lru_cache
from typing import Dict, Tuple

from ..labels import shorten

_REGULAR: Tuple[int, ...] = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)
_REGULAR_EXTRA: Dict[str, int] = {'₀': 401, '₁': 401, '₂': 401, '₃': 401, '₄': 401, '₅': 401, '₆': 401, '₇': 401, '₈': 401, '₉': 401, 'ₜ': 295, '×': 838, '·': 318, '…': 1000, '→': 838, '←': 838, '⊕': 838, '−': 838, '⋯': 1000,
                                  '₋': 528, '₊': 528, '′': 227, '⊙': 838, '∗': 838, 'σ': 634, '⇄': 838}

_BOLD: Tuple[int, ...] = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365,
    696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
    1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850,
    733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
    500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
    716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
)
_BOLD_EXTRA: Dict[str, int] = {'₀': 438, '₁': 438, '₂': 438, '₃': 438, '₄': 438, '₅': 438, '₆': 438, '₇': 438, '₈': 438, '₉': 438, 'ₜ': 388, '×': 838, '·': 380, '…': 1000, '→': 838, '←': 838, '⊕': 838, '−': 838, '⋯': 1000,
                               '₋': 528, '₊': 528, '′': 264, '⊙': 838, '∗': 838, 'σ': 779, '⇄': 838}


def char_width(ch: str, bold: bool = False) -> int:
    table, extra = (_BOLD, _BOLD_EXTRA) if bold else (_REGULAR, _REGULAR_EXTRA)
    code = ord(ch)
    if 32 <= code < 127:
        return table[code - 32]
    return extra.get(ch, 1000)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in px of ``text`` at font ``size`` px, as the drawing prints it (a name too
    long to print whole shortened, :func:`rnndiagram.labels.shorten`)."""
    return _advance(shorten(text), bold) * size / 1000


@lru_cache(maxsize=4096)
def _advance(text: str, bold: bool) -> int:
    """The summed advance widths of ``text``, in thousandths of an em.

    Cached: a diagram measures the same few captions and numbers many times.
    """
    return sum(char_width(ch, bold) for ch in text)
