"""Hypothesis: decisions follow the documented precedence for random histories, and
evaluating ``at`` a past time reproduces the decision made then, whatever came after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from caldicott.consent.decide import evaluate
from caldicott.consent.model import ChoiceVersion
from caldicott.consent.purposes import vocabulary

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PURPOSES = vocabulary().codes
AGREEMENTS = ("DARS-1", "DARS-2")


@st.composite
def versions(draw: st.DrawFn, start_id: int = 1, max_size: int = 12) -> list[ChoiceVersion]:
    out = []
    for i in range(draw(st.integers(0, max_size))):
        kind = draw(
            st.sampled_from(
                [
                    "national-opt-out",
                    "type1-opt-out",
                    "explicit-consent",
                    "explicit-dissent",
                    "pgd-collection",
                ]
            )
        )
        if kind.endswith("opt-out"):
            scope_type, scope = "all", "*"
        elif kind == "pgd-collection":
            scope_type, scope = "source", "watch"
        elif draw(st.booleans()):
            scope_type, scope = "purpose", draw(st.sampled_from(PURPOSES))
        else:
            scope_type, scope = "agreement", draw(st.sampled_from(AGREEMENTS))
        recorded = T0 + timedelta(hours=draw(st.integers(0, 240)))
        effective = recorded + timedelta(hours=draw(st.integers(-48, 48)))
        value = draw(st.sampled_from(["set", "set", "withdrawn"]))
        out.append(ChoiceVersion(start_id + i, kind, scope_type, scope, value, recorded, effective))
    return out


def oracle(
    history: list[ChoiceVersion], code: str, agreement: str | None, at: datetime, anonymised: bool
) -> tuple[str, str]:
    """The precedence of docs/consent.md, written out as a replay of the history."""
    p = vocabulary().get(code)
    state: dict[tuple[str, str, str], str] = {}
    known = [v for v in history if v.recorded_at <= at and v.effective_from <= at]
    for v in sorted(known, key=lambda v: (v.effective_from, v.recorded_at, v.id)):
        state[(v.kind, v.scope_type, v.scope)] = v.value

    def on(kind: str, scope_type: str, scope: str | None) -> bool:
        return scope is not None and state.get((kind, scope_type, scope)) == "set"

    if p.refused:
        return "deny", "refused-purpose"
    if p.lawful_override:
        return "permit", "lawful-override"
    if p.explicit_choice:
        for scope_type, scope, label in (
            ("agreement", agreement, "agreement"),
            ("purpose", code, "purpose"),
        ):
            if on("explicit-dissent", scope_type, scope):
                return "deny", f"{label}-dissent"
            if on("explicit-consent", scope_type, scope):
                return "permit", f"{label}-consent"
    if p.type1_opt_out and on("type1-opt-out", "all", "*"):
        return "deny", "type1-opt-out"
    if p.national_opt_out and not anonymised and on("national-opt-out", "all", "*"):
        return "deny", "national-opt-out"
    return "permit", "default-permit"


@settings(max_examples=400, deadline=None)
@given(
    versions(),
    st.sampled_from(PURPOSES),
    st.sampled_from((None, *AGREEMENTS)),
    st.integers(-24, 300),
    st.booleans(),
)
def test_decisions_follow_the_documented_precedence(
    history: list[ChoiceVersion], code: str, agreement: str | None, hour: int, anonymised: bool
) -> None:
    at = T0 + timedelta(hours=hour)
    decision = evaluate(history, code, agreement=agreement, at=at, anonymised=anonymised)
    assert (decision.decision, decision.reason) == oracle(history, code, agreement, at, anonymised)
    # Invariant 4: every decision carries its reason, and the chain names the deciding rule.
    assert decision.reason and decision.steps
    deciding = [s for s in decision.steps if s.verdict == "satisfied"]
    assert deciding, "some rule must be satisfied"
    assert all(
        s.verdict in ("not-applicable", "no-matching-provision", "satisfied")
        or s.verdict == f"overridden-by:{decision.reason}"
        for s in decision.steps
    )


@settings(max_examples=300, deadline=None)
@given(
    versions(),
    versions(start_id=100),
    st.sampled_from(PURPOSES),
    st.sampled_from((None, *AGREEMENTS)),
    st.integers(0, 240),
)
def test_as_at_reproduces_past_decisions(
    past: list[ChoiceVersion],
    later: list[ChoiceVersion],
    code: str,
    agreement: str | None,
    hour: int,
) -> None:
    """Decide at T with what was recorded by T; record more (even backdated); decide as at T."""
    at = T0 + timedelta(hours=hour)
    recorded_by_then = [v for v in past if v.recorded_at <= at]
    then = evaluate(recorded_by_then, code, agreement=agreement, at=at)
    afterwards = [
        ChoiceVersion(
            v.id,
            v.kind,
            v.scope_type,
            v.scope,
            v.value,
            at + timedelta(seconds=1) + (v.recorded_at - T0),
            v.effective_from,
        )
        for v in later
    ]
    now = evaluate(past + afterwards, code, agreement=agreement, at=at)
    assert now == then


@settings(max_examples=200, deadline=None)
@given(versions(), st.sampled_from(AGREEMENTS), st.integers(0, 300))
def test_project_consent_overrides_a_general_opt_out_for_that_project_only(
    history: list[ChoiceVersion], agreement: str, hour: int
) -> None:
    at = T0 + timedelta(hours=hour)
    early = T0 - timedelta(days=1)
    extra = [
        ChoiceVersion(1000, "national-opt-out", "all", "*", "set", early, early),
        ChoiceVersion(1001, "explicit-consent", "agreement", agreement, "set", early, early),
    ]
    base = [v for v in history if v.key[1] != "agreement" and v.kind != "national-opt-out"]
    base = [v for v in base if v.scope_type != "purpose" or v.scope != "research"]
    project = evaluate(base + extra, "research", agreement=agreement, at=at)
    assert (project.decision, project.reason) == ("permit", "agreement-consent")
    other = next(a for a in AGREEMENTS if a != agreement)
    elsewhere = evaluate(base + extra, "research", agreement=other, at=at)
    assert elsewhere.decision == "deny"
    assert evaluate(base + extra, "research", at=at).decision == "deny"
