"""Write the package: all or nothing, atomic per file, unchanged files untouched.

Only files the generator can prove it wrote are replaced or removed
(codegen.ownership); a foreign file stops the run before anything changes.
Everything happens under the folder's lock (codegen.lock).

Changed files are first staged in a sibling folder, `.NAME.staging-*`, on the
same filesystem but outside the package, where neither orphan detection nor
`check` looks (a package that is a mount point, or whose parent folder takes
no new entries, stages inside itself instead; a killed run's folder there is
removed before the survey, and until then `check` counts it as foreign). Then, with SIGINT, SIGTERM and SIGHUP held back, each old file
is kept in the staging folder (a hard link, or a moved orphan) and each new
one renamed into place. If anything fails, rollback reads what was done from
the files themselves (a staged file that is gone was renamed), so no rename
can be missed, and puts every old file back: same inode, bytes, mode, mtime.
A run killed outright (SIGKILL) leaves each file whole, old or new, and its
staging folder, which the next run removes.

A link to the package is resolved first (codegen.ownership.own_folder): the
real folder is proven, surveyed, locked and staged beside, so renames never
cross a filesystem and `--out .` stages outside the package too.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import lock
from .interrupts import signals_held
from .ownership import own_folder, refuse_foreign, refuse_if_not_package, survey


@dataclass
class WriteReport:
    """What a write did, file by file (paths inside the package)."""

    written: list[str] = field(default_factory=list[str])
    unchanged: list[str] = field(default_factory=list[str])
    removed: list[str] = field(default_factory=list[str])


def current_bytes(path: Path) -> bytes | None:
    """The bytes of a regular file; None when missing or not a regular file (a link, a folder)."""
    if path.is_symlink() or not path.is_file():
        return None
    return path.read_bytes()


# What tempfile adds to a prefix: 8 of the letters of tempfile._RandomNameSequence.
_RANDOM = "[a-z0-9_]{8}"


def write_atomic(path: Path, data: bytes) -> None:
    """Replace path with data in one rename, so readers never see half a file.

    The file is first written as `.NAME.XXXXXXXX.tmp` beside path (atomic_temp
    matches exactly these names); a run killed meanwhile leaves it, for
    remove_leftovers to take away.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def atomic_temp(names: str) -> re.Pattern[str]:
    """The names of write_atomic's temporary files for targets whose names match the regex `names`."""
    return re.compile(rf"\.(?:{names})\.{_RANDOM}\.tmp")


def is_plain_file(path: Path) -> bool:
    """A regular file, not a link to one."""
    return not path.is_symlink() and path.is_file()


def remove_leftovers(folder: Path, names: re.Pattern[str], is_ours: Callable[[Path], bool]) -> None:
    """Remove what killed runs left in folder: entries named as only this module names its
    temporary files and folders, and shaped as it makes them (is_ours); nothing else.

    Call it only holding the exclusive lock (codegen.lock) that every run making
    such an entry holds while it exists: then none of them is in use right now.
    """
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        if names.fullmatch(entry.name) and is_ours(entry):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                try:
                    entry.unlink(missing_ok=True)
                except OSError:  # a leftover that cannot go costs nothing but its space
                    pass


def staging_prefix(out_dir: Path) -> str:
    """The name start of a staging folder: beside the package, so renames stay on one filesystem."""
    return f".{out_dir.name}.staging-"


def _staging_names(out_dir: Path) -> re.Pattern[str]:
    """The names a staging folder may have; _is_staging proves the folder's shape."""
    return re.compile(f"{re.escape(staging_prefix(out_dir))}.*", re.DOTALL)


def write_package(
    files: dict[str, str], out_dir: Path, label: str | None = None, notify: lock.Notify = lock.to_stderr
) -> WriteReport:
    """Bring out_dir to exactly `files`, touching only what differs; on failure, change nothing.

    Raises InputError (nothing written) when out_dir is not a flax_auto package
    or holds files the generator did not write; OSError when writing failed or
    another run held the lock too long (`notify` hears that it waits).
    """
    label = label or str(out_dir)
    out_dir = own_folder(out_dir, label)
    refuse_if_not_package(out_dir, files, label)
    with lock.writing(out_dir, label, notify) as created:
        try:
            return _write_locked(files, out_dir, label)
        except BaseException:
            if created:
                _remove_if_empty(out_dir)
            raise


def _write_locked(files: dict[str, str], out_dir: Path, label: str) -> WriteReport:
    """The write proper; everything it reads is read under the lock, so no other run can change it."""
    refuse_if_not_package(out_dir, files, label)
    for folder in (out_dir.parent, out_dir):
        remove_leftovers(folder, _staging_names(out_dir), _is_staging)  # a killed run's; we hold the lock
    contents = survey(out_dir, files)
    refuse_foreign(contents, label)

    report = WriteReport(removed=contents.orphans)
    changed: dict[str, bytes] = {}
    for name in sorted(files):
        data = files[name].encode("utf-8")
        if current_bytes(out_dir / name) == data:
            report.unchanged.append(name)
        else:
            changed[name] = data
            report.written.append(name)
    if not changed and not contents.orphans:
        return report

    staging = None
    try:
        with signals_held():  # an interrupt after mkdtemp must find `staging` set
            staging = _make_staging(out_dir)
        new, old = staging / "new", staging / "old"
        for name, data in changed.items():
            _write_new(new / name, data)
        with signals_held():
            try:
                _commit(out_dir, new, old, changed, contents.orphans)
            except BaseException:
                _roll_back(out_dir, new, old, changed, contents.orphans)
                raise
    finally:
        if staging is not None:
            with signals_held():  # so that an interrupt cannot cut the clean-up short
                shutil.rmtree(staging, ignore_errors=True)
    return report


def _make_staging(out_dir: Path) -> Path:
    """A new staging folder: beside the package, unless the package is a filesystem of its own
    (a mount point, such as a container's volume), where a rename from beside it would fail
    with EXDEV on every run, or the folder above it takes no new entries (not ours to write);
    then inside the package, under a name the next run removes."""
    prefix = staging_prefix(out_dir)
    if os.stat(out_dir).st_dev == os.stat(out_dir.parent).st_dev:
        try:
            return Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=prefix))
        except PermissionError:
            pass
    return Path(tempfile.mkdtemp(dir=out_dir, prefix=prefix))


def _is_staging(folder: Path) -> bool:
    """A folder a run staged in: a real folder (not a link) holding nothing but new/ and old/."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        entries = list(folder.iterdir())
    except OSError:
        return False
    return all(entry.name in ("new", "old") and entry.is_dir() and not entry.is_symlink() for entry in entries)


def _write_new(path: Path, data: bytes) -> None:
    """A new staged file; 0o644 whatever the umask, as a checkout would have it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as stream:
        stream.write(data)
    os.chmod(path, 0o644)


def _commit(out_dir: Path, new: Path, old: Path, changed: dict[str, bytes], orphans: list[str]) -> None:
    """Keep each old file under old/, then rename each new one into place."""
    for name in orphans:
        (old / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(out_dir / name, old / name)
    for name in changed:
        target = out_dir / name
        if target.is_symlink() or target.is_file():
            (old / name).parent.mkdir(parents=True, exist_ok=True)
            _keep(target, old / name)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(new / name, target)


def _keep(path: Path, kept: Path) -> None:
    """A second name for path's file (a hard link), or an exact copy where links are refused."""
    try:
        os.link(path, kept, follow_symlinks=False)
    except OSError:
        if path.is_symlink():
            kept.symlink_to(os.readlink(path))
        else:
            shutil.copy2(path, kept)


def _roll_back(out_dir: Path, new: Path, old: Path, changed: dict[str, bytes], orphans: list[str]) -> None:
    """Undo every rename that happened, judged from the files: a staged file that is gone was renamed."""
    for name in changed:
        if os.path.lexists(new / name):
            continue
        if os.path.lexists(old / name):
            os.replace(old / name, out_dir / name)
        else:
            (out_dir / name).unlink(missing_ok=True)
    for name in orphans:
        if os.path.lexists(old / name):
            os.replace(old / name, out_dir / name)


def _remove_if_empty(folder: Path) -> None:
    """Remove a folder this run created, unless something else now lives in it."""
    try:
        folder.rmdir()
    except OSError:
        pass
