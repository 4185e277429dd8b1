"""Stage 3 of both views side by side: the rolled and the unrolled scenes set beside each
other with an equals sign."""

from __future__ import annotations

from ...layout.scene import Group, Label, Scene, translate


def beside(rolled: Scene, unrolled: Scene, gap: float = 36.0) -> Scene:
    """The rolled scene, an equals sign, and the unrolled scene, their bottoms aligned: the
    figure textbooks draw of a recurrent network."""
    height = max(rolled.height, unrolled.height)
    sign_x = rolled.width + gap / 2
    mid = height - rolled.height / 2
    sign = Group("rnd-equals", (Label(sign_x, mid + 0.36 * 40, "=", "rnd-equals-label", 40, bold=True),))
    items = (translate(rolled.items, 0, height - rolled.height) + (sign,)
             + translate(unrolled.items, rolled.width + gap, height - unrolled.height))
    desc = f"The rolled diagram equals the unrolled one. {unrolled.desc}"
    return Scene(round(rolled.width + gap + unrolled.width, 1), round(height, 1), unrolled.title, desc,
                 unrolled.theme, items, tuple(dict.fromkeys(rolled.styles + unrolled.styles)))
