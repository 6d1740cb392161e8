"""A user's project (tests/test_settings.py's Acme, package acme.auto) as a careless or hostile user writes it.

The package is named for the project in every message, a row's module must be
shown to keep the class it names up to the end of its import, and two tables
of one's own never merge into one task without a word.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from test_settings import make_project

from codegen.build import build
from codegen.errors import InputError
from codegen.settings import TEMPLATES, read_settings


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
