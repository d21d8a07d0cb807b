"""What a failed Spark run raises: the view's own message, or the JVM's cause."""

from __future__ import annotations

import pytest

from caldicott.errors import CaldicottError, Unsupported, UserError, ValidationFailed
from caldicott.views.engines.spark import spark_failure


class _Java:
    def toString(self) -> str:  # py4j's name
        return "org.apache.spark.SparkOutOfMemoryError: [AGGREGATE_OUT_OF_MEMORY] No memory\n\tat x"


class _Py4JLike(Exception):
    """Shaped like py4j's Py4JJavaError: a useless first line and the Java exception."""

    java_exception = _Java()


def test_a_jvm_failure_names_its_cause_and_is_not_blamed_on_the_user() -> None:
    error = spark_failure(_Py4JLike("An error occurred while calling o88.collectToPython.\n"))
    assert not isinstance(error, UserError)
    assert error.message == (
        "Spark failed to run the view: org.apache.spark.SparkOutOfMemoryError "
        "[AGGREGATE_OUT_OF_MEMORY]"
    )


@pytest.mark.parametrize(
    ("raised", "kind", "message"),
    [
        (
            RuntimeError("[USER_RAISED_EXCEPTION] c: several values\nmore"),
            ValidationFailed,
            "[USER_RAISED_EXCEPTION] c: several values",
        ),
        (
            RuntimeError("boom Unsupported: repeat past 64 levels"),
            Unsupported,
            "Unsupported: repeat past 64 levels",
        ),
        (RuntimeError(""), ValidationFailed, "RuntimeError"),
    ],
)
def test_pyspark_errors_carry_the_views_message(
    raised: Exception, kind: type[CaldicottError], message: str
) -> None:
    error = spark_failure(raised)
    assert type(error) is kind and error.message == message


class _Conf:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str, default: str = "") -> str:
        return self.values.get(key, default)


class _Session:
    def __init__(self, values: dict[str, str]) -> None:
        self.conf = _Conf(values)


def test_a_deployments_own_session_is_checked_for_the_settings_long_runs_need(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from caldicott.views.engines.spark import NEEDED_SETTINGS, SparkEngine, missing_settings

    assert missing_settings(_Session(dict(NEEDED_SETTINGS))) == []
    assert missing_settings(_Session({})) == sorted(NEEDED_SETTINGS)
    with caplog.at_level("WARNING", logger="caldicott"):
        SparkEngine(_Session({"spark.sql.parser.manageParserCaches": "true"}))
    (record,) = [r for r in caplog.records if "lacks settings" in r.getMessage()]
    assert record.missing == ["spark.sql.parser.parserDfaCacheFlushRatio"]  # type: ignore[attr-defined]


def test_a_session_without_ansi_mode_is_refused_before_any_view_runs() -> None:
    """Without ANSI mode Spark wraps integer overflow round and nulls failed casts: a
    wrong answer, so the engine refuses such a session rather than run on it."""
    from caldicott.errors import SettingsError
    from caldicott.views import parse_view
    from caldicott.views.engines.spark import ANSI, NEEDED_SETTINGS, SparkEngine

    view = parse_view(
        {
            "resourceType": "ViewDefinition",
            "resource": "Patient",
            "select": [{"column": [{"name": "id", "path": "id"}]}],
        }
    )
    engine = SparkEngine(_Session({**NEEDED_SETTINGS, ANSI: "false"}))
    with pytest.raises(SettingsError, match=r"spark\.sql\.ansi\.enabled=false"):
        engine.run_texts(view, ['{"resourceType": "Patient", "id": "p1"}'])
