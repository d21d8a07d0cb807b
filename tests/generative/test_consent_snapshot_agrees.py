"""Hypothesis: the set-wise snapshot agrees with decide() for every patient."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.consent_support import nhs_numbers
from tests.generative.test_consent_precedence import AGREEMENTS, PURPOSES, T0, versions

from caldicott.consent.decide import evaluate
from caldicott.consent.model import ChoiceVersion
from caldicott.consent.snapshot import ROW_SCHEMA, compute

PATIENTS = nhs_numbers(6)


def _rows(histories: dict[str, list[ChoiceVersion]]) -> pa.Table:
    records = [
        {
            "nhs_number": number,
            "kind": v.kind,
            "scope_type": v.scope_type,
            "scope": v.scope,
            "value": v.value,
            "effective_from": v.effective_from,
            "recorded_at": v.recorded_at,
            "id": v.id,
        }
        for number, history in histories.items()
        for v in history
    ]
    return pa.Table.from_pylist(records, schema=ROW_SCHEMA)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(versions(max_size=6), min_size=len(PATIENTS), max_size=len(PATIENTS)),
    st.sampled_from(PURPOSES),
    st.sampled_from((None, *AGREEMENTS)),
    st.integers(-24, 300),
    st.booleans(),
    st.integers(0, len(PATIENTS)),
)
def test_snapshot_agrees_with_decide_for_every_patient(
    histories: list[list[ChoiceVersion]],
    code: str,
    agreement: str | None,
    hour: int,
    anonymised: bool,
    loaded: int,
) -> None:
    at = T0 + timedelta(hours=hour)
    by_patient = {}
    next_id = 1
    for number, history in zip(PATIENTS, histories, strict=True):
        by_patient[number] = [
            ChoiceVersion(
                next_id + i, v.kind, v.scope_type, v.scope, v.value, v.recorded_at, v.effective_from
            )
            for i, v in enumerate(history)
        ]
        next_id += len(history)
    warehouse = [f"{n[:3]} {n[3:6]} {n[6:]}" for n in PATIENTS[:loaded]]  # display form
    table = compute(
        _rows(by_patient),
        code,
        agreement=agreement,
        at=at,
        anonymised=anonymised,
        patients=warehouse,
    )
    got = {r["nhs_number"]: (r["decision"], r["reason"]) for r in table.to_pylist()}
    expected_members = {
        n for n, h in by_patient.items() if any(v.recorded_at <= at for v in h)
    } | set(PATIENTS[:loaded])
    assert set(got) == expected_members
    for number in expected_members:
        d = evaluate(by_patient[number], code, agreement=agreement, at=at, anonymised=anonymised)
        assert got[number] == (d.decision, d.reason), number
    assert table["nhs_number"].to_pylist() == sorted(got)
