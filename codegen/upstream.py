"""Read transformers' mapping tables from source with `ast`: never imported, never executed.

Upstream writes each table as `NAME = OrderedDict([("model_type", "Class"), ...])`
(or `OrderedDict[str, str]([...])`). Parsing the source keeps every row's line,
for file:line errors, and needs neither transformers nor jax: `--from-installed`
only locates the files.

A literal is the table only if nothing changes it afterwards, so a file that
binds a table twice, deletes it, assigns or deletes one of its rows, calls a
method that changes it (`.pop`, `.update`, ...) or runs code by name (`exec`,
`eval`, `globals()`, `setattr`) is refused at that line: sync reads literals
and cannot tell what such code leaves. Passing a table to a function (as
upstream's `_LazyAutoMapping(...)` lines do) is reading it; giving it another
name (`rows = TABLE`, `(TABLE,)`) is refused, as `rows.pop(...)` would change it unseen.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

from .errors import InputError, Location
from .regular import read_regular
from .sources import SOURCE_LIMIT

MODELING_FILE = "modeling_flax_auto.py"
CONFIG_FILE = "configuration_auto.py"
CONFIG_MAPPING = "CONFIG_MAPPING_NAMES"
SPECIAL_PACKAGES = "SPECIAL_MODEL_TYPE_TO_MODULE_NAME"


@dataclass(frozen=True)
class Row:
    """One `("key", "value")` pair of an upstream table."""

    key: str
    value: str
    where: Location


@dataclass(frozen=True)
class Table:
    """One upstream table: its variable, where it is assigned, its rows in order."""

    name: str
    where: Location
    rows: tuple[Row, ...]

    def as_dict(self) -> dict[str, str]:
        return {row.key: row.value for row in self.rows}


@dataclass(frozen=True)
class SourceFile:
    """The module-level mapping assignments of one upstream file, not yet checked."""

    path: str
    assignments: dict[str, ast.Call]

    @property
    def mapping_names(self) -> list[str]:
        """The `*_MAPPING_NAMES` tables the file defines, in file order."""
        return [name for name in self.assignments if name.endswith("_MAPPING_NAMES")]

    def where(self, node: ast.AST) -> Location:
        return Location(self.path, getattr(node, "lineno", 1))

    def has(self, name: str) -> bool:
        return name in self.assignments

    def table(self, name: str) -> Table:
        """The table `name`, or InputError naming every row that is not a pair of strings."""
        node = self.assignments.get(name)
        if node is None:
            raise InputError([f"{self.path}:1: no table {name} in this file"])
        problems: list[str] = []
        rows: list[Row] = []
        first_line: dict[str, int] = {}
        rows_node = node.args[0]
        assert isinstance(rows_node, (ast.List, ast.Tuple))  # checked by _is_mapping_call
        for element in rows_node.elts:
            where = self.where(element)
            pair = _string_pair(element)
            if pair is None:
                problems.append(f"{where}: {name}: expected a pair of strings: {ast.unparse(element)!r}")
            elif pair[0] in first_line:
                problems.append(
                    f"{where}: {name}: duplicate key (first at line {first_line[pair[0]]}): {pair[0]!r}"
                )
            else:
                first_line[pair[0]] = where.line
                rows.append(Row(pair[0], pair[1], where))
        if problems:
            raise InputError(problems)
        return Table(name, self.where(node), tuple(rows))


def read_source(path: Path) -> SourceFile:
    """Parse `path` as Python and keep its module-level mapping literals by variable name."""
    try:
        # Bounded, and a named pipe or device is refused before it is opened for a blocking read.
        tree = ast.parse(read_regular(path, SOURCE_LIMIT).decode("utf-8"), filename=str(path))
    except OSError as error:
        raise InputError([f"{path}: cannot read: {error.strerror or error}"]) from None
    except (SyntaxError, UnicodeDecodeError) as error:
        raise InputError(
            [f"{path}:{getattr(error, 'lineno', None) or 1}: not Python source: {error}"]
        ) from None
    assignments: dict[str, ast.Call] = {}
    literals: set[int] = set()  # the Name nodes the literals are assigned to
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and _is_mapping_call(value) and target.id not in assignments:
            assignments[target.id] = value
            literals.add(id(target))
    changes = {change for node in ast.walk(tree) if id(node) not in literals for change in _changes(node, assignments)}
    changes |= set(_second_names(tree, assignments))
    if changes:
        raise InputError([f"{path}:{line}: {what}; sync reads the tables as literals" for line, what in sorted(changes)])
    return SourceFile(str(path), assignments)


# Methods of a dict that only read it; any other attribute of a table may change it.
_READING_METHODS = frozenset(
    {"get", "keys", "values", "items", "copy", "__contains__", "__getitem__", "__len__", "__iter__"}
)
# Built-ins that can rebind or change any module-level name given as a string.
_BY_NAME = frozenset({"exec", "eval", "compile", "globals", "vars", "setattr", "delattr", "__import__"})


def _changes(node: ast.AST, tables: dict[str, ast.Call]) -> list[tuple[int, str]]:
    """(line, what) where `node` may change a table after its literal (binding it again included)."""
    line = getattr(node, "lineno", 1)

    def is_table(expr: ast.AST) -> bool:
        return isinstance(expr, ast.Name) and expr.id in tables

    writes = (ast.Store, ast.Del)
    if isinstance(node, ast.Name) and node.id in tables and isinstance(node.ctx, writes):
        return [(line, f"{node.id} is bound again or deleted after its literal")]
    if isinstance(node, ast.Subscript) and is_table(node.value) and isinstance(node.ctx, writes):
        return [(line, f"a row of {ast.unparse(node.value)} is assigned or deleted after its literal")]
    if isinstance(node, ast.Attribute) and is_table(node.value) and node.attr not in _READING_METHODS:
        return [(line, f"{ast.unparse(node)} may change the table after its literal")]
    if isinstance(node, ast.Attribute) and node.attr in tables:
        return [(line, f"{ast.unparse(node)} reaches a table through an object, which may change it")]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in _BY_NAME:
            return [(line, f"{node.func.id}() can change any table by name")]
        if node.func.id == "getattr" and node.args and is_table(node.args[0]):
            return [(line, f"{ast.unparse(node)} may change the table after its literal")]
    if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
        return [(line, f"`from {node.module} import *` may bind any table again")]
    return [(line, f"{name} is bound again after its literal") for name in _bound_names(node) if name in tables]


# Where a table's name may stand and only be read: an argument, `TABLE.get`, `TABLE[key]`, `key in TABLE`, `for key in TABLE`.
_READING_PLACES = (ast.Call, ast.keyword, ast.Attribute, ast.Subscript, ast.Compare, ast.For, ast.comprehension)


def _second_names(tree: ast.Module, tables: dict[str, ast.Call]) -> list[tuple[int, str]]:
    """(line, what) where a table gets another name (`alias = TABLE`, `[TABLE]`), through which it may change.

    `alias.pop("gpt2")` changes the table as `TABLE.pop` would, and no check of
    the table's own name sees it; so a table's name may only stand where it is read.
    """
    found: list[tuple[int, str]] = []
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            if (
                isinstance(child, ast.Name)
                and child.id in tables
                and isinstance(child.ctx, ast.Load)
                and not isinstance(parent, _READING_PLACES)
            ):
                found.append((child.lineno, f"{child.id} gets another name here, through which it may change"))
    return found


def _bound_names(node: ast.AST) -> list[str]:
    """Names a statement binds without a Name node: imports, defs, `except ... as`, match captures."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [node.name]
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        return [node.name]
    if isinstance(node, ast.MatchMapping) and node.rest:
        return [node.rest]
    return []


def _is_mapping_call(node: ast.expr) -> TypeGuard[ast.Call]:
    """`OrderedDict([...])`, `OrderedDict[str, str]([...])` or `dict([...])`."""
    if not (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords):
        return False
    func = node.func.value if isinstance(node.func, ast.Subscript) else node.func
    return (
        isinstance(func, ast.Name)
        and func.id in {"OrderedDict", "dict"}
        and isinstance(node.args[0], (ast.List, ast.Tuple))
    )


def _string_pair(node: ast.expr) -> tuple[str, str] | None:
    if isinstance(node, ast.Tuple) and len(node.elts) == 2:
        key, value = node.elts
        if (
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            return key.value, value.value
    return None


def models_folder(path: Path) -> Path | None:
    """`transformers/models` when `path` is an auto file inside a transformers tree."""
    if path.parent.name == "auto" and path.parent.parent.name == "models":
        return path.parent.parent
    return None


def installed_auto_files() -> tuple[Path, Path, str]:
    """The installed transformers' two auto files and its version, found without importing it.

    `find_spec` of a top-level package only locates it (its `__init__` does not
    run), and the version comes from the distribution's metadata.
    """
    spec = importlib.util.find_spec("transformers")
    if spec is None or not spec.submodule_search_locations:
        raise InputError(
            [
                "--from-installed: transformers is not installed in this environment; "
                f"give the path of its {MODELING_FILE} instead"
            ]
        )
    auto = Path(next(iter(spec.submodule_search_locations))) / "models" / "auto"
    try:
        version = importlib.metadata.version("transformers")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown version"
    return auto / MODELING_FILE, auto / CONFIG_FILE, version


@functools.cache
def module_names(path: Path) -> frozenset[str]:
    """Classes and names assigned at the top of a Python file (empty when there is no file)."""
    if not path.is_file():
        return frozenset()
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as error:
        raise InputError([f"{path}:{getattr(error, 'lineno', None) or 1}: not Python source: {error}"]) from None
    names = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return frozenset(names)


def defining_package(
    models: Path, candidates: list[str], config_class: str, model_classes: set[str]
) -> str | None:
    """The package under `models` whose configuration_<p>.py defines the config class and
    whose modeling_flax_<p>.py defines every model class: the candidates first, then any."""
    others = sorted(path.parent.name for path in models.glob("*/modeling_flax_*.py"))
    for package in dict.fromkeys([*candidates, *others]):
        if config_class in module_names(models / package / f"configuration_{package}.py") and (
            model_classes <= module_names(models / package / f"modeling_flax_{package}.py")
        ):
            return package
    return None
