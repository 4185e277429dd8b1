"""Reading saved models without Keras: ``read_saved(path_or_bytes)`` and ``read_config_json(text)``.

The reader lives in :mod:`rnndiagram.read.saved`; this module keeps its public path.
"""

from .read.saved import MAX_CONFIG_BYTES, is_keras_config, read_config_json, read_saved

__all__ = ["MAX_CONFIG_BYTES", "is_keras_config", "read_config_json", "read_saved"]
