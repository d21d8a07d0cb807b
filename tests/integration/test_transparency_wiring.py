"""Consent changes reach the log exactly once, as a category and a keyed hash."""

from __future__ import annotations

import json

from caldicott.consent.registry import new_choice, set_choice
from caldicott.settings import load_settings
from caldicott.store.control import ControlPlane
from caldicott.transparency import CONSENT_CHANGE, patient_hasher
from caldicott.transparency.entries import decode
from caldicott.transparency.log import iter_entries
from caldicott.transparency.wiring import log_consent_changes

ALICE, BOB = "9434765919", "4010232137"


def _choose(control: ControlPlane, number: str, withdraw: bool = False) -> None:
    with control.session() as s:
        set_choice(
            s,
            new_choice(
                number, "national-opt-out", channel="app", actor="patient", withdraw=withdraw
            ),
        )


def test_consent_changes_are_logged_once(control: ControlPlane) -> None:
    hasher = patient_hasher(load_settings().keys_dir)
    _choose(control, ALICE)
    _choose(control, BOB)
    with control.session() as s:
        assert log_consent_changes(s, hasher) == 2
    with control.session() as s:
        assert log_consent_changes(s, hasher) == 0
    _choose(control, ALICE, withdraw=True)
    with control.session() as s:
        assert log_consent_changes(s, hasher, batch=1) == 1
    with control.session() as s:
        entries = [decode(raw) for _i, _l, raw in iter_entries(s)]
    assert [e.kind for e in entries] == [CONSENT_CHANGE] * 3
    assert [e.payload["patient"] for e in entries] == [hasher(ALICE), hasher(BOB), hasher(ALICE)]
    assert entries[0].payload["category"] == "consent.national-opt-out.set"
    assert entries[2].payload["category"] == "consent.national-opt-out.withdrawn"
    text = json.dumps([e.payload for e in entries])
    assert ALICE not in text and BOB not in text


def test_cli_sync(cli, control_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CALDICOTT_DATABASE_URL", control_url)
    plane = ControlPlane(control_url)
    plane.upgrade()
    _choose(plane, ALICE)
    plane.dispose()
    first = cli("log", "sync", "--json")
    assert first.exit_code == 0, first.stderr
    assert first.json() == {"consent_changes_logged": 1}
    assert cli("log", "sync", "--json").json() == {"consent_changes_logged": 0}
    assert ALICE not in first.stdout


def test_agreement_transition_event(control: ControlPlane) -> None:
    from datetime import UTC, datetime

    from caldicott.governance.records import TransitionRecord
    from caldicott.transparency import AGREEMENT_TRANSITION, append_many
    from caldicott.transparency.wiring import agreement_transition_event

    at = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    record = TransitionRecord(
        "DUA-0001", 2, "submitted", "approved", "ig.lead@nhs.example", "custodian", at, "Meets"
    )
    with control.session() as s:
        assert append_many(s, [agreement_transition_event(record)]) == [0]
    with control.session() as s:
        entry = decode(next(iter(iter_entries(s)))[2])
    assert entry.kind == AGREEMENT_TRANSITION and entry.actor == "ig.lead@nhs.example"
    assert entry.payload["from"] == "submitted" and entry.payload["to"] == "approved"
    assert entry.payload["agreement_id"] == "DUA-0001" and entry.time == at
