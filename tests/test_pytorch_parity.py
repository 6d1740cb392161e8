"""PyTorch parity: every Flax twin of a row of transformers 4.57.6's PyTorch auto tables is served.

transformers' PyTorch auto tables (`models/auto/modeling_auto.py`) map model
types to PyTorch classes; where `Flax` + that class exists in 4.57.6, the row
has a Flax twin, and flax_auto must serve that (model_type, Flax class) pair.
Both files are read with `ast` (torch is not installed): the tables, which
auto class reads which table, and the classes each modeling_flax_*.py defines.

A twin is served under the Flax form of its PyTorch auto class name
(AutoModelForCTC -> FlaxAutoModelForCTC) wherever flax_auto has that auto
class with a row for the model_type. Upstream's Flax tables made other
choices for a few (FlaxAutoModelForPreTraining has no bloom or gpt2 row) and
have no Flax form of some PyTorch auto classes (AutoModelWithLMHead,
AutoModelForZeroShotImageClassification, ...); flax_auto keeps upstream's
tables there, and such a twin counts as served when another flax_auto auto
class serves the same pair.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from oracle import TABLES

import flax_auto
from codegen.upstream import installed_auto_files, module_names

AUTO = installed_auto_files()[0].parent
MODELS = AUTO.parent


@dataclass(frozen=True)
class PyTorchRow:
    mapping: str  # MODEL_FOR_CTC_MAPPING
    auto_class: str | None  # AutoModelForCTC, None where no auto class reads the mapping
    model_type: str
    model_class: str  # Wav2Vec2ForCTC
    line: int

    @property
    def flax_twin(self) -> str:
        return f"Flax{self.model_class}"

    @property
    def flax_auto_class(self) -> str | None:
        return f"Flax{self.auto_class.lstrip('_')}" if self.auto_class else None


def _strings(node: ast.expr) -> list[str]:
    """A table value: one class name, or a tuple of them."""
    nodes = node.elts if isinstance(node, ast.Tuple) else [node]
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def pytorch_rows(path: Path) -> list[PyTorchRow]:
    """Every (mapping, model_type, class) of the `_LazyAutoMapping` tables of modeling_auto.py."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    tables: dict[str, list[tuple[str, list[str], int]]] = {}
    mappings: dict[str, str] = {}  # MODEL_FOR_CTC_MAPPING -> MODEL_FOR_CTC_MAPPING_NAMES
    auto_classes: dict[str, str] = {}  # MODEL_FOR_CTC_MAPPING -> AutoModelForCTC
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call):
            name, call = node.targets[0].id, node.value
            func = call.func.value if isinstance(call.func, ast.Subscript) else call.func
            if isinstance(func, ast.Name) and func.id == "OrderedDict" and call.args:
                rows = call.args[0]
                assert isinstance(rows, ast.List)
                for row in rows.elts:
                    assert isinstance(row, ast.Tuple) and isinstance(row.elts[0], ast.Constant)
                    tables.setdefault(name, []).append((str(row.elts[0].value), _strings(row.elts[1]), row.lineno))
            elif isinstance(func, ast.Name) and func.id == "_LazyAutoMapping":
                names = call.args[1]
                assert isinstance(names, ast.Name)
                mappings[name] = names.id
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.targets[0], ast.Name)
                    and statement.targets[0].id == "_model_mapping"
                    and isinstance(statement.value, ast.Name)
                ):
                    auto_classes[statement.value.id] = node.name
    return [
        PyTorchRow(mapping, auto_classes.get(mapping), model_type, model_class, line)
        for mapping, names in mappings.items()
        for model_type, classes, line in tables[names]
        for model_class in classes
    ]


def flax_classes() -> frozenset[str]:
    """Every class the modeling_flax_*.py files of transformers 4.57.6 define."""
    return frozenset().union(*(module_names(path) for path in MODELS.glob("*/modeling_flax_*.py")))


def served() -> dict[str, dict[str, str]]:
    """flax_auto: auto class -> model_type -> model class name, every row of every table."""
    return {
        task.auto_class: {name: model.__name__ for name, model in getattr(flax_auto, task.mapping).model_types.items()}
        for task in TABLES.tasks
    }


ROWS = [row for row in pytorch_rows(AUTO / "modeling_auto.py") if row.flax_twin in flax_classes()]


def test_every_pytorch_row_with_a_flax_twin_is_served() -> None:
    tables = served()
    pairs = {(model_type, name) for rows in tables.values() for model_type, name in rows.items()}
    missing = [
        f"modeling_auto.py:{row.line}: {row.mapping} {row.model_type!r} -> {row.flax_twin}"
        for row in ROWS
        if (row.model_type, row.flax_twin) not in pairs
    ]
    count = f"{len(ROWS) - len(missing)} of {len(ROWS)} PyTorch rows with a Flax twin served"
    assert not missing, count + "; missing:\n" + "\n".join(missing)
    assert len(ROWS) == 183, count


def test_a_twin_is_served_under_the_flax_form_of_its_auto_class_where_flax_auto_has_that_row() -> None:
    tables = served()
    wrong = [
        f"modeling_auto.py:{row.line}: {row.flax_auto_class}[{row.model_type!r}] is "
        f"{tables[row.flax_auto_class][row.model_type]}, PyTorch's twin is {row.flax_twin}"
        for row in ROWS
        if row.flax_auto_class in tables
        and row.model_type in tables[row.flax_auto_class]
        and tables[row.flax_auto_class][row.model_type] != row.flax_twin
    ]
    assert not wrong, "\n".join(wrong)
    # The PyTorch auto classes that upstream gave no Flax form keep none here either;
    # each of their twins is served by another auto class (the test above).
    without = sorted({row.auto_class or row.mapping for row in ROWS if row.flax_auto_class not in tables})
    assert without == [
        "AutoModelForImageTextToText",
        "AutoModelForZeroShotImageClassification",
        "MODEL_FOR_IMAGE_MAPPING",  # read by no auto class
        "_AutoModelWithLMHead",
    ]


def test_the_tasks_of_ours_are_the_flax_form_of_pytorch_auto_classes_with_every_twin() -> None:
    tables = served()
    for task in TABLES.tasks:
        if task.origin != "extension":
            continue
        twins = {row.model_type: row.flax_twin for row in ROWS if row.flax_auto_class == task.auto_class}
        assert twins, task.auto_class
        assert tables[task.auto_class] == twins, task.auto_class
