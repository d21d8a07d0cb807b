"""Consent changes made through the CLI are in the transparency log at once, hashed."""

from pathlib import Path

import pytest
from sqlalchemy import select
from tests.consent_support import nhs_numbers

from caldicott.store.control import ControlPlane
from caldicott.transparency.tables import LogEntry


def _entries(url: str) -> list[bytes]:
    plane = ControlPlane(url)
    with plane.session() as s:
        rows = list(s.scalars(select(LogEntry.entry).order_by(LogEntry.idx)))
    plane.dispose()
    return rows


def test_set_and_import_are_logged_without_nhs_numbers(
    cli, control_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CALDICOTT_DATABASE_URL", control_url)
    first, second, third = nhs_numbers(3)
    result = cli(
        "consent",
        "set",
        "--nhs-number",
        first,
        "--kind",
        "explicit-dissent",
        "--purpose",
        "research",
        "--channel",
        "app",
        "--actor",
        "patient",
    )
    assert result.exit_code == 0, result.stderr
    csv = tmp_path / "optouts.csv"
    csv.write_text(f"nhs_number\n{second}\n{third}\n")
    assert cli("consent", "import-optouts", str(csv)).exit_code == 0
    entries = _entries(control_url)
    assert len(entries) == 3
    blob = b"\n".join(entries)
    assert blob.count(b"consent") >= 3
    for number in (first, second, third):
        assert number.encode() not in blob
    # a second sync logs nothing twice
    assert cli("log", "sync", "--json").json() == {"consent_changes_logged": 0}


def test_failed_write_logs_nothing(cli, control_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CALDICOTT_DATABASE_URL", control_url)
    result = cli(
        "consent",
        "set",
        "--nhs-number",
        "1234567890",
        "--kind",
        "explicit-dissent",
        "--purpose",
        "research",
        "--channel",
        "app",
        "--actor",
        "patient",
    )
    assert result.exit_code == 2
    assert _entries(control_url) == []
