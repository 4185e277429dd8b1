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
spec builder (``build``). The live and file readers are imported on first use, so importing
the package imports neither Keras nor any reader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Union

from ..errors import UnsupportedLayerError
from ..spec import ModelSpec

if TYPE_CHECKING:
    from .saved.archive import PathOrBytes

__all__ = ["inspect", "read_config_json", "read_h5", "read_saved", "read_savedmodel"]


def inspect(model: Any) -> ModelSpec:
    """The :class:`ModelSpec` of a built Keras ``Sequential`` or ``Functional`` model.

    Raises :class:`NotAModelError` for anything that is not a ``keras.Model`` and
    :class:`NotBuiltError` for a model whose input shape is not known yet. A Keras 2
    model (tf_keras) is read through its own ``to_json()``.
    """
    from .legacy import is_keras2_model, keras2_config

    if is_keras2_model(model):
        from . import saved

        return saved.read_config_json(keras2_config(model))
    from .live import read_model

    return read_model(model)


def read_saved(source: PathOrBytes, allow_load: bool = False) -> ModelSpec:
    """The spec of the model saved in a ``.keras`` archive (a path, or the file's bytes).

    Raises :class:`SourceError` for a file that is not a readable Keras archive,
    :class:`NotBuiltError` for a model saved before it was built, and
    :class:`UnsupportedLayerError` for a layer without a shape rule, unless
    ``allow_load`` is true: then the file is loaded with Keras (``safe_mode=True``), as it
    is for a custom class the reader reads without its code (``LayerSpec.code_not_run``).
    """
    from . import saved

    return _read_or_load(lambda: saved.read_saved(source), lambda: _load(source, saved.source_name(source)),
                         allow_load)


def read_h5(path: Union[str, Path], allow_load: bool = False) -> ModelSpec:
    """The spec of the model in an ``.h5`` file written by Keras 2 or Keras 3, from its
    ``model_config`` attribute; errors and ``allow_load`` as for :func:`read_saved`."""
    from . import saved

    return _read_or_load(lambda: saved.read_h5(path), lambda: _load(str(path), str(path)), allow_load)


def read_savedmodel(folder: Union[str, Path], allow_load: bool = False) -> ModelSpec:
    """The spec of the model in a SavedModel folder written by Keras 2 (tf.keras, tf_keras),
    from its ``keras_metadata.pb``. Keras 3 cannot load such a folder, so ``allow_load``
    cannot help with a layer the reader has no rule for: the error says how to convert."""
    from . import saved

    try:
        return saved.read_savedmodel(folder)
    except UnsupportedLayerError as exc:
        if not allow_load:
            raise
        raise UnsupportedLayerError(
            f"{exc}; Keras 3 cannot load a SavedModel folder (nor most files of Keras 2), so rebuild the "
            f"model with Keras 3, save it as .keras and pass that with --allow-load") from None


def read_config_json(text: str, allow_load: bool = False, where: str = "the model config") -> ModelSpec:
    """The spec of a model from its Keras JSON config (``model.to_json()``).

    Errors are those of :func:`read_saved`, naming ``where`` (e.g. the file the text was
    read from); with ``allow_load`` an unsupported layer (or a custom class read without its
    code) makes Keras rebuild the model from the config (``safe_mode=True``) instead.
    """
    from . import saved

    def load() -> ModelSpec:
        from .live import read_model
        from .loading import from_config

        return read_model(from_config(json.loads(text)))

    return _read_or_load(lambda: saved.read_config_json(text, where), load, allow_load)


def _read_or_load(read: Callable[[], ModelSpec], load: Callable[[], ModelSpec], allow_load: bool) -> ModelSpec:
    """The spec the file reader reads; with ``allow_load``, that of the model Keras loads
    where the reader cannot read a layer, or reads a custom class without its code."""
    try:
        spec = read()
    except UnsupportedLayerError:
        if not allow_load:
            raise
        return load()
    return load() if allow_load and _code_not_run(spec) else spec


def _code_not_run(spec: ModelSpec) -> bool:
    return any(l.code_not_run or (l.model is not None and _code_not_run(l.model)) or
               (l.wrapped is not None and l.wrapped.code_not_run) for l in spec.layers)


def _load(source: PathOrBytes, where: str) -> ModelSpec:
    """The fallback: the file loaded with Keras (safe_mode, no compile), read by the live reader."""
    from .live import read_model
    from .loading import load_model

    return read_model(load_model(source if isinstance(source, (bytes, bytearray)) else str(source), where))
