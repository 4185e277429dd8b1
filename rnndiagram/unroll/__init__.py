"""Stage 2, unroll: a ModelSpec and options in, an UnrolledGraph (what to draw) out.

Which timesteps are shown, and where the ellipsis goes, is decided here and only here.
``builder.unroll`` draws each layer on a typed ``canvas.Canvas``, by the module its spec
chooses (``builder.draw_layer``); ``rolled`` makes the rolled view.
"""

from .builder import summary, unroll
from .graph import UnrolledGraph

__all__ = ["UnrolledGraph", "summary", "unroll"]
