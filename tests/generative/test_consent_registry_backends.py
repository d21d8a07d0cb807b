"""Hypothesis on SQLite and PostgreSQL: histories stored in the registry decide exactly as
the pure engine does, at every time (storage keeps times and order faithfully)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.consent_support import nhs_numbers
from tests.generative.test_consent_precedence import AGREEMENTS, PURPOSES, T0, versions

from caldicott.consent.decide import decide, evaluate
from caldicott.consent.model import ChoiceVersion
from caldicott.consent.registry import NewChoice, SessionSource, append
from caldicott.consent.snapshot import take_snapshot
from caldicott.store.control import ControlPlane

NUMBERS = iter(nhs_numbers(5000, start=200_000))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    versions(max_size=8),
    st.sampled_from(PURPOSES),
    st.sampled_from((None, *AGREEMENTS)),
    st.lists(st.integers(-24, 300), min_size=1, max_size=4),
)
def test_stored_histories_decide_as_the_engine_does(
    control: ControlPlane,
    history: list[ChoiceVersion],
    code: str,
    agreement: str | None,
    hours: list[int],
) -> None:
    number = next(NUMBERS)
    with control.session() as s:
        for v in history:  # one statement per version, each with its own recording time
            append(
                s,
                [
                    NewChoice(
                        number, v.kind, v.scope_type, v.scope, v.value, "app", "h", v.effective_from
                    )
                ],
                v.recorded_at,
            )
    with control.session() as s:
        stored = SessionSource(s).versions(number)
        assert [(v.key, v.value, v.recorded_at, v.effective_from) for v in stored] == [
            (v.key, v.value, v.recorded_at, v.effective_from) for v in history
        ]
        for hour in hours:
            at = T0 + timedelta(hours=hour)
            got = decide(s, number, code, agreement, at)
            want = evaluate(stored, code, agreement=agreement, at=at)
            assert got == want
            snap = take_snapshot(s, code, agreement=agreement, at=at, patients=[number])
            row = next(r for r in snap.table.to_pylist() if r["nhs_number"] == number)
            assert (row["decision"], row["reason"]) == (got.decision, got.reason)
