"""Benchmark: what an audit append costs a write (issue figure: writes per second with and
without the audit trail, same run, on SQLite and PostgreSQL).

The write is small and representative of an edit: one transaction inserting one row (a
facility-like record) in a scratch table. The peer is that write alone; measured beside it,
in the same run, the same write with `qurb.audit.service.append` in the same transaction
(the head row locked, read, the entry hashed and inserted, the head signed with Ed25519 and
written back). One writer, each write committed on its own. Rounds alternate which of the
two goes first, so that the load of a shared machine falls on both alike; one round first
warms up and is not counted. Prints the median writes per second of each, the ratio of
the medians and the cost of an append per write.

On a fresh SQLite file (WAL, the driver's default synchronous), and on PostgreSQL when a
URL is given (in a schema of its own, dropped and made again: use a disposable database).

Run:  .venv/bin/python benchmarks/audit_append.py [--writes 300] [--rounds 7]
          [--postgres postgresql+psycopg://user:pass@host/db]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, insert, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.schema import migrate
from qurb.audit import service
from qurb.audit.keys import ServerKey
from qurb.audit.model import AuditEvent
from qurb.kernel.actor import Actor
from qurb.platform.database import make_engine, make_sessionmaker, transaction

PG_SCHEMA = "qurb_bench_audit"
SCRATCH = Table(
    "bench_writes",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("facility_id", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("beds", Integer, nullable=False),
    Column("commune", String(32), nullable=False),
)
ACTOR = Actor.local("Amina")


def _write(session: Session, i: int) -> dict[str, object]:
    row: dict[str, object] = {
        "facility_id": f"essp-bench-{i}",
        "name": f"CSR Aïn Chkef {i}",
        "beds": i % 40,
        "commune": "03.231.01.03",
    }
    session.execute(insert(SCRATCH), [row])
    return row


def writes_per_s(
    factory: sessionmaker[Session], key: ServerKey | None, start: int, n: int
) -> float:
    begin = time.perf_counter()
    for i in range(start, start + n):
        with transaction(factory) as session:
            row = _write(session, i)
            if key is not None:
                event = AuditEvent(
                    "bench.add", "bench", str(row["facility_id"]), "03.231.01.03", None, row
                )
                service.append(session, ACTOR, event, signer=key)
    return n / (time.perf_counter() - begin)


def measure(label: str, engine: Engine, writes: int, rounds: int) -> None:
    migrate(engine)
    SCRATCH.create(engine)
    factory = make_sessionmaker(engine)
    key = ServerKey.generate()
    runs: dict[str, list[float]] = {"without": [], "with": []}
    counter = 0
    for round_ in range(rounds + 1):
        order = ("without", "with") if round_ % 2 == 0 else ("with", "without")
        for which in order:
            rate = writes_per_s(factory, key if which == "with" else None, counter, writes)
            counter += writes
            if round_ > 0:  # the first round warms up
                runs[which].append(rate)
    with transaction(factory) as session:
        assert service.verify(session, key.public_key) == []
        entries = service.count(session)
    engine.dispose()
    without, with_ = statistics.median(runs["without"]), statistics.median(runs["with"])
    cost_ms = 1000 * (1 / with_ - 1 / without)
    print(
        f"{label}: {rounds} rounds of {writes} writes each, one transaction per write "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(f"  peer: the write alone         median {without:8.0f} writes/s")
    print(f"  the write + an audit append   median {with_:8.0f} writes/s")
    print(
        f"  ratio with / without {with_ / without:.2f}×, an append costs {cost_ms:.2f} ms a write"
    )
    print(f"  chain after the run: {entries} entries, verified intact")


def postgres_engine(raw: str) -> Engine:
    engine = make_engine(raw)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    engine.dispose()
    url = make_url(raw).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
    return make_engine(url.render_as_string(hide_password=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=300, help="writes per round and kind")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--postgres", default=os.environ.get("QURB_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        measure("SQLite", engine, args.writes, args.rounds)
    if args.postgres:
        measure("PostgreSQL", postgres_engine(args.postgres), args.writes, args.rounds)


if __name__ == "__main__":
    main()
