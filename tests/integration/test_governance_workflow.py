"""The agreement workflow on the control plane, on SQLite and PostgreSQL."""

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.governance_setup import (
    ADMIN,
    ANALYST,
    AUDITOR,
    COMMERCIAL,
    CUSTODIAN,
    MARKETER,
    MARKETING,
    NOW,
    PANEL,
    RESEARCHER,
    SUPPLIER,
    application,
    populate,
)

from caldicott.errors import Conflict, InvalidArgument, NotFound, PermissionDenied
from caldicott.governance import describe, lifecycle, panel, people, records, register, workflow
from caldicott.governance.application import parse
from caldicott.store.control import ControlPlane


@pytest.fixture
def plane(control: ControlPlane) -> ControlPlane:
    with control.session() as s:
        populate(s)
    return control


def to_review(s: Session, path: Any = None, actor: str = RESEARCHER) -> str:
    app = application() if path is None else application(path)
    row = workflow.create(s, app, actor, NOW)
    reference = records.reference_of(s, row)
    workflow.submit(s, reference, actor, NOW)
    return reference


def approved(s: Session, reference: str) -> None:
    panel.vote(s, reference, PANEL[0], "support", "", NOW)
    workflow.decide(s, reference, CUSTODIAN, approve=True, reason="ok", at=NOW)


def test_research_goes_from_draft_to_active(plane: ControlPlane) -> None:
    with plane.session() as s:
        ref = to_review(s)
        assert records.version(s, ref).state == "panel-review"
        approved(s, ref)
        row = workflow.activate(s, ref, RESEARCHER, NOW)
        assert row.starts_on == NOW.date() and row.ends_on == date(2028, 11, 1)
        assert lifecycle.is_active(row, NOW)
        steps = [(t.from_state, t.to_state, t.actor) for t in records.transitions(s, row)]
    assert steps == [
        ("new", "draft", RESEARCHER),
        ("draft", "submitted", RESEARCHER),
        ("submitted", "checked", "system"),
        ("checked", "panel-review", "system"),
        ("panel-review", "custodian-decision", CUSTODIAN),
        ("custodian-decision", "approved", CUSTODIAN),
        ("approved", "active", RESEARCHER),
    ]


def test_marketing_is_refused_automatically(plane: ControlPlane) -> None:
    with plane.session() as s:
        ref = to_review(s, MARKETING, MARKETER)
        row = records.version(s, ref)
        assert row.state == "rejected"
        last = records.transitions(s, row)[-1]
        assert last.actor == "system" and "direct-marketing" in last.reason
        with pytest.raises(Conflict):
            panel.vote(s, ref, PANEL[0], "support")


def test_errors_return_the_application_to_draft_and_a_revision_can_pass(
    plane: ControlPlane,
) -> None:
    with plane.session() as s:
        doc = application().document
        broken = dict(doc, legal_basis={"article6": "6(1)(e)"})
        row = workflow.create(s, parse(broken), RESEARCHER, NOW)
        ref = records.reference_of(s, row)
        _row, found = workflow.submit(s, ref, RESEARCHER, NOW)
        assert {f.code for f in found} == {"legal-basis-missing"}
        assert records.version(s, ref).state == "draft"
        workflow.amend(s, ref, application(), RESEARCHER, NOW)
        workflow.submit(s, ref, RESEARCHER, NOW)
        assert records.version(s, ref).state == "panel-review"
        assert records.version(s, ref).version == 1
        stored = describe.findings(s, records.version(s, ref))
        assert {f["code"] for f in stored} == {"legal-basis-missing"}


def test_no_approval_until_every_concern_is_answered(plane: ControlPlane) -> None:
    with plane.session() as s:
        ref = to_review(s, COMMERCIAL, SUPPLIER)
        panel.vote(s, ref, PANEL[0], "support", "", NOW)
        concern = panel.raise_concern(s, ref, PANEL[1], "Can the company sell the data?", NOW)
        with pytest.raises(Conflict, match=f"#{concern.id}"):
            workflow.decide(s, ref, CUSTODIAN, approve=True, reason="ok", at=NOW)
        with pytest.raises(PermissionDenied):
            panel.answer(s, concern.id, PANEL[0], "I think not")
        panel.answer(s, concern.id, CUSTODIAN, "No: data never leaves.", NOW)
        with pytest.raises(Conflict, match="already answered"):
            panel.answer(s, concern.id, CUSTODIAN, "Again")
        row = workflow.decide(
            s, ref, CUSTODIAN, approve=True, reason="fair", conditions=["No onward sharing"], at=NOW
        )
        assert row.state == "approved"
        assert panel.conditions(s, row) == ["No onward sharing"]
        record = panel.panel_record(s, row)
        assert record["votes"] == {"support": 1, "oppose": 0, "abstain": 0}
        assert record["concerns"][0]["answer"] == "No: data never leaves."
        assert "raised_by" not in record["concerns"][0]  # the public record names no one


def test_approval_needs_a_panel_vote_but_rejection_does_not(plane: ControlPlane) -> None:
    with plane.session() as s:
        ref = to_review(s)
        with pytest.raises(Conflict, match="has not voted"):
            workflow.decide(s, ref, CUSTODIAN, approve=True, reason="ok", at=NOW)
        with pytest.raises(InvalidArgument):
            workflow.decide(s, ref, CUSTODIAN, approve=False, reason=" ", at=NOW)
        row = workflow.decide(s, ref, CUSTODIAN, approve=False, reason="not needed", at=NOW)
        assert row.state == "rejected"
        with pytest.raises(Conflict):
            workflow.activate(s, ref, RESEARCHER, NOW)


def test_training_is_checked_again_at_decision_and_activation(plane: ControlPlane) -> None:
    late = NOW.replace(year=2027, month=7)
    with plane.session() as s:
        ref = to_review(s)
        panel.vote(s, ref, PANEL[0], "support", "", NOW)
        with pytest.raises(Conflict, match="training"):
            workflow.decide(s, ref, CUSTODIAN, approve=True, reason="ok", at=late)
        workflow.decide(s, ref, CUSTODIAN, approve=True, reason="ok", at=NOW)
        with pytest.raises(Conflict, match="data-security-awareness"):
            workflow.activate(s, ref, RESEARCHER, late)
        people.record_training(s, ANALYST, "data-security-awareness", late.date(), actor=ADMIN)
        people.record_training(s, RESEARCHER, "data-security-awareness", late.date(), actor=ADMIN)
        assert workflow.activate(s, ref, RESEARCHER, late).state == "active"


def test_wrong_roles_are_denied_before_the_state_is_considered(plane: ControlPlane) -> None:
    with plane.session() as s:
        ref = to_review(s)
        with pytest.raises(PermissionDenied, match=r"agreement\.decide"):
            workflow.decide(s, ref, PANEL[0], approve=True, reason="ok")
        with pytest.raises(PermissionDenied, match=r"panel\.vote"):
            panel.vote(s, ref, CUSTODIAN, "support")
        with pytest.raises(PermissionDenied, match="not named"):
            workflow.submit(s, ref, SUPPLIER)
        with pytest.raises(PermissionDenied, match=r"agreement\.suspend"):
            lifecycle.suspend(s, ref, RESEARCHER, "because")
        with pytest.raises(Conflict):  # the right role, the wrong moment
            lifecycle.suspend(s, ref, CUSTODIAN, "because")
        with pytest.raises(Conflict):
            workflow.submit(s, ref, RESEARCHER)


def test_a_named_person_cannot_review_their_own_application(plane: ControlPlane) -> None:
    with plane.session() as s:
        people.add_person(
            s, "both@york.example", "Both", "UNI-YORK", ["researcher", "panel-member"], actor=ADMIN
        )
        people.record_training(
            s, "both@york.example", "data-security-awareness", date(2026, 6, 1), actor=ADMIN
        )
        doc = application().document
        doc["applicant"]["people"].append({"email": "both@york.example", "role": "analyst"})
        row = workflow.create(s, parse(doc), RESEARCHER, NOW)
        ref = records.reference_of(s, row)
        workflow.submit(s, ref, RESEARCHER, NOW)
        with pytest.raises(PermissionDenied, match="cannot review"):
            panel.vote(s, ref, "both@york.example", "support")


def test_suspend_reinstate_revoke(plane: ControlPlane) -> None:
    with plane.session() as s:
        ref = to_review(s)
        approved(s, ref)
        workflow.activate(s, ref, RESEARCHER, NOW)
        with pytest.raises(InvalidArgument):
            lifecycle.suspend(s, ref, CUSTODIAN, "")
        row = lifecycle.suspend(s, ref, CUSTODIAN, "audit finding", NOW)
        assert row.state == "suspended" and not lifecycle.is_active(row, NOW)
        with pytest.raises(Conflict):
            workflow.activate(s, ref, RESEARCHER, NOW)
        assert lifecycle.reinstate(s, ref, CUSTODIAN, "fixed", NOW).state == "active"
        with pytest.raises(Conflict):
            lifecycle.reinstate(s, ref, CUSTODIAN, "again", NOW)
        assert lifecycle.revoke(s, ref, CUSTODIAN, "breach", NOW).state == "revoked"
        with pytest.raises(Conflict):
            lifecycle.suspend(s, ref, CUSTODIAN, "too late", NOW)


def test_expiry_is_enforced(plane: ControlPlane) -> None:
    with plane.session() as s:
        ref = to_review(s)
        approved(s, ref)
        row = workflow.activate(s, ref, RESEARCHER, NOW)
        end = row.ends_on
        assert end is not None
        just_before = NOW + (end - NOW.date()) - timedelta(days=1)
        assert lifecycle.is_active(row, just_before)
        at_end = just_before + timedelta(days=1)
        assert not lifecycle.is_active(row, at_end)
        assert lifecycle.expire_due(s, just_before) == []
        done = lifecycle.expire_due(s, at_end)
        assert [(t.agreement, t.to_state, t.actor) for t in done] == [(ref, "expired", "system")]
        assert records.version(s, ref).state == "expired"


def test_an_amendment_is_a_new_version_reviewed_again(plane: ControlPlane) -> None:
    with plane.session() as s:
        ref = to_review(s)
        approved(s, ref)
        workflow.activate(s, ref, RESEARCHER, NOW)
        changed = application(duration_months=30)
        v2 = workflow.amend(s, ref, changed, RESEARCHER, NOW)
        assert (v2.version, v2.state) == (2, "draft")
        assert lifecycle.current(s, ref).version == 1  # version 1 stays in force
        again = workflow.amend(s, ref, application(duration_months=36), RESEARCHER, NOW)
        assert (again.version, again.duration_months) == (2, 36)  # the draft revised in place
        with pytest.raises(PermissionDenied, match="not named"):
            workflow.amend(s, ref, application(), SUPPLIER, NOW)
        workflow.submit(s, ref, RESEARCHER, NOW)
        assert records.version(s, ref).state == "panel-review"
        approved(s, ref)
        workflow.activate(s, ref, RESEARCHER, NOW)
        states = [(v.version, v.state) for v in records.versions(s, records.agreement(s, ref).id)]
        assert states == [(1, "superseded"), (2, "active")]


def test_amendment_cannot_change_organisation_or_amend_a_rejection(plane: ControlPlane) -> None:
    with plane.session() as s:
        ref = to_review(s, MARKETING, MARKETER)
        with pytest.raises(Conflict, match="only a draft"):
            workflow.amend(s, ref, application(MARKETING), MARKETER, NOW)
        with pytest.raises(Conflict, match="organisation"):
            doc = application(MARKETING).document
            doc["applicant"]["organisation"] = "UNI-YORK"
            workflow.amend(s, ref, parse(doc), MARKETER, NOW)


def test_register_lists_every_approved_version_with_a_releases_hook(plane: ControlPlane) -> None:
    calls: list[tuple[str, int]] = []

    def releases(_s: Session, reference: str, version: int) -> list[dict[str, Any]]:
        calls.append((reference, version))
        return [{"released_at": "2026-12-01", "rows": 120, "patients": 40}]

    with plane.session() as s:
        research = to_review(s)
        approved(s, research)
        workflow.activate(s, research, RESEARCHER, NOW)
        to_review(s, MARKETING, MARKETER)
        commercial = to_review(s, COMMERCIAL, SUPPLIER)
        approved(s, commercial)
        lifecycle.revoke(s, commercial, CUSTODIAN, "company wound up", NOW)
        doc = register.export(s, NOW)
        assert [e["agreement"] for e in doc["agreements"]] == [research, commercial]
        assert all(e["releases"] == [] for e in doc["agreements"])
        first = doc["agreements"][0]
        assert first["opt_outs"]["national_opt_out_applies"] is True
        assert first["legal_basis"] == {
            "article6": "6(1)(e)",
            "article9": "9(2)(j)",
            "common_law": "s251",
        }
        assert first["panel"]["outcome"] == "supported"
        assert doc["agreements"][1]["state"] == "revoked"
        assert doc["agreements"][1]["benefit_sharing"].startswith("NHS trusts")
        register.add_release_source(releases)
        try:
            with_releases = register.export(s, NOW)
        finally:
            register.remove_release_source(releases)
        assert with_releases["agreements"][0]["releases"][0]["patients"] == 40
        assert (research, 1) in calls
        csv_text = register.to_csv(with_releases)
        assert csv_text.splitlines()[0].startswith("agreement,version,title")
        assert len(csv_text.splitlines()) == 3


def test_people_rules(plane: ControlPlane) -> None:
    with plane.session() as s:
        with pytest.raises(PermissionDenied, match=r"person\.add"):
            people.add_person(s, "x@y.example", "X", "RX1", ["custodian"], actor=RESEARCHER)
        with pytest.raises(PermissionDenied):
            people.add_person(s, "x@y.example", "X", "RX1", ["custodian"], actor=None)
        with pytest.raises(InvalidArgument, match="patients are not staff"):
            people.add_person(s, "x@y.example", "X", "RX1", ["patient"], actor=ADMIN)
        with pytest.raises(NotFound):
            people.add_person(s, "x@y.example", "X", "NOPE", ["auditor"], actor=ADMIN)
        with pytest.raises(Conflict):
            people.add_person(s, AUDITOR, "Again", "RX1", ["auditor"], actor=ADMIN)
        with pytest.raises(InvalidArgument):
            people.record_training(
                s, AUDITOR, "dsa", date(2026, 1, 1), date(2025, 1, 1), actor=ADMIN
            )
        with pytest.raises(PermissionDenied, match=r"person\.train"):
            people.record_training(s, AUDITOR, "dsa-course", date(2026, 1, 1), actor=CUSTODIAN)
        # a final line break is not part of a code or a kind
        with pytest.raises(InvalidArgument, match="organisation code"):
            people.add_organisation(s, "RX9\n", "Trust", "nhs", actor=ADMIN)
        with pytest.raises(InvalidArgument, match="training kind"):
            people.record_training(s, AUDITOR, "dsa-course\n", date(2026, 1, 1), actor=ADMIN)
        found = people.profile(s, RESEARCHER.upper())
        assert found.missing_training(date(2026, 11, 1)) == []
        assert found.missing_training(date(2027, 6, 1)) == ["data-security-awareness"]


def test_bootstrap_needs_an_administrator_first(control: ControlPlane) -> None:
    with control.session() as s:
        people.add_organisation(s, "RX1", "Trust", "nhs", actor=None)
        with pytest.raises(PermissionDenied, match="first person must be an administrator"):
            people.add_person(s, "c@rx1.example", "C", "RX1", ["custodian"], actor=None)


def test_the_lay_view_is_public_from_panel_review(plane: ControlPlane) -> None:
    with plane.session() as s:
        row = workflow.create(s, application(), RESEARCHER, NOW)
        with pytest.raises(PermissionDenied, match="public from panel review"):
            panel.lay_view(s, row)
        assert panel.lay_view(s, row, public=False)["state"] == "draft"
        ref = records.reference_of(s, row)
        workflow.submit(s, ref, RESEARCHER, NOW)
        lay = panel.lay_view(s, records.version(s, ref))
        assert lay["how_identifiable"].startswith("Records about people where each person")
        assert lay["data_requested"][0]["item"] == "patients.patient_id"
        assert "document" not in lay and "r.patel@york.example" not in str(lay)
