"""The whole pipeline in memory: load, validate, render, format. Nothing is written here."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from .errors import InputError
from .formatter import cached, format_module, store_cache
from .load import parse_tables
from .model import Tables
from .render import render
from .reserved import reserved_names
from .validate import CONFIG_TABLE, PACKAGE, validate

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = Path("generated") / PACKAGE
TABLES = Path("codegen") / "tables"
TEMPLATES = Path("templates")
FORMAT_CACHE = Path("build") / "black-cache"
CacheUse = Literal["fill", "read", "off"]


def load_tables(root: Path = ROOT) -> Tables:
    """The validated tables of the project at root (InputError listing every problem).

    A table that does not parse does not hide the others' problems: the tables
    that parsed are validated too, as long as the config table is among them
    (without it every model_type would be reported as unknown).
    """
    files, problems = parse_tables(root / TABLES, root)
    reserved = reserved_names(root / TEMPLATES)
    if not problems:
        return validate(files, reserved)
    names = {file.path.rsplit("/", 1)[-1] for file in files}
    if CONFIG_TABLE in names and len(names) > 1:
        try:
            validate(files, reserved)
        except InputError as error:
            problems += error.problems
    raise InputError(sorted(problems, key=_file_and_line))


def _file_and_line(problem: str) -> tuple[str, int]:
    """The sort key of a `path:line: message` problem line."""
    path, _, rest = problem.partition(":")
    line = rest.split(":", 1)[0]
    return path, int(line) if line.isdigit() else 0


def build(root: Path = ROOT, cache: CacheUse = "fill") -> dict[str, str]:
    """Every file of flax_auto (path inside the package -> text), ready to write or compare.

    black's results are looked up in root/build/black-cache (see
    codegen.formatter) unless `cache` is "off"; an entry is verified first and a
    bad one is a miss. "fill" also stores new results there (replacing bad
    entries) and drops the old ones once the whole run succeeded; "read" (what
    `check` uses) writes nothing.
    """
    tables = load_tables(root)
    rendered = render(tables, root / TEMPLATES)
    modules = {name: text for name, text in rendered.items() if name.endswith(".py")}
    cache_dir = root / FORMAT_CACHE
    misses: set[str] = set()
    for name, text in modules.items():
        hit = None if cache == "off" else cached(cache_dir, name, text)
        if hit is None:
            misses.add(text)
        rendered[name] = format_module(name, text) if hit is None else hit
    if cache == "fill":
        store_cache(cache_dir, {text: rendered[name] for name, text in modules.items()}, misses)
    return rendered
