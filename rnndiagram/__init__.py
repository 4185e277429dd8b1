"""rnndiagram: diagrams of Keras recurrent layers unrolled in time.

``import rnndiagram`` does not import TensorFlow; it is loaded only when a live model is
read (see ``rnndiagram.read.keras_import``).
"""

from __future__ import annotations

from .api import Diagram, diagram
from .errors import (
    MissingDependencyError,
    NotAModelError,
    NotBuiltError,
    OptionError,
    OutputError,
    RnnDiagramError,
    RnnDiagramWarning,
    SourceError,
    UnknownFormatError,
    UnsupportedLayerError,
)
from .read import inspect
from .options import DiagramOptions
from .spec import (
    SCHEMA_VERSION,
    Connection,
    LayerSpec,
    ModelSpec,
    RecurrentSpec,
    StateSpec,
    TensorRef,
)

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION",
    "Connection",
    "Diagram",
    "DiagramOptions",
    "LayerSpec",
    "MissingDependencyError",
    "ModelSpec",
    "NotAModelError",
    "NotBuiltError",
    "OptionError",
    "OutputError",
    "RecurrentSpec",
    "RnnDiagramError",
    "RnnDiagramWarning",
    "SourceError",
    "StateSpec",
    "TensorRef",
    "UnknownFormatError",
    "UnsupportedLayerError",
    "__version__",
    "diagram",
    "inspect",
]
