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
import os
import sys
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .regular import read_regular


class Import(NamedTuple):
    """One import statement a module runs while it loads, as written."""

    module: str  # "a.b" for `import a.b`; "b" for `from .b import x`, "" for `from . import x`
    level: int  # the dots of a relative import; 0 for an absolute one
    names: tuple[str, ...]  # what `from ... import` names (each may be a submodule); () for `import`
    line: int
    is_from: bool


@dataclass(frozen=True)
class Facts:
    """What validation reads off a module's source, read and parsed once per file and version."""

    names: frozenset[str] | None  # bound at the top level; None: `import *` or a module __getattr__
    imports: tuple[Import, ...]  # run while it loads (codegen.cycles follows them)


SOURCE_LIMIT = 16 << 20  # far above any Python module (transformers' largest is under 300 KB)


@dataclass
class _Lookups:
    """What one validation has looked up already: the disk does not change under it."""

    listings: dict[str, dict[str, os.DirEntry[str]]] = field(
        default_factory=dict[str, dict[str, os.DirEntry[str]]]
    )  # folder -> its entries by name
    found: dict[tuple[str, tuple[str | os.PathLike[str], ...]], str | None] = field(
        default_factory=dict[tuple[str, tuple[str | os.PathLike[str], ...]], str | None]
    )  # (module, paths) -> its source
    seen: dict[str, Facts | None] = field(default_factory=dict[str, Facts | None])  # path -> its facts


_lookups: _Lookups | None = None  # while lookups_cached() is active; None: every lookup reads the disk


@contextlib.contextmanager
def lookups_cached() -> Generator[None]:
    """Within the block each folder on sys.path is listed once, however many rows name modules,
    and each module is found and each source file read once.

    One validation reads a file system that does not change under it, and
    10,000 rows naming modules would otherwise walk sys.path 10,000 times with
    two stat calls per entry. The lookups are dropped when the block ends, so
    a later run (a test that writes a module, then validates again) sees the disk anew.
    """
    global _lookups
    outer = _lookups
    _lookups = outer or _Lookups()
    try:
        yield
    finally:
        _lookups = outer


def _entries(folder: str) -> dict[str, os.DirEntry[str]]:
    """The entries of a folder by name (none for a missing folder or a file such as a zip on sys.path).

    A listing says which entries are files and folders without a stat call
    per entry (only a link is followed, when it is asked about).
    """
    entries = None if _lookups is None else _lookups.listings.get(folder)
    if entries is None:
        try:
            with os.scandir(folder) as listing:
                entries = {entry.name: entry for entry in listing}
        except OSError:
            entries = {}
        if _lookups is not None:
            _lookups.listings[folder] = entries
    return entries


def find_source(module: str, paths: Sequence[str | os.PathLike[str]] = ()) -> str | None:
    """The `.py` file of a dotted module path on the given paths, then sys.path, or None.

    Each folder on the way is looked up in its listing (names match exactly, as
    Python's imports do). A path is a str: 30,000 lookups in pathlib objects
    cost more than reading the files.
    """
    key = (module, tuple(paths))
    if _lookups is not None and key in _lookups.found:
        return _lookups.found[key]
    found = _find_source(module, tuple(os.fspath(path) for path in paths))
    if _lookups is not None:
        _lookups.found[key] = found
    return found


def _find_source(module: str, roots: tuple[str, ...]) -> str | None:
    *packages, last = module.split(".")
    for root in (*roots, *sys.path):
        folder = root or "."
        for part in packages:
            entry = _entries(folder).get(part)
            if not is_folder(entry):
                break
            folder = os.path.join(folder, part)
        else:
            entries = _entries(folder)
            # A package folder before a module file of the same name, as Python's FileFinder looks.
            if is_folder(entries.get(last)) and _is_file(_entries(os.path.join(folder, last)).get("__init__.py")):
                return os.path.join(folder, last, "__init__.py")
            if _is_file(entries.get(f"{last}.py")):
                return os.path.join(folder, f"{last}.py")
    return None


def is_folder(entry: os.DirEntry[str] | None) -> bool:
    """A folder, or a link to one; False for a link that leads nowhere or loops."""
    try:
        return entry is not None and entry.is_dir()
    except OSError:  # only "not found" is False by itself: a loop (ELOOP) or EACCES raise
        return False


def _is_file(entry: os.DirEntry[str] | None) -> bool:
    """A regular file, or a link to one; False for a link that leads nowhere or loops."""
    try:
        return entry is not None and entry.is_file()
    except OSError:
        return False


def defined_names(module: str, paths: Sequence[str | os.PathLike[str]] = ()) -> frozenset[str] | None:
    """Every name the module's source binds at its top level, or None when no source is found."""
    path = find_source(module, paths)
    if path is None:
        return None
    found = facts(path)
    return None if found is None else found.names


def facts(path: str | os.PathLike[str]) -> Facts | None:
    """The facts of a module's source that find_source gave; None when it is not a regular file,
    is over SOURCE_LIMIT, cannot be read or does not parse. Within lookups_cached() a file is read once."""
    name = os.fspath(path)
    if _lookups is not None and name in _lookups.seen:
        return _lookups.seen[name]
    try:
        found = _parse(read_regular(name, SOURCE_LIMIT, listed=True), name)  # find_source listed it as a file
    except OSError:
        found = None
    if _lookups is not None:
        _lookups.seen[name] = found
    return found


def _parse(source: bytes, path: str) -> Facts | None:
    if not source:  # an empty module (most __init__.py files): nothing to parse
        return Facts(frozenset(), ())
    try:
        tree = ast.parse(source, filename=path)  # decoded as Python does, cookie and all
    except (SyntaxError, ValueError):  # ValueError: a null byte, before Python 3.12
        return None
    names = bound_names(tree.body, type_checking=False)  # what `import` binds, not what a type checker reads
    imports: list[Import] = []
    _collect_imports(tree.body, imports)
    # `from x import *` or a module __getattr__ (transformers' lazy packages): any name may exist.
    return Facts(None if names & {"*", "__getattr__"} else frozenset(names), tuple(imports))


def _collect_imports(body: list[ast.stmt], found: list[Import]) -> None:
    """The imports that run at import time: the top level and if/try/with blocks, not functions
    and not `if TYPE_CHECKING:`."""
    for node in body:
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, 0, (), node.lineno, False) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            found.append(Import(node.module or "", node.level, names, node.lineno, True))
        elif isinstance(node, ast.If):
            if not is_type_checking(node.test):
                _collect_imports(node.body, found)
            _collect_imports(node.orelse, found)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(handler.body for handler in node.handlers)):
                _collect_imports(block, found)
        elif isinstance(node, ast.With):
            _collect_imports(node.body, found)


def bound_names(
    body: list[ast.stmt], class_bodies: bool = False, type_checking: bool = True, ever_bound: bool = False
) -> set[str]:
    """Names bound by statements, also inside if/try/with blocks (transformers defines
    names conditionally, e.g. under `if is_flax_available():`), not inside functions;
    with class_bodies, a class's own names too (codegen.reserved uses that); without
    type_checking, not what only `if TYPE_CHECKING:` binds, which Python skips.

    Only what the statements can be shown to leave bound: an annotation without
    a value binds nothing, and after a `del` the name is gone until bound again
    at the same level (a `del` anywhere inside a block, an if or a try, counts
    as run). With ever_bound, every name bound or annotated at any point
    (codegen.reserved: a name the module uses at all).
    """
    names: set[str] = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            if class_bodies:
                names |= bound_names(node.body, class_bodies, type_checking, ever_bound)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            if ever_bound or not isinstance(node, ast.AnnAssign) or node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                # what is stored to: `mapping[A] = 1` binds no A
                names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
        elif isinstance(node, ast.If):
            skipped = not type_checking and is_type_checking(node.test)
            names |= bound_names([*([] if skipped else node.body), *node.orelse], class_bodies, type_checking, ever_bound)
        elif isinstance(node, ast.Try):
            names |= bound_names([*node.body, *node.orelse, *node.finalbody], class_bodies, type_checking, ever_bound)
            for handler in node.handlers:
                names |= bound_names(handler.body, class_bodies, type_checking, ever_bound)
        elif isinstance(node, ast.With):
            names |= bound_names(node.body, class_bodies, type_checking, ever_bound)
        if not ever_bound:
            names -= _deleted(node)
    return names


def _deleted(node: ast.AST) -> set[str]:
    """The names a statement's `del`s unbind in its own scope: its blocks, not a def's or a class's body."""
    if isinstance(node, ast.Delete):
        return {name.id for target in node.targets for name in ast.walk(target) if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Del)}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return set()
    blocks = (child for child in ast.iter_child_nodes(node) if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)))
    return set[str]().union(*map(_deleted, blocks))


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
    found = facts(path)
    names = None if found is None else found.names
    if names is None:
        return (
            f"{label(Path(path))} cannot be read or does not parse, or binds names through `import *` or a module __getattr__, "
            f"so it cannot be shown to define the {what}"
        )
    return None if name in names else f"{module} does not define the {what}"

