"""Data-quality reports, per load and for the whole warehouse (principle D4).

Four dimensions a custodian reads at a glance:

- **completeness**: share of current resources of each type that carry each key field;
- **validity**: records accepted and quarantined per type, and the reasons;
- **plausibility**: warnings (dates that cannot both be true, values out of range);
- **timeliness**: days between the event a resource records and the load that brought it.

Figures are counts and percentages only; no patient value enters a report.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa
from sqlalchemy import or_, select

from caldicott.errors import NotFound
from caldicott.ingest.tables import IngestLoad, QuarantineRecord
from caldicott.ingest.validate.plausibility import EVENT_DATES
from caldicott.store.control import ControlPlane
from caldicott.store.warehouse import DuckDBWarehouse, table_name

#: An Observation's value, whichever of its forms (value[x]).
_VALUE_FORMS = (
    "Quantity",
    "CodeableConcept",
    "String",
    "Boolean",
    "Integer",
    "Range",
    "Ratio",
    "SampledData",
    "Time",
    "DateTime",
    "Period",
)
#: Key fields per type: label -> JSON paths, any of which holding something counts (a
#: choice element lists its forms; a path through ``[*]`` counts when it finds any item;
#: ``identifier|SYSTEM`` is an identifier of that system with a value).
KEY_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "Patient": {
        "NHS number": ("identifier|https://fhir.nhs.uk/Id/nhs-number",),
        "name": ("$.name[*].family", "$.name[*].given", "$.name[*].text"),
        "gender": ("$.gender",),
        "birth date": ("$.birthDate",),
        "address": (
            "$.address[*].line",
            "$.address[*].postalCode",
            "$.address[*].city",
            "$.address[*].text",
        ),
        "registered GP": ("$.generalPractitioner",),
    },
    "Encounter": {
        "class": ("$.class",),
        "type": ("$.type",),
        "subject": ("$.subject",),
        "period": ("$.period",),
        "service provider": ("$.serviceProvider",),
    },
    "Condition": {
        "code": ("$.code",),
        "clinical status": ("$.clinicalStatus",),
        "onset": ("$.onsetDateTime", "$.onsetPeriod", "$.onsetAge", "$.onsetString"),
        "recorded date": ("$.recordedDate",),
    },
    "Observation": {
        "code": ("$.code",),
        "subject": ("$.subject",),
        "effective": ("$.effectiveDateTime", "$.effectivePeriod", "$.effectiveInstant"),
        # a panel (blood pressure) holds its values in its components
        "value": tuple(f"$.value{f}" for f in _VALUE_FORMS)
        + tuple(f"$.component[*].value{f}" for f in _VALUE_FORMS),
        "unit": ("$.valueQuantity.code", "$.component[*].valueQuantity.code"),
    },
    "MedicationRequest": {
        "medication": ("$.medicationCodeableConcept", "$.medicationReference"),
        "authored on": ("$.authoredOn",),
        "dosage": ("$.dosageInstruction",),
    },
    "MedicationStatement": {
        "medication": ("$.medicationCodeableConcept", "$.medicationReference"),
        "effective": ("$.effectiveDateTime", "$.effectivePeriod"),
    },
    "Immunization": {"vaccine": ("$.vaccineCode",), "occurrence": ("$.occurrenceDateTime",)},
    "Procedure": {
        "code": ("$.code",),
        "performed": ("$.performedDateTime", "$.performedPeriod"),
    },
    "AllergyIntolerance": {
        "code": ("$.code",),
        "clinical status": ("$.clinicalStatus",),
        "criticality": ("$.criticality",),
    },
    "DocumentReference": {"type": ("$.type",), "date": ("$.date",), "subject": ("$.subject",)},
    "Consent": {"patient": ("$.patient",), "provision": ("$.provision",)},
}
#: Fields whose share is of the resources holding something else, not of all: a unit is
#: asked of a quantity, not of a coded or text value.
AMONG: dict[tuple[str, str], tuple[str, ...]] = {
    ("Observation", "unit"): ("$.valueQuantity", "$.component[*].valueQuantity"),
}


def _holds(paths: tuple[str, ...]) -> tuple[str, list[str]]:
    """SQL true where any of ``paths`` holds something (see KEY_FIELDS), and its values."""
    tests, params = [], []
    for path in paths:
        if path.startswith("identifier|"):
            tests.append(
                "len(list_filter(json_extract(resource, '$.identifier[*]'), lambda i: "
                "json_extract_string(i, '$.system') = ? "
                "AND coalesce(json_extract_string(i, '$.value'), '') <> '')) > 0"
            )
            params.append(path.split("|", 1)[1])
        elif "[*]" in path:
            tests.append("len(json_extract(resource, ?)) > 0")
            params.append(path)
        else:
            tests.append("json_extract(resource, ?) IS NOT NULL")
            params.append(path)
    return "(" + " OR ".join(tests) + ")", params


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def completeness(
    warehouse: DuckDBWarehouse, load_id: str | None = None
) -> dict[str, dict[str, Any]]:
    """Per type: how many current resources, and the share holding each key field."""
    out: dict[str, dict[str, Any]] = {}
    for rtype in warehouse.resource_types():
        fields = KEY_FIELDS.get(rtype, {})
        exprs: list[str] = []
        params: list[str] = []
        for label, paths in fields.items():
            test, values = _holds(paths)
            among = AMONG.get((rtype, label))
            if among is None:  # of every resource: the count of all is the whole
                exprs.extend([f"count(*) FILTER (WHERE {test})", "count(*)"])
                params.extend(values)
            else:
                within, within_values = _holds(among)
                exprs.append(f"count(*) FILTER (WHERE {test} AND {within})")
                exprs.append(f"count(*) FILTER (WHERE {within})")
                params.extend([*values, *within_values, *within_values])
        select_list = ", ".join(["count(*)", *exprs])
        where = ""
        if load_id is not None:
            where = " WHERE load_id = ?"
            params.append(load_id)
        sql = f'SELECT {select_list} FROM "{table_name(rtype)}"{where}'  # noqa: S608 - validated
        (row,) = warehouse.conn.execute(sql, params).fetchall()  # an aggregate: one row
        total = int(row[0])
        if load_id is not None and total == 0:
            continue
        shares = row[1:]  # per field: how many hold it, of how many asked
        out[rtype] = {
            "resources": total,
            # a field asked of none (a unit where no value is a quantity) is left out: 0%
            # would say every one lacks it
            "fields": {
                label: _pct(int(shares[2 * i]), int(shares[2 * i + 1]))
                for i, label in enumerate(fields)
                if shares[2 * i + 1]
            },
        }
    return out


def timeliness(
    warehouse: DuckDBWarehouse, loads: dict[str, datetime], load_id: str | None = None
) -> dict[str, dict[str, Any]]:
    """Per type: median and 90th-percentile days from the event to its load, newest event."""
    if not loads:
        return {}
    lt = pa.table(
        {"load_id": list(loads), "loaded": [d.astimezone(UTC).date() for d in loads.values()]}
    )
    warehouse.conn.register("_loads", lt)
    out: dict[str, dict[str, Any]] = {}
    try:
        for rtype in warehouse.resource_types():
            paths = [f"$.{p}" for p in EVENT_DATES.get(rtype, ())]
            if not paths:
                continue
            texts = ", ".join(
                f"json_extract_string(t.resource, ?) AS d{i}" for i in range(len(paths))
            )
            # the first path that gives a day; a partial date (2020, 2020-03) its first
            event = "coalesce(" + ", ".join(_day(f"d{i}") for i in range(len(paths))) + ")"
            where = " WHERE t.load_id = ?" if load_id else ""
            sql = (
                f"SELECT median(date_diff('day', e, loaded)), "  # noqa: S608 - validated name
                f"quantile_disc(date_diff('day', e, loaded), 0.9), max(e), count(e) FROM "
                f"(SELECT {event} AS e, loaded FROM (SELECT {texts}, l.loaded "
                f'FROM "{table_name(rtype)}" t JOIN _loads l USING (load_id){where}))'
            )
            params: list[Any] = [*paths, *([load_id] if load_id else [])]
            found = warehouse.conn.execute(sql, params).fetchall()
            row = found[0] if found else None
            if row and row[3]:
                out[rtype] = {
                    "median_days_to_load": None if row[0] is None else float(row[0]),
                    "p90_days_to_load": None if row[1] is None else int(row[1]),
                    "newest_event": row[2].isoformat() if row[2] else None,
                    "dated_resources": int(row[3]),
                }
    finally:
        warehouse.conn.unregister("_loads")
    return out


def _day(text: str) -> str:
    """SQL for the day of a FHIR date or dateTime in column ``text``: a partial date's
    first day (``2020`` is 2020-01-01); NULL if it is none."""
    return (
        f"try_cast(CASE length({text}) WHEN 4 THEN {text} || '-01-01' "
        f"WHEN 7 THEN {text} || '-01' ELSE left({text}, 10) END AS DATE)"
    )


TOTALS = ("read", "accepted", "quarantined", "warnings")


def _readings(loads: list[IngestLoad], *, whole: bool) -> list[dict[str, Any]]:
    """The readings a report adds up: counts with breakdowns by type, reason and warning.

    For one load (``whole``), the load's own. For the warehouse, each file's reading in
    the latest load that read it, so that loading the same files again counts them once;
    a load summarised before files had breakdowns counts as one reading of its own.
    """
    latest: dict[str, dict[str, Any]] = {}
    for load in sorted(loads, key=lambda item: item.started_at):
        summary = orjson.loads(load.summary) if load.summary else {}
        if whole:
            latest[load.id] = summary
            continue
        files = summary.get("files", [])
        if not all("types" in f for f in files):
            latest[f"load {load.id}"] = summary
            continue
        for f in files:
            if f.get("status") != "skipped":
                latest[str(f["path"])] = f
    return list(latest.values())


def report(
    control: ControlPlane, warehouse: DuckDBWarehouse, load_id: str | None = None
) -> dict[str, Any]:
    """The data-quality report for one load, or for the whole warehouse."""
    with control.session() as s:
        if load_id is not None and s.get(IngestLoad, load_id) is None:
            raise NotFound(f"no load {load_id}")
        query = select(IngestLoad)
        if load_id is not None:
            query = query.where(IngestLoad.id == load_id)
        every = list(s.scalars(query))
        # a load being run has no figures yet; one killed before it ended never will
        loads = [x for x in every if x.status != "running" or load_id is not None]
        # killed before it ended, and not run again since: a later load that ended (the
        # same command run again, as the HTML asks) read its files
        ended = [x.started_at for x in loads if x.summary]
        unfinished = sum(
            1 for x in loads if not x.summary and not any(t > x.started_at for t in ended)
        )
        of_load = [
            or_(QuarantineRecord.load_id == load_id, QuarantineRecord.last_load_id == load_id)
        ]
        open_q = Counter(
            s.execute(
                select(QuarantineRecord.resource_type, QuarantineRecord.reason_code).where(
                    QuarantineRecord.status == "open", *(of_load if load_id else [])
                )
            ).all()
        )
    types: dict[str, Counter[str]] = {}
    warnings: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for reading in _readings(loads, whole=load_id is not None):
        for rtype, c in reading.get("types", {}).items():
            types.setdefault(rtype, Counter()).update(c)
        warnings.update(reading.get("warning_codes", {}))
        reasons.update(reading.get("reasons", {}))
        totals.update({k: int(reading.get(k, 0)) for k in TOTALS})
    validity = {
        rtype: {
            **dict(c),
            "valid_percent": _pct(c["accepted"], c["read"]),
        }
        for rtype, c in sorted(types.items())
    }
    quarantine_open: dict[str, int] = {}
    for (rtype, code), n in open_q.items():
        key = f"{rtype or '(unparsed)'}/{code}"
        quarantine_open[key] = quarantine_open.get(key, 0) + n
    started = {load.id: load.started_at for load in every}  # the warehouse holds them all
    return {
        "scope": "load" if load_id else "warehouse",
        "load_id": load_id,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "loads": len(loads),
        "unfinished_loads": unfinished,
        "totals": {k: totals[k] for k in TOTALS},
        "completeness": completeness(warehouse, load_id),
        "validity": validity,
        "quarantine_reasons": dict(reasons.most_common()),
        "quarantine_open": dict(sorted(quarantine_open.items())),
        "plausibility": dict(warnings.most_common()),
        "timeliness": timeliness(warehouse, started, load_id),
    }
