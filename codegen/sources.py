"""Does a module define a class? Answered from its source, never imported.

A table row may name any module. The generator must not import it (its own
venv has no transformers, and importing runs code), so the module's file is
located by walking the configured source paths, then sys.path, for the
dotted path (find_spec would import the parent packages) and read with `ast`.
A module a row names itself (`module`, `models`) must be found and must
visibly define the class (missing_class). Rows that take their classes from
transformers are not looked up here: sync checks them against its tree.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import os
import sys
from collections.abc import Callable, Generator, Sequence
from pathlib import Path

# Folder -> its entries, while lookups_cached() is active (None: every lookup reads the disk).
_listings: dict[str, frozenset[str]] | None = None


@contextlib.contextmanager
def lookups_cached() -> Generator[None]:
    """Within the block each folder on sys.path is listed once, however many rows name modules.

    One validation reads a file system that does not change under it, and
    10,000 rows naming modules would otherwise walk sys.path 10,000 times with
    two stat calls per entry. The listings are dropped when the block ends, so
    a later run (a test that writes a module, then validates again) sees the disk anew.
    """
    global _listings
    outer = _listings
    _listings = {} if outer is None else outer
    try:
        yield
    finally:
        _listings = outer


def _entries(folder: str) -> frozenset[str]:
    """The names in a folder (none for a missing folder or a file such as a zip on sys.path)."""
    names = None if _listings is None else _listings.get(folder)
    if names is None:
        try:
            names = frozenset[str](os.listdir(folder))
        except OSError:
            names = frozenset[str]()
        if _listings is not None:
            _listings[folder] = names
    return names


def find_source(module: str, paths: Sequence[Path] = ()) -> Path | None:
    """The `.py` file of a dotted module path on the given paths, then sys.path, or None.

    Each folder on the way is looked up in its listing (names match exactly, as
    Python's imports do), and only a name that is there is checked to be a file.
    """
    *packages, last = module.split(".")
    for entry in [*(str(path) for path in paths), *sys.path]:
        folder = entry or "."
        for part in packages:
            if part not in _entries(folder):
                break
            folder = os.path.join(folder, part)
        else:
            names = _entries(folder)
            # A package folder before a module file of the same name, as Python's FileFinder looks.
            for found, candidate in ((last, (last, "__init__.py")), (f"{last}.py", (f"{last}.py",))):
                path = os.path.join(folder, *candidate)
                if found in names and os.path.isfile(path):
                    return Path(path)
    return None


def defined_names(module: str, paths: Sequence[Path] = ()) -> frozenset[str] | None:
    """Every name the module's source binds at its top level, or None when no source is found."""
    path = find_source(module, paths)
    if path is None:
        return None
    return _names_in(path, path.stat().st_mtime_ns)


@functools.cache
def _names_in(path: Path, mtime_ns: int) -> frozenset[str] | None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    names = bound_names(tree.body, type_checking=False)  # what `import` binds, not what a type checker reads
    # `from x import *` or a module __getattr__ (transformers' lazy packages): any name may exist.
    return None if names & {"*", "__getattr__"} else frozenset(names)


def bound_names(body: list[ast.stmt], class_bodies: bool = False, type_checking: bool = True) -> set[str]:
    """Names bound by statements, also inside if/try/with blocks (transformers defines
    names conditionally, e.g. under `if is_flax_available():`), not inside functions;
    with class_bodies, a class's own names too (codegen.reserved uses that); without
    type_checking, not what only `if TYPE_CHECKING:` binds, which Python skips."""
    names: set[str] = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            if class_bodies:
                names |= bound_names(node.body, class_bodies, type_checking)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, ast.If):
            skipped = not type_checking and is_type_checking(node.test)
            names |= bound_names([*([] if skipped else node.body), *node.orelse], class_bodies, type_checking)
        elif isinstance(node, ast.Try):
            names |= bound_names([*node.body, *node.orelse, *node.finalbody], class_bodies, type_checking)
            for handler in node.handlers:
                names |= bound_names(handler.body, class_bodies, type_checking)
        elif isinstance(node, ast.With):
            names |= bound_names(node.body, class_bodies, type_checking)
    return names


def is_type_checking(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:` or `if typing.TYPE_CHECKING:`: code a type checker reads and Python skips."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def undefined_class(module: str, name: str) -> bool:
    """True only when the module's source is found and does not bind `name`."""
    names = defined_names(module)
    return names is not None and name not in names


def missing_class(module: str, name: str, what: str, paths: Sequence[Path], label: Callable[[Path], str]) -> str | None:
    """Why a module a row names cannot be shown to define `name`, or None when it does."""
    top = module.partition(".")[0]
    if top in sys.stdlib_module_names:
        # Found on a source path here, but an installed project's imports find the standard library first.
        return (
            f"{top} is a module of Python's standard library, which `import {module}` finds before "
            "anything on the source paths: rename your package"
        )
    path = find_source(module, paths)
    if path is None:
        searched = ", ".join(label(folder) for folder in paths) or "no source-paths set"
        return f"module {module} not found on the source paths ({searched}) nor on the generator's sys.path"
    names = _names_in(path, path.stat().st_mtime_ns)
    if names is None:
        return (
            f"{label(path)} does not parse, or binds names through `import *` or a module __getattr__, "
            f"so it cannot be shown to define the {what}"
        )
    return None if name in names else f"{module} does not define the {what}"

