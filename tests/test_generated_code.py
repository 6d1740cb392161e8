"""The generated package is valid, lint-clean, black-stable Python with an honest header."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from codegen_support import COMMITTED, read_package

from codegen.build import ROOT, build, load_tables
from codegen.formatter import format_module
from codegen.render import header as generated_header
from codegen.settings import RUNTIME

# Go's marker, which editors and review tools look for (https://go.dev/s/generatedcode).
GENERATED_MARKER = re.compile(r"^# Code generated .* DO NOT EDIT\.$")


@pytest.fixture(scope="module")
def modules() -> dict[str, str]:
    return {name: text for name, text in build().items() if name.endswith(".py")}


def test_every_module_compiles(modules: dict[str, str]) -> None:
    runtime = sorted(path.name for path in RUNTIME.glob("*.py"))
    assert {"_auto.py", "_fixes.py"} <= set(runtime)
    # __init__, configs, one per task, and the modules carried from codegen/runtime/
    assert sorted(modules) == sorted(["__init__.py", "configs.py", *(f"{task.module}.py" for task in load_tables().tasks), *runtime])
    for name, text in modules.items():
        compile(text, name, "exec", dont_inherit=True)


def test_every_module_is_black_stable(modules: dict[str, str]) -> None:
    for name, text in modules.items():
        assert format_module(name, text) == text, name


def test_the_package_passes_ruff_with_the_project_rules(tmp_path: Path, modules: dict[str, str]) -> None:
    package = tmp_path / "flax_auto"
    package.mkdir()
    for name, text in modules.items():
        (package / name).write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(package)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "All checks passed!\n"


def test_the_hand_written_code_passes_ruff_too() -> None:
    """The generator, the tests and the benchmarks are held to the same rules as their output."""
    command = [sys.executable, "-m", "ruff", "check", "--no-cache", "codegen", "tests", "bench"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_project_rules_are_the_ones_promised() -> None:
    """Guard the rule selection itself: an emptied `select` would make the lint test pass vacuously."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--show-settings", str(ROOT / "generated/flax_auto/model.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for rule in ["unused-import (F401)", "unsorted-imports (I001)", "non-pep604-annotation-union (UP007)", "mutable-argument-default (B006)", "trailing-whitespace (W291)"]:
        assert rule in result.stdout, rule


def test_every_module_says_it_is_generated_from_which_inputs_and_how_to_remake_it() -> None:
    for name, data in read_package(COMMITTED).items():
        if not name.endswith(".py"):
            assert data == b"", name  # py.typed: an empty marker
            continue
        text = data.decode("utf-8")
        lines = text.splitlines()
        assert GENERATED_MARKER.match(lines[0]), name
        header = " ".join(line.removeprefix("# ").strip() for line in lines if line.startswith("# "))
        inputs = re.search(r"Inputs: (.*?)\. To change it", header).group(1).split(", ")
        if (RUNTIME / name).exists():  # carried as is: its one input is the module of ours
            assert inputs == [f"codegen/runtime/{name}"], name
            assert text == generated_header(inputs, "make generate") + (RUNTIME / name).read_text(encoding="utf-8"), name
            continue
        assert inputs[0].startswith("templates/") and inputs[0].endswith(".jinja"), name
        for path in inputs:
            assert list(ROOT.glob(path)), f"{name}: input {path} does not exist"
        if name not in {"__init__.py", "_auto.py", "configs.py"}:
            assert inputs[1:] == [f"codegen/tables/{name.removesuffix('.py')}.toml", "codegen/tables/configs.toml"], name
        assert "run `make generate`" in header, name
        assert str(ROOT) not in text and not re.search(r"\b20\d\d-\d\d-\d\d\b", text), name
