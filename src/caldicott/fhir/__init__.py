"""FHIR helpers shared by synth, ingest and views: code systems and identifier checks."""
