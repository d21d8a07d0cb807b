"""The control plane migrates and works on SQLite and PostgreSQL alike."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select

from caldicott.store.control import Base, ControlPlane
from caldicott.store.control.database import alembic_config
from caldicott.store.control.instance import Instance, ensure_instance
from caldicott.store.control.registry import load_all_tables


def test_upgrade_applies_every_head(control: ControlPlane) -> None:
    script = ScriptDirectory.from_config(alembic_config(control.url))
    assert set(control.current_heads()) == set(script.get_heads())
    assert not control.pending()
    assert "instance" in inspect(control.engine).get_table_names()


def test_upgrade_is_idempotent(control: ControlPlane) -> None:
    before = control.current_heads()
    assert control.upgrade() == before


def test_models_match_migrations(control: ControlPlane) -> None:
    load_all_tables()
    with control.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, Base.metadata)
    assert diffs == [], f"migrations and models differ: {diffs}"


def test_instance_is_created_once(control: ControlPlane) -> None:
    with control.session() as s:
        first = ensure_instance(s).origin
    with control.session() as s:
        assert ensure_instance(s).origin == first
        assert len(s.scalars(select(Instance)).all()) == 1
    assert first.startswith("caldicott.local/")


def test_first_use_migrates(control_url: str) -> None:
    plane = ControlPlane(control_url)
    assert plane.pending()
    with plane.session() as s:
        ensure_instance(s)
    assert not plane.pending()
    plane.dispose()


def test_cli_db_upgrade_on_each_backend(cli, control_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CALDICOTT_DATABASE_URL", control_url)
    result = cli("db", "upgrade", "--json")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert doc["heads"]
    assert doc["backend"] in ("sqlite", "postgresql")
    status = cli("db", "status", "--json").json()
    assert status["pending"] is False
