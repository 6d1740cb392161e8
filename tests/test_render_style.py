"""The templates render what black writes, so black's first pass changes nothing.

black.format_str formats a module once and, where that changed it, a second
time (to settle trailing commas): over a module of 10,000 rows that second
pass was half of the build. Every module of the real tables and of large
synthetic ones must come out of the templates exactly as black leaves it;
black still formats each one (codegen.formatter), and a module that differs
here would only cost time, never change a byte of the output.
"""

from __future__ import annotations

import black
import pytest
from codegen_support import rendered_modules, synthetic_modules

from codegen.build import ROOT
from codegen.formatter import black_mode
from codegen.render import LINE_LENGTH, python_literal, wrapped


def assert_black_leaves_it(source: str) -> None:
    assert black.format_str(source, mode=black_mode()) == source


REAL = rendered_modules(ROOT)


def test_the_line_length_is_blacks() -> None:
    assert LINE_LENGTH == black_mode().line_length


@pytest.mark.parametrize("name", sorted(REAL))
def test_every_real_module_renders_as_black_formats_it(name: str) -> None:
    assert_black_leaves_it(REAL[name])


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Tables 3x the real ones plus 300 rows of your own in one table: long imports, entries and overloads."""
    return synthetic_modules(tmp_path_factory.mktemp("synthetic"))


def test_every_module_of_large_synthetic_tables_renders_as_black_formats_it(synthetic: dict[str, str]) -> None:
    assert len(synthetic) == len(REAL)
    differ = [name for name, source in synthetic.items() if black.format_str(source, mode=black_mode()) != source]
    assert differ == []


def name_of(length: int) -> str:
    """A class name of exactly `length` characters."""
    return "Config" + "X" * (length - len("Config"))


# Each layout around black's limit: one column short of it, at it, one past it.
@pytest.mark.parametrize("spare", [1, 0, -1])
def test_a_def_of_one_parameter_splits_where_black_splits_it(spare: int) -> None:
    head, tail = "def f(", ") -> type[Model]: ..."
    name = name_of(LINE_LENGTH - spare - len(head + "config: " + tail))
    source = wrapped("", head, [f"config: {name}"], tail, "def") + "\n"
    assert (source.count("\n") == 1) is (spare >= 0)
    assert_black_leaves_it(source)


@pytest.mark.parametrize("spare", [1, 0, -1])
@pytest.mark.parametrize("body", ["fits", "too long"])
def test_a_method_of_several_parameters_splits_where_black_splits_it(spare: int, body: str) -> None:
    head, tail = "def from_config(", ") -> Model: ..."
    items = ["cls", "config: ", "**kwargs: Any"]
    length = LINE_LENGTH - spare - len("    " + head + ", ".join(items) + tail)
    if body == "too long":
        length = LINE_LENGTH
    items[1] += name_of(length)
    source = "class A:\n" + wrapped("    ", head, items, tail, "def") + "\n"
    assert_black_leaves_it(source)


@pytest.mark.parametrize("spare", [1, 0, -1])
def test_an_entry_of_a_collection_splits_where_black_splits_it(spare: int) -> None:
    head, tail = '"key": (', "),"
    name = name_of(LINE_LENGTH - spare - len("    " + head + "Model, " + tail))
    source = "X = {\n" + wrapped("    ", head, [name, "Model"], tail, "collection") + "\n}\n"
    assert (source.count("\n") == 3) is (spare >= 0)
    assert_black_leaves_it(source)


@pytest.mark.parametrize("value", ["gpt2", "it's", 'say "hi"', "back\\slash", "tab\tnew\nline", "é\x00", 3, None, True])
def test_a_literal_is_quoted_as_black_quotes_it(value: object) -> None:
    source = f"x = {python_literal(value)}\n"
    assert_black_leaves_it(source)
    assert eval(source[4:]) == value  # noqa: S307  # the literal's own value, nothing else
