"""Stage 0 for saved files: the model config of an ``.h5`` file, its ``model_config`` attribute.

Keras 2 and Keras 3 both write the model's config as JSON text in an attribute of the
file's root group, beside the weights. It is read with :mod:`h5py`, without Keras: no
weight is read and nothing is run. An attribute cannot be compressed, so it takes no more
memory than its bytes in the file: a fixed-length one is measured before it is read. A
variable-length one (what Keras writes) has no size HDF5 can tell before reading it, but it
lies outside the datasets' data: a file that holds more than :data:`MAX_CONFIG_BYTES` (and
room for its own records, :data:`RECORD_BYTES` an object) outside its datasets is refused
before the attribute is read; under that, it is read and refused after, past the limit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Tuple

from ...errors import MissingDependencyError, SourceError
from .archive import MAX_CONFIG_BYTES, not_a_file

RECORD_BYTES = 4096
"""Room allowed, outside the datasets' data, for each object's records (its header, the
names and attributes of a group), beside the file's own (:data:`FILE_RECORD_BYTES`); real
files use a few hundred bytes an object."""

FILE_RECORD_BYTES = 64 * 1024

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
    _check_outside_datasets(handle, where)
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


def _check_outside_datasets(handle: Any, where: str) -> None:
    """Refuse a file with more bytes outside its datasets' data than a config and the
    records of its objects take: a variable-length ``model_config`` may be that large."""
    size = handle.id.get_filesize()
    if size <= MAX_CONFIG_BYTES + FILE_RECORD_BYTES:
        return
    spans: List[Tuple[int, int]] = []
    objects = 0

    def visit(name: str, item: Any) -> None:
        nonlocal objects
        objects += 1
        if isinstance(item, _h5py().Dataset):
            spans.extend(_data_spans(item.id))

    handle.visititems(visit)
    outside = size - _covered(spans, size)
    if outside > MAX_CONFIG_BYTES + FILE_RECORD_BYTES + RECORD_BYTES * objects:
        raise SourceError(f"{where} holds {outside:,} bytes outside its weights, where its model_config is; "
                          f"real configs are kilobytes, so it is not read")


def _data_spans(dataset: Any) -> List[Tuple[int, int]]:
    """Where a dataset's data lies in the file: its one block, or each of its chunks (a data
    kept in its header, or in another file, is not counted: it makes the check stricter)."""
    h5d = _h5py().h5d
    layout = dataset.get_create_plist().get_layout()
    if layout == h5d.CONTIGUOUS:
        offset = dataset.get_offset()
        return [] if offset is None else [(offset, offset + dataset.get_storage_size())]
    if layout == h5d.CHUNKED:
        spans: List[Tuple[int, int]] = []
        try:
            dataset.chunk_iter(lambda chunk: spans.append((chunk.byte_offset, chunk.byte_offset + chunk.size)))
        except (AttributeError, NotImplementedError):  # HDF5 before 1.12.3 iterates by index
            chunks = (dataset.get_chunk_info(i) for i in range(dataset.get_num_chunks()))
            spans = [(chunk.byte_offset, chunk.byte_offset + chunk.size) for chunk in chunks]
        return spans
    return []


def _covered(spans: List[Tuple[int, int]], size: int) -> int:
    """How many bytes of a file of ``size`` the spans cover, each counted once.

    >>> _covered([(10, 20), (15, 30), (40, 45), (90, 200)], 100)
    35
    """
    covered, end = 0, 0
    for start, stop in sorted(spans):
        start, stop = max(start, end), min(stop, size)
        if stop > start:
            covered += stop - start
            end = stop
    return covered


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
