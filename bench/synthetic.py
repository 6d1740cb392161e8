"""Synthetic tables for the scaling runs: the real ones `factor` times, or one table of many own rows.

Copy k (k = 1 .. factor-1) of every row gets its own model_type (`gpt2-x3`),
config class (`GPT2ConfigX3`), package (`gpt2_x3`) and model class
(`FlaxGPT2LMHeadModelX3`), so the copies pass validation like real rows.
`own_rows` adds models of your own instead, each row naming its modules, all
in one task table (one large module). The generated code is never imported:
those modules do not exist.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

CONFIG_TABLE = "configs.toml"


def toml_string(value: str) -> str:
    """A TOML basic string; the table values are plain ASCII, where JSON quoting is the same."""
    return json.dumps(value)


def renamed(value: str, copy: int, separator: str) -> str:
    """Copy 0 keeps the real name; copy k appends separator and k."""
    return f"{value}{separator}{copy}" if copy else value


def config_rows(rows: dict[str, object], factor: int) -> list[str]:
    lines = []
    for copy in range(factor):
        for model_type, value in rows.items():
            config = value if isinstance(value, str) else value["config"]
            package = model_type.replace("-", "_") if isinstance(value, str) else value.get("package", model_type.replace("-", "_"))
            name, config, package = (
                toml_string(renamed(model_type, copy, "-x")),
                toml_string(renamed(config, copy, "X")),
                toml_string(renamed(package, copy, "_x")),
            )
            lines.append(f"{name} = {{ config = {config}, package = {package} }}")
    return lines


def model_rows(rows: dict[str, str], factor: int) -> list[str]:
    return [
        f"{toml_string(renamed(model_type, copy, '-x'))} = {toml_string(renamed(model_class, copy, 'X'))}"
        for copy in range(factor)
        for model_type, model_class in rows.items()
    ]


def scale_tables(source: Path, target: Path, factor: int) -> int:
    """Write `factor` times every table of `source` into `target`; returns the number of task rows."""
    target.mkdir(parents=True, exist_ok=True)
    task_rows = 0
    for path in sorted(source.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        # Upstream's rows and ours ([extension]) alike: the copies only need to validate.
        if path.name == CONFIG_TABLE:
            upstream = [f"transformers = {toml_string(data['upstream']['transformers'])}"]
            lines = ["[upstream]", *upstream, "", "[configs]", *config_rows(data["configs"] | data.get("extension", {}), factor)]
        else:
            header = [f"{key} = {toml_string(value)}" for key, value in data["task"].items()]
            rows = model_rows(data.get("models", {}) | data.get("extension", {}), factor)
            task_rows += len(rows)
            lines = ["[task]", *header, "", "[models]", *rows]
        (target / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return task_rows


OWN_TABLE = "model.toml"


def own_rows(source: Path, target: Path, rows: int) -> int:
    """The real tables plus `rows` extension rows of your own in model.toml; returns the number of task rows.

    Row k names its own modules (`own_models_k.configuration`, `own_models_k.modeling`),
    as a model outside transformers does, so validation looks each one up; they
    are written in the checkout that holds `target` (its root is a source path).
    """
    target.mkdir(parents=True, exist_ok=True)
    checkout = target.parents[1]
    for k in range(rows):
        package = checkout / f"own_models_{k}"
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text("")
        (package / "configuration.py").write_text(f"class OwnConfig{k}:\n    pass\n")
        (package / "modeling.py").write_text(f"class FlaxOwnModel{k}:\n    pass\n")
    task_rows = 0
    for path in sorted(source.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        if path.name == CONFIG_TABLE:
            own = [
                f'"own-{k}" = {{ config = "OwnConfig{k}", module = "own_models_{k}.configuration", '
                f'models = "own_models_{k}.modeling" }}'
                for k in range(rows)
            ]
            text += "\n[extension]\n" + "\n".join(own) + "\n"
        elif path.name == OWN_TABLE:
            text += "".join(f'"own-{k}" = "FlaxOwnModel{k}"\n' for k in range(rows))
        data = tomllib.loads(text)
        task_rows += 0 if path.name == CONFIG_TABLE else len(data.get("models", {}) | data.get("extension", {}))
        (target / path.name).write_text(text, encoding="utf-8")
    return task_rows
