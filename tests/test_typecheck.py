"""flax_auto is statically typed: the checkers pass, and the overloads tell the truth.

pyright (strict, settings in pyproject.toml) checks codegen/, generated/flax_auto
and the assert_type cases in tests/typecheck/; mypy --strict checks codegen/.
The overloads a type checker reads are then compared with what upstream
transformers picks at run time, so a static promise cannot drift from dispatch.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
import typing
from types import ModuleType
from typing import Any

from codegen.build import OUTPUT, ROOT, load_tables
from codegen.model import Task

TABLES = load_tables()
REVEAL_TYPES = ROOT / "tests" / "typecheck" / "reveal_types.py"


def test_pyright_strict_reports_no_error_and_every_inferred_type_is_right() -> None:
    # pyright's wrapper would ask PyPI for a newer version; both the variable and --outputjson stop it.
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    report = json.loads(result.stdout)
    errors = [
        f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']} ({d.get('rule', '')})"
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    assert errors == [], "\n".join(errors)
    assert result.returncode == 0, result.stderr
    # Everything in scope was read: the generator, the whole package and the cases.
    expected = len(list((ROOT / "codegen").glob("**/*.py"))) + len(list((ROOT / OUTPUT).glob("*.py"))) + 1
    assert report["summary"]["filesAnalyzed"] == expected


def test_mypy_strict_reports_no_error_on_the_generator() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # codegen/runtime/ is checked with the package it is copied into, by pyright (see [tool.mypy]).
    checked = len([path for path in (ROOT / "codegen").rglob("*.py") if "runtime" not in path.parts])
    assert f"Success: no issues found in {checked} source files" in result.stdout


def promised_classes(function: Any, module: ModuleType, parameter: str) -> dict[type, type]:
    """What the overloads of `function` promise: config class -> model class.

    The fallback (PretrainedConfig or str, or no config at all) and the
    `_do_init=False` overload are left out; they return the base types.
    """
    from transformers.modeling_flax_utils import FlaxPreTrainedModel

    promised: dict[type, type] = {}
    for overload in typing.get_overloads(function):
        hints = typing.get_type_hints(getattr(overload, "__func__", overload), vars(module))
        config, returned = hints.get(parameter), hints["return"]
        model = typing.get_args(returned)[0] if typing.get_origin(returned) is type else returned
        if isinstance(config, type) and model is not FlaxPreTrainedModel:
            promised[config] = model
    return promised


def task_module(task: Task) -> ModuleType:
    return importlib.import_module(f"flax_auto.{task.module}")


def test_overloads_promise_the_class_upstream_picks_for_every_config_class() -> None:
    from transformers.models.auto import modeling_flax_auto as upstream

    for task in TABLES.tasks:
        module = task_module(task)
        auto_class = vars(module)[task.auto_class]
        dispatch = promised_classes(vars(module)[task.dispatch], module, "config")
        # One overload per config class in the table, gpt2 and gpt-sw3 sharing GPT2Config's.
        assert set(dispatch) == {vars(module)[e.model_type.config_class] for e in task.entries}
        assert promised_classes(auto_class.from_config, module, "config") == dispatch
        assert promised_classes(auto_class.from_pretrained, module, "config") == dispatch
        upstream_mapping = getattr(upstream, task.mapping, None)
        for config_class, model_class in dispatch.items():
            assert vars(module)[task.mapping][config_class] is model_class, (task.module, config_class)
            # Upstream's mapping where it serves the config class; an extension row where it does not.
            if upstream_mapping is not None and config_class in upstream_mapping:
                assert upstream_mapping[config_class] is model_class, (task.module, config_class)
            else:
                extension = {e.model_type.config_class: e.model_class for e in task.extension_entries}
                assert extension[config_class.__name__] == model_class.__name__, (task.module, config_class)


def test_every_overload_set_ends_in_a_fallback_to_the_base_types() -> None:
    from transformers.configuration_utils import PretrainedConfig
    from transformers.modeling_flax_utils import FlaxPreTrainedModel

    for task in TABLES.tasks:
        module = task_module(task)
        auto_class = vars(module)[task.auto_class]
        last = {
            "dispatch": typing.get_overloads(vars(module)[task.dispatch])[-1],
            "from_config": typing.get_overloads(auto_class.from_config)[-1].__func__,
            "from_pretrained": typing.get_overloads(auto_class.from_pretrained)[-1].__func__,
        }
        hints = {name: typing.get_type_hints(f, vars(module)) for name, f in last.items()}
        assert hints["dispatch"]["config"] == PretrainedConfig | str
        assert hints["dispatch"]["return"] == type[FlaxPreTrainedModel]
        assert hints["from_config"]["config"] is PretrainedConfig
        assert hints["from_config"]["return"] is FlaxPreTrainedModel
        assert "config" not in hints["from_pretrained"]
        assert hints["from_pretrained"]["return"] is FlaxPreTrainedModel


def test_the_reveal_types_file_covers_every_auto_class_and_the_shared_config() -> None:
    asserted = [
        ast.unparse(node.args[0])
        for node in ast.walk(ast.parse(REVEAL_TYPES.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "assert_type"
    ]
    for task in TABLES.tasks:
        assert any(call.startswith(f"{task.auto_class}.from_config(") for call in asserted), task.auto_class
    # gpt2 and gpt-sw3 share GPT2Config; a model_type string gives the base type.
    for call in ("causal_lm_class_for(gpt2)", "model_class_for(gpt2)", "causal_lm_class_for('gpt-sw3')"):
        assert call in asserted
