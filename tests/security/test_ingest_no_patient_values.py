"""Invariant 6: an ingest of defective data writes no patient value to logs or stdout.

Records carry distinctive names, birth dates, addresses and NHS numbers (valid, wrong
check digit, spaced, non-ASCII digits), used also as resource ids; every command a
custodian runs on them (ingest, quarantine list/show/export, quality report) is checked.
"""

from pathlib import Path

import pytest
from tests import fhirdata as fd

FAMILY = "Zebedeequartermaine"
GIVEN = "Ottoline"
BIRTH = "1937-08-19"
POSTCODE = "ZZ9 9QX"
NHS_VALID = fd.nhs_number(4242)
NHS_BAD = NHS_VALID[:9] + str((int(NHS_VALID[9]) + 1) % 10)
NHS_SPACED = f"{NHS_VALID[:3]} {NHS_VALID[3:6]} {NHS_VALID[6:]}"
NHS_ARABIC = NHS_VALID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
SECRETS = [FAMILY, GIVEN, BIRTH, POSTCODE, NHS_VALID, NHS_BAD, NHS_ARABIC, NHS_VALID[:6]]


def _person(pid: str, nhs: str, **extra: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "identifier": [{"system": fd.NHS_SYSTEM, "value": nhs}],
        "name": [{"family": FAMILY, "given": [GIVEN]}],
        "birthDate": BIRTH,
        "address": [{"line": ["1 Secret Lane"], "postalCode": POSTCODE}],
    }
    return fd.patient(pid, **{**fields, **extra})


def _defective(folder: Path) -> None:
    fd.write_ndjson(
        folder / "patients.ndjson",
        [
            _person("ok1", NHS_VALID),
            _person("bad1", NHS_BAD),
            _person("bad2", NHS_SPACED),
            _person("bad3", NHS_ARABIC),
            _person(NHS_VALID, NHS_VALID, gender="F"),  # id that is an NHS number, bad code
            _person("bad5", NHS_VALID, birthDate=f"{BIRTH}T"),
            _person("bad6", NHS_VALID, deceasedDateTime="1936-01-01T00:00:00Z"),
            fd.observation("obs1", "ghost", valueQuantity={"value": FAMILY}),
        ],
    )
    raw = fd.line(_person("bad7", NHS_VALID))
    (folder / "broken.ndjson").write_bytes(
        raw[:-5] + b"\n" + raw.replace(b'"id"', b'"x":NaN,"id"', 1)
    )
    dup = raw.replace(b'"birthDate"', f'"birthDate":"{BIRTH}","birthDate"'.encode(), 1)
    (folder / "dup.ndjson").write_bytes(dup + b"\n")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_patient_value_in_output_or_logs(
    cli, tmp_path: Path, monkeypatch, log_format: str
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CALDICOTT_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("CALDICOTT_LOG_FORMAT", log_format)
    folder = tmp_path / "in"
    _defective(folder)
    outputs = [
        cli("ingest", str(folder)),
        cli("ingest", str(folder), "--json"),
        cli("quarantine", "list"),
        cli("quarantine", "list", "--json", "--status", "all"),
    ]
    ids = [r["id"] for r in outputs[-1].json()["records"]]
    assert len(ids) >= 8
    for rid in ids:
        outputs.append(cli("quarantine", "show", str(rid)))
        outputs.append(cli("quarantine", "show", str(rid), "--json"))
    outputs.append(cli("quarantine", "export", "--out", str(tmp_path / "exp")))
    outputs.append(cli("quality", "report", "--format", "json"))
    outputs.append(cli("quality", "report", "--format", "html", "--out", str(tmp_path / "q.html")))
    for result in outputs:
        assert result.exit_code == 0, result.stderr
        for secret in SECRETS:
            assert secret not in result.stdout, f"a patient value reached stdout: {secret!r}"
            assert secret not in result.stderr, f"a patient value reached the logs: {secret!r}"
    html = (tmp_path / "q.html").read_text()
    for secret in SECRETS:
        assert secret not in html
    # the originals are kept, byte for byte, in the export folder only
    exported = b"".join(p.read_bytes() for p in (tmp_path / "exp").iterdir())
    assert FAMILY.encode() in exported
