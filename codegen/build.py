"""The whole pipeline in memory: load, validate, render, format. Nothing is written here."""

from __future__ import annotations

from pathlib import Path

from codegen.formatter import format_module
from codegen.load import read_tables
from codegen.model import Tables
from codegen.render import render
from codegen.validate import validate

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = Path("generated") / "flax_auto"
TABLES = Path("codegen") / "tables"


def load_tables(root: Path = ROOT) -> Tables:
    """The validated tables of the project at root (InputError listing every problem)."""
    return validate(read_tables(root / TABLES, root))


def build(root: Path = ROOT) -> dict[str, str]:
    """Every file of flax_auto (path inside the package -> text), ready to write or compare."""
    tables = load_tables(root)
    rendered = render(tables, root / "templates")
    return {
        name: format_module(name, text) if name.endswith(".py") else text
        for name, text in rendered.items()
    }
