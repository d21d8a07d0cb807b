"""The whole flow through the CLI for the three example applications, on both backends."""

import csv
import io
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from tests.governance_setup import (
    ADMIN,
    ANALYST,
    COMMERCIAL,
    CUSTODIAN,
    EXAMPLES,
    MARKETER,
    MARKETING,
    PANEL,
    RESEARCH,
    RESEARCHER,
    SUPPLIER,
)

from caldicott.store.control import ControlPlane
from caldicott.transparency.tables import LogEntry


@pytest.fixture
def run(cli, control_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CALDICOTT_DATABASE_URL", control_url)

    def call(*args: str, code: int = 0) -> Any:
        result = cli(*args, "--json")
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return result.json()

    return call


def cast(run: Any) -> None:
    run("org", "add", "RX1", "--name", "Northshire Teaching Hospitals", "--kind", "nhs")
    run("people", "add", ADMIN, "--name", "Alex Admin", "--org", "RX1", "--role", "administrator")
    admin = ("--as", ADMIN)
    for code, name, kind in (
        ("UNI-YORK", "University of York", "academic"),
        ("KIDNEYAI", "KidneyAI Ltd", "commercial"),
        ("ADCO", "AdCo Marketing Ltd", "commercial"),
    ):
        run("org", "add", code, "--name", name, "--kind", kind, *admin)
    for email, org, role in (
        (CUSTODIAN, "RX1", "custodian"),
        (PANEL[0], "RX1", "panel-member"),
        (PANEL[1], "RX1", "panel-member"),
        (RESEARCHER, "UNI-YORK", "researcher"),
        (ANALYST, "UNI-YORK", "researcher"),
        (SUPPLIER, "KIDNEYAI", "supplier"),
        (MARKETER, "ADCO", "supplier"),
    ):
        run("people", "add", email, "--name", email, "--org", org, "--role", role, *admin)
    for email in (RESEARCHER, ANALYST, SUPPLIER, MARKETER):
        run("people", "train", email, "--completed", "2026-06-01", *admin)


@pytest.mark.slow
def test_three_applications_through_the_cli(run: Any, tmp_path: Path) -> None:
    cast(run)
    # 1. research: approved and active
    assert run("agreement", "create", str(RESEARCH), "--as", RESEARCHER)["agreement"] == "DUA-0001"
    submitted = run("agreement", "submit", "DUA-0001", "--as", RESEARCHER)
    assert submitted["state"] == "panel-review" and submitted["findings"] == []
    lay = run("agreement", "show", "DUA-0001", "--lay")
    assert lay["purpose"]["code"] == "research" and lay["opt_outs_apply"] is True
    run("agreement", "review", "vote", "DUA-0001", "--vote", "support", "--as", PANEL[0])
    decided = run(
        "agreement", "decide", "DUA-0001", "--approve", "--reason", "supported",
        "--as", CUSTODIAN,
    )  # fmt: skip
    assert decided["state"] == "approved"
    active = run("agreement", "activate", "DUA-0001", "--as", RESEARCHER)
    assert active["state"] == "active" and active["ends_on"]

    # 2. commercial: a concern answered, approved with conditions
    run("agreement", "create", str(COMMERCIAL), "--as", SUPPLIER)
    assert run("agreement", "submit", "DUA-0002", "--as", SUPPLIER)["state"] == "panel-review"
    run("agreement", "review", "vote", "DUA-0002", "--vote", "support", "--as", PANEL[0])
    concern = run(
        "agreement", "review", "concern", "DUA-0002", "--text", "Can they sell it on?",
        "--as", PANEL[1],
    )["concern"]  # fmt: skip
    early = run(
        "agreement", "decide", "DUA-0002", "--approve", "--reason", "x", "--as", CUSTODIAN, code=5
    )
    assert f"#{concern}" in early["error"]["detail"]
    run("agreement", "review", "answer", str(concern), "--text", "No.", "--as", CUSTODIAN)
    decided = run(
        "agreement", "decide", "DUA-0002", "--approve", "--reason", "fair benefit sharing",
        "--condition", "No onward sharing", "--condition", "Publish the evaluation",
        "--as", CUSTODIAN,
    )  # fmt: skip
    assert decided["conditions"] == ["No onward sharing", "Publish the evaluation"]
    run("agreement", "activate", "DUA-0002", "--as", SUPPLIER)
    record = run("agreement", "review", "record", "DUA-0002")
    assert record["concerns"][0]["answer"] == "No." and record["outcome"] == "supported"

    # 3. marketing: refused automatically
    run("agreement", "create", str(MARKETING), "--as", MARKETER)
    refused = run("agreement", "submit", "DUA-0003", "--as", MARKETER)
    assert refused["state"] == "rejected"
    assert [f["code"] for f in refused["findings"]] == ["purpose-refused"]

    listed = run("agreement", "list", "--as", CUSTODIAN)["agreements"]
    assert [(a["agreement"], a["state"]) for a in listed] == [
        ("DUA-0001", "active"),
        ("DUA-0002", "active"),
        ("DUA-0003", "rejected"),
    ]
    full = run("agreement", "show", "DUA-0003", "--as", CUSTODIAN)
    assert full["transitions"][-1]["actor"] == "system"

    # the register: the two approved agreements, never the refused one
    out = tmp_path / "register.csv"
    summary = run("register", "export", "--format", "csv", "--out", str(out))
    assert summary["agreements"] == 2
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["agreement"] for r in rows] == ["DUA-0001", "DUA-0002"]
    assert rows[1]["commercial"] == "true" and rows[1]["benefit_sharing"]
    assert rows[1]["conditions"] == "No onward sharing | Publish the evaluation"
    as_json = run("register", "export", "--format", "json")
    assert [a["agreement"] for a in as_json["agreements"]] == ["DUA-0001", "DUA-0002"]
    assert as_json["agreements"][0]["releases"] == []

    # every transition of every agreement is an entry in the transparency log, in order
    transitions = [
        (t["from"], t["to"])
        for ref in ("DUA-0001", "DUA-0002", "DUA-0003")
        for t in run("agreement", "show", ref, "--as", CUSTODIAN)["transitions"]
    ]
    plane = ControlPlane(os.environ["CALDICOTT_DATABASE_URL"])
    with plane.session() as s:
        entries = [
            orjson.loads(e) for e in s.scalars(select(LogEntry.entry).order_by(LogEntry.idx))
        ]
    plane.dispose()
    logged = [
        (e["payload"]["from"], e["payload"]["to"])
        for e in entries
        if e["kind"] == "agreement.transition"
    ]
    assert sorted(logged) == sorted(transitions) and len(logged) >= 12
    assert run("log", "verify")["size"] == len(entries)


@pytest.mark.slow
def test_cli_refusals_have_exit_codes_and_reasons(run: Any) -> None:
    cast(run)
    run("agreement", "create", str(RESEARCH), "--as", RESEARCHER)
    denied = run("agreement", "create", str(RESEARCH), "--as", CUSTODIAN, code=6)
    assert "agreement.create" in denied["error"]["detail"]
    run("agreement", "decide", "DUA-0001", "--approve", "--reason", "r", "--as", PANEL[0], code=6)
    run("agreement", "decide", "DUA-0001", "--approve", "--reason", "r", "--as", CUSTODIAN, code=5)
    run("agreement", "show", "DUA-0001", code=2)
    run("agreement", "show", "DUA-0009", "--lay", code=4)
    run("people", "list", "--as", RESEARCHER, code=6)
    assert len(run("people", "list", "--as", CUSTODIAN)["people"]) == 8
    me = run("people", "show", RESEARCHER, "--as", RESEARCHER)
    assert me["missing_training"] == [] or me["missing_training"] == ["data-security-awareness"]
    bad = run(
        "agreement",
        "create",
        str(EXAMPLES / "failing" / "bad-shape.yaml"),
        "--as",
        RESEARCHER,
        code=9,
    )
    assert "lay_summary: is required" in bad["error"]["extra"]["errors"]
