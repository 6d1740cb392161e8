"""Bring codegen/tables/ in step with upstream's modeling_flax_auto.py (and configuration_auto.py).

sync owns upstream's rows only: each table's `[models]` and the config
table's `[configs]`. Extension rows (`[extension]` sections, and task tables
that have only one) are never removed or rewritten, and keep their model
types' config rows; upstream adding a model_type that an extension row
already serves with another class is refused at that row's file:line.

Each task table is matched to upstream through its `mapping` (`X_MAPPING` ->
upstream `X_MAPPING_NAMES`) and takes upstream's rows in upstream's order. The
config table follows: a model_type no task uses any more loses its row, a new
one gets its config class from CONFIG_MAPPING_NAMES and, when its classes do not
live in the package named by convention, `package = ...`; a changed one keeps
every other key its row names. An upstream change that meets a row of the
user's (a model_type of their own, a row whose classes come from their
modules) is refused at both lines. Everything is computed in memory and
validated exactly as `generate` validates; only then are the changed files
written, all or nothing (codegen.tablewrite), under the tables folder's lock.
Refused input writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from . import lock
from .errors import InputError, Location
from .load import TableFile, parse_table, read_tables
from .model import ModelType, Tables, Task
from .reserved import reserved_names
from .settings import Settings
from .tableedit import rewrite_rows, toml_inline_table, toml_string
from .tablewrite import JOURNAL, finish_killed_write, killed_write_problem, write_tables
from .upstream import (
    CONFIG_MAPPING,
    SPECIAL_PACKAGES,
    Row,
    SourceFile,
    Table,
    defining_package,
    installed_auto_files,
    models_folder,
    module_names,
    read_source,
)
from .validate import (
    CONFIG_TABLE,
    default_package,
    is_identifier,
    is_model_type,
    validate,
)


@dataclass(frozen=True)
class Upstream:
    """The upstream files to sync from, parsed but not yet checked."""

    modeling: SourceFile
    configs: SourceFile | None
    models: Path | None  # transformers/models, to find a new model_type's package
    label: str

    @property
    def config_rows(self) -> dict[str, Row]:
        return {row.key: row for row in self.configs.table(CONFIG_MAPPING).rows} if self.configs else {}

    @property
    def special_packages(self) -> dict[str, str]:
        if self.configs is None or not self.configs.has(SPECIAL_PACKAGES):
            return {}
        return self.configs.table(SPECIAL_PACKAGES).as_dict()


def read_upstream(modeling: Path, config_auto: Path | None) -> Upstream:
    """The files given on the command line; a configuration_auto.py must hold CONFIG_MAPPING_NAMES."""
    configs = read_source(config_auto) if config_auto else None
    if configs is not None and not configs.has(CONFIG_MAPPING):
        raise InputError([f"{configs.path}:1: no {CONFIG_MAPPING} table: not a configuration_auto.py"])
    models = models_folder(config_auto) if config_auto else None
    label = str(modeling) + (f" and {config_auto}" if config_auto else "")
    return Upstream(read_source(modeling), configs, models or models_folder(modeling), label)


def installed_upstream() -> Upstream:
    modeling, config_auto, version = installed_auto_files()
    upstream = read_upstream(modeling, config_auto)
    return Upstream(
        upstream.modeling, upstream.configs, upstream.models, f"transformers {version} ({modeling.parent})"
    )


@dataclass(frozen=True)
class Change:
    """One row that sync adds, removes or changes (or a table whose rows only move)."""

    kind: str  # added | removed | changed | reordered
    key: str = ""
    old: str = ""
    new: str = ""
    source: Location | None = None  # the upstream row behind it

    def __str__(self) -> str:
        text = {
            "added": f"added    {self.key} = {self.new}",
            "removed": f"removed  {self.key} = {self.old}",
            "changed": f"changed  {self.key} = {self.old} -> {self.new}",
            "reordered": "reordered  rows follow upstream's order",
        }[self.kind]
        return f"{text}  ({Path(self.source.path).name}:{self.source.line})" if self.source else text


@dataclass(frozen=True)
class FileChange:
    """A table file sync would rewrite: what changes, and its new text."""

    path: str
    title: str
    changes: tuple[Change, ...]
    text: str


@dataclass(frozen=True)
class Plan:
    files: tuple[FileChange, ...]
    notes: tuple[str, ...]

    @property
    def count(self) -> int:
        return sum(len(file.changes) for file in self.files)


def plan_sync(upstream: Upstream, settings: Settings) -> Plan:
    """The change that brings flax-auto's own tables to upstream; raises InputError if refused."""
    tables_dir, root = settings.upstream_tables, settings.root
    table_files = read_tables(tables_dir, settings.label)
    reserved = reserved_names(settings)
    try:
        current = validate(table_files, reserved)
    except InputError as error:
        raise InputError([*error.problems, "the tables are invalid before sync: fix them first"]) from None
    texts = {file.path: file.text for file in table_files}
    upstream_tables = _upstream_tables(
        upstream, current, {file.path: file.where("task", "mapping") for file in table_files}
    )
    config_file = next(file for file in table_files if file.path.endswith("/" + CONFIG_TABLE))
    _refuse_collisions(upstream, current, upstream_tables)
    files = [
        file
        for task in current.tasks
        if task.origin == "upstream"
        and (file := _sync_task(task, upstream_tables[task.source], texts[task.source])) is not None
    ]
    configs = _sync_configs(upstream, current, upstream_tables, config_file)
    if configs is not None:
        files.append(configs)
    new_texts = texts | {file.path: file.text for file in files}
    try:
        synced = validate([parse_table(new_texts[path], path) for path in texts], reserved)
    except InputError as error:
        raise InputError([*error.problems, "(lines of the tables as sync would write them)"]) from None
    _check_rows_written(synced, upstream_tables)
    undefined = _undefined_classes(upstream, current, synced, upstream_tables)
    if undefined:
        raise InputError(undefined)
    matched = {task.mapping_names for task in current.tasks}
    notes = [
        f"{upstream.modeling.where(upstream.modeling.assignments[name])}: {name} has no table in "
        f"{tables_dir.relative_to(root).as_posix()}/; sync adds rows, not tables: add its file by hand"
        for name in upstream.modeling.mapping_names
        if name not in matched
    ]
    return Plan(tuple(files), tuple(notes))


def sync(upstream: Upstream, settings: Settings, dry_run: bool) -> tuple[Plan, list[str]]:
    """Plan and (unless dry_run) write the sync, under the tables folder's lock; (plan, finished).

    The lock keeps two syncs from interleaving, and `generate` (which reads the
    tables under the shared lock) from reading a set half written. A sync that
    was killed half way left a journal: this run first finishes its renames
    (`finished`), then plans from the tables as that run would have left them.
    A failed write raises OSError with every table as it was.
    """
    tables_dir, root = settings.upstream_tables, settings.root
    if not tables_dir.is_dir():
        raise InputError([f"{settings.label(tables_dir)}: no tables folder under {root}"])
    if dry_run:
        with lock.reading(tables_dir):
            if (tables_dir / JOURNAL).exists():
                raise InputError([killed_write_problem(settings.label(tables_dir))])
            return plan_sync(upstream, settings), []
    with lock.writing(tables_dir):
        finished = finish_killed_write(tables_dir)
        plan = plan_sync(upstream, settings)
        write_tables({root / file.path: file.text.encode("utf-8") for file in plan.files}, tables_dir)
    return plan, finished


def report(plan: Plan, upstream: Upstream, dry_run: bool, finished: Sequence[str] = ()) -> list[str]:
    """The change as a readable list, per table file, then what happened."""
    lines = [f"upstream: {upstream.label}"]
    lines.extend(f"finished the write of a killed sync: {path}" for path in finished)
    for file in plan.files:
        lines.append(f"{file.path} ({file.title}):")
        lines.extend(f"  {change}" for change in file.changes)
    lines.extend(f"note: {note}" for note in plan.notes)
    if not plan.files:
        lines.append("no change: the tables match upstream")
    elif dry_run:
        lines.append(f"dry run: {plan.count} change(s) in {len(plan.files)} file(s); nothing written")
    else:
        lines.append(f"{plan.count} change(s) written to {len(plan.files)} file(s); now run `make generate`")
    return lines


def _upstream_tables(
    upstream: Upstream, current: Tables, mapping_lines: dict[str, Location]
) -> dict[str, Table]:
    """Each task table's upstream table (by table path), every row checked; all problems at once."""
    modeling = upstream.modeling
    upstream_tasks = [task for task in current.tasks if task.origin == "upstream"]
    if not any(modeling.has(task.mapping_names) for task in upstream_tasks):
        raise InputError(
            [
                f"{modeling.path}:1: not a modeling_flax_auto.py: it assigns none of "
                + ", ".join(task.mapping_names for task in upstream_tasks)
            ]
        )
    problems: list[str] = []
    tables: dict[str, Table] = {}
    for task in upstream_tasks:
        if not modeling.has(task.mapping_names):
            problems.append(
                f"{mapping_lines[task.source]}: {modeling.path} has no table {task.mapping_names}"
            )
            continue
        try:
            table = modeling.table(task.mapping_names)
        except InputError as error:
            problems.extend(error.problems)
            continue
        for row in table.rows:
            if not is_model_type(row.key):
                problems.append(
                    f"{row.where}: model_type must be lower-case letters, digits, '_', '-', '.': {row.key!r}"
                )
            if not is_identifier(row.value):
                problems.append(f"{row.where}: model class is not a Python identifier: {row.value!r}")
        tables[task.source] = table
    if problems:
        raise InputError(problems)
    return tables


def _refuse_collisions(upstream: Upstream, current: Tables, tables: dict[str, Table]) -> None:
    """Upstream changes that meet a row of the user's: which one should win is a decision, not a sync.

    Refused, at the user's row with upstream's row named beside it:
    - an upstream row for a model_type of the config table's [extension] (a model
      of the user's own: its config and classes come from the user's modules);
    - an upstream row for a model_type that an extension row of the same table
      serves with another class;
    - a new or changed upstream row for a model_type whose config row names
      `models` (its model classes come from the user's module, not transformers);
    - a new config class for a model_type whose config row names `module`.
    """
    problems: list[str] = []
    known = {model_type.name: model_type for model_type in current.model_types}
    config_rows = upstream.config_rows
    for task in current.tasks:
        if task.source not in tables:
            continue
        ours = {entry.model_type.name: entry for entry in task.extension_entries}
        synced = {entry.model_type.name: entry.model_class for entry in task.upstream_entries}
        for row in tables[task.source].rows:
            entry, model_type = ours.get(row.key), known.get(row.key)
            if model_type is None or synced.get(row.key) == row.value:
                continue
            table = tables[task.source].name
            if model_type.origin == "extension":
                config = config_rows.get(row.key)
                clash = f", its config class {config.value} ({config.where})" if config else ""
                problems.append(
                    f"{model_type.where}: upstream now has model_type {row.key!r}: {row.value} in {table} "
                    f"({row.where}){clash}; this extension row makes it a model of your own "
                    f"({model_type.config_class} from {model_type.config_module}): rename your model_type"
                )
            elif entry is not None and row.value != entry.model_class:
                problems.append(
                    f"{entry.where}: upstream now maps {row.key!r} to {row.value} ({row.where}), this extension "
                    f"row to {entry.model_class}: remove the extension row or the model_type by hand"
                )
            elif entry is None and model_type.models is not None:
                problems.append(
                    f"{model_type.where}: upstream now maps {row.key!r} to {row.value} in {table} "
                    f"({row.where}), and this row takes its model classes from {model_type.models}: "
                    "add the row or change this one by hand"
                )
    for model_type in current.model_types:
        config = config_rows.get(model_type.name)
        if model_type.origin == "upstream" and model_type.module and config and config.value != model_type.config_class:
            problems.append(
                f"{model_type.where}: upstream now names {model_type.name!r}'s config class {config.value} "
                f"({config.where}), and this row imports {model_type.config_class} from {model_type.module}: "
                "change the row by hand"
            )
    if problems:
        raise InputError(list(dict.fromkeys(problems)))  # a model of your own may meet several tables


def _row_changes(old: dict[str, str], rows: tuple[Row, ...]) -> list[Change]:
    """added / changed in upstream order, then removed in table order, or just `reordered`."""
    new = {row.key: row.value for row in rows}
    changes = [
        (
            Change("added", row.key, new=row.value, source=row.where)
            if row.key not in old
            else Change("changed", row.key, old[row.key], row.value, row.where)
        )
        for row in rows
        if old.get(row.key) != row.value
    ]
    changes += [Change("removed", key, old=value) for key, value in old.items() if key not in new]
    kept_order = [key for key in new if key in old]
    if not changes and kept_order != list(old):
        changes.append(Change("reordered"))
    return changes


def _sync_task(task: Task, table: Table, text: str) -> FileChange | None:
    old = {entry.model_type.name: entry.model_class for entry in task.upstream_entries}
    upstream_rows = _rows_for_models(task, table)
    changes = _row_changes(old, upstream_rows)
    if not changes:
        return None
    rows = [
        (row.key, None if old.get(row.key) == row.value else toml_string(row.value)) for row in upstream_rows
    ]
    return FileChange(
        task.source, f"{task.auto_class} <- {table.name}", tuple(changes), _rewrite(text, task.source, "models", rows)
    )


def _rewrite(text: str, path: str, section: str, rows: list[tuple[str, str | None]]) -> str:
    """rewrite_rows, with a table sync cannot edit as text refused at its file."""
    try:
        return rewrite_rows(text, section, rows)
    except ValueError as error:
        raise InputError(
            [f"{path}:1: sync edits [{section}] only as a section of `key = value` lines: {error}"]
        ) from None


def _rows_for_models(task: Task, table: Table) -> tuple[Row, ...]:
    """Upstream's rows that belong in [models]: an upstream row that an extension row
    already serves (with the same class) stays the extension's."""
    ours = {entry.model_type.name for entry in task.extension_entries}
    return tuple(row for row in table.rows if row.key not in ours)


def _check_rows_written(synced: Tables, upstream_tables: dict[str, Table]) -> None:
    """The edited text holds upstream's rows, in order: sync never reports success over a lost row."""
    for task in synced.tasks:
        if task.origin != "upstream":
            continue
        written = [(entry.model_type.name, entry.model_class) for entry in task.upstream_entries]
        if written != [(row.key, row.value) for row in _rows_for_models(task, upstream_tables[task.source])]:
            raise InputError([f"{task.source}:1: sync's edit does not hold upstream's rows; nothing was written"])


def _undefined_classes(
    upstream: Upstream, current: Tables, synced: Tables, upstream_tables: dict[str, Table]
) -> list[str]:
    """A new or changed row whose class the upstream tree does not define, at upstream's line.

    The package would fail at import. The tree is read with `ast`, never imported.
    """
    before = {(task.source, e.model_type.name): e.model_class for task in current.tasks for e in task.entries}
    configs_before = {model_type.name: model_type.config_class for model_type in current.model_types}
    config_rows = upstream.config_rows
    problems: list[str] = []
    for task in synced.tasks:
        if task.origin != "upstream":
            continue
        rows = {row.key: row for row in upstream_tables[task.source].rows}
        for entry in task.upstream_entries:
            if before.get((task.source, entry.model_type.name)) != entry.model_class:
                where = rows[entry.model_type.name].where
                problems += _undefined(upstream, where, entry.model_class, entry.model_type, "modeling_flax")
    for model_type in synced.model_types:
        if configs_before.get(model_type.name) != model_type.config_class and model_type.name in config_rows:
            where = config_rows[model_type.name].where
            problems += _undefined(upstream, where, model_type.config_class, model_type, "configuration")
    return problems


def _undefined(upstream: Upstream, where: Location, name: str, model_type: ModelType, kind: str) -> list[str]:
    """[] when `kind`_<package>.py of the upstream tree defines `name`, else the problem."""
    if upstream.models is None:
        return [
            f"{where}: cannot check that {name} exists: {upstream.modeling.path} is not inside a "
            "transformers tree; name its configuration_auto.py (--config-auto PATH) in one"
        ]
    path = upstream.models / model_type.package / f"{kind}_{model_type.package}.py"
    if name in module_names(path):
        return []
    return [f"{where}: {name} (model_type {model_type.name!r}) is not defined in {path}"]


def _config_value(config_class: str, package: str, model_type: str) -> str:
    """The TOML of a new config row: the class name, or an inline table when the package is not the default."""
    if package == default_package(model_type):
        return toml_string(config_class)
    return toml_inline_table({"config": config_class, "package": package})


def _changed_config_value(written: object, config_class: str) -> str:
    """A config row with upstream's new class and every other key the user wrote, in their order."""
    if not isinstance(written, dict):
        return toml_string(config_class)
    row = cast("dict[str, str]", written)
    return toml_inline_table({**row, "config": config_class})


def _shown(config_class: str, package: str, model_type: str) -> str:
    return config_class if package == default_package(model_type) else f"{config_class} (package {package})"


def _sync_configs(
    upstream: Upstream, current: Tables, tables: dict[str, Table], config_file: TableFile
) -> FileChange | None:
    """New model_types get a row, model_types no task uses lose theirs, config classes follow upstream.

    A model_type an extension row uses keeps its row, and so does an alias of a
    used config class (code_llama of LlamaConfig): its config.json loads as upstream's.
    A row no task uses goes whether or not one used it before this run, so a
    sync converges from any state (a half-finished one included). A changed
    row keeps every key the user wrote (package, models) beside the new class.
    """
    path, text = config_file.path, config_file.text
    written = config_file.data.get("configs", {})
    known = {model_type.name: model_type for model_type in current.model_types if model_type.origin == "upstream"}
    uses: dict[str, list[Row]] = {}
    for task in current.tasks:
        for row in tables[task.source].rows if task.source in tables else ():
            uses.setdefault(row.key, []).append(row)
    for task in current.tasks:
        for entry in task.extension_entries:
            uses.setdefault(entry.model_type.name, [])
    extension_types = {model_type.name for model_type in current.model_types} - known.keys()
    used_configs = {known[name].config_class for name in uses if name in known}
    aliases = {name for name, model_type in known.items() if model_type.config_class in used_configs}
    config_rows = upstream.config_rows
    values, changes = _added_config_rows(
        upstream, config_rows, [name for name in uses if name not in known and name not in extension_types], uses
    )
    for name, model_type in known.items():
        upstream_row = config_rows.get(name)
        if name in uses and upstream_row is not None and upstream_row.value != model_type.config_class:
            values[name] = _changed_config_value(written.get(name), upstream_row.value)
            old = _shown(model_type.config_class, model_type.package, name)
            new = _shown(upstream_row.value, model_type.package, name)
            changes.append(Change("changed", name, old, new, upstream_row.where))
    removed = [name for name in known if name not in uses and name not in aliases]
    for name in removed:
        changes.append(
            Change("removed", name, old=_shown(known[name].config_class, known[name].package, name))
        )
    kept = [name for name in known if name not in removed]
    order = _config_order(kept, values.keys() - known.keys(), config_rows)
    if [name for name in order if name in known] != kept:
        changes.append(Change("reordered"))
    if not changes:
        return None
    rows = [(name, values.get(name)) for name in order]
    return FileChange(
        path, f"config classes <- {CONFIG_MAPPING}", tuple(changes), _rewrite(text, path, "configs", rows)
    )


def _added_config_rows(
    upstream: Upstream, config_rows: dict[str, Row], new_names: list[str], uses: dict[str, list[Row]]
) -> tuple[dict[str, str], list[Change]]:
    """The config rows (TOML values) of model_types new to the tables, or InputError at their first use."""
    problems: list[str] = []
    values: dict[str, str] = {}
    changes: list[Change] = []
    for name in new_names:
        row, first_use = config_rows.get(name), uses[name][0].where
        if row is None:
            reason = f"no {CONFIG_MAPPING} of a configuration_auto.py was given (--config-auto PATH)"
            if upstream.configs:
                reason = f"it is not in {CONFIG_MAPPING} of {upstream.configs.path}"
            problems.append(f"{first_use}: new model_type {name!r} needs a config class, but {reason}")
            continue
        classes = {use.value for use in uses[name]}
        package = _new_package(upstream, name, row.value, classes)
        if package is None:
            problems.append(
                f"{first_use}: new model_type {name!r}: no package under {upstream.models} defines {row.value} "
                f"(configuration_<package>.py) and {', '.join(sorted(classes))} (modeling_flax_<package>.py); "
                f'add its row to {CONFIG_TABLE} by hand with package = "..."'
            )
            continue
        values[name] = _config_value(row.value, package, name)
        changes.append(Change("added", name, new=_shown(row.value, package, name), source=row.where))
    if problems:
        raise InputError(problems)
    return values, changes


def _new_package(upstream: Upstream, name: str, config_class: str, classes: set[str]) -> str | None:
    """Where a new model_type's classes live: upstream's special module name or the convention,
    checked against the transformers tree when there is one (else searched for in it)."""
    special = upstream.special_packages.get(name)
    candidates = list(dict.fromkeys(filter(None, [special, default_package(name)])))
    if upstream.models is None:
        return candidates[0]
    return defining_package(upstream.models, candidates, config_class, classes)


def _config_order(kept: list[str], added: Iterable[str], config_rows: dict[str, Row]) -> list[str]:
    """The rows in upstream's order, a row upstream does not list staying where it is.

    The order decides which model_type wins for a config class that several
    share (upstream: the last one listed), so it follows upstream's, as the rows do.
    """
    rank = {name: index for index, name in enumerate(config_rows)}
    ranked = iter(sorted((name for name in kept if name in rank), key=lambda name: rank[name]))
    keys = [next(ranked) if name in rank else name for name in kept]
    for name in sorted(added, key=lambda name: rank[name]):
        keys.insert(
            next((i for i, key in enumerate(keys) if rank.get(key, -1) > rank[name]), len(keys)), name
        )
    return keys
