"""The committed package is exactly what the generator writes, and check says so."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from codegen.build import OUTPUT, ROOT
from codegen.cli import main
from codegen.write import owned_files

COMMITTED = ROOT / OUTPUT


def read_package(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in owned_files(folder)}


def test_generate_into_empty_folder_reproduces_the_committed_package(tmp_path: Path) -> None:
    out = tmp_path / "flax_auto"
    assert main(["generate", "--no-cache", "--out", str(out)], stdout=io.StringIO()) == 0
    fresh, committed = read_package(out), read_package(COMMITTED)
    assert sorted(fresh) == sorted(committed)
    for name in committed:
        assert fresh[name] == committed[name], f"{name} differs from a fresh generate"


def test_check_is_quiet_and_exits_0_on_the_committed_tree() -> None:
    stdout = io.StringIO()
    assert main(["check"], stdout=stdout, stderr=io.StringIO()) == 0
    assert stdout.getvalue().strip().endswith("is up to date (18 files)")


def test_check_shows_a_diff_and_exits_1_after_a_hand_edit(tmp_path: Path) -> None:
    out = tmp_path / "flax_auto"
    shutil.copytree(COMMITTED, out)
    target = out / "causal_lm.py"
    target.write_text(target.read_text().replace('"gpt2": (', '"gpt-2": ('))
    stdout, stderr = io.StringIO(), io.StringIO()
    assert main(["check", "--out", str(out)], stdout=stdout, stderr=stderr) == 1
    diff = stdout.getvalue()
    assert f"--- {out}/causal_lm.py (committed)" in diff
    assert '-        "gpt-2": (GPT2Config, FlaxGPT2LMHeadModel),' in diff
    assert '+        "gpt2": (GPT2Config, FlaxGPT2LMHeadModel),' in diff
    assert stderr.getvalue().endswith(f"to fix it run: python -m codegen generate --out {out}\n")


def test_generate_leaves_unchanged_files_alone(tmp_path: Path) -> None:
    out = tmp_path / "flax_auto"
    main(["generate", "--out", str(out)], stdout=io.StringIO())
    before = {name: (out / name).stat().st_mtime_ns for name in owned_files(out)}
    stdout = io.StringIO()
    assert main(["generate", "--out", str(out)], stdout=stdout) == 0
    assert "0 written, 18 unchanged, 0 removed" in stdout.getvalue()
    assert {name: (out / name).stat().st_mtime_ns for name in owned_files(out)} == before
