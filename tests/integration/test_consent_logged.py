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


def test_concurrent_writers_are_all_logged(control: ControlPlane, tmp_path: Path) -> None:
    """A writer that commits after a later one must not fall behind the log's cursor."""
    import threading

    from caldicott.consent import registry
    from caldicott.consent.logged import recording

    first, second = nhs_numbers(2)
    keys = tmp_path / "keys"
    started = threading.Event()
    release = threading.Event()

    def write(number: str, hold: bool) -> None:
        change = registry.new_choice(
            number, "explicit-dissent", purpose="research", channel="app", actor="patient"
        )
        with recording(control, keys) as session:
            registry.set_choice(session, change)
            if hold:
                started.set()
                release.wait(5)

    slow = threading.Thread(target=write, args=(first, True))
    slow.start()
    assert started.wait(10)
    fast = threading.Thread(target=write, args=(second, False))
    fast.start()
    fast.join(1.0)  # blocked behind the slow writer's cursor lock (or done, on SQLite's busy wait)
    release.set()
    slow.join(10)
    fast.join(30)
    with control.session() as s:
        logged = list(s.scalars(select(LogEntry.entry)))
    assert len(logged) == 2, "every consent change is in the log"
