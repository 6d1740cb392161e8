"""A command's output that cannot change its outcome.

`check | head -1` closes the pipe after one line; a write after that fails
with BrokenPipeError, and an output redirected to a full disk fails too. What
a command did (wrote the package, found it stale) is not undone by that, so
its exit code must not change: Output swallows the failure, drops the rest of
the output, and points the file descriptor at /dev/null, so that Python's own
flush at exit cannot fail either (it would print a traceback and exit 120).
"""

from __future__ import annotations

import io
import os
from typing import TextIO, cast


class Output(io.TextIOBase):
    """A text stream that stops writing, silently, once writing to it failed."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self._stream = stream  # None: the process started with that descriptor closed

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self._stream is not None:
            try:
                self._stream.write(text)
            except OSError:
                self._lose(self._stream)
        return len(text)

    def flush(self) -> None:
        if self._stream is not None:
            try:
                self._stream.flush()
            except OSError:
                self._lose(self._stream)

    def _lose(self, stream: TextIO) -> None:
        self._stream = None
        try:
            descriptor = stream.fileno()
        except (OSError, ValueError):  # io.UnsupportedOperation: a StringIO has none
            return
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, descriptor)
        finally:
            os.close(null)


def kept(stream: TextIO | None) -> TextIO:
    """stream as an Output (io.TextIOBase is TextIO in all but name)."""
    return cast(TextIO, Output(stream))
