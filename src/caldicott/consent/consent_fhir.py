"""FHIR R4 Consent: import into the registry and export from it, faithfully.

Mapping (see ``docs/consent.md``):

- ``patient.identifier`` with the NHS number system names the patient; a
  ``patient.reference`` ``Patient/<id>`` is resolved through a map of patient ids to NHS
  numbers (for example read from the same export's ``Patient.ndjson``).
- ``status`` active means the choice is set; inactive, rejected or entered-in-error means
  withdrawn; draft and proposed Consents are not in force and are reported, not recorded.
- ``dateTime`` is when the choice took effect (``provision.period.start`` if later);
  ``provision.period.end`` records a withdrawal effective at that time.
- A ``category`` coding in :data:`KIND_SYSTEM` marks an opt-out (``national-opt-out``,
  ``type1-opt-out``: set when the provision denies) or consent to collect patient-generated
  data (``pgd-collection``: one choice per ``provision.actor``, the source).
- Otherwise each provision, nested ones included, with ``purpose`` codings in
  :data:`PURPOSE_SYSTEM` (kebab-case purpose codes) or :data:`AGREEMENT_SYSTEM` (agreement
  ids) is an explicit consent (``permit``) or dissent (``deny``) for that purpose or agreement.

The imported JSON is kept verbatim, so export returns exactly what was imported. Choices
recorded another way are exported as Consents built from their rows, which import back to
the same choices.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from caldicott.consent.purposes import vocabulary
from caldicott.consent.registry import NewChoice
from caldicott.consent.tables import CHANNELS, OPT_OUT_KINDS, ConsentChoice
from caldicott.fhir.nhs_number import NHS_NUMBER_SYSTEM, is_valid_nhs_number

PURPOSE_SYSTEM = "https://caldicott.dev/fhir/CodeSystem/purpose"
AGREEMENT_SYSTEM = "https://caldicott.dev/fhir/CodeSystem/agreement"
KIND_SYSTEM = "https://caldicott.dev/fhir/CodeSystem/consent-kind"
CHANNEL_SYSTEM = "https://caldicott.dev/fhir/CodeSystem/consent-channel"
SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
WITHDRAWN_STATUSES = ("inactive", "rejected", "entered-in-error")


class ConsentProblem(ValueError):
    """Why one Consent cannot be recorded (never quoting a patient value)."""


def content_hash(resource: Mapping[str, Any]) -> str:
    """SHA-256 of the resource's canonical JSON (sorted keys, no spaces)."""
    return hashlib.sha256(orjson.dumps(resource, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _instant(text: Any, what: str) -> datetime:
    if not isinstance(text, str):
        raise ConsentProblem(f"{what} is missing or not text")
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConsentProblem(f"{what} is not a FHIR dateTime") from None
    if value.tzinfo is None:  # a date alone: midnight UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _nhs_number(resource: Mapping[str, Any], patients: Mapping[str, str]) -> str:
    patient = resource.get("patient") or {}
    ident = patient.get("identifier") or {}
    if ident.get("system") == NHS_NUMBER_SYSTEM and isinstance(ident.get("value"), str):
        number = str(ident["value"]).strip().replace(" ", "")
    else:
        ref = patient.get("reference")
        if not isinstance(ref, str) or not ref.startswith("Patient/"):
            raise ConsentProblem("patient has neither an NHS number identifier nor a reference")
        found = patients.get(ref.removeprefix("Patient/"))
        if found is None:
            raise ConsentProblem("patient reference resolves to no known patient")
        number = found.strip().replace(" ", "")
    if not is_valid_nhs_number(number):
        raise ConsentProblem("patient NHS number is invalid (length or check digit)")
    return number


def _codes(codeable: list[Any] | None, system: str) -> list[str]:
    out: list[str] = []
    for item in codeable or []:
        codings = item.get("coding", []) if "coding" in item else [item]
        out.extend(c["code"] for c in codings if c.get("system") == system and c.get("code"))
    return out


def _walk(provision: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield provision
    for child in provision.get("provision") or []:
        yield from _walk(child)


def _actor_source(actor: Mapping[str, Any]) -> str | None:
    ref = actor.get("reference") or {}
    ident = ref.get("identifier") or {}
    value = ident.get("value") or ref.get("reference") or ref.get("display")
    return str(value) if value else None


def choices_from_consent(
    resource: Mapping[str, Any], patients: Mapping[str, str] | None = None
) -> list[NewChoice]:
    """The choice versions one Consent resource stands for; raises ConsentProblem."""
    if resource.get("resourceType") != "Consent":
        raise ConsentProblem("not a Consent resource")
    status = resource.get("status")
    if status == "active":
        value = "set"
    elif status in WITHDRAWN_STATUSES:
        value = "withdrawn"
    else:
        raise ConsentProblem(f"status {status!r} is not in force")
    number = _nhs_number(resource, patients or {})
    provision = resource.get("provision") or {}
    start = _instant(resource.get("dateTime"), "dateTime")
    period = provision.get("period") or {}
    if period.get("start"):
        start = max(start, _instant(period["start"], "provision.period.start"))
    end = _instant(period["end"], "provision.period.end") if period.get("end") else None
    channels = _codes(resource.get("meta", {}).get("tag"), CHANNEL_SYSTEM)
    channel = channels[0] if channels and channels[0] in CHANNELS else "import"
    actor = str((resource.get("performer") or [{}])[0].get("display") or "fhir-import")
    source = orjson.dumps(resource).decode()
    digest = content_hash(resource)

    triples: list[tuple[str, str, str, str]] = []  # kind, scope type, scope, value
    kinds = _codes(resource.get("category"), KIND_SYSTEM)
    if any(k in OPT_OUT_KINDS for k in kinds):
        kind = next(k for k in kinds if k in OPT_OUT_KINDS)
        set_now = value == "set" and provision.get("type", "deny") == "deny"
        triples.append((kind, "all", "*", "set" if set_now else "withdrawn"))
    elif "pgd-collection" in kinds:
        permit = provision.get("type") == "permit"
        for actor_ref in provision.get("actor") or []:
            src = _actor_source(actor_ref)
            if src:
                allowed = "set" if permit and value == "set" else "withdrawn"
                triples.append(("pgd-collection", "source", src, allowed))
    else:
        vocab = vocabulary()
        for node in _walk(provision):
            kind = "explicit-consent" if node.get("type") == "permit" else "explicit-dissent"
            for code in _codes(node.get("purpose"), PURPOSE_SYSTEM):
                triples.append((kind, "purpose", vocab.get(code).code, value))
            for code in _codes(node.get("purpose"), AGREEMENT_SYSTEM):
                triples.append((kind, "agreement", code, value))
    if not triples:
        raise ConsentProblem("no provision this registry can represent (see docs/consent.md)")
    out = [
        NewChoice(number, k, st, sc, v, channel, actor, start, digest, source)
        for k, st, sc, v in triples
    ]
    if end is not None:
        out += [
            NewChoice(number, k, st, sc, "withdrawn", channel, actor, end, digest, None)
            for k, st, sc, v in triples
            if v == "set"
        ]
    return out


def consent_from_row(row: ConsentChoice) -> dict[str, Any]:
    """A Consent resource for a choice version recorded without a source Consent."""
    deny = row.kind in (*OPT_OUT_KINDS, "explicit-dissent")
    provision: dict[str, Any] = {"type": "deny" if deny else "permit"}
    if row.scope_type == "purpose":
        provision["purpose"] = [{"system": PURPOSE_SYSTEM, "code": row.scope}]
    elif row.scope_type == "agreement":
        provision["purpose"] = [{"system": AGREEMENT_SYSTEM, "code": row.scope}]
    elif row.scope_type == "source":
        provision["actor"] = [
            {
                "role": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                            "code": "AUT",
                        }
                    ]
                },
                "reference": {"identifier": {"value": row.scope}},
            }
        ]
    return {
        "resourceType": "Consent",
        "id": f"caldicott-choice-{row.id}",
        "meta": {
            "lastUpdated": row.recorded_at.isoformat().replace("+00:00", "Z"),
            "tag": [{"system": CHANNEL_SYSTEM, "code": row.channel}],
        },
        "status": "active" if row.value == "set" else "inactive",
        "scope": {"coding": [{"system": SCOPE_SYSTEM, "code": "patient-privacy"}]},
        "category": [
            {"coding": [{"system": KIND_SYSTEM, "code": row.kind}]},
            {"coding": [{"system": LOINC, "code": "59284-0"}]},
        ],
        "patient": {"identifier": {"system": NHS_NUMBER_SYSTEM, "value": row.nhs_number}},
        "dateTime": row.effective_from.isoformat().replace("+00:00", "Z"),
        "performer": [{"display": row.actor}],
        "provision": provision,
    }


def export_consents(session: Session) -> Iterator[dict[str, Any]]:
    """Every Consent: imported ones verbatim (once each), others built from their rows."""
    emitted: set[str] = set()
    for row in session.scalars(select(ConsentChoice).order_by(ConsentChoice.id)):
        if row.source_hash is None:
            yield consent_from_row(row)
        elif row.source_hash not in emitted and row.source_consent is not None:
            emitted.add(row.source_hash)
            yield orjson.loads(row.source_consent)
