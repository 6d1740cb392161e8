"""Rewrite the rows of one `[section]` of a table file as text, keeping what sync does not change.

Lines are split only where TOML ends them (LF, CRLF), and a CRLF file gets
CRLF lines. A row is a `key = value` line. It owns the lines between the row
before it and itself (for the first row: the comment lines directly above it),
so a row that moves or goes takes its comment along. A kept row keeps its lines byte for byte;
a changed row gets its new value in place of the old one (its key as written,
its spacing and its trailing comment kept) under its old comments; a new row
is one new line. Everything else (other sections, the lines that open the
section, the lines after its last row) is left as it is.
"""

from __future__ import annotations

import json
import re
import tomllib

from .load import row_key, section_name, toml_lines

_BARE_KEY = re.compile(r"[A-Za-z0-9_]+")


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML escapes)."""
    return json.dumps(value)


def toml_inline_table(row: dict[str, str]) -> str:
    """`{ key = "value", ... }` with the keys in the order given (the order the user wrote them)."""
    return "{ " + ", ".join(toml_row(key, toml_string(value), "") for key, value in row.items()) + " }"


def toml_row(key: str, value: str, newline: str = "\n") -> str:
    """`key = value` and the line end, quoting the key the way the tables do when it is not plain."""
    shown = key if _BARE_KEY.fullmatch(key) else toml_string(key)
    return f"{shown} = {value}{newline}"


def rewrite_rows(text: str, section: str, rows: list[tuple[str, str | None]]) -> str:
    """`text` with `[section]` holding exactly `rows`, in that order.

    Each row is (key, None) to keep the existing line as it is, or (key, value) with
    the TOML source of a new value. Keys not in `rows` are removed with their lines.
    """
    lines = toml_lines(text)
    newline = "\r\n" if "\r\n" in text else "\n"  # new lines end as the file's lines do
    start = next((i for i, line in enumerate(lines) if section_name(line) == section), None)
    if start is None:
        raise ValueError(f"no [{section}] section")
    end = next((i for i in range(start + 1, len(lines)) if section_name(lines[i]) is not None), len(lines))
    head, owned, tail = _split_rows(lines[start + 1 : end])
    body: list[str] = []
    for key, value in rows:
        if key in owned and value is None:
            body.extend(_ending_in_newline(owned[key], newline))
        elif key in owned and value is not None:
            body.extend([*owned[key][:-1], _with_value(owned[key][-1], value, newline)])
        elif value is not None:
            body.append(toml_row(key, value, newline))
        else:
            raise ValueError(f"[{section}] has no row {key!r} to keep")
    return "".join([*lines[: start + 1], *head, *body, *tail, *lines[end:]])


def _split_rows(body: list[str]) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """(opening lines, key -> the lines it owns ending with its own lines, lines after the last row).

    A row's own lines are its `key =` line and, when its value goes on (a
    multi-line string or array), the lines up to where the value ends.
    """
    owned: dict[str, list[str]] = {}
    pending: list[str] = []
    head: list[str] | None = None
    index = 0
    while index < len(body):
        line, index = body[index], index + 1
        key = row_key(line)
        if key is None:
            pending.append(line)
            continue
        end = _value_end(body, index - 1)
        row, index = body[index - 1 : end], end
        if head is None:
            comments = len(pending)
            while comments and pending[comments - 1].lstrip().startswith("#"):
                comments -= 1
            head, pending = pending[:comments], pending[comments:]
        owned[key] = [*pending, "".join(row)]
        pending = []
    if head is None:  # no rows at all: every line opens the section
        return pending, owned, []
    return head, owned, pending


def _value_end(body: list[str], start: int) -> int:
    """The index after the last line of the row at `start`: the first end at which it parses."""
    return next(
        (end for end in range(start + 1, len(body) + 1) if _parses("".join(body[start:end]))), start + 1
    )  # never complete alone (the file parsed as a whole): the line itself


def _with_value(row: str, value: str, newline: str) -> str:
    """The row with a new value: its key as written, the spacing around `=` and its comment kept."""
    first_line = row.partition("\n")[0]
    equals = next(i for i in range(len(first_line)) if first_line[i] == "=" and row_key(first_line[: i + 1]))
    start = equals + 1 + len(row[equals + 1 :]) - len(row[equals + 1 :].lstrip(" \t"))
    comment = next(
        (i for i in range(start, len(row)) if row[i] == "#" and _parses(row[:i])),
        len(row.rstrip("\r\n")),
    )
    spacing = len(row[start:comment]) - len(row[start:comment].rstrip(" \t"))
    return row[:start] + value + row[comment - spacing : len(row.rstrip("\r\n"))] + newline


def _parses(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def _ending_in_newline(lines: list[str], newline: str) -> list[str]:
    """The last row of a file may lack its newline; once moved it needs one."""
    return [*lines[:-1], lines[-1] if lines[-1].endswith("\n") else lines[-1] + newline]
