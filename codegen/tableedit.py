"""Rewrite the rows of one `[section]` of a table file as text, keeping what sync does not change.

Lines are split only where TOML ends them (LF, CRLF), and a CRLF file gets
CRLF lines. A row is a `key = value` line. It owns the lines between the row
before it and itself (for the first row: the comment lines directly above it),
so a row that moves or goes takes its comment along. A kept row keeps its lines byte for byte;
a changed row gets a new `key = value` line under its old comments; a new row
is one new line. Everything else (other sections, the lines that open the
section, the lines after its last row) is left as it is.
"""

from __future__ import annotations

import json
import re

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
            body.extend([*owned[key][:-1], toml_row(key, value, newline)])
        elif value is not None:
            body.append(toml_row(key, value, newline))
        else:
            raise ValueError(f"[{section}] has no row {key!r} to keep")
    return "".join([*lines[: start + 1], *head, *body, *tail, *lines[end:]])


def _split_rows(body: list[str]) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """(opening lines, key -> the lines it owns ending with its own line, lines after the last row)."""
    owned: dict[str, list[str]] = {}
    pending: list[str] = []
    head: list[str] | None = None
    for line in body:
        key = row_key(line)
        if key is None:
            pending.append(line)
            continue
        if head is None:
            comments = len(pending)
            while comments and pending[comments - 1].lstrip().startswith("#"):
                comments -= 1
            head, pending = pending[:comments], pending[comments:]
        owned[key] = [*pending, line]
        pending = []
    if head is None:  # no rows at all: every line opens the section
        return pending, owned, []
    return head, owned, pending


def _ending_in_newline(lines: list[str], newline: str) -> list[str]:
    """The last row of a file may lack its newline; once moved it needs one."""
    return [*lines[:-1], lines[-1] if lines[-1].endswith("\n") else lines[-1] + newline]
