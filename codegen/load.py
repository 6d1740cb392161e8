"""Read the table files: parsed TOML plus the line of every key, for file:line errors.

tomllib gives no positions, so a small scan of the text maps (section, key) to
its line. The table format is deliberately simple (sections of `key = value`
lines) so that the scan is exact.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.errors import InputError, Location

_SECTION = re.compile(r"^\s*\[\s*([A-Za-z0-9_-]+)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*(?:"([^"\\]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class TableFile:
    """One parsed table file and the line of each `[section]` and key in it."""

    path: str
    data: dict[str, Any]
    lines: dict[tuple[str, str], int]

    def where(self, section: str = "", key: str = "") -> Location:
        """The line of `key` in `[section]`, of the section header, or line 1."""
        line = self.lines.get((section, key)) or self.lines.get((section, "")) or 1
        return Location(self.path, line)


def section_name(line: str) -> str | None:
    """The name of a `[section]` header line, or None for any other line."""
    header = _SECTION.match(line)
    return header.group(1) if header else None


def row_key(line: str) -> str | None:
    """The key a `key = value` line defines, or None for comments, blanks and headers."""
    key = _KEY.match(line)
    return next(group for group in key.groups() if group is not None) if key else None


def key_lines(text: str) -> dict[tuple[str, str], int]:
    """Map (section, key) -> line number; a section header is (section, "")."""
    lines: dict[tuple[str, str], int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = section_name(line)
        if header is not None:
            section = header
            lines.setdefault((section, ""), number)
            continue
        key = row_key(line)
        if key is not None:
            lines.setdefault((section, key), number)
    return lines


def read_table(path: Path, root: Path) -> TableFile:
    """Parse one table file; a TOML error becomes an InputError at its file:line."""
    relative = path.relative_to(root).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InputError([f"{relative}:1: not UTF-8 text: {error}"]) from None
    return parse_table(text, relative)


def parse_table(text: str, relative: str) -> TableFile:
    """Parse table text (read from disk, or about to be written by sync) as `relative`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        position = _TOML_POSITION.search(str(error))
        line = position.group(1) if position else "1"
        message = _TOML_POSITION.sub("", str(error)).strip()
        raise InputError([f"{relative}:{line}: invalid TOML: {message}"]) from None
    return TableFile(relative, data, key_lines(text))


def read_tables(tables_dir: Path, root: Path) -> list[TableFile]:
    """Parse every `*.toml` in the tables folder, in name order; report all syntax errors."""
    files: list[TableFile] = []
    problems: list[str] = []
    for path in sorted(tables_dir.glob("*.toml")):
        try:
            files.append(read_table(path, root))
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return files
