"""The consent registry on SQLite and PostgreSQL: append-only history, imports, decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from tests.consent_support import nhs_numbers

from caldicott.consent.decide import decide, may_collect
from caldicott.consent.imports import import_opt_outs
from caldicott.consent.registry import (
    MemoryIndex,
    changes_after,
    history,
    new_choice,
    set_choice,
    stats,
)
from caldicott.consent.tables import ConsentChoice
from caldicott.errors import IntegrityError, InvalidArgument
from caldicott.store.control import ControlPlane

A, B, C = nhs_numbers(3)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _set(control: ControlPlane, number: str, kind: str, when: datetime, **kw: object) -> None:
    change = new_choice(number, kind, channel="app", actor="tester", effective_from=when, **kw)  # type: ignore[arg-type]
    with control.session() as s:
        set_choice(s, change, recorded_at=when)


def test_history_is_append_only(control: ControlPlane) -> None:
    _set(control, A, "national-opt-out", T0)
    _set(control, A, "national-opt-out", T0 + timedelta(days=1), withdraw=True)
    with control.session() as s:
        rows = history(s, A)
    assert [(r["kind"], r["value"]) for r in rows] == [
        ("national-opt-out", "set"),
        ("national-opt-out", "withdrawn"),
    ]
    assert rows[0]["log_category"] == "consent.national-opt-out.set"
    with pytest.raises(IntegrityError), control.session() as s:
        row = s.scalars(select(ConsentChoice)).first()
        assert row is not None
        row.value = "withdrawn"
    with pytest.raises(IntegrityError), control.session() as s:
        row = s.scalars(select(ConsentChoice)).first()
        s.delete(row)
    # The database refuses too, even to statements that bypass the ORM.
    for statement in (
        update(ConsentChoice).values(value="withdrawn"),
        delete(ConsentChoice),
        text("UPDATE consent_choice SET actor = 'someone else'"),
    ):
        with pytest.raises(DBAPIError), control.engine.begin() as conn:
            conn.execute(statement)
    with control.session() as s:
        assert [r["value"] for r in history(s, A)] == ["set", "withdrawn"]


def test_decisions_follow_the_history(control: ControlPlane) -> None:
    _set(control, A, "national-opt-out", T0)
    _set(control, A, "explicit-consent", T0 + timedelta(days=1), agreement="DARS-1")
    _set(control, A, "national-opt-out", T0 + timedelta(days=2), withdraw=True)
    with control.session() as s:
        before = decide(s, A, "research", at=T0 - timedelta(seconds=1))
        opted = decide(s, A, "research", at=T0 + timedelta(hours=1))
        project = decide(s, A, "research", agreement="DARS-1", at=T0 + timedelta(days=1, hours=1))
        other = decide(s, A, "research", agreement="DARS-2", at=T0 + timedelta(days=1, hours=1))
        care = decide(s, A, "direct-care", at=T0 + timedelta(hours=1))
        later = decide(s, A, "research", at=T0 + timedelta(days=3))
        unknown_patient = decide(s, B, "research")
    assert (before.decision, before.reason) == ("permit", "default-permit")
    assert (opted.decision, opted.reason) == ("deny", "national-opt-out")
    assert (project.decision, project.reason) == ("permit", "agreement-consent")
    assert (other.decision, other.reason) == ("deny", "national-opt-out")
    assert care.decision == "permit"
    assert later.decision == "permit"
    assert unknown_patient.reason == "default-permit"
    with control.session() as s:
        index = MemoryIndex.load(s)
    assert decide(index, A, "research", at=T0 + timedelta(hours=1)) == opted


def test_consent_supersedes_dissent_for_the_same_scope(control: ControlPlane) -> None:
    _set(control, A, "explicit-dissent", T0, purpose="research")
    _set(control, A, "explicit-consent", T0 + timedelta(days=1), purpose="research")
    with control.session() as s:
        rows = history(s, A)
        assert decide(s, A, "research", at=T0 + timedelta(days=2)).reason == "purpose-consent"
        assert decide(s, A, "research", at=T0 + timedelta(hours=1)).reason == "purpose-dissent"
    assert [(r["kind"], r["value"]) for r in rows] == [
        ("explicit-dissent", "set"),
        ("explicit-dissent", "withdrawn"),
        ("explicit-consent", "set"),
    ]


def test_bad_changes_are_refused_by_name() -> None:
    with pytest.raises(InvalidArgument, match="invalid NHS number") as exc:
        new_choice("1234567890", "national-opt-out", channel="app", actor="x")
    assert "1234567890" not in exc.value.message
    with pytest.raises(InvalidArgument, match="'marketing'"):
        new_choice(A, "explicit-consent", purpose="marketing", channel="app", actor="x")
    with pytest.raises(InvalidArgument, match="channel"):
        new_choice(A, "national-opt-out", channel="fax", actor="x")
    with pytest.raises(InvalidArgument, match="exactly one"):
        new_choice(A, "explicit-consent", channel="app", actor="x")
    with pytest.raises(InvalidArgument, match="omit --purpose"):
        new_choice(A, "national-opt-out", purpose="research", channel="app", actor="x")
    with pytest.raises(InvalidArgument, match="--source"):
        new_choice(A, "pgd-collection", purpose="research", channel="app", actor="x")


def test_import_opt_outs_reports_bad_lines_and_is_idempotent(
    control: ControlPlane, tmp_path: Path
) -> None:
    bad_check = A[:9] + str((int(A[9]) + 1) % 10)
    path = tmp_path / "national-opt-outs.csv"
    lines = ["nhs_number", A, f"{B[:3]} {B[3:6]} {B[6:]}", "", bad_check, "12345", "abc", A, "1,2"]
    path.write_text("\n".join(lines) + "\n")
    with control.session() as s:
        report = import_opt_outs(s, path, at=T0)
    doc = report.as_dict()
    assert (doc["imported"], doc["duplicates"], doc["bad_lines"]) == (2, 1, 4)
    assert [b["line"] for b in doc["bad"]] == [5, 6, 7, 9]
    assert "check digit" in doc["bad"][0]["reason"]
    assert bad_check not in str(doc)
    with control.session() as s:
        again = import_opt_outs(s, path, at=T0 + timedelta(days=1)).as_dict()
        assert decide(s, B, "research", at=T0 + timedelta(days=1)).reason == "national-opt-out"
        counts = stats(s, at=T0 + timedelta(days=1))
    assert (again["imported"], again["already_in_force"]) == (0, 2)
    assert counts["patients_by_kind_in_force"]["national-opt-out"] == 2
    assert counts["versions"] == 2


def test_headerless_type1_import(control: ControlPlane, tmp_path: Path) -> None:
    path = tmp_path / "type1-opt-outs.csv"
    path.write_text(f"{C}\n")
    with control.session() as s:
        report = import_opt_outs(s, path, "type1-opt-out", at=T0)
        assert report.imported == 1
        assert decide(s, C, "risk-stratification", at=T0).reason == "type1-opt-out"
        assert decide(s, C, "public-health", at=T0).reason == "type1-opt-out"
        assert decide(s, C, "direct-care", at=T0).decision == "permit"


def test_collection_of_patient_generated_data_needs_consent_per_source(
    control: ControlPlane,
) -> None:
    _set(control, A, "pgd-collection", T0, source="smartwatch")
    _set(control, A, "pgd-collection", T0 + timedelta(days=1), source="smartwatch", withdraw=True)
    with control.session() as s:
        during = may_collect(s, A, "smartwatch", at=T0 + timedelta(hours=1))
        other = may_collect(s, A, "food-diary-app", at=T0 + timedelta(hours=1))
        after = may_collect(s, A, "smartwatch", at=T0 + timedelta(days=2))
    assert (during.decision, during.reason) == ("permit", "pgd-consent")
    assert (other.decision, other.reason) == ("deny", "no-pgd-consent")
    assert after.decision == "deny"


def test_changes_for_the_transparency_log(control: ControlPlane) -> None:
    _set(control, A, "national-opt-out", T0)
    _set(control, B, "explicit-dissent", T0, purpose="research")
    with control.session() as s:
        events = changes_after(s)
        later = changes_after(s, after_id=events[0].choice_id)
    assert [e.category for e in events] == [
        "consent.national-opt-out.set",
        "consent.explicit-dissent.set",
    ]
    assert [e.nhs_number for e in events] == [A, B]
    assert [e.choice_id for e in later] == [events[1].choice_id]
