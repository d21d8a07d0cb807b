"""Consent: the purpose vocabulary, patients' choices and the decision engine."""
