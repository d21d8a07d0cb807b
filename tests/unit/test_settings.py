from pathlib import Path

import pytest

from caldicott.errors import SettingsError
from caldicott.settings import Secret, Settings, load_settings, setting_specs


def test_defaults_without_environment() -> None:
    s = load_settings(environ={})
    assert s.home == Path(".caldicott")
    assert s.engine == "duckdb"
    assert s.control_url.startswith("sqlite:///")
    assert s.control_url.endswith("/.caldicott/control.db")


def test_environment_overrides_and_casts() -> None:
    s = load_settings(
        environ={
            "CALDICOTT_HOME": "/tmp/x",
            "CALDICOTT_ENGINE": "SPARK",
            "CALDICOTT_INGEST_BATCH_SIZE": "123",
            "CALDICOTT_DATABASE_URL": "postgresql+psycopg://u:pw@h/db",
        }
    )
    assert s.home == Path("/tmp/x")
    assert s.engine == "spark"
    assert s.ingest_batch_size == 123
    assert s.control_url == "postgresql+psycopg://u:pw@h/db"


def test_secret_is_masked_in_repr() -> None:
    s = load_settings(environ={"CALDICOTT_DATABASE_URL": "postgresql+psycopg://u:hunter2@h/db"})
    assert "hunter2" not in repr(s)
    assert "hunter2" not in str(s.database_url)
    assert Secret("a") == Secret("a")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("CALDICOTT_ENGINE", "oracle"),
        ("CALDICOTT_INGEST_BATCH_SIZE", "-5"),
        ("CALDICOTT_INGEST_BATCH_SIZE", "many"),
        ("CALDICOTT_DATABASE_URL", "not a url"),
        ("CALDICOTT_DATABASE_URL", "mysql://x/y"),
        ("CALDICOTT_LOG_FORMAT", "xml"),
        ("CALDICOTT_HOME", ""),
    ],
)
def test_bad_setting_fails_naming_the_key(key: str, value: str) -> None:
    with pytest.raises(SettingsError) as err:
        load_settings(environ={key: value})
    assert err.value.message.startswith(key)
    assert err.value.detail["key"] == key


def test_unknown_setting_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="CALDICOTT_ENGNIE"):
        load_settings(environ={"CALDICOTT_ENGNIE": "duckdb"})


def test_toml_file_then_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('engine = "memory"\nlog_level = "info"\n')
    s = load_settings(environ={"CALDICOTT_CONFIG": str(cfg)})
    assert (s.engine, s.log_level) == ("memory", "INFO")
    s = load_settings(environ={"CALDICOTT_CONFIG": str(cfg), "CALDICOTT_ENGINE": "duckdb"})
    assert s.engine == "duckdb"


def test_toml_in_home_is_found(tmp_path: Path) -> None:
    (tmp_path / "caldicott.toml").write_text('engine = "memory"\n')
    assert load_settings(environ={"CALDICOTT_HOME": str(tmp_path)}).engine == "memory"


def test_toml_errors_name_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('engin = "memory"\n')
    with pytest.raises(SettingsError, match="engin: unknown setting"):
        load_settings(config_file=cfg, environ={})
    cfg.write_text('engine = "nope"\n')
    with pytest.raises(SettingsError, match=r"c.toml:engine"):
        load_settings(config_file=cfg, environ={})
    cfg.write_text("engine = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(config_file=cfg, environ={})
    with pytest.raises(SettingsError, match="CALDICOTT_CONFIG"):
        load_settings(environ={"CALDICOTT_CONFIG": str(tmp_path / "missing.toml")})


def test_every_field_has_a_documented_env_key() -> None:
    specs = setting_specs()
    # config_file is where the settings were read from, not a setting
    assert set(specs) == set(Settings.__dataclass_fields__) - {"config_file"}
    for spec in specs.values():
        assert spec.env.startswith("CALDICOTT_")
        assert len(spec.doc) > 10


def test_test_and_suite_variables_are_not_settings() -> None:
    s = load_settings(
        environ={
            "CALDICOTT_SQL_ON_FHIR_SUITE": "/x",
            "CALDICOTT_TEST_POSTGRES_URL": "postgresql://",
        }
    )
    assert s.engine == "duckdb"
