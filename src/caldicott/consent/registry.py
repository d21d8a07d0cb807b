"""The consent registry: recording patients' choices (append-only) and reading them back.

Every change is a new ``consent_choice`` row (see :mod:`caldicott.consent.tables`). Reading
functions return frozen :class:`~caldicott.consent.model.ChoiceVersion` values that the
decision engine evaluates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from caldicott.consent.decide import check_nhs_number, in_force
from caldicott.consent.model import ChoiceVersion
from caldicott.consent.purposes import vocabulary
from caldicott.consent.tables import (
    CHANNELS,
    KINDS,
    OPT_OUT_KINDS,
    SCOPE_ALL,
    VALUES,
    ConsentChoice,
)
from caldicott.errors import InvalidArgument

_COLUMNS = (
    ConsentChoice.id,
    ConsentChoice.kind,
    ConsentChoice.scope_type,
    ConsentChoice.scope,
    ConsentChoice.value,
    ConsentChoice.recorded_at,
    ConsentChoice.effective_from,
    ConsentChoice.channel,
    ConsentChoice.actor,
)
OPPOSITE = {"explicit-consent": "explicit-dissent", "explicit-dissent": "explicit-consent"}


@dataclass(frozen=True)
class NewChoice:
    """A validated change, ready to append."""

    nhs_number: str
    kind: str
    scope_type: str
    scope: str
    value: str
    channel: str
    actor: str
    effective_from: datetime | None = None
    source_hash: str | None = None
    source_consent: str | None = None

    def row(self, recorded_at: datetime) -> dict[str, Any]:
        return {
            "nhs_number": self.nhs_number,
            "kind": self.kind,
            "scope_type": self.scope_type,
            "scope": self.scope,
            "value": self.value,
            "channel": self.channel,
            "actor": self.actor,
            "recorded_at": recorded_at,
            "effective_from": self.effective_from or recorded_at,
            "log_category": f"consent.{self.kind}.{self.value}",
            "source_hash": self.source_hash,
            "source_consent": self.source_consent,
        }


def scope_for(
    kind: str, purpose: str | None, agreement: str | None, source: str | None
) -> tuple[str, str]:
    """The scope a kind of choice needs, checked: opt-outs cover all, others one thing."""
    if kind not in KINDS:
        raise InvalidArgument(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")
    given = [
        n for n, v in (("purpose", purpose), ("agreement", agreement), ("source", source)) if v
    ]
    if kind in OPT_OUT_KINDS:
        if given:
            raise InvalidArgument(f"{kind} covers every purpose it applies to: omit --{given[0]}")
        return "all", SCOPE_ALL
    if kind == "pgd-collection":
        if given != ["source"]:
            raise InvalidArgument("pgd-collection needs --source (a wearable or app) only")
        return "source", str(source)
    if len(given) != 1 or given == ["source"]:
        raise InvalidArgument(f"{kind} needs exactly one of --purpose or --agreement")
    if purpose:
        return "purpose", vocabulary().get(purpose).code
    return "agreement", str(agreement)


def new_choice(
    nhs_number: str,
    kind: str,
    *,
    purpose: str | None = None,
    agreement: str | None = None,
    source: str | None = None,
    withdraw: bool = False,
    channel: str,
    actor: str,
    effective_from: datetime | None = None,
) -> NewChoice:
    """Validate one change (NHS number, kind, scope, channel, actor, time)."""
    number = check_nhs_number(nhs_number)
    scope_type, scope = scope_for(kind, purpose, agreement, source)
    if channel not in CHANNELS:
        raise InvalidArgument(f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}")
    if not actor.strip():
        raise InvalidArgument("--actor must name who recorded the choice")
    if effective_from is not None and effective_from.tzinfo is None:
        raise InvalidArgument("effective time must include a time zone")
    value = VALUES[1] if withdraw else VALUES[0]
    return NewChoice(number, kind, scope_type, scope, value, channel, actor.strip(), effective_from)


def append(
    session: Session, changes: Sequence[NewChoice], recorded_at: datetime | None = None
) -> int:
    """Append validated changes in one statement; returns how many rows were added."""
    if not changes:
        return 0
    when = recorded_at or datetime.now(UTC)
    rows = [c.row(when) for c in changes]
    session.connection().execute(insert(ConsentChoice), rows)
    return len(changes)


def set_choice(session: Session, change: NewChoice, recorded_at: datetime | None = None) -> int:
    """Record one change. Setting consent withdraws a dissent in force for the same scope
    (and the reverse), so the patient's latest word is what stands; returns rows added."""
    changes = [change]
    opposite = OPPOSITE.get(change.kind)
    if change.value == "set" and opposite is not None:
        when = change.effective_from or recorded_at or datetime.now(UTC)
        active = in_force(SessionSource(session).versions(change.nhs_number), when)
        if any(v.key == (opposite, change.scope_type, change.scope) for v in active):
            changes.insert(
                0,
                NewChoice(
                    change.nhs_number,
                    opposite,
                    change.scope_type,
                    change.scope,
                    "withdrawn",
                    change.channel,
                    change.actor,
                    change.effective_from,
                ),
            )
    return append(session, changes, recorded_at)


class SessionSource:
    """Reads one patient's choice versions from the control plane."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def versions(self, nhs_number: str) -> list[ChoiceVersion]:
        rows = self.session.execute(
            select(*_COLUMNS)
            .where(ConsentChoice.nhs_number == nhs_number)
            .order_by(ConsentChoice.id)
        )
        return [ChoiceVersion(*row) for row in rows]


class MemoryIndex:
    """Every patient's choice versions held in memory, for many decisions in a row."""

    def __init__(self, by_patient: dict[str, list[ChoiceVersion]]) -> None:
        self.by_patient = by_patient

    @classmethod
    def load(cls, session: Session) -> MemoryIndex:
        index: dict[str, list[ChoiceVersion]] = {}
        rows = session.execute(
            select(ConsentChoice.nhs_number, *_COLUMNS).order_by(ConsentChoice.id)
        )
        for number, *rest in rows:
            index.setdefault(number, []).append(ChoiceVersion(*rest))
        return cls(index)

    def versions(self, nhs_number: str) -> Sequence[ChoiceVersion]:
        return self.by_patient.get(nhs_number, ())


def history(session: Session, nhs_number: str) -> list[dict[str, Any]]:
    """Every version of every choice of one patient, oldest first (no NHS number inside)."""
    number = check_nhs_number(nhs_number)
    rows = session.scalars(
        select(ConsentChoice).where(ConsentChoice.nhs_number == number).order_by(ConsentChoice.id)
    )
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "scope_type": r.scope_type,
            "scope": r.scope,
            "value": r.value,
            "channel": r.channel,
            "actor": r.actor,
            "recorded_at": r.recorded_at.isoformat(),
            "effective_from": r.effective_from.isoformat(),
            "log_category": r.log_category,
            "imported_from_fhir": r.source_hash is not None,
        }
        for r in rows
    ]


def stats(session: Session, at: datetime | None = None) -> dict[str, Any]:
    """Counts of versions recorded and of patients with each kind of choice in force."""
    when = at or datetime.now(UTC)
    index = MemoryIndex.load(session)
    in_force_by_kind: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    versions = 0
    for chosen in index.by_patient.values():
        versions += len(chosen)
        by_channel.update(v.channel for v in chosen)
        in_force_by_kind.update({v.kind for v in in_force(chosen, when)})
    return {
        "at": when.isoformat(),
        "patients_with_choices": len(index.by_patient),
        "versions": versions,
        "patients_by_kind_in_force": {k: in_force_by_kind.get(k, 0) for k in KINDS},
        "versions_by_channel": {c: by_channel.get(c, 0) for c in CHANNELS},
    }


def opt_out_holders(session: Session, kind: str, at: datetime) -> set[str]:
    """NHS numbers whose ``kind`` opt-out is in force at ``at`` (for idempotent imports)."""
    latest: dict[str, tuple[tuple[datetime, datetime, int], str]] = {}
    rows = session.execute(
        select(
            ConsentChoice.nhs_number,
            ConsentChoice.effective_from,
            ConsentChoice.recorded_at,
            ConsentChoice.id,
            ConsentChoice.value,
        ).where(ConsentChoice.kind == kind, ConsentChoice.scope_type == "all")
    )
    for number, eff, rec, row_id, value in rows:
        if eff > at or rec > at:
            continue
        order = (eff, rec, row_id)
        if number not in latest or order > latest[number][0]:
            latest[number] = (order, value)
    return {n for n, (_, value) in latest.items() if value == "set"}


@dataclass(frozen=True)
class ChangeEvent:
    """One change, for the transparency log: its category and the patient to hash.

    The log records ``category`` and a keyed hash of ``nhs_number``, never the number."""

    choice_id: int
    category: str
    nhs_number: str
    recorded_at: datetime


def changes_after(session: Session, after_id: int = 0, limit: int = 10_000) -> list[ChangeEvent]:
    """Changes recorded after the choice version ``after_id``, oldest first."""
    rows = session.execute(
        select(
            ConsentChoice.id,
            ConsentChoice.log_category,
            ConsentChoice.nhs_number,
            ConsentChoice.recorded_at,
        )
        .where(ConsentChoice.id > after_id)
        .order_by(ConsentChoice.id)
        .limit(limit)
    )
    return [ChangeEvent(*row) for row in rows]


def all_numbers(session: Session) -> Iterable[str]:
    """Every NHS number with at least one recorded choice."""
    return session.scalars(select(ConsentChoice.nhs_number).distinct())
