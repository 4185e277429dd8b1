"""Model sources: what a user can name on the command line or in a documentation page.

``example:NAME``, a saved model (``.keras``, ``.h5``, a SavedModel folder), a spec ``.json``
written by rnndiagram or a Keras model config ``.json`` (``model.to_json()``),
``package.module:attr`` or ``path/to/file.py:attr`` (a model, or a zero-argument callable
returning one). Shared by the CLI and the documentation plugins.

Saved models and Keras configs, Keras 2 ones included, are read without importing
TensorFlow or Keras (see :mod:`rnndiagram.saved`); only ``allow_load`` (a layer the
reader has no rule for) or ``live`` (the model must run) loads them with Keras.

A user's own code (a file or module imported, a function called) runs with a command
line of its own, TensorFlow's start-up log muted and its stderr held back: shown once it
succeeds, quoted in the one-line :class:`SourceError` when it fails or calls ``sys.exit``.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar, Union

from ._records import frozen
from .errors import RnnDiagramError, SourceError
from .spec import ModelSpec

T = TypeVar("T")

_MODULE_ATTR = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
_FILE_ATTR = re.compile(r"^(?P<path>.+\.py):(?P<attr>[A-Za-z_][\w.]*)$")
SAVED_SUFFIXES = (".keras", ".h5", ".hdf5")
FORMS = ("example:NAME, a .keras or .h5 file or a SavedModel folder, a spec or Keras config .json, "
         "package.module:attr or path/to/file.py:attr")


@frozen
class Source:
    """A resolved source: a short name (for output files) and a Keras model or a spec."""

    text: str
    name: str
    model: Union[Any, ModelSpec]


def resolve(text: str, allow_load: bool = False, live: bool = False, seed: Optional[int] = None) -> Source:
    """Turn a source string into a model or a spec; a bad source is a :class:`SourceError`.

    ``allow_load`` lets a saved file with a layer the file reader has no shape rule for
    (a custom layer) be loaded with Keras in ``safe_mode``; otherwise that is an
    :class:`~rnndiagram.errors.UnsupportedLayerError`. ``live`` always loads saved files
    with Keras, for callers that run the model (values mode). ``seed`` seeds Keras's random
    generators before a model is built from code (an example, a file, a function), so its
    weights, and the numbers values mode prints, repeat.
    """
    if text.startswith("example:"):
        return Source(text, text.split(":", 1)[1], _example(text.split(":", 1)[1], seed))
    match = _FILE_ATTR.match(text)
    if match:
        _seed(seed)
        module = _load_file(Path(match["path"]), text)
        return Source(text, match["attr"].rsplit(".", 1)[-1], _model_from(module, match["attr"], text))
    path = Path(text)
    if path.is_dir():
        return Source(text, path.resolve().name, _read_folder(path, allow_load, live))
    if path.suffix.lower() in SAVED_SUFFIXES + (".json",):
        if not path.is_file():
            from .read.saved.archive import not_a_file

            raise not_a_file(path, text)
        return Source(text, path.stem, _read_file(path, allow_load, live))
    if _MODULE_ATTR.match(text):
        module_name, attr = text.split(":", 1)
        _seed(seed)
        return Source(text, attr.rsplit(".", 1)[-1], _model_from(_import(module_name, text), attr, text))
    raise SourceError(f"cannot tell what {text!r} is; a source is one of: {FORMS}")


def _example(name: str, seed: Optional[int]) -> Any:
    from . import examples

    if name not in examples.names():
        raise SourceError(f"no built-in example {name!r}; examples are {', '.join(examples.names())} "
                          f"(see `rnndiagram examples`)")
    return examples.build(name, seed=seed)


def _seed(seed: Optional[int]) -> None:
    if seed is not None:
        from .read.values import seed_weights

        seed_weights(seed)


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
    if live:  # nor can it run the model saved as .h5 by tf_keras: only a Keras 3 model helps
        raise SourceError(f"{path} was written by Keras 2 (tf.keras or tf_keras), which Keras 3 cannot load "
                          f"to run; draw it without --values, or rebuild the model with Keras 3")
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
        return _keras_config(data, path) if live else read_config_json(text, allow_load=allow_load, where=str(path))
    if not isinstance(data, dict) or "layers" not in data or "schema_version" not in data:
        raise SourceError(f"{path} is not a model spec written by rnndiagram (no schema_version and "
                          f"layers) nor a Keras model config (model.to_json()); write a spec with "
                          f"`rnndiagram inspect SOURCE --json`")
    from .read.build import with_table_steps

    try:
        spec = ModelSpec.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise SourceError(f"{path} is not a valid model spec: {exc!r}") from exc
    return with_table_steps(spec)  # a spec written before layers said their steps


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
    def load() -> Any:
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (module_name + ".").startswith(exc.name + "."):
                raise  # a module that the user's module imports: the user's error, quoted
            raise SourceError(f"cannot import module {module_name!r} for {text!r}: {exc}") from exc

    return run_user_code(load, f"importing {module_name}", module_name)


def _load_file(path: Path, text: str) -> Any:
    if not path.is_file():
        from .read.saved.archive import not_a_file

        raise not_a_file(path, str(path))
    name = f"_rnndiagram_source_{re.sub(r'[^0-9A-Za-z_]', '_', path.stem)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SourceError(f"cannot load {path} as a Python module (in {text!r})")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent.resolve()))  # so the file can import its neighbours
    try:
        run_user_code(lambda: spec.loader.exec_module(module), f"running {path}", str(path))  # type: ignore[union-attr]
    finally:
        sys.path.remove(str(path.parent.resolve()))
    return module


def run_user_code(code: Callable[[], T], what: str, program: str) -> T:
    """``code()``, the user's own code, run as :mod:`rnndiagram.sources` describes.

    ``what`` says what ran (``running train.py``), ``program`` is the ``sys.argv[0]`` it sees.
    """
    from .read.quiet import native_stderr_muted, quiet_settings

    argv, sys.argv = sys.argv, [program]
    held = io.StringIO()
    quiet_settings()  # before the user's code imports TensorFlow, which reads them once
    try:
        with native_stderr_muted(), contextlib.redirect_stderr(held):
            result = code()
    except RnnDiagramError:
        raise
    except SystemExit as exc:
        raise SourceError(f"{what} called sys.exit({exc.code!r}){_said(held)}; rnndiagram imports it to "
                          f"find the model, so keep code that runs a script (argument parsing, "
                          f"training) under `if __name__ == \"__main__\":`") from None
    except Exception as exc:  # the user's code may raise anything; report it as the source's fault
        raise SourceError(f"{what} raised {type(exc).__name__}: {_first_line(exc)}{_said(held)}") from exc
    finally:
        sys.argv = argv
    sys.stderr.write(held.getvalue())
    return result


def _first_line(exc: BaseException) -> str:
    """The first line of an error's message, cut to 300 characters (``--debug`` shows it all)."""
    line = next((l.strip() for l in str(exc).splitlines() if l.strip()), "")
    return line if len(line) <= 300 else line[:299] + "…"


def _said(held: io.StringIO) -> str:
    """The last line the user's code wrote to stderr (e.g. argparse's error), to quote."""
    lines = [line.strip() for line in held.getvalue().splitlines() if line.strip()]
    return f" after printing {lines[-1][:200]!r}" if lines else ""


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
        obj = run_user_code(obj, f"calling {attr}() for {text!r}", text)
        if _is_model(obj):
            return obj
    raise SourceError(f"{text!r} gave {type(obj).__module__}.{type(obj).__qualname__}, not a Keras "
                      f"model; point at a keras.Model or a function that returns one")


def _is_model(obj: Any) -> bool:
    from .read.legacy import is_keras2_model

    keras = sys.modules.get("keras")
    return is_keras2_model(obj) or (keras is not None and isinstance(obj, keras.Model))
