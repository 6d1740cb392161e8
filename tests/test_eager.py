"""Importing flax_auto resolves everything up front: no lazy import machinery at all."""

from __future__ import annotations

import json
import subprocess
import sys

from codegen.build import OUTPUT, ROOT, load_tables

TABLES = load_tables()


def test_import_loads_every_defining_module_and_binds_every_class() -> None:
    """In a fresh interpreter: after `import flax_auto` every model module is loaded."""
    script = (
        "import sys, json, flax_auto\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('transformers.models.'))))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    expected = {entry.model_module for task in TABLES.tasks for entry in task.entries}
    expected |= {model_type.config_module for model_type in TABLES.model_types}
    assert expected <= loaded, sorted(expected - loaded)


def test_each_table_class_is_a_plain_attribute_of_its_task_module() -> None:
    import importlib

    import flax_auto

    for task in TABLES.tasks:
        module = vars(flax_auto)[task.module]
        for entry in task.entries:
            defining = importlib.import_module(entry.model_module)
            assert vars(module)[entry.model_class] is vars(defining)[entry.model_class]
            assert vars(module)[entry.model_type.config_class].__module__ == entry.model_type.config_module
        assert vars(flax_auto)[task.auto_class] is vars(module)[task.auto_class]


def test_package_source_has_no_lazy_machinery() -> None:
    for path in sorted((ROOT / OUTPUT).glob("*.py")):
        source = path.read_text()
        for banned in ("__getattr__", "importlib", "exec(", "eval(", "_LazyModule", "_LazyAutoMapping"):
            assert banned not in source, f"{path.name} contains {banned}"
