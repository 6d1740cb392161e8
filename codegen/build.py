"""The whole pipeline in memory: load, validate, render, format. Nothing is written here."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from codegen.formatter import cached, format_module, store_cache
from codegen.load import read_tables
from codegen.model import Tables
from codegen.render import render
from codegen.reserved import reserved_names
from codegen.validate import validate

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = Path("generated") / "flax_auto"
TABLES = Path("codegen") / "tables"
TEMPLATES = Path("templates")
FORMAT_CACHE = Path("build") / "black-cache"
CacheUse = Literal["fill", "read", "off"]


def load_tables(root: Path = ROOT) -> Tables:
    """The validated tables of the project at root (InputError listing every problem)."""
    return validate(read_tables(root / TABLES, root), reserved_names(root / TEMPLATES))


def build(root: Path = ROOT, cache: CacheUse = "fill") -> dict[str, str]:
    """Every file of flax_auto (path inside the package -> text), ready to write or compare.

    black's results are looked up in root/build/black-cache (see
    codegen.formatter) unless `cache` is "off"; "fill" also stores new results
    there and drops the old ones once the whole run succeeded, "read" (what
    `check` uses) writes nothing.
    """
    tables = load_tables(root)
    rendered = render(tables, root / TEMPLATES)
    modules = {name: text for name, text in rendered.items() if name.endswith(".py")}
    cache_dir = root / FORMAT_CACHE
    for name, text in modules.items():
        hit = None if cache == "off" else cached(cache_dir, text)
        rendered[name] = format_module(name, text) if hit is None else hit
    if cache == "fill":
        store_cache(cache_dir, {text: rendered[name] for name, text in modules.items()})
    return rendered
