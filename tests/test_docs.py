"""The docs live in the generated code: help() shows them as written, and they are true.

Each auto class docstring lists what upstream transformers supports for its task,
its example runs, and each dispatch function raises the error it documents.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import pydoc
import re
from types import ModuleType

import pytest

from codegen.build import OUTPUT, ROOT, load_tables
from codegen.model import Task

TABLES = load_tables()
LISTED = re.compile(r"^ \|  - (\S+) \((\w+)\): (\w+)$", re.MULTILINE)


def task_module(task: Task) -> ModuleType:
    return importlib.import_module(f"flax_auto.{task.module}")


def test_help_shows_what_the_class_is_for_and_lists_what_upstream_supports() -> None:
    from transformers.models.auto import configuration_auto, modeling_flax_auto

    import flax_auto

    for task in TABLES.tasks:
        text = pydoc.render_doc(vars(flax_auto)[task.auto_class], renderer=pydoc.plaintext)
        head = f"with a {task.head_doc} head" if task.head_doc else "without a task head"
        assert f" |  Flax models {head}, of the class the config selects." in text
        upstream_part, _, extension_part = text.partition("Beyond transformers 4.57.6's Flax table")
        if task.origin == "extension":  # no upstream table: every row is ours
            upstream_part, extension_part = "", text
        listed = {model_type: (config, model) for model_type, config, model in LISTED.findall(text)}
        upstream = getattr(modeling_flax_auto, f"{task.mapping}_NAMES", {})
        assert {name: model for name, _, model in LISTED.findall(upstream_part)} == dict(upstream), task.auto_class
        extension = {e.model_type.name: e.model_class for e in task.extension_entries}
        assert {name: model for name, _, model in LISTED.findall(extension_part)} == extension, task.auto_class
        for model_type, (config, _) in listed.items():
            assert configuration_auto.CONFIG_MAPPING_NAMES[model_type] == config
        assert " |  Example::" in text


def test_docstrings_are_literals_in_the_source_not_built_at_import() -> None:
    for task in TABLES.tasks:
        source = (ROOT / OUTPUT / f"{task.module}.py").read_text()
        assert "__doc__" not in source
        tree = ast.parse(source)
        # Python 3.13 strips the docstrings' indentation when it compiles them: compare them clean.
        written = {
            node.name: ast.get_docstring(node)
            for node in tree.body
            if isinstance(node, (ast.ClassDef, ast.FunctionDef))
        }
        module = task_module(task)
        assert written[task.auto_class] == inspect.cleandoc(vars(module)[task.auto_class].__doc__)
        assert written[task.dispatch] == inspect.cleandoc(vars(module)[task.dispatch].__doc__)


def test_docstring_examples_run_and_show_the_right_class() -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for task in TABLES.tasks:
        for test in doctest.DocTestFinder().find(task_module(task)):
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0
    assert result.attempted == 2 * len(TABLES.tasks)  # an import and a lookup per auto class


@pytest.mark.parametrize("task", TABLES.tasks, ids=lambda task: task.module)
def test_each_dispatch_function_raises_the_error_it_documents(task: Task) -> None:
    from transformers import PretrainedConfig

    dispatch = vars(task_module(task))[task.dispatch]
    assert "\nRaises:\n    ValueError:" in inspect.cleandoc(dispatch.__doc__)
    supported = ", ".join(entry.model_type.name for entry in task.entries)
    near_miss = task.entries[0].model_type.name + "x"
    with pytest.raises(ValueError) as error:
        dispatch(near_miss)
    assert str(error.value) == (
        f"Unrecognized model_type {near_miss!r} for {task.auto_class}. "
        f"Supported model types: {supported}. Did you mean {task.entries[0].model_type.name!r}?"
    )
    with pytest.raises(ValueError, match=r"configuration class PretrainedConfig \(model_type ''\)"):
        dispatch(PretrainedConfig())
