"""Render the validated tables through the Jinja templates into module sources.

Values reach Python source only through five filters: `py` (a Python literal,
quoted as black quotes it), `repr` (a literal as repr writes it: a doctest's
output), `ident` (a validated identifier or dotted module path), `idents`
(`ident` for each of a list) and `text` (plain words for docstrings).
Undefined variables fail (StrictUndefined); template errors name the
template and line.

The templates render what black would write (`wrapped` splits a line where
black splits it), so black's first pass over a module changes nothing and it
skips its second: that halves the formatting time, which is most of a large
build. black still formats every module and stays the authority: a line laid
out differently here only costs that second pass (tests/test_render_style.py
keeps the real tables and large synthetic ones at none).
"""

from __future__ import annotations

import functools
import re
import textwrap
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, cast

import jinja2

from . import imports
from .errors import InputError
from .model import Tables, Task
from .ownership import MARKER
from .settings import Settings
from .validate import is_module_path

_PLAIN_TEXT = re.compile(r"[A-Za-z0-9 ,.()/:_*-]*")
LINE_LENGTH = 88  # black's, codegen.formatter.black_mode()
WrapStyle = Literal["def", "call", "collection"]


def _defined(value: object) -> object:
    """Make an undefined value fail as undefined in a filter (StrictUndefined raises on str())."""
    if isinstance(value, jinja2.Undefined):
        str(value)
    return value


def python_repr(value: object) -> str:
    """A str, int, bool or None as Python source, as repr writes it; anything else is a template bug."""
    value = _defined(value)
    if value is None or isinstance(value, (str, int, bool)):
        return repr(value)
    raise TypeError(f"py filter: cannot emit a {type(value).__name__} as a literal")


def python_literal(value: object) -> str:
    """python_repr, with the double quotes black prefers where they need no escape.

    repr quotes with ' unless the string holds a ' and no ", so a ' there means
    the string holds no quote at all, or a " (black then keeps the ').
    """
    literal = python_repr(value)
    if isinstance(value, str) and literal.startswith("'") and '"' not in value:
        return f'"{literal[1:-1]}"'
    return literal


def wrapped(indent: str, head: str, items: list[str], tail: str, style: WrapStyle) -> str:
    """`head` items `tail` on one line, or split after head as black splits it (no final newline).

    head ends with the opening bracket, tail starts with the closing one. Where
    the line is too long, black puts the items on lines of their own, one more
    level in: one per line with a trailing comma for a collection or an import
    (black always explodes those) and for a def of one parameter; otherwise all
    on one line if they fit, else one per line.
    """
    line = f"{indent}{head}{', '.join(items)}{tail}"
    if len(line) <= LINE_LENGTH:
        return line
    inner = indent + "    "
    body = inner + ", ".join(items)
    if style == "collection" or (style == "def" and len(items) == 1) or len(body) > LINE_LENGTH:
        body = "\n".join(f"{inner}{item}," for item in items)
    return f"{indent}{head}\n{body}\n{indent}{tail}"


# What the templates (and the macros they import) lay lines out with.
LAYOUT: dict[str, object] = {"wrapped": wrapped, "line_length": LINE_LENGTH}


def python_name(value: object) -> str:
    """An identifier or dotted module path, checked again at the point of use."""
    if is_module_path(value):  # first: 200,000 names at 10,000 rows, and an Undefined is no str
        return value
    value = _defined(value)
    raise ValueError(f"ident filter: not a Python name: {value!r}")


def python_names(values: object) -> list[str]:
    """`ident` for each of a list of names: an import's, in one filter call rather than a `map`."""
    if not isinstance(values, (list, tuple)):
        raise TypeError(f"idents filter: not a list of names: {_defined(values)!r}")
    return [python_name(value) for value in cast(Sequence[object], values)]


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
    env.filters["repr"] = python_repr
    env.filters["ident"] = python_name
    env.filters["idents"] = python_names
    env.filters["text"] = plain_text
    return env


def header(inputs: list[str], command: str) -> str:
    """The comment that opens every generated module: generated, from what, how to remake it.

    The first line is Go's one-line marker, `Code generated ... DO NOT EDIT.`, which
    editors and code review tools recognise, and which proves to the writer that
    the file is the generator's (codegen.ownership). No dates, versions or absolute paths.
    """
    listed = ", ".join(inputs) + "."
    lines = [
        *textwrap.wrap(listed, width=86, initial_indent="Inputs: ", subsequent_indent="  ", break_on_hyphens=False),
        f"To change it, edit those inputs and run `{command}`.",
    ]
    return MARKER + "".join(f"# {line}\n" for line in lines)


def _template_error(template: str, error: Exception, label: str) -> InputError:
    """Point at the template line where rendering failed."""
    line, name = None, template
    if isinstance(error, jinja2.TemplateSyntaxError):
        line, name = error.lineno, error.name or template
    if line is None:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".jinja")]
        if frames:
            name, line = Path(frames[-1].filename).name, frames[-1].lineno
    return InputError([f"{label.rsplit('/', 1)[0]}/{name}:{line or 1}: {type(error).__name__}: {error}"])


class Renderer:
    """Renders one package: the templates with the run's settings, the runtime modules copied."""

    def __init__(self, tables: Tables, settings: Settings) -> None:
        self.tables = tables
        self.settings = settings
        self.env = environment(settings.templates)
        self.first_party = imports.first_party_of(tables.package, settings.source_paths)

    def template(self, template: str, sources: list[str], **context: object) -> str:
        label = self.settings.label(self.settings.templates / template)
        try:
            body = self.env.get_template(template, globals=LAYOUT).render(package=self.tables.package, **context)
        except Exception as error:  # any failure of a template is bad input, reported at its line
            raise _template_error(template, error, label) from None
        return header([label, *sources], self.settings.generate_command) + body

    def sections(self, pairs: list[tuple[str, str]]) -> list[list[imports.Group]]:
        return imports.sections(pairs, self.first_party)

    def runtime(self) -> dict[str, str]:
        """Our own runtime modules, verbatim behind the header: real Python, linted and type-checked as such."""
        files: dict[str, str] = {}
        for path in sorted(self.settings.runtime.glob("*.py")):
            text = path.read_text(encoding="utf-8")
            files[path.name] = header([self.settings.label(path)], self.settings.generate_command) + text
        return files

    def task(self, task: Task) -> str:
        package = self.tables.package
        pairs = [
            ("transformers.configuration_utils", "PretrainedConfig"),
            ("transformers.modeling_flax_utils", "FlaxPreTrainedModel"),
            (f"{package}._auto", "AutoModelClass"),
            (f"{package}._auto", "ModelMapping"),
            (f"{package}.configs", "CONFIG_MAPPING"),
        ]
        pairs += [(entry.model_type.config_module, entry.model_type.config_class) for entry in task.entries]
        pairs += [(entry.model_module, entry.model_class) for entry in task.entries]
        tables = [task.source, *(path for path in task.row_sources if path != task.source), *task.config_sources]
        return self.template(
            "task.py.jinja",
            tables,
            task=task,
            upstream=self.tables.upstream_transformers,
            imports=self.sections(pairs),
        )

    def configs(self, config_tables: list[str]) -> str:
        pairs = [
            ("transformers.configuration_utils", "PretrainedConfig"),
            (f"{self.tables.package}._auto", "ConfigTable"),
        ]
        pairs += [(model_type.config_module, model_type.config_class) for model_type in self.tables.model_types]
        return self.template("configs.py.jinja", config_tables, tables=self.tables, imports=self.sections(pairs))

    def init(self, every_table: str) -> str:
        package = self.tables.package
        pairs = [(f"{package}._auto", name) for name in ("AutoModelClass", "ModelMapping")]
        pairs += [(f"{package}._fixes", name) for name in ("Fix", "apply_fixes")]
        pairs += [
            (f"{package}.configs", name)
            for name in (
                "CONFIG_MAPPING",
                "CONFIG_MAPPING_NAMES",
                "UPSTREAM_TRANSFORMERS_VERSION",
                "config_class_for",
                "config_from_pretrained",
                "register_config",
            )
        ]
        for task in self.tables.tasks:
            pairs += [(f"{package}.{task.module}", name) for name in task.exported_names]
        exported = [name for _, name in pairs if name not in {"Fix", "apply_fixes"}]
        exported.insert(2, "FIXES")
        return self.template(
            "__init__.py.jinja", [every_table], tables=self.tables, imports=self.sections(pairs), exported=exported
        )


def render(tables: Tables, settings: Settings) -> dict[str, str]:
    """Every file of the package, by path inside the package folder, before formatting."""
    renderer = Renderer(tables, settings)
    config_tables = [source for source in tables.sources if source.rsplit("/", 1)[-1] == "configs.toml"]
    tables_folders = sorted({source.rsplit("/", 1)[0] for source in tables.sources})
    every_table = ", ".join(f"{folder}/*.toml" for folder in tables_folders)
    files = {
        "__init__.py": renderer.init(every_table),
        **renderer.runtime(),
        "configs.py": renderer.configs(config_tables),
        "py.typed": "",
    }
    for task in tables.tasks:
        files[f"{task.module}.py"] = renderer.task(task)
    return files
