"""What one run generates, and from what: `[tool.flax-auto]` in the nearest pyproject.toml.

As ruff and black find their `[tool.NAME]`, the settings come from the first
pyproject.toml with a `[tool.flax-auto]` table, from the current directory
upwards; every path in it is relative to that file. A run takes one frozen
Settings and passes it down: nothing below the command line reads a
module-level path.

The tool's own inputs (templates, runtime modules, and flax-auto's tables of
upstream's rows) come with the tool: package data when installed, the
checkout's folders when run from a clone.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from .errors import InputError, Location
from .load import TABLE_LIMIT, parse_table, toml_text
from .regular import read_regular
from .validate import is_module_path

SECTION = "tool.flax-auto"
KEYS = ("package", "out", "tables", "source-paths", "upstream", "generate-command")
TOOL = Path(__file__).resolve().parent
# Installed, the templates are package data beside the code; in a checkout they are a top-level folder.
TEMPLATES = TOOL / "templates" if (TOOL / "templates").is_dir() else TOOL.parent / "templates"
UPSTREAM_TABLES = TOOL / "tables"
RUNTIME = TOOL / "runtime"
DEFAULT_COMMAND = "flax-auto generate"
# How a checkout of flax-auto lays itself out (`--root`): this repository's own layout.
CHECKOUT = TOOL.parent
OUTPUT = Path("generated") / "flax_auto"
TABLES = Path("codegen") / "tables"
EXAMPLE = """[tool.flax-auto]
package = "acme.auto"          # the dotted name of the package to generate
out = "src/acme/auto"          # its folder
tables = "tables"              # your tables: configs.toml and one TOML file per task
source-paths = ["src"]         # where the modules your rows name are read (never imported)
upstream = ["causal_lm:gpt2"]  # flax-auto's rows to include: true, false, or "task" / "task:model_type\""""


@dataclass(frozen=True)
class Settings:
    """One run's inputs and output. Paths are absolute; labels are shown relative to `root`."""

    root: Path  # the folder of the pyproject.toml that set these (or --root)
    package: str  # dotted name of the generated package
    out: Path  # the package's folder
    tables: Path | None  # the user's own tables, if any
    source_paths: tuple[Path, ...]  # where the modules named by rows are looked up
    upstream: bool | tuple[str, ...]  # flax-auto's rows: all, none, or "task" / "task:model_type"
    generate_command: str = DEFAULT_COMMAND  # what headers and `check` tell you to run
    upstream_tables: Path = UPSTREAM_TABLES
    templates: Path = TEMPLATES
    runtime: Path = RUNTIME
    where: Location | None = None  # the `[tool.flax-auto]` line, for errors about the settings
    upstream_where: Location | None = None  # the `upstream =` line
    tables_where: Location | None = None  # the `tables =` line

    def label(self, path: Path) -> str:
        """A path as messages and headers show it: relative to root, else as one of flax-auto's own files.

        flax-auto's files are named alike however it is installed (`flax-auto:templates/...`),
        so a package generated in another repository has the same headers everywhere.
        """
        path = path.absolute()  # not resolved: a linked table is named by its link
        bases = [(self.root, ""), (self.templates, "flax-auto:templates/")]
        bases += [(self.upstream_tables, "flax-auto:tables/"), (self.runtime, "flax-auto:runtime/")]
        for base, prefix in bases:
            for folder in (base.absolute(), base.resolve()):
                if path.is_relative_to(folder):
                    return prefix + path.relative_to(folder).as_posix()
        return path.as_posix()

    @property
    def out_label(self) -> str:
        return self.label(self.out)


def checkout_settings(root: Path) -> Settings:
    """A flax-auto checkout at root, as this repository lays itself out: `--root`.

    Its own codegen/tables and templates are the inputs, all of their rows are
    generated into root/generated/flax_auto, and its pyproject.toml's
    `generate-command` (if any) is what the headers say.
    """
    root = root.resolve()
    runtime = root / "codegen" / "runtime"
    return Settings(
        root=root,
        package="flax_auto",
        out=root / OUTPUT,
        tables=None,
        source_paths=(root,),  # a module a row names may live in the checkout itself
        upstream=True,
        generate_command="make generate",
        upstream_tables=root / TABLES,
        templates=root / "templates",
        runtime=runtime if runtime.is_dir() else RUNTIME,
    )


def _strings(value: object) -> list[str] | None:
    """A TOML array of strings as a list, or None for anything else."""
    if not isinstance(value, list):
        return None
    items = cast("list[object]", value)
    return [item for item in items if isinstance(item, str)] if all(isinstance(item, str) for item in items) else None


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml from start upwards that has a `[tool.flax-auto]` table."""
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / "pyproject.toml"
        # One that is there but cannot be read (a folder, a pipe, a dangling link) is this
        # project's, and is reported: passing over it would run another project's settings.
        if os.path.lexists(candidate) and _has_section(candidate):
            return candidate
    return None


def _has_section(path: Path) -> bool:
    try:
        data = tomllib.loads(read_regular(path, TABLE_LIMIT).decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True  # read_settings reports it, at its line
    tool: object = data.get("tool")
    return isinstance(tool, dict) and "flax-auto" in tool


def discover(start: Path) -> Settings:
    """The settings in effect in folder `start`, or InputError saying what to add where."""
    pyproject = find_pyproject(start)
    if pyproject is None:
        raise InputError(
            [
                f"no pyproject.toml with a [tool.flax-auto] table in {start.resolve()} or above it; "
                f"add one to your project's pyproject.toml, for example:\n{EXAMPLE}"
            ]
        )
    return read_settings(pyproject)


def read_settings(pyproject: Path) -> Settings:
    """`[tool.flax-auto]` of one pyproject.toml; every problem reported at its `pyproject.toml:LINE`."""
    # The folder the file is found in, a link not followed: setuptools, run there, reads the paths so too.
    root = pyproject.absolute().parent.resolve()
    label = pyproject.name
    try:
        data = read_regular(pyproject, TABLE_LIMIT)
    except OSError as error:
        raise InputError([f"{pyproject}: cannot read the settings: {error}"]) from None
    table = parse_table(toml_text(data, label), label, table_format=False)
    tool: object = table.data.get("tool", {})
    found: object = cast("dict[str, object]", tool).get("flax-auto") if isinstance(tool, dict) else None
    where = table.where(SECTION)
    if not isinstance(found, dict):
        raise InputError([f"{where}: [tool.flax-auto] must be a table"])
    section = cast("dict[str, object]", found)

    problems: list[str] = []

    def at(key: str) -> Location:
        return table.where(SECTION, key)

    for key in section:
        if key not in KEYS:
            problems.append(f"{at(key)}: unknown key in [tool.flax-auto] (expected {', '.join(KEYS)}): {key!r}")
    for key in ("package", "out"):
        if key not in section:
            problems.append(f"{where}: missing key in [tool.flax-auto]: {key!r}")
    package = section.get("package", "")
    if not is_module_path(package) or not package:
        package = ""
    if "package" in section and not package:
        problems.append(f"{at('package')}: package must be a dotted name of Python identifiers: {section['package']!r}")

    def folder(key: str) -> Path | None:
        value = section.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            problems.append(f"{at(key)}: {key} must be a folder, as a path relative to {label}: {value!r}")
            return None
        return root / value

    out, tables = folder("out"), folder("tables")
    if package and out is not None and out.name != package.rpartition(".")[2]:
        # The package imports itself by this name (`from acme.auto._auto import ...`), and
        # Python names a package by its folder: a folder named otherwise fails at import.
        problems.append(
            f"{at('package')}: package {package!r} must be generated into a folder named "
            f"{package.rpartition('.')[2]!r}, but out is {section['out']!r} ({at('out')})"
        )
    if tables is not None and not tables.is_dir():
        problems.append(f"{at('tables')}: tables is not a folder: {section['tables']!r}")
    paths = _strings(section.get("source-paths", []))
    if paths is None or not all(paths):
        problems.append(f"{at('source-paths')}: source-paths must be a list of folders: {section['source-paths']!r}")
        paths = []
    for path in paths:
        # A module a row names would be looked for on sys.path alone, maybe in an older installed copy.
        if not (root / path).is_dir():
            problems.append(f"{at('source-paths')}: source-paths names a folder that does not exist: {path!r}")
    chosen = section.get("upstream", False)
    upstream = chosen if isinstance(chosen, bool) else _strings(chosen)
    if upstream is None:
        problems.append(
            f"{at('upstream')}: upstream must be true, false or a list of \"task\" / \"task:model_type\": {chosen!r}"
        )
        upstream = False
    command = section.get("generate-command", DEFAULT_COMMAND)
    # It is written into a comment of every module: a CR, U+2028 or any other break or control
    # character would end the comment there, and Python would run the rest as code.
    if not (isinstance(command, str) and command.strip() and command.isprintable()):
        problems.append(f"{at('generate-command')}: generate-command must be a one-line command: {command!r}")
        command = DEFAULT_COMMAND
    if upstream is False and tables is None and not problems:
        problems.append(f"{where}: nothing to generate: set `tables`, or `upstream` to true or a list")
    if problems:
        raise InputError(problems)
    assert out is not None
    return Settings(
        root=root,
        package=package,
        out=out,
        tables=tables,
        source_paths=tuple(root / path for path in paths),
        upstream=upstream if isinstance(upstream, bool) else tuple(upstream),
        generate_command=command,
        where=where,
        upstream_where=at("upstream"),
        tables_where=at("tables"),
    )
