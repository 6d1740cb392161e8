"""What a run killed outright leaves behind is taken away by the next one, and nothing that only looks like it.

A `generate` killed (SIGKILL) while storing black's cache leaves the
temporary file of the entry it was writing: `.KEY.XXXXXXXX.tmp`, a name only
codegen.write.write_atomic gives, for a name only the cache gives. Entries are
stored under the cache folder's lock, so the next run that holds the lock knows
no run is writing it; a link, a folder or another name is never removed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from codegen_support import PACKAGE_FILES, copy_project, rendered_modules, run, snapshot

from codegen import lock
from codegen.build import FORMAT_CACHE, OUTPUT, ROOT, build
from codegen.formatter import cache_key, cached

OUT = OUTPUT.as_posix()

# `python -m codegen ARGV`, killed by SIGKILL as soon as the cache's first temporary file is
# written whole, before its rename: the moment a kill leaves it behind.
KILLED_MID_STORE = """
import os, runpy, signal, sys

chmod = os.chmod


def chmod_then_die(path, mode, *args, **kwargs):
    chmod(path, mode, *args, **kwargs)
    name, folder = os.path.basename(path), os.path.basename(os.path.dirname(path))
    if folder == "black-cache" and name.startswith(".") and name.endswith(".tmp"):
        os.kill(os.getpid(), signal.SIGKILL)


os.chmod = chmod_then_die
sys.argv = ["codegen", *sys.argv[1:]]
runpy.run_module("codegen", run_name="__main__", alter_sys=True)
"""


def _temp_files(cache: Path) -> list[Path]:
    return sorted(path for path in cache.iterdir() if path.name.endswith(".tmp"))


def _look_alikes(cache: Path, key: str, elsewhere: Path) -> dict[str, object]:
    """What a user may keep there that is named almost, or exactly, like a leftover but is no file of ours."""
    (elsewhere / "mine.txt").write_text("mine\n")
    (cache / f".{key}.linkabcd.tmp").symlink_to(elsewhere / "mine.txt")  # a link: not what mkstemp makes
    (cache / f".{key}.folder12.tmp").mkdir()  # a folder
    (cache / f".{key}.folder12.tmp" / "inside.txt").write_text("mine\n")
    (cache / f".{key}.short.tmp").write_text("mine\n")  # tempfile adds 8 letters, not 5
    (cache / f".{key.upper()}.abcdefgh.tmp").write_text("mine\n")  # no key of ours
    (cache / f"{key}.abcdefgh.tmp").write_text("mine\n")  # no leading dot
    (cache / ".notes.abcdefgh.tmp").write_text("mine\n")  # a name that is no key
    return snapshot(cache)


def test_the_temporary_file_of_a_generate_killed_mid_store_goes_with_the_next_generate(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    cache = root / FORMAT_CACHE
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_MID_STORE, "generate", "--root", str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    [leftover] = _temp_files(cache)
    keys = {cache_key(text) for text in rendered_modules(root).values()}
    assert any(leftover.name.startswith(f".{key}.") for key in keys), leftover.name
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    kept = _look_alikes(cache, next(iter(keys)), outside)
    kept_outside = snapshot(outside)

    assert run("generate", "--root", str(root)) == (0, f"{OUT}: 0 written, {PACKAGE_FILES} unchanged, 0 removed\n", "")

    after = snapshot(cache)
    assert leftover.name not in after, "the killed run's temporary file is gone"
    assert {name: after.get(name) for name in kept if name != leftover.name} == {
        name: state for name, state in kept.items() if name != leftover.name
    }, "every look-alike is kept as it was"
    assert set(after) - set(kept) == keys - set(kept), "the cache holds its entries and the look-alikes"
    assert snapshot(outside) == kept_outside


def test_a_temporary_file_is_kept_while_another_run_holds_the_caches_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run storing the cache holds its lock while its temporary file exists: that file is in use, not left over.

    A generate that cannot take the lock in time stores nothing and still writes the package (the cache only saves time).
    """
    root = copy_project(tmp_path / "project")
    cache = root / FORMAT_CACHE
    build(root)
    key = cache_key(rendered_modules(root)["causal_lm.py"])
    being_written = cache / f".{key}.abcd1234.tmp"
    monkeypatch.setenv(lock.TIMEOUT_VARIABLE, "0.3")
    with lock.writing(cache):
        being_written.write_text("half an entry")
        code, stdout, stderr = run("generate", "--root", str(root))
        assert being_written.read_text() == "half an entry"
    assert (code, stdout) == (0, f"{OUT}: 0 written, {PACKAGE_FILES} unchanged, 0 removed\n")
    assert f"{cache}: waiting for " in stderr

    assert run("generate", "--root", str(root))[0] == 0
    assert not os.path.lexists(being_written), "once no run holds the lock, it is a leftover"


def test_a_leftover_that_cannot_be_removed_does_not_stop_the_cache_from_storing(tmp_path: Path) -> None:
    """An immutable leftover (chattr +i) stays; the entries are stored all the same."""
    root = copy_project(tmp_path / "project")
    cache = root / FORMAT_CACHE
    build(root)
    text = rendered_modules(root)["causal_lm.py"]
    (cache / cache_key(text)).unlink()
    stuck = cache / f".{cache_key(text)}.stuck123.tmp"
    stuck.write_text("half an entry")
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(stuck)], capture_output=True).returncode:
        pytest.skip("chattr +i is not available here")
    try:
        assert run("generate", "--root", str(root))[0] == 0
        assert stuck.read_text() == "half an entry"
        assert cached(cache, text) is not None, "the missing entry was stored"
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=True)
