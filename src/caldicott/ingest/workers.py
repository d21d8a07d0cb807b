"""Examining records in worker processes, in order, with bounded memory.

The loader reads files in its own process (gzip, oversized lines spilled to disk) as
blocks of whole lines (:func:`.sources.read_blocks`) and hands each block, one bytes
object, to a worker process that splits, parses and validates its records
(:func:`.examine.examine_block`) and sends back what it found as columns. The loader
keeps the block to take the accepted records' bytes from it, so nothing crosses the
process boundary a record at a time. Results come back in the order the blocks were read,
so accounting, batches and kill-and-resume behave exactly as with no workers. Blocks in
flight are bounded by :data:`IN_FLIGHT_BYTES` (and at least two per worker are allowed),
so memory stays bounded whatever the input.

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
from caldicott.ingest.examine import Findings, examine_block
from caldicott.ingest.sources import Block, RawRecord

log = get_logger(__name__)

#: With ``ingest_workers = 0`` (automatic), loads smaller than this run in one process:
#: starting workers costs about a second, more than they save on a small load.
AUTO_MIN_BYTES = 24 * 1024 * 1024
#: Most worker processes the automatic setting starts. Two keep a load under 2 GiB (the
#: loader peaks near 1.1 GiB with DuckDB's 512 MB cap, a worker near 240 MiB: 1.6 GiB at
#: 100,000 patients), and with the loader they already keep two cores busy (the loader
#: ~11 µs of CPU a record, each worker ~12.5 µs): a third would only share them.
AUTO_MAX_WORKERS = 2
#: Bytes of blocks handed to workers and not yet taken back. While the loader waits for
#: a batch's write to finish it takes no findings; a window this wide keeps the workers
#: busy meanwhile instead of idle after their next two blocks (a load of 100,000
#: patients left a core idle a fifth of the time with two per worker).
IN_FLIGHT_BYTES = 48 * 1024 * 1024

#: A block with its findings, or a record refused as read (with None).
Item = tuple[Block, Findings] | tuple[RawRecord, None]


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


def examined(items: Iterable[Block | RawRecord], workers: int) -> Iterator[Item]:
    """Each block with its findings, and each record refused as read with None, in order."""
    if workers <= 1:
        for item in items:
            if isinstance(item, Block):
                yield item, examine_block(item)
            else:
                yield item, None
        return
    pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_watch_parent,
        initargs=(os.getpid(),),
    )
    # each block in flight with its findings to come (None: examine it here), or a
    # record refused as read waiting its turn, with its bytes
    inflight: deque[tuple[Block | RawRecord, Future[Findings] | None, int]] = deque()
    held = 0  # bytes in flight

    def submit(item: Block | RawRecord) -> None:
        nonlocal pool, held
        size = item.size if isinstance(item, Block) else len(item.data)
        held += size
        if pool is not None and isinstance(item, Block):
            try:
                inflight.append((item, pool.submit(examine_block, item), size))
                return
            except BrokenProcessPool:
                _broken(pool)
                pool = None
        inflight.append((item, None, size))

    def take() -> Item:
        nonlocal pool, held
        item, future, size = inflight.popleft()
        held -= size
        if isinstance(item, RawRecord):
            return item, None
        if future is not None:
            try:
                return item, future.result()
            except BrokenProcessPool:
                if pool is not None:
                    _broken(pool)
                    pool = None
        return item, examine_block(item)

    try:
        for item in items:
            submit(item)
            while len(inflight) >= 2 * workers and held >= IN_FLIGHT_BYTES:
                yield take()
        while inflight:
            yield take()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _broken(pool: ProcessPoolExecutor) -> None:
    log.warning("an ingest worker process stopped; examining the rest in this process")
    pool.shutdown(wait=False, cancel_futures=True)
