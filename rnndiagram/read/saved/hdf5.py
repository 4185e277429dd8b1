"""Stage 0 for saved files: the model config of an ``.h5`` file, its ``model_config`` attribute.

Keras 2 and Keras 3 both write the model's config as JSON text in an attribute of the
file's root group, beside the weights. It is read with :mod:`h5py`, without Keras: no
weight is read and nothing is run. An attribute cannot be compressed, so it takes no more
memory than its bytes in the file: a fixed-length one is measured before it is read, and
a variable-length one (what Keras writes) is refused after, past :data:`MAX_CONFIG_BYTES`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import MissingDependencyError, SourceError
from .archive import MAX_CONFIG_BYTES, not_a_file

SIGNATURE = b"\x89HDF\r\n\x1a\n"
"""The first bytes of an HDF5 file (at offset 0, or 512, 1024... after a user block)."""


def h5_config_text(path: Path, where: str) -> str:
    """The text of the file's ``model_config`` attribute."""
    if not path.is_file():
        raise not_a_file(path, where)
    if not _is_hdf5(path, where):
        raise SourceError(f"{where} is not an HDF5 file, so not a Keras .h5 model")
    h5py = _h5py()
    try:
        with h5py.File(path, "r") as handle:
            return _config(handle, where)
    except SourceError:
        raise  # what _config found wrong in a file that HDF5 read
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise SourceError(f"{where} is not a readable HDF5 file: {str(exc)[:120]}") from None


def _config(handle: Any, where: str) -> str:
    attrs = handle.attrs
    if "model_config" not in attrs:
        hint = " (it holds weights only: model.save_weights)" if "layer_names" in attrs else ""
        raise SourceError(f"{where} has no model_config{hint}, so it holds no model to draw; "
                          f"save the whole model with model.save()")
    _check_size(attrs.get_id("model_config").get_storage_size(), where)
    value = attrs["model_config"]
    if getattr(getattr(value, "dtype", None), "kind", None) in ("S", "V") and getattr(value, "ndim", 1) == 0:
        value = value.tobytes()
    if isinstance(value, bytes):
        _check_size(len(value), where)
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise SourceError(f"{where}: model_config is not UTF-8 text") from None
    if isinstance(value, str):
        _check_size(len(value), where)
        return value
    raise SourceError(f"{where}: model_config is not text (it is {type(value).__name__})")


def _check_size(size: int, where: str) -> None:
    if size > MAX_CONFIG_BYTES:
        raise SourceError(f"{where}: model_config is {size:,} bytes; real ones are kilobytes, so it is not read")


def _is_hdf5(path: Path, where: str) -> bool:
    try:
        with open(path, "rb") as handle:
            offset = 0
            size = path.stat().st_size
            while offset + len(SIGNATURE) <= size:
                handle.seek(offset)
                if handle.read(len(SIGNATURE)) == SIGNATURE:
                    return True
                offset = 512 if offset == 0 else offset * 2
    except OSError as exc:
        raise SourceError(f"cannot read {where}: {exc.strerror or exc}") from None
    return False


def _h5py() -> Any:
    try:
        import h5py
    except ImportError:
        raise MissingDependencyError("reading an .h5 file needs h5py: pip install h5py") from None
    return h5py
