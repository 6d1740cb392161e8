"""Read a file only when it is a regular file, and only up to a limit.

Reading a named pipe waits for a writer that may never come, and a link to
/dev/zero reads until memory runs out. So the type is checked before the file
is opened and again on the open descriptor (the path could change in
between), the open does not wait (O_NONBLOCK), and reading stops one byte past
the limit.
"""

from __future__ import annotations

import os
import stat

_KINDS = [
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a link"),
]


class NotReadable(OSError):
    """Not a regular file, or larger than the limit: refused before or while reading."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.strerror = message


def kind(mode: int) -> str:
    """What a file of this st_mode is, in words."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: str | os.PathLike[str], limit: int, follow_links: bool = True, listed: bool = False) -> bytes:
    """The bytes of path; NotReadable unless it is a regular file of at most `limit` bytes.

    With follow_links=False a link is refused too, not read through. With
    listed=True the caller has just seen in a folder listing (os.scandir) that
    it is a regular file, so it is not looked up again before the open; the
    open descriptor is checked all the same.
    """
    if not listed:
        _require_regular(os.stat(path, follow_symlinks=follow_links).st_mode)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags if follow_links else flags | os.O_NOFOLLOW)
    try:
        status = os.fstat(descriptor)
        _require_regular(status.st_mode)
        chunks: list[bytes] = []
        size = 0
        want = status.st_size + 1  # a byte more than its size: a file that grew is read to its end
        while size <= limit:
            chunk = os.read(descriptor, min(want, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            want = 1 << 20
        raise NotReadable(f"larger than {_size(limit)}")
    finally:
        os.close(descriptor)


def _require_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise NotReadable(f"not a regular file ({kind(mode)})")


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 and limit % (1 << 20) == 0 else f"{limit} bytes"
