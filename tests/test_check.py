"""Check mode: exact report and exit code for every kind of drift; it never writes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from codegen_support import (
    COMMITTED,
    PACKAGE_FILES,
    copy_project,
    edit,
    read_package,
    run,
    snapshot,
)

from codegen.build import ROOT, build
from codegen.check import compare
from codegen.cli import fix_command, parser
from codegen.ownership import MARKER
from codegen.write import write_package

OUT = "generated/flax_auto"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="module")
def expected() -> dict[str, str]:
    """The package as the generator makes it (built once: black is the slow part)."""
    return build()


def test_in_sync_is_one_quiet_line_and_exit_0() -> None:
    assert run("check") == (0, f"{OUT} is up to date ({PACKAGE_FILES} files)\n", "")


def test_edit_delete_and_add_are_each_named_and_exit_1(project: Path) -> None:
    package = project / OUT
    edit(package / "causal_lm.py", '        "gpt2": (GPT2Config, FlaxGPT2LMHeadModel),\n', '        "gpt2": (GPT2Config, FlaxGPT2Model),\n')
    (package / "vision2seq.py").unlink()
    (package / "extra.py").write_text(MARKER + "x = 1\n")
    (package / "sub").mkdir()
    (package / "sub" / "deep.py").write_text(MARKER)

    code, stdout, stderr = run("check", "--root", str(project))

    assert code == 1
    assert f"--- {OUT}/causal_lm.py (committed)\n+++ {OUT}/causal_lm.py (expected)\n" in stdout
    assert '-        "gpt2": (GPT2Config, FlaxGPT2Model),\n+        "gpt2": (GPT2Config, FlaxGPT2LMHeadModel),\n' in stdout
    assert f"missing: {OUT}/vision2seq.py\n" in stdout
    assert f"orphan: {OUT}/extra.py (written by the generator, no longer produced)\n" in stdout
    assert f"orphan: {OUT}/sub/deep.py (written by the generator, no longer produced)\n" in stdout
    assert stdout.count("--- ") == 1, "only the edited file has a diff"
    assert stderr == (
        f"{OUT} is stale (1 changed, 1 missing, 2 orphaned); "
        f"to fix it run: python -m codegen generate --root {project}\n"
    )


@pytest.mark.parametrize(
    "hand_edit",
    [
        pytest.param(lambda p: edit(p / "model.py", "DO NOT EDIT.", "DO NOT EDIT. "), id="whitespace"),
        pytest.param(lambda p: (p / "py.typed").write_text("partial\n"), id="edit py.typed"),
        pytest.param(lambda p: (p / "__init__.py").unlink(), id="delete"),
        pytest.param(lambda p: (p / "old_task.py").write_text(MARKER), id="add an orphan"),
        pytest.param(lambda p: (p / "sub").mkdir() or (p / "sub" / "x.py").write_text(MARKER), id="add an orphan in a subfolder"),
        pytest.param(lambda p: (p / "configs.py").write_bytes((p / "configs.py").read_bytes().replace(b"\n", b"\r\n")), id="crlf"),
        pytest.param(lambda p: _swap_for_link(p / "_auto.py"), id="symlink"),
    ],
)
def test_any_hand_edit_fails_check_and_generate_repairs_it(project: Path, expected: dict[str, str], hand_edit) -> None:
    package = project / OUT
    hand_edit(package)
    stale = compare(expected, package, OUT)
    assert stale and stale.diff

    write_package(expected, package)
    assert not compare(expected, package, OUT)
    assert read_package(package) == read_package(COMMITTED)
    assert not any(path.is_symlink() for path in package.iterdir())


def _swap_for_link(path: Path) -> None:
    """Replace a file by a link to an identical copy: same bytes, but not what generate writes."""
    copy = path.parent.parent / "elsewhere.py"
    copy.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(copy)


def test_check_never_writes(project: Path) -> None:
    package = project / OUT
    edit(package / "configs.py", '"bert": BertConfig', '"bert": None')
    (package / "masked_lm.py").unlink()
    (package / "orphan.py").write_text(MARKER)
    (package / "mine.py").write_text("")
    before = snapshot(project)
    assert run("check", "--root", str(project))[0] == 1
    assert snapshot(project) == before


def test_check_of_a_missing_folder_lists_every_file(tmp_path: Path) -> None:
    code, stdout, stderr = run("check", "--out", str(tmp_path / "nowhere"))
    assert code == 1
    assert stdout.count("missing: ") == PACKAGE_FILES
    assert not (tmp_path / "nowhere").exists()
    assert stderr.endswith(f"to fix it run: python -m codegen generate --out {tmp_path / 'nowhere'}\n")


def test_the_fix_is_make_generate_for_the_checkout() -> None:
    assert fix_command(parser().parse_args(["check"])) == "make generate"


def test_the_fixing_command_is_the_last_line_a_terminal_shows(project: Path) -> None:
    (project / OUT / "extra.py").write_text(MARKER)
    buffered = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "check", "--root", str(project)],
        cwd=ROOT,
        env=buffered,  # as in a pipe or a hook: stdout is block-buffered, stderr is not
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1].endswith(f"to fix it run: python -m codegen generate --root {project}")


def test_pre_commit_hook_runs_the_check_when_an_input_or_the_output_changes() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    (repo,) = config["repos"]
    (hook,) = repo["hooks"]
    assert repo["repo"] == "local"
    assert (hook["entry"], hook["language"], hook["pass_filenames"]) == ("make check", "system", False)
    watched = re.compile(hook["files"])
    for path in ["codegen/tables/x.toml", "templates/task.py.jinja", "codegen/render.py", f"{OUT}/model.py", "constraints.txt", "pyproject.toml"]:
        assert watched.search(path), path
    assert not watched.search("tests/test_check.py")
    result = subprocess.run(hook["entry"].split(), cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert f"{OUT} is up to date ({PACKAGE_FILES} files)" in result.stdout.splitlines()
