"""Stage 3, layout: an UnrolledGraph in, a Scene (boxes, arrows and text in absolute
coordinates) out. All geometry is computed here; renderers only loop over the scene."""

from .grid import layout
from .scene import Scene

__all__ = ["Scene", "layout"]
