"""Exit 1 only ever means "stale": every other failure is 2 (input) or 3 (write), in a line, no traceback.

Unreadable tables and failing templates are cases of test_bad_inputs.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from codegen_support import COMMITTED, copy_project, make_stale, read_package, run

from codegen.build import ROOT, build

OUT = "generated/flax_auto"


def python_m_codegen(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "codegen", *argv], cwd=ROOT, capture_output=True, text=True, check=False)


def test_a_folder_too_deep_to_survey_is_never_up_to_date_and_never_exit_1(tmp_path: Path) -> None:
    """A hostile tree inside the package, 2100 folders deep (beyond the longest path the
    system takes) with a foreign file at the bottom. Python's own walks either overflow
    the stack (3.11) or skip what they cannot reach (3.13, which said "up to date"):
    check cannot give a verdict, and says so in one line with exit 3, never 0 or 1."""
    project = copy_project(tmp_path / "project")
    folders = [os.open(project / OUT, os.O_RDONLY)]
    for _ in range(2100):  # step by step: the whole path would be too long for one call
        os.mkdir("d", dir_fd=folders[-1])
        folders.append(os.open("d", os.O_RDONLY, dir_fd=folders[-1]))
    os.close(os.open("foreign.py", os.O_WRONLY | os.O_CREAT, dir_fd=folders[-1]))
    try:
        result = python_m_codegen("check", "--root", str(project))
        assert (result.returncode, result.stdout) == (3, "")
        assert len(result.stderr.splitlines()) == 1 and "File name too long" in result.stderr, result.stderr
    finally:  # bottom up: the path is too long for a recursive clean-up
        os.unlink("foreign.py", dir_fd=folders[-1])
        os.close(folders.pop())
        while folders:
            os.rmdir("d", dir_fd=folders[-1])
            os.close(folders.pop())


def test_a_write_that_fails_is_exit_3(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    code, stdout, stderr = run("generate", "--out", str(tmp_path / "file" / "flax_auto"))
    assert (code, stdout) == (3, "")
    assert stderr == f"error: [Errno 20] Not a directory: '{tmp_path / 'file' / 'flax_auto'}'; {tmp_path / 'file' / 'flax_auto'} was left as it was\n"


def with_output_closed(*argv: str, how: str) -> tuple[int, str]:
    """Run `python -m codegen ARGV` whose stdout is a pipe nobody reads ("pipe": the reader
    closed it before the first write, as `| head -1` does after a line) or is closed ("closed",
    `>&-`); its exit code and stderr."""
    command = [sys.executable, "-m", "codegen", *argv]
    if how == "closed":
        command = ["sh", "-c", 'exec "$@" >&-', "sh", *command]
        result = subprocess.run(command, cwd=ROOT, stderr=subprocess.PIPE, text=True, check=False)
        return result.returncode, result.stderr
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run(command, cwd=ROOT, stdout=write, stderr=subprocess.PIPE, text=True, check=False)
    finally:
        os.close(write)
    return result.returncode, result.stderr


@pytest.mark.parametrize("how", ["pipe", "closed"])
def test_output_that_cannot_be_written_never_changes_the_exit_code(tmp_path: Path, how: str) -> None:
    """A write that succeeded is 0, a stale tree is 1, whatever becomes of the output."""
    project = copy_project(tmp_path / "project")
    build(project)  # black's cache, so that each run is quick
    make_stale(project / OUT)
    fix = f"python -m codegen generate --root {project}"

    assert with_output_closed("generate", "--verbose", "--root", str(project), how=how) == (0, "")
    assert read_package(project / OUT) == read_package(COMMITTED)
    make_stale(project / OUT)
    stale = with_output_closed("check", "--root", str(project), how=how)
    assert stale == (1, f"{OUT} is stale (3 changed, 1 missing, 1 orphaned); to fix it run: {fix}\n")
    assert run("generate", "--root", str(project))[0] == 0
    assert with_output_closed("check", "--root", str(project), how=how) == (0, "")
    assert with_output_closed("list", "--root", str(project), how=how) == (0, "")
