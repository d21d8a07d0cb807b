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
from caldicott.transparency.log import iter_entries, stored_leaves, stored_nodes, tree_head


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
    leaves: list[bytes] = []
    for idx, stored_leaf, raw in iter_entries(session):
        position = len(leaves)
        if idx != position:
            report.fail(f"entry {position} is missing (next stored index is {idx})", position)
        if not verifier.well_placed(raw, idx):
            problem = verifier.check_entry(raw, idx)
            if problem is not None:
                report.fail(problem, idx)
        leaf = merkle.leaf_hash(raw)
        if leaf != stored_leaf:
            report.fail(f"entry {idx}: bytes do not match the stored leaf hash", idx)
        leaves.append(leaf)
    report.size = len(leaves)
    levels = verifier.tree_levels(leaves)
    for cp in sorted(signed, key=lambda c: c.size):
        if cp.size > len(leaves):
            report.fail(
                f"checkpoint of size {cp.size}: the log has {len(leaves)} entries", len(leaves)
            )
        elif verifier.root_at(levels, cp.size) != cp.root:
            first = _locate(session, leaves, cp)
            report.fail(f"root at size {cp.size} differs from the signed checkpoint", first)
    head_size, head_root = tree_head(session)
    if head_size != len(leaves):
        report.fail(
            f"the log head records {head_size} entries; {len(leaves)} are stored",
            min(head_size, len(leaves)),
        )
    elif head_root != verifier.root_at(levels, head_size):
        report.fail("the log head's cached tree edge differs from the entries")
    _check_nodes(session, levels, report)
    return report


def _check_nodes(session: Session, levels: list[list[bytes]], report: verifier.Report) -> None:
    """The stored tree (which proofs are built from) must be the tree of the entries."""
    count = 0
    for level, idx, digest in stored_nodes(session):
        count += 1
        row = levels[level] if level < len(levels) else []
        if idx >= len(row) or row[idx] != digest:
            report.fail(
                f"stored tree node (level {level}, index {idx}) differs from the entries; "
                "proofs served from it would not verify",
                idx << level if level == 0 else None,
            )
            return
    expected = sum(len(level) for level in levels)
    if count != expected:
        report.fail(f"the stored tree has {count} nodes; the entries make {expected}")


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
