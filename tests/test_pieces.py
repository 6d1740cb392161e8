"""A module formatted in pieces is byte for byte the module black formats whole.

codegen.pieces cuts a large module between statements (and inside a large
class) and formats each piece with the statement before it as context. These
tests are its proof: on every module of the real tables, and of synthetic
tables with rows of every kind, for pieces of every size down to one
statement, the joined pieces equal black's output for the whole module.
"""

from __future__ import annotations

import gc

import black
import pytest
from codegen_support import rendered_modules, synthetic_modules

from codegen import pieces
from codegen.build import ROOT
from codegen.formatter import black_mode


def joined(source: str, piece_lines: int) -> str:
    cut = pieces.cut(source, piece_lines)
    assert cut is not None and len(cut) > 1
    outputs = [pieces.format_piece(piece, black_mode()) for piece in cut]
    assert None not in outputs
    return "".join(output or "" for output in outputs)


REAL = rendered_modules(ROOT)


@pytest.mark.parametrize("piece_lines", [1, 9, 60])
@pytest.mark.parametrize("name", sorted(name for name in REAL if name != "py.typed"))
def test_pieces_of_every_real_module_join_to_blacks_output_for_the_whole(name: str, piece_lines: int) -> None:
    source = REAL[name]
    if source.count("\n") <= piece_lines:
        pytest.skip("one piece")
    cut = pieces.cut(source, piece_lines)
    if name in {"__init__.py", "_auto.py"} and (cut is None or len(cut) == 1):
        pytest.skip("not cut: formatted whole")  # one import block, or the runtime's decorated classes
    assert joined(source, piece_lines) == black.format_str(source, mode=black_mode())


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Tables 3x the real ones plus 300 rows of your own in one table: large classes, many imports."""
    return synthetic_modules(tmp_path_factory.mktemp("synthetic"))


@pytest.mark.parametrize("name", ["model.py", "causal_lm.py", "configs.py"])
def test_pieces_of_large_synthetic_modules_join_to_blacks_output_for_the_whole(synthetic: dict[str, str], name: str) -> None:
    source = synthetic[name]
    assert joined(source, 150) == black.format_str(source, mode=black_mode())


@pytest.mark.parametrize("name", ["model.py", "causal_lm.py", "configs.py"])
def test_each_piece_of_a_large_module_is_formatted_in_one_pass(synthetic: dict[str, str], name: str) -> None:
    """The templates render what black writes, and no piece or context opens with blank lines black would drop.

    So black leaves each text as it is and skips its second pass; and no long
    statement is a context, which would be formatted three times.
    """
    cut = pieces.cut(synthetic[name], 150)
    assert cut is not None and len(cut) > 1
    for piece in cut:
        assert piece.context.count("\n") <= pieces.CONTEXT_LINES
        for text in (piece.context + piece.own, piece.context):
            assert black.format_str(text, mode=black_mode()) == text


@pytest.mark.parametrize("enabled", [True, False])
def test_cutting_leaves_the_garbage_collector_as_it_was(synthetic: dict[str, str], enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        assert pieces.cut(synthetic["model.py"], 150)
        assert pieces.cut("x = (\n") is None  # a module that does not parse
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_large_module_is_formatted_in_parallel_pieces(synthetic: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    source = synthetic["model.py"]
    monkeypatch.setattr(pieces, "PARALLEL_FROM", 0)
    monkeypatch.setattr(pieces, "PIECE_LINES", 400)
    assert pieces.format_source(source, black_mode()) == black.format_str(source, mode=black_mode())
