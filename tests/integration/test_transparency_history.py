"""Patient access histories, FHIR AuditEvents and audit reports, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from caldicott.errors import InvalidArgument
from caldicott.settings import Settings, load_settings
from caldicott.store.control import ControlPlane
from caldicott.transparency import (
    ACCESS_DECISION,
    AGREEMENT_TRANSITION,
    CONSENT_CHANGE,
    KEY_OPERATION,
    Event,
    append,
    append_many,
    merkle,
    patient_hasher,
    verifier,
)
from caldicott.transparency.audit_event import audit_events
from caldicott.transparency.audit_report import build_report, render_html
from caldicott.transparency.checkpoint import create_checkpoint
from caldicott.transparency.history import access_history, record_release

AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
ALICE, BOB, CAROL = "9434765919", "4010232137", "9990001114"
MANIFEST = "ab" * 32


def agreement(ident: str, start: str = "2026-01-01", end: str = "2026-12-31") -> dict[str, object]:
    return {
        "id": ident,
        "purpose": "research",
        "organisation": "University of Leeds",
        "lay_summary": "Studying heart failure outcomes.",
        "period": {"start": start, "end": end},
    }


@pytest.fixture
def settings() -> Settings:
    return load_settings()


def test_history_lists_exactly_the_patients_releases_with_proofs(
    control: ControlPlane, settings: Settings
) -> None:
    hasher = patient_hasher(settings.keys_dir)
    with control.session() as s:
        append(s, KEY_OPERATION, "custodian", {"op": "create"}, AT)
        record_release(
            s,
            "R1",
            agreement("A1"),
            MANIFEST,
            member_nhs_numbers=[ALICE, BOB],
            hasher=hasher,
            at=AT,
        )
        record_release(s, "R2", agreement("A2"), MANIFEST, member_hashes=[hasher(BOB)], at=AT)
        record_release(
            s, "R3", agreement("A3"), MANIFEST, member_nhs_numbers=[ALICE], hasher=hasher
        )
        create_checkpoint(s, settings)
        record_release(
            s, "R4", agreement("A4"), MANIFEST, member_nhs_numbers=[ALICE], hasher=hasher
        )
    with control.session() as s:
        alice = access_history(s, hasher(ALICE))
        bob = access_history(s, hasher(BOB))
        carol = access_history(s, hasher(CAROL))
    assert [r["release_id"] for r in alice["releases"]] == ["R1", "R3", "R4"]
    assert [r["release_id"] for r in bob["releases"]] == ["R1", "R2"]
    assert carol["releases"] == []
    first = alice["releases"][0]
    assert first["purpose"] == "research" and first["organisation"] == "University of Leeds"
    assert first["lay_summary"].startswith("Studying") and first["date"] == "2026-03-10"
    assert alice["pending"] == 1 and alice["releases"][2]["proof"] is None
    cp = verifier.parse_checkpoint(alice["checkpoint"]["note"])
    for item in alice["releases"][:2]:
        proof = [base64.b64decode(h) for h in item["proof"]["hashes"]]
        leaf = merkle.leaf_hash(item["entry"].encode())
        assert verifier.verify_inclusion(item["entry_index"], cp.size, leaf, proof, cp.root)
    assert ALICE not in json.dumps(alice)


def test_record_release_validates(control: ControlPlane, settings: Settings) -> None:
    hasher = patient_hasher(settings.keys_dir)
    bad_calls = [
        lambda s: record_release(s, "R", {"id": "A"}, MANIFEST),
        lambda s: record_release(s, "R", agreement("A", start="01/01/2026"), MANIFEST),
        lambda s: record_release(s, "R", agreement("A"), "not-a-hash"),
        lambda s: record_release(s, "R", agreement("A"), MANIFEST, member_nhs_numbers=[ALICE]),
        lambda s: record_release(s, "R", agreement("A"), MANIFEST, member_hashes=["zz"]),
        lambda s: record_release(s, "", agreement("A"), MANIFEST, hasher=hasher),
        # a final line break is not part of a hash or a date: such a member would never be
        # found by the patient's own history
        lambda s: record_release(s, "R", agreement("A"), MANIFEST + "\n"),
        lambda s: record_release(
            s, "R", agreement("A"), MANIFEST, member_hashes=[hasher(ALICE) + "\n"]
        ),
        lambda s: record_release(s, "R", agreement("A", end="2026-12-31\n"), MANIFEST),
    ]
    for call in bad_calls:
        with pytest.raises(InvalidArgument), control.session() as s:
            call(s)
    with pytest.raises(InvalidArgument), control.session() as s:
        access_history(s, ALICE)
    with pytest.raises(InvalidArgument), control.session() as s:
        access_history(s, hasher(ALICE) + "\n")


def test_audit_events_follow_balp(control: ControlPlane, settings: Settings) -> None:
    hasher = patient_hasher(settings.keys_dir)
    with control.session() as s:
        append(
            s,
            CONSENT_CHANGE,
            "portal",
            {"category": "opt-out", "purpose": "research", "patient": hasher(ALICE)},
            AT,
        )
        append(
            s,
            ACCESS_DECISION,
            "api",
            {
                "decision": "deny",
                "reason": "no agreement",
                "purpose": "research",
                "patient": hasher(BOB),
            },
            AT,
        )
        append(
            s,
            AGREEMENT_TRANSITION,
            "custodian",
            {"agreement_id": "A1", "from": "submitted", "to": "approved"},
            AT,
        )
        record_release(
            s, "R1", agreement("A1"), MANIFEST, member_nhs_numbers=[ALICE], hasher=hasher, at=AT
        )
    with control.session() as s:
        events = list(audit_events(s))
    assert [e["resourceType"] for e in events] == ["AuditEvent"] * 4
    consent, decision, transition, release = events
    assert consent["type"]["code"] == "110110" and consent["action"] == "U"
    assert consent["recorded"] == "2026-03-10T09:00:00Z" and consent["outcome"] == "0"
    patient = consent["entity"][1]
    assert patient["role"]["code"] == "1" and patient["what"]["identifier"]["value"] == hasher(
        ALICE
    )
    assert consent["purposeOfEvent"][0]["coding"][0]["code"] == "research"
    assert decision["outcome"] == "4" and decision["outcomeDesc"] == "no agreement"
    assert transition["subtype"][0]["code"] == AGREEMENT_TRANSITION
    assert "purposeOfEvent" not in transition
    assert release["type"]["code"] == "110106" and len(release["entity"]) == 1
    assert release["purposeOfEvent"][0]["coding"][0]["code"] == "research"
    for e in events:
        assert e["agent"][0]["requestor"] is True and e["source"]["site"].startswith("caldicott")


def test_audit_report_finds_anomalies_and_proves_consistency(
    control: ControlPlane, settings: Settings
) -> None:
    hasher = patient_hasher(settings.keys_dir)
    with control.session() as s:
        first = build_report(s, settings, date(2026, 3, 1), date(2026, 3, 31))
    assert first["consistency"] is None and first["entries"] == 0
    with control.session() as s:
        burst = AT + timedelta(hours=3)
        append_many(s, [Event(KEY_OPERATION, "custodian", {"n": i}, burst) for i in range(150)])
        for day in range(3):
            append(
                s,
                CONSENT_CHANGE,
                "portal",
                {"category": "opt-out", "patient": hasher(ALICE)},
                AT + timedelta(days=day),
            )
        record_release(
            s,
            "R-late",
            agreement("A9", end="2026-03-01"),
            MANIFEST,
            member_nhs_numbers=[ALICE],
            hasher=hasher,
            at=AT,
        )
        record_release(
            s, "R-ok", agreement("A8"), MANIFEST, member_nhs_numbers=[BOB], hasher=hasher, at=AT
        )
        append(s, KEY_OPERATION, "custodian", {"n": "outside"}, AT + timedelta(days=40))
    with control.session() as s:
        report = build_report(s, settings, date(2026, 3, 1), date(2026, 3, 31))
    assert report["entries"] == 155
    assert report["activity"] == {CONSENT_CHANGE: 3, KEY_OPERATION: 150, "release": 2}
    assert report["consent_trends"]["2026-03-10"] == {"opt-out": 1}
    rules = [a["rule"] for a in report["anomalies"]["found"]]
    assert rules == ["burst", "release-outside-agreement-period"]
    assert report["anomalies"]["found"][1]["release_id"] == "R-late"
    assert report["consistency"]["from_size"] == 0
    assert report["consistency"]["to_size"] == 156 and report["consistency"]["verified"]
    html = render_html(report)
    assert "<script" not in html and "R-late" in html and "Consistency proof" in html
    with control.session() as s:
        third = build_report(s, settings, date(2026, 4, 1), date(2026, 4, 30))
    assert third["consistency"]["from_size"] == 156 and third["consistency"]["verified"]
    with pytest.raises(InvalidArgument), control.session() as s:
        build_report(s, settings, date(2026, 4, 2), date(2026, 4, 1))


def test_cli_history_events_and_report(cli, control_url: str, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CALDICOTT_DATABASE_URL", control_url)
    settings = load_settings()
    plane = ControlPlane(control_url)
    with plane.session() as s:
        record_release(
            s,
            "R1",
            agreement("A1"),
            MANIFEST,
            member_nhs_numbers=[ALICE],
            hasher=patient_hasher(settings.keys_dir),
            at=AT,
        )
    plane.dispose()
    assert cli("log", "checkpoint").exit_code == 0
    hist = cli("log", "history", "--nhs-number", ALICE, "--json")
    assert hist.exit_code == 0, hist.stderr
    assert hist.json()["releases"][0]["release_id"] == "R1"  # type: ignore[index]
    assert ALICE not in hist.stdout
    events = cli("log", "audit-events")
    assert events.exit_code == 0
    assert json.loads(events.stdout.splitlines()[0])["resourceType"] == "AuditEvent"
    out = tmp_path / "events.ndjson"
    assert cli("log", "audit-events", "--out", str(out), "--json").json()["events"] == 1  # type: ignore[index]
    html = tmp_path / "report.html"
    res = cli(
        "log",
        "audit-report",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--format",
        "html",
        "--out",
        str(html),
    )
    assert res.exit_code == 0, res.stderr
    assert html.read_text().startswith("<!DOCTYPE html>")
    js = tmp_path / "report.json"
    doc = cli(
        "log",
        "audit-report",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--format",
        "json",
        "--out",
        str(js),
        "--json",
    ).json()
    assert doc["entries"] == 1 and json.loads(js.read_text())["releases"][0]["release_id"] == "R1"  # type: ignore[index]
    assert (
        cli(
            "log", "audit-report", "--from", "2026-3-1", "--to", "2026-03-31", "--out", str(js)
        ).exit_code
        == 2
    )
    assert (
        cli(
            "log",
            "audit-report",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--format",
            "pdf",
            "--out",
            str(js),
        ).exit_code
        == 2
    )
