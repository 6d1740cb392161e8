"""The generator deletes or replaces only what it can prove it wrote; anything else is kept."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from codegen_support import (
    COMMITTED,
    PACKAGE_FILES,
    copy_project,
    make_stale,
    read_package,
    run,
    snapshot,
)

from codegen.ownership import MARKER

OUT = "generated/flax_auto"


def notes(folder: Path) -> None:
    (folder / "notes.txt").write_text("my notes\n")
    (folder / "todo.md").write_text("- [ ] nothing\n")


def git_checkout(folder: Path) -> None:
    (folder / ".git" / "objects").mkdir(parents=True)
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "setup.py").write_text("from setuptools import setup\n")


def another_package(folder: Path) -> None:
    """Another package, even one whose modules have the names flax_auto's have."""
    (folder / "__init__.py").write_text('"""Not flax_auto."""\n')
    (folder / "model.py").write_text("class Model: ...\n")
    (folder / "py.typed").write_text("")


FOREIGN_FOLDERS = [notes, git_checkout, another_package]


@pytest.mark.parametrize("fill", FOREIGN_FOLDERS, ids=[fill.__name__ for fill in FOREIGN_FOLDERS])
def test_out_at_a_folder_that_is_not_a_flax_auto_package_is_refused_and_every_byte_kept(
    tmp_path: Path, fill: Callable[[Path], None]
) -> None:
    folder = tmp_path / "target"
    folder.mkdir()
    fill(folder)
    before = snapshot(tmp_path)

    code, stdout, stderr = run("generate", "--out", str(folder))

    assert (code, stdout) == (2, "")
    assert stderr.startswith(f"{folder}: not a generated package (no file in it carries the header ")
    assert stderr.endswith("1 error(s); nothing was written\n")
    assert snapshot(tmp_path) == before
    assert run("check", "--out", str(folder)) == (2, "", stderr)
    assert snapshot(tmp_path) == before


def test_out_at_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "flax_auto"
    target.write_text("a file\n")
    code, _, stderr = run("generate", "--out", str(target))
    assert (code, stderr) == (2, f"{target}: not a folder; nothing was written there\n1 error(s); nothing was written\n")
    assert target.read_text() == "a file\n"


def test_an_empty_folder_is_filled(tmp_path: Path) -> None:
    (tmp_path / "flax_auto").mkdir()
    assert run("generate", "--no-cache", "--out", str(tmp_path / "flax_auto"))[0] == 0
    assert read_package(tmp_path / "flax_auto") == read_package(COMMITTED)


FOREIGN_FILES = {
    "mine.py": lambda path: path.write_text("def mine() -> None: ...\n"),
    "notes about: v2.txt": lambda path: path.write_text("hi\n"),
    ".causal_lm.py.abc.tmp": lambda path: path.write_text(""),  # an older generator's temp file
    "sub/deep.py": lambda path: path.parent.mkdir() or path.write_text(""),
    "dangling.py": lambda path: path.symlink_to("nowhere.py"),
    "headless.py": lambda path: path.write_text("x = 1\n" + MARKER),  # the header must open the file
}


@pytest.mark.parametrize("name", FOREIGN_FILES)
def test_a_file_the_generator_did_not_write_is_reported_never_deleted(tmp_path: Path, name: str) -> None:
    """check calls the package stale (the file would ship); generate refuses, writes nothing
    (the other drift stays too), and says what to do; once it is moved out, all is repaired."""
    project = copy_project(tmp_path / "project")
    package = project / OUT
    make_stale(package)
    FOREIGN_FILES[name](package / name)
    before = snapshot(project / "generated")

    code, stdout, stderr = run("check", "--root", str(project))
    assert code == 1
    assert f"foreign: {OUT}/{name} (not written by the generator; it would ship: move it out)\n" in stdout
    assert stderr.endswith(
        "1 foreign); move the foreign files out of it, then to fix it run: "
        f"python -m codegen generate --root {project}\n"
    )

    code, stdout, stderr = run("generate", "--root", str(project))
    assert (code, stdout) == (2, "")
    assert stderr == (
        f"{OUT}/{name}: not written by the generator (no header line); it would ship in the package: "
        "move it out, then run generate again\n1 error(s); nothing was written\n"
    )
    assert snapshot(project / "generated") == before

    (package / name).unlink()
    assert run("generate", "--root", str(project))[0] == 0
    assert read_package(package) == read_package(COMMITTED)


def test_a_copied_package_is_recognised_by_its_headers(tmp_path: Path) -> None:
    """A generated package copied elsewhere is still the generator's to update."""
    shutil.copytree(COMMITTED, tmp_path / "copy", ignore=shutil.ignore_patterns("__pycache__"))
    make_stale(tmp_path / "copy")
    code, stdout, _ = run("generate", "--out", str(tmp_path / "copy"))
    assert (code, stdout) == (0, f"{tmp_path / 'copy'}: 4 written, {PACKAGE_FILES - 4} unchanged, 1 removed\n")
    assert read_package(tmp_path / "copy") == read_package(COMMITTED)


def linked_project(tmp_path: Path, real: Path) -> Path:
    """A project whose generated/flax_auto is a link to the package at `real`."""
    project = copy_project(tmp_path / "project")
    real.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(project / OUT, real)
    (project / OUT).symlink_to(real)
    return project


def test_a_linked_package_is_proven_and_surveyed_like_the_folder_it_leads_to(tmp_path: Path) -> None:
    """check sees a foreign file behind the link, generate refuses it, and once it is
    gone removes the orphans there; the link stays a link."""
    project = linked_project(tmp_path, tmp_path / "elsewhere" / "flax_auto")
    real = tmp_path / "elsewhere" / "flax_auto"
    (real / "mine.py").write_text("def mine() -> None: ...\n")

    code, stdout, _ = run("check", "--root", str(project))
    assert (code, stdout) == (1, f"foreign: {OUT}/mine.py (not written by the generator; it would ship: move it out)\n")
    code, _, stderr = run("generate", "--root", str(project))
    assert code == 2 and stderr.startswith(f"{OUT}/mine.py: not written by the generator")

    (real / "mine.py").unlink()
    make_stale(real)
    code, stdout, _ = run("generate", "--root", str(project))
    assert (code, stdout) == (0, f"{OUT}: 4 written, {PACKAGE_FILES - 4} unchanged, 1 removed\n")
    assert (project / OUT).is_symlink() and read_package(real) == read_package(COMMITTED)
    assert sorted(path.name for path in real.parent.iterdir()) == ["flax_auto"], "staged beside the real folder"
    assert sorted(path.name for path in (project / "generated").iterdir()) == ["flax_auto"]


def other_filesystem(tmp_path: Path) -> Path:
    """A folder on another filesystem than tmp_path: /dev/shm is a tmpfs on Linux."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no /dev/shm on another filesystem than the temporary folder")
    return shm


def test_a_package_linked_to_another_filesystem_is_staged_there(tmp_path: Path) -> None:
    """Staging beside the link put every rename across filesystems: each generate failed."""
    shm = other_filesystem(tmp_path)
    elsewhere = Path(tempfile.mkdtemp(dir=shm))
    try:
        project = linked_project(tmp_path, elsewhere / "flax_auto")
        make_stale(elsewhere / "flax_auto")
        code, stdout, stderr = run("generate", "--root", str(project))
        assert (code, stdout, stderr) == (0, f"{OUT}: 4 written, {PACKAGE_FILES - 4} unchanged, 1 removed\n", "")
        assert read_package(elsewhere / "flax_auto") == read_package(COMMITTED)
        assert run("check", "--root", str(project))[0] == 0
    finally:
        shutil.rmtree(elsewhere)


MOUNTED = """
set -u
mount -t tmpfs none "$1/generated/flax_auto" || exit 99
cp -a "$2/." "$1/generated/flax_auto/"
echo "x = 1" >> "$1/generated/flax_auto/causal_lm.py"
mkdir -p "$1/generated/flax_auto/.flax_auto.staging-killed/new"  # what a SIGKILLed run leaves
"$3" -m codegen check --root "$1" > /dev/null 2>&1; echo "check $?"
"$3" -m codegen generate --root "$1" 2>&1; echo "generate $?"
"$3" -m codegen check --root "$1" 2>&1; echo "check $?"
ls -A "$1/generated/flax_auto" | grep -c staging
"""


def test_a_package_that_is_a_mount_point_is_staged_on_its_own_filesystem(tmp_path: Path) -> None:
    """A container's volume at the package folder: no folder beside it shares its filesystem,
    so staging there made every generate fail with EXDEV, exit 3, for good."""
    project = copy_project(tmp_path / "project", parts=("codegen/tables", "codegen/runtime", "templates"))
    (project / OUT).mkdir(parents=True)
    command = ["unshare", "--mount", "--map-root-user", "sh", "-c", MOUNTED, "sh", str(project), str(COMMITTED), sys.executable]
    try:
        result = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).parent.parent, timeout=120)
    except FileNotFoundError:
        pytest.skip("no unshare(1) to mount a filesystem at the package folder")
    if result.returncode == 99 or "unshare failed" in result.stderr:
        pytest.skip(f"cannot mount a filesystem here: {result.stderr.strip()}")
    assert result.stdout.splitlines() == [
        "check 1",  # changed, and the killed run's folder would ship
        f"{OUT}: 1 written, {PACKAGE_FILES - 1} unchanged, 0 removed",
        "generate 0",
        f"{OUT} is up to date ({PACKAGE_FILES} files)",
        "check 0",
        "0",
    ], result.stderr


def test_a_package_whose_parent_folder_takes_no_new_entries_stages_inside_itself(tmp_path: Path) -> None:
    """The package is writable, the folder above it is not (here immutable): staging beside it failed, exit 3."""
    project = copy_project(tmp_path / "project")
    make_stale(project / OUT)
    parent = project / OUT.rsplit("/", 1)[0]
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(parent)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        code, stdout, stderr = run("generate", "--root", str(project))
        assert (code, stdout, stderr) == (0, f"{OUT}: 4 written, {PACKAGE_FILES - 4} unchanged, 1 removed\n", "")
    finally:
        subprocess.run(["chattr", "-i", str(parent)], check=True)
    assert read_package(project / OUT) == read_package(COMMITTED)
    assert sorted(path.name for path in (project / OUT).iterdir() if path.name.startswith(".")) == []


@pytest.mark.parametrize("link", ["generated/flax_auto", "generated"])
def test_a_link_that_leads_nowhere_is_refused_and_nothing_created(tmp_path: Path, link: str) -> None:
    project = copy_project(tmp_path / "project", parts=("codegen/tables", "templates"))
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    (project / link).symlink_to(tmp_path / "missing")
    before = snapshot(project / "generated")

    code, stdout, stderr = run("generate", "--root", str(project))

    assert (code, stdout) == (2, "")
    assert stderr == (
        f"{OUT}: {project / link} is a link to {tmp_path / 'missing'}, which does not exist; nothing was written\n"
        "1 error(s); nothing was written\n"
    )
    assert snapshot(project / "generated") == before and not (tmp_path / "missing").exists()
    assert run("check", "--root", str(project)) == (2, "", stderr)


def test_a_folder_where_a_module_goes_is_foreign_not_emptied(tmp_path: Path) -> None:
    """Renaming a file over a folder fails: every generate used to exit 3, for good."""
    project = copy_project(tmp_path / "project")
    (project / OUT / "model.py").unlink()
    (project / OUT / "model.py").mkdir()
    before = snapshot(project / "generated")

    code, stdout, _ = run("check", "--root", str(project))
    assert code == 1 and f"foreign: {OUT}/model.py (not written by the generator" in stdout
    code, stdout, stderr = run("generate", "--root", str(project))
    assert (code, stdout) == (2, "")
    assert stderr.startswith(f"{OUT}/model.py: not written by the generator")
    assert snapshot(project / "generated") == before

    (project / OUT / "model.py").rmdir()
    assert run("generate", "--root", str(project))[0] == 0
    assert read_package(project / OUT) == read_package(COMMITTED)


def test_a_folder_named_like_a_staging_folder_is_not_deleted_unless_it_is_one(tmp_path: Path) -> None:
    """A killed run's staging folder holds new/ and old/ and nothing else; anything else is kept."""
    project = copy_project(tmp_path / "project")
    mine = project / "generated" / ".flax_auto.staging-mine"
    (mine / "new").mkdir(parents=True)
    (mine / "notes.txt").write_text("mine\n")
    leftover = project / "generated" / ".flax_auto.staging-abc"
    (leftover / "new").mkdir(parents=True)
    (leftover / "old").mkdir()
    (leftover / "new" / "model.py").write_text(MARKER)
    make_stale(project / OUT)

    assert run("generate", "--root", str(project))[0] == 0

    assert (mine / "notes.txt").read_text() == "mine\n"
    assert sorted(path.name for path in (project / "generated").iterdir()) == [".flax_auto.staging-mine", "flax_auto"]
