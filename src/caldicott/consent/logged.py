"""Consent changes reach the transparency log in the transaction that records them.

Every write to the registry (``consent set``, opt-out and FHIR imports) runs inside
:func:`recording`: when the block succeeds, the changes it added are appended to the
transparency log, as a category and a keyed hash of the patient (never the NHS number),
before the transaction commits. The log's consent cursor is taken first, so concurrent
consent writers queue behind one another and none can be skipped. If the block or the
log append fails, neither the choice nor the log entry is kept: a change that is not in
the log did not happen.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from caldicott.store.control import ControlPlane
from caldicott.transparency.entries import patient_hasher
from caldicott.transparency.wiring import hold_consent_cursor, log_consent_changes


@contextmanager
def recording(control: ControlPlane, keys_dir: Path) -> Iterator[Session]:
    """A control-plane transaction for consent writes, logged before it commits."""
    hasher = patient_hasher(keys_dir)
    with control.session() as session:
        hold_consent_cursor(session)
        yield session
        log_consent_changes(session, hasher)
