"""Settings: one typed object, read once at the entry point and passed down.

Sources, later wins: built-in defaults, an optional TOML file, then ``CALDICOTT_``-prefixed
environment variables. The TOML file is ``$CALDICOTT_CONFIG`` if set, otherwise
``caldicott.toml`` in the data folder if it exists. Keys in the file are the setting names
in lower case without the prefix (``engine = "duckdb"``). A value that does not parse fails
at start with the key's name. Secret values are masked in ``repr``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Generic, TypeVar

from caldicott import _native
from caldicott.errors import SettingsError

T = TypeVar("T")
PREFIX = "CALDICOTT_"
ENGINES = ("duckdb", "spark", "memory")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
UNRESOLVED_REFERENCE_POLICIES = ("quarantine", "warn")
#: Variables with the prefix that are not settings: the settings file itself, the switch
#: read when the package is imported (before settings: ``caldicott._native``), and what the
#: test suite reads (documented in docs/settings.md under "Process variables").
NOT_SETTINGS = frozenset({PREFIX + "CONFIG", _native.SWITCH, PREFIX + "SQL_ON_FHIR_SUITE"})


class Secret(Generic[T]):
    """A value that never shows itself in ``repr`` or ``str``."""

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value = value

    def reveal(self) -> T:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _choice(options: tuple[str, ...], *, upper: bool = False) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().upper() if upper else raw.strip().lower()
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return value

    return parse


def _path(raw: str) -> Path:
    if not raw.strip():
        raise ValueError("must not be empty")
    return Path(raw).expanduser()


def _database_url(raw: str) -> Secret[str]:
    value = raw.strip()
    if "://" not in value:
        raise ValueError(
            "must be a SQLAlchemy URL such as sqlite:///path or postgresql+psycopg://..."
        )
    scheme = value.split("://", 1)[0].split("+", 1)[0]
    if scheme not in ("sqlite", "postgresql"):
        raise ValueError("must use the sqlite or postgresql scheme")
    return Secret(value)


def _non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("must be 0 or a positive integer")
    return value


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


@dataclass(frozen=True)
class Setting:
    """Documentation and parsing for one setting (the field metadata)."""

    env: str
    parse: Callable[[str], Any]
    doc: str


def _setting(env: str, parse: Callable[[str], Any], doc: str, default: Any) -> Any:
    meta = {"setting": Setting(PREFIX + env, parse, doc)}
    if callable(default):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """Every setting of caldicott. Read with :func:`load_settings`."""

    home: Path = _setting(
        "HOME",
        _path,
        "Data folder: warehouse, keys, reports, default database.",
        Path(".caldicott"),
    )
    database_url: Secret[str] | None = _setting(
        "DATABASE_URL",
        _database_url,
        "Control-plane database URL. Default: SQLite file control.db in the data folder.",
        None,
    )
    engine: str = _setting(
        "ENGINE",
        _choice(ENGINES),
        "Data engine for the warehouse: duckdb, spark or memory.",
        "duckdb",
    )
    log_level: str = _setting(
        "LOG_LEVEL", _choice(LOG_LEVELS, upper=True), "Application log level.", "WARNING"
    )
    log_format: str = _setting(
        "LOG_FORMAT", _choice(LOG_FORMATS), "Application log format: text or json.", "text"
    )
    unresolved_references: str = _setting(
        "UNRESOLVED_REFERENCES",
        _choice(UNRESOLVED_REFERENCE_POLICIES),
        "What ingest does with a reference that resolves nowhere: quarantine or warn.",
        "quarantine",
    )
    ingest_batch_size: int = _setting(
        "INGEST_BATCH_SIZE",
        _positive_int,
        "Records per atomic warehouse batch during ingest.",
        50_000,
    )
    ingest_workers: int = _setting(
        "INGEST_WORKERS",
        _non_negative_int,
        "Worker processes that parse and validate during ingest; 0: one per core for "
        "a large load, none for a small one.",
        0,
    )
    log_signing_key: Path | None = _setting(
        "LOG_SIGNING_KEY",
        _path,
        "Ed25519 private key file for transparency-log checkpoints. "
        "Default: keys/log-signing.key in the data folder.",
        None,
    )

    #: The TOML file these settings were read from, if any (not a setting itself).
    config_file: Path | None = None

    @property
    def control_url(self) -> str:
        """The control-plane URL, defaulting to SQLite inside the data folder."""
        if self.database_url is not None:
            return self.database_url.reveal()
        return f"sqlite:///{(self.home / 'control.db').resolve()}"

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def placed_files(self) -> tuple[Path, ...]:
        """caldicott's own files that a setting may put anywhere, the data folder
        included under another name: the SQLite control plane, the log-signing key and
        the settings file read."""
        placed = [p for p in (self.log_signing_key, self.config_file) if p is not None]
        if self.control_url.startswith("sqlite"):
            from sqlalchemy.engine import make_url

            database = make_url(self.control_url).database
            if database and database != ":memory:" and not database.startswith("file:"):
                placed.append(Path(database))
        return tuple(placed)


def setting_specs() -> dict[str, Setting]:
    """Every setting's metadata keyed by field name (used by docs and their tests)."""
    return {f.name: f.metadata["setting"] for f in fields(Settings) if "setting" in f.metadata}


def load_settings(
    environ: Mapping[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    """Read settings from a TOML file and the environment; fail naming the bad key."""
    env = dict(os.environ if environ is None else environ)
    specs = setting_specs()
    known_env = {spec.env for spec in specs.values()} | NOT_SETTINGS
    unknown = sorted(
        k
        for k in env
        if k.startswith(PREFIX) and k not in known_env and not k.startswith(PREFIX + "TEST_")
    )
    if unknown:
        raise SettingsError(f"{unknown[0]}: unknown setting", key=unknown[0])

    raw: dict[str, tuple[str, str]] = {}
    path = config_file or (Path(env[PREFIX + "CONFIG"]) if env.get(PREFIX + "CONFIG") else None)
    home_hint = Path(env.get(PREFIX + "HOME", ".caldicott")).expanduser()
    if path is None and (home_hint / "caldicott.toml").is_file():
        path = home_hint / "caldicott.toml"
    if path is not None:
        raw.update(_read_toml(path, specs))
    for name, spec in specs.items():
        if spec.env in env:
            raw[name] = (spec.env, env[spec.env])

    values: dict[str, Any] = {}
    for name, (key, text) in raw.items():
        try:
            values[name] = specs[name].parse(text)
        except ValueError as exc:
            raise SettingsError(f"{key}: {exc}", key=key) from None
    return Settings(**values, config_file=path)


def _read_toml(path: Path, specs: Mapping[str, Setting]) -> dict[str, tuple[str, str]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{PREFIX}CONFIG: no such file {path}", key=PREFIX + "CONFIG") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})", key=str(path)) from None
    out: dict[str, tuple[str, str]] = {}
    for key, value in data.items():
        if key not in specs:
            raise SettingsError(f"{path}: {key}: unknown setting", key=key)
        out[key] = (f"{path}:{key}", str(value))
    return out
