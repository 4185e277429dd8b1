"""Writing files atomically: a reader sees the old file or the whole new one, never half.

A file is written the way a plain ``open(path, "w")`` would leave it: a new file gets the
permissions the umask allows, a file that is replaced keeps its mode. A path that is not a
file (a FIFO, a character device such as ``/dev/null`` or a terminal, a socket) is written
in place, as a shell's ``>`` would: renaming a file over it would replace the device or
pipe itself. A failure is an :class:`~rnndiagram.errors.OutputError` that names the path
asked for, never the temporary file beside it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Optional, Union

from .errors import OutputError

# O_NOFOLLOW and O_EXCL: the temporary file is always a new file of ours, never a link
# someone planted under its name.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def write_atomic(path: Union[str, Path], data: Union[str, bytes], follow_link: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A symbolic link at ``path`` is replaced by the file, unless ``follow_link`` is true
    (the user named the link): then the file it points to is written and the link kept.
    A FIFO, character device or socket at ``path`` (or, with ``follow_link``, behind the
    link) is written in place; a block device is refused.
    """
    path = Path(path)
    target = Path(os.path.realpath(path)) if follow_link else path
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        kind = _special_kind(target)
        if kind == "block device":
            raise OutputError(f"cannot write {path}: it is a block device; give a file name")
        if kind is None:
            _replace(target, payload)
        else:
            _write_in_place(target, payload, kind)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(path, exc)}") from exc
    return path


def make_folder(path: Union[str, Path]) -> Path:
    """Create the folder ``path`` (and its parents) unless it exists; an OutputError if not."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {path}: {_reason(path, exc)}") from exc
    return path


def _replace(target: Path, payload: bytes) -> None:
    mode = _mode_of(target)
    fd, tmp = _temporary(target, 0o600 if mode is not None else 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.chmod(tmp, mode)
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def _special_kind(target: Path) -> Optional[str]:
    """What ``target`` is when it is neither a regular file, a link, a folder nor missing."""
    try:
        mode = os.lstat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISBLK(mode):
        return "block device"
    return None


def _write_in_place(target: Path, payload: bytes, kind: str) -> None:
    """Write to a pipe, device or socket as ``>`` would: no temporary file, no rename."""
    if kind == "socket":
        import socket  # only for this rare target: importing it costs a plain export

        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(target))
            sock.sendall(payload)
        return
    # No O_CREAT: if the device went away since it was looked at, this fails rather than
    # creating a file in its place.
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "wb") as f:
        f.write(payload)


def _mode_of(target: Path) -> Optional[int]:
    """The permission bits of the regular file at ``target``, or None (no file, a link)."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


def _temporary(target: Path, mode: int) -> "tuple[int, str]":
    """A new file beside ``target``, created with ``mode`` (which the umask then narrows)."""
    while True:
        tmp = str(target.with_name(f".{target.name[:100]}.{os.urandom(4).hex()}.tmp"))
        try:
            return os.open(tmp, _CREATE, mode), tmp
        except FileExistsError:
            continue


def _reason(path: Path, exc: OSError) -> str:
    parent = path.parent
    if exc.errno == errno.ENOENT and not parent.exists():
        return f"the folder {parent} does not exist; create it first or choose another path"
    if exc.errno in (errno.EISDIR, errno.EEXIST) and path.is_dir():
        return "it is a folder; give a file name"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder; choose another path"
    return f"{exc.strerror or exc}; choose a path in a folder you can write to"
