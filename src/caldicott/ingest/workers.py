"""Examining records in worker processes, in order, with bounded memory.

The loader reads records in its own process (files, gzip, oversized lines spilled to
disk) and hands their bytes, a chunk at a time, to worker processes that parse and
validate them (:func:`.examine.examine_many`). Results come back in the order the records
were read, so accounting, batches and kill-and-resume behave exactly as with no workers.
Chunks in flight are bounded by :data:`IN_FLIGHT_BYTES` (and at least two per worker are
allowed), so memory stays bounded whatever the input.

Workers are started with ``spawn`` (never ``fork``: the loader holds an open DuckDB
connection and its threads). If a worker dies (the machine ran out of memory, say), the
chunks not yet examined are examined in this process instead: slower, nothing lost. If
the loader dies (killed mid-load), each worker notices within half a second and exits.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from caldicott.applog import get_logger
from caldicott.ingest.examine import Examined, examine, examine_many, from_wire
from caldicott.ingest.sources import RawRecord

log = get_logger(__name__)

#: A chunk closes at this many records or this many bytes, whichever comes first.
CHUNK_RECORDS = 1_000
CHUNK_BYTES = 2 * 1024 * 1024
#: With ``ingest_workers = 0`` (automatic), loads smaller than this run in one process:
#: starting workers costs about a second, more than they save on a small load.
AUTO_MIN_BYTES = 24 * 1024 * 1024
#: Most worker processes the automatic setting starts. Two keep a load under 2 GiB (the
#: loader peaks near 1.3 GiB with DuckDB's 768 MB cap, a worker near 240 MiB: 1.8 GiB at
#: 100,000 patients) and lose nothing: two workers examine a record every ~28 µs, faster
#: than the loader takes one (~38 µs), so a third would wait. Raise it with the loader.
AUTO_MAX_WORKERS = 2
#: Bytes of records handed to workers and not yet taken back. While the loader writes a
#: batch (about a second every 50,000 records) it takes no findings; a window this wide
#: keeps the workers busy through the write instead of idle after their next two chunks
#: (a load of 100,000 patients left a core idle a fifth of the time with two per worker).
IN_FLIGHT_BYTES = 48 * 1024 * 1024

Item = tuple[RawRecord, Examined | None]


def worker_count(setting: int, input_bytes: int) -> int:
    """Worker processes for a load: the setting, or (0) one per core for a large load."""
    if setting > 0:
        return setting
    if input_bytes < AUTO_MIN_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, AUTO_MAX_WORKERS))


#: How often a worker checks that the loader that started it is still there.
WATCH_SECONDS = 0.5


def _watch_parent(parent: int) -> None:
    """In a worker: exit as soon as the loader process is gone (it was killed, say)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="caldicott-parent-watch", daemon=True).start()


def _chunks(records: Iterable[RawRecord]) -> Iterator[list[RawRecord]]:
    chunk: list[RawRecord] = []
    size = 0
    for raw in records:
        chunk.append(raw)
        size += len(raw.data)
        if len(chunk) >= CHUNK_RECORDS or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _pair(chunk: list[RawRecord], found: list[Examined]) -> Iterator[Item]:
    it = iter(found)
    for raw in chunk:
        yield raw, (None if raw.problem is not None else next(it))


def _inline(chunk: list[RawRecord]) -> list[Examined]:
    return [examine(r.data) for r in chunk if r.problem is None]


def examined(records: Iterable[RawRecord], workers: int) -> Iterator[Item]:
    """Each record with what examining it found (None for a record refused as read)."""
    if workers <= 1:
        for raw in records:
            yield raw, (None if raw.problem is not None else examine(raw.data))
        return
    pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_watch_parent,
        initargs=(os.getpid(),),
    )
    # each chunk in flight with its findings to come (None: examine it here) and its bytes
    inflight: deque[tuple[list[RawRecord], Future[bytes] | None, int]] = deque()
    held = 0  # bytes of the chunks in flight

    def submit(chunk: list[RawRecord]) -> None:
        nonlocal pool, held
        datas = [r.data for r in chunk if r.problem is None]
        size = sum(len(d) for d in datas)
        held += size
        if pool is not None:
            try:
                inflight.append((chunk, pool.submit(examine_many, datas), size))
                return
            except BrokenProcessPool:
                _broken(pool)
                pool = None
        inflight.append((chunk, None, size))

    def take() -> Iterator[Item]:
        nonlocal pool, held
        chunk, future, size = inflight.popleft()
        held -= size
        found: list[Examined] | None = None
        if future is not None:
            try:
                found = from_wire(future.result())
            except BrokenProcessPool:
                if pool is not None:
                    _broken(pool)
                    pool = None
        yield from _pair(chunk, found if found is not None else _inline(chunk))

    try:
        for chunk in _chunks(records):
            submit(chunk)
            while len(inflight) >= 2 * workers and held >= IN_FLIGHT_BYTES:
                yield from take()
        while inflight:
            yield from take()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _broken(pool: ProcessPoolExecutor) -> None:
    log.warning("an ingest worker process stopped; examining the rest in this process")
    pool.shutdown(wait=False, cancel_futures=True)
