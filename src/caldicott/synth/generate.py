"""Synthesise a population chunk by chunk and write it (the ``caldicott synth`` capability)."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from caldicott import __version__
from caldicott.consent.purposes import vocabulary
from caldicott.synth import figures as fig
from caldicott.synth.choices import consent_records, make_opt_outs
from caldicott.synth.conditions import make_conditions
from caldicott.synth.config import SynthConfig
from caldicott.synth.dates import day_number, iso
from caldicott.synth.defects import DefectPlanner
from caldicott.synth.demographics import make_people
from caldicott.synth.encounters import encounter_records, make_encounters
from caldicott.synth.interventions import (
    allergy_records,
    immunisation_records,
    make_procedures,
    procedure_records,
)
from caldicott.synth.measures import CURRENT, make_measures
from caldicott.synth.medications import medication_records
from caldicott.synth.notes import note_records
from caldicott.synth.observations import observation_records
from caldicott.synth.outcome import make_outcome
from caldicott.synth.patients import condition_records, patient_records
from caldicott.synth.writer import (
    NATIONAL_OPT_OUTS,
    OUTCOMES,
    RESOURCE_TYPES,
    TYPE1_OPT_OUTS,
    ExportWriter,
)

GENERATOR_VERSION = "1.0"


@dataclass
class SynthResult:
    """What a run made: counts per file and a few population figures."""

    out: str
    patients: int
    seed: int
    files: dict[str, dict[str, int]]
    deaths: int = 0
    national_opt_outs: int = 0
    type1_opt_outs: int = 0
    cardiovascular_events: int = 0
    defects: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def resources(self) -> int:
        return sum(v["lines"] for k, v in self.files.items() if k.endswith(".ndjson"))

    @property
    def bytes(self) -> int:
        return sum(v["bytes"] for v in self.files.values())

    def document(self) -> dict[str, Any]:
        return {
            "out": self.out,
            "patients": self.patients,
            "seed": self.seed,
            "resources": self.resources,
            "bytes": self.bytes,
            "deaths": self.deaths,
            "national_opt_outs": self.national_opt_outs,
            "type1_opt_outs": self.type1_opt_outs,
            "cardiovascular_events": self.cardiovascular_events,
            "defects": self.defects,
            "seconds": round(self.seconds, 3),
            "files": self.files,
        }


def build_chunk(cfg: SynthConfig, first: int, last: int, serialise: bool = True) -> dict[str, Any]:
    """Every record of patients ``first .. last-1``, by resource type and side file.

    Records come serialised (``lines``: orjson bytes per type), or as dicts (``records``)
    when ``serialise`` is false.
    """
    seed, start, end = cfg.seed, day_number(cfg.start), day_number(cfg.end)
    index = np.arange(first, last, dtype=np.int64)
    people = make_people(seed, index, start, end)
    cond = make_conditions(seed, people, end)
    m = make_measures(seed, people, cond)
    outcome = make_outcome(seed, people, cond, m, end)  # may move deaths after events
    procs = make_procedures(seed, people, cond, outcome, end)
    enc = make_encounters(seed, people, cond, outcome, (procs[0], procs[1]), end)
    ref = [f"Patient/{i}" for i in people.ids]
    epos = np.nonzero(outcome.event)[0].astype(np.int64)
    events = (epos, outcome.event_day[epos], outcome.event_kind[epos])
    records: dict[str, list[dict[str, Any]]] = {
        "Patient": patient_records(people, end),
        "Encounter": encounter_records(people, enc, ref),
        "Condition": condition_records(seed, people, cond, enc, ref, events),
        "Observation": observation_records(seed, people, cond, m, enc, ref),
        "MedicationRequest": medication_records(seed, people, cond, outcome, enc, ref, end),
        "Immunization": immunisation_records(seed, people, cond, start, end, ref),
        "Procedure": procedure_records(seed, people, enc, procs, ref),
        "AllergyIntolerance": allergy_records(seed, people, end, ref),
        "DocumentReference": note_records(seed, people, cond, enc, ref),
        "Consent": consent_records(seed, people, end, ref),
    }
    opt = make_opt_outs(seed, people, end)
    nhs = people.nhs
    ok = np.nonzero(outcome.eligible)[0]
    base_dates, event_dates = iso(people.baseline[ok]), iso(np.maximum(outcome.event_day[ok], 0))
    outcomes = [
        (
            people.ids[p],
            base_dates[n],
            f"{m.age[p]:.2f}",
            "female" if people.female[p] else "male",
            int(m.sbp[p]),
            f"{m.chol_ratio[p]:.1f}",
            int(m.smoking[p] == CURRENT),
            int(m.diabetes[p]),
            fig.ETHNIC_CODES[int(people.ethnic[p])],
            int(people.quintile[p]),
            f"{outcome.lp[p]:.6f}",
            f"{outcome.horizon[p]:.4f}",
            f"{outcome.risk[p]:.6f}",
            int(outcome.event[p]),
            event_dates[n] if outcome.event[p] else "",
        )
        for n, p in enumerate(ok.tolist())
    ]
    dumps = orjson.dumps
    return {
        "lines": {t: [dumps(r) for r in recs] for t, recs in records.items()} if serialise else {},
        "records": {} if serialise else records,
        NATIONAL_OPT_OUTS: [(nhs[i],) for i in np.nonzero(opt.national)[0].tolist()],
        TYPE1_OPT_OUTS: [(nhs[i],) for i in np.nonzero(opt.type1)[0].tolist()],
        OUTCOMES: outcomes,
        "patients": people.size,
        "deaths": int((people.death >= 0).sum()),
        "events": int(outcome.event.sum()),
    }


def _chunks(cfg: SynthConfig) -> list[tuple[int, int]]:
    return [
        (first, min(first + cfg.chunk_size, cfg.patients))
        for first in range(0, cfg.patients, cfg.chunk_size)
    ]


def _chunk_results(cfg: SynthConfig, workers: int) -> Iterator[dict[str, Any]]:
    """Chunk results in patient order; with workers, at most 2 per worker in flight."""
    spans = _chunks(cfg)
    if workers <= 1 or len(spans) < 2:
        for first, last in spans:
            yield build_chunk(cfg, first, last)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[dict[str, Any]]] = deque()
        todo = iter(spans)
        for first, last in itertools.islice(todo, 2 * workers):
            pending.append(pool.submit(build_chunk, cfg, first, last))
        while pending:
            result = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(build_chunk, cfg, *nxt))
            yield result


def default_workers() -> int:
    """Worker processes used by default: one per CPU, at most four."""
    return max(1, min(os.cpu_count() or 1, 4))


def synthesise(
    cfg: SynthConfig, progress: Callable[[int], None] | None = None, workers: int = 1
) -> SynthResult:
    """Generate the population described by ``cfg`` into ``cfg.out``.

    ``workers`` > 1 builds chunks in that many processes; the output is the same.
    """
    started = time.perf_counter()
    writer = ExportWriter(cfg.out, DefectPlanner(cfg.seed, float(cfg.invalid_rate), cfg.patients))
    deaths = events = 0
    try:
        for chunk in _chunk_results(cfg, workers):
            for t in RESOURCE_TYPES:
                writer.write_resources(t, chunk["lines"][t])
            for name in (NATIONAL_OPT_OUTS, TYPE1_OPT_OUTS, OUTCOMES):
                writer.write_rows(name, chunk[name])
            deaths += chunk["deaths"]
            events += chunk["events"]
            if progress is not None:
                progress(chunk["patients"])
    except BaseException:
        writer.abort()
        raise
    manifest = {
        "generator": "caldicott synth",
        "generator_version": GENERATOR_VERSION,
        "caldicott_version": __version__,
        "seed": cfg.seed,
        "arguments": {
            "patients": cfg.patients,
            "start_date": cfg.start.isoformat(),
            "end_date": cfg.end.isoformat(),
            "invalid_rate": float(cfg.invalid_rate),
        },
        "transactionTime": f"{cfg.end.isoformat()}T23:59:59Z",
        "requiresAccessToken": False,
        "purpose_vocabulary_version": vocabulary().version,
        "summary": {"deaths": deaths, "cardiovascular_events": events},
    }
    files = writer.close(manifest)
    return SynthResult(
        out=str(cfg.out),
        patients=cfg.patients,
        seed=cfg.seed,
        files=files,
        deaths=deaths,
        national_opt_outs=writer.rows[NATIONAL_OPT_OUTS],
        type1_opt_outs=writer.rows[TYPE1_OPT_OUTS],
        cardiovascular_events=events,
        defects=writer.defects,
        seconds=time.perf_counter() - started,
    )
