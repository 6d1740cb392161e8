"""Run a long, read-only piece of work as two halves at once: the second half in a forked child.

At 10,000 rows of one's own, validation reads and parses 30,000 source files,
most of a cached check, one file after another. The work is the same function
over independent items, it only reads, and it returns plain data, so the
second half runs in a child made with fork (which starts in a millisecond and
needs nothing pickled on the way in) while this process does the first half;
the child sends its results back through a pipe. Where fork is not what
Python's own multiprocessing uses (not Linux), where threads run (forking
them is unsafe), or with little work, it all runs here, the same way.

The child never runs anything of the parent's after the fork but the work:
it leaves with os._exit, whatever happens, and an error in it is raised here.
If this process stops early (an error, Ctrl-C, SIGTERM), the child is killed
and reaped before the error goes on.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
# Below this many items the fork, the pipe and the pickling cost more than half the work saves.
PARALLEL_AT = 1000


def in_halves(work: Callable[[Sequence[Item]], list[Result]], items: Sequence[Item]) -> list[Result]:
    """work(items[:half]) + work(items[half:]), the halves run at once where that is safe; what work(items) gives."""
    if len(items) < PARALLEL_AT or not _may_fork():
        return work(items)
    half = len(items) // 2
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:
        _child(work, items[half:], reader, writer)
    os.close(writer)
    finished = False
    try:
        first = work(items[:half])
        with os.fdopen(reader, "rb") as pipe:
            try:
                answer = pickle.load(pipe)
            except EOFError:  # it was killed (the OOM killer, a kill -9 of its own)
                answer = "its process ended without a result"
        finished = True
    finally:
        if not finished:
            os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    if isinstance(answer, str):  # what went wrong in the child
        raise RuntimeError(f"the second half of the work failed: {answer}")
    second: list[Result] = answer
    return first + second


def _may_fork() -> bool:
    """Linux, a second core, and no thread but this one: not a Python thread, nor one of a library's
    own (JAX, BLAS), which a forked child would inherit stopped, holding whatever locks it held."""
    if sys.platform != "linux" or (os.cpu_count() or 1) < 2:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _child(work: Callable[[Sequence[Item]], list[Result]], items: Sequence[Item], reader: int, writer: int) -> None:
    """The forked child: the work's results (a list), or its error as text, into the pipe, and out."""
    code = 1
    try:
        os.close(reader)
        try:
            answer: list[Result] | str = work(items)
        except Exception as error:
            answer = f"{type(error).__name__}: {error}"
        with os.fdopen(writer, "wb") as pipe:
            pickle.dump(answer, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:  # also on Ctrl-C or SIGTERM: never back into the parent's code
        os._exit(code)
