"""Benchmark: a province's completeness table and a region's indicator layer on five years
of periodic reports (issue 20's figure: under 300 ms at p95 on SQLite and PostgreSQL),
against a peer measured in the same run: one hand-written SQL query of the same
aggregates.

The reports are SYNTHETIC (seeded, seed 20): every open ESSP of the bundled registry
(DR, CSR-1, CSR-2, CSU-1, CSU-2) sends five years of monthly mother-and-child and chronic
reports (60 months) and of weekly notifiable-disease reports (260 weeks), 95 % of the
expected reports coming in; a monthly report carries 6 or 8 cells, a weekly one 3 (most
diseases are reported as nothing). They are written straight into the report tables of a
copy of the bundled database (`qurb db init` on a fresh SQLite file, and on PostgreSQL
when a URL is given: use a disposable database, its tables are made again).

Measured, each call a new session, the territory index built once as the server keeps it:
- completeness: `watch.completeness.compute_completeness` of a province (mother-child, the
  last month); its peer counts expected, received and on time per commune in one query;
- layer: `watch.figures.compute_indicator` of a region per commune (ANC1 coverage, the
  last month: reports, census births estimate, completeness); its peer sums ANC1 and
  counts the reports per commune in one query (no census).
Calls alternate between the measured and its peer; one round warms up. Prints p50 and p95
in ms of each.

Run:  .venv/bin/python benchmarks/watch_figures.py [--calls 40]
          [--postgres postgresql+psycopg://user:pass@host/db]
          [--sqlite-file /tmp/bench.sqlite] [--reuse]
(`--sqlite-file` keeps SQLite's database in that file rather than a temporary one;
`--reuse` keeps the reports an earlier run wrote, in that file and on PostgreSQL.)
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.dataset import init_database
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.registry._tables import FacilityRow
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex
from qurb.watch._tables import ReportRow, ReportValueRow
from qurb.watch.completeness import compute_completeness
from qurb.watch.figures import compute_indicator

ESSP = ("DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2")
REGION, PROVINCE = "03", "03.531"  # Fès-Meknès; Taounate
LAST_MONTH = "2026-10"
MONTHS = [f"{y}-{m:02d}" for y in range(2021, 2027) for m in range(1, 13)][10:70]  # 2021-11…2026-10
WEEKS = [
    "{}W{}".format(*(date(2021, 11, 1) + timedelta(weeks=i)).isocalendar()[:2]) for i in range(260)
]
MOTHER = [(e, "") for e in ("anc1", "anc4", "deliveries", "postnatal")]
MOTHER += [("under5_seen", "f"), ("under5_seen", "m")]
CHRONIC = [
    (e, s) for e in ("htn_registered", "htn_seen", "dm_registered", "dm_seen") for s in ("f", "m")
]
DISEASES = ("measles", "tuberculosis", "malaria", "meningitis", "viral_hepatitis", "typhoid")
CHUNK = 20_000


def _flush(session: Session, table: type, rows: list[dict[str, object]]) -> None:
    if rows:
        session.execute(insert(table), rows)
        rows.clear()


def seed(factory: sessionmaker[Session]) -> tuple[int, int]:
    """The synthetic reports; (reports, cells) written."""
    rng = random.Random(20)
    at = datetime(2026, 11, 3, 9, tzinfo=UTC)
    with factory() as session:
        ids = list(
            session.scalars(
                select(FacilityRow.id).where(
                    FacilityRow.category.in_(ESSP), FacilityRow.status == "open"
                )
            )
        )
        session.execute(text("DELETE FROM watch_report_values"))
        session.execute(text("DELETE FROM watch_reports"))
        reports: list[dict[str, object]] = []
        cells: list[dict[str, object]] = []
        next_id = 1
        plan = [("mother-child", p, MOTHER) for p in MONTHS]
        plan += [("chronic", p, CHRONIC) for p in MONTHS]
        plan += [("mdo", p, None) for p in WEEKS]
        for dataset, period, shape in plan:
            for facility in ids:
                if rng.random() < 0.05:
                    continue  # silent
                reports.append(
                    {"id": next_id, "dataset_id": dataset, "dataset_version": "2026.1",
                     "facility_id": facility, "period": period, "revision": 1, "current": True,
                     "status": "submitted", "received_at": at, "submitted_at": at,
                     "submitted_by": "synthetic", "version": 1}
                )  # fmt: skip
                chosen = shape or [(d, "f|15+") for d in rng.sample(DISEASES, 3)]
                for element, disaggregation in chosen:
                    value = rng.randint(0, 3) if shape is None else rng.randint(0, 60)
                    cells.append(
                        {"report_id": next_id, "element": element,
                         "disaggregation": disaggregation, "value": value}
                    )  # fmt: skip
                next_id += 1
                if len(cells) >= CHUNK:
                    _flush(session, ReportRow, reports)
                    _flush(session, ReportValueRow, cells)
        _flush(session, ReportRow, reports)
        _flush(session, ReportValueRow, cells)
        session.commit()
        total = session.scalar(text("SELECT count(*) FROM watch_report_values"))
    return next_id - 1, int(total or 0)


PEER_COMPLETENESS = text(
    """
    SELECT f.commune_code, count(*) AS expected, count(r.id) AS received,
           sum(CASE WHEN r.received_at <= :due THEN 1 ELSE 0 END) AS on_time
    FROM facilities f
    LEFT JOIN watch_reports r ON r.facility_id = f.id AND r.dataset_id = :dataset
         AND r.period = :period AND r.current
    WHERE f.commune_code IN :communes AND f.category IN :categories
      AND (f.status = 'open' OR r.id IS NOT NULL) AND f.sector = 'public'
    GROUP BY f.commune_code
    """
)
PEER_LAYER = text(
    """
    SELECT f.commune_code, count(DISTINCT r.id) AS received, sum(v.value) AS anc1
    FROM watch_reports r
    JOIN facilities f ON f.id = r.facility_id
    LEFT JOIN watch_report_values v ON v.report_id = r.id AND v.element = 'anc1'
    WHERE r.dataset_id = :dataset AND r.period = :period AND r.current
      AND f.commune_code IN :communes
    GROUP BY f.commune_code
    """
)


def _ms(factory: sessionmaker[Session], call: Callable[[Session], object]) -> float:
    begin = time.perf_counter()
    with factory() as session:
        call(session)
    return (time.perf_counter() - begin) * 1000


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def measure(label: str, engine: Engine, calls: int, reuse: bool = False) -> None:
    begin = time.perf_counter()
    init_database(engine)
    factory = make_sessionmaker(engine)
    loaded = time.perf_counter() - begin
    begin = time.perf_counter()
    with factory() as session:
        there = session.scalar(text("SELECT count(*) FROM watch_reports")) or 0
        kept = session.scalar(text("SELECT count(*) FROM watch_report_values")) or 0
    reports, cells = (there, kept) if reuse and there else seed(factory)
    with engine.connect() as connection:  # the planner's statistics, as autovacuum keeps them
        connection.execute(text("ANALYZE"))
        connection.commit()
    seeded = time.perf_counter() - begin
    print(
        f"{label}: dataset {loaded:.0f} s; {reports:,} synthetic reports, "
        f"{cells:,} cells in {seeded:.0f} s"
    )
    with factory() as session:
        index = TerritoryIndex.from_session(session)
    province_communes = tuple(c.code for c in index.communes_within(index.by_code[PROVINCE]))
    region_communes = tuple(c.code for c in index.communes_within(index.by_code[REGION]))
    from sqlalchemy import bindparam

    peer_c = PEER_COMPLETENESS.bindparams(
        bindparam("communes", expanding=True), bindparam("categories", expanding=True)
    )
    peer_l = PEER_LAYER.bindparams(bindparam("communes", expanding=True))
    categories = ("DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2", "HPr", "HP", "HR")
    due = datetime(2026, 11, 5, 23, 59, tzinfo=UTC)
    completeness_args = {
        "dataset": "mother-child",
        "period": LAST_MONTH,
        "due": due,
        "communes": province_communes,
        "categories": categories,
    }
    layer_args = {"dataset": "mother-child", "period": LAST_MONTH, "communes": region_communes}

    def completeness(s: Session) -> object:
        return compute_completeness(s, PROVINCE, "mother-child", LAST_MONTH, index)

    def layer(s: Session) -> object:
        level = TerritoryLevel.COMMUNE
        return compute_indicator(s, REGION, "anc1_coverage", LAST_MONTH, level, index=index)

    pairs = {
        "province completeness": (
            completeness,
            lambda s: s.execute(peer_c, completeness_args).all(),
        ),
        "region indicator layer": (layer, lambda s: s.execute(peer_l, layer_args).all()),
    }
    for name, (ours, peer) in pairs.items():
        _ms(factory, ours), _ms(factory, peer)  # warm-up
        times: dict[str, list[float]] = {"qurb": [], "peer": []}
        for i in range(calls):
            order = (("qurb", ours), ("peer", peer)) if i % 2 else (("peer", peer), ("qurb", ours))
            for who, call in order:
                times[who].append(_ms(factory, call))
        q, p = times["qurb"], times["peer"]
        print(
            f"  {name}: qurb p50 {_p(q, 50):.0f} ms, p95 {_p(q, 95):.0f} ms; "
            f"peer SQL p50 {_p(p, 50):.1f} ms, p95 {_p(p, 95):.1f} ms ({calls} calls each)"
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--postgres", help="a disposable PostgreSQL database's URL")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--sqlite-file", type=Path, help="keep SQLite's database in this file")
    parser.add_argument("--reuse", action="store_true", help="keep the reports of an earlier run")
    args = parser.parse_args()
    if not args.skip_sqlite and args.sqlite_file:
        engine = make_engine(f"sqlite:///{args.sqlite_file}")
        measure("SQLite", engine, args.calls, args.reuse)
    elif not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
            measure("SQLite", engine, args.calls)
    if args.postgres:
        engine = make_engine(args.postgres)
        if not args.reuse:
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        measure("PostgreSQL", engine, args.calls, args.reuse)


if __name__ == "__main__":
    main()
