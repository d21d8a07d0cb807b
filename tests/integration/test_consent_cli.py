"""``caldicott consent``: decide prints JSON, bad input exits 2, nothing prints a patient."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from tests.consent_support import nhs_numbers

A, B, C = nhs_numbers(3)


@pytest.fixture
def on_backend(control_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CALDICOTT_DATABASE_URL", control_url)
    return control_url


def test_set_decide_history_on_each_backend(cli, on_backend: str) -> None:  # type: ignore[no-untyped-def]
    r = cli(
        "consent",
        "set",
        "--nhs-number",
        A,
        "--kind",
        "national-opt-out",
        "--channel",
        "phone",
        "--actor",
        "call centre",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    assert r.json() == {"recorded": 1, "kind": "national-opt-out", "scope": "*", "value": "set"}
    r = cli("consent", "decide", "--nhs-number", A, "--purpose", "research", "--json")
    assert r.exit_code == 0, r.stderr
    doc = r.json()
    assert doc["decision"] == "deny" and doc["reason"] == "national-opt-out"
    chain = {step["rule"]: step["verdict"] for step in doc["reason_chain"]}
    assert chain["national-opt-out"] == "satisfied"
    assert chain["default"] == "overridden-by:national-opt-out"
    care = cli("consent", "decide", "--nhs-number", A, "--purpose", "direct-care").json()
    assert care["decision"] == "permit"  # type: ignore[index]
    past = cli(
        "consent",
        "decide",
        "--nhs-number",
        A,
        "--purpose",
        "research",
        "--at",
        "2020-01-01T00:00:00Z",
    ).json()
    assert past["decision"] == "permit"  # type: ignore[index]
    r = cli("consent", "history", "--nhs-number", A, "--json")
    versions = r.json()["versions"]  # type: ignore[index]
    assert [v["actor"] for v in versions] == ["call centre"]
    for result in (r, cli("consent", "history", "--nhs-number", A)):
        assert A not in result.stdout  # invariant 6: no patient value on standard output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("decide", "--nhs-number", "1234567890", "--purpose", "research"), "invalid NHS number"),
        (("decide", "--nhs-number", A, "--purpose", "marketing"), "unknown purpose 'marketing'"),
        (("decide", "--nhs-number", A, "--purpose", "research", "--at", "yesterday"), "--at"),
        (
            (
                "set",
                "--nhs-number",
                A,
                "--kind",
                "explicit-consent",
                "--channel",
                "app",
                "--actor",
                "x",
            ),
            "exactly one of --purpose or --agreement",
        ),
        (
            ("set", "--nhs-number", A, "--kind", "opt-in", "--channel", "app", "--actor", "x"),
            "unknown kind",
        ),
        (("export", "--format", "csv"), "unknown format"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(cli, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    r = cli("consent", *args)
    assert r.exit_code == 2
    assert message in r.stderr
    assert "1234567890" not in r.stderr


def test_imports_export_stats_and_snapshot(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    optouts = tmp_path / "national-opt-outs.csv"
    optouts.write_text(f"nhs_number\n{A}\n12345\n{B}\n")
    r = cli("consent", "import-optouts", str(optouts), "--json")
    assert r.exit_code == 0, r.stderr
    doc = r.json()
    assert (doc["imported"], doc["bad"]) == (
        2,
        [{"line": 3, "reason": "not an NHS number: 5 digits, not 10"}],
    )  # type: ignore[index]
    human = cli("consent", "import-optouts", str(optouts))
    assert "line 3" in human.stdout and "0 imported" in human.stdout
    type1 = tmp_path / "type1-opt-outs.csv"
    type1.write_text(f"{C}\n")
    assert cli("consent", "import-optouts", str(type1), "--type1", "--json").json()["imported"] == 1  # type: ignore[index]
    consent = {
        "resourceType": "Consent",
        "id": "c1",
        "status": "active",
        "scope": {"coding": [{"code": "research"}]},
        "category": [],
        "patient": {"reference": "Patient/p1"},
        "dateTime": "2026-01-01T00:00:00Z",
        "provision": {
            "type": "permit",
            "purpose": [
                {"system": "https://caldicott.dev/fhir/CodeSystem/agreement", "code": "DARS-1"}
            ],
        },
    }
    (tmp_path / "Consent.ndjson").write_bytes(orjson.dumps(consent) + b"\n")
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": A}],
    }
    (tmp_path / "Patient.ndjson").write_bytes(orjson.dumps(patient) + b"\n")
    r = cli("consent", "import-fhir", str(tmp_path / "Consent.ndjson"), "--json")
    assert r.json()["imported"] == 1, r.stdout  # type: ignore[index]
    project = cli(
        "consent", "decide", "--nhs-number", A, "--purpose", "research", "--agreement", "DARS-1"
    ).json()
    assert project["reason"] == "agreement-consent"  # type: ignore[index]
    stats = cli("consent", "stats", "--json").json()
    assert stats["patients_by_kind_in_force"]["national-opt-out"] == 2  # type: ignore[index]
    assert stats["patients_by_kind_in_force"]["type1-opt-out"] == 1  # type: ignore[index]
    assert cli("consent", "stats").exit_code == 0
    out = tmp_path / "export.ndjson"
    r = cli("consent", "export", "--format", "fhir", "--out", str(out), "--json")
    assert r.json()["consents"] == 4  # type: ignore[index]
    assert consent in [orjson.loads(line) for line in out.read_bytes().splitlines()]
    default = cli("consent", "export", "--json").json()
    assert Path(default["file"]).is_file()  # type: ignore[index]
    r = cli(
        "consent",
        "snapshot",
        "--purpose",
        "research",
        "--out",
        str(tmp_path / "s.parquet"),
        "--json",
    )
    snap = r.json()
    assert (snap["rows"], snap["deny"]) == (3, 3)  # type: ignore[index]
    assert len(snap["content_hash"]) == 64  # type: ignore[index]
    for text in (r.stdout, default and cli("consent", "stats").stdout):
        assert A not in text and B not in text
