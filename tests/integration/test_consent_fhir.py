"""FHIR R4 Consent: what is imported is exported equal; built Consents import back equal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from tests.consent_support import nhs_numbers

from caldicott.consent.consent_fhir import (
    AGREEMENT_SYSTEM,
    KIND_SYSTEM,
    PURPOSE_SYSTEM,
    export_consents,
)
from caldicott.consent.decide import decide
from caldicott.consent.imports import import_fhir
from caldicott.consent.registry import history, new_choice, set_choice
from caldicott.store.control import ControlPlane

A, B, C = nhs_numbers(3)
T0 = datetime(2026, 1, 1, tzinfo=UTC)
NHS = "https://fhir.nhs.uk/Id/nhs-number"


def research_consent() -> dict[str, Any]:
    """Deny research in general, permit one named study, for a period, with data classes."""
    return {
        "resourceType": "Consent",
        "id": "c-research",
        "status": "active",
        "scope": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research"}
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "patient": {"identifier": {"system": NHS, "value": A}},
        "dateTime": "2026-01-02T09:30:00Z",
        "performer": [{"display": "GP surgery"}],
        "policyRule": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}
            ]
        },
        "provision": {
            "type": "deny",
            "period": {"start": "2026-01-02", "end": "2027-01-01"},
            "purpose": [{"system": PURPOSE_SYSTEM, "code": "research"}],
            "class": [{"system": "http://hl7.org/fhir/resource-types", "code": "Observation"}],
            "provision": [
                {
                    "type": "permit",
                    "actor": [
                        {
                            "role": {"coding": [{"code": "IRCP"}]},
                            "reference": {"display": "Study team"},
                        }
                    ],
                    "purpose": [{"system": AGREEMENT_SYSTEM, "code": "DARS-7"}],
                    "class": [
                        {"system": "http://hl7.org/fhir/resource-types", "code": "Condition"}
                    ],
                }
            ],
        },
    }


def referenced_opt_out() -> dict[str, Any]:
    return {
        "resourceType": "Consent",
        "id": "c-ndoo",
        "status": "active",
        "scope": {"coding": [{"code": "patient-privacy"}]},
        "category": [{"coding": [{"system": KIND_SYSTEM, "code": "national-opt-out"}]}],
        "patient": {"reference": "Patient/p-b"},
        "dateTime": "2026-01-03",
        "provision": {"type": "deny"},
    }


def _write(path: Path, lines: list[Any]) -> Path:
    path.write_bytes(
        b"".join(
            (line if isinstance(line, bytes) else orjson.dumps(line)) + b"\n" for line in lines
        )
    )
    return path


def test_import_then_export_is_faithful(control: ControlPlane, tmp_path: Path) -> None:
    consents = [research_consent(), referenced_opt_out()]
    bad_patient = {**referenced_opt_out(), "id": "c-bad", "patient": {"reference": "Patient/x"}}
    draft = {**research_consent(), "id": "c-draft", "status": "draft"}
    unknown = {**research_consent(), "id": "c-unknown"}
    unknown["provision"] = {
        "type": "permit",
        "purpose": [{"system": PURPOSE_SYSTEM, "code": "marketing"}],
    }
    path = _write(
        tmp_path / "Consent.ndjson", [*consents, b"{not json", bad_patient, draft, unknown]
    )
    with control.session() as s:
        report = import_fhir(s, path, patients={"p-b": B}, at=T0).as_dict()
    assert report["imported"] == 2
    assert [(b["line"], b["reason"][:20]) for b in report["bad"]] == [
        (3, "not valid JSON"),
        (4, "patient reference re"),
        (5, "status 'draft' is no"),
        (6, "unknown purpose 'mar"),
    ]
    with control.session() as s:
        assert list(export_consents(s)) == consents
        again = import_fhir(s, path, patients={"p-b": B}).as_dict()
        assert again["imported"] == 0 and again["already_in_force"] == 2
        in_period = T0 + timedelta(days=30)
        assert decide(s, A, "research", at=in_period).reason == "purpose-dissent"
        assert decide(s, A, "research", agreement="DARS-7", at=in_period).reason == (
            "agreement-consent"
        )
        after = decide(s, A, "research", at=datetime(2027, 2, 1, tzinfo=UTC))
        assert after.reason == "default-permit"  # the period ended
        assert decide(s, B, "national-planning", at=in_period).reason == "national-opt-out"
        kinds = [(r["kind"], r["value"]) for r in history(s, A)]
    assert kinds == [
        ("explicit-dissent", "set"),
        ("explicit-consent", "set"),
        ("explicit-dissent", "withdrawn"),
        ("explicit-consent", "withdrawn"),
    ]


def test_built_consents_import_back_to_the_same_choices(
    control: ControlPlane, tmp_path: Path, control_url: str
) -> None:
    changes = [
        new_choice(C, "type1-opt-out", channel="gp", actor="Dr Who", effective_from=T0),
        new_choice(
            C,
            "explicit-consent",
            purpose="research",
            channel="app",
            actor="patient",
            effective_from=T0,
        ),
        new_choice(
            C,
            "pgd-collection",
            source="smartwatch",
            channel="app",
            actor="patient",
            effective_from=T0,
        ),
        new_choice(
            C,
            "explicit-dissent",
            agreement="DARS-9",
            channel="paper",
            actor="clerk",
            effective_from=T0,
            withdraw=True,
        ),
    ]
    with control.session() as s:
        for change in changes:
            set_choice(s, change, recorded_at=T0)
        exported = list(export_consents(s))
        before = [
            {k: r[k] for k in ("kind", "scope", "value", "channel", "actor", "effective_from")}
            for r in history(s, C)
        ]
    assert len(exported) == 4
    assert exported[0]["patient"]["identifier"] == {"system": NHS, "value": C}
    path = _write(tmp_path / "Consent.ndjson", exported)
    with control.session() as s:  # the same choices are already here: nothing is added
        assert import_fhir(s, path).as_dict()["already_in_force"] == 4
        assert len(history(s, C)) == 4
    fresh = ControlPlane(f"sqlite:///{tmp_path / 'other.db'}")
    fresh.upgrade()
    with fresh.session() as s:
        assert import_fhir(s, path).imported == 4
        after = [
            {k: r[k] for k in ("kind", "scope", "value", "channel", "actor", "effective_from")}
            for r in history(s, C)
        ]
        assert list(export_consents(s)) == exported
    fresh.dispose()
    assert after == before


def test_synth_shaped_consents_import(control: ControlPlane, tmp_path: Path) -> None:
    """The shape synth writes: a Patient reference, a date-only dateTime, policyRule."""
    consent = {
        "resourceType": "Consent",
        "id": "s1",
        "status": "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {"system": "http://loinc.org", "code": "59284-0", "display": "Consent Document"}
                ]
            }
        ],
        "patient": {"reference": "Patient/abc"},
        "dateTime": "2021-03-04",
        "policyRule": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTOUT"}
            ]
        },
        "provision": {
            "type": "deny",
            "period": {"start": "2021-03-04"},
            "purpose": [
                {
                    "system": PURPOSE_SYSTEM,
                    "code": "risk-stratification",
                    "display": "Risk stratification for case finding",
                }
            ],
        },
    }
    path = _write(tmp_path / "Consent.ndjson", [consent])
    with control.session() as s:
        assert import_fhir(s, path, patients={"abc": B}).imported == 1
        d = decide(s, B, "risk-stratification")
        assert (d.decision, d.reason) == ("deny", "purpose-dissent")
        assert decide(s, B, "risk-stratification", at=datetime(2021, 3, 3, tzinfo=UTC)).permitted
        assert list(export_consents(s)) == [consent]
