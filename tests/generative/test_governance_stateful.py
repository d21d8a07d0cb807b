"""Hypothesis stateful test of the agreement workflow: random people take random steps.

Whatever the order of steps, the actors and the passing of time, no version becomes active
without a custodian's approval after panel review, with every panel concern answered
before that approval, and with every named person's training in date at both the
approval and the activation. Every recorded transition is one the state machine allows.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from contextlib import closing
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select
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
    RESEARCH,
    RESEARCHER,
    SUPPLIER,
    application,
    populate,
)

from caldicott.consent.purposes import vocabulary
from caldicott.errors import Conflict, InvalidArgument, PermissionDenied
from caldicott.governance import lifecycle, panel, people, records, workflow
from caldicott.governance.states import TRANSITIONS
from caldicott.governance.tables import AgreementVersion, Concern, Transition, Vote
from caldicott.store.control import ControlPlane

EVERYONE = [ADMIN, CUSTODIAN, *PANEL, AUDITOR, RESEARCHER, ANALYST, SUPPLIER, MARKETER]
APPLICANTS = [RESEARCHER, ANALYST, SUPPLIER, MARKETER]
REFUSALS = (PermissionDenied, Conflict, InvalidArgument)
DOCUMENTS = {RESEARCH: RESEARCHER, COMMERCIAL: SUPPLIER, MARKETING: MARKETER}


@cache
def template() -> Path:
    """A migrated, populated SQLite control plane made once; each example gets a copy."""
    folder = Path(tempfile.mkdtemp(prefix="caldicott-stateful-"))
    control = ControlPlane(f"sqlite:///{folder / 'control.db'}")
    control.upgrade()
    with control.session() as s:
        populate(s, train=False)
        for who in APPLICANTS:  # in date now, lapsing soon: time passing matters
            people.record_training(
                s,
                who,
                "data-security-awareness",
                (NOW - timedelta(days=300)).date(),
                (NOW + timedelta(days=45)).date(),
                actor=ADMIN,
            )
    control.dispose()
    return folder / "control.db"


class Workflow(RuleBasedStateMachine):
    """Each example starts from the same control plane at the same time: Hypothesis
    replays and varies examples, so nothing may carry over from one to the next (a
    shared plane and clock made the draws depend on earlier examples: flaky)."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="caldicott-stateful-"))
        copy = self.folder / "control.db"
        with closing(sqlite3.connect(template())) as src, closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)
        self.control = ControlPlane(f"sqlite:///{copy}")
        self.clock = NOW
        self.refs: list[str] = []
        self.owners: dict[str, str] = {}
        self.concerns: list[int] = []

    def teardown(self) -> None:
        self.control.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def advance(self, days: int) -> None:
        self.clock += timedelta(days=days)

    def pick(self, data: st.DataObject, *likely: str) -> tuple[str, str]:
        """An agreement and an actor: usually the right person for the step, often not."""
        ref = data.draw(st.sampled_from(self.refs))
        right = [self.owners[ref] if who == "owner" else who for who in likely]
        return ref, data.draw(st.sampled_from(right * 3 + EVERYONE))

    def attempt(self, step, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            with self.control.session() as s:
                return step(s, *args, **kwargs)
        except REFUSALS:
            return None

    @precondition(lambda self: len(self.refs) < 3)
    @rule(path=st.sampled_from(list(DOCUMENTS)), data=st.data())
    def create(self, path: Path, data: st.DataObject) -> None:
        actor = data.draw(st.sampled_from([DOCUMENTS[path]] * 3 + EVERYONE))
        made = self.attempt(
            lambda s: records.reference_of(
                s, workflow.create(s, application(path), actor, self.clock)
            )
        )
        if made is not None:
            self.refs.append(made)
            self.owners[made] = actor

    @precondition(lambda self: self.refs)
    @rule(data=st.data())
    def submit(self, data: st.DataObject) -> None:
        ref, actor = self.pick(data, "owner")
        self.attempt(workflow.submit, ref, actor, self.clock)

    @precondition(lambda self: self.refs)
    @rule(data=st.data(), choice=st.sampled_from(panel.VOTES))
    def vote(self, data: st.DataObject, choice: str) -> None:
        ref, actor = self.pick(data, *PANEL)
        self.attempt(panel.vote, ref, actor, choice, "", self.clock)

    @precondition(lambda self: self.refs)
    @rule(data=st.data())
    def concern(self, data: st.DataObject) -> None:
        ref, actor = self.pick(data, *PANEL)
        made = self.attempt(lambda s: panel.raise_concern(s, ref, actor, "Why?", self.clock).id)
        if made is not None:
            self.concerns.append(made)

    @precondition(lambda self: self.concerns)
    @rule(data=st.data())
    def answer(self, data: st.DataObject) -> None:
        concern = data.draw(st.sampled_from(self.concerns))
        actor = data.draw(st.sampled_from([CUSTODIAN] * 3 + EVERYONE))
        self.attempt(panel.answer, concern, actor, "Because.", self.clock)

    @precondition(lambda self: self.refs)
    @rule(data=st.data(), approve=st.booleans())
    def decide(self, data: st.DataObject, approve: bool) -> None:
        ref, actor = self.pick(data, CUSTODIAN)
        self.attempt(
            lambda s: workflow.decide(s, ref, actor, approve=approve, reason="r", at=self.clock)
        )

    @precondition(lambda self: self.refs)
    @rule(data=st.data())
    def activate(self, data: st.DataObject) -> None:
        ref, actor = self.pick(data, "owner")
        self.attempt(workflow.activate, ref, actor, self.clock)

    @precondition(lambda self: self.refs)
    @rule(
        data=st.data(),
        step=st.sampled_from([lifecycle.suspend, lifecycle.reinstate, lifecycle.revoke]),
    )
    def custodian_step(self, data: st.DataObject, step) -> None:  # type: ignore[no-untyped-def]
        ref, actor = self.pick(data, CUSTODIAN)
        self.attempt(step, ref, actor, "reason", self.clock)

    @precondition(lambda self: self.refs)
    @rule(data=st.data())
    def amend(self, data: st.DataObject) -> None:
        ref, actor = self.pick(data, "owner")
        path = data.draw(st.sampled_from(list(DOCUMENTS)))
        self.attempt(workflow.amend, ref, application(path), actor, self.clock)

    @precondition(lambda self: self.refs)
    @rule(data=st.data())
    def progress(self, data: st.DataObject) -> None:
        """The next ordinary step for an agreement, by the right person (for coverage)."""
        ref = data.draw(st.sampled_from(self.refs))
        with self.control.session() as s:
            row = records.version(s, ref)
            state, version_id = row.state, row.id
            voted = s.scalar(select(Vote.id).where(Vote.version_id == version_id).limit(1))
            open_concern = s.scalar(
                select(Concern.id).where(Concern.version_id == version_id, Concern.answer.is_(None))
            )
        owner = self.owners[ref]
        if data.draw(st.sampled_from([True, False, False])):
            for who in APPLICANTS:
                self.retrain(who)
        if state == "draft":
            self.attempt(workflow.submit, ref, owner, self.clock)
        elif state == "panel-review":
            step = data.draw(st.sampled_from(["vote", "concern", "answer", "decide", "decide"]))
            if step == "vote" or voted is None:
                self.attempt(panel.vote, ref, PANEL[0], "support", "", self.clock)
            elif step == "concern":
                made = self.attempt(
                    lambda s: panel.raise_concern(s, ref, PANEL[1], "?", self.clock)
                )
                if made is not None:
                    self.concerns.append(made.id)
            elif step == "answer" and open_concern is not None:
                self.attempt(panel.answer, open_concern, CUSTODIAN, "Answered.", self.clock)
            else:
                self.attempt(
                    lambda s: workflow.decide(
                        s, ref, CUSTODIAN, approve=True, reason="r", at=self.clock
                    )
                )
        elif state == "approved":
            if data.draw(st.booleans()):  # a gap between approval and acceptance
                self.advance(46)
            self.attempt(workflow.activate, ref, owner, self.clock)

    @rule(days=st.integers(min_value=1, max_value=30))
    def time_passes(self, days: int) -> None:
        self.advance(days)
        self.attempt(lifecycle.expire_due, self.clock)

    @rule(who=st.sampled_from(APPLICANTS))
    def retrain(self, who: str) -> None:
        self.attempt(
            people.record_training,
            who,
            "data-security-awareness",
            self.clock.date(),
            (self.clock + timedelta(days=45)).date(),
            actor=ADMIN,
        )

    def version_ids(self) -> list[int]:
        ids = [records.parse_reference(ref) for ref in self.refs]
        with self.control.session() as s:
            return list(
                s.scalars(select(AgreementVersion.id).where(AgreementVersion.agreement_id.in_(ids)))
            )

    @invariant()
    def every_transition_is_allowed(self) -> None:
        ids = self.version_ids()
        with self.control.session() as s:
            for t in s.scalars(select(Transition).where(Transition.version_id.in_(ids))):
                assert t.to_state in TRANSITIONS[t.from_state], (t.from_state, t.to_state)

    @invariant()
    def nothing_approved_or_active_without_decision_answers_and_training(self) -> None:
        ids = self.version_ids()
        with self.control.session() as s:
            reached = s.scalars(
                select(Transition.version_id).where(
                    Transition.version_id.in_(ids), Transition.to_state == "approved"
                )
            ).all()
            for version_id in reached:
                row = s.get(AgreementVersion, version_id)
                assert row is not None
                steps = s.scalars(
                    select(Transition)
                    .where(Transition.version_id == row.id)
                    .order_by(Transition.id)
                ).all()
                approval = next(t for t in steps if t.to_state == "approved")
                assert approval.from_state == "custodian-decision"
                assert approval.actor_role == "custodian"
                assert any(t.to_state == "panel-review" for t in steps if t.id < approval.id)
                concerns = s.scalars(select(Concern).where(Concern.version_id == row.id)).all()
                assert all(
                    c.answered_at is not None and c.answered_at <= approval.at for c in concerns
                )
                app = records.application_of(row)
                assert vocabulary().get(app.purpose).refused is False
                checked = [approval] + [t for t in steps if t.to_state == "active"]
                for email in app.emails:
                    person = people.profile(s, email)
                    for step in checked:
                        assert person.missing_training(step.at.date()) == []
            for row in s.scalars(select(AgreementVersion).where(AgreementVersion.id.in_(ids))):
                if row.state == "active" or any(
                    t.to_state == "active" for t in records.transitions(s, row)
                ):
                    assert row.id in reached


Workflow.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=35,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestWorkflow = pytest.mark.slow(Workflow.TestCase)
