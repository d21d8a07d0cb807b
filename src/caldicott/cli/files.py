"""Files a command writes where the user says (``--out``): never over caldicott's own
stores, never to a folder or device, and whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from caldicott.errors import OutputError, PermissionDenied
from caldicott.settings import Settings
from caldicott.store.own import file_or_new, own_store, replacing, resolved


def out_target(path: Path, settings: Settings) -> Path:
    """``path`` resolved (symlinks, ``..``), once it is known to be writable as a file:
    not one of caldicott's own stores (:class:`PermissionDenied`), not an existing folder,
    device, FIFO or socket (:class:`OutputError`)."""
    target = resolved(path)
    if (own := own_store(target, settings.home, settings.placed_files)) is not None:
        raise PermissionDenied(
            f"{path}: is {own}; nothing is ever written over caldicott's own stores",
            path=str(path),
        )
    return file_or_new(path, target)


@contextmanager
def writing_out(path: Path, settings: Settings, mode: int | None = None) -> Iterator[BinaryIO]:
    """A handle whose bytes become ``path`` (checked by :func:`out_target`) once the
    block ends without error; missing folders are made. ``mode`` as for ``replacing``.
    Entered before irreversible work, it proves the folder takes a new file first."""
    target = out_target(path, settings)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with replacing(target, mode) as out:
            yield out
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror})", path=str(path)) from None


def write_out(path: Path, data: bytes, settings: Settings) -> None:
    """Write ``data`` to ``path`` as :func:`writing_out` does."""
    with writing_out(path, settings) as out:
        out.write(data)
