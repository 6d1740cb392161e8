"""What the generator tests share: a throw-away copy of the project, snapshots, the CLI."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from bench.synthetic import own_rows, scale_tables
from codegen.build import OUTPUT, ROOT, TABLES, load_tables, settings_for
from codegen.cli import main
from codegen.ownership import MARKER
from codegen.render import render

COMMITTED = ROOT / OUTPUT
INPUTS = ("codegen/tables", "codegen/runtime", "templates")


def copy_project(root: Path, parts: tuple[str, ...] = (*INPUTS, OUTPUT.as_posix())) -> Path:
    """Copy the generator's inputs and the committed package under root (mtimes kept)."""
    for part in parts:
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def snapshot(folder: Path) -> dict[str, object]:
    """Everything under folder: each file's bytes, mode and mtime, each folder, each link."""
    state: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            state[name] = ("link", str(path.readlink()))
        elif path.is_dir():
            state[name] = "folder"
        elif not path.is_file():  # a named pipe, a socket: reading it could wait forever
            state[name] = ("special", path.stat().st_mode)
        else:
            stat = path.stat()
            state[name] = (path.read_bytes(), stat.st_mode, stat.st_mtime_ns)
    return state


def read_package(folder: Path) -> dict[str, bytes]:
    """The files of a package folder by name, caches left out."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def run(*argv: str) -> tuple[int, str, str]:
    """`python -m codegen ARGV` in this process: exit code, stdout, stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of a text file; the piece must be there."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, start: str) -> int:
    """The 1-based number of the only line of path that starts with `start`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    numbers = [number for number, line in enumerate(lines, 1) if line.startswith(start)]
    assert len(numbers) == 1, f"{start!r} starts lines {numbers} of {path}"
    return numbers[0]


def make_stale(package: Path) -> None:
    """Edit several files (some sorted before the others), delete one, add an orphan.

    The orphan is what a table that was since deleted left: a module with the
    generator's header.
    """
    for name in ["__init__.py", "causal_lm.py", "masked_lm.py"]:
        edit(package / name, "# To change it,", "# To change it (edited),")
    (package / "model.py").unlink()
    (package / "orphan.py").write_text(MARKER + "stale = True\n")


# How many files the generator produces: one module per task table, and the shared ones.
PACKAGE_FILES = len(read_package(COMMITTED))


def rendered_modules(root: Path) -> dict[str, str]:
    """The modules a project renders, before black."""
    return {name: text for name, text in render(load_tables(root), settings_for(root)).items() if name.endswith(".py")}


def synthetic_modules(root: Path) -> dict[str, str]:
    """Tables 3x the real ones plus 300 rows of your own in one table: large classes, long imports and overloads."""
    shutil.copytree(ROOT / "templates", root / "templates")
    scale_tables(ROOT / TABLES, root / "scaled", 3)
    own_rows(root / "scaled", root / TABLES, 300)
    return rendered_modules(root)
