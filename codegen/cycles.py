"""Would importing a row's module import the generated package back? Answered from sources, never imported.

The generated package imports every row's module when it is imported, so a
row whose module is the package itself (`models = "flax_auto.causal_lm"`), or
whose module imports the package while it loads, makes `import flax_auto`
fail with a circular import, while generate and check pass. The import-time
imports of the module (its top level, if/try/with blocks; not functions and
not `if TYPE_CHECKING:`), of the packages above it and of the modules they
import are followed, as far as they stay inside the top-level packages that
the rows name: your code. Other installed packages (transformers, jax, the
standard library) are libraries the generated package is built on; their
import graphs are thousands of modules and are not read.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .sources import find_source, is_type_checking


@dataclass(frozen=True)
class Step:
    """One import on the way back to the package: `module` imports `imported` at path:line."""

    module: str
    imported: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.module} imports {self.imported} ({self.path}:{self.line})"


def inside(module: str, package: str) -> bool:
    """True for the package itself and every module under it."""
    return module == package or module.startswith(f"{package}.")


def chain_to(module: str, package: str, scope: frozenset[str], paths: Sequence[Path] = ()) -> list[Step] | None:
    """The imports by which importing `module` imports `package`, or None where it does not.

    Breadth first, so the chain reported is a shortest one; `scope` holds the
    top-level package names whose modules are followed.
    """
    queue = _with_parents(module)
    came_from: dict[str, Step | None] = dict.fromkeys(queue)
    while queue:
        current = queue.pop(0)
        path = find_source(current, paths)
        if path is None:
            continue
        for imported, line in _imports(path, path.stat().st_mtime_ns, current):
            step = Step(current, imported, path, line)
            if inside(imported, package):
                return _path_to(came_from, step)
            for name in _with_parents(imported):
                if name.split(".")[0] in scope and name not in came_from:
                    came_from[name] = step
                    queue.append(name)
    return None


def _with_parents(module: str) -> list[str]:
    """Importing a.b.c imports a, then a.b, then a.b.c."""
    parts = module.split(".")
    return [".".join(parts[: end + 1]) for end in range(len(parts))]


def _path_to(came_from: dict[str, Step | None], last: Step) -> list[Step]:
    steps = [last]
    while (step := came_from.get(steps[-1].module)) is not None:
        steps.append(step)
    return steps[::-1]


@functools.cache
def _imports(path: Path, mtime_ns: int, module: str) -> tuple[tuple[str, int], ...]:
    """(module imported, line) for each import the module runs while it loads; none if it does not parse."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return ()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    _collect(tree.body, package, found)
    return tuple(found)


def _collect(body: list[ast.stmt], package: str, found: list[tuple[str, int]]) -> None:
    for node in body:
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            if base:
                found.append((base, node.lineno))
                # `from pkg import name` imports pkg.name when it is a submodule.
                found.extend((f"{base}.{alias.name}", node.lineno) for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.If):
            if not is_type_checking(node.test):
                _collect(node.body, package, found)
            _collect(node.orelse, package, found)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(handler.body for handler in node.handlers)):
                _collect(block, package, found)
        elif isinstance(node, ast.With):
            _collect(node.body, package, found)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The absolute module of `from ... import`, relative levels resolved against the importing package."""
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return ""
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)

