"""Stage 0, reading: a Keras model, live or saved in a file, into a ModelSpec.

This module is the one dispatcher; the readers it chooses never import one another:

- :mod:`.live` reads a built Keras 3 model;
- :mod:`.legacy` tells a live Keras 2 model (tf_keras) and gives its ``to_json()``, which the
  file reader reads;
- :mod:`.saved` reads a ``.keras``, ``.h5`` or SavedModel file or a Keras config without
  importing Keras. Where it cannot (a layer without a shape rule), or reads a custom class
  without running its code, ``allow_load`` makes the dispatcher load the file with Keras
  (:mod:`.loading`) and read the loaded model with the live reader.

Both kinds of reader describe each call through the one layer table (``layers``) and the one
spec builder (``build``). The readers are imported on first use: importing the package
imports neither Keras nor the file reader.
"""

from __future__ import annotations

from typing import Any

from ..spec import ModelSpec
from .legacy import is_keras2_model, keras2_config

__all__ = ["inspect"]


def inspect(model: Any) -> ModelSpec:
    """The :class:`ModelSpec` of a built Keras ``Sequential`` or ``Functional`` model.

    Raises :class:`NotAModelError` for anything that is not a ``keras.Model`` and
    :class:`NotBuiltError` for a model whose input shape is not known yet. A Keras 2
    model (tf_keras) is read through its own ``to_json()``.
    """
    if is_keras2_model(model):
        from .saved import read_config_json

        return read_config_json(keras2_config(model))
    from .live import read_model

    return read_model(model)
