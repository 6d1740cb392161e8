"""The Makefile finds each Python it needs without hand edits, and names one it cannot find.

pyenv's shim `python3.12` is on PATH even where 3.12 is not the selected version, and
then it fails; the Makefile must pass over it and take pyenv's own interpreter.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.build import ROOT

VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
# A makefile beside the real one: prints what $(call python,...) gives.
PRINT = "print:\n\t@echo $(call python,$(VERSION))\n"
TOOLS = ("ls", "sort", "echo")  # what the finder and print.mk run besides the interpreters


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, Path]:
    """A PATH with only the finder's tools on it, and an empty pyenv root."""
    bin_folder, pyenv = tmp_path / "bin", tmp_path / "pyenv"
    bin_folder.mkdir()
    (pyenv / "versions").mkdir(parents=True)
    for tool in TOOLS:
        (bin_folder / tool).symlink_to(shutil.which(tool) or tool)
    (tmp_path / "print.mk").write_text(PRINT)
    return {"bin": bin_folder, "pyenv": pyenv, "print": tmp_path / "print.mk"}


def found(machine: dict[str, Path], version: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(machine["bin"]), "PYENV_ROOT": str(machine["pyenv"]), "HOME": str(machine["pyenv"])}
    make = shutil.which("make") or "make"
    command = [make, "--no-print-directory", "-f", "Makefile", "-f", str(machine["print"]), "print", f"VERSION={version}"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def test_a_python_on_path_that_runs_is_taken(machine: dict[str, Path]) -> None:
    (machine["bin"] / f"python{VERSION}").symlink_to(sys.executable)
    result = found(machine, VERSION)
    assert (result.returncode, result.stdout) == (0, f"{machine['bin']}/python{VERSION}\n"), result.stderr


def test_a_shim_that_fails_is_passed_over_for_pyenvs_newest_interpreter(machine: dict[str, Path]) -> None:
    shim = machine["bin"] / f"python{VERSION}"
    shim.write_text(f"#!/bin/sh\necho 'pyenv: python{VERSION}: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    for patch in ["1", "10", "9"]:  # 10 is the newest: versions sort as numbers, not as text
        folder = machine["pyenv"] / "versions" / f"{VERSION}.{patch}" / "bin"
        folder.mkdir(parents=True)
        (folder / f"python{VERSION}").symlink_to(sys.executable)
    result = found(machine, VERSION)
    assert (result.returncode, result.stdout) == (0, f"{machine['pyenv']}/versions/{VERSION}.10/bin/python{VERSION}\n"), result.stderr


def test_a_missing_python_stops_make_with_its_name(machine: dict[str, Path]) -> None:
    result = found(machine, "3.99")
    assert result.returncode != 0 and result.stdout == ""
    assert "Python 3.99 not found" in result.stderr
    assert f"{machine['pyenv']}/versions/3.99.*/bin" in result.stderr

