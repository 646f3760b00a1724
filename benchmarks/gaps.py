"""Benchmark: `qurb gaps --territory "Fès-Meknès"` (issue figure: under 2 s).

Measures, in one run, on a fresh copy of the national database:
  1. the CLI end to end (a new Python process, imports, query, ranking, table), all norms;
  2. the gap service in-process for the national-ratio norm set (ESSP per 12,300);
  3. the peer: the same ESSP gap per commune as one hand-written SQL query through the
     standard-library sqlite3 module — the floor for this computation on this database.
Prints the medians and the ratio of (2) to (3), and checks that both give the same gaps.

Run:  .venv/bin/python benchmarks/gaps.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from qurb.app.dataset import init_database
from qurb.norms.norm_sets import resolve_norm_sets
from qurb.norms.service import compute_territory_gaps
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.registry.model import categories

REGION = "Fès-Meknès"
ESSP_PER = 12_300

PEER_SQL = """
SELECT t.code, t.population_2024, COUNT(f.id)
  FROM territories t
  LEFT JOIN facilities f
    ON f.commune_code = t.code AND f.status = 'open' AND f.sector = 'public'
   AND f.category IN ({categories})
 WHERE t.level = 'commune' AND t.code LIKE '03.%'
 GROUP BY t.code, t.population_2024
"""


def median_seconds(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "qurb.sqlite"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        init_database(engine)
        qurb = Path(sys.executable).with_name("qurb")

        def cli() -> None:
            subprocess.run(
                [str(qurb), "gaps", "-t", REGION, "--db", url], check=True, capture_output=True
            )

        essp_rule = resolve_norm_sets(["maroc-ratios-2023"])
        factory = make_sessionmaker(engine)

        def ours() -> dict[str, int]:
            with factory() as session:
                report = compute_territory_gaps(session, REGION, essp_rule)
            return {g.code: g.missing or 0 for g in report.lines if g.rule == "essp-per-12300"}

        rule = essp_rule[0].rules[0]
        counted = [c for c in categories() if rule.counts(c)]
        query = PEER_SQL.format(categories=", ".join(f"'{c}'" for c in counted))

        def peer() -> dict[str, int]:
            with sqlite3.connect(path) as connection:
                rows = connection.execute(query).fetchall()
            return {
                code: max(0, math.ceil(population / ESSP_PER - supply - 1e-9))
                for code, population, supply in rows
            }

        assert ours() == peer(), "the service and the SQL peer disagree"
        cli_s = median_seconds(cli, args.repeat)
        ours_s = median_seconds(ours, args.repeat)
        peer_s = median_seconds(peer, args.repeat)
        print(
            f"qurb gaps -t {REGION} (CLI, all norm sets, end to end): {cli_s:.3f} s "
            f"(target < 2 s: {'met' if cli_s < 2 else 'NOT met'})"
        )
        print(f"gap service, ESSP per 12,300 by commune (in-process):   {ours_s * 1000:.1f} ms")
        print(f"peer: one SQL query via sqlite3 (stdlib), same gaps:      {peer_s * 1000:.1f} ms")
        print(f"ratio service / peer: {ours_s / peer_s:.1f}x (same result: yes)")


if __name__ == "__main__":
    main()
