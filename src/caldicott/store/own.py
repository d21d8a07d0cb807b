"""caldicott's own stores, which no file a command writes may replace, and writing files
whole.

A view's rows, a report, an export: each goes to a path the user names, and a slip
(``--out .caldicott/control.db``) must not destroy the control plane, the warehouse or a
key. :func:`own_store` says whether a path is one of them: in the data folder by name, or
wherever a setting put it (``Settings.placed_files``). :func:`replacing` writes a file by
renaming a complete new one over it.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from caldicott.errors import OutputError

#: What caldicott keeps in the data folder for itself: files named (and those beside them
#: named from them: ``control.db-journal``, ``warehouse.duckdb.wal``) and folders.
OWN_FILES = ("control.db", "warehouse.duckdb", "caldicott.toml")
#: What SQLite and DuckDB name beside a database file.
COMPANIONS = ("", "-journal", "-wal", "-shm", ".wal", ".tmp")
#: The mode of files holding patient-level data: their owner's only.
PRIVATE = 0o600
#: Folders of the data folder that hold keys and quarantined originals.
OWN_FOLDERS = ("keys", "quarantine")


def own_store(
    target: Path, home: Path, placed: Sequence[Path] = (), folders: Sequence[str] = OWN_FOLDERS
) -> str | None:
    """Which of caldicott's own stores ``target`` (a resolved path) is, if any: a file of
    ``OWN_FILES`` in the data folder ``home``, anything under one of its ``folders``, or a
    ``placed`` file.

    Names are compared without case: on a case-insensitive file system (macOS, a Windows
    share) ``Control.DB`` is the control plane. A file that is a store under another name
    (a hard link) is one too.
    """
    root = home.expanduser().resolve()
    if target != root and target.is_relative_to(root):
        relative = target.relative_to(root)
        first = relative.parts[0].casefold()
        if first in folders:
            return f"caldicott's {first} folder"
        if len(relative.parts) == 1 and first in {f + c for f in OWN_FILES for c in COMPANIONS}:
            return f"caldicott's own {first}"
    name = str(target).casefold()
    for store in placed:
        path = store.expanduser().resolve()
        if name in {str(path).casefold() + c for c in COMPANIONS} or _same(target, path):
            return f"caldicott's own {path.name} (placed by a setting)"
    return None


#: What a path that is not a regular file is, for the message refusing it.
_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def resolved(path: Path) -> Path:
    """``path`` with links and ``..`` resolved; a loop of links is :class:`OutputError`."""
    try:
        return path.expanduser().resolve()
    except (OSError, RuntimeError) as exc:  # Python 3.11 raises RuntimeError for a loop
        raise OutputError(f"{path}: cannot be resolved ({exc})", path=str(path)) from None


def file_or_new(path: Path, target: Path) -> Path:
    """``target`` (``path`` resolved) if it is a regular file or nothing yet; a folder,
    device, FIFO or socket is :class:`OutputError` (renaming a file over one would
    replace it, ``/dev/null`` included)."""
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror})", path=str(path)) from None
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
        raise OutputError(f"{path}: is {kind}; files are written only to a regular file")
    return target


def _same(target: Path, store: Path) -> bool:
    try:
        return target.samefile(store)
    except OSError:  # either does not exist (yet)
        return False


@contextmanager
def replacing(target: Path, mode: int | None = None) -> Iterator[BinaryIO]:
    """A new file beside ``target``, renamed over it once written: a failed or killed
    write leaves the old file as it was, never part of the new one. The file's mode is
    ``mode``; or the mode of the file it replaces (a file its owner made private stays
    so); or, for a new file, what the umask gives one (the kernel applies it)."""
    if mode is None:
        with suppress(FileNotFoundError):
            mode = target.stat().st_mode & 0o7777
    partial = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            yield out
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
