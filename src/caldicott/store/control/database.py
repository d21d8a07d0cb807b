"""Connecting to the control plane and bringing its schema up to date."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from caldicott.applog import get_logger
from caldicott.errors import StoreUnavailable

MIGRATIONS = Path(__file__).parent / "migrations"
log = get_logger(__name__)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailable(
                    f"cannot create the data folder for {database}: {exc.strerror}"
                ) from None
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class ControlPlane:
    """The control-plane database: an engine, sessions and migrations."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._checked = False

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def upgrade(self) -> list[str]:
        """Apply every pending migration on every branch; return the heads now applied."""
        try:
            with self.engine.begin() as conn:
                cfg = alembic_config(self.url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "heads")
        except OperationalError as exc:
            raise StoreUnavailable(
                f"control-plane database unavailable ({self.backend}): {exc.orig}"
            ) from None
        self._checked = True
        return self.current_heads()

    def current_heads(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(MigrationContext.configure(conn).get_current_heads())

    def pending(self) -> bool:
        script = ScriptDirectory.from_config(alembic_config(self.url))
        return set(self.current_heads()) != set(script.get_heads())

    def ensure_schema(self) -> None:
        """Apply migrations on first use in this process if any are pending."""
        if self._checked:
            return
        try:
            if self.pending():
                log.info("applying control-plane migrations", extra={"backend": self.backend})
                self.upgrade()
        except SQLAlchemyError as exc:
            raise StoreUnavailable(
                f"control-plane database unavailable ({self.backend}): {exc}"
            ) from None
        self._checked = True

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any error."""
        self.ensure_schema()
        with self._sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
