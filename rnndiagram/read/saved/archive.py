"""Stage 0 for saved files: ``config.json`` out of a ``.keras`` archive, in bounded time and memory.

A file is untrusted input: every way it can be malformed (not a zip, no ``config.json``,
unsafe entry names, an oversized or bomb-like entry) is a :class:`SourceError` found
before much is read, and nothing is extracted to disk.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO, List, Tuple, Union

from ...errors import SourceError

MAX_CONFIG_BYTES = 20 * 1024 * 1024
"""The largest ``config.json`` read; real ones are kilobytes (a 20-layer stack is ~70 kB)."""

MAX_RATIO = 200
"""The highest compression ratio accepted for a ``config.json`` over 1 MiB (JSON is ~10)."""

MAX_LOAD_BYTES = 1 << 30
"""The most a ``.keras`` archive may unpack to, all entries together, when it is handed to
Keras (``allow_load``, values mode): Keras reads the weights whole and holds about twice
their size in memory, so a file is refused before it gets there. Keras stores its entries
uncompressed, so an entry over 1 MiB that packs better than :data:`MAX_RATIO` is a bomb."""

MAX_ENTRIES = 10_000
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
_CHUNK = 64 * 1024
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")

PathOrBytes = Union[str, "os.PathLike[str]", bytes]


def not_a_file(path: Path, where: str) -> SourceError:
    """Why ``path``, named as a model file, is not one: missing, or a pipe, device or socket
    (directly or through a link), which a reader that seeks cannot read and must not wait on."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            return SourceError(f"{where} is a link to {os.readlink(path)}, which does not exist")
        return SourceError(f"no such file: {where}")
    except OSError as exc:
        return SourceError(f"cannot read {where}: {exc.strerror or exc}")
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))
    kind = next((name for test, name in kinds if test(mode)), "not a regular file")
    if os.path.islink(path):
        kind = f"a link to {os.path.realpath(path)}, {kind}"
    return SourceError(f"{where} is {kind}, not a regular file; give the path of a file")


def config_text(source: PathOrBytes, where: str) -> str:
    """The text of the archive's ``config.json`` (a path, or the file's bytes)."""
    if isinstance(source, (bytes, bytearray)):
        return _read_config(io.BytesIO(source), where)
    path = Path(source)
    if not path.is_file():
        raise not_a_file(path, where)
    try:
        with open(path, "rb") as handle:
            return _read_config(handle, where)
    except OSError as exc:
        raise SourceError(f"cannot read {where}: {exc.strerror or exc}") from None


def check_for_loading(source: PathOrBytes, where: str) -> None:
    """Refuse an archive before Keras unpacks it: the checks of :func:`config_text` on its
    directory and names, then every entry's unpacked size and ratio against
    :data:`MAX_LOAD_BYTES` and :data:`MAX_RATIO`."""
    try:
        handle: BinaryIO = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else open(source, "rb")
    except OSError as exc:
        raise SourceError(f"cannot read {where}: {exc.strerror or exc}") from None
    with handle:
        _check_directory(handle, where)
        infos = _entries(handle, where)
    _check_names(infos, where)
    _check_sizes(infos, where)


def _entries(handle: BinaryIO, where: str) -> List[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(handle) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError,
            ValueError) as exc:
        raise SourceError(f"{where} is not a readable .keras archive: {exc}") from None


def _check_sizes(infos: List[zipfile.ZipInfo], where: str) -> None:
    fix = "read it without --allow-load and --values: then only its config.json is read"
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 2**20 and ratio > MAX_RATIO:
            raise SourceError(f"{where}: {info.filename[:80]!r} would unpack to {info.file_size:,} bytes, "
                              f"{ratio:.0f} times its packed size, as a zip bomb does; {fix}")
    total = sum(info.file_size for info in infos)
    if total > MAX_LOAD_BYTES:
        raise SourceError(f"{where} would unpack to {total:,} bytes, more than the {MAX_LOAD_BYTES:,} "
                          f"rnndiagram hands to Keras; {fix}")


def _read_config(handle: BinaryIO, where: str) -> str:
    _check_directory(handle, where)
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
            _check_names(infos, where)
            matches = [i for i in infos if i.filename == "config.json"]
            if not matches:
                raise SourceError(f"{where} has no config.json, so it is not a Keras 3 .keras file "
                                  f"(its entries are {', '.join(i.filename for i in infos[:5]) or 'none'})")
            data = _read_capped(archive, matches[0], where)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError, zlib.error, ValueError) as exc:
        raise SourceError(f"{where} is not a readable .keras archive: {exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(f"{where}: config.json is not UTF-8 text") from None


def _check_directory(handle: BinaryIO, where: str) -> None:
    """Refuse an archive whose central directory is huge before ``zipfile`` parses it all."""
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    tail_size = min(size, _EOCD.size + 0xFFFF)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise SourceError(f"{where} is not a .keras archive: it is not a zip file")
    *_, entries, directory, _offset, _comment = _EOCD.unpack_from(tail, at)
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        entries, directory = _zip64_directory(handle, size - tail_size + at, where)
    if entries > MAX_ENTRIES or directory > MAX_DIRECTORY_BYTES:
        raise SourceError(f"{where} lists {entries} entries in a {directory}-byte directory; a "
                          f".keras file has a handful, so it is not read")
    handle.seek(0)


def _zip64_directory(handle: BinaryIO, eocd: int, where: str) -> Tuple[int, int]:
    broken = SourceError(f"{where} is not a readable .keras archive: a broken zip64 record")
    if eocd < _ZIP64_LOCATOR.size:
        raise broken
    handle.seek(eocd - _ZIP64_LOCATOR.size)
    signature, _disk, offset, _disks = _ZIP64_LOCATOR.unpack(handle.read(_ZIP64_LOCATOR.size))
    if signature != b"PK\x06\x07" or offset > eocd:
        raise broken
    handle.seek(offset)
    record = handle.read(_ZIP64_EOCD.size)
    if len(record) < _ZIP64_EOCD.size or record[:4] != b"PK\x06\x06":
        raise broken
    fields = _ZIP64_EOCD.unpack(record)
    return fields[6], fields[7]


def _check_names(infos: List[zipfile.ZipInfo], where: str) -> None:
    seen = set()
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts \
                or "\x00" in name:
            raise SourceError(f"{where} has an entry with an unsafe path, {name[:80]!r}; "
                              f"it is not a file Keras wrote")
        if name in seen:
            raise SourceError(f"{where} has two entries named {name[:80]!r}")
        seen.add(name)


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    """config.json's bytes, read in chunks and refused past :data:`MAX_CONFIG_BYTES`."""
    if info.flag_bits & 0x1:
        raise SourceError(f"{where}: config.json is encrypted")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > MAX_CONFIG_BYTES or (info.file_size > 2**20 and ratio > MAX_RATIO):
        raise SourceError(f"{where}: config.json would unpack to {info.file_size:,} bytes "
                          f"({ratio:.0f} times its packed size); real ones are kilobytes, so it is not read")
    chunks: List[bytes] = []
    total = 0
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > MAX_CONFIG_BYTES:
                raise SourceError(f"{where}: config.json unpacks to more than {MAX_CONFIG_BYTES:,} bytes")
            chunks.append(chunk)
