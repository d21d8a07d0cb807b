"""FHIR R4 AuditEvent export of the log, following IHE Basic Audit Log Patterns (BALP).

One AuditEvent per log entry, for security monitoring tools (``caldicott log
audit-events``): ``type``/``subtype`` say what happened, ``action`` the CRUDE verb,
``recorded`` when, ``outcome`` whether it succeeded (a denied access is a minor failure,
``4``), ``agent`` who (the entry's actor, as requestor), ``source`` this environment (the
log's origin), ``entity`` the log entry itself and, where the event is about one patient,
a patient entity identified only by the keyed pseudonym, and ``purposeOfEvent`` why (the
purpose code) where the event has a purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from caldicott.store.control.instance import ensure_instance
from caldicott.transparency.entries import (
    ACCESS_DECISION,
    AGREEMENT_TRANSITION,
    CONSENT_CHANGE,
    KEY_OPERATION,
    RELEASE,
    Entry,
    decode,
)
from caldicott.transparency.log import iter_entries

DCM = "http://dicom.nema.org/resources/ontology/DCM"
EVENT_KINDS = "https://caldicott.dev/fhir/CodeSystem/log-event"
PURPOSES = "https://caldicott.dev/fhir/CodeSystem/purpose"
PSEUDONYM = "https://caldicott.dev/fhir/sid/patient-keyed-hash"
ACTOR = "https://caldicott.dev/fhir/sid/actor"
LOG_ENTRY = "https://caldicott.dev/fhir/sid/log-entry"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
_HEX = re.compile(r"^[0-9a-f]{64}$")

#: kind -> (DICOM event type code, display, FHIR action)
TYPES: dict[str, tuple[str, str, str]] = {
    AGREEMENT_TRANSITION: ("110100", "Application Activity", "U"),
    CONSENT_CHANGE: ("110110", "Patient Record", "U"),
    KEY_OPERATION: ("110113", "Security Alert", "E"),
    RELEASE: ("110106", "Export", "R"),
    ACCESS_DECISION: ("110112", "Query", "E"),
}


def _outcome(entry: Entry) -> str:
    decision = str(entry.payload.get("decision", "")).lower()
    return "4" if decision in ("deny", "denied", "refuse", "refused") else "0"


def _purpose(entry: Entry) -> str | None:
    payload = entry.payload
    agreement = payload.get("agreement")
    if isinstance(agreement, dict) and isinstance(agreement.get("purpose"), str):
        return str(agreement["purpose"])
    value = payload.get("purpose")
    return value if isinstance(value, str) else None


def to_audit_event(entry: Entry, origin: str) -> dict[str, Any]:
    """The AuditEvent resource for one log entry."""
    code, display, action = TYPES.get(entry.kind, ("110100", "Application Activity", "E"))
    entities: list[dict[str, Any]] = [
        {
            "what": {"identifier": {"system": LOG_ENTRY, "value": f"{origin}/{entry.index}"}},
            "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
            "name": entry.kind,
        }
    ]
    patient = entry.payload.get("patient")
    if isinstance(patient, str) and _HEX.fullmatch(patient):
        entities.append(
            {
                "what": {"identifier": {"system": PSEUDONYM, "value": patient}},
                "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
                "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"},
            }
        )
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"log-{entry.index}",
        "type": {"system": DCM, "code": code, "display": display},
        "subtype": [{"system": EVENT_KINDS, "code": entry.kind}],
        "action": action,
        "recorded": entry.time.isoformat().replace("+00:00", "Z"),
        "outcome": _outcome(entry),
        "agent": [
            {
                "who": {"identifier": {"system": ACTOR, "value": entry.actor}},
                "requestor": True,
            }
        ],
        "source": {
            "site": origin,
            "observer": {"display": "caldicott transparency log"},
            "type": [{"system": SOURCE_TYPE, "code": "4", "display": "Application Server"}],
        },
        "entity": entities,
    }
    purpose = _purpose(entry)
    if purpose is not None:
        event["purposeOfEvent"] = [{"coding": [{"system": PURPOSES, "code": purpose}]}]
    reason = entry.payload.get("reason")
    if isinstance(reason, str):
        event["outcomeDesc"] = reason
    return event


def audit_events(session: Session) -> Iterator[dict[str, Any]]:
    """An AuditEvent for every entry in the log, in index order."""
    origin = ensure_instance(session).origin
    for _idx, _leaf, raw in iter_entries(session):
        yield to_audit_event(decode(raw), origin)
