"""Canonical log entries and the patients' keyed hashes."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from caldicott.errors import InvalidArgument, SettingsError
from caldicott.transparency import CONSENT_CHANGE, KINDS, PatientHasher, patient_hasher
from caldicott.transparency.entries import decode, encode, is_canonical, load_key_file

AT = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


def test_entry_is_canonical_json_with_its_index() -> None:
    raw = encode(7, CONSENT_CHANGE, "portal", {"purpose": "research", "a": [1, True, None]}, AT)
    assert raw == (
        b'{"actor":"portal","index":7,"kind":"consent.change",'
        b'"payload":{"a":[1,true,null],"purpose":"research"},'
        b'"time":"2026-05-06T07:08:09.123456Z","v":1}'
    )
    assert is_canonical(raw)
    assert not is_canonical(json.dumps(json.loads(raw), indent=1).encode())
    entry = decode(raw)
    assert (entry.index, entry.kind, entry.time, entry.actor) == (7, CONSENT_CHANGE, AT, "portal")


def test_unicode_is_kept_as_utf8() -> None:
    raw = encode(0, CONSENT_CHANGE, "portal", {"summary": "Café – study"}, AT)
    assert "Café – study".encode() in raw and is_canonical(raw)


@pytest.mark.parametrize(
    "payload",
    [
        {"patient": "9434765919"},
        {"note": "patient 943 476 5919 changed"},
        {"nested": [{"n": "943-476-5919"}]},
        {"n": 9434765919},
        {"x": 1.5},
        {"x": {1, 2}},
        {1: "a"},
    ],
)
def test_bad_payloads_are_refused_without_echoing_values(payload: dict[object, object]) -> None:
    with pytest.raises(InvalidArgument) as err:
        encode(0, CONSENT_CHANGE, "portal", payload, AT)  # type: ignore[arg-type]
    assert "943" not in err.value.message


def test_keyed_hashes_are_allowed_even_with_digit_runs() -> None:
    digest = "0123456789" + "a" * 54
    assert digest.encode() in encode(0, CONSENT_CHANGE, "portal", {"patient": digest}, AT)


def test_bad_kind_actor_and_time() -> None:
    with pytest.raises(InvalidArgument):
        encode(0, "has space", "portal", {}, AT)
    with pytest.raises(InvalidArgument):
        encode(0, CONSENT_CHANGE, "bad actor", {}, AT)
    with pytest.raises(InvalidArgument):
        encode(0, CONSENT_CHANGE, "portal\n", {}, AT)
    with pytest.raises(InvalidArgument):
        encode(0, CONSENT_CHANGE, "portal", {}, datetime(2026, 1, 1))


def test_kinds_are_distinct_dotted_names() -> None:
    assert len(set(KINDS)) == 5
    for kind in KINDS:
        encode(0, kind, "a", {}, AT)


def test_patient_hasher_is_keyed_stable_and_normalises(tmp_path: Path) -> None:
    hasher = patient_hasher(tmp_path / "keys")
    key = tmp_path / "keys" / "patient-hash.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    h = hasher("9434765919")
    assert len(h) == 64 and "9434765919" not in h
    assert hasher("943 476 5919") == h == patient_hasher(tmp_path / "keys")("943-476-5919")
    assert PatientHasher(b"k" * 32)("9434765919") != h
    assert "k" * 32 not in repr(PatientHasher(b"k" * 32))
    with pytest.raises(InvalidArgument):
        hasher("12345")
    with pytest.raises(SettingsError):
        PatientHasher(b"short")
    with pytest.raises(SettingsError):
        load_key_file(tmp_path / "absent", make=False)
