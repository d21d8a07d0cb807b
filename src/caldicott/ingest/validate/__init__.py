"""Validation of FHIR R4 resources: structure, primitives, codes, identifiers, plausibility."""

from caldicott.ingest.validate.engine import validate
from caldicott.ingest.validate.plausibility import event_date, patient_id, plausibility

__all__ = ["event_date", "patient_id", "plausibility", "validate"]
