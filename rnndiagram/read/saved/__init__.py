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
(a custom layer) is an :class:`UnsupportedLayerError` unless ``allow_load=True``, which
loads the file with Keras in ``safe_mode`` instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Union

from ...errors import SourceError, UnsupportedLayerError
from ...spec import ModelSpec
from .archive import MAX_CONFIG_BYTES, PathOrBytes, config_text
from ..config import Cfg, is_model
from .graph import Graph, model_spec
from .hdf5 import h5_config_text
from .keras2 import translate
from .savedmodel import is_savedmodel, savedmodel_config

__all__ = ["MAX_CONFIG_BYTES", "is_keras_config", "is_savedmodel", "read_config_json", "read_h5",
           "read_saved", "read_savedmodel", "written_by_keras2"]


def read_saved(source: PathOrBytes, allow_load: bool = False) -> ModelSpec:
    """The spec of the model saved in a ``.keras`` archive (a path, or the file's bytes).

    Raises :class:`SourceError` for a file that is not a readable Keras archive,
    :class:`NotBuiltError` for a model saved before it was built, and
    :class:`UnsupportedLayerError` for a layer without a shape rule, unless
    ``allow_load`` is true: then the file is loaded with Keras (``safe_mode=True``), as it
    is for a custom class the reader reads without its code (``LayerSpec.code_not_run``).
    """
    where = "the archive" if isinstance(source, (bytes, bytearray)) else str(source)
    text = config_text(source, where)
    return _read_or_load(lambda: _spec(text, where), lambda: _load_archive(source, where), allow_load)


def read_h5(path: Union[str, Path], allow_load: bool = False) -> ModelSpec:
    """The spec of the model in an ``.h5`` file written by Keras 2 or Keras 3, from its
    ``model_config`` attribute; errors and ``allow_load`` as for :func:`read_saved`."""
    where = str(path)
    text = h5_config_text(Path(path), where)
    return _read_or_load(lambda: _spec(text, where, "model_config"), lambda: _load_archive(str(path), where),
                         allow_load)


def read_savedmodel(folder: Union[str, Path], allow_load: bool = False) -> ModelSpec:
    """The spec of the model in a SavedModel folder written by Keras 2 (tf.keras, tf_keras),
    from its ``keras_metadata.pb``. Keras 3 cannot load such a folder, so ``allow_load``
    cannot help with a layer the reader has no rule for: the error says how to convert."""
    where = str(folder)
    data = savedmodel_config(Path(folder), where)
    try:
        return _spec_of(data, where, "keras_metadata.pb")
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
    def load() -> ModelSpec:
        from ..live import read_model
        from ..loading import from_config

        return read_model(from_config(json.loads(text)))

    return _read_or_load(lambda: _spec(text, where, "JSON"), load, allow_load)


def _read_or_load(read: Callable[[], ModelSpec], load: Callable[[], ModelSpec], allow_load: bool) -> ModelSpec:
    """The spec read from the file; with ``allow_load``, Keras's loaded model's where the
    reader cannot read a layer or read a custom class without its code."""
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


def is_keras_config(data: Any) -> bool:
    """Whether parsed JSON looks like a Keras model config (and not an rnndiagram spec)."""
    return isinstance(data, dict) and "class_name" in data and "config" in data


def written_by_keras2(source: Union[Path, Any]) -> bool:
    """Whether a parsed model config, or the one in a ``.keras``, ``.h5`` or ``.json`` file,
    was written by Keras 2; a file that cannot be read says no (its reader tells why)."""
    try:
        data = json.loads(_config_file_text(source)) if isinstance(source, Path) else source
        return translate(data).keras2
    except (SourceError, OSError, ValueError, RecursionError, TypeError, KeyError, IndexError, AttributeError):
        return False


def _config_file_text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".h5", ".hdf5"):
        return h5_config_text(path, str(path))
    if suffix == ".keras":
        return config_text(path, str(path))
    return path.read_text(encoding="utf-8")


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
        translated = translate(data)
        entry = Cfg(translated.data, f"{where}: {what}")
        kind, module = entry.raw("class_name", None), entry.raw("module", None)
        if kind not in ("Sequential", "Functional"):
            raise UnsupportedLayerError(
                f"{where} holds a {kind!r} model; rnndiagram reads Sequential and functional models "
                f"(a subclassed keras.Model has no layer graph to read)")
        if not is_model(entry):
            raise SourceError(f"{where} was not written by Keras (the model's module is {module!r}); "
                              f"save the model with Keras, or pass the model itself")
        return model_spec(Graph(entry, keras2=translated.keras2))
    except RecursionError:
        raise SourceError(f"{where}: the model config is nested too deeply") from None
    except (TypeError, KeyError, IndexError, AttributeError, ArithmeticError) as exc:
        # A last guard for untrusted input: the reader checks types where it reads them,
        # but a malformed file must never end in a traceback.
        raise SourceError(f"{where}: {what} is malformed ({type(exc).__name__}: {exc})") from None


def _load_archive(source: PathOrBytes, where: str) -> ModelSpec:
    """The fallback: load with Keras (safe_mode, no compile) and read the live model."""
    from ..live import read_model
    from ..loading import load_model

    return read_model(load_model(source if isinstance(source, (bytes, bytearray)) else str(source), where))
