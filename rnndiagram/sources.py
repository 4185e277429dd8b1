"""Model sources: what a user can name on the command line or in a documentation page.

``example:NAME``, a saved model (``.keras``, ``.h5``, a SavedModel folder), a spec ``.json``
written by rnndiagram or a Keras model config ``.json`` (``model.to_json()``),
``package.module:attr`` or ``path/to/file.py:attr`` (a model, or a zero-argument callable
returning one). Shared by the CLI and the documentation plugins.

Saved models and Keras configs, Keras 2 ones included, are read without importing
TensorFlow or Keras (see :mod:`rnndiagram.saved`); only ``allow_load`` (a layer the
reader has no rule for) or ``live`` (the model must run) loads them with Keras.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from .errors import SourceError
from .spec import ModelSpec

_MODULE_ATTR = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_FILE_ATTR = re.compile(r"^(?P<path>.+\.py):(?P<attr>[A-Za-z_][\w.]*)$")
SAVED_SUFFIXES = (".keras", ".h5", ".hdf5")
FORMS = ("example:NAME, a .keras or .h5 file or a SavedModel folder, a spec or Keras config .json, "
         "package.module:attr or path/to/file.py:attr")


@dataclass(frozen=True)
class Source:
    """A resolved source: a short name (for output files) and a Keras model or a spec."""

    text: str
    name: str
    model: Union[Any, ModelSpec]


def resolve(text: str, allow_load: bool = False, live: bool = False) -> Source:
    """Turn a source string into a model or a spec; a bad source is a :class:`SourceError`.

    ``allow_load`` lets a saved file with a layer the file reader has no shape rule for
    (a custom layer) be loaded with Keras in ``safe_mode``; otherwise that is an
    :class:`~rnndiagram.errors.UnsupportedLayerError`. ``live`` always loads saved files
    with Keras, for callers that run the model (values mode).
    """
    if text.startswith("example:"):
        return Source(text, text.split(":", 1)[1], _example(text.split(":", 1)[1]))
    match = _FILE_ATTR.match(text)
    if match:
        module = _load_file(Path(match["path"]), text)
        return Source(text, match["attr"].rsplit(".", 1)[-1], _model_from(module, match["attr"], text))
    path = Path(text)
    if path.is_dir():
        return Source(text, path.resolve().name, _read_folder(path, allow_load, live))
    if path.suffix.lower() in SAVED_SUFFIXES + (".json",):
        if not path.is_file():
            raise SourceError(f"no such file: {text}")
        return Source(text, path.stem, _read_file(path, allow_load, live))
    if _MODULE_ATTR.match(text):
        module_name, attr = text.split(":", 1)
        return Source(text, attr.rsplit(".", 1)[-1], _model_from(_import(module_name, text), attr, text))
    raise SourceError(f"cannot tell what {text!r} is; a source is one of: {FORMS}")


def _example(name: str) -> Any:
    from . import examples

    if name not in examples.names():
        raise SourceError(f"no built-in example {name!r}; examples are {', '.join(examples.names())} "
                          f"(see `rnndiagram examples`)")
    return examples.build(name)


def _read_file(path: Path, allow_load: bool, live: bool) -> Union[Any, ModelSpec]:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _json_file(path, allow_load, live)
    if suffix == ".keras" and not live:
        from .saved import read_saved

        return read_saved(path, allow_load=allow_load)
    if suffix in (".h5", ".hdf5") and not live:
        from .saved import read_h5

        return read_h5(path, allow_load=allow_load)
    return _saved_model(path)


def _read_folder(path: Path, allow_load: bool, live: bool) -> Union[Any, ModelSpec]:
    from .saved import is_savedmodel, read_savedmodel

    if not is_savedmodel(path):
        raise SourceError(f"{path} is a folder without saved_model.pb or keras_metadata.pb, so not a "
                          f"SavedModel; a source is one of: {FORMS}")
    if live:
        raise SourceError(f"{path} is a Keras 2 SavedModel, which Keras 3 cannot load to run; draw it "
                          f"without --values, or save the model with tf_keras as model.save('m.h5')")
    return read_savedmodel(path, allow_load=allow_load)


def _saved_model(path: Path) -> Any:
    from .read.loading import load_model

    try:
        return load_model(path, str(path))
    except SourceError:
        _refuse_keras2(path, path)
        raise


def _json_file(path: Path, allow_load: bool, live: bool) -> Union[Any, ModelSpec]:
    from .saved import MAX_CONFIG_BYTES, is_keras_config, read_config_json

    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise SourceError(f"{path} is {path.stat().st_size:,} bytes, larger than any model spec or "
                          f"Keras config, so it is not read")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SourceError(f"cannot read {path} as JSON: {exc}") from exc
    if is_keras_config(data):
        return _keras_config(data, path) if live else read_config_json(text, allow_load=allow_load)
    if not isinstance(data, dict) or "layers" not in data or "schema_version" not in data:
        raise SourceError(f"{path} is not a model spec written by rnndiagram (no schema_version and "
                          f"layers) nor a Keras model config (model.to_json()); write a spec with "
                          f"`rnndiagram inspect SOURCE --json`")
    try:
        return ModelSpec.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise SourceError(f"{path} is not a valid model spec: {exc!r}") from exc


def _keras_config(data: Any, path: Path) -> Any:
    from .read.loading import from_config

    try:
        return from_config(data, str(path))
    except SourceError:
        _refuse_keras2(data, path)
        raise


def _refuse_keras2(config: Any, path: Path) -> None:
    """Keras 3 cannot load most Keras 2 files (their layers take arguments it has dropped):
    one line that says so, in place of the error Keras raised."""
    from .read.saved import written_by_keras2

    if written_by_keras2(config):
        raise SourceError(f"{path} was written by Keras 2 (tf.keras or tf_keras), which Keras 3 cannot "
                          f"load to run; draw it without --values, or rebuild the model with Keras 3") from None


def _import(module_name: str, text: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise SourceError(f"cannot import module {module_name!r} for {text!r}: {exc}") from exc


def _load_file(path: Path, text: str) -> Any:
    if not path.is_file():
        raise SourceError(f"no such file: {path} (in {text!r})")
    name = f"_rnndiagram_source_{re.sub(r'[^0-9A-Za-z_]', '_', path.stem)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SourceError(f"cannot load {path} as a Python module (in {text!r})")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent.resolve()))  # so the file can import its neighbours
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's file may raise anything; report it as the source's fault
        raise SourceError(f"running {path} raised {type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.remove(str(path.parent.resolve()))
    return module


def _model_from(module: Any, attr: str, text: str) -> Any:
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            public = sorted(n for n in dir(obj) if not n.startswith("_"))[:20]
            raise SourceError(f"{text!r}: {getattr(obj, '__name__', obj)!r} has no attribute {part!r}; "
                              f"it has {', '.join(public) or 'no public names'}")
        obj = getattr(obj, part)
    if _is_model(obj) or isinstance(obj, ModelSpec):
        return obj
    if callable(obj):
        try:
            obj = obj()
        except Exception as exc:  # a user's builder may raise anything
            raise SourceError(f"calling {attr}() for {text!r} raised {type(exc).__name__}: {exc}") from exc
        if _is_model(obj):
            return obj
    raise SourceError(f"{text!r} gave {type(obj).__module__}.{type(obj).__qualname__}, not a Keras "
                      f"model; point at a keras.Model or a function that returns one")


def _is_model(obj: Any) -> bool:
    from .read.legacy import is_keras2_model

    keras = sys.modules.get("keras")
    return is_keras2_model(obj) or (keras is not None and isinstance(obj, keras.Model))
