"""FHIR R4 helpers shared by capabilities: identifiers and code-system check digits."""
