"""codegen.plaintoml reads plain tables without tomllib: whenever it gives a result, it is tomllib's.

The oracle is tomllib itself (the data) and the tokenizer of codegen.load (the
line of every header and key), on every real table and on thousands of
documents made of lines that are plain and lines that only look plain.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from codegen.load import key_lines, parse_table, statements
from codegen.plaintoml import plain_toml

ROOT = Path(__file__).resolve().parent.parent
TABLES = sorted((ROOT / "codegen" / "tables").glob("*.toml")) + sorted((ROOT / "tests").glob("**/tables/*.toml"))

# Lines a table may hold, plain ones first; the others must send the whole text to tomllib.
PLAIN_LINES = [
    "[configs]",
    "[ extension ]  # a comment",
    "\t[models]",
    'bert = "BertConfig"',
    '"xlm-roberta" = "FlaxXLMRobertaModel"   # "quoted" {braces} [brackets] = signs',
    "'lit' = 'it''s'",
    'k = ""',
    '"" = "empty key"',
    '"a.b" = "a dotted name, quoted"',
    'own = { config = "OwnConfig", module = "own.configuration", models = "own.modeling" }',
    "own-2 = {config='Own2Config',models='own_2.modeling'}",
    "empty = {}",
    '  indented = "value\twith a tab"',
    'unicode = "Ünïcødé ✓"',
    "# only a comment",
    "",
    "   ",
]
OTHER_LINES = [
    'escaped = "a\\"b"',
    'escaped = "tab\\t"',
    "number = 1",
    "flag = true",
    "items = []",
    'multi = """',
    'a.b = "dotted"',
    "[a.b]",
    "[[array]]",
    '[ "quoted" ]',
    'bert = "BertConfig" trailing',
    "missing =",
    '"unclosed = "x',
    'row = { a = "A", }',
    'row = { a = "A", a = "B" }',
    'row = { "quoted" = "A" }',
    'row = { a = { b = "c" } }',
    'row = { a = 1 }',
    'ctrl = "\x01"',
    "# a comment with \x7f",
    'lone = "cr"\rnext = "line"',
    "[configs]",  # a second time in one document: a duplicate
    'bert = "Again"',
    "configs = 'a key named like a section'",
]


def check(text: str) -> bool:
    """plain_toml's answer is tomllib's data and the tokenizer's lines; True when it gave one."""
    plain = plain_toml(text)
    if plain is None:
        return False
    data, lines = plain
    assert data == tomllib.loads(text), text
    assert lines == key_lines(statements(text)), text
    return True


@pytest.mark.parametrize("table", TABLES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_real_table_is_read_in_one_pass_and_as_tomllib_reads_it(table: Path) -> None:
    text = table.read_text(encoding="utf-8")
    assert check(text)
    assert check(text.replace("\n", "\r\n"))


def test_generated_documents_read_as_tomllib_reads_them_or_go_to_tomllib() -> None:
    rng = random.Random(17)
    taken = 0
    for _ in range(6000):
        pool = PLAIN_LINES if rng.random() < 0.5 else PLAIN_LINES + OTHER_LINES
        lines = [rng.choice(pool) for _ in range(rng.randint(0, 8))]
        ending = rng.choice(["\n", "\r\n"])
        text = ending.join(lines) + rng.choice(["", ending])
        taken += check(text)
    assert taken > 1000  # the fast path was taken, so it was compared


@pytest.mark.parametrize("line", OTHER_LINES[:-3])
def test_a_line_that_only_looks_plain_sends_the_text_to_tomllib(line: str) -> None:
    assert plain_toml(f"[configs]\nbert = \"BertConfig\"\n{line}\n") is None


def test_a_table_that_is_not_plain_still_reads_and_reports_at_its_lines() -> None:
    """The slow path is unchanged: a duplicate is found at its line, as before."""
    plain = '[configs]\nbert = "BertConfig"\n'
    assert parse_table(plain + 'gpt2 = "GPT2\\u0043onfig"\n', "configs.toml").data == {
        "configs": {"bert": "BertConfig", "gpt2": "GPT2Config"}
    }
    with pytest.raises(Exception) as raised:
        parse_table(plain + 'bert = "Again"\n', "configs.toml")
    assert "configs.toml:3: duplicate model_type in [configs] (first at line 2): 'bert'" in str(raised.value)


def test_a_long_run_of_blanks_that_is_not_plain_is_given_up_at_once() -> None:
    """A line of a million spaces that ends badly: backtracking over the run would take hours
    (it took 4.6 s at 10,000 spaces), so a hostile table would hang the check."""
    script = (
        "from codegen.plaintoml import plain_toml\n"
        "run = ' ' * 1_000_000\n"
        "texts = [run + 'x', 'a = \"b\"' + run + 'x', '[a]' + run + 'x', 'a = { b = \"c\",' + run + 'x']\n"
        "print([plain_toml(text) for text in texts])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.stdout == "[None, None, None, None]\n", result.stderr
