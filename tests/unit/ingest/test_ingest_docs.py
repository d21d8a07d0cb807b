"""Docs that tests check: every reason code is in docs/ingest.md with its severity."""

from pathlib import Path

from caldicott.ingest.reasons import CODES, ERROR

DOC = (Path(__file__).parents[3] / "docs" / "ingest.md").read_text()


def test_every_reason_code_is_documented() -> None:
    for code, (severity, _meaning) in CODES.items():
        row = next((line for line in DOC.splitlines() if line.startswith(f"| `{code}` |")), None)
        assert row is not None, f"docs/ingest.md does not list the reason {code}"
        assert ("| yes |" in row) == (severity == ERROR), f"{code}: severity differs in the docs"


def test_documented_codes_exist() -> None:
    for line in DOC.splitlines():
        if line.startswith("| `") and ("| yes |" in line or "| warning |" in line):
            code = line.split("`")[1]
            assert code in CODES, f"docs/ingest.md lists an unknown reason {code}"
