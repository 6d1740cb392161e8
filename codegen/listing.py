"""The coverage matrix: which auto class supports which model_type, as text, JSON or Markdown.

Rows are the model types of the config table (in its order), columns the
tasks, each labelled by its initials (`causal_lm` -> CL) and explained in a
legend under the matrix (with its number of model types), so that fourteen
tasks fit a terminal and a README.
"""

from __future__ import annotations

import json

from codegen.model import Tables, Task

FORMATS = ("text", "json", "markdown")


def column_labels(tasks: tuple[Task, ...]) -> list[str]:
    """Initials of each task's module; numbers if two tasks share initials."""
    labels = ["".join(part[0] for part in task.module.split("_")).upper() for task in tasks]
    return labels if len(set(labels)) == len(labels) else [str(number) for number in range(1, len(tasks) + 1)]


def _matrix(tables: Tables) -> list[tuple[str, list[bool]]]:
    supported = [{entry.model_type.name for entry in task.entries} for task in tables.tasks]
    return [
        (model_type.name, [model_type.name in names for names in supported])
        for model_type in tables.model_types
    ]


def _columns(tables: Tables) -> list[tuple[str, Task]]:
    return list(zip(column_labels(tables.tasks), tables.tasks, strict=True))


def as_text(tables: Tables) -> str:
    labels = column_labels(tables.tasks)
    rows = _matrix(tables)
    width = max(len("model_type"), *(len(name) for name, _ in rows))
    lines = ["  ".join(["model_type".ljust(width), *labels]).rstrip()]
    for name, cells in rows:
        marks = [("x" if cell else ".").ljust(len(label)) for label, cell in zip(labels, cells, strict=True)]
        lines.append("  ".join([name.ljust(width), *marks]).rstrip())
    legend = [
        f"{label} = {task.module}: {task.auto_class} ({len(task.entries)})"
        for label, task in _columns(tables)
    ]
    return "\n".join([*lines, "", "columns (number of model types):", *legend]) + "\n"


def as_markdown(tables: Tables) -> str:
    labels = column_labels(tables.tasks)
    lines = [
        "| model_type | " + " | ".join(labels) + " |",
        "| --- |" + " :-: |" * len(labels),
    ]
    for name, cells in _matrix(tables):
        lines.append(f"| `{name}` | " + " | ".join("✓" if cell else "" for cell in cells) + " |")
    legend = "Columns (number of model types): " + "; ".join(
        f"**{label}** `{task.auto_class}` ({task.module}, {len(task.entries)})"
        for label, task in _columns(tables)
    )
    return "\n".join([*lines, "", legend]) + "\n"


def as_json(tables: Tables) -> str:
    data = {
        "tasks": [
            {
                "module": task.module,
                "auto_class": task.auto_class,
                "mapping": task.mapping,
                "table": task.source,
                "models": {entry.model_type.name: entry.model_class for entry in task.entries},
            }
            for task in tables.tasks
        ],
        "model_types": {
            model_type.name: {"config": model_type.config_class, "package": model_type.package}
            for model_type in tables.model_types
        },
    }
    return json.dumps(data, indent=2) + "\n"


def listing(tables: Tables, fmt: str) -> str:
    return {"text": as_text, "json": as_json, "markdown": as_markdown}[fmt](tables)
