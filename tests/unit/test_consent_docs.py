"""docs/consent.md says what the code does: the purpose table and the worked examples."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from caldicott.consent.decide import evaluate
from caldicott.consent.model import ChoiceVersion
from caldicott.consent.purposes import vocabulary

DOC = (Path(__file__).parents[2] / "docs" / "consent.md").read_text()
T = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_purpose_table_matches_the_vocabulary() -> None:
    for p in vocabulary().purposes:
        flags = [
            "**yes**" if p.refused else "no",
            "yes" if p.lawful_override else "no",
            "yes" if p.national_opt_out and not p.refused else "no",
            "yes" if p.type1_opt_out and not p.refused else "no",
            "yes" if p.explicit_choice else "no",
        ]
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{p.code}` |"))
        assert row.split("|")[3:8] == [f" {f} " for f in flags], p.code


def _c(i: int, kind: str, scope_type: str = "all", scope: str = "*") -> ChoiceVersion:
    return ChoiceVersion(i, kind, scope_type, scope, "set", T, T)


NDOO = _c(1, "national-opt-out")
TYPE1 = _c(2, "type1-opt-out")
YES_DARS1 = _c(3, "explicit-consent", "agreement", "DARS-1")
NO_RESEARCH = _c(4, "explicit-dissent", "purpose", "research")
YES_RESEARCH = _c(5, "explicit-consent", "purpose", "research")
YES_INSURANCE = _c(6, "explicit-consent", "purpose", "insurance")


@pytest.mark.parametrize(
    ("choices", "purpose", "agreement", "anonymised", "expected"),
    [
        ([], "research", None, False, ("permit", "default-permit")),
        ([NDOO], "research", None, False, ("deny", "national-opt-out")),
        ([NDOO], "research", None, True, ("permit", "default-permit")),
        ([NDOO], "risk-stratification", None, False, ("permit", "default-permit")),
        ([NDOO], "direct-care", None, False, ("permit", "default-permit")),
        ([NDOO, YES_DARS1], "research", "DARS-1", False, ("permit", "agreement-consent")),
        ([NDOO, YES_DARS1], "research", "DARS-2", False, ("deny", "national-opt-out")),
        ([NO_RESEARCH, YES_DARS1], "research", "DARS-1", False, ("permit", "agreement-consent")),
        ([YES_RESEARCH, TYPE1], "research", None, False, ("permit", "purpose-consent")),
        ([YES_RESEARCH, NO_RESEARCH], "research", None, False, ("deny", "purpose-dissent")),
        ([TYPE1], "public-health", None, False, ("deny", "type1-opt-out")),
        ([YES_INSURANCE], "insurance", None, False, ("deny", "refused-purpose")),
        ([NDOO], "legal-requirement", None, False, ("permit", "lawful-override")),
    ],
)
def test_the_worked_examples_hold(
    choices: list[ChoiceVersion],
    purpose: str,
    agreement: str | None,
    anonymised: bool,
    expected: tuple[str, str],
) -> None:
    d = evaluate(choices, purpose, agreement=agreement, at=T, anonymised=anonymised)
    assert (d.decision, d.reason) == expected
    assert f"| {expected[0]} | `{expected[1]}`" in DOC
