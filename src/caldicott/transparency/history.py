"""Releases in the log, and each patient's access history derived from their membership.

:func:`record_release` is the one way a release enters the log: it appends a ``release``
entry (the agreement's purpose, organisation, lay summary and period, the manifest's hash
and the member count) and, in the same transaction, one membership row per patient keyed
hash. Membership is kept out of the public entry.

:func:`access_history` answers "who has had my data?": every release whose membership
includes the patient's keyed hash, with an inclusion proof of its entry against the
latest checkpoint. It is complete by construction, because no release can be logged
without its membership.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from caldicott.errors import InvalidArgument
from caldicott.transparency.checkpoint import latest_checkpoint
from caldicott.transparency.entries import RELEASE, PatientHasher, decode
from caldicott.transparency.log import append, entry_bytes, inclusion_proof
from caldicott.transparency.tables import ReleaseMember

AGREEMENT_FIELDS = ("id", "purpose", "organisation", "lay_summary", "period")
_HEX = re.compile(r"^[0-9a-f]{64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _agreement(agreement: Mapping[str, Any]) -> dict[str, Any]:
    missing = [k for k in AGREEMENT_FIELDS if k not in agreement]
    if missing:
        raise InvalidArgument(f"release agreement lacks {', '.join(missing)}")
    period = agreement["period"]
    if not isinstance(period, Mapping) or not all(
        isinstance(period.get(k), str) and _DATE.fullmatch(period[k]) for k in ("start", "end")
    ):
        raise InvalidArgument("release agreement period needs start and end as YYYY-MM-DD")
    out = {k: agreement[k] for k in AGREEMENT_FIELDS}
    out["period"] = {"start": period["start"], "end": period["end"]}
    out["id"] = str(out["id"])
    return out


def record_release(
    session: Session,
    release_id: str,
    agreement: Mapping[str, Any],
    manifest_hash: str,
    *,
    member_hashes: Iterable[str] = (),
    member_nhs_numbers: Iterable[str] = (),
    hasher: PatientHasher | None = None,
    actor: str = "release",
    at: datetime | None = None,
) -> int:
    """Log a release and its membership in the caller's transaction; return the entry index."""
    if not release_id or len(release_id) > 100:
        raise InvalidArgument("release id must be 1-100 characters")
    if not _HEX.fullmatch(manifest_hash):
        raise InvalidArgument("manifest hash must be a lower-case hex SHA-256")
    members = set(member_hashes)
    numbers = list(member_nhs_numbers)
    if numbers:
        if hasher is None:
            raise InvalidArgument("member NHS numbers need the environment's patient hasher")
        members.update(hasher(n) for n in numbers)
    bad = next((i for i, h in enumerate(sorted(members)) if not _HEX.fullmatch(h)), None)
    if bad is not None:
        raise InvalidArgument(f"member keyed hash {bad} is not a lower-case hex SHA-256")
    payload = {
        "release_id": release_id,
        "agreement": _agreement(agreement),
        "manifest_hash": manifest_hash,
        "members": len(members),
    }
    index = append(session, RELEASE, actor, payload, at)
    if members:
        session.execute(
            insert(ReleaseMember),
            [{"release_id": release_id, "patient_hash": h, "entry_idx": index} for h in members],
        )
    return index


def access_history(session: Session, patient_hash: str) -> dict[str, Any]:
    """Every release that included this patient, each with its entry's inclusion proof."""
    if not _HEX.fullmatch(patient_hash):
        raise InvalidArgument("a patient keyed hash is a lower-case hex SHA-256")
    indexes = session.scalars(
        select(ReleaseMember.entry_idx)
        .where(ReleaseMember.patient_hash == patient_hash)
        .order_by(ReleaseMember.entry_idx)
    ).all()
    cp = latest_checkpoint(session)
    releases = []
    for index in indexes:
        entry = decode(entry_bytes(session, index))
        payload = entry.payload
        agreement = payload["agreement"]
        item: dict[str, Any] = {
            "release_id": payload["release_id"],
            "date": entry.time.date().isoformat(),
            "time": entry.time.isoformat(),
            "agreement_id": agreement["id"],
            "purpose": agreement["purpose"],
            "organisation": agreement["organisation"],
            "lay_summary": agreement["lay_summary"],
            "manifest_hash": payload["manifest_hash"],
            "entry_index": index,
            "entry": entry_bytes(session, index).decode(),
            "proof": None,
        }
        if cp is not None and index < cp.size:
            proof = inclusion_proof(session, index, cp.size)
            item["proof"] = {
                "tree_size": cp.size,
                "hashes": [base64.b64encode(h).decode() for h in proof],
            }
        releases.append(item)
    return {
        "patient": patient_hash,
        "checkpoint": None if cp is None else {"size": cp.size, "note": cp.note},
        "releases": releases,
        "pending": sum(1 for r in releases if r["proof"] is None),
    }
