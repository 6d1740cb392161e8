"""One writer at a time: a lock on the output folder itself, waited for out loud and not forever.

The lock is flock(2) on the folder, so there is no lock file to ship, to
ignore or to mistake for an orphan, and the kernel drops it when a run dies,
even by SIGKILL. `generate` holds it exclusively from reading the folder to
the last rename, so concurrent runs take turns and the later one finds
nothing left to do; `check` holds it shared, so it never sees a write half done.

A run that is stopped (Ctrl-Z) keeps its lock, so a run that finds the lock
held for more than a second says who holds it (the kernel lists flock holders
by pid and inode in /proc/locks: no file of ours has to record it) and waits
at most FLAX_AUTO_LOCK_TIMEOUT seconds in all, then gives up with LockTimeout.
"""

from __future__ import annotations

import fcntl
import math
import os
import sys
import time
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError

TIMEOUT_VARIABLE = "FLAX_AUTO_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 60.0  # a write holds the lock well under a second
QUIET_WAIT = 1.0  # seconds: a turn shorter than this is taken without a word
Notify = Callable[[str], None]


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class LockTimeout(OSError):
    """Another run held the lock for longer than the time limit; nothing was done."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.strerror = message


@contextmanager
def writing(folder: Path, label: str = "", notify: Notify = to_stderr) -> Generator[bool, None, None]:
    """Hold folder's exclusive lock, creating folder first if needed; yields whether it was created."""
    while True:
        created = not folder.is_dir()
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = _lock(folder, fcntl.LOCK_EX, label or str(folder), notify)
        if descriptor is not None:
            break
    try:
        yield created
    finally:
        os.close(descriptor)


@contextmanager
def reading(folder: Path, label: str = "", notify: Notify = to_stderr) -> Generator[None, None, None]:
    """Hold folder's shared lock while it exists; a missing folder needs no lock."""
    descriptor = None
    while folder.is_dir() and descriptor is None:
        descriptor = _lock(folder, fcntl.LOCK_SH, label or str(folder), notify)
    try:
        yield
    finally:
        if descriptor is not None:
            os.close(descriptor)


def _lock(folder: Path, mode: int, label: str, notify: Notify) -> int | None:
    """A descriptor of folder holding the lock, or None if folder was removed or replaced meanwhile.

    A writer that created the folder removes it again when it fails; whoever
    waited on the old folder must then start over on the new path.
    """
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return None
    try:
        _wait_for(descriptor, mode, label, notify)
        if os.path.samestat(os.fstat(descriptor), os.stat(folder)):
            return descriptor
    except FileNotFoundError:
        pass
    except BaseException:
        os.close(descriptor)
        raise
    os.close(descriptor)
    return None


def _wait_for(descriptor: int, mode: int, label: str, notify: Notify) -> None:
    """Take the lock; when it is held for long, say by whom, and wait up to the time limit."""
    limit = time_limit()  # a bad setting is reported whether or not the lock is free
    if _try(descriptor, mode):
        return
    began = time.monotonic()
    holder = ""
    pause = 0.01
    while not _try(descriptor, mode):
        waited = time.monotonic() - began
        if not holder and waited >= min(QUIET_WAIT, limit):  # a run's write takes well under that
            holder = _holder(descriptor)
            notify(f"{label}: waiting for {holder}, which holds its lock (at most {limit:g} s, {TIMEOUT_VARIABLE} sets it)")
        if waited >= limit:
            pid = holder.rpartition(" ")[2]
            resume = f"`kill -CONT {pid}`" if pid.isdigit() else "`fg` in its terminal"
            raise LockTimeout(
                f"{label} is still locked by {holder} after {limit:g} s: if that run is stopped "
                f"(Ctrl-Z), resume it ({resume}) or end it, then run this again"
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _try(descriptor: int, mode: int) -> bool:
    try:
        fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def time_limit() -> float:
    """Seconds to wait for a held lock: FLAX_AUTO_LOCK_TIMEOUT, else DEFAULT_TIMEOUT."""
    value = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not seconds >= 0:  # NaN too: it would never be reached
        raise InputError([f"{TIMEOUT_VARIABLE}={value!r}: not a number of seconds >= 0 (e.g. 60); unset it for {DEFAULT_TIMEOUT:g}"])
    return seconds


def _holder(descriptor: int) -> str:
    """"process 1234" for the run holding the folder's flock, from /proc/locks (Linux);
    "another process" where that cannot be told."""
    stat = os.fstat(descriptor)
    inode = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            lines = locks.read().splitlines()
    except OSError:
        return "another process"
    for line in lines:
        # "1: FLOCK  ADVISORY  WRITE 1234 fe:00:2203927 0 EOF"; a waiter's line has "->" after "1:".
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == inode and fields[4].isdigit():
            if int(fields[4]) not in (0, os.getpid()):  # 0: a process outside our pid namespace
                return f"process {fields[4]}"
    return "another process"
