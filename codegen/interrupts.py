"""SIGINT, SIGTERM and SIGHUP: held back while the tree is in between, and turned into exceptions.

Python turns SIGINT into KeyboardInterrupt, so `finally` blocks run; SIGTERM
and SIGHUP would kill the process outright. While a command runs they raise
Interrupted instead, so clean-up runs for them too; and while the write
renames files all three wait (they are blocked, not lost) until the tree is
whole again, old or new.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Generator
from contextlib import contextmanager

HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


class Interrupted(BaseException):
    """SIGTERM or SIGHUP, raised like Ctrl-C's KeyboardInterrupt so that clean-up runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


@contextmanager
def interrupts_raised() -> Generator[None, None, None]:
    """SIGTERM and SIGHUP raise Interrupted while a command runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise_interrupted) for signum in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def signals_held() -> Generator[None, None, None]:
    """Let SIGINT, SIGTERM and SIGHUP wait until the block is done, then take effect."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
