"""Format generated modules with black (mode fixed here, black pinned exactly) and compile them."""

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
    """Black-format one rendered module and make sure it compiles; a failure names the module."""
    try:
        formatted = black.format_str(source, mode=MODE)
    except InvalidInput as error:
        raise InputError([f"flax_auto/{name}: black cannot parse the rendered module: {error}"]) from None
    try:
        compile(formatted, f"flax_auto/{name}", "exec", dont_inherit=True)
    except SyntaxError as error:
        raise InputError([f"flax_auto/{name}:{error.lineno}: the formatted module does not compile: {error.msg}"]) from None
    return formatted
