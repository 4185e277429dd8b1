"""What an example is: a name, a title, a sentence, and the function that builds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Tuple

SEED_TOKENS = ("I", "am", "groot")
"""The words of the blog post's figures, one per timestep."""


@dataclass(frozen=True)
class Example:
    """One example model: ``build()`` returns it freshly built."""

    name: str
    title: str
    description: str
    build: Callable[[], Any]
    tokens: Optional[Tuple[str, ...]] = None
