"""Each automatic check, with an application that fails it and one that passes it."""

from datetime import date
from typing import Any

import pytest
from tests.governance_setup import COMMERCIAL, EXAMPLES, MARKETING, RESEARCH, document

from caldicott.governance import checks
from caldicott.governance.application import Application, load_file, parse
from caldicott.governance.checks import Finding, outcome, run_checks
from caldicott.governance.people import Profile, TrainingRecord
from caldicott.governance.sensitive import excluded_categories, sensitive_codes

ON = date(2026, 11, 1)
TRAINED = (TrainingRecord("data-security-awareness", date(2026, 6, 1), date(2027, 6, 1)),)


def person(email: str, org: str, roles: set[str], training: Any = TRAINED) -> Profile:
    return Profile(1, email, email, org, "academic", frozenset(roles), training)


PEOPLE = {
    "r.patel@york.example": person("r.patel@york.example", "UNI-YORK", {"researcher"}),
    "j.smith@york.example": person("j.smith@york.example", "UNI-YORK", {"researcher"}),
    "s.okafor@kidneyai.example": person("s.okafor@kidneyai.example", "KIDNEYAI", {"supplier"}),
    "sales@adco.example": person("sales@adco.example", "ADCO", {"supplier"}),
}


def findings(app: Application, kind: str = "academic", people: Any = None) -> list[Finding]:
    return run_checks(app, PEOPLE if people is None else people, kind, ON)


def codes(found: list[Finding]) -> set[str]:
    return {f.code for f in found}


def modified(change: Any) -> Application:
    doc = document()
    change(doc)
    return parse(doc)


def test_the_research_example_passes_cleanly() -> None:
    found = findings(load_file(RESEARCH))
    assert found == []
    assert outcome(found) == "passed"


def test_the_commercial_example_passes_with_warnings_only() -> None:
    found = findings(load_file(COMMERCIAL), kind="commercial")
    assert outcome(found) == "passed"
    assert codes(found) == {"duration-long"}


@pytest.mark.parametrize("path", [MARKETING, EXAMPLES / "failing" / "insurance.yaml"])
def test_refused_purposes_are_rejected_outright(path: Any) -> None:
    found = findings(load_file(path), kind="commercial")
    assert [f.code for f in found] == ["purpose-refused"]
    assert outcome(found) == "refused"
    assert "refused" in found[0].reason and "principle" in found[0].reason


@pytest.mark.parametrize("employment", ["employment"])
def test_employment_is_refused_too(employment: str) -> None:
    assert outcome(findings(modified(lambda d: d.update(purpose=employment)))) == "refused"


def test_missing_legal_bases_are_each_named() -> None:
    found = findings(load_file(EXAMPLES / "failing" / "missing-legal-basis.yaml"))
    paths = {f.path for f in found if f.code == "legal-basis-missing"}
    assert paths == {"legal_basis.article9"}
    assert "common-law-mismatch" in codes(found)
    none = findings(modified(lambda d: d.pop("legal_basis")))
    assert {f.path for f in none if f.code == "legal-basis-missing"} == {
        "legal_basis.article6",
        "legal_basis.article9",
        "legal_basis.common_law",
    }


def test_anonymisation_covers_aggregates() -> None:
    def aggregates(d: dict[str, Any]) -> None:
        d["identifiability"] = "aggregates"
        d["legal_basis"] = {
            "article6": "6(1)(e)",
            "article9": "9(2)(j)",
            "common_law": "anonymisation",
        }

    assert "common-law-mismatch" not in codes(findings(modified(aggregates)))


def test_s251_needs_its_reference() -> None:
    found = findings(modified(lambda d: d["legal_basis"].pop("s251_reference")))
    assert codes(found) == {"s251-reference-missing"}


def test_columns_need_a_justification() -> None:
    found = findings(load_file(EXAMPLES / "failing" / "unjustified-columns.yaml"))
    assert [f.path for f in found] == [
        "data.columns[1].justification",
        "data.columns[2].justification",
    ]
    assert all(f.severity == "error" for f in found)


def test_direct_identifiers_are_refused_where_not_needed() -> None:
    found = findings(load_file(EXAMPLES / "failing" / "direct-identifiers.yaml"))
    identifiers = [f for f in found if f.code == "direct-identifier"]
    assert len(identifiers) == 2
    assert "nhs-number" in identifiers[0].reason and "postcode" in identifiers[1].reason
    assert all(f.severity == "error" for f in identifiers)


def test_direct_identifiers_are_only_warned_about_for_direct_care() -> None:
    app = load_file(EXAMPLES / "failing" / "direct-identifiers.yaml")
    doc = dict(app.document, purpose="direct-care")
    found = [f for f in findings(parse(doc)) if f.code == "direct-identifier"]
    assert found and all(f.severity == "warning" for f in found)


def test_identifier_names_are_caught_on_library_views_too() -> None:
    def library(d: dict[str, Any]) -> None:
        d["data"]["views"].append({"name": "demo", "library": "patient_demographics"})
        d["data"]["columns"].append(
            {"view": "demo", "column": "birth_date", "justification": "Exact age is needed."}
        )

    found = [f for f in findings(modified(library)) if f.code == "direct-identifier"]
    assert len(found) == 1 and "date-of-birth" in found[0].reason


def test_sensitive_codes_need_an_explicit_justified_request() -> None:
    found = findings(load_file(EXAMPLES / "failing" / "sensitive-unrequested.yaml"))
    assert codes(found) == {"sensitive-not-requested"}
    assert "86406008" in found[0].reason and "hiv" in found[0].reason
    justified = findings(load_file(EXAMPLES / "sensitive-justified.yaml"))
    assert [f.code for f in justified] == ["sensitive-requested"]
    assert outcome(justified) == "passed"
    assert sensitive_codes().version in justified[0].reason


def test_a_sensitive_request_without_justification_is_an_error() -> None:
    found = findings(modified(lambda d: d["data"].update(sensitive=[{"category": "ivf"}])))
    assert codes(found) == {"sensitive-unjustified"}


def test_excluded_categories_are_all_but_the_requested() -> None:
    assert "hiv" not in excluded_categories({"hiv"})
    assert set(excluded_categories(set())) == set(sensitive_codes().names)


def test_training_must_be_in_date() -> None:
    app = load_file(RESEARCH)
    lapsed = (TrainingRecord("data-security-awareness", date(2025, 1, 1), date(2026, 1, 1)),)
    people = dict(PEOPLE)
    people["j.smith@york.example"] = person(
        "j.smith@york.example", "UNI-YORK", {"researcher"}, lapsed
    )
    found = findings(app, people=people)
    assert [(f.code, f.path) for f in found] == [("training-not-in-date", "applicant.people[1]")]
    assert checks.training_findings(app, PEOPLE, ON) == []
    assert checks.training_findings(app, PEOPLE, date(2027, 6, 1))  # expired by then


def test_named_people_must_be_registered_applicants() -> None:
    app = load_file(RESEARCH)
    people = {"r.patel@york.example": person("r.patel@york.example", "UNI-YORK", {"panel-member"})}
    found = findings(app, people=people)
    assert ("person-not-applicant", "applicant.people[0]") in {(f.code, f.path) for f in found}
    assert ("person-unknown", "applicant.people[1]") in {(f.code, f.path) for f in found}
    assert "organisation-unknown" in codes(run_checks(app, PEOPLE, None, ON))


def test_commercial_use_needs_benefit_sharing_and_code_of_conduct() -> None:
    found = findings(load_file(EXAMPLES / "failing" / "commercial-no-benefit-sharing.yaml"))
    assert "benefit-sharing-missing" in codes(found)
    principles = {f.path for f in found if f.code == "code-of-conduct-missing"}
    assert len(principles) == 10
    assert "commercial-flag-mismatch" in codes(
        findings(parse(dict(load_file(COMMERCIAL).document, commercial={"commercial": False})))
    )
    assert "commercial-organisation" in codes(findings(load_file(RESEARCH), kind="commercial"))


def test_ethics_dpia_duration_and_plain_language() -> None:
    def change(d: dict[str, Any]) -> None:
        d.pop("ethics")
        d.pop("dpia")
        d["duration_months"] = 48
        d["lay_summary"] = " ".join(["word"] * 60) + "."

    found = {f.code: f.severity for f in findings(modified(change))}
    assert found == {
        "ethics-missing": "error",
        "dpia-missing": "error",
        "duration-long": "warning",
        "lay-summary-plain": "warning",
    }
