"""Governance: how fast applications are validated and checked, and a whole review on SQLite.

Figures (``quick`` uses fewer repetitions):

- ``validate_per_second``: schema validation (the compact validator) plus parsing of the
  research example; ``yaml_load_per_second`` is the baseline of merely reading the YAML,
  and ``validate_to_yaml_ratio`` compares them (how much the checks add to reading);
- ``checks_per_second``: the automatic checks on a parsed application;
- ``review_seconds_p50``: create, submit, vote, decide and activate one application on a
  SQLite control plane (each step its own transaction, as the CLI does).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from caldicott.governance import checks, panel, people, records, workflow
from caldicott.governance.application import parse, read_document
from caldicott.governance.people import Profile, TrainingRecord
from caldicott.store.control import ControlPlane

EXAMPLE = Path(__file__).parents[1] / "examples" / "agreements" / "research-diabetes-kidney.yaml"


def _rate(fn: Any, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def run(quick: bool) -> dict[str, Any]:
    n = 200 if quick else 2000
    text = EXAMPLE.read_text()
    doc = read_document(EXAMPLE)
    app = parse(doc)
    trained = (TrainingRecord("data-security-awareness", date(2026, 1, 1), date(2027, 1, 1)),)
    who = {
        e: Profile(i, e, e, "UNI-YORK", "academic", frozenset({"researcher"}), trained)
        for i, e in enumerate(app.emails)
    }
    yaml_rate = _rate(lambda: yaml.load(text, Loader=yaml.CSafeLoader), n)
    validate_rate = _rate(lambda: parse(doc), n)
    checks_rate = _rate(lambda: checks.run_checks(app, who, "academic", date(2026, 6, 1)), n)

    reviews = 5 if quick else 30
    timings = []
    with tempfile.TemporaryDirectory() as folder:
        plane = ControlPlane(f"sqlite:///{Path(folder) / 'control.db'}")
        plane.upgrade()
        with plane.session() as s:
            people.add_organisation(s, "RX1", "Trust", "nhs", actor=None)
            people.add_person(s, "a@rx1.example", "A", "RX1", ["administrator"], actor=None)
            people.add_organisation(s, "UNI-YORK", "York", "academic", actor="a@rx1.example")
            people.add_person(s, "c@rx1.example", "C", "RX1", ["custodian"], actor="a@rx1.example")
            people.add_person(
                s, "p@rx1.example", "P", "RX1", ["panel-member"], actor="a@rx1.example"
            )
            for email in app.emails:
                people.add_person(
                    s, email, email, "UNI-YORK", ["researcher"], actor="a@rx1.example"
                )
                people.record_training(
                    s, email, "data-security-awareness", date.today(), actor="a@rx1.example"
                )
        lead = app.emails[0]
        for _ in range(reviews):
            start = time.perf_counter()
            with plane.session() as s:
                ref = records.reference_of(s, workflow.create(s, app, lead))
            with plane.session() as s:
                workflow.submit(s, ref, lead)
            with plane.session() as s:
                panel.vote(s, ref, "p@rx1.example", "support")
            with plane.session() as s:
                workflow.decide(s, ref, "c@rx1.example", approve=True, reason="ok")
            with plane.session() as s:
                workflow.activate(s, ref, lead)
            timings.append(time.perf_counter() - start)
        plane.dispose()
    return {
        "yaml_load_per_second": round(yaml_rate, 1),
        "validate_per_second": round(validate_rate, 1),
        "validate_to_yaml_ratio": round(yaml_rate / validate_rate, 3),
        "checks_per_second": round(checks_rate, 1),
        "review_seconds_p50": round(statistics.median(timings), 4),
        "reviews": reviews,
    }
