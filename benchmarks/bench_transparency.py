"""Transparency log: durable appends, proofs and full verification, against naive baselines.

Figures:

- durable appends/s, batched (``append_many`` of ``BATCH`` entries per committed
  transaction) on SQLite and on PostgreSQL (a throwaway database on the test server), and
  the naive baseline of one committed transaction per append;
- inclusion-proof time and size from the database at the full log size, against the naive
  baseline of recomputing the proof from every leaf hash;
- full verification of an export of ``VERIFY_SIZE`` entries (1,000,000 in a full run) with
  the standalone verifier, against the naive recursive tree hash of the same leaves.

Bars (issue 7): >= 10,000 durable appends/s on SQLite, a proof in under 1 ms, 1,000,000
entries verified in under 10 s.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from caldicott.settings import Settings
from caldicott.store.control import ControlPlane
from caldicott.transparency import KEY_OPERATION, Event, append, append_many, merkle, verifier
from caldicott.transparency.checkpoint import body, create_checkpoint, load_signer
from caldicott.transparency.entries import encode
from caldicott.transparency.integrity import verify_database
from caldicott.transparency.log import inclusion_proof, tree_head

BATCH = 1000
PG_ADMIN = os.environ.get(
    "CALDICOTT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
AT = datetime(2026, 1, 1, tzinfo=UTC)


def _event(i: int) -> Event:
    return Event(KEY_OPERATION, "bench", {"op": "rotate", "key": f"k{i}", "n": i})


def _appends(plane: ControlPlane, total: int, naive: int) -> dict[str, float]:
    started = time.perf_counter()
    for start in range(0, total, BATCH):
        with plane.session() as s:
            append_many(s, [_event(i) for i in range(start, min(total, start + BATCH))])
    batched = total / (time.perf_counter() - started)
    started = time.perf_counter()
    for i in range(naive):
        with plane.session() as s:
            append(s, KEY_OPERATION, "bench", {"op": "rotate", "n": i})
    single = naive / (time.perf_counter() - started)
    return {
        "batched_appends_per_s": round(batched),
        "one_commit_per_append_per_s": round(single),
        "ratio_batched_vs_one_commit": round(batched / single, 1),
    }


def _naive_proof(leaves: list[bytes], m: int) -> list[bytes]:
    """The baseline: the proof recomputed from every leaf (RFC 9162 recursion, MTH each time)."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*_naive_proof(leaves[:k], m), merkle.root_of(leaves[k:])]
    return [*_naive_proof(leaves[k:], m - k), merkle.root_of(leaves[:k])]


def _proofs(plane: ControlPlane, samples: int) -> dict[str, Any]:
    with plane.session() as s:
        size, root = tree_head(s)
        rng = random.Random(7)
        picks = [rng.randrange(size) for _ in range(samples)]
        started = time.perf_counter()
        proofs = [inclusion_proof(s, i, size) for i in picks]
        per_proof = (time.perf_counter() - started) / samples
        leaves = [
            bytes(h)
            for (h,) in s.execute(
                text("SELECT hash FROM transparency_node WHERE level = 0 ORDER BY idx")
            )
        ]
    started = time.perf_counter()
    naive_n = 3
    for i in picks[:naive_n]:
        assert _naive_proof(leaves, i) == proofs[picks.index(i)]
    naive = (time.perf_counter() - started) / naive_n
    ok = all(
        verifier.verify_inclusion(i, size, leaves[i], p, root)
        for i, p in zip(picks, proofs, strict=True)
    )
    return {
        "tree_size": size,
        "proof_ms": round(per_proof * 1000, 3),
        "proof_hashes": max(len(p) for p in proofs),
        "proof_bytes": max(32 * len(p) for p in proofs),
        "naive_recompute_proof_ms": round(naive * 1000, 1),
        "ratio_naive_vs_stored_nodes": round(naive / per_proof),
        "all_verified": ok,
    }


def _verification(folder: Path, size: int) -> dict[str, Any]:
    (folder / "checkpoints").mkdir(parents=True)
    builder = merkle.RootBuilder()
    leaves: list[bytes] = []
    with (folder / "entries.ndjson").open("wb") as fh:
        for i in range(size):
            raw = encode(i, KEY_OPERATION, "bench", {"op": "rotate", "n": i}, AT)
            fh.write(raw + b"\n")
            leaf = merkle.leaf_hash(raw)
            leaves.append(leaf)
            builder.push(leaf)
    signer = load_signer(Settings(home=folder.parent / "home"), "bench.example/log")
    note = signer.sign(body("bench.example/log", size, builder.root()))
    (folder / "checkpoints" / f"00000001-{size}.note").write_text(note)
    (folder / "keys.txt").write_text(signer.verifier_key() + "\n")
    started = time.perf_counter()
    report = verifier.verify_export(folder, trusted_keys=[signer.verifier_key()])
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    strict = verifier.verify_export(folder, trusted_keys=[signer.verifier_key()], strict=True)
    strict_seconds = time.perf_counter() - started
    # Baseline: an auditor checking each entry with its own inclusion proof (RFC 9162
    # 2.1.3.2) against the checkpoint, timed over a sample and given per entry.
    tree = merkle.MemoryTree(leaves)
    root = builder.root()
    sample = range(0, size, max(1, size // 20_000))
    started = time.perf_counter()
    naive_ok = all(
        verifier.verify_inclusion(i, size, leaves[i], tree.inclusion(i), root) for i in sample
    )
    naive_rate = len(sample) / (time.perf_counter() - started)
    return {
        "entries": size,
        "verify_seconds": round(seconds, 2),
        "entries_per_s": round(size / seconds),
        "strict_json_verify_seconds": round(strict_seconds, 2),
        "ok": report.ok and strict.ok and naive_ok,
        "naive_per_entry_inclusion_entries_per_s": round(naive_rate),
        "ratio_vs_per_entry_inclusion": round(size / seconds / naive_rate, 1),
    }


def _database_verify(plane: ControlPlane, settings: Settings) -> dict[str, Any]:
    """``caldicott log verify`` against the database: entries, tree nodes, head, checkpoint."""
    with plane.session() as s:
        create_checkpoint(s, settings)
    started = time.perf_counter()
    with plane.session() as s:
        report = verify_database(s, settings)
    seconds = time.perf_counter() - started
    return {
        "entries": report.size,
        "seconds": round(seconds, 2),
        "entries_per_s": round(report.size / seconds),
        "ok": report.ok,
    }


def _postgres(total: int, naive: int, samples: int) -> dict[str, Any]:
    name = f"caldicott_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: report why instead of a figure
        return {"skipped": f"PostgreSQL unavailable ({type(exc).__name__})"}
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        plane = ControlPlane(url)
        plane.upgrade()
        out: dict[str, Any] = _appends(plane, total, naive)
        out["proofs"] = _proofs(plane, samples)
        plane.dispose()
        return out
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(quick: bool) -> dict[str, Any]:
    total = 20_000 if quick else 200_000
    naive = 200 if quick else 1_000
    samples = 200 if quick else 2_000
    verify_size = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        plane = ControlPlane(f"sqlite:///{Path(tmp) / 'control.db'}")
        plane.upgrade()
        sqlite = _appends(plane, total, naive)
        sqlite["proofs"] = _proofs(plane, samples)
        sqlite["database_verify"] = _database_verify(plane, Settings(home=Path(tmp) / "dbhome"))
        plane.dispose()
        verification = _verification(Path(tmp) / "export", verify_size)
    return {
        "sqlite": sqlite,
        "postgresql": _postgres(total // 4, naive, samples),
        "verification": verification,
        "bars": {
            "sqlite_appends_per_s_at_least_10000": sqlite["batched_appends_per_s"] >= 10_000,
            "proof_under_1_ms": sqlite["proofs"]["proof_ms"] < 1.0,
            "verify_1m_under_10_s": verification["verify_seconds"] < 10
            and verification["entries"] >= 1_000_000,
        },
        "peer": "Tessera publishes about 2,900 entries/s on a 12-core POSIX VM",
    }
