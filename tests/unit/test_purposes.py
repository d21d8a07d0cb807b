import pytest

from caldicott.consent.purposes import purpose, vocabulary
from caldicott.errors import InvalidArgument

CODES = {
    "direct-care",
    "risk-stratification",
    "local-planning",
    "national-planning",
    "research",
    "commercial-product-development",
    "public-health",
    "legal-requirement",
    "direct-marketing",
    "insurance",
    "employment",
}


def test_vocabulary_has_the_stable_codes() -> None:
    vocab = vocabulary()
    assert set(vocab.codes) == CODES
    assert vocab.version


def test_refused_purposes() -> None:
    refused = {p.code for p in vocabulary().purposes if p.refused}
    assert refused == {"direct-marketing", "insurance", "employment"}


def test_opt_out_framing() -> None:
    assert not purpose("direct-care").national_opt_out
    assert not purpose("direct-care").type1_opt_out
    assert purpose("research").national_opt_out and purpose("research").type1_opt_out
    assert not purpose("legal-requirement").national_opt_out
    assert purpose("legal-requirement").lawful_override


def test_unknown_purpose_is_refused_by_name() -> None:
    with pytest.raises(InvalidArgument, match="'marketing'"):
        purpose("marketing")
