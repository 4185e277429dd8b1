"""Stage 3 of both views: the rolled and the unrolled scenes set beside each other with an
equals sign, or one above the other where side by side they would be wider than the width
budget."""

from __future__ import annotations

from ...layout.bands import WIDTH
from ...layout.scene import Group, Label, Scene, translate


def beside(rolled: Scene, unrolled: Scene, gap: float = 36.0) -> Scene:
    """The rolled scene, an equals sign, and the unrolled scene, their bottoms aligned: the
    figure textbooks draw of a recurrent network; where that is wider than the budget
    (``layout.bands.WIDTH``) but the two are not, the rolled scene above the unrolled one."""
    if rolled.width + gap + unrolled.width > WIDTH and max(rolled.width, unrolled.width) <= WIDTH:
        return _above(rolled, unrolled)
    height = max(rolled.height, unrolled.height)
    sign_x = rolled.width + gap / 2
    mid = height - rolled.height / 2
    sign = Group("rnd-equals", (Label(sign_x, mid + 0.36 * 40, "=", "rnd-equals-label", 40, bold=True),))
    items = (translate(rolled.items, 0, height - rolled.height) + (sign,)
             + translate(unrolled.items, rolled.width + gap, height - unrolled.height))
    desc = f"The rolled diagram equals the unrolled one. {unrolled.desc}"
    return Scene(round(rolled.width + gap + unrolled.width, 1), round(height, 1), unrolled.title, desc,
                 unrolled.theme, items, tuple(dict.fromkeys(rolled.styles + unrolled.styles)))


def _above(rolled: Scene, unrolled: Scene, band: float = 48.0) -> Scene:
    """The rolled scene centred above an equals sign (in a band of its own) and the unrolled
    scene."""
    width = max(rolled.width, unrolled.width)
    middle = rolled.height + band / 2
    sign = Group("rnd-equals", (Label(width / 2, middle + 0.36 * 40, "=", "rnd-equals-label", 40, bold=True),))
    items = (translate(rolled.items, (width - rolled.width) / 2, 0) + (sign,)
             + translate(unrolled.items, (width - unrolled.width) / 2, rolled.height + band))
    desc = f"The rolled diagram, above, equals the unrolled one. {unrolled.desc}"
    return Scene(round(width, 1), round(rolled.height + band + unrolled.height, 1), unrolled.title, desc,
                 unrolled.theme, items, tuple(dict.fromkeys(rolled.styles + unrolled.styles)))
