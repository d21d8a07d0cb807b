"""The periodic audit report (Caldicott principle E2): what happened in a period, and proof.

For a period ``[start, end]`` (whole days, UTC) the report gives:

- an activity summary: entries per kind;
- agreements (their transitions) and releases in the period;
- consent trends: consent changes per day and category;
- anomalies, each with its rule:
  - *bursts*: an hour with more than ``max(BURST_MINIMUM, BURST_FACTOR x the median busy
    hour)`` entries, where the median is over the period's hours that had any entry;
  - *releases outside their agreement's period*: a release logged before the agreement's
    start date or after its end date;
- a signed checkpoint issued for this report (labelled ``audit``) and an RFC 9162
  consistency proof from the previous audit's checkpoint, so the next auditor can show the
  log only grew between audits.

Rendered as JSON or as HTML (a Jinja2 template shipped in ``templates/``, no scripts).
"""

from __future__ import annotations

import base64
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from caldicott.errors import InvalidArgument
from caldicott.settings import Settings
from caldicott.transparency import verifier
from caldicott.transparency.checkpoint import create_checkpoint, latest_checkpoint
from caldicott.transparency.entries import (
    AGREEMENT_TRANSITION,
    CONSENT_CHANGE,
    RELEASE,
    Entry,
    decode,
)
from caldicott.transparency.log import ENTRY, consistency_proof

AUDIT_LABEL = "audit"
BURST_MINIMUM = 100
BURST_FACTOR = 10


def _entries(session: Session, start: datetime, end: datetime) -> list[Entry]:
    rows = session.execute(
        select(ENTRY.c.entry)
        .where(ENTRY.c.created_at >= start, ENTRY.c.created_at < end)
        .order_by(ENTRY.c.idx)
    )
    return [decode(bytes(raw)) for (raw,) in rows]


def _bursts(entries: list[Entry]) -> tuple[int, list[dict[str, Any]]]:
    hours = Counter(e.time.replace(minute=0, second=0, microsecond=0) for e in entries)
    if not hours:
        return BURST_MINIMUM, []
    threshold = max(BURST_MINIMUM, int(BURST_FACTOR * statistics.median(hours.values())))
    found = [
        {"rule": "burst", "hour": hour.isoformat(), "entries": count, "threshold": threshold}
        for hour, count in sorted(hours.items())
        if count > threshold
    ]
    return threshold, found


def _outside_period(releases: list[Entry]) -> list[dict[str, Any]]:
    found = []
    for e in releases:
        agreement = e.payload.get("agreement", {})
        period = agreement.get("period", {})
        day = e.time.date().isoformat()
        if not period.get("start", "") <= day <= period.get("end", "9999-12-31"):
            found.append(
                {
                    "rule": "release-outside-agreement-period",
                    "release_id": e.payload.get("release_id"),
                    "entry_index": e.index,
                    "date": day,
                    "agreement_id": agreement.get("id"),
                    "period": period,
                }
            )
    return found


def build_report(session: Session, settings: Settings, start: date, end: date) -> dict[str, Any]:
    """The audit report for ``start`` to ``end`` inclusive; issues an ``audit`` checkpoint."""
    if end < start:
        raise InvalidArgument(f"audit period ends ({end}) before it starts ({start})")
    lo = datetime.combine(start, time(), UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), UTC)
    entries = _entries(session, lo, hi)
    releases = [e for e in entries if e.kind == RELEASE]
    trends: dict[str, Counter[str]] = defaultdict(Counter)
    for e in entries:
        if e.kind == CONSENT_CHANGE:
            category = str(e.payload.get("category", e.payload.get("choice", "unspecified")))
            trends[e.time.date().isoformat()][category] += 1
    threshold, bursts = _bursts(entries)
    previous = latest_checkpoint(session, AUDIT_LABEL)
    current = create_checkpoint(session, settings, label=AUDIT_LABEL)
    consistency: dict[str, Any] | None = None
    if previous is not None:
        proof = consistency_proof(session, previous.size, current.size)
        consistency = {
            "from_size": previous.size,
            "to_size": current.size,
            "from_checkpoint": previous.note,
            "hashes": [base64.b64encode(h).decode() for h in proof],
            "verified": verifier.verify_consistency(
                previous.size, current.size, previous.root, current.root, proof
            ),
        }
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "generated_at": current.created_at.isoformat(),
        "activity": dict(sorted(Counter(e.kind for e in entries).items())),
        "entries": len(entries),
        "agreements": [
            {
                "entry_index": e.index,
                "time": e.time.isoformat(),
                "agreement_id": e.payload.get("agreement_id"),
                "from": e.payload.get("from"),
                "to": e.payload.get("to"),
                "actor": e.actor,
            }
            for e in entries
            if e.kind == AGREEMENT_TRANSITION
        ],
        "releases": [
            {
                "entry_index": e.index,
                "date": e.time.date().isoformat(),
                "release_id": e.payload.get("release_id"),
                "agreement_id": e.payload.get("agreement", {}).get("id"),
                "purpose": e.payload.get("agreement", {}).get("purpose"),
                "organisation": e.payload.get("agreement", {}).get("organisation"),
                "members": e.payload.get("members"),
            }
            for e in releases
        ],
        "consent_trends": {day: dict(sorted(c.items())) for day, c in sorted(trends.items())},
        "anomalies": {
            "rules": {
                "burst": f"an hour with more than max({BURST_MINIMUM}, {BURST_FACTOR} x the "
                "median busy hour) entries",
                "release-outside-agreement-period": "a release logged outside its agreement's "
                "start and end dates",
            },
            "burst_threshold": threshold,
            "found": bursts + _outside_period(releases),
        },
        "checkpoint": current.as_dict(),
        "consistency": consistency,
    }


def render_html(report: dict[str, Any]) -> str:
    env = Environment(
        loader=PackageLoader("caldicott.transparency", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    return env.get_template("audit_report.html.j2").render(r=report)
