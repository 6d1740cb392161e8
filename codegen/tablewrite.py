"""Replace a set of table files all or nothing, each keeping its mode and its links.

sync edits files the user owns, so each new text goes where the old one was
read: a symlinked table is written through to its target (the link stays a
link, and the edit lands in the file the loader read), a table with other hard
links, or with no write permission at all, is refused before anything
changes. Each new text is staged beside the file it replaces (same folder, so
the rename cannot cross filesystems), with that file's mode and, where
allowed, its owner. Then, with SIGINT, SIGTERM and SIGHUP held, each old file
gets a second name and each staged one is renamed into place; if a rename
fails, every one already done is undone, and the old files come back as they
were (same inode, bytes, mode, mtime).

Only SIGKILL (or a crash) can stop the renames half way. For that, a journal
in the tables folder lists the set before the first rename and is removed
after the last; the next sync finds it and finishes the renames (the staged
files are whole and were validated as a set), so the tables never stay half
synced.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .interrupts import signals_held

JOURNAL = ".sync-journal.json"
_STAGED, _KEPT = ".sync-new", ".sync-old"


class TableWriteError(OSError):
    """A table sync will not or cannot replace; the tables were left as they were."""


@dataclass(frozen=True)
class _Swap:
    """One file to replace: the file itself (links resolved), its staged text, its old file's second name."""

    target: Path
    staged: Path
    kept: Path


def write_tables(texts: dict[Path, bytes], folder: Path) -> None:
    """Give each path its new bytes, all or none; `folder` (the tables folder) holds the journal.

    Raises InputError when two paths are one file with two different texts,
    TableWriteError (an OSError) when a file may not be replaced, and the
    OSError of a failed write; in each case every file is as it was.
    """
    if not texts:
        return  # nothing to change: the folder need not even be writable
    targets = _targets(texts)
    swaps: list[_Swap] = []
    journal = folder / JOURNAL
    journal_written = False
    try:
        for target, data in targets.items():
            with signals_held():  # an interrupt after mkstemp must find the file in `swaps`
                handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=_STAGED)
                swaps.append(_Swap(target, Path(name), Path(name.removesuffix(_STAGED) + _KEPT)))
            _write_staged(handle, data, target.stat())
        _write_journal(journal, swaps)
        journal_written = True
        with signals_held():
            try:
                for swap in swaps:
                    _keep(swap.target, swap.kept)
                    os.replace(swap.staged, swap.target)
            except BaseException:
                _roll_back(swaps)
                raise
    finally:
        with signals_held():  # every table is whole again, old or new: nothing is left to finish
            for swap in swaps:
                swap.staged.unlink(missing_ok=True)
                swap.kept.unlink(missing_ok=True)
            if journal_written:
                journal.unlink(missing_ok=True)


def finish_killed_write(folder: Path) -> list[str]:
    """Finish the renames of a sync killed half way (its journal says which); the paths it finished.

    Also removes what a run killed before its journal left: a half-written
    journal, and the staged files beside each table of `folder` (or its link's
    target), which carry the table's name and this module's suffix, so they
    are provably sync's own.
    """
    journal = folder / JOURNAL
    finished: list[str] = []
    if journal.exists():
        swaps = _journal_swaps(journal)
        with signals_held():
            for swap in swaps:
                if swap.staged.exists():
                    os.replace(swap.staged, swap.target)
                    finished.append(str(swap.target))
                swap.kept.unlink(missing_ok=True)
            journal.unlink()
    for leftover in folder.glob(f"{glob.escape(JOURNAL)}.*.tmp"):
        leftover.unlink(missing_ok=True)
    for table in folder.glob("*.toml"):
        target = Path(os.path.realpath(table))
        for leftover in target.parent.glob(f".{glob.escape(target.name)}.*{_STAGED}"):
            leftover.unlink(missing_ok=True)
    return finished


def killed_write_problem(folder: str) -> str:
    """What a journal left in the tables folder means, for every reader of the tables."""
    return (
        f"{folder}/{JOURNAL}: a sync was killed while it renamed the tables into place, so they may be "
        "half synced: run `python -m codegen sync` again (not --dry-run) to finish it"
    )


def _targets(texts: dict[Path, bytes]) -> dict[Path, bytes]:
    """Each file to replace, links resolved, refused where a rename would not keep what it is."""
    targets: dict[Path, bytes] = {}
    for path, data in texts.items():
        target = Path(os.path.realpath(path))
        info = target.stat()
        if not stat.S_ISREG(info.st_mode):
            raise TableWriteError(f"{path} is not a regular file")
        if not info.st_mode & 0o222:
            raise TableWriteError(f"{path} is read-only (mode {stat.filemode(info.st_mode)}); make it writable first")
        if info.st_nlink > 1:
            raise TableWriteError(
                f"{path} has {info.st_nlink} hard links, which a rewrite would split; "
                "make it a file of its own (or a symlink) first"
            )
        if targets.get(target, data) != data:
            raise InputError([f"{path}: is the same file as another table, which sync would write differently"])
        targets[target] = data
    return targets


def _write_staged(handle: int, data: bytes, old: os.stat_result) -> None:
    """The new text, with the old file's mode (and owner, where the user may set it), on disk."""
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fchmod(stream.fileno(), stat.S_IMODE(old.st_mode))
        try:
            os.fchown(stream.fileno(), old.st_uid, old.st_gid)
        except OSError:
            pass  # not ours to give away (or no owners here): the file keeps the writer's owner
        os.fsync(stream.fileno())


def _write_journal(journal: Path, swaps: list[_Swap]) -> None:
    """The set about to be renamed, paths relative to the journal's folder (so a moved project keeps it)."""
    folder = os.path.abspath(journal.parent)
    entries = [[os.path.relpath(path, folder) for path in (swap.target, swap.staged, swap.kept)] for swap in swaps]
    handle, name = tempfile.mkstemp(dir=journal.parent, prefix=f"{journal.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(entries, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(name, journal)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _journal_swaps(journal: Path) -> list[_Swap]:
    """The journal's swaps, each proven sync's own before any is renamed or deleted.

    A journal is only a file in the tables folder, which anyone (or a commit)
    may have put there: each target must be a table of this folder (its link
    resolved), and its staged and kept names those write_tables gives a file
    beside it. Anything else would let the journal rename or delete any file.
    """
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))
        folder = os.path.abspath(journal.parent)
        swaps = [_Swap(*(Path(os.path.normpath(os.path.join(folder, path))) for path in entry)) for entry in entries]
    except (ValueError, TypeError, OSError) as error:
        raise InputError(
            [f"{journal}: not a journal sync can read ({error}); check the tables, then remove it"]
        ) from None
    tables = {Path(os.path.realpath(table)) for table in journal.parent.glob("*.toml")}
    for swap in swaps:
        staged, kept, prefix = swap.staged.name, swap.kept.name, f".{swap.target.name}."
        if not (
            swap.target in tables
            and swap.staged.parent == swap.kept.parent == swap.target.parent
            and staged.startswith(prefix)
            and staged.endswith(_STAGED)
            and kept == staged.removesuffix(_STAGED) + _KEPT
        ):
            raise InputError(
                [
                    f"{journal}: names {swap.target}, {swap.staged} and {swap.kept}, which are not a table of "
                    "this folder and sync's own files beside it; nothing was renamed or deleted: check the "
                    "tables, then remove the journal"
                ]
            )
    return swaps


def _keep(path: Path, kept: Path) -> None:
    """A second name for the old file (a hard link), or an exact copy where links are refused."""
    try:
        os.link(path, kept)
    except OSError:
        shutil.copy2(path, kept)


def _roll_back(swaps: list[_Swap]) -> None:
    """Put back every old file whose staged one is gone (was renamed into place)."""
    for swap in swaps:
        if not swap.staged.exists() and swap.kept.exists():
            os.replace(swap.kept, swap.target)
