"""Writes: atomic per file, unchanged files untouched, orphans removed, all or nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from codegen_support import (
    COMMITTED,
    PACKAGE_FILES,
    copy_project,
    edit,
    make_stale,
    read_package,
    run,
    snapshot,
)

from codegen.build import ROOT, build
from codegen.ownership import MARKER
from codegen.write import write_package

OUT = "generated/flax_auto"


@pytest.fixture(scope="module")
def expected() -> dict[str, str]:
    return build()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def test_generate_into_an_empty_folder_writes_the_committed_package(tmp_path: Path) -> None:
    """Byte for byte, with black run on every module (no cache is trusted)."""
    code, stdout, _ = run("generate", "--no-cache", "--out", str(tmp_path / "flax_auto"))
    assert (code, stdout) == (0, f"{tmp_path / 'flax_auto'}: {PACKAGE_FILES} written, 0 unchanged, 0 removed\n")
    assert read_package(tmp_path / "flax_auto") == read_package(COMMITTED)


def test_verbose_names_what_was_written_unchanged_and_removed(project: Path) -> None:
    make_stale(project / OUT)
    code, stdout, _ = run("generate", "--root", str(project), "--verbose")
    assert code == 0
    lines = stdout.splitlines()
    assert [line for line in lines if not line.startswith("unchanged: ")] == [
        f"written: {OUT}/__init__.py",
        f"written: {OUT}/causal_lm.py",
        f"written: {OUT}/masked_lm.py",
        f"written: {OUT}/model.py",
        f"removed: {OUT}/orphan.py",
        f"{OUT}: 4 written, {PACKAGE_FILES - 4} unchanged, 1 removed",
    ]
    assert f"unchanged: {OUT}/configs.py" in lines
    assert read_package(project / OUT) == read_package(COMMITTED)


def test_unchanged_files_keep_their_mtime_and_changed_ones_are_replaced_not_rewritten(
    project: Path, expected: dict[str, str]
) -> None:
    package = project / OUT
    edit(package / "causal_lm.py", "DO NOT EDIT.", "DO NOT EDIT!")
    before = {path.name: path.stat() for path in package.iterdir()}

    report = write_package(expected, package)

    assert report.written == ["causal_lm.py"] and not report.removed
    after = {path.name: path.stat() for path in package.iterdir()}
    assert sorted(after) == sorted(before), "no temp file is left behind"
    for name, stat in after.items():
        if name == "causal_lm.py":
            # A new inode: the file was renamed into place, never written in place.
            assert stat.st_ino != before[name].st_ino
        else:
            assert (stat.st_ino, stat.st_mtime_ns) == (before[name].st_ino, before[name].st_mtime_ns), name


def test_orphans_are_removed_wherever_they_are(project: Path, expected: dict[str, str]) -> None:
    """An orphan is a file with the generator's header that this run does not produce;
    a killed run's staging folder beside the package goes too; Python's caches stay."""
    package = project / OUT
    (package / "old_task.py").write_text(MARKER + "x = 1\n")
    (package / "sub").mkdir()
    (package / "sub" / "deep.py").write_text(MARKER)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"cache")
    leftover = project / "generated" / ".flax_auto.staging-x1y2" / "new"
    leftover.mkdir(parents=True)
    (leftover / "model.py").write_text("left by a killed run")

    report = write_package(expected, package)

    assert report.removed == ["old_task.py", "sub/deep.py"]
    assert read_package(package) == read_package(COMMITTED)
    assert (package / "__pycache__" / "model.cpython-311.pyc").read_bytes() == b"cache", "caches are not owned"
    assert sorted(path.name for path in (project / "generated").iterdir()) == ["flax_auto"]


def test_a_failure_while_staging_changes_nothing(project: Path, expected: dict[str, str]) -> None:
    """A file the OS refuses (name too long) after other files were staged."""
    package = project / OUT
    make_stale(package)
    before = snapshot(project)
    files = expected | {"z" * 300 + ".py": "late = 1\n"}

    with pytest.raises(OSError, match="File name too long"):
        write_package(files, package)

    assert snapshot(project) == before


def test_a_failure_while_renaming_puts_everything_back(project: Path) -> None:
    """vision2seq.py, last in order, is immutable (chattr +i), so the rename onto it fails:
    by then the orphan is removed, files before it are replaced and model.py is created.
    (A folder in its place no longer gets that far: it is foreign, see test_ownership.)"""
    package = project / OUT
    make_stale(package)
    (package / "configs.py").unlink()
    (package / "configs.py").symlink_to("../elsewhere/configs.py")
    edit(package / "vision2seq.py", "# To change it,", "# To change it (edited),")
    if subprocess.run(["chattr", "+i", package / "vision2seq.py"], capture_output=True, check=False).returncode:
        pytest.skip("chattr +i is not available here (it needs root on a filesystem that has it)")
    try:
        before = snapshot(project / "generated")  # build/black-cache may fill: it is not output

        code, stdout, stderr = run("generate", "--root", str(project))

        assert (code, stdout) == (3, "")
        assert stderr.startswith("error: [Errno 1] Operation not permitted: ")
        assert stderr.endswith(f"; {OUT} was left as it was\n")
        assert snapshot(project / "generated") == before
    finally:
        subprocess.run(["chattr", "-i", package / "vision2seq.py"], check=True)


def test_a_failure_into_a_new_folder_leaves_no_folder(tmp_path: Path, expected: dict[str, str]) -> None:
    with pytest.raises(OSError):
        write_package(expected | {"z" * 300 + ".py": ""}, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def make_project(tmp_path: Path) -> Path:
    """A copy with the Makefile and the real .venv, to run `make` in."""
    root = copy_project(tmp_path / "project", ("codegen", "templates", OUT))
    for name in ["Makefile", "pyproject.toml", "constraints.txt"]:
        shutil.copy2(ROOT / name, root / name)
    (root / ".venv").symlink_to(ROOT / ".venv")
    return root


def make(root: Path, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "--no-print-directory", target], cwd=root, capture_output=True, text=True, check=False)


def generator_ran(result: subprocess.CompletedProcess[str]) -> bool:
    assert result.returncode == 0, result.stdout + result.stderr
    return "-m codegen generate" in result.stdout


def test_make_generate_repairs_any_change_to_the_package_whatever_its_names(make_project: Path) -> None:
    """No stamp, no file list in the Makefile: every `make generate` asks the generator,
    which touches nothing when nothing changed (about 0.3 s with black's results cached)."""
    root, package = make_project, make_project / OUT
    (package / "sub" / "inner").mkdir(parents=True)
    assert generator_ran(make(root, "generate"))
    mtimes = {path.name: path.stat().st_mtime_ns for path in package.iterdir()}
    result = make(root, "generate")
    assert generator_ran(result) and f"0 written, {PACKAGE_FILES} unchanged, 0 removed" in result.stdout
    assert {path.name: path.stat().st_mtime_ns for path in package.iterdir()} == mtimes

    (package / "old task: v1.py").write_text(MARKER)  # a space and a colon in the name
    (package / "sub" / "inner" / "old.py").write_text(MARKER)  # deep in a folder that existed
    (package / "model.py").unlink()
    (package / "model.py").symlink_to("nowhere.py")  # a dangling link
    edit(package / "causal_lm.py", "# To change it,", "# To change it (edited),")
    os.utime(package / "causal_lm.py", ns=(1, 1))  # copied over with an old mtime
    result = make(root, "generate")
    assert generator_ran(result) and f"2 written, {PACKAGE_FILES - 2} unchanged, 2 removed" in result.stdout
    assert read_package(package) == read_package(COMMITTED)
    assert not (package / "model.py").is_symlink()

    (package / "my notes: draft.txt").write_text("mine\n")
    result = make(root, "generate")
    assert result.returncode != 0 and "No rule" not in result.stderr
    assert f"{OUT}/my notes: draft.txt: not written by the generator" in result.stderr
    assert (package / "my notes: draft.txt").read_text() == "mine\n"


def test_make_check_fails_and_names_a_hand_edited_file(make_project: Path) -> None:
    edit(make_project / OUT / "configs.py", '"bert": BertConfig', '"bert": None')
    result = make(make_project, "check")
    assert result.returncode != 0
    assert f"--- {OUT}/configs.py (committed)" in result.stdout
    assert "to fix it run: make generate" in result.stderr
