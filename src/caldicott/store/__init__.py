"""Stores: the control plane (SQLAlchemy) and the data plane (the FHIR warehouse)."""
