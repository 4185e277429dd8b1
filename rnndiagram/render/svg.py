"""Stage 4, SVG: a Scene rendered through ``templates/diagram.svg.j2`` (autoescaped)."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import jinja2

from .._resources import template_dirs
from ..scene import Arrow, Box, Group, Label, Scene


def num(value: float) -> str:
    """Every coordinate goes through here: one decimal at most, no trailing zeros.

    >>> num(12.0), num(3.25), num(-0.04)
    ('12', '3.2', '0')
    """
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def points(pts: Iterable) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in pts)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in template_dirs()]),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    env.filters["num"] = num
    env.filters["points"] = points
    env.tests["box"] = lambda item: isinstance(item, Box)
    env.tests["label"] = lambda item: isinstance(item, Label)
    env.tests["arrow"] = lambda item: isinstance(item, Arrow)
    env.tests["group"] = lambda item: isinstance(item, Group)
    return env


def render_svg(scene: Scene) -> str:
    """The scene as a self-contained SVG document."""
    return environment().get_template("diagram.svg.j2").render(scene=scene)
