"""FHIR helpers shared by capabilities: identifiers, code-system check digits."""
