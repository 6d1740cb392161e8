"""Read the table files: parsed TOML plus the line of every key, for file:line errors.

tomllib gives no positions and reports only the first key defined twice, so a
small tokenizer (statements) walks the text as TOML does: it knows where a
multi-line string, an array over several lines or an inline table ends, so a
line inside a value is never taken for a key or a `[section]`. It maps
(section, key) to the line that holds it and finds every duplicate.

The table format is sections of `key = value` rows. TOML's other ways of
making a table, `[[array]]` headers, `[section.sub]` headers and dotted keys
(`a.b = 1`), are refused at their own line: they would make a row or a
section that no line of the file shows whole.
"""

from __future__ import annotations

import bisect
import codecs
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import InputError, Location
from .plaintoml import plain_toml
from .regular import read_regular

# TOML ends a line at LF (a CRLF keeps its CR on the line); str.splitlines also splits at
# U+2028, NEL, form feed and more, which TOML allows inside comments and strings.
_TOML_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
# Far above real tables (10,000 rows are under 1 MB); a table that links to /dev/zero stops here.
TABLE_LIMIT = 16 << 20
# What the keys of a section are, for "duplicate model_type" rather than "duplicate key".
_KEY_MEANING = {"models": "model_type", "configs": "model_type"}

# The tokens of TOML that can hold a newline, a '#' or a bracket that is not syntax.
_BLANK = re.compile(r"(?:[ \t\r\n]|#[^\n]*)*")
_SPACE = re.compile(r"[ \t]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"(?:[^"\\\n]|\\.)*"?')  # to the closing quote, or the line end when there is none
_LITERAL = re.compile(r"'[^'\n]*'?")
_MULTILINE = {
    '"""': re.compile(r'"""(?:\\[\s\S]|[^\\])*?(?:"""(?:""|")?|\Z)'),  # up to two quotes may end the content
    "'''": re.compile(r"'''[\s\S]*?(?:'''(?:''|')?|\Z)"),
}
_SCALAR = re.compile(r"[^,\]}#\s]+")
# The lines nearly every table is made of, `key = "Value"  # note`, `"key" = { a = "A", b = "B" }`
# and `[section]`, in one match each: keys bare or quoted without escapes, values without any.
_PLAIN_BASIC = r'"[^"\\\n]*"'  # a basic string with no escape in it
_PLAIN_LITERAL = r"'[^'\n]*'"
_PLAIN_KEY = rf"{_BARE_KEY.pattern}|{_PLAIN_BASIC}|{_PLAIN_LITERAL}"
_PLAIN_VALUE = rf"""(?:{_PLAIN_BASIC}|{_PLAIN_LITERAL}|[^\s#,\[\]{{}}"']+)"""
_PLAIN_PAIR = rf"{_BARE_KEY.pattern}[ \t]*=[ \t]*{_PLAIN_VALUE}[ \t]*"
_PLAIN_INLINE = rf"\{{[ \t]*(?:{_PLAIN_PAIR}(?:,[ \t]*{_PLAIN_PAIR})*)?\}}"
_PLAIN_ROW = re.compile(
    rf"({_PLAIN_KEY})[ \t]*=[ \t]*(?:{_PLAIN_VALUE}|{_PLAIN_INLINE})[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)"
)
_PLAIN_HEADER = re.compile(r"\[[ \t]*([A-Za-z0-9_-]+)[ \t]*\][ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)")


@dataclass(frozen=True)
class Statement:
    """A `[table]` or `[[array]]` header or a `key = value`, at the line it starts on."""

    line: int
    kind: Literal["table", "array", "key"]
    keys: tuple[str, ...]  # the header's or the key's dotted parts, quotes and escapes decoded

    @property
    def name(self) -> str:
        return ".".join(self.keys)


def statements(text: str) -> list[Statement]:
    """Every header and top-level `key = value` of TOML text, in order; never raises.

    Text that is not valid TOML (tomllib has already said where) is read as far
    as it makes sense, each broken line skipped, so duplicates can still be found.
    """
    return list(_Tokenizer(text).statements())


class _Tokenizer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.newlines = [match.start() for match in re.finditer("\n", text)]

    def line(self, index: int) -> int:
        return bisect.bisect_left(self.newlines, index) + 1

    def statements(self) -> Iterator[Statement]:
        text = self.text
        while True:
            self.skip(_BLANK)
            if self.at >= len(text):
                return
            start = self.at
            plain = _PLAIN_ROW.match(text, start) or _PLAIN_HEADER.match(text, start)
            if plain:
                self.at = plain.end()
                key = _key_name(plain.group(1)) if plain.re is _PLAIN_ROW else plain.group(1)
                yield Statement(self.line(start), "key" if plain.re is _PLAIN_ROW else "table", (key,))
                continue
            if text.startswith("[", start):
                kind: Literal["table", "array"] = "array" if text.startswith("[[", start) else "table"
                self.at += 2 if kind == "array" else 1
                keys = self.keys()
                close = "]]" if kind == "array" else "]"
                if keys and text.startswith(close, self.at):
                    self.at += len(close)
                    yield Statement(self.line(start), kind, keys)
            else:
                keys = self.keys()
                if keys and text.startswith("=", self.at):
                    self.at += 1
                    yield Statement(self.line(start), "key", keys)
                    self.skip(_SPACE)
                    self.value()
            end = text.find("\n", self.at)  # the rest of the line: a comment, or what did not parse
            self.at = len(text) if end < 0 else end + 1

    def skip(self, pattern: re.Pattern[str]) -> str:
        match = pattern.match(self.text, self.at)
        token = match.group() if match else ""
        self.at += len(token)
        return token

    def keys(self) -> tuple[str, ...]:
        """A dotted key (`a`, `"a b".c`); () if there is none here. Ends after the spaces that follow."""
        keys: list[str] = []
        while True:
            self.skip(_SPACE)
            token = self.skip(_BASIC) or self.skip(_LITERAL) or self.skip(_BARE_KEY)
            if not token:
                return ()
            keys.append(_key_name(token))
            self.skip(_SPACE)
            if not self.text.startswith(".", self.at):
                return tuple(keys)
            self.at += 1

    def value(self) -> None:
        """Step over one value, however many lines it spans."""
        text, start = self.text, self.at
        for quote, pattern in _MULTILINE.items():
            if text.startswith(quote, start):
                self.skip(pattern)
                return
        if self.skip(_BASIC) or self.skip(_LITERAL):
            return
        if text.startswith("[", start):
            self.at += 1
            self.items("]", lambda: self.value())
        elif text.startswith("{", start):
            self.at += 1
            self.items("}", self.pair)
        else:
            self.skip(_SCALAR)

    def pair(self) -> None:
        if self.keys() and self.text.startswith("=", self.at):
            self.at += 1
            self.skip(_SPACE)
            self.value()

    def items(self, close: str, item: Callable[[], None]) -> None:
        """The items of an array or inline table, up to and including `close`."""
        while True:
            self.skip(_BLANK)
            if self.at >= len(self.text):
                return
            if self.text.startswith(close, self.at):
                self.at += 1
                return
            if self.text.startswith(",", self.at):
                self.at += 1
                continue
            before = self.at
            item()
            if self.at == before:  # not TOML: step over it rather than stop
                self.at += 1


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
    if not line.lstrip(" \t").startswith("["):
        return None
    first = next(iter(statements(line)), None)
    return first.name if first is not None and first.kind != "key" else None


def row_key(line: str) -> str | None:
    """The key a `key = value` line defines (escapes decoded), or None for other lines."""
    if line.lstrip(" \t")[:1] in ("", "[", "#", "\r", "\n"):
        return None
    first = next(iter(statements(line)), None)
    return first.keys[0] if first is not None and first.kind == "key" and len(first.keys) == 1 else None


def _key_name(token: str) -> str:
    """The key a bare or quoted TOML key token stands for (escapes decoded)."""
    if _BARE_KEY.fullmatch(token):
        return token
    if re.fullmatch(_PLAIN_LITERAL, token) or re.fullmatch(_PLAIN_BASIC, token):
        return token[1:-1]  # a literal string, or a basic one without escapes: as written
    try:
        return next(iter(tomllib.loads(f"{token} = 0")))
    except tomllib.TOMLDecodeError:
        return token.strip("\"'")


def scan_keys(found: list[Statement]) -> Iterator[tuple[str, str, int]]:
    """(section, key, line) for every `key =` statement; a `[section]` header is ("", section)."""
    section = ""
    for statement in found:
        if statement.kind == "key":
            yield section, statement.name, statement.line
        else:
            section = statement.name
            yield "", section, statement.line


def key_lines(found: list[Statement]) -> dict[tuple[str, str], int]:
    """Map (section, key) -> the line that first defines it; a `[section]` is ("", section).

    A key is filed under the table it lands in, however TOML lets it be
    written: `flax-auto.out = "x"` under `[tool]` is key `out` of table
    `tool.flax-auto`, and that table (like one written inline,
    `flax-auto = { ... }`) is at the key's line.
    """
    lines: dict[tuple[str, str], int] = {}
    section: tuple[str, ...] = ()
    for statement in found:
        if statement.kind != "key":
            section = statement.keys
            lines.setdefault(("", statement.name), statement.line)
            continue
        path = (*section, *statement.keys)
        for end in range(len(section) + 1, len(path) + 1):
            lines.setdefault(("", ".".join(path[:end])), statement.line)
        lines.setdefault((".".join(path[:-1]), path[-1]), statement.line)
    return lines


def duplicate_keys(found: list[Statement]) -> list[tuple[int, str]]:
    """(line, problem) for every section or key defined twice; tomllib names only the first."""
    first: dict[tuple[str, str], int] = {}
    duplicates: list[tuple[int, str]] = []
    for section, key, number in scan_keys(found):
        seen = first.setdefault((section, key), number)
        if seen != number:
            what = f"{_KEY_MEANING.get(section, 'key')} in [{section}]" if section else "section"
            duplicates.append((number, f"duplicate {what} (first at line {seen}): {key!r}"))
    return duplicates


def unsupported_forms(found: list[Statement]) -> list[tuple[int, str]]:
    """(line, problem) for each TOML form the table format does not use (see the module's docstring)."""
    problems: list[tuple[int, str]] = []
    for statement in found:
        if statement.kind == "array":
            problems.append((statement.line, f"an array of tables is not a table section; write [{statement.name}]"))
        elif statement.kind == "table" and len(statement.keys) > 1:
            problems.append(
                (statement.line, f"a sub-table is not a table section; write [{statement.keys[0]}] "
                 f"and the row as {statement.keys[1]} = {{ ... }}: '{statement.name}'")
            )
        elif len(statement.keys) > 1:
            problems.append(
                (statement.line, f"a dotted key is not a row; write {statement.keys[0]} = {{ ... }}: '{statement.name}'")
            )
    return problems


def read_table(path: Path, relative: str) -> TableFile:
    """Parse one table file, shown as `relative`; TOML errors become InputError lines at their file:line."""
    try:
        data = read_regular(path, TABLE_LIMIT)
    except OSError as error:
        raise InputError([f"{relative}: cannot read the table: {error.strerror or error}"]) from None
    return parse_table(toml_text(data, relative), relative)


def toml_text(data: bytes, relative: str) -> str:
    """The text of a TOML file's bytes, line ends as they are; InputError for a BOM or bytes not UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        # tomllib, and so every other reader of the tables, refuses it: say so plainly.
        raise InputError([f"{relative}:1: starts with a UTF-8 byte order mark; save it without one"])
    try:
        return data.decode("utf-8")  # bytes decoded as they are: read_text would turn CRLF into LF
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1  # the line of the first byte that is not UTF-8
        raise InputError([f"{relative}:{line}: not UTF-8 text: {error}"]) from None


def parse_table(text: str, relative: str, table_format: bool = True) -> TableFile:
    """Parse table text (read from disk, or about to be written by sync) as `relative`.

    Without `table_format` any TOML is taken (a pyproject.toml's sub-tables and
    dotted keys), and lines are still found for every header and key.
    """
    plain = plain_toml(text)  # nearly every table: read in one pass (codegen.plaintoml)
    if plain is not None:
        return TableFile(relative, *plain, text)
    found = statements(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        position = _TOML_POSITION.search(str(error))
        line = int(position.group(1)) if position else 1
        problems = duplicate_keys(found)
        if line not in {number for number, _ in problems}:
            problems.append((line, f"invalid TOML: {_TOML_POSITION.sub('', str(error)).strip()}"))
        raise InputError([f"{relative}:{number}: {problem}" for number, problem in sorted(problems)]) from None
    unsupported = unsupported_forms(found) if table_format else []
    if unsupported:
        raise InputError([f"{relative}:{number}: {problem}" for number, problem in unsupported])
    return TableFile(relative, data, key_lines(found), text)


def read_tables(tables_dir: Path, label: Callable[[Path], str]) -> list[TableFile]:
    """Parse every `*.toml` in the tables folder, in name order; report all syntax errors."""
    files, problems = parse_tables(tables_dir, label)
    if problems:
        raise InputError(problems)
    return files


def parse_tables(tables_dir: Path, label: Callable[[Path], str]) -> tuple[list[TableFile], list[str]]:
    """The table files that parse, and the problems of those that do not (every file is tried).

    `label` says how a file is named in messages (codegen.settings.Settings.label).
    A hidden file is no table (its stem could never be a module name): it is an
    editor's, such as the dangling link `.#model.toml` Emacs keeps while model.toml
    has unsaved changes, which made every run fail.
    """
    files: list[TableFile] = []
    problems: list[str] = []
    for path in sorted(path for path in tables_dir.glob("*.toml") if not path.name.startswith(".")):
        try:
            files.append(read_table(path, label(path)))
        except InputError as error:
            problems.extend(error.problems)
    return files, problems
