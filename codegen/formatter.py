"""Format generated modules with black (mode fixed here, black pinned exactly) and compile them.

Black is most of the generator's run time (about 1.3 s for the real tables), and
its output depends only on its input, its version and MODE. So build.py
stores each result under a hash of exactly those three: an unchanged tree
is checked without running black, while any change to a template, a table or
the black pin is a new key and is formatted for real. An entry carries a
checksum; a bad one is a miss.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import shutil
import sys
from pathlib import Path

import black
from black.mode import TargetVersion
from black.parsing import InvalidInput

from .errors import InputError
from .pieces import format_source
from .write import write_atomic

MODE = black.Mode(
    target_versions={TargetVersion.PY311},
    line_length=88,
    string_normalization=True,
    magic_trailing_comma=True,
    preview=False,
)
BLACK_VERSION = importlib.metadata.version("black")
# What compile()'s verdict depends on besides the text: this very interpreter build.
COMPILER = f"{sys.implementation.cache_tag} {sys.version}"


def format_module(name: str, source: str) -> str:
    """Black-format one rendered module and make sure it compiles; a failure names the module."""
    try:
        formatted = format_source(source, MODE)
    except InvalidInput as error:
        raise InputError([f"flax_auto/{name}: black cannot parse the rendered module: {error}"]) from None
    except Exception as error:  # black's own failures (e.g. an unstable format) are still bad input
        raise InputError([f"flax_auto/{name}: black failed: {type(error).__name__}: {error}"]) from None
    check_compiles(name, formatted)
    return formatted


def check_compiles(name: str, formatted: str) -> None:
    """The same check for black's fresh output and for a cached one."""
    try:
        compile(formatted, f"flax_auto/{name}", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None) or 1
        message = getattr(error, "msg", None) or str(error)
        raise InputError([f"flax_auto/{name}:{line}: the formatted module does not compile: {message}"]) from None


def cache_key(source: str) -> str:
    """What black's output depends on: its version, the mode and the source."""
    return hashlib.sha256(f"{BLACK_VERSION}\n{MODE!r}\n{source}".encode()).hexdigest()


def _checksum(key: str, output: str) -> str:
    """Binds an entry's content to its key and to the interpreter that compiled it.

    So an entry damaged, edited, moved, or written under another Python is detected.
    """
    return hashlib.sha256(f"{key}\n{COMPILER}\n{output}".encode()).hexdigest()


def cached(cache_dir: Path, name: str, source: str) -> str | None:
    """black's output for source, if an earlier run stored it and it is intact.

    An entry is `checksum\noutput`; one that cannot be read or whose checksum
    does not match is a miss, so the cache can make a run faster but never
    change its result. A verified entry is not compiled again (for a module of
    10,000 rows that took most of a cached `check`): only store_cache writes
    entries, only of what format_module returned, and format_module returns
    only output that compiled, under the interpreter COMPILER names. compile()
    with dont_inherit gives one verdict for one text under one interpreter, so
    the checksum, which covers the key, COMPILER and every byte of the output,
    already carries the verdict a new compile would give. Under another Python,
    or with one byte changed, the entry is a miss and black and compile run for
    real: no verdict of `check` and no byte of `generate` depends on the cache.
    """
    key = cache_key(source)
    try:
        entry = (cache_dir / key).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    checksum, newline, output = entry.partition("\n")
    if not newline or checksum != _checksum(key, output):
        return None
    return output


def store_cache(cache_dir: Path, formatted: dict[str, str], fresh: set[str]) -> None:
    """Make cache_dir hold exactly these source -> output pairs: one tree, not every edit.

    Entries for the sources in `fresh` (misses: absent or bad) are written anew,
    the others were just verified and are kept. Called only after a whole run
    succeeded; an entry that cannot be written is skipped, as the cache only
    ever saves time.
    """
    keep = {cache_key(source): (output, source in fresh) for source, output in formatted.items()}
    try:
        entries = list(cache_dir.iterdir())
    except OSError:
        entries = []
    for entry in entries:
        if entry.name not in keep or keep[entry.name][1]:
            _remove(entry)
    for key, (output, is_fresh) in keep.items():
        if is_fresh:
            try:
                write_atomic(cache_dir / key, f"{_checksum(key, output)}\n{output}".encode())
            except OSError:
                pass


def _remove(entry: Path) -> None:
    try:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    except OSError:
        pass
