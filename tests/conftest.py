"""Shared fixtures: isolated settings, the CLI runner and the control plane on both backends."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from caldicott.store.control import ControlPlane

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get(
    "CALDICOTT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data folder and no stray CALDICOTT_ settings."""
    for key in list(os.environ):
        if (
            key.startswith("CALDICOTT_")
            and not key.startswith("CALDICOTT_TEST_")
            and key != "CALDICOTT_SQL_ON_FHIR_SUITE"
        ):
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    monkeypatch.setenv("CALDICOTT_HOME", str(home))
    return home


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> object:
        import orjson

        return orjson.loads(self.stdout)


@pytest.fixture
def cli(capfd: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run ``caldicott ARGS`` in-process; returns exit code, stdout and stderr."""
    from caldicott.cli.app import main

    def run(*args: str) -> CliResult:
        capfd.readouterr()
        code = main(list(args))
        out, err = capfd.readouterr()
        return CliResult(code, out, err)

    return run


def _postgres_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to reach the server is a reason to skip
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database made for this test session and dropped after it."""
    problem = _postgres_available()
    if problem is not None:
        where = make_url(PG_ADMIN_URL).render_as_string(hide_password=True)
        message = f"PostgreSQL not reachable at {where} ({problem})"
        if IN_CI:
            pytest.fail(f"{message}; CI requires PostgreSQL tests to run")
        pytest.skip(f"{message}; set CALDICOTT_TEST_POSTGRES_URL to run PostgreSQL tests")
    name = f"caldicott_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def control_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty control-plane database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'control.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema_db = base  # one database per session; each test gets a clean schema below
    engine = create_engine(schema_db)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield schema_db


@pytest.fixture
def control(control_url: str) -> Iterator[ControlPlane]:
    """A migrated control plane on SQLite and on PostgreSQL."""
    plane = ControlPlane(control_url)
    plane.upgrade()
    yield plane
    plane.dispose()
