"""Invariant 6: no patient-level value reaches application logs or standard output."""

import json
import logging

import pytest

from caldicott.applog import configure_logging, get_logger, redact


@pytest.mark.parametrize("value", ["9434765919", "943 476 5919", "943-476-5919"])
def test_nhs_number_shapes_are_redacted(value: str) -> None:
    assert value not in redact(f"patient {value} loaded")
    assert "[redacted]" in redact(f"patient {value} loaded")


def test_other_numbers_survive() -> None:
    assert redact("read 12345 records in 3 files") == "read 12345 records in 3 files"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_logger_redacts_message_args_and_extras(
    fmt: str, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", fmt)
    log = get_logger("test")
    log.warning("bad record for %s", "9434765919", extra={"nhs": "943 476 5919", "count": 3})
    err = capfd.readouterr().err
    assert "9434765919" not in err and "943 476 5919" not in err
    assert "[redacted]" in err
    if fmt == "json":
        doc = json.loads(err.strip().splitlines()[-1])
        assert doc["count"] == 3
        assert doc["level"] == "WARNING"
    logging.getLogger("caldicott").handlers.clear()
