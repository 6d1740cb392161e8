"""The coverage matrix: which auto class supports which model_type, as text, JSON or Markdown.

Rows are the model types of the config table (in its order), columns the
tasks, each labelled by its initials (`causal_lm` -> CL) and explained in a
legend under the matrix (with its number of model types), so that fourteen
tasks fit a terminal and a README. A cell says where its row comes from:
upstream's tables (x, ✓) or an extension of ours (+); a task of ours is
marked in the legend. Where rows share a config class, a last line says
which row a config instance gets (codegen.model.Task.served).
"""

from __future__ import annotations

import json

from .model import Origin, Tables, Task

FORMATS = ("text", "json", "markdown")
TEXT_MARKS = {"upstream": "x", "extension": "+", None: "."}
MARKDOWN_MARKS = {"upstream": "✓", "extension": "+", None: ""}


def column_labels(tasks: tuple[Task, ...]) -> list[str]:
    """Initials of each task's module; numbers if two tasks share initials."""
    labels = ["".join(part[0] for part in task.module.split("_")).upper() for task in tasks]
    return labels if len(set(labels)) == len(labels) else [str(number) for number in range(1, len(tasks) + 1)]


def _matrix(tables: Tables) -> list[tuple[str, list[Origin | None]]]:
    """Per model_type, each task's row origin, or None where the task has no row for it."""
    origins: list[dict[str, Origin]] = [{e.model_type.name: e.origin for e in task.entries} for task in tables.tasks]
    return [(model_type.name, [found.get(model_type.name) for found in origins]) for model_type in tables.model_types]


def shared_configs(tables: Tables) -> str:
    """`GPT2Config: gpt2 over gpt-sw3 (CL, M); ...`: per config class that rows share, the row an instance gets."""
    found: dict[tuple[str, str, str], list[str]] = {}
    for label, task in _columns(tables):
        for config_class, served in task.shared.items():
            others = ", ".join(other.model_type.name for other in task.sharing(served))
            found.setdefault((config_class, served.model_type.name, others), []).append(label)
    return "; ".join(
        f"{config_class}: {served} over {others} ({', '.join(labels)})"
        for (config_class, served, others), labels in found.items()
    )


SHARED = "shared config classes (an instance gets the row named first, a model_type string its own row): "


def _task_origin(task: Task) -> str:
    return ", extension task" if task.origin == "extension" else ""


def _columns(tables: Tables) -> list[tuple[str, Task]]:
    return list(zip(column_labels(tables.tasks), tables.tasks, strict=True))


def as_text(tables: Tables) -> str:
    labels = column_labels(tables.tasks)
    rows = _matrix(tables)
    width = max(len("model_type"), *(len(name) for name, _ in rows))
    lines = ["  ".join(["model_type".ljust(width), *labels]).rstrip()]
    for name, cells in rows:
        marks = [TEXT_MARKS[cell].ljust(len(label)) for label, cell in zip(labels, cells, strict=True)]
        lines.append("  ".join([name.ljust(width), *marks]).rstrip())
    legend = [
        f"{label} = {task.module}: {task.auto_class} ({len(task.entries)}{_task_origin(task)})"
        for label, task in _columns(tables)
    ]
    key = "x = upstream row, + = extension row (ours)"
    shared = [SHARED + found] if (found := shared_configs(tables)) else []
    return "\n".join([*lines, "", key, "columns (number of model types):", *legend, *shared]) + "\n"


def as_markdown(tables: Tables) -> str:
    labels = column_labels(tables.tasks)
    lines = [
        "| model_type | " + " | ".join(labels) + " |",
        "| --- |" + " :-: |" * len(labels),
    ]
    for name, cells in _matrix(tables):
        lines.append(f"| `{name}` | " + " | ".join(MARKDOWN_MARKS[cell] for cell in cells) + " |")
    key = (
        "✓ a row of upstream's tables, + an extension row of ours "
        f"(beyond transformers {tables.upstream_transformers}'s Flax tables)."
    )
    legend = "Columns (number of model types): " + "; ".join(
        f"**{label}** `{task.auto_class}` ({task.module}, {len(task.entries)}{_task_origin(task)})"
        for label, task in _columns(tables)
    )
    shared = ["", f"{SHARED.capitalize()}{found}."] if (found := shared_configs(tables)) else []
    return "\n".join([*lines, "", key, "", legend, *shared]) + "\n"


def as_json(tables: Tables) -> str:
    data = {
        "tasks": [
            {
                "module": task.module,
                "auto_class": task.auto_class,
                "mapping": task.mapping,
                "table": task.source,
                "origin": task.origin,
                "models": {entry.model_type.name: entry.model_class for entry in task.entries},
                "origins": {entry.model_type.name: entry.origin for entry in task.entries},
                "served": {config: entry.model_type.name for config, entry in task.served.items()},
            }
            for task in tables.tasks
        ],
        "model_types": {
            model_type.name: {
                "config": model_type.config_class,
                "package": model_type.package,
                "module": model_type.config_module,
                "models": model_type.model_module,
                "origin": model_type.origin,
            }
            for model_type in tables.model_types
        },
    }
    return json.dumps(data, indent=2) + "\n"


def listing(tables: Tables, fmt: str) -> str:
    return {"text": as_text, "json": as_json, "markdown": as_markdown}[fmt](tables)
