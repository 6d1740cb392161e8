"""Which of flax-auto's own rows a package includes: `upstream = true | false | ["task", "task:model_type"]`.

A package built from a part of the tables serves, and imports, only that
part: the chosen task tables keep the chosen rows, and the config table
keeps the model types those rows use.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from .errors import InputError, Location
from .load import TableFile
from .validate import CONFIG_TABLE

ROW_SECTIONS = ("models", "extension")
CONFIG_SECTIONS = ("configs", "extension")


def select(files: list[TableFile], chosen: bool | tuple[str, ...], where: Location | None) -> list[TableFile]:
    """The files (and rows in them) that `chosen` names; an unknown task or row is an error at `where`."""
    if chosen is True:
        return files
    if chosen is False:
        return []
    tasks = {_stem(file): file for file in files if _stem(file) != CONFIG_TABLE.removesuffix(".toml")}
    rows: dict[str, set[str] | None] = {}  # task -> its chosen model types, None for all of them
    problems: list[str] = []
    for selector in chosen:
        task, colon, model_type = selector.partition(":")
        file = tasks.get(task)
        if file is None:
            problems.append(f"{where}: upstream names no table of flax-auto's: {task!r} (tables: {', '.join(tasks)})")
        elif (colon or model_type) and model_type not in _row_names(file):  # "causal_lm:" is no row, not all of them
            problems.append(f"{where}: upstream names no row of {task}: {model_type!r} (rows: {', '.join(_row_names(file))})")
        elif not model_type:
            rows[task] = None
        elif rows.get(task, set()) is not None:
            rows.setdefault(task, set()).add(model_type)  # type: ignore[union-attr]
    if problems:
        raise InputError(problems)
    kept = [_keep_rows(tasks[task], names) for task, names in rows.items()]
    used = {name for file in kept for section in ROW_SECTIONS for name in file.data.get(section, {})}
    configs = [_keep_configs(file, used) for file in files if _stem(file) == CONFIG_TABLE.removesuffix(".toml")]
    return sorted([*configs, *kept], key=lambda file: file.path)


def model_types(files: list[TableFile]) -> frozenset[str]:
    """The model types that the config table among files has rows for."""
    configs = [file for file in files if _stem(file) == CONFIG_TABLE.removesuffix(".toml")]
    return frozenset(name for file in configs for section in CONFIG_SECTIONS for name in _section(file, section))


def _stem(file: TableFile) -> str:
    return file.path.rsplit("/", 1)[-1].removesuffix(".toml")


def _row_names(file: TableFile) -> list[str]:
    return [name for section in ROW_SECTIONS for name in _section(file, section)]


def _section(file: TableFile, section: str) -> dict[str, object]:
    rows: object = file.data.get(section, {})
    return cast("dict[str, object]", rows) if isinstance(rows, dict) else {}


def _keep_rows(file: TableFile, names: set[str] | None) -> TableFile:
    if names is None:
        return file
    data = dict(file.data)
    for section in ROW_SECTIONS:
        if section in data:
            data[section] = {name: value for name, value in _section(file, section).items() if name in names}
    return replace(file, data=data)


def _keep_configs(file: TableFile, used: set[str]) -> TableFile:
    data = dict(file.data)
    for section in CONFIG_SECTIONS:
        if section in data:
            data[section] = {name: value for name, value in _section(file, section).items() if name in used}
    return replace(file, data=data)
