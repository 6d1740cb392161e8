"""Format generated modules with black (mode fixed here, black pinned exactly) and compile them.

Black is most of the generator's run time (about 1.3 s for the real tables), and
its output depends only on its input, its version and its mode. So build.py
stores each result under a hash of exactly those three: an unchanged tree
is checked without running black, while any change to a template, a table or
the black pin is a new key and is formatted for real. An entry carries a
checksum (which also binds the compile verdict, see `cached`); a bad one is a miss.

The cache folder is resolved like every folder the generator writes in
(codegen.ownership.own_folder), and only entries that prove they are the
cache's are ever deleted: a regular file named by a key whose checksum line
binds that name to its content. Anything else found there (a user's file, a
folder, a link, an entry too damaged to prove) is never deleted. A file or link
at the name of a result being stored is replaced (the name is a hash of that
very result's input: only the cache names a file so), a folder or a pipe is not.
Entries are stored under the folder's exclusive lock (codegen.lock), so the
temporary file of a run killed while storing (`.KEY.XXXXXXXX.tmp`, a name only
write_atomic gives, for a name only the cache gives) is in no run's use when
the next store finds it: it goes too, if a regular file.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import lock
from .errors import InputError
from .ownership import is_in_the_way, own_folder
from .regular import read_regular
from .write import atomic_temp, is_plain_file, remove_leftovers, write_atomic

if TYPE_CHECKING:
    import black

# black's mode as its repr writes it: every cache key holds it, so that a check whose
# modules are all cached never imports black (a tenth of a second). black_mode()
# builds the mode; tests/test_format_cache.py checks that its repr is this.
MODE_REPR = (
    "Mode(target_versions={<TargetVersion.PY311: 11>}, line_length=88, string_normalization=True, "
    "is_pyi=False, is_ipynb=False, skip_source_first_line=False, magic_trailing_comma=True, "
    "python_cell_magics=set(), preview=False, unstable=False, enabled_features=set())"
)
BLACK_VERSION = importlib.metadata.version("black")
ENTRY_LIMIT = 64 << 20  # bytes; a module of 10,000 rows formats to about 6 MB
_KEY = re.compile(r"[0-9a-f]{64}")
_KILLED_STORE = atomic_temp(_KEY.pattern)  # what a store killed before its rename leaves
# What compile()'s verdict depends on besides the text: this very interpreter build.
COMPILER = f"{sys.implementation.cache_tag} {sys.version}"


@functools.cache
def black_mode() -> black.Mode:
    """The mode black formats with, fixed here (black imported when it first has work)."""
    import black
    from black.mode import TargetVersion

    return black.Mode(
        target_versions={TargetVersion.PY311},
        line_length=88,
        string_normalization=True,
        magic_trailing_comma=True,
        preview=False,
    )


def format_module(path: str, source: str) -> str:
    """Black-format one rendered module and make sure it compiles; a failure names the module
    by `path`, as messages name it (the package folder's label, `/`, the file name)."""
    # black and the worker pool are imported here: only a cache miss needs them.
    from black.parsing import InvalidInput

    from .pieces import format_source

    try:
        formatted = format_source(source, black_mode())
    except InvalidInput as error:
        raise InputError([f"{path}: black cannot parse the rendered module: {error}"]) from None
    except Exception as error:  # black's own failures (e.g. an unstable format) are still bad input
        raise InputError([f"{path}: black failed: {type(error).__name__}: {error}"]) from None
    check_compiles(path, formatted)
    return formatted


def check_compiles(path: str, formatted: str) -> None:
    """That black's output compiles; a failure names the module by `path`, as format_module does."""
    try:
        compile(formatted, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None) or 1
        message = getattr(error, "msg", None) or str(error)
        raise InputError([f"{path}:{line}: the formatted module does not compile: {message}"]) from None


def cache_key(source: str) -> str:
    """What black's output depends on: its version, the mode and the source."""
    return hashlib.sha256(f"{BLACK_VERSION}\n{MODE_REPR}\n{source}".encode()).hexdigest()


def _checksum(key: str, output: str) -> str:
    """Binds an entry's content to its key and to the interpreter that compiled it.

    So an entry damaged, edited, moved, or written under another Python is detected.
    """
    return hashlib.sha256(f"{key}\n{COMPILER}\n{output}".encode()).hexdigest()


def cached(cache_dir: Path, source: str) -> str | None:
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
    return _entry_output(cache_dir / cache_key(source), follow_links=True)


def _entry_output(path: Path, follow_links: bool) -> str | None:
    """The output an entry holds, if its checksum binds it to its name; None for anything else.

    Only regular files of at most ENTRY_LIMIT bytes are read: a named pipe or
    a link to /dev/zero in the cache is a miss, not a hang.
    """
    try:
        entry = read_regular(path, ENTRY_LIMIT, follow_links).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    checksum, newline, output = entry.partition("\n")
    if not newline or checksum != _checksum(path.name, output):
        return None
    return output


def store_cache(cache_dir: Path, formatted: dict[str, str], fresh: set[str], notify: lock.Notify = lock.to_stderr) -> None:
    """Make cache_dir hold exactly these source -> output pairs: one tree, not every edit.

    Entries for the sources in `fresh` (misses: absent or bad) are written anew,
    the others were just verified and are kept; other entries go, and only
    entries go (see the module's docstring). Called only after a whole run
    succeeded; an entry that cannot be written is skipped, as the cache only
    ever saves time: so is a store that cannot take the folder's lock in time
    (`notify` hears that it waits). InputError when cache_dir is a link that leads nowhere.
    """
    cache_dir = own_folder(cache_dir, str(cache_dir))
    keep = {cache_key(source): (output, source in fresh) for source, output in formatted.items()}
    try:
        with lock.writing(cache_dir, str(cache_dir), notify):
            remove_leftovers(cache_dir, _KILLED_STORE, is_plain_file)
            _store_locked(cache_dir, keep)
    except OSError:
        pass


def _store_locked(cache_dir: Path, keep: dict[str, tuple[str, bool]]) -> None:
    try:
        names = [entry.name for entry in cache_dir.iterdir()]
    except OSError:
        names = []
    for name in names:
        if name not in keep and _KEY.fullmatch(name) and _entry_output(cache_dir / name, follow_links=False) is not None:
            try:
                (cache_dir / name).unlink(missing_ok=True)
            except OSError:
                pass
    for key, (output, is_fresh) in keep.items():
        if is_fresh and not is_in_the_way(cache_dir / key):
            try:
                write_atomic(cache_dir / key, f"{_checksum(key, output)}\n{output}".encode())
            except OSError:
                pass
