"""black on a very large module, in pieces on every core, with the bytes black gives the whole.

black takes about 6 ms per rendered row and runs twice over a module that
changes (its second pass settles trailing commas), all on one core: a table
of 10,000 rows took minutes. Its output is, line by line, the formatted
statements with blank lines between them, and the blank lines before a
statement depend only on the statement before it (EmptyLineTracker). So a
module is cut between statements, at the top level and inside a large class,
and each piece is formatted together with the statement before it (the
context, and the class line for pieces of a class body); the context's own
formatted lines are then cut off the front. Pieces are formatted in parallel,
the largest first.

The templates render what black writes (codegen.render), so black leaves
each piece as it is, in one pass. To keep it so, a context loses the blank
lines that open it (black drops them at the start of a module: a changed
text would cost the second pass), and a statement longer than CONTEXT_LINES
is never a context (the mapping of a 10,000-row table, about 20,000 lines,
was formatted in its own piece and then twice more as the next one's context).

Where a piece's output does not start with its context's output, or the
module has a shape the cut does not handle, the whole module is formatted as
one. tests/test_pieces.py proves the joined pieces equal black's output for
the whole module, on every module of the real tables and of synthetic ones.
Modules below PARALLEL_FROM characters (all of the real tables') are
formatted whole, in this process.
"""

from __future__ import annotations

import ast
import gc
import os
import re
from collections.abc import Generator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import black


PARALLEL_FROM = 400_000  # characters of rendered source; smaller modules are not worth a process
PIECE_LINES = 2_000  # rendered lines per piece
CONTEXT_LINES = 200  # a longer statement is never a context: it would be formatted three times
_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")


@dataclass(frozen=True)
class Piece:
    """Source to format, and the context before it whose formatted lines are cut off again."""

    context: str
    own: str


def format_source(source: str, mode: black.Mode) -> str:
    """black.format_str(source, mode=mode), in parallel pieces for a large module."""
    import black  # here, not at the top: a check with every module cached needs no black

    pieces = cut(source) if len(source) >= PARALLEL_FROM else None
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if pieces is None or len(pieces) < 2 or workers < 2:
        return black.format_str(source, mode=mode)
    # The largest pieces first, so that no core is left with a large one at the end.
    order = sorted(range(len(pieces)), key=lambda index: -len(pieces[index].own))
    outputs: list[str | None] = [None] * len(pieces)
    # Workers forked from this process inherit its objects (the tables, the modules):
    # frozen, they are never walked by a worker's garbage collector (8% of its time),
    # and the pages that hold them stay shared.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(pieces))) as pool:
            formatted = pool.map(format_piece, [pieces[index] for index in order], [mode] * len(order))
            for index, output in zip(order, formatted, strict=True):
                outputs[index] = output
    finally:
        gc.unfreeze()
    if any(output is None for output in outputs):
        return black.format_str(source, mode=mode)
    return "".join(output for output in outputs if output is not None)


def format_piece(piece: Piece, mode: black.Mode) -> str | None:
    """The piece's own formatted lines, with the blank lines black puts before them; None if the cut fails."""
    import black

    whole = black.format_str(piece.context + piece.own, mode=mode)
    if not piece.context:
        return whole
    head = black.format_str(piece.context, mode=mode)
    return whole[len(head) :] if whole.startswith(head) else None


@dataclass(frozen=True)
class _Unit:
    """One statement's source (with the blank and comment lines before it); `header` for a class member."""

    text: str
    header: str = ""  # the class line(s) of the class whose body this statement is in
    first_member: bool = False  # a piece never starts here: the class line is in the unit before

    @property
    def as_context(self) -> str:
        """What stands for this unit before a piece: black's blank lines after it depend on no more."""
        return self.text if self.first_member else self.header + self.text  # the first holds the class line

    @property
    def context_lines(self) -> int:
        return self.as_context.count("\n")


def cut(source: str, piece_lines: int = PIECE_LINES) -> list[Piece] | None:
    """The pieces of a module, or None where it cannot be cut safely (then it is formatted whole)."""
    with _collector_paused():
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return None  # black reports it
        lines = source.splitlines(keepends=True)
        units = _units(tree.body, lines, piece_lines)
        del tree
    if units is None or "".join(unit.text for unit in units) != source:
        return None
    pieces: list[Piece] = []
    begin, size = 0, 0
    for index, unit in enumerate(units):
        if size >= piece_lines and not unit.first_member and units[index - 1].context_lines <= CONTEXT_LINES:
            pieces.append(_piece(units, begin, index))
            begin, size = index, 0
        size += unit.text.count("\n")
    pieces.append(_piece(units, begin, len(units)))
    return pieces


@contextmanager
def _collector_paused() -> Generator[None, None, None]:
    """No cyclic garbage collection while the module's syntax tree is built and read.

    The tree of a 10,000-row module is millions of objects, and they hold no
    cycles: reference counting frees them all. The collector only walked them
    again and again (a third of the cut's time). Its state is restored after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _piece(units: list[_Unit], begin: int, end: int) -> Piece:
    own = "".join(unit.text for unit in units[begin:end])
    if not begin:
        return Piece("", own)
    # Before a member of a class, the class line and the member before it; before a
    # statement at the top level, the statement before it (a class: its line and last member).
    return Piece(_without_blank_lines(units[begin - 1].as_context), own)


def _without_blank_lines(context: str) -> str:
    """The context without the blank lines that open it.

    black drops them at the start of a module anyway, and a text that black
    leaves as it is (what the templates render) is formatted in one pass, not two.
    """
    blank = _BLANK_LINES.match(context)
    return context[blank.end() :] if blank else context


def _units(body: list[ast.stmt], lines: list[str], piece_lines: int) -> list[_Unit] | None:
    """The module's statements in order, a large class's members each as a unit of their own."""
    units: list[_Unit] = []
    begin = 0
    for position, node in enumerate(body):
        if position and _is_string(node):
            return None  # a string after the first statement would be read as a docstring out of place
        end = len(lines) if position == len(body) - 1 else node.end_lineno or 0
        if isinstance(node, ast.ClassDef) and end - begin > piece_lines and len(node.body) > 1:
            members = _members(node, lines, begin, end)
            if members is None:
                return None
            units += members
        else:
            units.append(_Unit("".join(lines[begin:end])))
        begin = end
    return units


def _members(node: ast.ClassDef, lines: list[str], begin: int, end: int) -> list[_Unit] | None:
    """The class line(s) with the first member, then each further member, each knowing the class line."""
    start = _first_line(node.body[0]) - 1
    header = "".join(lines[_first_line(node) - 1 : start])
    if start <= node.lineno - 1 or any(_is_string(member) for member in node.body[1:]):
        return None
    units: list[_Unit] = []
    for position, member in enumerate(node.body):
        stop = end if position == len(node.body) - 1 else member.end_lineno or 0
        units.append(_Unit("".join(lines[begin:stop]), header, first_member=position == 0))
        begin = stop
    return units


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(decorator.lineno for decorator in decorators)])


def _is_string(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
