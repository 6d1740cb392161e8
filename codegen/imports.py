"""Import blocks in the order isort and ruff give them (black profile), for any module names.

A generated module must pass its user's linter, whatever their modules are
called. isort and ruff (their defaults, which the black profile keeps) put
`from` imports in sections (third-party, then first-party, a blank line
between), order modules case-insensitively with numbers compared as numbers
(`t5` before `t10`), and order the names of one import constants first, then
classes, then everything else, each again case-insensitively and naturally.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from .sources import is_folder

Group = tuple[str, list[str]]  # `from module import a, b`
_NUMBER = re.compile(r"(\d+)")


@functools.cache  # every name is sorted more than once: in its import, its rows, its docstring
def natural(text: str) -> tuple[str | int, ...]:
    """A sort key that compares runs of digits as numbers: `x2` before `x10`.

    Text and numbers alternate, text first, so two keys compare str with str
    and int with int at every position.
    """
    parts: list[str | int] = list(_NUMBER.split(text))
    parts[1::2] = [int(part) for part in parts[1::2]]
    return tuple(parts)


def module_key(module: str) -> tuple[object, ...]:
    return natural(module.lower()), natural(module)


def name_key(name: str) -> tuple[object, ...]:
    """Constants (`GPT2`), then classes (`GPT2Config`), then functions and variables."""
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return kind, natural(name.lower()), natural(name)


def group(pairs: Iterable[tuple[str, str]]) -> list[Group]:
    """(module, name) pairs as sorted `from module import ...` groups, each name once."""
    grouped: dict[str, set[str]] = {}
    for module, name in pairs:
        grouped.setdefault(module, set()).add(name)
    return [(module, sorted(grouped[module], key=name_key)) for module in sorted(grouped, key=module_key)]


def sections(pairs: Iterable[tuple[str, str]], first_party: Callable[[str], bool]) -> list[list[Group]]:
    """The third-party and the first-party section, each sorted; an empty section is left out."""
    pairs = list(pairs)
    theirs = group(pair for pair in pairs if not first_party(pair[0]))
    ours = group(pair for pair in pairs if first_party(pair[0]))
    return [section for section in (theirs, ours) if section]


def first_party_of(package: str, source_paths: Iterable[Path]) -> Callable[[str], bool]:
    """What a linter counts as the project's own: the generated package, and what its source paths hold.

    That is how ruff (`src`) and isort (`src_paths`) decide it too, from the folders the code lives in.
    """
    own = {package.split(".")[0]}
    for folder in source_paths:
        try:
            with os.scandir(folder) as entries:  # file types from the listing: no stat call per entry
                own |= {entry.name.removesuffix(".py") for entry in entries if entry.name.endswith(".py") or is_folder(entry)}
        except OSError:
            continue
    return lambda module: module.split(".")[0] in own
