"""What the generated package does for a model_type, and which table line decides it.

Answers from the validated tables alone (nothing is imported): the class an
auto class picks, the module it is imported from, the rows that define it, the
config class. An unknown name is an InputError that suggests the closest one.
"""

from __future__ import annotations

import difflib

from .errors import InputError
from .model import Entry, Origin, Tables, Task
from .validate import CONFIG_TABLE


def closest(name: str, choices: list[str]) -> str:
    """`; did you mean 'x'?` for the closest choice, or nothing when none is close."""
    matches = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    return f"; did you mean {matches[0]!r}?" if matches else ""


def find_task(tables: Tables, name: str) -> Task:
    """A task by auto class (FlaxAutoModelForCausalLM), module (causal_lm) or mapping name."""
    for task in tables.tasks:
        if name in (task.auto_class, task.module, task.mapping, task.mapping_names):
            return task
    auto_classes = [task.auto_class for task in tables.tasks]
    raise InputError(
        [
            f"unknown auto class {name!r}{closest(name, auto_classes)} (auto classes: {', '.join(auto_classes)})"
        ]
    )


def origin_note(origin: Origin, release: str) -> str:
    """Where a row comes from, for `explain`; release is the transformers version the tables mirror."""
    if origin == "upstream":
        return f"upstream: a row of transformers {release}'s Flax tables, kept in step by `sync`"
    return "extension: a row beyond upstream's Flax tables; `sync` never touches it"


def _entry(task: Task, model_type: str) -> Entry | None:
    return next((entry for entry in task.entries if entry.model_type.name == model_type), None)


def _unknown_model_type(tables: Tables, name: str, task: Task | None) -> InputError:
    if task is None:
        known = [model_type.name for model_type in tables.model_types]
        return InputError(
            [f"unknown model_type {name!r}{closest(name, known)} (`list` shows all)"]
        )
    names = [entry.model_type.name for entry in task.entries]
    elsewhere = [other.auto_class for other in tables.tasks if _entry(other, name)]
    where = f"; {name!r} is in: {', '.join(elsewhere)}" if elsewhere else closest(name, names)
    return InputError([f"{task.auto_class} has no model_type {name!r}{where}"])


def explain_entry(tables: Tables, task: Task, model_type: str) -> list[str]:
    """How `task`'s auto class resolves `model_type`, with the lines that decide it."""
    entry = _entry(task, model_type)
    if entry is None:
        raise _unknown_model_type(tables, model_type, task)
    config = entry.model_type
    lines = [
        f"{task.auto_class}, model_type {model_type!r} -> {entry.model_class}",
        f"  model class   {entry.model_class} from {entry.model_module}",
        f"  table row     {entry.where}",
        f"  origin        {origin_note(entry.origin, tables.upstream_transformers)}",
        f"  config class  {config.config_class} from {config.config_module}",
        f"  config row    {config.where}",
        f"  generated     {tables.package}.{task.module}: {task.dispatch}(), {task.mapping}",
    ]
    sharing = task.sharing(entry)
    if sharing:
        served = task.served[config.config_class]
        shared = f"  shared config {config.config_class} also serves {', '.join(repr(o.model_type.name) for o in sharing)}"
        if served is entry:
            lines.append(f"{shared}: a {config.config_class} instance gets this row too ({why_served(served, task)})")
        else:
            lines.append(
                f"{shared}: a {config.config_class} instance gets {served.model_class} of row "
                f"{served.model_type.name!r} ({served.where}; {why_served(served, task)}); "
                f"the string {model_type!r} gets this row"
            )
    return lines


def why_served(served: Entry, task: Task) -> str:
    """Which step of the one precedence (codegen.model.Task.served) picked this row."""
    if served.origin == "upstream" and any(other.origin == "extension" for other in task.sharing(served)):
        return "an upstream row goes before extension rows"
    config = served.model_type
    if config.primary:
        section = "configs" if config.origin == "upstream" else "extension"
        return f"as upstream: {config.name!r} is the last {config.config_class} row of [{section}] in {CONFIG_TABLE}"
    return f"as upstream: the first of its rows in {CONFIG_TABLE} order"


def explain_model_type(tables: Tables, model_type: str) -> list[str]:
    """Every auto class that supports `model_type`, and those that do not."""
    config = next((known for known in tables.model_types if known.name == model_type), None)
    if config is None:
        raise _unknown_model_type(tables, model_type, None)
    lines = [
        f"model_type {model_type!r}: config class {config.config_class} from {config.config_module} ({config.where})"
    ]
    found = [(task, entry) for task in tables.tasks if (entry := _entry(task, model_type)) is not None]
    width = max((len(task.auto_class) for task, _ in found), default=0)
    for task, entry in found:
        lines.append(f"  {task.auto_class:<{width}}  {entry.model_class} ({entry.where}, {entry.origin})")
    if found:
        lines.append(f"  model classes from {config.model_module}")
    missing = [task.auto_class for task in tables.tasks if _entry(task, model_type) is None]
    if missing:
        lines.append(f"  not supported by: {', '.join(missing)}")
    return lines


def explain(tables: Tables, names: list[str]) -> list[str]:
    """`AUTO_CLASS MODEL_TYPE` or `MODEL_TYPE`."""
    if len(names) == 2:
        return explain_entry(tables, find_task(tables, names[0]), names[1])
    return explain_model_type(tables, names[0])
