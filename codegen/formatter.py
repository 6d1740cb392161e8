"""Format generated modules with black (mode fixed here, black pinned exactly) and compile them.

Black is most of the generator's run time (about 1.3 s for the real tables), and
its output depends only on its input, its version and MODE. So build.py
stores each result under a hash of exactly those three: an unchanged tree
is checked without running black, while any change to a template, a table or
the black pin is a new key and is formatted for real.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from pathlib import Path

import black
from black.mode import TargetVersion
from black.parsing import InvalidInput

from codegen.errors import InputError
from codegen.write import write_atomic

MODE = black.Mode(
    target_versions={TargetVersion.PY311},
    line_length=88,
    string_normalization=True,
    magic_trailing_comma=True,
    preview=False,
)
BLACK_VERSION = importlib.metadata.version("black")


def format_module(name: str, source: str) -> str:
    """Black-format one rendered module and make sure it compiles; a failure names the module."""
    try:
        formatted = black.format_str(source, mode=MODE)
    except InvalidInput as error:
        raise InputError([f"flax_auto/{name}: black cannot parse the rendered module: {error}"]) from None
    try:
        compile(formatted, f"flax_auto/{name}", "exec", dont_inherit=True)
    except SyntaxError as error:
        raise InputError([f"flax_auto/{name}:{error.lineno}: the formatted module does not compile: {error.msg}"]) from None
    return formatted


def cache_key(source: str) -> str:
    """What black's output depends on: its version, the mode and the source."""
    return hashlib.sha256(f"{BLACK_VERSION}\n{MODE!r}\n{source}".encode()).hexdigest()


def cached(cache_dir: Path, source: str) -> str | None:
    """black's output for source, if an earlier run stored it."""
    try:
        return (cache_dir / cache_key(source)).read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def store_cache(cache_dir: Path, formatted: dict[str, str]) -> None:
    """Make cache_dir hold exactly these source -> output pairs: one tree, not every edit.

    Called only after a whole run succeeded; a cache that cannot be written is
    skipped, as it only ever saves time.
    """
    keep = {cache_key(source): output for source, output in formatted.items()}
    try:
        for entry in cache_dir.glob("*"):
            if entry.name not in keep:
                entry.unlink(missing_ok=True)
        for key, output in keep.items():
            if not (cache_dir / key).is_file():
                write_atomic(cache_dir / key, output.encode("utf-8"))
    except OSError:
        pass
