"""Does a module define a class? Answered from its source, never imported.

A table row may name any module. The generator must not import it (its own
venv has no transformers, and importing runs code), so the module's file is
located by walking the configured source paths, then sys.path, for the
dotted path (find_spec would import the parent packages) and read with `ast`.
A module a row names itself (`module`, `models`) must be found and must
visibly define the class; transformers' own modules are checked where the
generator's environment has transformers' sources (sync keeps those rows in
step with upstream otherwise).
"""

from __future__ import annotations

import ast
import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path


def find_source(module: str, paths: Sequence[Path] = ()) -> Path | None:
    """The `.py` file of a dotted module path on the given paths or sys.path, or None."""
    parts = module.split(".")
    for entry in [*paths, *(Path(entry or ".") for entry in sys.path)]:
        base = entry.joinpath(*parts)
        for candidate in (base.parent / f"{parts[-1]}.py", base / "__init__.py"):
            if candidate.is_file():
                return candidate
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
    names = bound_names(tree.body)
    # `from x import *` or a module __getattr__ (transformers' lazy packages): any name may exist.
    return None if names & {"*", "__getattr__"} else frozenset(names)


def bound_names(body: list[ast.stmt], class_bodies: bool = False) -> set[str]:
    """Names bound by statements, also inside if/try/with blocks (transformers defines
    names conditionally, e.g. under `if is_flax_available():`), not inside functions;
    with class_bodies, a class's own names too (codegen.reserved uses that)."""
    names: set[str] = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            if class_bodies:
                names |= bound_names(node.body, class_bodies)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, ast.If):
            names |= bound_names([*node.body, *node.orelse], class_bodies)
        elif isinstance(node, ast.Try):
            names |= bound_names([*node.body, *node.orelse, *node.finalbody], class_bodies)
            for handler in node.handlers:
                names |= bound_names(handler.body, class_bodies)
        elif isinstance(node, ast.With):
            names |= bound_names(node.body, class_bodies)
    return names


def undefined_class(module: str, name: str) -> bool:
    """True only when the module's source is found and does not bind `name`."""
    names = defined_names(module)
    return names is not None and name not in names


def missing_class(module: str, name: str, what: str, paths: Sequence[Path], label: Callable[[Path], str]) -> str | None:
    """Why a module a row names cannot be shown to define `name`, or None when it does."""
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

