"""Benchmark: how fast the command line starts (issue figures: `qurb --help` within 1.0×
and `qurb gaps -t Fès-Meknès` within 2× the time of `python -c "import fastapi"`).

Measures, in one run, the wall time of a new process for each of:
  1. `qurb --help` (lists every command from its declaration: no feature imported);
  2. `qurb gaps -t Fès-Meknès` on a fresh copy of the national database (all norm sets,
     194 communes, table; the lines of Moulay Yacoub, a province without a hospital,
     name the nearest general hospital by the commune-graph model);
  3. for comparison, no target: the same gaps on a first run, its cache folder empty (the
     commune graph's edges built, then kept: `qurb.territory.graph_store`); the later
     runs of (2) load them, as every run after the first does;
  4. for comparison, no target: the same gaps without the norm set that has bed lines
     (`-n maroc-rural-1987 -n who-emonc-2009`): no unit to find a hospital for, so no
     travel-time model (NumPy, SciPy) is loaded;
  5. the peer: `python -c "import fastapi"`, the same interpreter.
The four are run in turn, one of each per round, so that the load of a shared machine
falls on all alike; one round first warms the caches and is not counted. Prints the
median and worst of each and the ratio of the medians to the peer's.

Run:  .venv/bin/python benchmarks/startup.py [--repeat 10] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from qurb.app.dataset import init_database
from qurb.platform.database import make_engine

REGION = "Fès-Meknès"
WITHOUT_BEDS = ("-n", "maroc-rural-1987", "-n", "who-emonc-2009")
TARGETS = {"qurb --help": 1.0, f"qurb gaps -t {REGION}": 2.0}
PEER = 'python -c "import fastapi"'


FIRST_RUN = "  the same, first run (no cache)"


def timed(command: Sequence[str], cache: str) -> float:
    """Wall time of a new process running `command` with `cache` as its cache folder."""
    start = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "160", "QURB_CACHE_DIR": cache},
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--db", help="Database URL (default: a fresh national database).")
    args = parser.parse_args()
    qurb = str(Path(sys.executable).with_name("qurb"))
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'qurb.sqlite'}"
        if args.db is None:
            engine = make_engine(url)
            init_database(engine)
            engine.dispose()
        commands = {
            PEER: [sys.executable, "-c", "import fastapi"],
            "qurb --help": [qurb, "--help"],
            f"qurb gaps -t {REGION}": [qurb, "gaps", "-t", REGION, "--db", url],
            FIRST_RUN: [qurb, "gaps", "-t", REGION, "--db", url],
            "  the same, no bed lines": [qurb, "gaps", "-t", REGION, *WITHOUT_BEDS, "--db", url],
        }
        kept = str(Path(folder) / "cache")  # filled by the warm-up round
        for label, command in commands.items():  # warm-up: bytecode and file caches
            timed(command, tempfile.mkdtemp(dir=folder) if label == FIRST_RUN else kept)
        runs: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.repeat):
            for label, command in commands.items():
                cache = tempfile.mkdtemp(dir=folder) if label == FIRST_RUN else kept
                runs[label].append(timed(command, cache))
    peer = statistics.median(runs[PEER])
    print(
        f"start-up of a new process, {args.repeat} runs each, in turn (load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    for label, times in runs.items():
        median = statistics.median(times)
        line = f"  {label:<30} median {1000 * median:7.1f} ms  worst {1000 * max(times):7.1f} ms"
        if label != PEER:
            ratio = median / peer
            line += f"  ratio {ratio:4.2f}×"
            if label in TARGETS:
                verdict = "met" if ratio <= TARGETS[label] else "not met"
                line += f" (target {TARGETS[label]:.1f}×: {verdict})"
        print(line)
    print(f"peer: {PEER}, the same interpreter")


if __name__ == "__main__":
    main()
