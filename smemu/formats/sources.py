"""Opening what a reader is given (a path, or a binary file object such as an opened FIFO) and
reading from it without being fooled by short reads."""

from __future__ import annotations

import contextlib
import os
from typing import BinaryIO, Iterator


def source_name(source, name: str | None = None) -> str:
    if name:
        return name
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    file_name = getattr(source, "name", None)
    return file_name if isinstance(file_name, str) else "<stream>"


@contextlib.contextmanager
def open_binary(source, mode: str = "rb") -> Iterator[BinaryIO]:
    """Yields a binary file object; opens (and closes) paths, passes file objects through."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, mode) as f:
            yield f
    else:
        yield source


def read_up_to(f: BinaryIO, n: int) -> bytes:
    """Up to ``n`` bytes; fewer only at end of file (pipes and raw files may return short reads)."""
    data = f.read(n)
    if data is None:
        data = b""
    if len(data) >= n or not data:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        more = f.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def read_into(f: BinaryIO, view: memoryview) -> int:
    """Fills ``view`` from ``f`` (as :func:`read_up_to`, but with no copy: the bytes land where
    they are wanted); returns how many bytes came, fewer than asked only at end of file."""
    readinto = getattr(f, "readinto", None)
    if readinto is None:
        data = read_up_to(f, len(view))
        view[:len(data)] = data
        return len(data)
    got = 0
    while got < len(view):
        more = readinto(view[got:])
        if not more:
            break
        got += more
    return got


def size_of(f: BinaryIO) -> int | None:
    """The file's size when it is a regular file, else None (pipes, sockets, in-memory streams
    without fileno)."""
    try:
        st = os.fstat(f.fileno())
    except (OSError, AttributeError, ValueError):
        try:
            pos = f.tell()
            end = f.seek(0, os.SEEK_END)
            f.seek(pos)
            return end
        except (OSError, AttributeError, ValueError):
            return None
    import stat
    return st.st_size if stat.S_ISREG(st.st_mode) else None
