"""Verifying the log as stored in the control plane (``caldicott log verify``).

The stored entries are re-read in index order and each is checked on its own (its row
index has no gap, it is a JSON entry recording its own index, its stored leaf hash is the
hash of its bytes); the tree is recomputed from the entry bytes alone and its root compared
with every signed checkpoint, whose signatures are checked against the environment's
verifier keys. A root mismatch is localised by comparing the recomputed leaf hashes with
the leaf level of the stored tree, when that level still folds to the signed root. The
first failing entry index is reported; :func:`verify_or_raise` raises
:class:`~caldicott.errors.IntegrityError` (exit code 10) naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from caldicott.errors import IntegrityError
from caldicott.settings import Settings
from caldicott.transparency import merkle, verifier
from caldicott.transparency.checkpoint import all_checkpoints, check_signature, verifier_keys
from caldicott.transparency.log import iter_entries, stored_leaves, tree_head


def verify_database(session: Session, settings: Settings) -> verifier.Report:
    """Check every stored entry and checkpoint; return what was found."""
    report = verifier.Report()
    keys = verifier_keys(settings)
    signed: list[verifier.Checkpoint] = []
    for record in all_checkpoints(session):
        try:
            parsed = check_signature(record, keys)
        except IntegrityError as exc:
            report.fail(exc.message)
            continue
        signed.append(parsed)
        report.checkpoints.append({"id": record.id, "size": record.size, "signed": True})
    wanted = sorted({c.size for c in signed})
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
    builder = merkle.RootBuilder()
    leaves: list[bytes] = []
    pos = 0
    for idx, stored_leaf, raw in iter_entries(session):
        if idx != builder.size:
            report.fail(
                f"entry {builder.size} is missing (next stored index is {idx})", builder.size
            )
        problem = verifier.check_entry(raw, idx)
        if problem is not None:
            report.fail(problem, idx)
        leaf = merkle.leaf_hash(raw)
        if leaf != stored_leaf:
            report.fail(f"entry {idx}: bytes do not match the stored leaf hash", idx)
        leaves.append(leaf)
        builder.push(leaf)
        while pos < len(wanted) and wanted[pos] <= builder.size:
            if wanted[pos] == builder.size:
                roots[builder.size] = builder.root()
            pos += 1
    report.size = builder.size
    for cp in sorted(signed, key=lambda c: c.size):
        got = roots.get(cp.size)
        if got is None:
            report.fail(
                f"checkpoint of size {cp.size}: the log has {builder.size} entries", builder.size
            )
        elif got != cp.root:
            first = _locate(session, leaves, cp)
            report.fail(f"root at size {cp.size} differs from the signed checkpoint", first)
    head_size, _ = tree_head(session)
    if head_size != builder.size:
        report.fail(
            f"the log head records {head_size} entries; {builder.size} are stored",
            min(head_size, builder.size),
        )
    return report


def _locate(session: Session, leaves: Sequence[bytes], cp: verifier.Checkpoint) -> int | None:
    """The first leaf that differs from the signed tree, if the stored leaf level is intact."""
    stored = list(stored_leaves(session, cp.size))
    if len(stored) != cp.size or merkle.root_of(stored) != cp.root:
        return None
    for i, (mine, theirs) in enumerate(zip(leaves, stored, strict=False)):
        if mine != theirs:
            return i
    return min(len(leaves), cp.size)


def verify_or_raise(session: Session, settings: Settings) -> dict[str, Any]:
    """Verify the stored log; raise IntegrityError naming the first failing index."""
    report = verify_database(session, settings)
    doc = report.as_dict()
    if not report.ok:
        where = (
            f"first failing entry index {report.first_failing_index}"
            if report.first_failing_index is not None
            else "no entry index could be named"
        )
        raise IntegrityError(
            f"transparency log failed verification: {where}: {report.problems[0]}", **doc
        )
    return doc
