"""Format generated modules with black, mode fixed here, black pinned exactly in pyproject.toml."""

from __future__ import annotations

import black
from black.mode import TargetVersion
from black.parsing import InvalidInput

from codegen.errors import InputError

MODE = black.Mode(
    target_versions={TargetVersion.PY311},
    line_length=88,
    string_normalization=True,
    magic_trailing_comma=True,
    preview=False,
)


def format_module(name: str, source: str) -> str:
    """Black-format one rendered module; unparsable output names the module."""
    try:
        return black.format_str(source, mode=MODE)
    except InvalidInput as error:
        raise InputError([f"flax_auto/{name}: black cannot parse the rendered module: {error}"]) from None
