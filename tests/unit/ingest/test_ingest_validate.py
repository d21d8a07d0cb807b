"""Validation of resources: required elements, types, choices, codes, ids, NHS numbers."""

from typing import Any

import orjson
import pytest
from tests import fhirdata as fd

from caldicott.ingest.examine import examine
from caldicott.ingest.reasons import CODES, ERROR
from caldicott.ingest.validate import plausibility, validate
from caldicott.ingest.validate.engine import render


def errors(res: dict[str, Any]) -> list[tuple[str, str]]:
    found, _refs = validate(res)
    return [(r.code, r.path) for r in found if CODES[r.code][0] == ERROR]


def codes(res: dict[str, Any]) -> set[str]:
    return {c for c, _ in errors(res)}


VALID = [
    fd.patient("p1"),
    fd.observation("o1", "p1"),
    fd.condition("c1", "p1"),
    fd.encounter("e1", "p1"),
    fd.medication_request("m1", "p1"),
    {
        "resourceType": "MedicationStatement",
        "id": "ms1",
        "status": "active",
        "medicationCodeableConcept": {"text": "x"},
        "subject": {"reference": "Patient/p1"},
    },
    {
        "resourceType": "Immunization",
        "id": "i1",
        "status": "completed",
        "vaccineCode": {"coding": [{"system": "http://snomed.info/sct", "code": "22298006"}]},
        "patient": {"reference": "Patient/p1"},
        "occurrenceDateTime": "2021-01-01",
    },
    {
        "resourceType": "Procedure",
        "id": "pr1",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "performedPeriod": {"start": "2020-01-01"},
    },
    {
        "resourceType": "AllergyIntolerance",
        "id": "a1",
        "patient": {"reference": "Patient/p1"},
        "category": ["food"],
        "criticality": "low",
    },
    {
        "resourceType": "DocumentReference",
        "id": "d1",
        "status": "current",
        "content": [{"attachment": {"contentType": "text/plain"}}],
        "date": "2020-01-01T00:00:00Z",
    },
    {
        "resourceType": "Consent",
        "id": "k1",
        "status": "active",
        "scope": {"text": "research"},
        "category": [{"text": "x"}],
        "patient": {"reference": "Patient/p1"},
    },
    {"resourceType": "Practitioner", "id": "pr-1", "name": [{"family": "X"}]},
]


@pytest.mark.parametrize("res", VALID, ids=lambda r: r["resourceType"])
def test_valid_resources_pass(res: dict[str, Any]) -> None:
    assert errors(res) == []


def test_references_are_returned_for_resolution() -> None:
    _found, refs = validate(fd.observation("o1", "p9"))
    assert [(render(p), t, i) for p, t, i in refs] == [
        ("Observation.subject.reference", "Patient", "p9")
    ]


def test_a_reference_seen_before_is_returned_with_its_own_path() -> None:
    """The cache of valid references gives the target, never the path of the first use."""
    enc = fd.encounter("e", "p9", participant=[{"individual": {"reference": "Patient/p9"}}])
    for _ in range(2):
        _found, refs = validate(enc)
        assert [(render(p), t, i) for p, t, i in refs] == [
            ("Encounter.subject.reference", "Patient", "p9"),
            ("Encounter.participant[0].individual.reference", "Patient", "p9"),
        ]
    # a malformed reference is never taken for a known one, however often it comes
    for _ in range(2):
        assert ("dangling-reference", "Observation.subject") in errors(
            fd.observation("o", "p9", subject={"reference": "Patient/p9/"})
        )


def test_the_cache_of_valid_references_stays_bounded() -> None:
    from caldicott.ingest.validate import engine

    for i in range(engine.KNOWN_REFS + 10):
        validate(fd.observation("o", f"p{i}"))
    assert 0 < len(engine._KNOWN_REFS) <= engine.KNOWN_REFS
    _found, refs = validate(fd.observation("o", "p3"))
    assert [(t, i) for _p, t, i in refs] == [("Patient", "p3")]


@pytest.mark.parametrize(
    ("element", "value", "valid"),
    [
        ("birthDate", "2021-02-28", True),
        ("birthDate", "2020-02-29", True),
        ("birthDate", "2021-02-29", False),
        ("birthDate", "2021-01-31", True),
        ("birthDate", "2021-04-30", True),
        ("birthDate", "2021-04-31", False),
        ("birthDate", "2021-12-31", True),
        ("deceasedDateTime", "2021-02-29T10:00:00Z", False),
        ("deceasedDateTime", "2024-02-29T10:00:00Z", True),
        ("deceasedDateTime", "2021-06-31", False),
    ],
)
def test_dates_name_real_days(element: str, value: str, valid: bool) -> None:
    found = codes(fd.patient("p1", **{element: value}))
    assert ("impossible-date" not in found) is valid


@pytest.mark.parametrize(
    ("rtype", "element"),
    [
        ("Observation", "status"),
        ("Observation", "code"),
        ("Condition", "subject"),
        ("Encounter", "class"),
        ("MedicationRequest", "intent"),
        ("MedicationRequest", "medicationCodeableConcept"),
        ("Immunization", "occurrenceDateTime"),
        ("DocumentReference", "content"),
        ("Consent", "category"),
    ],
)
def test_missing_required(rtype: str, element: str) -> None:
    res = next(dict(r) for r in VALID if r["resourceType"] == rtype)
    del res[element]
    assert "missing-required" in codes(res)


def test_missing_id_and_bad_ids() -> None:
    res = fd.patient("x")
    del res["id"]
    assert codes(res) == {"missing-required"}
    for bad in ("../../etc/passwd", "a'; DROP TABLE fhir_Patient; --", "x" * 65, "a b", "é"):
        assert codes(fd.patient(bad)) == {"invalid-id"}, bad
    assert codes(fd.patient(123)) == {"wrong-type"}  # type: ignore[arg-type]


@pytest.mark.parametrize("rid", ["", None, 123, ["a"], "a b"])
def test_a_bad_id_is_reported_once(rid: Any) -> None:
    # the resource's own id check and the element walk would both see it
    res = {**fd.patient("x"), "id": rid}
    assert errors(res) == [errors(res)[0]] and errors(res)[0][1] == "Patient.id"


@pytest.mark.parametrize("rid", ["", 7, "a b", "../x", "x" * 65, ["p"]])
def test_a_contained_resources_bad_id_is_reported_once(rid: Any) -> None:
    res = fd.observation("o", "p", contained=[{"resourceType": "Practitioner", "id": rid}])
    assert errors(res) == [("invalid-id", "Observation.contained[0].id")]


def test_a_resources_id_is_checked_before_the_walk_and_not_in_it() -> None:
    # validate() and the walk's contained-resource check report a bad id; the walk's
    # own check of the id element passes everything, so nothing is checked twice
    from caldicott.ingest.validate import engine

    for spec in [engine.RESOURCE_SPEC, engine.SPECS["Patient"], engine.SPECS["Observation"]]:
        assert spec.elems["id"].check is not None and spec.elems["id"].check("../x") is None
    assert engine.SPECS["Meta"].elems["versionId"].check is not None
    assert engine.SPECS["Meta"].elems["versionId"].check("../x") is not None


def test_unknown_resource_type() -> None:
    assert codes({"resourceType": "Patientt", "id": "a"}) == {"unknown-resource-type"}
    assert codes({"id": "a"}) == {"unknown-resource-type"}


def test_numbers_as_strings_and_other_wrong_types() -> None:
    obs = fd.observation("o", "p", valueQuantity={"value": "72"})
    assert ("wrong-type", "Observation.valueQuantity.value") in errors(obs)
    assert codes(fd.patient("p", birthDate=19700517)) == {"wrong-type"}
    assert codes(fd.patient("p", active="true")) == {"wrong-type"}
    assert codes(fd.patient("p", name={"family": "X"})) == {"cardinality"}
    assert codes(fd.patient("p", gender=["female"])) == {"cardinality"}


def test_dates() -> None:
    for bad in ("1970-02-30", "1970-13-01", "70-01-01", "1970-1-1", "2020-02-29T25:00:00Z"):
        assert codes(fd.patient("p", birthDate=bad)) == {"impossible-date"}, bad
    assert codes(fd.patient("p", birthDate="1972-02-29")) == set()
    assert codes(fd.patient("p", birthDate="1970")) == set()
    obs = fd.observation("o", "p", effectiveDateTime="2020-03-04T10:00:00")  # no zone
    assert codes(obs) == {"impossible-date"}


def test_choice_types() -> None:
    both = fd.observation("o", "p", valueString="high")
    assert codes(both) == {"invalid-choice"}
    assert codes(fd.patient("p", deceasedBoolean=False)) == set()
    # a form the choice does not allow is the wrong type, refused (not an unknown element)
    assert codes(fd.patient("p", deceasedString="no")) == {"invalid-choice"}
    obs = fd.observation("o", "p")
    obs.pop("valueQuantity", None)
    found, _ = validate({**obs, "valueDecimal": 1.5})
    assert [(r.code, r.message) for r in found] == [
        ("invalid-choice", "valueDecimal is not an allowed form of value[x] in Observation")
    ]
    # a key that only begins like a choice element is still an unknown element (a warning)
    found, _ = validate(fd.patient("p", deceasedish=True, valuex=1))
    assert [r.code for r in found] == ["unknown-element", "unknown-element"]


def test_codes_of_known_systems() -> None:
    bad_snomed = fd.condition("c", "p")
    bad_snomed["code"]["coding"][0]["code"] = "38341004"
    assert errors(bad_snomed) == [("invalid-code", "Condition.code.coding[0].code")]
    bad_loinc = fd.observation("o", "p")
    bad_loinc["code"]["coding"][0]["code"] = "8867-5"
    assert codes(bad_loinc) == {"invalid-code"}
    bad_dmd = fd.medication_request("m", "p")
    bad_dmd["medicationCodeableConcept"]["coding"][0]["code"] = "12x"
    assert codes(bad_dmd) == {"invalid-code"}
    assert codes(fd.patient("p", gender="f")) == {"invalid-code"}


@pytest.mark.parametrize("value", ["9434765918", "943 476 5919", "٩٤٣٤٧٦٥٩١٩", "94347659"])
def test_bad_nhs_numbers(value: str) -> None:
    res = fd.patient("p", identifier=[{"system": fd.NHS_SYSTEM, "value": value}])
    assert errors(res) == [("bad-nhs-number", "Patient.identifier[0].value")]


def test_nhs_number_as_a_json_number_is_a_wrong_type() -> None:
    res = fd.patient("p", identifier=[{"system": fd.NHS_SYSTEM, "value": 9434765919}])
    assert errors(res) == [("wrong-type", "Patient.identifier[0].value")]


def test_messages_never_repeat_values() -> None:
    res = fd.patient(
        "p", identifier=[{"system": fd.NHS_SYSTEM, "value": "943 476 5918"}], birthDate="1970-02-31"
    )
    found, _ = validate(res)
    for r in found:
        assert "943" not in r.message and "1970" not in r.message


def test_references_in_backbone_elements_and_contained() -> None:
    enc = fd.encounter("e", "p", participant=[{"individual": {"reference": "Practitioner/x"}}])
    _found, refs = validate(enc)
    assert ("Practitioner", "x") in {(t, i) for _, t, i in refs}
    local = fd.observation("o", "p", performer=[{"reference": "#missing"}])
    assert codes(local) == {"dangling-reference"}
    ok = fd.observation(
        "o",
        "p",
        performer=[{"reference": "#pr"}],
        contained=[{"resourceType": "Practitioner", "id": "pr"}],
    )
    assert codes(ok) == set()
    assert codes(fd.observation("o", "p", subject={"reference": "not a ref"})) == {
        "dangling-reference"
    }


def _bp(systolic: Any, unit: str = "mm[Hg]") -> list[dict[str, Any]]:
    def part(loinc: str, value: Any) -> dict[str, Any]:
        code = {"coding": [{"system": "http://loinc.org", "code": loinc}]}
        return {"code": code, "valueQuantity": {"value": value, "code": unit}}

    return [part("8480-6", systolic), part("8462-4", 80)]


@pytest.mark.parametrize(
    ("res", "found"),
    [
        (
            fd.observation("o", "p", component=_bp("120")),
            [("wrong-type", "Observation.component[0].valueQuantity.value")],
        ),
        (
            fd.observation("o", "p", component=[{"valueString": "x"}]),
            [("missing-required", "Observation.component[0]")],
        ),
        (
            fd.observation("o", "p", component=[{"code": {"text": "x"}, "valueDecimal": 1}]),
            [("invalid-choice", "Observation.component[0]")],
        ),
        (
            fd.observation(
                "o", "p", component=[{"code": {"text": "x"}, "referenceRange": [{"low": 1}]}]
            ),
            [("wrong-type", "Observation.component[0].referenceRange[0].low")],
        ),
        (
            fd.encounter("e", "p", participant=[{"period": {"start": "2020-13-01"}}]),
            [("impossible-date", "Encounter.participant[0].period.start")],
        ),
        (
            fd.encounter("e", "p", diagnosis=[{"rank": 0}]),
            [
                ("invalid-value", "Encounter.diagnosis[0].rank"),
                ("missing-required", "Encounter.diagnosis[0]"),
            ],
        ),
        (
            fd.patient("p", contact=[{"gender": "robot"}]),
            [("invalid-code", "Patient.contact[0].gender")],
        ),
        (
            fd.patient("p", communication=[{"preferred": True}]),
            [("missing-required", "Patient.communication[0]")],
        ),
        (
            {
                "resourceType": "DocumentReference",
                "id": "d",
                "status": "current",
                "content": [{"format": {"code": "x"}}],
            },
            [("missing-required", "DocumentReference.content[0]")],
        ),
        (
            fd.medication_request(
                "m", "p", dosageInstruction=[{"doseAndRate": [{"doseQuantity": {"value": "1"}}]}]
            ),
            [
                (
                    "wrong-type",
                    "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity.value",
                )
            ],
        ),
        (
            fd.medication_request(
                "m", "p", dosageInstruction=[{"timing": {"repeat": {"periodUnit": "fortnight"}}}]
            ),
            [("invalid-code", "MedicationRequest.dosageInstruction[0].timing.repeat.periodUnit")],
        ),
        (
            {
                "resourceType": "Consent",
                "id": "c",
                "status": "active",
                "scope": {"text": "x"},
                "category": [{"text": "x"}],
                "provision": {"provision": [{"type": "maybe", "actor": [{"role": {}}]}]},
            },
            [
                ("invalid-code", "Consent.provision.provision[0].type"),
                ("missing-required", "Consent.provision.provision[0].actor[0]"),
            ],
        ),
    ],
)
def test_backbone_elements_are_checked_by_their_tables(
    res: dict[str, Any], found: list[tuple[str, str]]
) -> None:
    assert errors(res) == found


def test_a_backbone_element_holding_a_good_everything_passes() -> None:
    res = fd.observation(
        "o",
        "p",
        component=[
            *_bp(120),
            {
                "code": {"text": "x"},
                "valueCodeableConcept": {"text": "y"},
                "interpretation": [{"text": "high"}],
                "referenceRange": [{"low": {"value": 1}, "age": {"low": {"value": 18}}}],
                "modifierExtension": [{"url": "http://example.org/x", "valueString": "z"}],
                "id": "c3",
            },
        ],
    )
    found, _ = validate(res)
    assert found == []


def test_references_inside_tabled_backbones_are_still_returned() -> None:
    enc = fd.encounter("e", "p", diagnosis=[{"condition": {"reference": "Condition/c"}}])
    _found, refs = validate(enc)
    assert ("Condition", "c") in {(t, i) for _, t, i in refs}
    assert [render(path) for path, t, _ in refs if t == "Condition"] == [
        "Encounter.diagnosis[0].condition.reference"
    ]


def test_plausibility_warnings() -> None:
    assert [r.code for r in plausibility(fd.patient("p", deceasedDateTime="1960-01-01"))] == [
        "implausible-date"
    ]
    assert [r.code for r in plausibility(fd.patient("p", birthDate="2999-01-01"))] == [
        "implausible-date"
    ]
    hot = fd.observation("o", "p", valueQuantity={"value": 900, "unit": "/min", "code": "/min"})
    assert [r.code for r in plausibility(hot)] == ["implausible-value"]
    assert plausibility(fd.observation("o", "p")) == []
    high = fd.observation("o", "p", component=_bp(900))
    assert [(r.code, r.path) for r in plausibility(high)] == [
        ("implausible-value", "Observation.component[0].valueQuantity.value")
    ]
    assert plausibility(fd.observation("o", "p", component=_bp(120))) == []
    assert plausibility(fd.observation("o", "p", component=_bp(900, unit="kPa"))) == []


def test_odd_keys_are_warned_without_repeating_them() -> None:
    """An empty key once crashed the validator (and so the load); a key may hold a value."""
    res = {**fd.patient("p"), "": 1, "9434765919": "x", "extra": True}
    found, _ = validate(res)
    assert [r.code for r in found] == ["unknown-element"] * 3
    messages = sorted(r.message for r in found)
    assert messages == [
        "(a key) is not an element of Patient",
        "(a key) is not an element of Patient",
        "extra is not an element of Patient",
    ]
    ok, *_ = examine(orjson.dumps(res))
    assert ok  # warnings only
