"""The transparency log on SQLite and PostgreSQL: appends, proofs, checkpoints, tampering."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, text, update

from caldicott.errors import IntegrityError, InvalidArgument
from caldicott.settings import Settings, load_settings
from caldicott.store.control import ControlPlane
from caldicott.transparency import (
    CONSENT_CHANGE,
    KEY_OPERATION,
    Event,
    append,
    append_many,
    merkle,
    verifier,
)
from caldicott.transparency.checkpoint import create_checkpoint, verifier_keys
from caldicott.transparency.integrity import verify_database, verify_or_raise
from caldicott.transparency.log import (
    consistency_proof,
    entry_bytes,
    inclusion_proof,
    root_at,
    tree_head,
)
from caldicott.transparency.tables import LogEntry

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings() -> Settings:
    return load_settings()


def _fill(control: ControlPlane, n: int) -> None:
    with control.session() as s:
        append_many(
            s, [Event(KEY_OPERATION, "custodian", {"op": "rotate", "n": i}, AT) for i in range(n)]
        )


def test_appends_get_contiguous_indexes_and_match_a_memory_tree(control: ControlPlane) -> None:
    with control.session() as s:
        assert append(s, CONSENT_CHANGE, "portal", {"purpose": "research"}, AT) == 0
        assert append_many(s, [Event(KEY_OPERATION, "custodian", {"i": i}) for i in range(20)]) == (
            list(range(1, 21))
        )
    with control.session() as s:
        size, root = tree_head(s)
        leaves = [merkle.leaf_hash(entry_bytes(s, i)) for i in range(size)]
        tree = merkle.MemoryTree(leaves)
        assert size == 21 and root == tree.root() == root_at(s)
        for i in range(size):
            assert inclusion_proof(s, i) == tree.inclusion(i)
        for old in range(size + 1):
            assert consistency_proof(s, old) == tree.consistency(old)
            assert root_at(s, old) == tree.root(old)


def test_rolled_back_appends_leave_no_trace(control: ControlPlane) -> None:
    _fill(control, 3)
    with pytest.raises(RuntimeError), control.session() as s:
        append(s, KEY_OPERATION, "custodian", {"op": "x"})
        raise RuntimeError("caller fails")
    with control.session() as s:
        assert append(s, KEY_OPERATION, "custodian", {"op": "y"}) == 3
    with control.session() as s:
        assert tree_head(s)[0] == 4


def test_concurrent_appenders_never_share_or_skip_an_index(control: ControlPlane) -> None:
    errors: list[BaseException] = []

    def worker(w: int) -> None:
        try:
            for i in range(10):
                with control.session() as s:
                    append_many(
                        s, [Event(KEY_OPERATION, f"w{w}", {"i": i, "j": j}) for j in range(3)]
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with control.session() as s:
        idx = list(s.scalars(select(LogEntry.idx).order_by(LogEntry.idx)))
        assert idx == list(range(120))
        assert verifier.check_entry(entry_bytes(s, 119), 119) is None


def test_payload_with_an_nhs_number_is_refused(control: ControlPlane) -> None:
    with pytest.raises(InvalidArgument) as err, control.session() as s:
        append(s, CONSENT_CHANGE, "portal", {"patient": "943 476 5919"})
    assert "943" not in err.value.message


def test_checkpoint_proofs_verify_and_signature_checks(
    control: ControlPlane, settings: Settings
) -> None:
    _fill(control, 13)
    with control.session() as s:
        first = create_checkpoint(s, settings)
    _fill(control, 9)
    with control.session() as s:
        second = create_checkpoint(s, settings, label="audit")
        keys = [verifier.parse_verifier_key(k) for k in verifier_keys(settings)]
        cp = verifier.parse_checkpoint(second.note)
        assert (cp.size, cp.root) == (22, root_at(s))
        assert verifier.signed_by(cp, keys) == [cp.origin]
        for i in (0, 7, 21):
            leaf = merkle.leaf_hash(entry_bytes(s, i))
            assert verifier.verify_inclusion(i, 22, leaf, inclusion_proof(s, i, 22), cp.root)
        proof = consistency_proof(s, first.size, second.size)
        assert verifier.verify_consistency(13, 22, first.root, second.root, proof)
        assert verify_or_raise(s, settings)["ok"] is True
    forged = second.note.replace("\n22\n", "\n23\n")
    assert verifier.signed_by(verifier.parse_checkpoint(forged), keys) == []


def _tamper_and_verify(control: ControlPlane, settings: Settings, sql: list[str]) -> int | None:
    with control.engine.begin() as conn:
        for stmt in sql:
            conn.execute(text(stmt))
    with control.session() as s, pytest.raises(IntegrityError) as err:
        verify_or_raise(s, settings)
    assert err.value.kind.exit_code == 10
    first = err.value.detail["first_failing_index"]
    assert f"first failing entry index {first}" in err.value.message
    return first  # type: ignore[no-any-return]


@pytest.fixture
def signed_log(control: ControlPlane, settings: Settings) -> ControlPlane:
    _fill(control, 10)
    with control.session() as s:
        create_checkpoint(s, settings)
        assert verify_database(s, settings).ok
    return control


def test_changed_entry_is_detected(signed_log: ControlPlane, settings: Settings) -> None:
    with signed_log.session() as s:
        raw = entry_bytes(s, 4).replace(b'"rotate"', b'"create"')
        s.execute(update(LogEntry).where(LogEntry.idx == 4).values(entry=raw))
    with signed_log.session() as s:
        report = verify_database(s, settings)
    assert not report.ok and report.first_failing_index == 4


def test_changed_entry_with_recomputed_leaf_is_detected(
    signed_log: ControlPlane, settings: Settings
) -> None:
    with signed_log.session() as s:
        raw = entry_bytes(s, 6).replace(b'"rotate"', b'"create"')
        s.execute(
            update(LogEntry)
            .where(LogEntry.idx == 6)
            .values(entry=raw, leaf_hash=merkle.leaf_hash(raw))
        )
    with signed_log.session() as s:
        report = verify_database(s, settings)
    assert not report.ok and report.first_failing_index == 6


def test_deleted_entry_is_detected(signed_log: ControlPlane, settings: Settings) -> None:
    first = _tamper_and_verify(
        signed_log, settings, ["DELETE FROM transparency_entry WHERE idx = 3"]
    )
    assert first == 3


def test_deleted_last_entry_is_detected(signed_log: ControlPlane, settings: Settings) -> None:
    with signed_log.session() as s:
        s.execute(delete(LogEntry).where(LogEntry.idx == 9))
    assert _tamper_and_verify(signed_log, settings, []) == 9


def test_reordered_entries_are_detected(signed_log: ControlPlane, settings: Settings) -> None:
    sql = [
        "UPDATE transparency_entry SET idx = 100 WHERE idx = 2",
        "UPDATE transparency_entry SET idx = 2 WHERE idx = 5",
        "UPDATE transparency_entry SET idx = 5 WHERE idx = 100",
    ]
    assert _tamper_and_verify(signed_log, settings, sql) == 2


def test_inserted_entry_is_detected(signed_log: ControlPlane, settings: Settings) -> None:
    # Shift entries 5.. up by one and put a well-formed forged entry at 5.
    from caldicott.transparency.entries import encode

    forged = encode(5, KEY_OPERATION, "intruder", {"op": "nothing"}, AT)
    sql = [
        "UPDATE transparency_entry SET idx = idx + 1000 WHERE idx >= 5",
        "UPDATE transparency_entry SET idx = idx - 999 WHERE idx >= 1000",
    ]
    with signed_log.engine.begin() as conn:
        for stmt in sql:
            conn.execute(text(stmt))
        conn.execute(
            LogEntry.__table__.insert().values(
                idx=5,
                leaf_hash=merkle.leaf_hash(forged),
                entry=forged,
                kind=KEY_OPERATION,
                created_at=AT,
            )
        )
    assert _tamper_and_verify(signed_log, settings, []) == 5


def test_proofs_beyond_the_log_are_refused(control: ControlPlane) -> None:
    _fill(control, 5)
    with control.session() as s:
        with pytest.raises(InvalidArgument):
            inclusion_proof(s, 5, 6)
        with pytest.raises(InvalidArgument):
            consistency_proof(s, 2, 6)
        with pytest.raises(InvalidArgument):
            root_at(s, 9)
        with pytest.raises(InvalidArgument):
            consistency_proof(s, 4, 3)
        assert inclusion_proof(s, 0, 1) == []
        assert consistency_proof(s, 0, 0) == [] and root_at(s, 0) == merkle.EMPTY_ROOT


def test_tampered_tree_nodes_and_head_are_detected(
    signed_log: ControlPlane, settings: Settings
) -> None:
    with signed_log.engine.begin() as conn:
        conn.execute(
            text("UPDATE transparency_node SET hash = :h WHERE level = 1 AND idx = 2"),
            {"h": b"\x00" * 32},
        )
    with signed_log.session() as s:
        report = verify_database(s, settings)
    assert not report.ok and "level 1, index 2" in report.problems[0]
    with signed_log.engine.begin() as conn:
        conn.execute(text("DELETE FROM transparency_node WHERE level = 1 AND idx = 2"))
    with signed_log.session() as s:
        report = verify_database(s, settings)
    assert not report.ok and "nodes" in report.problems[0]


def test_tampered_head_is_detected(signed_log: ControlPlane, settings: Settings) -> None:
    with signed_log.engine.begin() as conn:
        conn.execute(text("UPDATE transparency_head SET edge = :e"), {"e": b"\x01" * 64})
    with signed_log.session() as s:
        report = verify_database(s, settings)
    assert not report.ok and "head" in report.problems[0]
