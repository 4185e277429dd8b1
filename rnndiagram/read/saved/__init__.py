"""Stage 0 for saved files: a saved model or a Keras JSON config in, a ModelSpec out.

Read without TensorFlow or Keras, and without running anything: the ``config.json`` of a
``.keras`` archive (read with :mod:`zipfile`), the ``model_config`` attribute of an
``.h5`` file (:mod:`h5py`), the ``keras_metadata.pb`` of a SavedModel folder
(``protobuf``), or the text of ``model.to_json()``. A config written by Keras 2
(tf.keras, tf_keras) is first translated into Keras 3's form (:mod:`.keras2`). Shapes
come from the input shapes stored in the file and the shape rules of each supported
layer, and the spec equals the one :func:`rnndiagram.inspect` gives for the live model.

A file is untrusted input: every way it can be malformed (not a zip, no ``config.json``,
unsafe entry names, an oversized or bomb-like entry, invalid JSON, wrong types) is a
:class:`SourceError`, found in bounded time and memory. A layer without a shape rule
(a custom layer) is an :class:`UnsupportedLayerError`.

This reader never loads a file with Keras and imports no other reader: ``allow_load``, the
fallback to Keras, is the dispatcher's (:mod:`rnndiagram.read`, whose functions of the same
names take it; :mod:`rnndiagram.saved` is their public path).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Tuple, Union

from ...errors import SourceError, UnsupportedLayerError
from ...spec import ModelSpec
from .archive import MAX_CONFIG_BYTES, PathOrBytes, config_text
from .form import needs_translation
from ..config import Cfg, is_model
from .graph import Graph, model_spec

__all__ = ["MAX_CONFIG_BYTES", "is_keras_config", "is_savedmodel", "read_config_json", "read_h5",
           "read_saved", "read_savedmodel", "source_name", "written_by_keras2"]


def read_saved(source: PathOrBytes) -> ModelSpec:
    """The spec of the model saved in a ``.keras`` archive (a path, or the file's bytes).

    Raises :class:`SourceError` for a file that is not a readable Keras archive,
    :class:`NotBuiltError` for a model saved before it was built, and
    :class:`UnsupportedLayerError` for a layer without a shape rule.
    """
    where = source_name(source)
    return _spec(config_text(source, where), where)


def read_h5(path: Union[str, Path]) -> ModelSpec:
    """The spec of the model in an ``.h5`` file written by Keras 2 or Keras 3, from its
    ``model_config`` attribute; errors as for :func:`read_saved`."""
    from .hdf5 import h5_config_text  # here, as the SavedModel reader below: a .keras file needs neither

    where = str(path)
    return _spec(h5_config_text(Path(path), where), where, "model_config")


def read_savedmodel(folder: Union[str, Path]) -> ModelSpec:
    """The spec of the model in a SavedModel folder written by Keras 2 (tf.keras, tf_keras),
    from its ``keras_metadata.pb``; errors as for :func:`read_saved`."""
    from .savedmodel import savedmodel_config

    where = str(folder)
    return _spec_of(savedmodel_config(Path(folder), where), where, "keras_metadata.pb")


def read_config_json(text: str, where: str = "the model config") -> ModelSpec:
    """The spec of a model from its Keras JSON config (``model.to_json()``); errors are those
    of :func:`read_saved`, naming ``where`` (e.g. the file the text was read from)."""
    return _spec(text, where, "JSON")


def is_savedmodel(path: Path) -> bool:
    """Whether ``path`` is a SavedModel folder (TensorFlow's ``saved_model.pb`` or Keras's metadata)."""
    from .savedmodel import is_savedmodel as is_folder

    return is_folder(path)


def source_name(source: PathOrBytes) -> str:
    """How errors name a ``.keras`` source: its path, or "the archive" for its bytes."""
    return "the archive" if isinstance(source, (bytes, bytearray)) else str(source)


def is_keras_config(data: Any) -> bool:
    """Whether parsed JSON looks like a Keras model config (and not an rnndiagram spec)."""
    return isinstance(data, dict) and "class_name" in data and "config" in data


def written_by_keras2(source: Union[Path, Any]) -> bool:
    """Whether a parsed model config, or the one in a ``.keras``, ``.h5`` or ``.json`` file,
    was written by Keras 2; a file that cannot be read says no (its reader tells why)."""
    try:
        data = json.loads(_config_file_text(source)) if isinstance(source, Path) else source
        return _translated(data)[1]
    except (SourceError, OSError, ValueError, RecursionError, TypeError, KeyError, IndexError, AttributeError):
        return False


def _config_file_text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".h5", ".hdf5"):
        from .hdf5 import h5_config_text

        return h5_config_text(path, str(path))
    if suffix == ".keras":
        return config_text(path, str(path))
    return path.read_text(encoding="utf-8")


def _translated(data: Any) -> Tuple[Any, bool]:
    """The config in Keras 3's form, and whether Keras 2 wrote it; the translator is imported
    only for a config that needs it (not for a Keras 3 file)."""
    if not isinstance(data, dict) or not needs_translation(data):
        return data, False
    from .keras2 import translate

    translated = translate(data)
    return translated.data, translated.keras2


def _spec(text: str, where: str, what: str = "config.json") -> ModelSpec:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SourceError(f"{where}: {what} is not valid JSON ({str(exc)[:80]})") from None
    return _spec_of(data, where, what)


def _spec_of(data: Any, where: str, what: str) -> ModelSpec:
    """The spec of the model config ``data``, read from ``what`` (``config.json``,
    ``model_config``...) of ``where`` (the file), which its errors name."""
    try:
        data, keras2 = _translated(data)
        entry = Cfg(data, f"{where}: {what}")
        kind, module = entry.raw("class_name", None), entry.raw("module", None)
        if kind not in ("Sequential", "Functional"):
            raise UnsupportedLayerError(
                f"{where} holds a {kind!r} model; the file reader reads Sequential and functional models "
                f"(a subclassed keras.Model keeps no layer graph in its file): pass --allow-load "
                f"(allow_load=True in the API) to load it with Keras, whose call is then traced, "
                f"or draw the model itself")
        if not is_model(entry):
            raise SourceError(f"{where} was not written by Keras (the model's module is {module!r}); "
                              f"save the model with Keras, or pass the model itself")
        return model_spec(Graph(entry, keras2=keras2))
    except RecursionError:
        raise SourceError(f"{where}: the model config is nested too deeply") from None
    except (TypeError, KeyError, IndexError, AttributeError, ArithmeticError) as exc:
        # A last guard for untrusted input: the reader checks types where it reads them,
        # but a malformed file must never end in a traceback.
        raise SourceError(f"{where}: {what} is malformed ({type(exc).__name__}: {exc})") from None
