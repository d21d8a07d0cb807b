"""The decision engine: permit or deny one patient's data for one purpose, with reasons.

Precedence (documented for custodians and patients in ``docs/consent.md``):

1. A refused purpose (direct marketing, insurance, employment) is denied, always.
2. A purpose with a lawful override (a legal requirement) is permitted: choices are
   recorded and shown but do not stop the flow.
3. The most specific choice in force wins: an explicit choice for this agreement, then an
   explicit choice for this purpose, then a Type 1 or National Data Opt-out, then the
   default, which is permit. At equal specificity deny wins. Explicit choices count only
   for purposes whose vocabulary entry honours them; each opt-out counts only for purposes
   whose entry says it applies; the National Data Opt-out never applies to data anonymised
   to the ICO standard.

Direct care follows the same rules: no opt-out applies to it, so it is permitted unless the
patient recorded an explicit dissent for direct care (or for the agreement in question).

A choice is in force at ``at`` when it was recorded by then and effective by then; among
the versions of one choice (same kind and scope) the latest by effective time, then
recording time, then id, is the one in force. So ``at`` reproduces past decisions exactly,
whatever was recorded afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from caldicott.consent.model import ChoiceVersion, Decision, DecisionValue, Step
from caldicott.consent.purposes import Purpose, vocabulary
from caldicott.errors import InvalidArgument
from caldicott.fhir.nhs_number import is_valid_nhs_number

NOT_APPLICABLE = "not-applicable"
NO_MATCH = "no-matching-provision"
SATISFIED = "satisfied"


class ChoiceSource(Protocol):
    """Anything that can list one patient's choice versions (a registry or an index)."""

    def versions(self, nhs_number: str) -> Sequence[ChoiceVersion]: ...


def in_force(versions: Iterable[ChoiceVersion], at: datetime) -> list[ChoiceVersion]:
    """The version in force of each choice at ``at`` whose value is ``set``."""
    latest: dict[tuple[str, str, str], ChoiceVersion] = {}
    for v in versions:
        if not v.known_at(at):
            continue
        held = latest.get(v.key)
        if held is None or (v.effective_from, v.recorded_at, v.id) > (
            held.effective_from,
            held.recorded_at,
            held.id,
        ):
            latest[v.key] = v
    return sorted((v for v in latest.values() if v.value == "set"), key=lambda v: v.id)


def _explicit(
    rule: str,
    applicable: bool,
    why_not: str,
    matches: list[ChoiceVersion],
    reasons: tuple[str, str],
) -> tuple[Step, DecisionValue | None, str | None]:
    """One level of explicit choices: deny (dissent) wins over permit (consent)."""
    records = tuple(v.describe() for v in matches)
    if not applicable:
        return Step(rule, NOT_APPLICABLE, why_not, records), None, None
    if not matches:
        return Step(rule, NO_MATCH, "no explicit choice in force"), None, None
    if any(v.kind == "explicit-dissent" for v in matches):
        return Step(rule, SATISFIED, "explicit-dissent in force: deny", records), "deny", reasons[0]
    return Step(rule, SATISFIED, "explicit-consent in force: permit", records), "permit", reasons[1]


def _opt_out(
    kind: str, applicable: bool, why_not: str, matches: list[ChoiceVersion]
) -> tuple[Step, DecisionValue | None, str | None]:
    """One opt-out: it can only deny, and only for purposes it applies to."""
    records = tuple(v.describe() for v in matches)
    if not applicable:
        return Step(kind, NOT_APPLICABLE, why_not, records), None, None
    if not matches:
        return Step(kind, NO_MATCH, f"no {kind} in force"), None, None
    return Step(kind, SATISFIED, f"{kind} in force: deny", records), "deny", kind


class _Chain:
    """Collects steps; the first rule that decides wins, later ones are marked overridden."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.outcome: DecisionValue | None = None
        self.reason: str | None = None

    def add(
        self, step: Step, result: DecisionValue | None, why: str | None, *, same_level: bool = False
    ) -> None:
        overridden = self.outcome is not None and step.verdict != NOT_APPLICABLE
        if overridden and step.records and not (same_level and result == self.outcome):
            step = Step(step.rule, f"overridden-by:{self.reason}", step.detail, step.records)
        self.steps.append(step)
        if self.outcome is None and result is not None:
            self.outcome, self.reason = result, why


def evaluate(
    versions: Iterable[ChoiceVersion],
    purpose: Purpose | str,
    *,
    agreement: str | None = None,
    at: datetime,
    anonymised: bool = False,
) -> Decision:
    """The decision for one patient's choice versions (a pure function of its arguments)."""
    vocab = vocabulary()
    p = vocab.get(purpose) if isinstance(purpose, str) else purpose
    active = in_force(versions, at)
    chain = _Chain()

    if p.refused:
        chain.add(
            Step("refused-purpose", SATISFIED, f"{p.code} is never permitted"),
            "deny",
            "refused-purpose",
        )
    else:
        chain.add(Step("refused-purpose", NOT_APPLICABLE, f"{p.code} is not refused"), None, None)
    if p.lawful_override:
        chain.add(
            Step("lawful-override", SATISFIED, f"the law requires {p.code}"),
            "permit",
            "lawful-override",
        )
    else:
        chain.add(Step("lawful-override", NOT_APPLICABLE, "no legal duty applies"), None, None)

    explicit = ("explicit-consent", "explicit-dissent")
    honoured = f"{p.code} does not honour explicit choices"
    on_agreement = [
        v
        for v in active
        if v.kind in explicit and v.scope_type == "agreement" and v.scope == agreement
    ]
    chain.add(
        *_explicit(
            "explicit-choice-for-agreement",
            p.explicit_choice and agreement is not None,
            "no agreement named" if agreement is None else honoured,
            on_agreement,
            ("agreement-dissent", "agreement-consent"),
        )
    )
    on_purpose = [
        v for v in active if v.kind in explicit and v.scope_type == "purpose" and v.scope == p.code
    ]
    chain.add(
        *_explicit(
            "explicit-choice-for-purpose",
            p.explicit_choice,
            honoured,
            on_purpose,
            ("purpose-dissent", "purpose-consent"),
        )
    )
    type1 = [v for v in active if v.kind == "type1-opt-out"]
    chain.add(*_opt_out("type1-opt-out", p.type1_opt_out, f"does not apply to {p.code}", type1))
    ndoo = [v for v in active if v.kind == "national-opt-out"]
    why_not = (
        "does not apply to data anonymised to the ICO standard"
        if p.national_opt_out
        else f"does not apply to {p.code}"
    )
    chain.add(
        *_opt_out("national-opt-out", p.national_opt_out and not anonymised, why_not, ndoo),
        same_level=True,
    )
    decided = chain.outcome is not None
    chain.add(
        Step(
            "default",
            f"overridden-by:{chain.reason}" if decided else SATISFIED,
            "no choice decides: permit",
        ),
        "permit",
        "default-permit",
    )
    assert chain.outcome is not None and chain.reason is not None
    return Decision(
        decision=chain.outcome,
        reason=chain.reason,
        purpose=p.code,
        agreement=agreement,
        at=at,
        anonymised=anonymised,
        vocabulary_version=vocab.version,
        steps=tuple(chain.steps),
    )


def check_nhs_number(text: str) -> str:
    """The normalised NHS number, or a clear error that never echoes the value."""
    digits = text.strip().replace(" ", "")
    if not is_valid_nhs_number(digits):
        raise InvalidArgument("invalid NHS number: it must be 10 digits with a valid check digit")
    return digits


def check_time(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None:
        raise InvalidArgument("--at must include a time zone (for example 2026-01-31T12:00Z)")
    return at.astimezone(UTC)


def decide(
    source: Session | ChoiceSource,
    nhs_number: str,
    purpose: Purpose | str,
    agreement: str | None = None,
    at: datetime | None = None,
    *,
    anonymised: bool = False,
) -> Decision:
    """Permit or deny this patient's data for ``purpose`` (and ``agreement``) at ``at``."""
    from caldicott.consent.registry import SessionSource

    number = check_nhs_number(nhs_number)
    when = check_time(at)
    p = vocabulary().get(purpose) if isinstance(purpose, str) else purpose
    src: ChoiceSource = SessionSource(source) if isinstance(source, Session) else source
    return evaluate(src.versions(number), p, agreement=agreement, at=when, anonymised=anonymised)


def may_collect(
    source: Session | ChoiceSource, nhs_number: str, data_source: str, at: datetime | None = None
) -> Decision:
    """Whether patient-generated data may be collected from ``data_source`` (a wearable, an
    app). Collection needs the patient's consent for that source: deny by default."""
    from caldicott.consent.registry import SessionSource

    number = check_nhs_number(nhs_number)
    when = check_time(at)
    src: ChoiceSource = SessionSource(source) if isinstance(source, Session) else source
    matches = [
        v
        for v in in_force(src.versions(number), when)
        if v.kind == "pgd-collection" and v.scope == data_source
    ]
    rule = "pgd-collection"
    if matches:
        step = Step(
            rule,
            SATISFIED,
            "consent to collect from this source in force",
            tuple(v.describe() for v in matches),
        )
        outcome: DecisionValue = "permit"
        reason = "pgd-consent"
    else:
        step = Step(rule, NO_MATCH, "no consent to collect from this source: deny by default")
        outcome, reason = "deny", "no-pgd-consent"
    return Decision(
        outcome, reason, "pgd-collection", None, when, False, vocabulary().version, (step,)
    )
