"""Consent snapshots: every patient's decision for one purpose at one time, as a table.

A snapshot is an Arrow table ``(nhs_number, decision, reason)`` that a data engine joins
inside its query (DuckDB queries a registered Arrow table directly). It is computed
set-wise in SQL, never by calling ``decide()`` per patient, and agrees with ``decide()``
for every patient (a property test checks this).

Who is in it: everyone with a recorded choice, plus the NHS numbers passed in (normally
every patient in the warehouse), so that patients with no choice get their default
``permit`` row. Join on ``decision = 'permit'``: a patient with a ``deny`` row, or with no
row at all, drops out of the query. Each snapshot has an id and a SHA-256 content hash over
a canonical serialisation, recorded in the control plane for release manifests.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from caldicott.consent.decide import check_time
from caldicott.consent.purposes import Purpose, vocabulary
from caldicott.consent.tables import ConsentChoice, ConsentSnapshot
from caldicott.errors import InvalidArgument
from caldicott.fhir.nhs_number import NHS_NUMBER_SYSTEM

FORMAT = "caldicott-consent-snapshot/1"
SQL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
ROW_SCHEMA = pa.schema(
    [
        ("nhs_number", pa.string()),
        ("kind", pa.string()),
        ("scope_type", pa.string()),
        ("scope", pa.string()),
        ("value", pa.string()),
        ("effective_from", pa.timestamp("us", tz="UTC")),
        ("recorded_at", pa.timestamp("us", tz="UTC")),
        ("id", pa.int64()),
    ]
)

#: The decision of docs/consent.md as one SQL CASE over per-patient flags (the same
#: precedence as caldicott.consent.decide; a property test holds them together).
_DECIDE_SQL = """
WITH known AS (
    SELECT * FROM choice_rows
    WHERE recorded_at <= $at AND effective_from <= $at
      AND (kind IN ('national-opt-out', 'type1-opt-out')
           OR (scope_type = 'purpose' AND scope = $purpose)
           OR (scope_type = 'agreement' AND scope = $agreement))
),
latest AS (
    SELECT nhs_number, kind, scope_type, value,
           row_number() OVER (PARTITION BY nhs_number, kind, scope_type, scope
                              ORDER BY effective_from DESC, recorded_at DESC, id DESC) AS rn
    FROM known
),
flags AS (
    SELECT nhs_number,
        bool_or(kind = 'explicit-dissent' AND scope_type = 'agreement') AS agreement_dissent,
        bool_or(kind = 'explicit-consent' AND scope_type = 'agreement') AS agreement_consent,
        bool_or(kind = 'explicit-dissent' AND scope_type = 'purpose') AS purpose_dissent,
        bool_or(kind = 'explicit-consent' AND scope_type = 'purpose') AS purpose_consent,
        bool_or(kind = 'type1-opt-out') AS type1,
        bool_or(kind = 'national-opt-out') AS national
    FROM latest WHERE rn = 1 AND value = 'set'
    GROUP BY nhs_number
),
everyone AS (
    SELECT DISTINCT nhs_number FROM choice_rows WHERE recorded_at <= $at
    UNION SELECT nhs_number FROM patient_numbers
),
decided AS (
    SELECT e.nhs_number,
        CASE
            WHEN $refused THEN 'refused-purpose'
            WHEN $lawful THEN 'lawful-override'
            WHEN $explicit AND f.agreement_dissent THEN 'agreement-dissent'
            WHEN $explicit AND f.agreement_consent THEN 'agreement-consent'
            WHEN $explicit AND f.purpose_dissent THEN 'purpose-dissent'
            WHEN $explicit AND f.purpose_consent THEN 'purpose-consent'
            WHEN $type1 AND f.type1 THEN 'type1-opt-out'
            WHEN $national AND f.national THEN 'national-opt-out'
            ELSE 'default-permit'
        END AS reason
    FROM everyone e LEFT JOIN flags f USING (nhs_number)
)
SELECT nhs_number,
    CASE WHEN reason IN ('lawful-override', 'agreement-consent', 'purpose-consent',
                         'default-permit') THEN 'permit' ELSE 'deny' END AS decision,
    reason
FROM decided
ORDER BY nhs_number
"""


@dataclass(frozen=True)
class Snapshot:
    """A computed snapshot and what identifies it."""

    id: str
    purpose: str
    agreement: str | None
    at: datetime
    anonymised: bool
    vocabulary_version: str
    table: pa.Table
    content_hash: str

    @property
    def permit_count(self) -> int:
        return int(pc.sum(pc.equal(self.table["decision"], "permit")).as_py() or 0)

    def summary(self) -> dict[str, Any]:
        rows = self.table.num_rows
        permits = self.permit_count
        return {
            "snapshot_id": self.id,
            "purpose": self.purpose,
            "agreement": self.agreement,
            "at": self.at.isoformat(),
            "anonymised": self.anonymised,
            "vocabulary_version": self.vocabulary_version,
            "rows": rows,
            "permit": permits,
            "deny": rows - permits,
            "content_hash": self.content_hash,
        }


def choice_rows(session: Session, at: datetime) -> pa.Table:
    """Every choice version recorded by ``at``, as an Arrow table (read column-wise)."""
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    times = [ConsentChoice.effective_from, ConsentChoice.recorded_at]
    # SQLite keeps UTC timestamps as ISO text: let Arrow parse them all at once.
    time_cols = [type_coerce(c, String()) for c in times] if sqlite else times
    stmt = select(
        ConsentChoice.nhs_number,
        ConsentChoice.kind,
        ConsentChoice.scope_type,
        ConsentChoice.scope,
        ConsentChoice.value,
        *time_cols,
        ConsentChoice.id,
    ).where(ConsentChoice.recorded_at <= at)
    rows = conn.execute(stmt).all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in ROW_SCHEMA.names]
    arrays = []
    for field, values in zip(ROW_SCHEMA, columns, strict=True):
        if sqlite and pa.types.is_timestamp(field.type):
            arrays.append(pa.array(values, pa.string()).cast(pa.timestamp("us")).cast(field.type))
        else:
            arrays.append(pa.array(values, field.type))
    return pa.Table.from_arrays(arrays, schema=ROW_SCHEMA)


def compute(
    rows: pa.Table,
    purpose: Purpose | str,
    *,
    agreement: str | None = None,
    at: datetime,
    anonymised: bool = False,
    patients: pa.Array | Iterable[str] | None = None,
) -> pa.Table:
    """The snapshot table for choice rows (see :data:`ROW_SCHEMA`) and patient numbers."""
    p = vocabulary().get(purpose) if isinstance(purpose, str) else purpose
    numbers = _patient_array(patients)
    conn = duckdb.connect()
    try:
        conn.register("choice_rows", rows)
        conn.register("patient_numbers", pa.table({"nhs_number": numbers}))
        params = {
            "at": at,
            "purpose": p.code,
            "agreement": agreement or "",
            "refused": p.refused,
            "lawful": p.lawful_override,
            "explicit": p.explicit_choice,
            "type1": p.type1_opt_out,
            "national": p.national_opt_out and not anonymised,
        }
        if agreement is None:
            params["agreement"] = "\x00no agreement\x00"
        table = _arrow(conn.sql(_DECIDE_SQL, params=params))
    finally:
        conn.close()
    return table.cast(
        pa.schema([("nhs_number", pa.string()), ("decision", pa.string()), ("reason", pa.string())])
    )


def _patient_array(patients: pa.Array | Iterable[str] | None) -> pa.Array:
    if patients is None:
        return pa.array([], pa.string())
    if isinstance(patients, pa.ChunkedArray):
        patients = patients.combine_chunks()
    arr = patients if isinstance(patients, pa.Array) else pa.array(list(patients), pa.string())
    # The warehouse may hold the display form (spaces); the snapshot holds digits only.
    return pc.replace_substring(pc.drop_null(arr.cast(pa.string())), " ", "")


def _arrow(result: duckdb.DuckDBPyRelation) -> pa.Table:
    table = result.to_arrow_table()
    if table is None:  # pragma: no cover - a SELECT always yields a table
        raise RuntimeError("DuckDB returned no result table")
    return table


def canonical_hash(table: pa.Table, header: str) -> str:
    """SHA-256 over the header, then one ``nhs_number TAB decision TAB reason`` line a row."""
    digest = hashlib.sha256(header.encode())
    if table.num_rows:
        cells = pc.binary_join_element_wise(
            table["nhs_number"], table["decision"], table["reason"], "\t"
        )
        lines = pc.binary_join_element_wise(cells, "", "\n").cast(pa.large_string())
        for chunk in lines.chunks:
            if len(chunk) == 0:
                continue
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
            start, end = offsets[chunk.offset], offsets[chunk.offset + len(chunk)]
            digest.update(memoryview(chunk.buffers()[2])[start:end])
    return digest.hexdigest()


def take_snapshot(
    session: Session,
    purpose: str,
    *,
    agreement: str | None = None,
    at: datetime | None = None,
    anonymised: bool = False,
    patients: pa.Array | Iterable[str] | None = None,
) -> Snapshot:
    """Compute a snapshot from the registry and record its id and hash in the control plane."""
    vocab = vocabulary()
    p = vocab.get(purpose)
    when = check_time(at)
    table = compute(
        choice_rows(session, when),
        p,
        agreement=agreement,
        at=when,
        anonymised=anonymised,
        patients=patients,
    )
    header = (
        f"{FORMAT}\npurpose={p.code}\nagreement={agreement or ''}\nat={when.isoformat()}\n"
        f"anonymised={str(anonymised).lower()}\nvocabulary={vocab.version}\n"
    )
    snap = Snapshot(
        id=str(uuid.uuid4()),
        purpose=p.code,
        agreement=agreement,
        at=when,
        anonymised=anonymised,
        vocabulary_version=vocab.version,
        table=table,
        content_hash=canonical_hash(table, header),
    )
    permits = snap.permit_count
    session.add(
        ConsentSnapshot(
            id=snap.id,
            purpose=p.code,
            agreement=agreement,
            anonymised=anonymised,
            as_at=when,
            created_at=datetime.now(UTC),
            vocabulary_version=vocab.version,
            row_count=table.num_rows,
            permit_count=permits,
            deny_count=table.num_rows - permits,
            content_hash=snap.content_hash,
        )
    )
    return snap


#: The NHS number of a warehouse Patient (``fhir_Patient.resource``), in DuckDB SQL.
PATIENT_NHS_NUMBER_SQL = (
    "replace(list_filter(from_json(json_extract(resource, '$.identifier'), "
    '\'[{"system": "VARCHAR", "value": "VARCHAR"}]\'), '
    f"lambda i: i.system = '{NHS_NUMBER_SYSTEM}')[1].value, ' ', '')"
)


def register(conn: duckdb.DuckDBPyConnection, snapshot: Snapshot, name: str) -> str:
    """Make the snapshot queryable in DuckDB under ``name`` (validated); returns the name."""
    if not SQL_NAME.fullmatch(name):
        raise InvalidArgument(f"not a plain SQL name: {name!r}")
    conn.register(name, snapshot.table)
    return name


def warehouse_patient_numbers(conn: duckdb.DuckDBPyConnection) -> pa.Array:
    """The NHS numbers of every Patient in a DuckDB warehouse (empty if none loaded)."""
    tables = {
        r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    if "fhir_Patient" not in tables:
        return pa.array([], pa.string())
    sql = f'SELECT {PATIENT_NHS_NUMBER_SQL} AS n FROM "fhir_Patient"'  # noqa: S608 - constant
    table = _arrow(conn.sql(sql))
    return pc.drop_null(table["n"]).combine_chunks()
