"""The names the generated package already uses, so that no table can reuse one.

A table that names a class, a mapping or a task module after something the
templates define or import (`ModelMapping`, `Any`, `overload`, `CONFIG_MAPPING`,
a builtin the code calls such as `type`) renders a package that imports but
means something else, or fails only at import. The list is not written by
hand: the templates are rendered once over a probe table whose names cannot
clash, and every name in the result that the probe did not bring is reserved.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import replace

from .errors import Location
from .model import Entry, ModelType, Tables, Task
from .render import render
from .settings import Settings
from .sources import bound_names

_WHERE = Location("probe", 1)
_PROBE_TYPE = ModelType("probe-type", "ProbeConfigClass", "probe_package", _WHERE)
_PROBE_TASK = Task(
    module="probe_task",
    auto_class="ProbeAutoClass",
    mapping="PROBE_MAPPING",
    head_doc="probe",
    entries=(Entry(_PROBE_TYPE, "ProbeModelClass", _WHERE),),
    source="probe/probe_task.toml",
)
PROBE = Tables((_PROBE_TYPE,), (_PROBE_TASK,), ("probe/configs.toml", _PROBE_TASK.source), "0.0.0")
PROBE_NAMES = frozenset(
    {
        _PROBE_TYPE.config_class,
        _PROBE_TASK.entries[0].model_class,
        _PROBE_TASK.auto_class,
        _PROBE_TASK.mapping,
        _PROBE_TASK.mapping_names,
        _PROBE_TASK.dispatch,
        _PROBE_TASK.module,
    }
)


def reserved_names(settings: Settings) -> dict[str, str]:
    """Every name a table must not use -> the generated module that uses it first.

    That is: what each module binds at its top level or in a class body
    (imports, definitions, assignments), the builtins its code reads, and the
    package's own module names (`_auto`, `configs`). Locals of functions are
    not: a global of the same name never reaches them.
    """
    package = settings.package
    modules = render(replace(PROBE, package=package), settings)
    reserved: dict[str, str] = {}
    for file_name, text in modules.items():
        if not file_name.endswith(".py"):
            continue
        module = file_name.removesuffix(".py")
        label = "every task module" if module == _PROBE_TASK.module else f"{settings.out_label}/{file_name}"
        if module not in PROBE_NAMES:
            reserved.setdefault(module, f"{package} (its module {file_name})")
        try:
            tree = ast.parse(text)
        except SyntaxError:  # a broken template: formatting reports it, at its line, for the real tables
            continue
        for name in sorted((bound_names(tree.body, class_bodies=True, ever_bound=True) | builtins_read(tree)) - PROBE_NAMES):
            reserved.setdefault(name, label)
    return reserved


def builtins_read(tree: ast.Module) -> set[str]:
    """The builtins the module's code reads (`type`, `dict`, `ValueError`, ...)."""
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and hasattr(builtins, node.id)
    }
