"""black's results are remembered by content: fast when nothing changed, exact when anything did."""

from __future__ import annotations

from pathlib import Path

from codegen_support import COMMITTED, copy_project, edit, read_package, run

from codegen.build import FORMAT_CACHE, build, load_tables
from codegen.formatter import cache_key, format_module
from codegen.render import render


def rendered_modules(root: Path) -> dict[str, str]:
    return {name: text for name, text in render(load_tables(root), root / "templates").items() if name.endswith(".py")}


def test_the_cache_holds_blacks_output_for_each_module_and_nothing_else(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    files = build(root)
    entries = {path.name: path.read_text(encoding="utf-8") for path in (root / FORMAT_CACHE).iterdir()}
    rendered = rendered_modules(root)
    assert entries == {cache_key(text): format_module(name, text) for name, text in rendered.items()}
    assert {name: files[name] for name in rendered} == {name: entries[cache_key(text)] for name, text in rendered.items()}


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
    assert len(after) == len(before) == 3 + tasks  # __init__, _auto, configs and one per task
    assert len(before - after) == tasks  # one entry per task module was replaced
    assert files == build(root, cache="off")


def test_cached_and_uncached_builds_agree_with_the_committed_package(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    committed = {name: data.decode("utf-8") for name, data in read_package(COMMITTED).items()}
    assert build(root, cache="off") == committed
    assert build(root, cache="read") == committed and not (root / FORMAT_CACHE).exists()
    assert build(root) == committed  # fills the cache
    assert build(root, cache="read") == committed  # reads it


def test_no_cache_trusts_nothing_but_black(tmp_path: Path) -> None:
    """The cache is a local, untracked speed-up: a corrupted entry shows up as a stale
    package, and `--no-cache` (what the suite's regeneration test uses) ignores it."""
    root = copy_project(tmp_path)
    build(root)
    name, text = "causal_lm.py", rendered_modules(root)["causal_lm.py"]
    (root / FORMAT_CACHE / cache_key(text)).write_text("corrupted = True\n", encoding="utf-8")
    code, stdout, _ = run("check", "--root", str(root))
    assert code == 1 and "+corrupted = True" in stdout
    assert run("check", "--root", str(root), "--no-cache")[0] == 0
    assert build(root, cache="off")[name] == format_module(name, text)
