"""Read the table files: parsed TOML plus the line of every key, for file:line errors.

tomllib gives no positions and reports only the first key defined twice, so a
small scan of the text maps (section, key) to its line and finds every
duplicate. The table format is deliberately simple (sections of `key = value`
lines) so that the scan is exact.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError, Location

# A key as TOML writes it: bare, "basic" (with escapes) or 'literal'.
_KEY_TOKEN = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)"""
# A `[table]` or `[[array]]` header: dotted keys, spaces and tabs around them, a comment after.
_SECTION = re.compile(
    rf"^[ \t]*\[\[?[ \t]*({_KEY_TOKEN}(?:[ \t]*\.[ \t]*{_KEY_TOKEN})*)[ \t]*\]\]?[ \t]*(?:#.*)?\r?$"
)
_KEY = re.compile(rf"^[ \t]*({_KEY_TOKEN})[ \t]*=")
# TOML ends a line at LF (a CRLF keeps its CR on the line); str.splitlines also splits at
# U+2028, NEL, form feed and more, which TOML allows inside comments and strings.
_TOML_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
# What the keys of a section are, for "duplicate model_type" rather than "duplicate key".
_KEY_MEANING = {"models": "model_type", "configs": "model_type"}


@dataclass(frozen=True)
class TableFile:
    """One parsed table file, the line of each `[section]` and key in it, and its text."""

    path: str
    data: dict[str, Any]
    lines: dict[tuple[str, str], int]
    text: str  # line ends as in the file (CRLF kept), for sync to edit

    def where(self, section: str = "", key: str = "") -> Location:
        """The line of `key` in `[section]`, else of the `[section]` header, else line 1."""
        line = (self.lines.get((section, key)) if key else None) or self.lines.get(("", section))
        return Location(self.path, line or 1)


def toml_lines(text: str) -> list[str]:
    """The lines of TOML text, each with its line end, split only where TOML ends a line."""
    return _TOML_LINE.findall(text)


def section_name(line: str) -> str | None:
    """The name of a `[section]` header line (quotes and escapes decoded), or None for any other line."""
    header = _SECTION.match(line)
    return _section_key(header.group(1)) if header else None


def _section_key(token: str) -> str:
    """The table name a header's key stands for, dotted parts joined with '.'."""
    try:
        table: dict[str, Any] = tomllib.loads(f"[{token}]")
    except tomllib.TOMLDecodeError:
        return token
    parts: list[str] = []
    while table:
        part = next(iter(table))
        parts.append(part)
        table = table[part]
    return ".".join(parts)


def row_key(line: str) -> str | None:
    """The key a `key = value` line defines (escapes decoded), or None for other lines."""
    key = _KEY.match(line)
    return _key_name(key.group(1)) if key else None


def _key_name(token: str) -> str:
    """The key a bare or quoted TOML key token stands for (escapes decoded)."""
    try:
        return next(iter(tomllib.loads(f"{token} = 0")))
    except tomllib.TOMLDecodeError:
        return token


def scan_keys(text: str) -> Iterator[tuple[str, str, int]]:
    """(section, key, line) for every `key =` line; a `[section]` header is ("", section)."""
    section = ""
    for number, line in enumerate(toml_lines(text), start=1):
        name = section_name(line)
        if name is not None:
            section = name
            yield "", section, number
            continue
        key = _KEY.match(line)
        if key:
            yield section, _key_name(key.group(1)), number


def key_lines(text: str) -> dict[tuple[str, str], int]:
    """Map (section, key) -> the line that first defines it."""
    lines: dict[tuple[str, str], int] = {}
    for section, key, number in scan_keys(text):
        lines.setdefault((section, key), number)
    return lines


def duplicate_keys(text: str) -> list[tuple[int, str]]:
    """(line, problem) for every section or key defined twice; tomllib names only the first."""
    first: dict[tuple[str, str], int] = {}
    duplicates: list[tuple[int, str]] = []
    for section, key, number in scan_keys(text):
        seen = first.setdefault((section, key), number)
        if seen != number:
            what = f"{_KEY_MEANING.get(section, 'key')} in [{section}]" if section else "section"
            duplicates.append((number, f"duplicate {what} (first at line {seen}): {key!r}"))
    return duplicates


def read_table(path: Path, relative: str) -> TableFile:
    """Parse one table file, shown as `relative`; TOML errors become InputError lines at their file:line."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError([f"{relative}: cannot read the table: {error.strerror or error}"]) from None
    if data.startswith(codecs.BOM_UTF8):
        # tomllib, and so every other reader of the tables, refuses it: say so plainly.
        raise InputError([f"{relative}:1: starts with a UTF-8 byte order mark; save it without one"])
    try:
        text = data.decode("utf-8")  # bytes decoded as they are: read_text would turn CRLF into LF
    except UnicodeDecodeError as error:
        raise InputError([f"{relative}:1: not UTF-8 text: {error}"]) from None
    return parse_table(text, relative)


def parse_table(text: str, relative: str) -> TableFile:
    """Parse table text (read from disk, or about to be written by sync) as `relative`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        position = _TOML_POSITION.search(str(error))
        line = int(position.group(1)) if position else 1
        problems = duplicate_keys(text)
        if line not in {number for number, _ in problems}:
            problems.append((line, f"invalid TOML: {_TOML_POSITION.sub('', str(error)).strip()}"))
        raise InputError([f"{relative}:{number}: {problem}" for number, problem in sorted(problems)]) from None
    return TableFile(relative, data, key_lines(text), text)


def read_tables(tables_dir: Path, label: Callable[[Path], str]) -> list[TableFile]:
    """Parse every `*.toml` in the tables folder, in name order; report all syntax errors."""
    files, problems = parse_tables(tables_dir, label)
    if problems:
        raise InputError(problems)
    return files


def parse_tables(tables_dir: Path, label: Callable[[Path], str]) -> tuple[list[TableFile], list[str]]:
    """The table files that parse, and the problems of those that do not (every file is tried).

    `label` says how a file is named in messages (codegen.settings.Settings.label).
    """
    files: list[TableFile] = []
    problems: list[str] = []
    for path in sorted(tables_dir.glob("*.toml")):
        try:
            files.append(read_table(path, label(path)))
        except InputError as error:
            problems.extend(error.problems)
    return files, problems
