"""Invariant 6 for the transparency log: patients appear only as keyed hashes.

No entry, export file, FHIR AuditEvent, audit report or access history may contain an NHS
number (in any spacing); patient-level events carry HMAC-SHA256 keyed hashes instead.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from caldicott.errors import InvalidArgument
from caldicott.settings import load_settings
from caldicott.store.control import ControlPlane
from caldicott.transparency import (
    ACCESS_DECISION,
    CONSENT_CHANGE,
    append,
    patient_hasher,
)
from caldicott.transparency.audit_event import audit_events
from caldicott.transparency.audit_report import build_report, render_html
from caldicott.transparency.checkpoint import create_checkpoint
from caldicott.transparency.export import export_log
from caldicott.transparency.history import access_history, record_release
from caldicott.transparency.tables import LogEntry, ReleaseMember

NUMBERS = ["9434765919", "4010232137", "9990001114"]
AT = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def _forms(number: str) -> list[str]:
    return [
        number,
        f"{number[:3]} {number[3:6]} {number[6:]}",
        f"{number[:3]}-{number[3:6]}-{number[6:]}",
    ]


def _assert_clean(text: str, where: str) -> None:
    for number in NUMBERS:
        for form in _forms(number):
            assert form not in text, f"an NHS number appears in {where}"


def test_no_nhs_number_anywhere_the_log_reaches(control: ControlPlane, tmp_path: Path) -> None:
    settings = load_settings()
    hasher = patient_hasher(settings.keys_dir)
    agreement = {
        "id": "A1",
        "purpose": "research",
        "organisation": "Org",
        "lay_summary": "A study.",
        "period": {"start": "2026-01-01", "end": "2026-12-31"},
    }
    with control.session() as s:
        for n in NUMBERS:
            append(
                s,
                CONSENT_CHANGE,
                "portal",
                {"category": "opt-out", "purpose": "research", "patient": hasher(n)},
                AT,
            )
            append(
                s,
                ACCESS_DECISION,
                "api",
                {"decision": "permit", "purpose": "research", "patient": hasher(n)},
                AT,
            )
        record_release(
            s, "R1", agreement, "cd" * 32, member_nhs_numbers=NUMBERS, hasher=hasher, at=AT
        )
        create_checkpoint(s, settings)
    with control.session() as s:
        for raw in s.scalars(select(LogEntry.entry)):
            _assert_clean(bytes(raw).decode(), "a stored entry")
        for h in s.scalars(select(ReleaseMember.patient_hash)):
            _assert_clean(h, "release membership")
        _assert_clean(json.dumps(list(audit_events(s))), "the AuditEvents")
        for n in NUMBERS:
            _assert_clean(json.dumps(access_history(s, hasher(n))), "an access history")
        report = build_report(s, settings, date(2026, 6, 1), date(2026, 6, 30))
        _assert_clean(json.dumps(report), "the audit report (JSON)")
        _assert_clean(render_html(report), "the audit report (HTML)")
        export_log(s, settings, tmp_path / "export")
    for path in (tmp_path / "export").rglob("*"):
        if path.is_file():
            _assert_clean(path.read_bytes().decode("utf-8", "replace"), f"export file {path.name}")


@pytest.mark.parametrize("form", _forms(NUMBERS[0]))
def test_append_refuses_an_nhs_number(control: ControlPlane, form: str) -> None:
    with pytest.raises(InvalidArgument) as err, control.session() as s:
        append(s, CONSENT_CHANGE, "portal", {"patient": form})
    _assert_clean(err.value.message, "the error message")
