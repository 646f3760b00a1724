"""Benchmark: 50 signed-in clients reading and editing at once on PostgreSQL, with
`qurb serve --workers 2` against the peer, the same load on `--workers 1`, same run
(issue figures: reads under 300 ms and writes under 1 s at p95, no lost update, no 5xx).

Each client is an account of its own (a registry editor over all Morocco, with a personal
token), a person at work: between two actions it waits a think time drawn uniformly
between 0 and twice --think seconds (default 1 s; --think 0 sends back to back, which
measures the server saturated rather than 50 people). For --seconds it loops: 4 times in
5 a read (a facility, a territory's detail, a
page of facilities, an indicator over a province's communes), else an edit: read a
facility (its ETag), add one bed, PATCH it with If-Match; on 409 read again and retry (a
conflict, counted). The 12 facilities edited are the hospitals of the region of
Fès-Meknès, so that clients collide. A write's latency is that of its PATCH.

After each run: every facility's beds went up by exactly the number of PATCHes that
answered 200 (a lost update shows as fewer), the audit trail holds one entry per such
PATCH, its chain verifies, and no answer was a 5xx. The clients (httpx, asyncio) share the
machine with the server: on 2 cores they take part of the CPU.

The database named by --postgres is wiped and loaded with the bundled dataset.

Run:  .venv/bin/python benchmarks/concurrent_edits.py --postgres URL [--seconds 60]
          [--clients 50] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import MetaData, func, select

from qurb.app.dataset import init_database
from qurb.audit import service as audit
from qurb.audit._tables import AuditEntryRow
from qurb.audit.keys import key_path, read_key
from qurb.identity.permissions import Role
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.registry._tables import FacilityRow

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts import account_headers
from web_load import free_port

REGION = "03"  # Fès-Meknès
PROVINCE = "03.231"  # Fès (préfecture)
WRITE_SHARE = 0.2


@dataclass
class Tally:
    reads: list[float] = field(default_factory=list)  # seconds
    writes: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    applied: Counter[str] = field(default_factory=Counter)  # facility id → 200 PATCHes
    conflicts: int = 0


def prepare(url: str, clients: int) -> tuple[list[dict[str, str]], list[str], list[str]]:
    """Wipe and load the database; the clients' headers, the facilities to edit and the
    paths to read."""
    engine = make_engine(url)
    with engine.begin() as connection:
        found = MetaData()
        found.reflect(connection)
        found.drop_all(connection)
    init_database(engine)
    factory = make_sessionmaker(engine)
    headers = [
        account_headers(factory, f"client{i:02d}", Role.REGISTRY_EDITOR)[1] for i in range(clients)
    ]
    with factory() as session:
        hospitals = list(
            session.scalars(
                select(FacilityRow.id)
                .where(FacilityRow.province_code.like(f"{REGION}.%"))
                .where(FacilityRow.family == "hospital", FacilityRow.status == "open")
                .order_by(FacilityRow.id)
                .limit(12)
            )
        )
        communes = list(
            session.scalars(
                select(FacilityRow.commune_code).where(FacilityRow.id.in_(hospitals)).distinct()
            )
        )
    engine.dispose()
    reads = [f"/api/facilities/{h}" for h in hospitals]
    reads += [f"/api/territories/{c}" for c in communes]
    reads += [f"/api/facilities?territory={PROVINCE}&limit=50"]
    reads += [f"/api/indicators/inhabitants_per_essp?level=commune&parent={PROVINCE}"]
    return headers, hospitals, reads


def beds(url: str, ids: list[str]) -> dict[str, int]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        rows = session.execute(
            select(FacilityRow.id, FacilityRow.beds).where(FacilityRow.id.in_(ids))
        )
        found = {fid: value or 0 for fid, value in rows}
    engine.dispose()
    return found


def entries(url: str, ids: list[str]) -> int:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        count = session.scalar(
            select(func.count())
            .select_from(AuditEntryRow)
            .where(AuditEntryRow.entity_kind == "facility", AuditEntryRow.entity_id.in_(ids))
        )
    engine.dispose()
    return int(count or 0)


def chain_problems(url: str) -> int:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        found = audit.verify(session, read_key(key_path(url)).public_key)
    engine.dispose()
    return len(found)


async def edit(client: httpx.AsyncClient, facility: str, tally: Tally) -> None:
    for _ in range(100):
        read = await client.get(f"/api/facilities/{facility}")
        tally.statuses[read.status_code] += 1
        if read.status_code != 200:
            return
        headers = {"If-Match": read.headers["etag"]}
        start = time.perf_counter()
        answer = await client.patch(
            f"/api/facilities/{facility}",
            json={"beds": (read.json()["beds"] or 0) + 1, "reason": "benchmark"},
            headers=headers,
        )
        tally.writes.append(time.perf_counter() - start)
        tally.statuses[answer.status_code] += 1
        if answer.status_code == 200:
            tally.applied[facility] += 1
            return
        if answer.status_code != 409:
            return
        tally.conflicts += 1


async def client_loop(
    base: str,
    headers: dict[str, str],
    facilities: list[str],
    reads: list[str],
    until: float,
    seed: int,
    tally: Tally,
    think: float,
) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        while time.monotonic() < until:
            await asyncio.sleep(rng.uniform(0, 2 * think))
            if rng.random() < WRITE_SHARE:
                await edit(client, rng.choice(facilities), tally)
                continue
            start = time.perf_counter()
            answer = await client.get(rng.choice(reads))
            tally.reads.append(time.perf_counter() - start)
            tally.statuses[answer.status_code] += 1


def serve(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "QURB_ADMIN_PASSWORD": "a benchmark administrator"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qurb",
            "serve",
            "--db",
            url,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"qurb serve --workers {workers} did not start")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def run(url: str, workers: int, args: argparse.Namespace, setup: tuple) -> dict[str, float]:
    headers, facilities, reads = setup
    before, logged = beds(url, facilities), entries(url, facilities)
    process, base = serve(url, workers)
    try:
        for path in reads:  # warm: every process's first answers are not timed
            for _ in range(workers):
                httpx.get(f"{base}{path}", headers=headers[0], timeout=60)
        tally = Tally()
        until = time.monotonic() + args.seconds

        async def everyone() -> None:
            await asyncio.gather(
                *(
                    client_loop(base, h, facilities, reads, until, i, tally, args.think)
                    for i, h in enumerate(headers)
                )
            )

        asyncio.run(everyone())
    finally:
        process.terminate()
        process.wait(timeout=30)
    after, logged_after = beds(url, facilities), entries(url, facilities)
    lost = sum(tally.applied[f] - (after[f] - before[f]) for f in facilities)
    return {
        "workers": workers,
        "reads": len(tally.reads),
        "read_p50": pct(tally.reads, 0.5),
        "read_p95": pct(tally.reads, 0.95),
        "writes": len(tally.writes),
        "write_p50": pct(tally.writes, 0.5),
        "write_p95": pct(tally.writes, 0.95),
        "applied": sum(tally.applied.values()),
        "conflicts": tally.conflicts,
        "lost": lost,
        "unrecorded": sum(tally.applied.values()) - (logged_after - logged),
        "5xx": sum(n for status, n in tally.statuses.items() if status >= 500),
        "other_4xx": sum(n for s, n in tally.statuses.items() if 400 <= s < 500 and s != 409),
        "per_s": (len(tally.reads) + len(tally.writes)) / args.seconds,
        "chain_problems": chain_problems(url),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("QURB_BENCH_POSTGRES_URL"))
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, s")
    args = parser.parse_args()
    if not args.postgres:
        raise SystemExit("--postgres URL (a database this benchmark may wipe) is required")
    setup = prepare(args.postgres, args.clients)
    results = [run(args.postgres, w, args, setup) for w in (args.workers, 1)]
    columns = [
        "workers",
        "reads",
        "read_p50",
        "read_p95",
        "writes",
        "write_p50",
        "write_p95",
        "applied",
        "conflicts",
        "lost",
        "unrecorded",
        "5xx",
        "other_4xx",
        "per_s",
        "chain_problems",
    ]
    print(
        f"{args.clients} clients, think time {args.think:g} s on average, {args.seconds:g} s "
        "each run, PostgreSQL; latencies in ms"
    )
    print("  ".join(f"{c:>10}" for c in columns))
    for r in results:
        print(
            "  ".join(
                f"{r[c]:>10.1f}" if isinstance(r[c], float) else f"{r[c]:>10}" for c in columns
            )
        )
    ours, peer = results
    print(
        f"ratio (--workers {args.workers} / --workers 1): read p95 "
        f"{ours['read_p95'] / peer['read_p95']:.2f}, write p95 "
        f"{ours['write_p95'] / peer['write_p95']:.2f}, throughput "
        f"{ours['per_s'] / peer['per_s']:.2f}"
    )


if __name__ == "__main__":
    main()
