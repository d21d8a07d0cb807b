"""Log entries: the event kinds, their canonical encoding and the patients' keyed hashes.

An entry is the UTF-8 bytes of a canonical JSON object (keys sorted, no whitespace, no
floats)::

    {"actor":"...","index":N,"kind":"...","payload":{...},"time":"2026-01-02T03:04:05.000000Z","v":1}

``index`` is the entry's position in the log, so a reordered, inserted or deleted entry is
visible from the entry alone. Patients never appear by NHS number: events about a patient
carry an HMAC-SHA256 of the NHS number under a per-environment key kept in the data
folder's ``keys/`` directory (:class:`PatientHasher`). :func:`encode` refuses a payload with
a value shaped like an NHS number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caldicott.errors import InvalidArgument, SettingsError

VERSION = 1

#: Event kinds. Other capabilities pass these to :func:`caldicott.transparency.append`.
AGREEMENT_TRANSITION = "agreement.transition"
CONSENT_CHANGE = "consent.change"
KEY_OPERATION = "key.operation"
RELEASE = "release"
ACCESS_DECISION = "access.decision"
KINDS = (AGREEMENT_TRANSITION, CONSENT_CHANGE, KEY_OPERATION, RELEASE, ACCESS_DECISION)

PATIENT_KEY_FILE = "patient-hash.key"
_NHS_SHAPE = re.compile(r"(?<![0-9])[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}(?![0-9])")
_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_ACTOR = re.compile(r"^[A-Za-z0-9_.:@/+-]{1,200}$")


def format_time(at: datetime) -> str:
    if at.tzinfo is None:
        raise InvalidArgument("log entry time must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _check_value(value: Any, where: str) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if 10**9 <= abs(value) < 10**10:
            raise InvalidArgument(f"log payload {where}: a ten-digit number is refused")
        return
    if isinstance(value, str):
        if not _HEX_DIGEST.fullmatch(value) and _NHS_SHAPE.search(value):
            raise InvalidArgument(
                f"log payload {where}: a value shaped like an NHS number is refused; "
                "record the patient's keyed hash instead"
            )
        return
    if isinstance(value, float):
        raise InvalidArgument(f"log payload {where}: floats are not allowed (use strings)")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidArgument(f"log payload {where}: keys must be strings")
            _check_value(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_value(item, f"{where}[{i}]")
        return
    raise InvalidArgument(f"log payload {where}: {type(value).__name__} is not JSON")


def encode(
    index: int,
    kind: str,
    actor: str,
    payload: Mapping[str, Any],
    at: datetime,
    time_text: str | None = None,
) -> bytes:
    """The canonical bytes of one entry; refuses bad kinds, actors and payload values.

    ``time_text`` is ``format_time(at)`` when the caller has it already (a batch at one time).
    """
    if not kind or len(kind) > 60 or not kind.replace(".", "").replace("_", "").isalnum():
        raise InvalidArgument(f"log entry kind {kind!r} is not a dotted name")
    if not _ACTOR.fullmatch(actor):
        raise InvalidArgument("log entry actor must be 1-200 characters of [A-Za-z0-9_.:@/+-]")
    _check_value(payload, "payload")
    doc = {
        "v": VERSION,
        "index": index,
        "kind": kind,
        "time": time_text or format_time(at),
        "actor": actor,
        "payload": payload,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Entry:
    index: int
    kind: str
    time: datetime
    actor: str
    payload: dict[str, Any]


def decode(raw: bytes) -> Entry:
    doc = json.loads(raw)
    return Entry(doc["index"], doc["kind"], parse_time(doc["time"]), doc["actor"], doc["payload"])


def is_canonical(raw: bytes) -> bool:
    try:
        doc = json.loads(raw)
    except ValueError:
        return False
    again = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return again == raw


# --- Patients' keyed hashes ----------------------------------------------------------------


def normalise_nhs_number(value: str) -> str:
    digits = value.replace(" ", "").replace("-", "")
    if len(digits) != 10 or not digits.isdigit():
        raise InvalidArgument("an NHS number has ten digits")
    return digits


class PatientHasher:
    """HMAC-SHA256 of an NHS number under this environment's key: a stable pseudonym."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise SettingsError("the patient-hash key must be at least 32 bytes")
        self._key = key

    def __repr__(self) -> str:
        return "PatientHasher(key='**********')"

    def __call__(self, nhs_number: str) -> str:
        digits = normalise_nhs_number(nhs_number).encode()
        return hmac.new(self._key, digits, hashlib.sha256).hexdigest()


def load_key_file(path: Path, make: bool = True) -> bytes:
    """Read a key file, creating it (32 random bytes, mode 0600) on first use."""
    if not path.exists():
        if not make:
            raise SettingsError(f"{path}: key file missing", path=str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read key file ({exc.strerror})") from None


def patient_hasher(keys_dir: Path) -> PatientHasher:
    """The environment's patient hasher; its key is ``keys/patient-hash.key``."""
    return PatientHasher(load_key_file(keys_dir / PATIENT_KEY_FILE))
