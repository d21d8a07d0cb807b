"""Shared set-up for governance tests: organisations, people and training, and documents."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from caldicott.governance import people
from caldicott.governance.application import Application, parse, read_document

EXAMPLES = Path(__file__).parents[1] / "examples" / "agreements"
RESEARCH = EXAMPLES / "research-diabetes-kidney.yaml"
COMMERCIAL = EXAMPLES / "commercial-aki-algorithm.yaml"
MARKETING = EXAMPLES / "marketing-request.yaml"

ADMIN = "admin@northshire.example"
CUSTODIAN = "custodian@northshire.example"
PANEL = ("panel1@northshire.example", "panel2@northshire.example")
RESEARCHER = "r.patel@york.example"
ANALYST = "j.smith@york.example"
SUPPLIER = "s.okafor@kidneyai.example"
MARKETER = "sales@adco.example"
AUDITOR = "auditor@northshire.example"
TRAINED_ON = date(2026, 6, 1)
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def populate(session: Session, *, train: bool = True) -> None:
    """The cast of the demo: host trust, a university, a supplier and a marketer."""
    people.add_organisation(session, "RX1", "Northshire Teaching Hospitals", "nhs", actor=None)
    people.add_person(session, ADMIN, "Alex Admin", "RX1", ["administrator"], actor=None)
    for code, name, kind in (
        ("UNI-YORK", "University of York", "academic"),
        ("KIDNEYAI", "KidneyAI Ltd", "commercial"),
        ("ADCO", "AdCo Marketing Ltd", "commercial"),
    ):
        people.add_organisation(session, code, name, kind, actor=ADMIN)
    cast = [
        (CUSTODIAN, "RX1", ["custodian"]),
        (PANEL[0], "RX1", ["panel-member"]),
        (PANEL[1], "RX1", ["panel-member"]),
        (AUDITOR, "RX1", ["auditor"]),
        (RESEARCHER, "UNI-YORK", ["researcher"]),
        (ANALYST, "UNI-YORK", ["researcher"]),
        (SUPPLIER, "KIDNEYAI", ["supplier"]),
        (MARKETER, "ADCO", ["supplier"]),
    ]
    for email, org, roles in cast:
        people.add_person(session, email, email.split("@")[0], org, roles, actor=ADMIN)
    if train:
        for email in (RESEARCHER, ANALYST, SUPPLIER, MARKETER):
            people.record_training(
                session, email, "data-security-awareness", TRAINED_ON, actor=ADMIN
            )


def document(path: Path = RESEARCH) -> dict[str, Any]:
    return copy.deepcopy(read_document(path))


def application(path: Path = RESEARCH, **changes: Any) -> Application:
    doc = document(path)
    doc.update(changes)
    return parse(doc)
