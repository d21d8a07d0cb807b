"""Run the benchmarks and write their figures as JSON.

Each ``benchmarks/bench_<name>.py`` exposes ``run(quick: bool) -> dict``. The dict holds
the figures (throughputs, latencies, memory) and at least one ``ratio`` against a baseline
or peer measured in the same run. Figures go to ``benchmarks/results/<name>.json`` with the
machine they ran on. Usage: ``python -m benchmarks.run [NAME ...] [--quick]``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {available()})")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    names = args.names or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    RESULTS.mkdir(exist_ok=True)
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        started = time.perf_counter()
        figures = module.run(quick=args.quick)
        doc = {
            "benchmark": name,
            "quick": args.quick,
            "seconds": round(time.perf_counter() - started, 3),
            "machine": machine(),
            "figures": figures,
        }
        out = RESULTS / f"{name}.json"
        out.write_text(json.dumps(doc, indent=2, default=str) + "\n")
        sys.stdout.write(f"{name}: {json.dumps(figures, default=str)}\n-> {out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
