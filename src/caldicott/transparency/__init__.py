"""Transparency: an append-only, verifiable log of every governance event and release.

The API other capabilities call (see docs/transparency.md)::

    from caldicott import transparency

    index = transparency.append(session, transparency.CONSENT_CHANGE, actor="patient-portal",
                                payload={"purpose": "research", "choice": "opt-out",
                                         "patient": hasher(nhs_number)})

``append`` writes in the caller's transaction: the entry is durable when the caller commits.
Patients appear only as keyed hashes (:func:`patient_hasher`), never by NHS number.
"""

from caldicott.transparency.entries import (
    ACCESS_DECISION,
    AGREEMENT_TRANSITION,
    CONSENT_CHANGE,
    KEY_OPERATION,
    KINDS,
    RELEASE,
    PatientHasher,
    patient_hasher,
)
from caldicott.transparency.log import Event, append, append_many

__all__ = [
    "ACCESS_DECISION",
    "AGREEMENT_TRANSITION",
    "CONSENT_CHANGE",
    "KEY_OPERATION",
    "KINDS",
    "RELEASE",
    "Event",
    "PatientHasher",
    "append",
    "append_many",
    "patient_hasher",
]
