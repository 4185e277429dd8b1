"""Reading saved models without Keras: ``read_saved(path_or_bytes)`` (``.keras``),
``read_h5(path)``, ``read_savedmodel(folder)`` and ``read_config_json(text)``.

The reader lives in :mod:`rnndiagram.read.saved`, and ``allow_load``, its fallback to Keras,
in the dispatcher :mod:`rnndiagram.read`; this module keeps their public path.
"""

from .read import read_config_json, read_h5, read_saved, read_savedmodel
from .read.saved import MAX_CONFIG_BYTES, is_keras_config, is_savedmodel

__all__ = ["MAX_CONFIG_BYTES", "is_keras_config", "is_savedmodel", "read_config_json", "read_h5",
           "read_saved", "read_savedmodel"]
