"""Exit 1 only ever means "stale": every other failure is 2 (input) or 3 (write), in a line, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from codegen_support import copy_project, edit, line_of, make_stale, run, snapshot

from codegen.build import ROOT

OUT = "generated/flax_auto"
TABLES = "codegen/tables"


def _append_to_template(root: Path, text: str) -> int:
    """Append to the task template; the line number of the first appended line."""
    template = root / "templates" / "task.py.jinja"
    before = template.read_text()
    template.write_text(before + text)
    return before.count("\n") + 1


def template_divides_by_zero(root: Path) -> list[str]:
    line = _append_to_template(root, "x = {{ 1 // 0 }}\n")
    return [f"templates/task.py.jinja:{line}: ZeroDivisionError: integer division or modulo by zero"]


def template_makes_a_bad_call(root: Path) -> list[str]:
    line = _append_to_template(root, '\n\nx = {{ task.module.encode("no-such-codec") }}\n')
    return [f"templates/task.py.jinja:{line + 2}: LookupError: unknown encoding: no-such-codec"]


def template_is_a_folder(root: Path) -> list[str]:
    (root / "templates" / "_auto.py.jinja").unlink()
    (root / "templates" / "_auto.py.jinja").mkdir()
    return [f"templates/_auto.py.jinja:1: TemplateNotFound: '_auto.py.jinja' not found in search path: '{root / 'templates'}'"]


def table_is_a_folder(root: Path) -> list[str]:
    (root / TABLES / "extra.toml").mkdir()
    return [f"{TABLES}/extra.toml: cannot read the table: Is a directory"]


def table_is_a_dangling_link(root: Path) -> list[str]:
    (root / TABLES / "extra.toml").symlink_to("nowhere.toml")
    return [f"{TABLES}/extra.toml: cannot read the table: No such file or directory"]


def table_starts_with_a_bom(root: Path) -> list[str]:
    table = root / TABLES / "masked_lm.toml"
    table.write_bytes(b"\xef\xbb\xbf" + table.read_bytes())
    return [f"{TABLES}/masked_lm.toml:1: starts with a UTF-8 byte order mark; save it without one"]


def syntax_errors_in_two_tables_and_a_bad_row_in_a_third(root: Path) -> list[str]:
    """One run reports them all: the tables that parse are validated too."""
    causal_lm, masked_lm, model = (root / TABLES / f"{name}.toml" for name in ["causal_lm", "masked_lm", "model"])
    edit(causal_lm, 'bert = "FlaxBertForCausalLM"', 'bert = "FlaxBertForCausalLM')
    edit(masked_lm, 'bert = "FlaxBertForMaskedLM"', "bert = FlaxBertForMaskedLM")
    edit(model, 'bert = "FlaxBertModel"', 'bert = "Flax Bert Model"')
    return [
        f"{TABLES}/causal_lm.toml:{line_of(causal_lm, 'bert =')}: invalid TOML: Illegal character '\\n'",
        f"{TABLES}/masked_lm.toml:{line_of(masked_lm, 'bert =')}: invalid TOML: Invalid value",
        f"{TABLES}/model.toml:{line_of(model, 'bert =')}: model class is not a Python identifier: 'Flax Bert Model'",
    ]


CASES = [
    template_divides_by_zero,
    template_makes_a_bad_call,
    template_is_a_folder,
    table_is_a_folder,
    table_is_a_dangling_link,
    table_starts_with_a_bom,
    syntax_errors_in_two_tables_and_a_bad_row_in_a_third,
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "project")
    make_stale(root / OUT)  # so that any write at all would show
    return root


@pytest.mark.parametrize("break_inputs", CASES, ids=[case.__name__ for case in CASES])
def test_unreadable_or_failing_inputs_exit_2_at_file_line(project: Path, break_inputs: Callable[[Path], list[str]]) -> None:
    expected = break_inputs(project)
    before = snapshot(project)

    code, stdout, stderr = run("generate", "--root", str(project))

    assert (code, stdout) == (2, "")
    assert stderr.splitlines() == [*expected, f"{len(expected)} error(s); nothing was written"]
    assert snapshot(project) == before
    assert run("check", "--root", str(project)) == (2, "", stderr)


def python_m_codegen(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "codegen", *argv], cwd=ROOT, capture_output=True, text=True, check=False)


def test_an_unexpected_failure_is_one_line_and_never_exit_1(tmp_path: Path) -> None:
    """A hostile tree, 1200 folders deep inside the package, is more than Python's
    recursive folder walk can take: check cannot give a verdict, and says so in one
    line (the traceback only with --verbose) rather than exit 1, which means stale."""
    project = copy_project(tmp_path / "project")
    folders = [os.open(project / OUT, os.O_RDONLY)]
    for _ in range(1200):  # step by step: the whole path would be too long for one call
        os.mkdir("d", dir_fd=folders[-1])
        folders.append(os.open("d", os.O_RDONLY, dir_fd=folders[-1]))
    try:
        result = python_m_codegen("check", "--root", str(project))
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == "error: unexpected RecursionError: maximum recursion depth exceeded\n"
        verbose = python_m_codegen("check", "--root", str(project), "--verbose")
        assert verbose.returncode == 2 and verbose.stderr.startswith("Traceback (most recent call last):")
    finally:  # bottom up: pytest's clean-up would hit the same recursion limit
        os.close(folders.pop())
        while folders:
            os.rmdir("d", dir_fd=folders[-1])
            os.close(folders.pop())


def test_a_write_that_fails_is_exit_3(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    code, stdout, stderr = run("generate", "--out", str(tmp_path / "file" / "flax_auto"))
    assert (code, stdout) == (3, "")
    assert stderr == f"error: [Errno 20] Not a directory: '{tmp_path / 'file' / 'flax_auto'}'; {tmp_path / 'file' / 'flax_auto'} was left as it was\n"
