"""Check the parsed tables and turn them into the dataclasses of codegen.model.

Every problem is collected (all files, all rows) and raised together as one
InputError, each line `path:line: what is wrong: 'value'`. Nothing that fails
here can reach a template, so values in generated code are always identifiers
or plain strings.
"""

from __future__ import annotations

import functools
import keyword
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeGuard, cast

from .cycles import chain_to, inside
from .errors import InputError, Location
from .halves import in_halves
from .load import TableFile
from .model import (
    UPSTREAM_PACKAGE,
    Entry,
    ModelType,
    Origin,
    Tables,
    Task,
    primary_model_types,
)
from .sources import lookups_cached, missing_class

CONFIG_TABLE = "configs.toml"
# The generated package's import name: the one place it is spelled (build.OUTPUT, the checks below).
PACKAGE = "flax_auto"
RESERVED_MODULES = frozenset({"configs"})
# Each table keeps upstream's rows (what `codegen sync` owns) apart from ours.
ROW_SECTIONS: dict[str, Origin] = {"configs": "upstream", "models": "upstream", "extension": "extension"}

_MODEL_TYPE = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_MAPPING = re.compile(r"[A-Z][A-Z0-9_]*_MAPPING")
_MODULE = re.compile(r"[a-z][a-z0-9_]*")
_HEAD_DOC = re.compile(r"[A-Za-z0-9 ,()/-]*")
_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")


def is_identifier(value: object) -> TypeGuard[str]:
    """A Python name that can be imported and defined: not a keyword, ASCII only."""
    return isinstance(value, str) and _is_name(value)


def is_module_path(value: object) -> TypeGuard[str]:
    """A dotted module path whose every part is an identifier: `my_pkg.modeling_my`."""
    return isinstance(value, str) and _is_dotted(value)


@functools.cache  # the templates ask again for every name they write: 20 times a row
def _is_name(value: str) -> bool:
    return value.isascii() and value.isidentifier() and not keyword.iskeyword(value)


@functools.cache
def _is_dotted(value: str) -> bool:
    return all(_is_name(part) for part in value.split("."))


def is_model_type(value: object) -> bool:
    """A model_type as transformers writes them: lower-case letters, digits, '_', '-', '.'."""
    return isinstance(value, str) and _MODEL_TYPE.fullmatch(value) is not None


def default_package(model_type: str) -> str:
    """The transformers package of a model_type's classes unless its config row names one."""
    return model_type.replace("-", "_")


def _table(value: object) -> dict[str, object] | None:
    """A parsed TOML table (its keys are always str), or None for any other value."""
    return cast("dict[str, object]", value) if isinstance(value, dict) else None


class _Problems:
    """Collects `path:line: message: 'value'` lines; `lines` gives them in file and line order."""

    def __init__(self) -> None:
        self.found: list[tuple[Location, str]] = []

    def add(self, where: Location, message: str, value: object = None) -> None:
        suffix = "" if value is None else f": {value!r}"
        self.found.append((where, f"{where}: {message}{suffix}"))

    @property
    def lines(self) -> list[str]:
        return [line for _, line in sorted(self.found, key=lambda found: found[0])]


def validate(
    files: list[TableFile],
    reserved: Mapping[str, str] | None = None,
    own: Sequence[TableFile] = (),
    package: str = PACKAGE,
    source_paths: Sequence[Path] = (),
    label: Callable[[Path], str] = Path.as_posix,
    unchosen: frozenset[str] = frozenset(),
) -> Tables:
    """Build Tables from the parsed files, or raise InputError listing every problem.

    `files` are flax-auto's tables (upstream's rows and ours, maybe a chosen
    part), `own` a user's: its config table adds model types in
    `[extension]`, and a task table whose auto_class is one of flax-auto's
    adds its rows to that auto class (any other is an auto class of its own).
    `reserved` maps the names the generated package already uses to where
    (codegen.reserved); a table may not use one for a class, mapping or module.
    `package` is the generated package's import name: no row may import from it.
    `unchosen` are flax-auto's model types that the settings' `upstream` left out.
    """
    problems = _Problems()
    by_name = {file.path.rsplit("/", 1)[-1]: file for file in files}
    own_by_name = {file.path.rsplit("/", 1)[-1]: file for file in own}
    config_file = by_name.get(CONFIG_TABLE)
    if config_file is None and (files or CONFIG_TABLE not in own_by_name):
        raise InputError([f"{CONFIG_TABLE}: the config table is missing"])
    model_types = _model_types(config_file, problems) if config_file else {}
    upstream_transformers = _upstream_version(config_file, problems) if config_file else ""
    if CONFIG_TABLE in own_by_name:
        _own_model_types(own_by_name[CONFIG_TABLE], model_types, problems)
    every_file = {file.path: file for file in (*files, *own)}
    tasks = [_task(file, model_types, problems) for name, file in by_name.items() if name != CONFIG_TABLE]
    own_tasks = [
        _own_task(file, model_types, problems, unchosen) for name, file in own_by_name.items() if name != CONFIG_TABLE
    ]
    tasks = _merge_tasks(tasks, own_tasks, every_file, problems)
    if not tasks:
        problems.add((config_file or own_by_name[CONFIG_TABLE]).where(), "no task tables next to the config table")
    valid = [model_type for model_type in model_types.values() if model_type is not None]
    _check_collisions(valid, tasks, every_file, package, problems)
    with lookups_cached():
        _check_sources(valid, tasks, package, source_paths, label, problems)
    _check_reserved(valid, tasks, every_file, reserved or {}, problems)
    if problems.lines:
        raise InputError(problems.lines)
    return Tables(
        model_types=tuple(valid),
        tasks=tuple(tasks),
        sources=tuple(file.path for file in (*files, *own)),
        upstream_transformers=upstream_transformers,
        package=package,
    )


def _own_model_types(file: TableFile, model_types: dict[str, ModelType | None], problems: _Problems) -> None:
    """A user's config table: model types of their own, in `[extension]`, beside flax-auto's."""
    _check_keys(file, "", file.data, set(), {"extension"}, problems)
    rows = _table(file.data.get("extension", {}))
    if rows is None:
        problems.add(file.where("extension"), "[extension] must be a table")
        return
    for name, value in rows.items():
        where = file.where("extension", name)
        if name in model_types:
            theirs = model_types[name]
            at = f" at {theirs.where}" if theirs else ""
            problems.add(where, f"model_type already in flax-auto's config table{at}, pick another name", name)
            continue
        model_types[name] = _model_type(name, value, where, "extension", problems)


def _own_task(
    file: TableFile, model_types: dict[str, ModelType | None], problems: _Problems, unchosen: frozenset[str]
) -> Task:
    """A user's task table: `[task]` and `[extension]` rows; `[models]` is upstream's and comes with flax-auto."""
    if "models" in file.data:
        problems.add(file.where("models"), "[models] holds upstream's rows, which come with flax-auto: put your rows in [extension]")
    return _task(file, model_types, problems, unchosen)


def _merge_tasks(tasks: list[Task], own: list[Task], files: dict[str, TableFile], problems: _Problems) -> list[Task]:
    """A user's task whose auto_class is one of flax-auto's adds its rows there; any other is a task of its own,
    and no other table of the user's may name it too."""
    flax_autos = frozenset(task.auto_class for task in tasks)
    merged = {task.auto_class: task for task in tasks}
    modules = {task.module: task for task in tasks}
    for task in own:
        theirs = merged.get(task.auto_class)
        if theirs is not None and task.auto_class not in flax_autos:
            problems.add(
                files[task.source].where("task", "auto_class"),
                f"auto_class is already that of {files[theirs.source].where('task', 'auto_class')}: two tables of "
                "your own cannot share one (only one of flax-auto's auto classes takes rows from another table); "
                "merge the two, or rename one",
                task.auto_class,
            )
            continue
        if theirs is None:
            clash = modules.get(task.module)
            if clash is not None:
                problems.add(
                    Location(task.source, 1),
                    f"table file name is the module of flax-auto's {clash.auto_class} ({clash.source}); "
                    "name the file after that table to add rows to it, or pick another name",
                    task.module,
                )
                continue
            merged[task.auto_class] = modules[task.module] = task
            continue
        for key, value, wanted in (("mapping", task.mapping, theirs.mapping), ("head_doc", task.head_doc, theirs.head_doc)):
            if value != wanted:
                problems.add(
                    files[task.source].where("task", key),
                    f"[task] adds to flax-auto's {theirs.auto_class} ({theirs.source}): give its {key} {wanted!r}",
                    value,
                )
        names = {entry.model_type.name: entry for entry in theirs.entries}
        entries = list(theirs.entries)
        for entry in task.entries:
            if entry.model_type.name in names:
                problems.add(
                    entry.where,
                    f"model_type already served by {theirs.auto_class} at {names[entry.model_type.name].where}",
                    entry.model_type.name,
                )
            else:
                entries.append(entry)
        merged[task.auto_class] = replace(theirs, entries=tuple(entries))
    return sorted(merged.values(), key=lambda task: task.module)


def _check_keys(
    file: TableFile,
    section: str,
    data: dict[str, Any],
    required: set[str],
    allowed: set[str],
    problems: _Problems,
) -> None:
    what = f"key in [{section}]" if section else "section"
    expected = ", ".join(sorted(allowed) if section else (f"[{name}]" for name in sorted(allowed)))
    for key in data:
        if key not in allowed:
            problems.add(file.where(section, key), f"unknown {what} (expected {expected})", key)
    for key in sorted(required - data.keys()):
        problems.add(file.where(section), f"missing {what}", key)


def _model_types(file: TableFile, problems: _Problems) -> dict[str, ModelType | None]:
    """Every model_type of the config table; None for a row with problems (already reported).

    `[configs]` holds rows of upstream's CONFIG_MAPPING_NAMES, `[extension]`
    model types upstream does not know (models of your own).
    """
    _check_keys(file, "", file.data, {"configs", "upstream"}, {"configs", "extension", "upstream"}, problems)
    model_types: dict[str, ModelType | None] = {}
    for section in ("configs", "extension"):
        rows = _table(file.data.get(section, {}))
        if rows is None:
            problems.add(file.where(section), f"[{section}] must be a table")
            continue
        for name, value in rows.items():
            where = file.where(section, name)
            if name in model_types:
                problems.add(where, "model_type in both [configs] and [extension]", name)
                continue
            model_types[name] = _model_type(name, value, where, ROW_SECTIONS[section], problems)
    valid = primary_model_types(model_type for model_type in model_types.values() if model_type is not None)
    ranked = {model_type.name: model_type for model_type in valid}
    return {name: ranked.get(name) for name in model_types}


def _upstream_version(file: TableFile, problems: _Problems) -> str:
    """The transformers release the tables mirror: `[upstream] transformers = "X.Y.Z"`."""
    if "upstream" not in file.data:
        return ""  # reported as a missing section
    section = _table(file.data["upstream"])
    if section is None:
        problems.add(file.where("upstream"), "[upstream] must be a table")
        return ""
    _check_keys(file, "upstream", section, {"transformers"}, {"transformers"}, problems)
    version = section.get("transformers", "")
    if "transformers" in section and not (isinstance(version, str) and _VERSION.fullmatch(version)):
        problems.add(file.where("upstream", "transformers"), "transformers must be a release like \"4.57.6\"", version)
    return str(version)


def _model_type(
    name: str, value: object, where: Location, origin: Origin, problems: _Problems
) -> ModelType | None:
    found = len(problems.found)
    if not is_model_type(name):
        problems.add(where, "model_type must be lower-case letters, digits, '_', '-', '.'", name)
    row = _table({"config": value} if isinstance(value, str) else value)
    if row is None:
        problems.add(where, "expected a config class name or { config = ..., package = ... }", value)
        return None
    for key in sorted(row.keys() - {"config", "package", "module", "models"}):
        problems.add(where, "unknown key in a config row (expected config, package, module, models)", key)
    config_class = row.get("config")
    package = row.get("package", default_package(name))
    module, models = row.get("module"), row.get("models")
    if not is_identifier(config_class):
        problems.add(where, "config class is not a Python identifier", config_class)
    if not (isinstance(package, str) and _MODULE.fullmatch(package) and is_identifier(package)):
        problems.add(where, "package must be one module name (lower-case letters, digits, '_')", package)
    for key, path in (("module", module), ("models", models)):
        if path is not None and not is_module_path(path):
            problems.add(where, f"{key} must be a dotted module path of Python identifiers", path)
    if len(problems.found) > found or not (is_identifier(config_class) and isinstance(package, str)):
        return None
    return ModelType(
        name, config_class, package, where, origin, module if is_module_path(module) else None,
        models if is_module_path(models) else None,
    )


def _task(
    file: TableFile,
    model_types: dict[str, ModelType | None],
    problems: _Problems,
    unchosen: frozenset[str] = frozenset(),
) -> Task:
    module = file.path.rsplit("/", 1)[-1].removesuffix(".toml")
    if not _MODULE.fullmatch(module) or module in RESERVED_MODULES or not is_identifier(module):
        problems.add(file.where(), "table file name is not a usable module name", module)
    _check_keys(file, "", file.data, {"task"}, {"task", "models", "extension"}, problems)
    header = _table(file.data.get("task", {}))
    sections = {section: _table(file.data.get(section, {})) for section in ("models", "extension")}
    if header is None or None in sections.values():
        problems.add(file.where(), "[task], [models] and [extension] must be tables")
        header, sections = {}, {}
    fields = {"auto_class", "mapping", "head_doc"}
    _check_keys(file, "task", header, fields, fields, problems)
    auto_class = header.get("auto_class", "")
    mapping = header.get("mapping", "")
    head_doc = header.get("head_doc", "")
    if "auto_class" in header and not is_identifier(auto_class):
        problems.add(file.where("task", "auto_class"), "auto_class is not a Python identifier", auto_class)
    if "mapping" in header and not (isinstance(mapping, str) and _MAPPING.fullmatch(mapping)):
        problems.add(file.where("task", "mapping"), "mapping must be an upper-case name ending in _MAPPING", mapping)
    if not (isinstance(head_doc, str) and _HEAD_DOC.fullmatch(head_doc)):
        problems.add(file.where("task", "head_doc"), "head_doc must be plain words (letters, digits, spaces, ,()/-)", head_doc)
    rows = [
        (section, name, model_class)
        for section, table in sections.items()
        for name, model_class in (table or {}).items()
    ]
    if not rows:
        problems.add(file.where("models"), "the table has no rows ([models] or [extension])")
    entries: list[Entry] = []
    seen: set[str] = set()
    for section, name, model_class in rows:
        where = file.where(section, name)
        if name in seen:
            problems.add(where, "model_type in both [models] and [extension]", name)
            continue
        seen.add(name)
        if not is_model_type(name):
            problems.add(where, "model_type must be lower-case letters, digits, '_', '-', '.'", name)
        elif name in unchosen:
            problems.add(
                where,
                f"model_type is in flax-auto's {CONFIG_TABLE}, but no row the settings' `upstream` chooses "
                f"uses it: choose one there (\"TASK:{name}\")",
                name,
            )
        elif name not in model_types:
            problems.add(where, f"model_type is not in {CONFIG_TABLE}", name)
        if not is_identifier(model_class):
            problems.add(where, "model class is not a Python identifier", model_class)
        elif (model_type := model_types.get(name)) is not None:
            entries.append(Entry(model_type, model_class, where, ROW_SECTIONS[section]))
    origin: Origin = "upstream" if "models" in file.data else "extension"
    return Task(module, str(auto_class), str(mapping), str(head_doc), tuple(entries), file.path, origin)


def _check_collisions(
    model_types: list[ModelType], tasks: list[Task], files: dict[str, TableFile], package: str, problems: _Problems
) -> None:
    """One name, one class: a name imported from two modules, or defined twice, is an error."""
    origin: dict[str, tuple[str, Location]] = {}

    def claim(name: str, module: str, where: Location, what: str = "") -> bool:
        """Report the name if it already comes from another module (`what` it is, for a task's own names)."""
        seen, at = origin.setdefault(name, (module, where))
        if seen == module:
            return False
        if what:
            problems.add(where, f"{what} is already a name of {seen} ({at}): one name, two definitions, pick another", name)
        else:
            problems.add(where, f"one name, two classes: {module} here, {seen} at {at}", name)
        return True

    for model_type in model_types:
        claim(model_type.config_class, model_type.config_module, model_type.where)
    for task in tasks:
        for entry in task.entries:
            claim(entry.model_class, entry.model_module, entry.where)
    for task in tasks:
        clashed: set[Location] = set()  # a mapping that clashes takes its _NAMES along: said once
        for where, what, name in _task_names(files[task.source], task):
            if where not in clashed and claim(name, f"{package}.{task.module}", where, what):
                clashed.add(where)


def _check_sources(
    model_types: list[ModelType],
    tasks: list[Task],
    package: str,
    source_paths: Sequence[Path],
    label: Callable[[Path], str],
    problems: _Problems,
) -> None:
    """The checks that read the rows' own modules, row by row (_row_problems).

    At 10,000 rows of one's own that is 30,000 files read and parsed, so the
    rows are checked in two halves at once (codegen.halves). A row's problems
    are its own and are sorted by their lines, so the halves say what one pass says.
    """
    models_of: dict[str, list[Entry]] = {}
    for task in tasks:
        for entry in task.entries:
            if entry.model_type.models:
                models_of.setdefault(entry.model_type.name, []).append(entry)
    named = {model_type.module for model_type in model_types} | {model_type.models for model_type in model_types}
    scope = frozenset(module.split(".")[0] for module in named if module) - {UPSTREAM_PACKAGE}
    rows = [(model_type, models_of.get(model_type.name, [])) for model_type in model_types]
    check = functools.partial(_row_problems, package, scope, source_paths, label)
    for where, message, value in in_halves(check, rows):
        problems.add(where, message, value)


def _row_problems(
    package: str,
    scope: frozenset[str],
    source_paths: Sequence[Path],
    label: Callable[[Path], str],
    rows: Sequence[tuple[ModelType, list[Entry]]],
) -> list[tuple[Location, str, object]]:
    """(line, message, value) for each problem of these rows' own modules.

    Every class that a row's own `module` / `models` names must be found there,
    never assumed. And no row's module may be inside the generated package,
    nor import it while it loads: the package imports every row's module at
    import time, so either is a circular import that only `import {package}`
    would reveal (codegen.cycles).
    """
    found: list[tuple[Location, str, object]] = []
    chains: dict[str, list[str] | None] = {}
    clean: set[str] = set()
    for model_type, entries in rows:
        if model_type.module:
            why = missing_class(model_type.module, model_type.config_class, "config class", source_paths, label)
            if why:
                found.append((model_type.where, why, model_type.config_class))
        for entry in entries:
            why = missing_class(entry.model_module, entry.model_class, "model class", source_paths, label)
            if why:
                found.append((entry.where, why, entry.model_class))
        for key, module in (("module", model_type.config_module), ("models", model_type.model_module)):
            if inside(module, package):
                message = (
                    f"{key} is inside the generated package {package}: importing {package} would import it "
                    "back (a circular import); name the module that defines the class"
                )
                found.append((model_type.where, message, module))
                continue
            if module.split(".")[0] not in scope:
                continue
            if module not in chains:
                chain = chain_to(module, package, scope, source_paths, clean)
                chains[module] = None if chain is None else [str(step) for step in chain]
            steps = chains[module]
            if steps is not None:
                message = (
                    f"{key} imports the generated package {package} while it loads ({'; '.join(steps)}): "
                    f"importing {package} would import it back (a circular import)"
                )
                found.append((model_type.where, message, module))
    return found


def _task_names(file: TableFile, task: Task) -> list[tuple[Location, str, str]]:
    """(line, what, name) for each name a task's module defines (Task.exported_names), at the line it comes from."""
    return [
        (file.where("task", "mapping"), "mapping", task.mapping),
        (file.where("task", "mapping"), f"{task.mapping_names} (from mapping)", task.mapping_names),
        (file.where("task", "auto_class"), "auto_class", task.auto_class),
        (file.where(), f"{task.dispatch} (from the file name)", task.dispatch),
    ]


def _check_reserved(
    model_types: list[ModelType],
    tasks: list[Task],
    files: dict[str, TableFile],
    reserved: Mapping[str, str],
    problems: _Problems,
) -> None:
    """No class, mapping, dispatch function or task module named after one the package already uses."""
    named: list[tuple[Location, str, str]] = [(m.where, "config class", m.config_class) for m in model_types]
    for task in tasks:
        file = files[task.source]
        named += [(entry.where, "model class", entry.model_class) for entry in task.entries]
        named += _task_names(file, task)
        if _MODULE.fullmatch(task.module):  # else already refused as no usable module name
            named.append((file.where(), "task module (the table's file name)", task.module))
    for where, what, name in named:
        used_by = reserved.get(name)
        if name.startswith("__") and name.endswith("__"):
            problems.add(where, f"{what} is a name Python reserves (__special__), pick another", name)
        elif used_by:
            problems.add(where, f"{what} is a name {used_by} already uses, pick another", name)
