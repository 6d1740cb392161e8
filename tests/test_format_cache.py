"""black's results are remembered by content: fast when nothing changed, exact when anything did."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from codegen_support import (
    COMMITTED,
    PACKAGE_FILES,
    copy_project,
    edit,
    read_package,
    rendered_modules,
    run,
    snapshot,
)

from codegen.build import FORMAT_CACHE, OUTPUT, build, load_tables
from codegen.formatter import (
    COMPILER,
    MODE_REPR,
    black_mode,
    cache_key,
    cached,
    format_module,
)
from codegen.settings import RUNTIME

OUT = OUTPUT.as_posix()



def test_the_key_holds_the_mode_black_formats_with() -> None:
    """The key names black's mode without importing black: the words must be black's own."""
    assert repr(black_mode()) == MODE_REPR


def test_a_check_whose_modules_are_all_cached_never_imports_black(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    build(root)
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['codegen', 'check', '--root', {str(root)!r}]\n"
        "try:\n    runpy.run_module('codegen', run_name='__main__')\n"
        "except SystemExit as end:\n    print(end.code, 'black' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=RUNTIME.parent.parent)
    assert result.stdout.splitlines()[-1] == "0 False"


def test_the_cache_holds_blacks_output_for_each_module_and_nothing_else(tmp_path: Path) -> None:
    """Each entry is `checksum\noutput`, named by the key of the rendered source."""
    root = copy_project(tmp_path)
    files = build(root)
    entries = {path.name: path.read_text(encoding="utf-8").partition("\n") for path in (root / FORMAT_CACHE).iterdir()}
    rendered = rendered_modules(root)
    assert {key: output for key, (_, _, output) in entries.items()} == {
        cache_key(text): format_module(name, text) for name, text in rendered.items()
    }
    assert all(len(checksum) == 64 and newline for checksum, newline, _ in entries.values())
    assert {name: files[name] for name in rendered} == {name: entries[cache_key(text)][2] for name, text in rendered.items()}


def test_a_template_change_is_formatted_for_real_and_old_entries_go(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    build(root)
    before = {path.name for path in (root / FORMAT_CACHE).iterdir()}
    edit(root / "templates" / "task.py.jinja", "Importing this module imports", "Importing this module   imports")
    files = build(root)
    after = {path.name for path in (root / FORMAT_CACHE).iterdir()}
    assert "Importing this module imports" not in files["causal_lm.py"]
    assert "Importing this module   imports" in files["causal_lm.py"]  # black leaves docstring text alone
    tasks = len(load_tables(root).tasks)
    modules = len([name for name in files if name.endswith(".py")])
    assert modules == 2 + tasks + len(list(RUNTIME.glob("*.py")))  # __init__, configs, tasks, the runtime modules
    assert len(after) == len(before) == modules
    assert len(before - after) == tasks  # one entry per task module was replaced
    assert files == build(root, cache="off")


def test_cached_and_uncached_builds_agree_with_the_committed_package(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    committed = {name: data.decode("utf-8") for name, data in read_package(COMMITTED).items()}
    assert build(root, cache="off") == committed
    assert build(root, cache="read") == committed and not (root / FORMAT_CACHE).exists()
    assert build(root) == committed  # fills the cache
    assert build(root, cache="read") == committed  # reads it


def test_no_cache_runs_black_on_everything(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    build(root)
    name, text = "causal_lm.py", rendered_modules(root)["causal_lm.py"]
    (root / FORMAT_CACHE / cache_key(text)).write_text("anything", encoding="utf-8")
    assert run("check", "--root", str(root), "--no-cache")[0] == 0
    assert build(root, cache="off")[name] == format_module(name, text)


def _edit_keeping_the_checksum(entry: Path) -> None:
    checksum, _, output = entry.read_text(encoding="utf-8").partition("\n")
    entry.write_text(f"{checksum}\n{output.replace('FlaxGPT2LMHeadModel', 'FlaxGPT2Model')}", encoding="utf-8")


def _written_under_another_python(entry: Path) -> None:
    """An entry that compiled under another interpreter proves nothing here: its checksum differs."""
    checksum, _, output = entry.read_text(encoding="utf-8").partition("\n")
    other = hashlib.sha256(f"{entry.name}\ncpython-39 3.9.0\n{output}".encode()).hexdigest()
    entry.write_text(f"{other}\n{output}", encoding="utf-8")


def _another_modules_entry(entry: Path) -> None:
    """A whole, valid entry, but another key's: the checksum covers the key too."""
    other = next(path for path in entry.parent.iterdir() if path != entry)
    entry.write_bytes(other.read_bytes())


def _dangling_link(entry: Path) -> None:
    entry.unlink()
    entry.symlink_to("nowhere")


DAMAGE = {
    "empty": lambda entry: entry.write_bytes(b""),
    "truncated": lambda entry: entry.write_bytes(entry.read_bytes()[: len(entry.read_bytes()) // 2]),
    "old format, no checksum": lambda entry: entry.write_text("corrupted = True\n", encoding="utf-8"),
    "edited, checksum kept": _edit_keeping_the_checksum,
    "written under another Python": _written_under_another_python,
    "another module's entry": _another_modules_entry,
    "not UTF-8": lambda entry: entry.write_bytes(b"\xff\xfe" + entry.read_bytes()),
    "a dangling link": _dangling_link,
}


@pytest.fixture(scope="module")
def filled_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache filled once for the module (black is the slow part)."""
    root = copy_project(tmp_path_factory.mktemp("filled"))
    build(root)
    return root / FORMAT_CACHE


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_bad_entry_is_a_miss_that_generate_replaces(tmp_path: Path, filled_cache: Path, damage: str) -> None:
    """check's verdict and generate's output never depend on what an entry holds."""
    root = copy_project(tmp_path)
    shutil.copytree(filled_cache, root / FORMAT_CACHE)
    name, text = "causal_lm.py", rendered_modules(root)["causal_lm.py"]
    entry = root / FORMAT_CACHE / cache_key(text)
    DAMAGE[damage](entry)

    assert run("check", "--root", str(root)) == (0, f"{OUT} is up to date ({PACKAGE_FILES} files)\n", "")
    edit(root / OUT / name, "# To change it,", "# To change it (edited),")
    code, stdout, _ = run("check", "--root", str(root))
    assert code == 1 and stdout.startswith(f"--- {OUT}/{name} (committed)")

    assert run("generate", "--root", str(root))[0] == 0
    assert read_package(root / OUT) == read_package(COMMITTED)
    assert cached(root / FORMAT_CACHE, text) == format_module(name, text), "the entry was replaced"


def test_a_build_folder_that_is_a_file_only_costs_time(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    (root / "build").write_text("not a folder\n")
    assert run("check", "--root", str(root)) == (0, f"{OUT} is up to date ({PACKAGE_FILES} files)\n", "")
    assert run("generate", "--root", str(root)) == (0, f"{OUT}: 0 written, {PACKAGE_FILES} unchanged, 0 removed\n", "")
    assert (root / "build").read_text() == "not a folder\n"


def _folder(entry: Path) -> None:
    (entry / "inside").mkdir(parents=True)
    (entry / "inside" / "notes.txt").write_text("mine\n")


IN_THE_WAY = {"a folder": _folder, "a named pipe": os.mkfifo}


@pytest.mark.parametrize("put", IN_THE_WAY)
def test_what_is_not_a_file_at_an_entrys_name_is_a_miss_and_kept(tmp_path: Path, filled_cache: Path, put: str) -> None:
    """Reading a pipe would wait forever, replacing a folder would delete what it holds."""
    root = copy_project(tmp_path)
    shutil.copytree(filled_cache, root / FORMAT_CACHE)
    text = rendered_modules(root)["causal_lm.py"]
    entry = root / FORMAT_CACHE / cache_key(text)
    entry.unlink()
    IN_THE_WAY[put](entry)
    before = snapshot(entry) if entry.is_dir() else entry.stat().st_mode

    assert run("check", "--root", str(root)) == (0, f"{OUT} is up to date ({PACKAGE_FILES} files)\n", "")
    assert run("generate", "--root", str(root))[0] == 0
    assert (snapshot(entry) if entry.is_dir() else entry.stat().st_mode) == before
    assert cached(root / FORMAT_CACHE, text) is None


def _victim(folder: Path) -> dict[str, object]:
    """Someone's folder: notes, a subfolder, a file named like an entry, a copy of an entry."""
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("mine\n")
    (folder / "sub" / "data.bin").write_bytes(b"\x00\x01")
    (folder / ("a" * 64)).write_text("not a cache entry\n")  # e.g. a blob store names files by sha256
    return snapshot(folder)


def test_a_linked_cache_is_followed_and_only_its_own_entries_are_deleted(tmp_path: Path) -> None:
    """The link's target holds what the user keeps there: it survives, stale entries of ours go."""
    root = copy_project(tmp_path / "project")
    target = tmp_path / "elsewhere"
    kept = _victim(target)
    stale = target / ("b" * 64)  # an entry of an older tree: its checksum proves it the cache's
    output = "x = 1\n"
    checksum = hashlib.sha256(f"{stale.name}\n{COMPILER}\n{output}".encode()).hexdigest()
    stale.write_text(f"{checksum}\n{output}")
    (root / "build").mkdir()
    (root / FORMAT_CACHE).symlink_to(target)

    assert run("generate", "--root", str(root))[0] == 0

    assert (root / FORMAT_CACHE).is_symlink(), "the link stays a link"
    entries = {cache_key(text) for text in rendered_modules(root).values()}
    after = snapshot(target)
    assert {name: after[name] for name in kept} == kept, "nothing of the user's was touched"
    assert set(after) - set(kept) == entries, "the stale entry went, the new ones are in the link's target"
    name, text = "causal_lm.py", rendered_modules(root)["causal_lm.py"]
    assert cached(root / FORMAT_CACHE, text) == format_module(name, text)


def test_a_cache_link_that_leads_nowhere_is_refused(tmp_path: Path) -> None:
    """Following it would create a folder where the link points, which nobody asked for."""
    root = copy_project(tmp_path / "project")
    (root / "build").mkdir()
    (root / FORMAT_CACHE).symlink_to(tmp_path / "missing" / "cache")
    before = snapshot(tmp_path)

    code, stdout, stderr = run("generate", "--root", str(root))

    assert (code, stdout) == (2, "")
    assert stderr == (
        f"{root / FORMAT_CACHE}: {root / FORMAT_CACHE} is a link to {tmp_path / 'missing' / 'cache'}, "
        "which does not exist; nothing was written\n1 error(s); nothing was written\n"
    )
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["out is build/", "the cache links into the package"])
def test_a_package_and_a_cache_that_would_share_a_folder_are_refused_up_front(tmp_path: Path, where: str) -> None:
    """Otherwise the cache's entries land in the package as foreign files, and every generate is refused
    with "not a generated package", a folder the user gave new and the generator itself filled."""
    root = copy_project(tmp_path / "project")
    out = ["--out", "build"] if where == "out is build/" else []
    if not out:
        (root / "build").mkdir()
        (root / FORMAT_CACHE).symlink_to(root / OUT / "cache")
    before = snapshot(root)

    for command in ("generate", "check"):
        code, stdout, stderr = run(command, "--root", str(root), *out)
        shown = "build" if out else OUT
        assert (code, stdout) == (2, "")
        assert stderr.splitlines()[0] == (
            f"{shown}: out ({shown}) and black's cache (build/black-cache) would share a folder; "
            "generate the package elsewhere (or run with --no-cache)"
        )
        assert snapshot(root) == before
    assert run("generate", "--root", str(root), *out, "--no-cache")[0] == 0
