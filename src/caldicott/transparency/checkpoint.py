"""Signed checkpoints in the C2SP signed-note format, with an Ed25519 key.

A checkpoint commits to the whole log at one size::

    caldicott.local/3f2a9c0d1e4b          <- origin (the instance record)
    1024                                  <- tree size
    V0u1ZQ...=                            <- base64 root hash
                                          <- blank line
    — caldicott.local/3f2a9c0d1e4b AbCd...   <- base64(key id (4 bytes) || signature)

The signing key is a PEM (PKCS#8) file at ``Settings.log_signing_key`` or
``keys/log-signing.key`` in the data folder, created with mode 0600 on first use. Its
public half is published as a note verifier key ``<name>+<hex key id>+<base64(0x01 ||
key)>``; every verifier key ever used is kept in ``keys/log-verifier-keys.txt`` so
checkpoints signed before a rotation still verify.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from caldicott.errors import IntegrityError, NotFound, SettingsError
from caldicott.settings import Settings
from caldicott.store.control.base import utcnow
from caldicott.store.control.instance import ensure_instance
from caldicott.transparency import verifier
from caldicott.transparency.log import tree_head
from caldicott.transparency.tables import LogCheckpoint

KEY_FILE = "log-signing.key"
VERIFIER_KEYS_FILE = "log-verifier-keys.txt"


@dataclass(frozen=True)
class Signer:
    """An Ed25519 key that signs checkpoints under a signed-note key name."""

    name: str
    key: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def key_id(self) -> bytes:
        return verifier.key_id(self.name, self.public_raw)

    def verifier_key(self) -> str:
        raw = bytes([verifier.ALG_ED25519]) + self.public_raw
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(raw).decode()}"

    def sign(self, body: str) -> str:
        """The signed note: the body, a blank line and one signature line."""
        sig = self.key.sign(body.encode())
        line = base64.b64encode(self.key_id + sig).decode()
        return f"{body}\n{verifier.SIGNATURE_PREFIX}{self.name} {line}\n"


def key_path(settings: Settings) -> Path:
    return settings.log_signing_key or settings.keys_dir / KEY_FILE


def _check_name(name: str) -> str:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise SettingsError(f"checkpoint origin {name!r} cannot be a signed-note key name")
    return name


def load_signer(settings: Settings, name: str) -> Signer:
    """The checkpoint signer, creating its key (mode 0600) on first use."""
    path = key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise SettingsError(f"{path}: not a readable PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SettingsError(f"{path}: the log signing key must be Ed25519")
    signer = Signer(_check_name(name), key)
    _remember_verifier_key(settings, signer.verifier_key())
    return signer


def _remember_verifier_key(settings: Settings, line: str) -> None:
    path = settings.keys_dir / VERIFIER_KEYS_FILE
    known = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if line not in known:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def verifier_keys(settings: Settings) -> list[str]:
    """Every verifier key this environment has signed with, oldest first."""
    path = settings.keys_dir / VERIFIER_KEYS_FILE
    if not path.exists():
        return []
    return [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


@dataclass(frozen=True)
class CheckpointRecord:
    id: int
    size: int
    root: bytes
    note: str
    label: str | None
    created_at: datetime

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "label": self.label,
            "created_at": self.created_at.isoformat(),
            "note": self.note,
        }


def _record(row: LogCheckpoint) -> CheckpointRecord:
    return CheckpointRecord(row.id, row.size, row.root, row.note, row.label, row.created_at)


def create_checkpoint(
    session: Session, settings: Settings, label: str | None = None
) -> CheckpointRecord:
    """Sign the log's current tree head and store the checkpoint."""
    origin = ensure_instance(session).origin
    signer = load_signer(settings, origin)
    size, root = tree_head(session)
    note = signer.sign(body(origin, size, root))
    row = LogCheckpoint(size=size, root=root, note=note, label=label, created_at=utcnow())
    session.add(row)
    session.flush()
    return _record(row)


def latest_checkpoint(session: Session, label: str | None = None) -> CheckpointRecord | None:
    query = select(LogCheckpoint).order_by(LogCheckpoint.id.desc()).limit(1)
    if label is not None:
        query = query.where(LogCheckpoint.label == label)
    row = session.scalars(query).first()
    return None if row is None else _record(row)


def all_checkpoints(session: Session) -> list[CheckpointRecord]:
    rows = session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.id)).all()
    return [_record(r) for r in rows]


def require_latest(session: Session) -> CheckpointRecord:
    found = latest_checkpoint(session)
    if found is None:
        raise NotFound("no checkpoint yet: run `caldicott log checkpoint` first")
    return found


def check_signature(record: CheckpointRecord, keys: list[str]) -> verifier.Checkpoint:
    """Parse a stored checkpoint and check it is signed by one of ``keys``."""
    try:
        parsed = verifier.parse_checkpoint(record.note)
        known = [verifier.parse_verifier_key(k) for k in keys]
    except ValueError as exc:
        raise IntegrityError(f"checkpoint {record.id}: malformed ({exc})") from None
    if not verifier.signed_by(parsed, known):
        raise IntegrityError(f"checkpoint {record.id}: no valid signature by a known key")
    if parsed.size != record.size or parsed.root != record.root:
        raise IntegrityError(f"checkpoint {record.id}: stored size or root differs from its note")
    return parsed
