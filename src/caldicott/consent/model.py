"""The frozen core of the consent capability: a choice version, a step of reasoning, a decision.

These values are independent of the control plane, so the decision engine is a pure
function of them and can be tested, reproduced and benchmarked without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Verdict = str  # not-applicable | no-matching-provision | satisfied | overridden-by:<rule>
DecisionValue = Literal["permit", "deny"]

#: Reason codes, one per way a decision can be reached (the snapshot's reason column).
REASONS = (
    "refused-purpose",
    "lawful-override",
    "agreement-dissent",
    "agreement-consent",
    "purpose-dissent",
    "purpose-consent",
    "type1-opt-out",
    "national-opt-out",
    "default-permit",
)


@dataclass(frozen=True, slots=True)
class ChoiceVersion:
    """One version of one choice, as recorded (a row of ``consent_choice``)."""

    id: int
    kind: str
    scope_type: str
    scope: str
    value: str
    recorded_at: datetime
    effective_from: datetime
    channel: str = "app"
    actor: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """Versions with the same key are versions of the same choice."""
        return (self.kind, self.scope_type, self.scope)

    def known_at(self, at: datetime) -> bool:
        """Recorded and in effect at ``at`` (both times: as_at reproduces the past)."""
        return self.recorded_at <= at and self.effective_from <= at

    def describe(self) -> dict[str, Any]:
        return {
            "record": self.id,
            "kind": self.kind,
            "scope": self.scope if self.scope_type != "all" else "all",
            "scope_type": self.scope_type,
            "value": self.value,
            "effective_from": self.effective_from.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "channel": self.channel,
        }


@dataclass(frozen=True, slots=True)
class Step:
    """One rule consulted, the records it looked at and its verdict."""

    rule: str
    verdict: Verdict
    detail: str
    records: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "verdict": self.verdict, "detail": self.detail}
        if self.records:
            out["records"] = list(self.records)
        return out


@dataclass(frozen=True, slots=True)
class Decision:
    """Permit or deny, the reason code that decided it and every step consulted."""

    decision: DecisionValue
    reason: str
    purpose: str
    agreement: str | None
    at: datetime
    anonymised: bool
    vocabulary_version: str
    steps: tuple[Step, ...] = field(default=())

    @property
    def permitted(self) -> bool:
        return self.decision == "permit"

    def as_dict(self) -> dict[str, Any]:
        """The decision as a JSON-ready document (it never carries the NHS number)."""
        return {
            "decision": self.decision,
            "reason": self.reason,
            "purpose": self.purpose,
            "agreement": self.agreement,
            "at": self.at.isoformat(),
            "anonymised": self.anonymised,
            "vocabulary_version": self.vocabulary_version,
            "reason_chain": [s.as_dict() for s in self.steps],
        }
