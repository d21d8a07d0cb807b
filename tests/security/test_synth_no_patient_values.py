"""``caldicott synth`` never prints a patient value, and only uses reserved identifiers."""

from __future__ import annotations

from pathlib import Path

import orjson

from caldicott.fhir.nhs_number import in_test_range


def test_synth_output_carries_no_patient_values(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "export"
    printed = ""
    for extra in ([], ["--json"]):
        result = cli("synth", "--patients", "80", "--seed", "3", "--out", str(out), *extra)
        assert result.exit_code == 0
        printed += result.stdout + result.stderr
    for line in (out / "Patient.ndjson").read_bytes().splitlines():
        patient = orjson.loads(line)
        nhs = patient["identifier"][0]["value"]
        assert in_test_range(nhs)
        values = (
            nhs,
            patient["birthDate"],
            patient["address"][0]["postalCode"],
            patient["telecom"][0]["value"],
        )
        for value in values:
            assert value not in printed
        assert patient["telecom"][0]["value"].startswith("07700 900")
