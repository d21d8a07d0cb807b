"""Automatic checks on submission: each problem a finding with its code, severity and reason.

Severities: ``refuse`` (the application is rejected outright, for example a purpose that is
never permitted), ``error`` (it goes back to the applicant to fix), ``warning`` (it goes on,
and the panel and custodian see the warning). Checks are pure: they take the application,
what is known about its named people and organisation, and the date to judge training on.
The training checks run again at the custodian's decision and at activation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date

from caldicott.consent.purposes import vocabulary
from caldicott.governance.application import Application
from caldicott.governance.identifiers import identifier_kind
from caldicott.governance.people import Profile
from caldicott.governance.sensitive import sensitive_codes

SEVERITIES = ("refuse", "error", "warning")
MIN_JUSTIFICATION = 15
LONG_DURATION_MONTHS = 36
LONG_SENTENCE_WORDS = 25
CODE_OF_CONDUCT = (
    "define_the_user",
    "value_proposition",
    "fair_transparent_accountable",
    "proportionate_data",
    "open_standards",
    "limitations",
    "security",
    "commercial_strategy",
    "evidence_of_effectiveness",
    "algorithm_and_monitoring",
)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def outcome(findings: list[Finding]) -> str:
    """``refused`` if any finding refuses, ``returned`` if any is an error, else ``passed``."""
    severities = {f.severity for f in findings}
    if "refuse" in severities:
        return "refused"
    if "error" in severities:
        return "returned"
    return "passed"


def run_checks(
    app: Application,
    people: Mapping[str, Profile],
    organisation_kind: str | None,
    on: date,
) -> list[Finding]:
    """Every finding for an application, in a stable order.

    A refused purpose ends the checks: nothing else could make the application acceptable.
    """
    findings: list[Finding] = purpose_findings(app)
    if findings:
        return findings
    findings += legal_findings(app)
    findings += column_findings(app)
    findings += sensitive_findings(app)
    findings += people_findings(app, people, organisation_kind, on)
    findings += commercial_findings(app, people, organisation_kind)
    findings += approval_findings(app)
    return findings


def purpose_findings(app: Application) -> list[Finding]:
    purpose = vocabulary().get(app.purpose)
    if purpose.refused:
        return [
            Finding(
                "purpose-refused",
                "refuse",
                "purpose",
                f"purpose {purpose.code} ({purpose.title}) is refused: {purpose.legal_framing}",
            )
        ]
    return []


def legal_findings(app: Application) -> list[Finding]:
    out = []
    labels = {
        "article6": "a UK GDPR Article 6 lawful basis",
        "article9": "a UK GDPR Article 9 condition for health data",
        "common_law": "a common-law duty of confidentiality basis (consent, s251 or anonymisation)",
    }
    for key, label in labels.items():
        if key not in app.legal_basis:
            out.append(
                Finding(
                    "legal-basis-missing", "error", f"legal_basis.{key}", f"{label} is required"
                )
            )
    common_law = app.legal_basis.get("common_law")
    if common_law == "anonymisation" and app.identifiability != "aggregates":
        out.append(
            Finding(
                "common-law-mismatch",
                "error",
                "legal_basis.common_law",
                f"a {app.identifiability} extract is still confidential patient information; "
                "anonymisation covers aggregates only, so the basis must be consent or "
                "s251 support",
            )
        )
    if common_law == "s251" and not app.legal_basis.get("s251_reference"):
        out.append(
            Finding(
                "s251-reference-missing",
                "error",
                "legal_basis.s251_reference",
                "section 251 support needs the Confidentiality Advisory Group reference",
            )
        )
    return out


def column_findings(app: Application) -> list[Finding]:
    out = []
    purpose = vocabulary().get(app.purpose)
    needs_identity = purpose.direct_care or purpose.lawful_override
    for i, column in enumerate(app.columns):
        where = f"data.columns[{i}]"
        if len(column.justification) < MIN_JUSTIFICATION:
            out.append(
                Finding(
                    "column-unjustified",
                    "error",
                    f"{where}.justification",
                    f"column {column.view}.{column.column} needs a justification of why it is "
                    "necessary (minimum necessary data)",
                )
            )
        kind = identifier_kind(column)
        if kind is not None:
            severity = "warning" if needs_identity else "error"
            out.append(
                Finding(
                    "direct-identifier",
                    severity,
                    f"{where}.column",
                    f"column {column.view}.{column.column} is a direct identifier ({kind}); "
                    f"purpose {app.purpose} with a {app.identifiability} release does not need it"
                    + ("" if needs_identity else "; ask for the pseudonymised patient key instead"),
                )
            )
    return out


def sensitive_findings(app: Application) -> list[Finding]:
    codes = sensitive_codes()
    requested = {}
    out = []
    for i, (category, justification) in enumerate(app.sensitive):
        requested[category] = justification
        where = f"data.sensitive[{i}]"
        if len(justification) < MIN_JUSTIFICATION:
            out.append(
                Finding(
                    "sensitive-unjustified",
                    "error",
                    f"{where}.justification",
                    f"sensitive category {category} is requested without a justification",
                )
            )
        else:
            out.append(
                Finding(
                    "sensitive-requested",
                    "warning",
                    where,
                    f"sensitive category {category} is requested (code list {codes.version}); "
                    "the panel and custodian must accept the justification",
                )
            )
    for code in sorted(app.all_codes()):
        found = codes.category_of(code)
        if found is not None and found.code not in requested:
            out.append(
                Finding(
                    "sensitive-not-requested",
                    "error",
                    "data",
                    f"the data specification selects on code {code}, in sensitive category "
                    f"{found.code}, which every release excludes unless requested: add it "
                    "to data.sensitive with a justification, or remove the code",
                )
            )
    return out


def people_findings(
    app: Application, people: Mapping[str, Profile], organisation_kind: str | None, on: date
) -> list[Finding]:
    out = []
    if organisation_kind is None:
        out.append(
            Finding(
                "organisation-unknown",
                "error",
                "applicant.organisation",
                f"organisation {app.organisation} is not registered",
            )
        )
    for i, email in enumerate(app.emails):
        where = f"applicant.people[{i}]"
        person = people.get(email)
        if person is None:
            out.append(Finding("person-unknown", "error", where, f"{email} is not registered"))
            continue
        if not person.roles & {"researcher", "supplier"}:
            out.append(
                Finding(
                    "person-not-applicant",
                    "error",
                    where,
                    f"{email} is named but holds neither the researcher nor the supplier role",
                )
            )
        if person.organisation != app.organisation:
            out.append(
                Finding(
                    "person-other-organisation",
                    "warning",
                    where,
                    f"{email} belongs to {person.organisation}, not {app.organisation}",
                )
            )
        out += training_findings_for(person, where, on)
    return out


def training_findings_for(person: Profile, where: str, on: date) -> list[Finding]:
    return [
        Finding(
            "training-not-in-date",
            "error",
            where,
            f"{person.email} has no {kind} training in date on {on.isoformat()}",
        )
        for kind in person.missing_training(on)
    ]


def training_findings(app: Application, people: Mapping[str, Profile], on: date) -> list[Finding]:
    """Training of every named person on ``on`` (rerun at decision and activation)."""
    out = []
    for i, email in enumerate(app.emails):
        person = people.get(email)
        if person is None:
            out.append(
                Finding(
                    "person-unknown",
                    "error",
                    f"applicant.people[{i}]",
                    f"{email} is not registered",
                )
            )
        else:
            out += training_findings_for(person, f"applicant.people[{i}]", on)
    return out


def commercial_findings(
    app: Application, people: Mapping[str, Profile], organisation_kind: str | None
) -> list[Finding]:
    out = []
    if app.commercial and len(app.benefit_sharing) < MIN_JUSTIFICATION:
        out.append(
            Finding(
                "benefit-sharing-missing",
                "error",
                "commercial.benefit_sharing",
                "a commercial use must set out how its benefits are shared fairly with the NHS",
            )
        )
    if app.purpose == "commercial-product-development" and not app.commercial:
        out.append(
            Finding(
                "commercial-flag-mismatch",
                "error",
                "commercial.commercial",
                "purpose commercial-product-development must be flagged commercial",
            )
        )
    if organisation_kind == "commercial" and not app.commercial:
        out.append(
            Finding(
                "commercial-organisation",
                "warning",
                "commercial.commercial",
                f"{app.organisation} is a commercial organisation but declares a "
                "non-commercial use",
            )
        )
    supplier = app.commercial or any(
        "supplier" in people[e].roles for e in app.emails if e in people
    )
    if supplier:
        for principle in CODE_OF_CONDUCT:
            if len(app.code_of_conduct.get(principle, "")) < MIN_JUSTIFICATION:
                out.append(
                    Finding(
                        "code-of-conduct-missing",
                        "error",
                        f"code_of_conduct.{principle}",
                        "technology suppliers answer each principle of the code of conduct for "
                        f"data-driven health and care technology; {principle} has no answer",
                    )
                )
    return out


def approval_findings(app: Application) -> list[Finding]:
    out = []
    if app.purpose == "research" and not app.ethics:
        out.append(
            Finding(
                "ethics-missing",
                "error",
                "ethics",
                "research needs a research ethics approval reference",
            )
        )
    if not app.dpia:
        severity = "warning" if app.identifiability == "aggregates" else "error"
        out.append(
            Finding(
                "dpia-missing",
                severity,
                "dpia",
                "a data protection impact assessment reference is needed",
            )
        )
    if app.duration_months > LONG_DURATION_MONTHS:
        out.append(
            Finding(
                "duration-long",
                "warning",
                "duration_months",
                f"{app.duration_months} months is longer than {LONG_DURATION_MONTHS}; say why",
            )
        )
    sentences = [
        s for s in app.lay_summary.replace("?", ".").replace("!", ".").split(".") if s.strip()
    ]
    if sentences and sum(len(s.split()) for s in sentences) / len(sentences) > LONG_SENTENCE_WORDS:
        out.append(
            Finding(
                "lay-summary-plain",
                "warning",
                "lay_summary",
                f"sentences average more than {LONG_SENTENCE_WORDS} words; "
                "shorter sentences are easier for the public to read",
            )
        )
    return out
