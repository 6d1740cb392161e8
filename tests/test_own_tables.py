"""A user's project (tests/test_settings.py's Acme, package acme.auto) as a careless or hostile user writes it.

The package is named for the project in every message, a row's module must be
shown to keep the class it names up to the end of its import, and two tables
of one's own never merge into one task without a word.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from codegen_support import line_of
from test_settings import OWN_TASK, make_project, run_in

from codegen.build import build
from codegen.errors import InputError
from codegen.reserved import reserved_names
from codegen.settings import TEMPLATES, read_settings
from codegen.sources import bound_names

MODELING = Path("src") / "own_models" / "modeling_flax_tiny_mlp.py"


@pytest.mark.parametrize(
    ("python", "expected"),
    [
        pytest.param("def broken(:", r" black cannot parse the rendered module: ", id="black cannot parse"),
        pytest.param("return 1", r"\d+: the formatted module does not compile: 'return' outside function", id="does not compile"),
    ],
)
def test_a_module_black_or_compile_refuses_is_named_in_the_projects_own_package_folder(
    tmp_path: Path, python: str, expected: str
) -> None:
    project = make_project(tmp_path / "acme")
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    task = templates / "task.py.jinja"
    task.write_text(task.read_text() + '{% if task.module == "tiny_things" %}\n' + python + "\n{% endif %}\n")
    settings = replace(read_settings(project / "pyproject.toml"), templates=templates)
    with pytest.raises(InputError) as error:
        build(settings, cache="off")
    with pytest.raises(InputError) as labelled:
        build(settings, cache="off", label="elsewhere/auto")  # the label generate gives `--out elsewhere/auto`
    for shown, [problem] in (("src/acme/auto", error.value.problems), ("elsewhere/auto", labelled.value.problems)):
        assert re.match(rf"{shown}/tiny_things\.py:{expected}", problem), problem


def test_a_name_the_package_already_uses_is_said_to_be_used_in_the_projects_own_package_folder(tmp_path: Path) -> None:
    project = make_project(tmp_path / "acme")
    table = project / "tables" / "tiny_things.toml"
    table.write_text(table.read_text().replace("ACME_MODEL_FOR_TINY_THINGS_MAPPING", "CONFIG_MAPPING"))
    code, _, stderr = run_in(project, "generate")
    assert code == 2
    assert re.fullmatch(
        rf"tables/tiny_things\.toml:{line_of(table, 'mapping =')}: mapping is a name src/acme/auto/\w+\.py already uses, "
        r"pick another: 'CONFIG_MAPPING'",
        stderr.splitlines()[0],
    ), stderr


DELETED = {
    "at the top level": "\ndel FlaxTinyMlpModel\n",
    "with another name": "\ndel (Any, FlaxTinyMlpModel)\n",
    "in an if block": "\nif True:\n    del FlaxTinyMlpModel\n",
    "in a try block": "\ntry:\n    pass\nfinally:\n    del FlaxTinyMlpModel\n",
    "in one branch, bound in the other": "\nif True:\n    del FlaxTinyMlpModel\nelse:\n    FlaxTinyMlpModel = None\n",
    "deleted, then only annotated": "\ndel FlaxTinyMlpModel\nFlaxTinyMlpModel: type\n",  # an annotation binds nothing
}


@pytest.mark.parametrize("how", DELETED)
def test_a_class_the_rows_module_does_not_leave_defined_is_not_defined(tmp_path: Path, how: str) -> None:
    """Python confirms: after the import, the module has no such class; generate and check say so at each row."""
    project = make_project(tmp_path / "acme")
    modeling = project / MODELING
    modeling.write_text(modeling.read_text() + DELETED[how])
    has_it = subprocess.run(
        [sys.executable, "-c", "import own_models.modeling_flax_tiny_mlp as m; print(hasattr(m, 'FlaxTinyMlpModel'))"],
        cwd=project, env={**os.environ, "PYTHONPATH": str(project / "src")}, capture_output=True, text=True, check=True,
    )
    assert has_it.stdout == "False\n"
    expected = [
        f"tables/{table}:{line_of(project / 'tables' / table, 'tiny-mlp =')}: own_models.modeling_flax_tiny_mlp "
        "does not define the model class: 'FlaxTinyMlpModel'"
        for table in ("model.toml", "tiny_things.toml")
    ]
    for command in ("generate", "check"):
        code, stdout, stderr = run_in(project, command)
        assert (code, stdout) == (2, "")
        assert stderr.splitlines() == [*expected, "2 error(s); nothing was written"]
    assert not (project / "src" / "acme" / "auto").exists()


@pytest.mark.parametrize(
    ("source", "bound"),
    [
        ("class A: ...\ndel A\nclass A: ...\n", {"A"}),  # bound again after the del
        ("class A: ...\nif c:\n    del A\n    A = 1\n", set[str]()),  # a block with a del: not shown to keep it
        ("class A: ...\ndel A.attribute, mapping[A]\n", {"A"}),  # deletes something of A's, not A
        ("class A: ...\ndef f():\n    del A\n", {"A", "f"}),  # a function's local, not the module's
        ("class A:\n    x = 1\n    del x\n", {"A"}),  # a class body's own name
        ("mapping = {}\nmapping[A] = 1\nmapping.b = 2\n", {"mapping"}),  # stored into, not bound
        ("A: type\nB: type = int\n", {"B"}),  # an annotation without a value binds nothing
        ("class A: ...\nif c:\n    def f():\n        del A\n", {"A", "f"}),  # a function's, inside a block
        ("class A: ...\ntry:\n    class B:\n        A = 1\n        del A\nexcept E:\n    pass\n", {"A", "B"}),
        ("class A: ...\nmatch c:\n    case 1:\n        del A\n", set[str]()),  # a case block runs at the top level
    ],
)
def test_bound_names_are_only_what_the_statements_leave_bound(source: str, bound: set[str]) -> None:
    assert bound_names(ast.parse(source).body) == bound


def test_a_name_a_template_binds_and_then_deletes_is_still_reserved(tmp_path: Path) -> None:
    """codegen.reserved asks for every name a module uses at all: a later `del` does not free it, an annotation counts."""
    assert bound_names(ast.parse("x = 1\ndel x\ny: int\n").body, class_bodies=True, ever_bound=True) == {"x", "y"}
    reserved = reserved_names(read_settings(make_project(tmp_path / "acme") / "pyproject.toml"))
    assert {"overload", "ModelMapping", "by_config"} <= reserved.keys()  # by_config: a field the runtime only annotates


def _second_table(project: Path, text: str) -> Path:
    table = project / "tables" / "tiny_more.toml"
    table.write_text(text)
    return table


def test_two_own_tables_with_one_new_auto_class_are_refused_at_both_auto_class_lines(tmp_path: Path) -> None:
    """Same [task] as tiny_things.toml, other rows: they were merged into one task, the second 'adding to flax-auto's'."""
    project = make_project(tmp_path / "acme")
    more = _second_table(project, "# more of Acme's tiny things\n" + OWN_TASK.replace('tiny-mlp = "FlaxTinyMlpModel"', 'bert = "FlaxBertModel"'))
    things = project / "tables" / "tiny_things.toml"
    expected = (
        f"tables/tiny_things.toml:{line_of(things, 'auto_class =')}: auto_class is already that of "
        f"tables/tiny_more.toml:{line_of(more, 'auto_class =')}: two tables of your own cannot share one (only one "
        "of flax-auto's auto classes takes rows from another table); merge the two, or rename one: "
        "'AcmeAutoModelForTinyThings'"
    )
    for command in ("generate", "check"):
        assert run_in(project, command) == (2, "", f"{expected}\n1 error(s); nothing was written\n")


def test_two_own_tables_with_one_mapping_are_refused_once_at_the_mapping_line(tmp_path: Path) -> None:
    project = make_project(tmp_path / "acme")
    more = _second_table(project, OWN_TASK.replace("AcmeAutoModelForTinyThings", "AcmeAutoModelForMore"))
    things = project / "tables" / "tiny_things.toml"
    assert run_in(project, "generate") == (
        2,
        "",
        f"tables/tiny_things.toml:{line_of(things, 'mapping =')}: mapping is already a name of acme.auto.tiny_more "
        f"(tables/tiny_more.toml:{line_of(more, 'mapping =')}): one name, two definitions, pick another: "
        "'ACME_MODEL_FOR_TINY_THINGS_MAPPING'\n1 error(s); nothing was written\n",
    )


def test_rows_of_ones_own_still_add_to_flax_autos_auto_class_beside_a_task_of_ones_own(tmp_path: Path) -> None:
    """model.toml adds to flax-auto's FlaxAutoModel; a second table may add to it too, rows apart."""
    project = make_project(tmp_path / "acme")
    _second_table(project, (project / "tables" / "model.toml").read_text().replace("tiny-mlp", "gpt2").replace("FlaxTinyMlpModel", "FlaxGPT2Model"))
    code, _, stderr = run_in(project, "generate")
    assert (code, stderr) == (0, ""), stderr
    model = (project / "src" / "acme" / "auto" / "model.py").read_text()
    assert "FlaxGPT2Model" in model and "FlaxTinyMlpModel" in model
    assert not (project / "src" / "acme" / "auto" / "tiny_more.py").exists()
