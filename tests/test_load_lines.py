"""The loader's tokenizer puts every key of every table at the line that holds it."""

from __future__ import annotations

import re
import tomllib

import pytest

from codegen import load
from codegen.build import ROOT, TABLES, settings_for
from codegen.load import read_tables, statements, toml_lines

FORMS = """\
# every form of value a row may take, some over several lines
[task]
a = "x"
'b c' = 'y'
"d\\"e" = \"\"\"
[models]
f = "not a row"
\"\"\"
g = [
  "]",  # ] and # inside
  { h = "[x]" },
]
i = { config = "C", package = "p" }  # a comment
j = '''
k = 1'''''
l = 1979-05-27 07:32:00Z

[ "models" ]
m = "M"
"""


def test_every_key_of_every_real_table_is_at_its_own_line() -> None:
    for table in read_tables(ROOT / TABLES, settings_for(ROOT).label):
        lines = toml_lines(table.text)
        for section, rows in table.data.items():
            assert lines[table.lines[("", section)] - 1].strip().startswith("["), (table.path, section)
            for key in rows:
                line = lines[table.lines[(section, key)] - 1]
                assert key in line and "=" in line, (table.path, section, key, line)


def test_strings_arrays_and_inline_tables_over_several_lines_hide_nothing_and_invent_nothing() -> None:
    data = tomllib.loads(FORMS)
    found = [(statement.kind, statement.keys, statement.line) for statement in statements(FORMS)]
    assert found == [
        ("table", ("task",), 2),
        ("key", ("a",), 3),
        ("key", ("b c",), 4),
        ("key", ('d"e',), 5),
        ("key", ("g",), 9),
        ("key", ("i",), 13),
        ("key", ("j",), 14),
        ("key", ("l",), 16),
        ("table", ("models",), 18),
        ("key", ("m",), 19),
    ]
    assert [keys for kind, keys, _ in found if kind == "key"] == [
        (key,) for section in data.values() for key in section
    ]


ONE_LINE_ROWS = """\
[extension]
"own-0" = { config = "OwnConfig0", module = "own_models_0.configuration", models = "own_models_0.modeling" }
'own 1' = {config="C1",module='m.c'}  # a note
own_2 = {}
"own\\u0033" = { config = "C3" }
"own-4" = { config = "C4", }
"own-5" = { config = "C\\"5" }
"own-6" = { "config" = "C6" }
"own-7" = { config = "C7" } trailing
"own-8" = "FlaxOwn8"
"""


def test_the_one_line_fast_path_reads_what_the_full_tokenizer_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A row on one line with a plain key and plain values is matched whole; anything else (escapes,
    quoted inner keys, a trailing comma, text after the value) takes the full path, to the same result."""
    texts = [table.text for table in read_tables(ROOT / TABLES, settings_for(ROOT).label)] + [ONE_LINE_ROWS]
    fast = [statements(text) for text in texts]
    monkeypatch.setattr(load, "_PLAIN_ROW", re.compile(r"(?!)"))
    monkeypatch.setattr(load, "_PLAIN_HEADER", re.compile(r"(?!)"))
    assert fast == [statements(text) for text in texts]
    assert [statement.keys[0] for statement in fast[-1]][1:] == ["own-0", "own 1", "own_2", "own3", "own-4", "own-5", "own-6", "own-7", "own-8"]


def test_a_key_is_found_in_the_table_toml_puts_it_in_however_it_is_written() -> None:
    """Dotted keys and inline tables make tables too; a problem inside one is at the key's line, not line 1."""
    from codegen.load import parse_table

    text = '# a comment\n\ntask = { auto_class = "A", mapping = "M" }\n[tool]\nflax-auto.out = "x"\n'
    table = parse_table(text, "t.toml", table_format=False)
    assert str(table.where("task", "head_doc")) == "t.toml:3"  # missing from the inline table: its line
    assert str(table.where("tool.flax-auto", "out")) == "t.toml:5"
    assert str(table.where("tool.flax-auto")) == "t.toml:5"
