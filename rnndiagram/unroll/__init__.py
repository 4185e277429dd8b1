"""Stage 2, unroll: a ModelSpec and options in, an UnrolledGraph (what to draw) out.

Which timesteps are shown, and where the ellipsis goes, is decided here and only here.
"""

from .builder import summary, unroll
from .graph import UnrolledGraph

__all__ = ["UnrolledGraph", "summary", "unroll"]
