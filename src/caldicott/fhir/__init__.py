"""FHIR helpers shared by capabilities: identifiers and their checks."""
