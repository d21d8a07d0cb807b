"""The Data Uses Register: every agreement ever approved, in words the public can read.

One entry per approved version (an amendment approved later is a new entry), whatever
happened to it since: its current state shows whether it is active, suspended, revoked,
expired or superseded. Each entry carries the lay summary, organisation, purpose, legal
bases, commercial flag and benefit sharing, whether opt-outs apply, dates, the panel's
outcome, the custodian's conditions, and the releases made under it.

Releases come from the release capability through :func:`add_release_source`: a function
``(session, reference, version) -> list[dict]`` returning each release's date and counts.
Until one is registered, every entry's ``releases`` list is empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caldicott.consent.purposes import vocabulary
from caldicott.governance import records
from caldicott.governance.panel import conditions, panel_record
from caldicott.governance.sensitive import sensitive_codes
from caldicott.governance.tables import AgreementVersion, Organisation, Transition
from caldicott.store.control.base import utcnow

FORMAT_VERSION = 1
ReleaseSource = Callable[[Session, str, int], list[dict[str, Any]]]
_release_sources: list[ReleaseSource] = []
CSV_COLUMNS = (
    "agreement",
    "version",
    "title",
    "organisation",
    "organisation_name",
    "purpose",
    "lay_summary",
    "public_benefit",
    "identifiability",
    "article6",
    "article9",
    "common_law",
    "commercial",
    "benefit_sharing",
    "national_opt_out_applies",
    "type1_opt_out_applies",
    "approved_on",
    "starts_on",
    "ends_on",
    "state",
    "panel_outcome",
    "panel_support",
    "panel_oppose",
    "panel_abstain",
    "panel_concerns",
    "conditions",
    "releases",
    "last_release_on",
)


def add_release_source(source: ReleaseSource) -> None:
    """Register where releases come from (the release capability calls this once)."""
    if source not in _release_sources:
        _release_sources.append(source)


def remove_release_source(source: ReleaseSource) -> None:
    if source in _release_sources:
        _release_sources.remove(source)


def _releases(session: Session, reference: str, version: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for source in _release_sources:
        found.extend(source(session, reference, version))
    return sorted(found, key=lambda r: str(r.get("released_at", "")))


def entries(session: Session) -> list[dict[str, Any]]:
    """Every version ever approved, oldest first, as public register entries."""
    approved_ids = session.scalars(
        select(Transition.version_id).where(Transition.to_state == "approved").distinct()
    ).all()
    rows = session.scalars(
        select(AgreementVersion)
        .where(AgreementVersion.id.in_(approved_ids))
        .order_by(AgreementVersion.agreement_id, AgreementVersion.version)
    ).all()
    return [_entry(session, row) for row in rows]


def _entry(session: Session, row: AgreementVersion) -> dict[str, Any]:
    app = records.application_of(row)
    purpose = vocabulary().get(app.purpose)
    org = session.scalar(select(Organisation).where(Organisation.code == app.organisation))
    reference = records.reference_of(session, row)
    return {
        "agreement": reference,
        "version": row.version,
        "title": app.title,
        "organisation": {"code": app.organisation, "name": org.name if org else None},
        "purpose": {"code": purpose.code, "title": purpose.title},
        "lay_summary": app.lay_summary,
        "public_benefit": app.public_benefit,
        "identifiability": app.identifiability,
        "legal_basis": {
            "article6": app.legal_basis.get("article6"),
            "article9": app.legal_basis.get("article9"),
            "common_law": app.legal_basis.get("common_law"),
        },
        "commercial": app.commercial,
        "benefit_sharing": app.benefit_sharing or None,
        "opt_outs": {
            "national_opt_out_applies": purpose.national_opt_out,
            "type1_opt_out_applies": purpose.type1_opt_out,
        },
        "sensitive_categories": [c for c, _ in app.sensitive],
        "approved_on": row.decided_at.date().isoformat() if row.decided_at else None,
        "starts_on": row.starts_on.isoformat() if row.starts_on else None,
        "ends_on": row.ends_on.isoformat() if row.ends_on else None,
        "state": row.state,
        "panel": panel_record(session, row),
        "conditions": conditions(session, row),
        "releases": _releases(session, reference, row.version),
    }


def export(session: Session, at: datetime | None = None) -> dict[str, Any]:
    """The whole register as one JSON-ready document, with the versions of its rules."""
    return {
        "register": "caldicott Data Uses Register",
        "format_version": FORMAT_VERSION,
        "generated_at": (at or utcnow()).isoformat(),
        "purpose_vocabulary_version": vocabulary().version,
        "sensitive_codes_version": sensitive_codes().version,
        "agreements": entries(session),
    }


def to_csv(document: dict[str, Any]) -> str:
    """The register as CSV, one row per approved version (releases counted)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for e in document["agreements"]:
        releases = e["releases"]
        writer.writerow(
            {
                "agreement": e["agreement"],
                "version": e["version"],
                "title": e["title"],
                "organisation": e["organisation"]["code"],
                "organisation_name": e["organisation"]["name"],
                "purpose": e["purpose"]["code"],
                "lay_summary": e["lay_summary"],
                "public_benefit": e["public_benefit"],
                "identifiability": e["identifiability"],
                "article6": e["legal_basis"]["article6"],
                "article9": e["legal_basis"]["article9"],
                "common_law": e["legal_basis"]["common_law"],
                "commercial": str(e["commercial"]).lower(),
                "benefit_sharing": e["benefit_sharing"] or "",
                "national_opt_out_applies": str(e["opt_outs"]["national_opt_out_applies"]).lower(),
                "type1_opt_out_applies": str(e["opt_outs"]["type1_opt_out_applies"]).lower(),
                "approved_on": e["approved_on"],
                "starts_on": e["starts_on"] or "",
                "ends_on": e["ends_on"] or "",
                "state": e["state"],
                "panel_outcome": e["panel"]["outcome"],
                "panel_support": e["panel"]["votes"]["support"],
                "panel_oppose": e["panel"]["votes"]["oppose"],
                "panel_abstain": e["panel"]["votes"]["abstain"],
                "panel_concerns": len(e["panel"]["concerns"]),
                "conditions": " | ".join(e["conditions"]),
                "releases": len(releases),
                "last_release_on": str(releases[-1].get("released_at", "")) if releases else "",
            }
        )
    return out.getvalue()
