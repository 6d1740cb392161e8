"""The whole pipeline in memory: load, validate, render, format. Nothing is written here."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from . import lock
from .errors import InputError
from .formatter import cached, format_module, store_cache
from .load import TableFile, parse_tables
from .model import Tables
from .render import plain_text, render
from .reserved import reserved_names
from .selection import model_types, select
from .settings import CHECKOUT, OUTPUT, TABLES, Settings, checkout_settings
from .tablewrite import JOURNAL, killed_write_problem
from .validate import CONFIG_TABLE, validate

ROOT = CHECKOUT
FORMAT_CACHE = Path("build") / "black-cache"
CacheUse = Literal["fill", "read", "off"]
__all__ = ["FORMAT_CACHE", "OUTPUT", "ROOT", "TABLES", "CacheUse", "build", "load_tables", "settings_for"]


def settings_for(where: Settings | Path | None) -> Settings:
    """A run's settings; a folder stands for a checkout of flax-auto there (`--root`), None for this one."""
    if isinstance(where, Settings):
        return where
    return checkout_settings(CHECKOUT if where is None else where)


def load_tables(where: Settings | Path | None = None) -> Tables:
    """The validated tables of one run (InputError listing every problem).

    flax-auto's own tables, cut to the rows `upstream` chooses, and the
    user's tables beside them. A table that does not parse does not hide the
    others' problems: the tables that parsed are validated too, as long as a
    config table is among them (without it every model_type would be
    reported as unknown).
    """
    settings = settings_for(where)
    shipped: list[TableFile] = []
    own: list[TableFile] = []
    problems: list[str] = []
    if settings.upstream is not False:
        shipped, problems = _read_tables(settings.upstream_tables, settings)
    if settings.tables is not None:
        at = settings.tables_where or settings.where or "settings"
        if not settings.tables.is_dir():
            raise InputError([f"{at}: tables is not a folder: {settings.label(settings.tables)}"])
        shown = settings.label(settings.tables)
        try:
            plain_text(shown)
        except ValueError:
            # Every module's header names its tables; a template would refuse it, at the template's line.
            raise InputError(
                [
                    f"{at}: the tables folder {shown!r} is named in every generated module, where only "
                    "letters, digits, spaces and ,.()/:_*- may go; rename it, or keep it inside the project"
                ]
            ) from None
        own, own_problems = _read_tables(settings.tables, settings)
        problems += own_problems
    reserved = reserved_names(settings)

    def run_validation() -> Tables:
        chosen = select(shipped, settings.upstream, settings.upstream_where)
        return validate(
            chosen,
            reserved,
            own=own,
            package=settings.package,
            source_paths=settings.source_paths,
            label=settings.label,
            unchosen=model_types(shipped) - model_types(chosen),
        )

    if not problems:
        return run_validation()
    names = {file.path.rsplit("/", 1)[-1] for file in [*shipped, *own]}
    if CONFIG_TABLE in names and len(names) > 1:
        try:
            run_validation()
        except InputError as error:
            problems += error.problems
    raise InputError(sorted(problems, key=_file_and_line))


def _read_tables(tables_dir: Path, settings: Settings) -> tuple[list[TableFile], list[str]]:
    """parse_tables under the tables folder's shared lock, so a running sync's write is never read half done."""
    with lock.reading(tables_dir):
        if (tables_dir / JOURNAL).exists():
            raise InputError([killed_write_problem(settings.label(tables_dir))])
        return parse_tables(tables_dir, settings.label)


def _file_and_line(problem: str) -> tuple[str, int]:
    """The sort key of a `path:line: message` problem line."""
    path, _, rest = problem.partition(":")
    line = rest.split(":", 1)[0]
    return path, int(line) if line.isdigit() else 0


def build(
    where: Settings | Path | None = None,
    cache: CacheUse = "fill",
    label: str | None = None,
    notify: lock.Notify = lock.to_stderr,
) -> dict[str, str]:
    """Every file of the package (path inside it -> text), ready to write or compare.

    black's results are looked up in build/black-cache beside the settings
    (see codegen.formatter) unless `cache` is "off"; an entry is verified
    first and a bad one is a miss. "fill" also stores new results there
    (replacing bad entries) and drops the old ones once the whole run
    succeeded; "read" (what `check` uses) writes nothing. Messages name the
    package folder `label` (default: the settings' out), as generate and check
    do; `notify` hears that the cache's lock is waited for.
    """
    settings = settings_for(where)
    label = label or settings.out_label
    cache_dir = settings.root / FORMAT_CACHE
    if cache != "off":
        _refuse_overlap(settings, cache_dir)
    tables = load_tables(settings)
    rendered = render(tables, settings)
    modules = {name: text for name, text in rendered.items() if name.endswith(".py")}
    misses: set[str] = set()
    for name, text in modules.items():
        hit = None if cache == "off" else cached(cache_dir, text)
        if hit is None:
            misses.add(text)
        rendered[name] = format_module(f"{label}/{name}", text) if hit is None else hit
    if cache == "fill":
        store_cache(cache_dir, {text: rendered[name] for name, text in modules.items()}, misses, notify)
    return rendered


def _refuse_overlap(settings: Settings, cache_dir: Path) -> None:
    """InputError when the package and black's cache are one folder or one holds the other.

    Each would fill the other with files it does not own: the cache's entries
    would be foreign files in the package (so generate refuses it, every time),
    or the package's modules would sit among the cache's entries.
    """
    out, cache = Path(os.path.realpath(settings.out)), Path(os.path.realpath(cache_dir))
    if out.is_relative_to(cache) or cache.is_relative_to(out):
        raise InputError(
            [
                f"{settings.where or settings.out_label}: out ({settings.out_label}) and black's cache "
                f"({settings.label(cache_dir)}) would share a folder; generate the package elsewhere "
                "(or run with --no-cache)"
            ]
        )
