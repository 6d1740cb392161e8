"""One writer at a time: a lock on the output folder itself.

The lock is flock(2) on the folder, so there is no lock file to ship, to
ignore or to mistake for an orphan, and the kernel drops it when a run dies,
even by SIGKILL. `generate` holds it exclusively from reading the folder to
the last rename, so concurrent runs take turns and the later one finds
nothing left to do; `check` holds it shared, so it never sees a write half done.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def writing(folder: Path) -> Generator[bool, None, None]:
    """Hold folder's exclusive lock, creating folder first if needed; yields whether it was created."""
    while True:
        created = not folder.is_dir()
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = _lock(folder, fcntl.LOCK_EX)
        if descriptor is not None:
            break
    try:
        yield created
    finally:
        os.close(descriptor)


@contextmanager
def reading(folder: Path) -> Generator[None, None, None]:
    """Hold folder's shared lock while it exists; a missing folder needs no lock."""
    descriptor = None
    while folder.is_dir() and descriptor is None:
        descriptor = _lock(folder, fcntl.LOCK_SH)
    try:
        yield
    finally:
        if descriptor is not None:
            os.close(descriptor)


def _lock(folder: Path, mode: int) -> int | None:
    """A descriptor of folder holding the lock, or None if folder was removed or replaced meanwhile.

    A writer that created the folder removes it again when it fails; whoever
    waited on the old folder must then start over on the new path.
    """
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(descriptor, mode)
        if os.path.samestat(os.fstat(descriptor), os.stat(folder)):
            return descriptor
    except FileNotFoundError:
        pass
    except BaseException:
        os.close(descriptor)
        raise
    os.close(descriptor)
    return None
