"""Benchmark: a DHIS2 `dataValueSets` import of 100,000 values (issue figure: under 30 s).

The payload is SYNTHETIC, seeded (labelled so in its `qurb` member): the mother and child
data set (monthly, 20 cells a report: ten elements by sex, two without) for the first
public facilities of the bundled data that report it (by id), over consecutive months
of 2025, each count drawn from 0–9 (random.Random(seed)), identifiers by code. The
facilities and their codes are real; the counts are not.

Measured, in one run, on two copies of a fresh national database (the bundled dataset
loaded): the import end to end but for HTTP (the JSON text parsed, the payload validated
by pydantic, every value resolved and checked, each report checked by the watch service
— catchments of the whole country computed on the bundled commune graph —, the reports,
values and audit entries written, committed); and the peer: the same reports and values
inserted by a plain SQLAlchemy Core bulk insert (two executemany statements, no check, no
audit), committed. Prints both times and their ratio, and checks that both databases hold
the same values. The importer acts as a local actor (no grant to check per facility).

On SQLite (a temporary file), and on PostgreSQL when a URL is given (two databases
created beside it and dropped after: use a server where the role may create databases).

Run:  .venv/bin/python benchmarks/dhis2_import.py [--values 100000] [--seed 20]
          [--postgres postgresql+psycopg://user:pass@host/db]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, make_url, select, text

from qurb.app.dataset import init_database
from qurb.interop.dhis2.metadata import exported_facilities
from qurb.interop.dhis2.model import coc_code, combo_code
from qurb.interop.dhis2.payload import DataValueSetIn, IdScheme
from qurb.interop.dhis2.service import import_values
from qurb.kernel.actor import Actor
from qurb.platform.database import make_engine, make_sessionmaker, transaction
from qurb.territory.service import TerritoryIndex
from qurb.watch._tables import ReportRow, ReportValueRow
from qurb.watch.datasets import get_dataset

DATASET = "mother-child"
IMPORTER = Actor.local("benchmark")


def payload(engine: Engine, values: int, seed: int) -> tuple[dict[str, Any], int, int]:
    """The synthetic payload, and how many facilities and months it covers."""
    dataset = get_dataset(DATASET)
    cells = [
        (e.code, coc_code(combo_code(e), cell))
        for e in dataset.elements
        for cell in dataset.combos[e.code]
    ]
    with make_sessionmaker(engine)() as session:
        index = TerritoryIndex.from_session(session)
        facilities = sorted(
            f.id
            for f in exported_facilities(session, index)
            if f.status == "open" and dataset.reported_by(f.category)
        )
    reports = -(-values // len(cells))
    months = -(-reports // len(facilities))
    per_month = -(-reports // months)
    rng = random.Random(seed)
    data = []
    for month in range(1, months + 1):
        for facility in facilities[:per_month]:
            for element, coc in cells:
                data.append(
                    {
                        "dataElement": element,
                        "period": f"2025{month:02d}",
                        "orgUnit": facility,
                        "categoryOptionCombo": coc,
                        "value": str(rng.randint(0, 9)),
                    }
                )
    data = data[:values]
    body = {
        "qurb": {"synthetic": f"seeded synthetic counts (seed {seed}), real facility codes"},
        "dataSet": DATASET,
        "dataValues": data,
    }
    return body, per_month, months


def ours(engine: Engine, text_body: str) -> tuple[float, Any]:
    factory = make_sessionmaker(engine, write=True)
    start = time.perf_counter()
    parsed = DataValueSetIn.model_validate(json.loads(text_body))
    with transaction(factory) as session:
        done = import_values(session, lambda _f: IMPORTER, parsed, IdScheme.CODE)
    return time.perf_counter() - start, done


def peer(engine: Engine, body: dict[str, Any]) -> float:
    dataset = get_dataset(DATASET)
    cell_of = {
        (e.code, coc_code(combo_code(e), cell)): cell
        for e in dataset.elements
        for cell in dataset.combos[e.code]
    }
    factory = make_sessionmaker(engine, write=True)
    start = time.perf_counter()
    moment = datetime.now(UTC)
    keys: dict[tuple[str, str], int] = {}
    for v in body["dataValues"]:
        keys.setdefault((v["orgUnit"], f"{v['period'][:4]}-{v['period'][4:]}"), len(keys))
    with transaction(factory) as session:
        first = (session.scalar(select(func.max(ReportRow.id))) or 0) + 1
        session.execute(
            insert(ReportRow.__table__),
            [
                {
                    "id": first + n,
                    "dataset_id": DATASET,
                    "dataset_version": dataset.version,
                    "facility_id": facility,
                    "period": period,
                    "revision": 1,
                    "current": True,
                    "status": "submitted",
                    "received_at": moment,
                    "submitted_at": moment,
                    "submitted_by": str(IMPORTER),
                    "version": 1,
                }
                for (facility, period), n in keys.items()
            ],
        )
        session.execute(
            insert(ReportValueRow.__table__),
            [
                {
                    "report_id": first
                    + keys[(v["orgUnit"], f"{v['period'][:4]}-{v['period'][4:]}")],
                    "element": v["dataElement"],
                    "disaggregation": cell_of[(v["dataElement"], v["categoryOptionCombo"])],
                    "value": int(v["value"]),
                }
                for v in body["dataValues"]
            ],
        )
    return time.perf_counter() - start


def held(engine: Engine) -> list[tuple[str, str, str, str, int]]:
    statement = (
        select(
            ReportRow.facility_id,
            ReportRow.period,
            ReportValueRow.element,
            ReportValueRow.disaggregation,
            ReportValueRow.value,
        )
        .join(ReportValueRow, ReportValueRow.report_id == ReportRow.id)
        .order_by(
            ReportRow.facility_id,
            ReportRow.period,
            ReportValueRow.element,
            ReportValueRow.disaggregation,
        )
    )
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(statement)]  # type: ignore[misc]


def run(label: str, a: Engine, b: Engine, values: int, seed: int) -> None:
    body, facilities, months = payload(a, values, seed)
    text_body = json.dumps(body, separators=(",", ":"))
    count = len(body["dataValues"])
    ours_s, done = ours(a, text_body)
    peer_s = peer(b, body)
    same = held(a) == held(b)
    print(
        f"{label}: {count:,} values ({len(text_body) / 1e6:.1f} MB of JSON; "
        f"{facilities} facilities × {months} months; synthetic, seed {seed})"
    )
    print(
        f"  ours (parse, validate, check, write, audit): {ours_s:.2f} s "
        f"({done.counts.imported:,} imported, {len(done.submitted):,} reports)"
    )
    print(f"  peer (Core bulk insert, no check):           {peer_s:.2f} s")
    print(f"  ratio ours/peer: {ours_s / peer_s:.1f}×; same values held: {same}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        init_database(engine)
        engine.dispose()
        copy = Path(tmp) / "b.sqlite"
        shutil.copy(path, copy)
        for suffix in (".audit-key",):
            if path.with_name(path.name + suffix).exists():
                shutil.copy(path.with_name(path.name + suffix), copy.with_name(copy.name + suffix))
        run(
            "SQLite",
            make_engine(f"sqlite:///{path}"),
            make_engine(f"sqlite:///{copy}"),
            args.values,
            args.seed,
        )
    if args.postgres:
        run_postgres(args.postgres, args.values, args.seed)


def run_postgres(url: str, values: int, seed: int) -> None:
    admin = make_engine(url)
    names = ("qurb_bench_dhis2_a", "qurb_bench_dhis2_b")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for name in names:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {names[0]}"))
    base = make_url(url)
    first = make_engine(base.set(database=names[0]).render_as_string(hide_password=False))
    init_database(first)
    first.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"CREATE DATABASE {names[1]} TEMPLATE {names[0]}"))
    engines = [
        make_engine(base.set(database=n).render_as_string(hide_password=False)) for n in names
    ]
    try:
        run("PostgreSQL", engines[0], engines[1], values, seed)
    finally:
        for engine in engines:
            engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for name in names:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


if __name__ == "__main__":
    main()
