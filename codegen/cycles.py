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

import os
from collections.abc import Sequence
from dataclasses import dataclass

from .sources import Import, facts, find_source


@dataclass(frozen=True)
class Step:
    """One import on the way back to the package: `module` imports `imported` at path:line."""

    module: str
    imported: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.module} imports {self.imported} ({self.path}:{self.line})"


def inside(module: str, package: str) -> bool:
    """True for the package itself and every module under it."""
    return module == package or module.startswith(f"{package}.")


def chain_to(
    module: str,
    package: str,
    scope: frozenset[str],
    paths: Sequence[str | os.PathLike[str]] = (),
    clean: set[str] | None = None,
) -> list[Step] | None:
    """The imports by which importing `module` imports `package`, or None where it does not.

    Breadth first, so the chain reported is a shortest one; `scope` holds the
    top-level package names whose modules are followed. `clean` holds modules
    already shown not to import the package, which are not followed again; a
    search that finds no chain adds every module it saw (rows share their
    packages, so a run over 10,000 rows reads each module's imports once).
    """
    known = clean if clean is not None else set[str]()
    queue = [name for name in _with_parents(module) if name not in known]
    came_from: dict[str, Step | None] = dict.fromkeys(queue)
    while queue:
        current = queue.pop(0)
        path = find_source(current, paths)
        if path is None:
            continue
        for imported, line in _imports(path, current):
            step = Step(current, imported, path, line)
            if inside(imported, package):
                return _path_to(came_from, step)
            for name in _with_parents(imported):
                if name.split(".")[0] in scope and name not in came_from and name not in known:
                    came_from[name] = step
                    queue.append(name)
    known.update(came_from)
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


def _imports(path: str, module: str) -> list[tuple[str, int]]:
    """(module imported, line) for each import the module runs while it loads; none if it does not parse."""
    found = facts(path)
    if found is None:
        return []
    package = module if os.path.basename(path) == "__init__.py" else module.rpartition(".")[0]
    imported: list[tuple[str, int]] = []
    for statement in found.imports:
        if not statement.is_from:
            imported.append((statement.module, statement.line))
            continue
        base = _absolute(statement, package)
        if base:
            imported.append((base, statement.line))
            # `from pkg import name` imports pkg.name when it is a submodule.
            imported.extend((f"{base}.{name}", statement.line) for name in statement.names if name != "*")
    return imported


def _absolute(statement: Import, package: str) -> str:
    """The absolute module of `from ... import`, relative levels resolved against the importing package."""
    if not statement.level:
        return statement.module
    parts = package.split(".") if package else []
    if statement.level - 1 > len(parts):
        return ""
    base = parts[: len(parts) - (statement.level - 1)]
    return ".".join([*base, statement.module] if statement.module else base)
