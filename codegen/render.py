"""Render the validated tables through the Jinja templates into module sources.

Values reach Python source only through three filters: `py` (a Python literal
via repr), `ident` (a validated identifier or dotted module path) and `text`
(plain words for docstrings). Undefined variables fail (StrictUndefined);
template errors name the template and line.
"""

from __future__ import annotations

import functools
import re
import textwrap
import traceback
from pathlib import Path

import jinja2

from .errors import InputError
from .model import Tables
from .ownership import MARKER
from .validate import is_module_path

# Modules the package carries verbatim (see runtime_modules): part of the generator, like its code.
RUNTIME = Path(__file__).resolve().parent / "runtime"
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9 ,.()/_-]*")


def _defined(value: object) -> object:
    """Make an undefined value fail as undefined in a filter (StrictUndefined raises on str())."""
    if isinstance(value, jinja2.Undefined):
        str(value)
    return value


def python_literal(value: object) -> str:
    """A str, int, bool or None as Python source; anything else is a template bug."""
    value = _defined(value)
    if value is None or isinstance(value, (str, int, bool)):
        return repr(value)
    raise TypeError(f"py filter: cannot emit a {type(value).__name__} as a literal")


def python_name(value: object) -> str:
    """An identifier or dotted module path, checked again at the point of use."""
    value = _defined(value)
    if is_module_path(value):
        return value
    raise ValueError(f"ident filter: not a Python name: {value!r}")


def plain_text(value: object) -> str:
    """Words safe inside a docstring: no quotes, backslashes or newlines."""
    value = _defined(value)
    if isinstance(value, str) and _PLAIN_TEXT.fullmatch(value):
        return value
    raise ValueError(f"text filter: not plain text: {value!r}")


@functools.cache
def environment(templates_dir: Path) -> jinja2.Environment:
    """The one Jinja environment: strict, no autoescape, stable whitespace.

    One per folder and process, so each template is compiled once (the reserved
    names' probe and the tables render through it); Jinja reloads a template
    whose file changed.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["py"] = python_literal
    env.filters["ident"] = python_name
    env.filters["text"] = plain_text
    return env


def header(inputs: list[str]) -> str:
    """The comment that opens every generated module: generated, from what, how to remake it.

    The first line is Go's one-line marker, `Code generated ... DO NOT EDIT.`, which
    editors and code review tools recognise, and which proves to the writer that
    the file is the generator's (codegen.ownership). No dates, versions or absolute paths.
    """
    listed = ", ".join(inputs) + "."
    lines = [
        *textwrap.wrap(listed, width=86, initial_indent="Inputs: ", subsequent_indent="  ", break_on_hyphens=False),
        "To change it, edit those inputs and run `make generate`.",
    ]
    return MARKER + "".join(f"# {line}\n" for line in lines)


def _template_error(template: str, error: Exception) -> InputError:
    """Point at the template line where rendering failed."""
    line, name = None, template
    if isinstance(error, jinja2.TemplateSyntaxError):
        line, name = error.lineno, error.name or template
    if line is None:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".jinja")]
        if frames:
            name, line = Path(frames[-1].filename).name, frames[-1].lineno
    return InputError([f"templates/{name}:{line or 1}: {type(error).__name__}: {error}"])


def render_template(env: jinja2.Environment, template: str, sources: list[str], **context: object) -> str:
    try:
        body = env.get_template(template).render(**context)
    except Exception as error:  # any failure of a template is bad input, reported at its line
        raise _template_error(template, error) from None
    return header([f"templates/{template}", *sources]) + body


def runtime_modules() -> dict[str, str]:
    """The package's hand-written modules: each `*.py` of codegen/runtime/, as is, behind the header.

    They are real Python of ours (linted and type-checked where they stand), so
    nothing in them is rendered: the copy under the same name is the module.
    """
    return {
        path.name: header([f"codegen/runtime/{path.name}"]) + path.read_text(encoding="utf-8")
        for path in sorted(RUNTIME.glob("*.py"))
    }


def render(tables: Tables, templates_dir: Path) -> dict[str, str]:
    """Every file of the package, by path inside flax_auto/, before formatting."""
    env = environment(templates_dir)
    config_table = next(source for source in tables.sources if source.endswith("/configs.toml"))
    every_table = f"{config_table.rsplit('/', 1)[0]}/*.toml"
    files = {
        "__init__.py": render_template(env, "__init__.py.jinja", [every_table], tables=tables),
        "_auto.py": render_template(env, "_auto.py.jinja", []),
        "configs.py": render_template(env, "configs.py.jinja", [config_table], tables=tables),
        **runtime_modules(),
        "py.typed": "",
    }
    for task in tables.tasks:
        files[f"{task.module}.py"] = render_template(
            env, "task.py.jinja", [task.source, config_table], task=task, upstream=tables.upstream_transformers
        )
    return files
