"""Exporting the log for verification elsewhere (``caldicott log export``).

An export folder holds everything an auditor needs and nothing about any patient beyond
the keyed hashes already in the entries:

- ``entries.ndjson``: entry ``i`` on line ``i`` (0-based), exactly the bytes that were hashed;
- ``checkpoints/<id>-<size>.note``: every signed checkpoint issued so far;
- ``leaves.bin``: the stored leaf hashes, 32 bytes each: a hint the verifier uses only to
  name the first bad entry precisely, and only once it has checked them against a signed root;
- ``keys.txt``: every verifier key the environment has signed with, one per line;
- ``verifier.py``: a copy of the standalone verifier (compare it with the published source);
- ``manifest.json``: origin, size and counts, for orientation only (not trusted by the verifier).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from caldicott.errors import OutputError
from caldicott.settings import Settings
from caldicott.store.control.instance import ensure_instance
from caldicott.transparency import verifier
from caldicott.transparency.checkpoint import all_checkpoints, verifier_keys
from caldicott.transparency.log import iter_entries, stored_leaves


def export_folder(out: Path) -> None:
    """Make ``out`` ready for an export, or refuse it: created if needed, and empty. Asked
    before the checkpoint an export signs, so a folder refused leaves none signed."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        if any(out.iterdir()):
            raise OutputError(f"{out}: export folder is not empty", path=str(out))
    except OSError as exc:
        raise OutputError(f"{out}: cannot be written ({exc.strerror})", path=str(out)) from None


def export_log(session: Session, settings: Settings, out: Path) -> dict[str, Any]:
    """Write the export folder ``out`` (created if needed; must be empty)."""
    export_folder(out)
    try:
        (out / "checkpoints").mkdir()
        count = 0
        with (out / "entries.ndjson").open("wb") as fh:
            for _idx, _leaf, raw in iter_entries(session):
                fh.write(raw + b"\n")
                count += 1
        with (out / "leaves.bin").open("wb") as fh:
            for digest in stored_leaves(session):
                fh.write(digest)
        checkpoints = all_checkpoints(session)
        for cp in checkpoints:
            name = f"{cp.id:08d}-{cp.size}.note"
            (out / "checkpoints" / name).write_text(cp.note, encoding="utf-8")
        keys = verifier_keys(settings)
        (out / "keys.txt").write_text("".join(k + "\n" for k in keys), encoding="utf-8")
        shutil.copyfile(verifier.__file__, out / "verifier.py")
        manifest = {
            "origin": ensure_instance(session).origin,
            "entries": count,
            "checkpoints": len(checkpoints),
            "latest_checkpoint_size": checkpoints[-1].size if checkpoints else None,
            "verifier_keys": len(keys),
        }
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    except OSError as exc:
        raise OutputError(f"{out}: cannot write the export ({exc.strerror})") from None
    return {"folder": str(out), **manifest}
