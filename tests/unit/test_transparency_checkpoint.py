"""C2SP signed-note checkpoints: format, key ids, signatures, key files and rotation."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from caldicott.errors import SettingsError
from caldicott.settings import Settings
from caldicott.transparency import verifier
from caldicott.transparency.checkpoint import body, key_path, load_signer, verifier_keys

ORIGIN = "caldicott.local/abc123"
ROOT = hashlib.sha256(b"root").digest()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


def test_note_format(settings: Settings) -> None:
    signer = load_signer(settings, ORIGIN)
    note = signer.sign(body(ORIGIN, 42, ROOT))
    lines = note.split("\n")
    assert lines[0] == ORIGIN and lines[1] == "42"
    assert base64.b64decode(lines[2]) == ROOT
    assert lines[3] == ""
    assert lines[4].startswith(f"\u2014 {ORIGIN} ")
    assert lines[5] == "" and len(lines) == 6
    sig = base64.b64decode(lines[4].rsplit(" ", 1)[1])
    assert len(sig) == 4 + 64
    # key id per the signed-note spec, computed here independently
    pub = signer.public_raw
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + pub).digest()[:4]
    assert sig[:4] == expected == signer.key_id
    b64 = base64.b64encode(b"\x01" + pub).decode()
    assert signer.verifier_key() == f"{ORIGIN}+{expected.hex()}+{b64}"


def test_signature_verifies_and_any_change_fails(settings: Settings) -> None:
    signer = load_signer(settings, ORIGIN)
    note = signer.sign(body(ORIGIN, 42, ROOT))
    keys = [verifier.parse_verifier_key(k) for k in verifier_keys(settings)]
    cp = verifier.parse_checkpoint(note)
    assert (cp.origin, cp.size, cp.root) == (ORIGIN, 42, ROOT)
    assert verifier.signed_by(cp, keys) == [ORIGIN]
    other_root = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    for forged in (
        note.replace("\n42\n", "\n43\n"),
        note.replace(note.split("\n")[2], other_root),
        note.replace(ORIGIN + "\n", "caldicott.local/evil\n", 1),
    ):
        assert verifier.signed_by(verifier.parse_checkpoint(forged), keys) == []
    sig_line = note.split("\n")[4]
    raw = bytearray(base64.b64decode(sig_line.rsplit(" ", 1)[1]))
    raw[10] ^= 1
    broken = note.replace(sig_line.rsplit(" ", 1)[1], base64.b64encode(bytes(raw)).decode())
    assert verifier.signed_by(verifier.parse_checkpoint(broken), keys) == []
    stranger = Ed25519PrivateKey.generate().public_key()
    assert (
        verifier.signed_by(cp, [verifier.VerifierKey(ORIGIN, cp.signatures[0][1], stranger)]) == []
    )


@pytest.mark.parametrize(
    "note",
    [
        "origin\n1\n",
        "origin\n01\nAAAA\n\n\u2014 x AAAAAAAA\n",
        "origin\nten\n" + base64.b64encode(ROOT).decode() + "\n\n\u2014 x AAAAAAAA\n",
        "origin\n1\n" + base64.b64encode(b"short").decode() + "\n\n\u2014 x AAAAAAAA\n",
        "origin\n1\n" + base64.b64encode(ROOT).decode() + "\n\n",
        "origin\n1\n" + base64.b64encode(ROOT).decode() + "\n\n- x AAAAAAAA\n",
    ],
)
def test_malformed_checkpoints_are_rejected(note: str) -> None:
    with pytest.raises(ValueError):
        verifier.parse_checkpoint(note)


def test_key_file_is_private_and_reused(settings: Settings) -> None:
    first = load_signer(settings, ORIGIN)
    path = key_path(settings)
    assert path == settings.home / "keys" / "log-signing.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_signer(settings, ORIGIN).public_raw == first.public_raw
    assert verifier_keys(settings) == [first.verifier_key()]


def test_rotation_keeps_old_verifier_keys(settings: Settings) -> None:
    old = load_signer(settings, ORIGIN)
    old_note = old.sign(body(ORIGIN, 1, ROOT))
    key_path(settings).rename(settings.keys_dir / "log-signing.key.retired")
    new = load_signer(settings, ORIGIN)
    assert new.public_raw != old.public_raw
    keys = [verifier.parse_verifier_key(k) for k in verifier_keys(settings)]
    assert len(keys) == 2
    assert verifier.signed_by(verifier.parse_checkpoint(old_note), keys) == [ORIGIN]
    assert verifier.signed_by(verifier.parse_checkpoint(old_note), keys[1:]) == []


def test_configured_key_path_and_bad_key(settings: Settings, tmp_path: Path) -> None:
    custom = Settings(home=settings.home, log_signing_key=tmp_path / "elsewhere" / "k.pem")
    load_signer(custom, ORIGIN)
    assert (tmp_path / "elsewhere" / "k.pem").exists()
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(SettingsError):
        load_signer(Settings(home=settings.home, log_signing_key=tmp_path / "bad.pem"), ORIGIN)
    with pytest.raises(SettingsError):
        load_signer(settings, "has space")


def test_bad_verifier_keys() -> None:
    with pytest.raises(ValueError):
        verifier.parse_verifier_key("name+00000000")
    with pytest.raises(ValueError):
        verifier.parse_verifier_key(
            "name+00000000+" + base64.b64encode(b"\x01" + b"x" * 32).decode()
        )
