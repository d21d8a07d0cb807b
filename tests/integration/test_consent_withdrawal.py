"""Withdrawal takes effect at once and marks the earlier releases that included the patient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.consent_support import nhs_numbers

from caldicott.consent.decide import decide
from caldicott.consent.registry import new_choice, set_choice
from caldicott.consent.withdrawal import Membership, mark_withdrawals, marks_for_release
from caldicott.store.control import ControlPlane

A, B = nhs_numbers(2)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def fake_membership(number: str) -> list[Membership]:
    if number != A:
        return []
    return [
        Membership("R-research-1", "research", None, T0 + timedelta(days=1)),
        Membership("R-care-1", "direct-care", None, T0 + timedelta(days=1)),
        Membership("R-research-2", "research", None, T0 + timedelta(days=5)),
    ]


def test_withdrawal_marks_earlier_releases_only(control: ControlPlane) -> None:
    withdrawn_at = T0 + timedelta(days=3)
    with control.session() as s:
        before = decide(s, A, "research", at=withdrawn_at)
        opt_out = new_choice(
            A, "national-opt-out", channel="phone", actor="t", effective_from=withdrawn_at
        )
        set_choice(s, opt_out, recorded_at=withdrawn_at)
        after = decide(s, A, "research", at=withdrawn_at)
        affected = mark_withdrawals(s, A, fake_membership, at=withdrawn_at)
        again = mark_withdrawals(s, A, fake_membership, at=withdrawn_at)
        untouched = mark_withdrawals(s, B, fake_membership, at=withdrawn_at)
    assert (before.decision, after.decision) == ("permit", "deny")
    # Direct care is not stopped by an opt-out; the later release is not "earlier".
    assert affected == again == ["R-research-1"]
    assert untouched == []
    with control.session() as s:
        marks = marks_for_release(s, "R-research-1")
        assert len(marks) == 1  # marked once, however often asked
        assert marks_for_release(s, "R-care-1") == []
