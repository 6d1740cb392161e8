"""Read the TOML that nearly every table is made of without tomllib, for speed; anything else is tomllib's.

A table is `[section]` headers over rows `key = "Value"` or
`"key" = { a = "A", b = "B" }`, with comments. tomllib reads those at about
10 µs a row, the better part of a cached check of 10,000 rows. Text made
only of such lines, every string without an escape and every key once, is
read here with a regular expression per line; at the first thing that is not
(an escape, a number, a multi-line value, a key or a section defined twice,
a character TOML forbids) the whole text goes to tomllib, which then reads it,
or says what is wrong and where. So the result is tomllib's whenever this
returns one: tests/test_plaintoml.py compares the two on every real table
and on thousands of generated ones.
"""

from __future__ import annotations

import re
from typing import Any

# What TOML allows nowhere in a document: a control character other than tab, LF and CR
# (it is refused in strings and comments, and means nothing elsewhere), or a CR not before an LF.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LONE_CR = re.compile(r"\r(?!\n)")
# Every run of blanks is possessive (`*+`, Python 3.11): a line that does not match fails at
# once, where backtracking over a long run of spaces would take time quadratic in its length.
_BARE = r"[A-Za-z0-9_-]++"
_STRING = r""""[^"\\\n]*+"|'[^'\n]*+'"""  # a basic string without escapes, or a literal string
_PAIR = re.compile(rf"({_BARE})[ \t]*+=[ \t]*+({_STRING})")
_INLINE = rf"\{{[ \t]*+(?:{_PAIR.pattern}[ \t]*+(?:,[ \t]*+{_PAIR.pattern}[ \t]*+)*+)?\}}"
_LINE = re.compile(
    rf"[ \t]*+(?:(?:\[[ \t]*+(?P<section>{_BARE})[ \t]*+\]"
    rf"|(?P<key>{_BARE}|{_STRING})[ \t]*+=[ \t]*+(?:(?P<string>{_STRING})|(?P<inline>{_INLINE})))[ \t]*+)?"
    r"(?:#[^\n]*+)?(?:\r?\n|\Z)"
)

Lines = dict[tuple[str, str], int]  # (section, key) -> line, ("", section) for a header, as load.key_lines


def plain_toml(text: str) -> tuple[dict[str, Any], Lines] | None:
    """What tomllib.loads(text) gives and the line of every header and key, for text of plain
    headers and rows only; None for any other text. Each line is one statement, or none."""
    if _CONTROL.search(text) or ("\r" in text and _LONE_CR.search(text)):
        return None
    root: dict[str, Any] = {}
    lines: Lines = {}
    table, name = root, ""
    at, end, number = 0, len(text), 0
    while at < end:
        line = _LINE.match(text, at)
        if line is None:
            return None
        at = line.end()
        number += 1
        section, key = line["section"], line["key"]
        if section is not None:
            if section in root:  # a section twice, or a key of that name: tomllib says how
                return None
            table, name = root.setdefault(section, {}), section
            lines.setdefault(("", section), number)
        elif key is not None:
            key = _unquoted(key)
            if key in table:
                return None
            if line["string"] is not None:
                table[key] = _unquoted(line["string"])
            else:
                row: dict[str, str] = {}
                for pair in _PAIR.finditer(line["inline"]):
                    if pair[1] in row:
                        return None
                    row[pair[1]] = _unquoted(pair[2])
                table[key] = row
            if name:  # a row is a table too, as key_lines files it (its `{ ... }` may be one)
                lines.setdefault(("", f"{name}.{key}"), number)
            lines.setdefault((name, key), number)
    return root, lines


def _unquoted(token: str) -> str:
    """A bare key as it is, a quoted key or string without escapes without its quotes."""
    return token[1:-1] if token[0] in "\"'" else token
