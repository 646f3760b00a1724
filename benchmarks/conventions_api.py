"""Benchmark: the API behind a convention's page, a partner's page and a province's
layer, with 500 conventions, 5,000 deliverables and 20,000 disbursements (issue 19's
figure: p95 under 100 ms at 1 and 10 clients, on SQLite and PostgreSQL), against a peer
measured in the same run: one hand-written SQL query per page computing the same
aggregates, run by as many threads straight on the database (no HTTP, no JSON).

The conventions are SYNTHETIC (seeded, seed 19), written straight into the tables of a
copy of the bundled database (`qurb db init` on a fresh SQLite file, and on PostgreSQL
when a URL is given: use a disposable database, its tables are made again): 60 partners
(named `synthetic-…`), 500 conventions each covering one or two provinces with three
parties, a money contribution per party and year (2025, 2026; one in ten unknown) and one
in kind, 10 deliverables and 40 disbursements each. All published, so that the public
routes see them all; the convention's own routes are read as an administrator's token.

Measured through HTTP (Qurb under uvicorn in a subprocess, httpx clients):
- convention page: GET /api/conventions/{id}/overview?period=2026, the one call the page
  makes for a reader in full (the convention, its deliverables, the period's physical and
  the financial execution), and, for comparison, "its 4 routes": the four routes that body
  stands for, one after the other;
- partner page: GET /api/conventions/partners/{id}/figures;
- province layer: GET /api/conventions/layer?territory=<province> (its communes).
Peers: one SQL query each (a convention's party sums, deliverable counts; a partner's sums
per convention; the sums per convention covering the province, spread in Python).

Run:  .venv/bin/python benchmarks/conventions_api.py [--seconds 8]
          [--postgres postgresql+psycopg://user:pass@host/db [--workers 2]] [--sqlite-file F]
          [--reuse] [--skip-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts import account_headers
from qurb.app.dataset import init_database
from qurb.conventions._deliverable_tables import DeliverableRow
from qurb.conventions._money_tables import ContributionRow, DisbursementRow
from qurb.conventions._tables import ConventionRow, ConventionTerritoryRow, PartyRow
from qurb.identity._partner_tables import PartnerRow
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex
from web_load import start

CONVENTIONS, DELIVERABLES_EACH, DISBURSEMENTS_EACH, PARTNERS = 500, 10, 40, 60
AT = datetime(2026, 11, 3, 9, tzinfo=UTC)
KINDS = ("staff", "equipment", "medicines_supplies", "vehicles", "premises")

SERVER = """
import sys, uvicorn
from qurb.app.web import create_app
from qurb.platform.settings import Settings
app = create_app(Settings(database_url=sys.argv[1]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="error")
"""

# PostgreSQL as `qurb serve --workers N` runs it: N processes, each its own app and its
# own bodies in memory.
SERVER_WORKERS = """
import os, sys, uvicorn
os.environ["QURB_DATABASE_URL"] = sys.argv[1]
uvicorn.run("qurb.app.serve:worker_app", factory=True, workers=int(sys.argv[2]),
            host="127.0.0.1", port=int(sys.argv[3]), log_level="error")
"""

PEER_CONVENTION = text(
    """
    SELECT p.partner_id,
      (SELECT sum(c.amount) FROM conventions_contributions c
        WHERE c.convention_id = :id AND c.partner_id = p.partner_id AND c.kind = 'money'),
      (SELECT sum(d.amount) FROM conventions_disbursements d
        WHERE d.convention_id = :id AND d.from_partner_id = p.partner_id),
      (SELECT count(*) FROM conventions_deliverables r
        WHERE r.convention_id = :id AND r.owner_partner_id = p.partner_id)
    FROM conventions_parties p WHERE p.convention_id = :id
    """
)
PEER_PARTNER = text(
    """
    SELECT p.convention_id,
      (SELECT sum(c.amount) FROM conventions_contributions c
        WHERE c.convention_id = p.convention_id AND c.partner_id = :partner AND c.kind = 'money'),
      (SELECT sum(d.amount) FROM conventions_disbursements d
        WHERE d.convention_id = p.convention_id AND d.from_partner_id = :partner),
      (SELECT count(*) FROM conventions_deliverables r
        WHERE r.convention_id = p.convention_id AND r.owner_partner_id = :partner)
    FROM conventions_parties p WHERE p.partner_id = :partner
    """
)
PEER_LAYER = text(
    """
    SELECT t.convention_id, t.territory_code,
      (SELECT sum(c.amount) FROM conventions_contributions c
        WHERE c.convention_id = t.convention_id AND c.kind = 'money'),
      (SELECT sum(c.valuation) FROM conventions_contributions c
        WHERE c.convention_id = t.convention_id AND c.kind <> 'money')
    FROM conventions_territories t
    WHERE t.convention_id IN (
      SELECT convention_id FROM conventions_territories WHERE territory_code = :province)
    """
)


def _stamp() -> dict[str, object]:
    return {"created_at": AT, "created_by": "benchmark", "updated_at": AT, "version": 1}


def seed(factory: sessionmaker[Session], index: TerritoryIndex) -> None:
    """The synthetic conventions, their parties, money, deliverables and disbursements."""
    rng = random.Random(19)
    provinces = [t.code for t in index.by_code.values() if t.level is TerritoryLevel.PROVINCE]
    with factory() as session:
        partners = [f"synthetic-{n:03d}" for n in range(PARTNERS)]
        session.execute(
            insert(PartnerRow),
            [
                {
                    "id": p,
                    "kind": "association",
                    "name_fr": p,
                    "name_ar": p,
                    "territory_code": "MA",
                    "active": True,
                    **_stamp(),
                }
                for p in partners
            ],
        )
        rows: dict[type, list[dict[str, object]]] = defaultdict(list)
        contribution_id = deliverable_id = 0
        for n in range(1, CONVENTIONS + 1):
            rows[ConventionRow].append(
                {
                    "id": n,
                    "reference": f"SYN-{n:04d}",
                    "title_fr": f"Convention synthétique {n}",
                    "kind": "partnership",
                    "approval_required": False,
                    "status": "in_force",
                    "published": True,
                    "start_year": 2025,
                    "start_month": 1,
                    "start_day": 1,
                    **{k: v for k, v in _stamp().items() if k != "version"},
                    "version": 1,
                }
            )
            for code in rng.sample(provinces, rng.choice((1, 2))):
                rows[ConventionTerritoryRow].append({"convention_id": n, "territory_code": code})
            parties = rng.sample(partners, 3)
            money: list[tuple[int, str]] = []
            for role, partner in zip(
                ("financer", "implementer", "beneficiary"), parties, strict=True
            ):
                rows[PartyRow].append({"convention_id": n, "partner_id": partner, "role": role})
                for year in (2025, 2026):
                    contribution_id += 1
                    amount = (
                        None if rng.random() < 0.1 else Decimal(rng.randrange(10, 500) * 10_000)
                    )
                    rows[ContributionRow].append(
                        {
                            "id": contribution_id,
                            "convention_id": n,
                            "partner_id": partner,
                            "year": year,
                            "kind": "money",
                            "amount": amount,
                            **_stamp(),
                        }
                    )
                    money.append((contribution_id, partner))
                contribution_id += 1
                rows[ContributionRow].append(
                    {
                        "id": contribution_id,
                        "convention_id": n,
                        "partner_id": partner,
                        "year": 2026,
                        "kind": rng.choice(KINDS),
                        "quantity": Decimal(10),
                        "unit": "items",
                        "profession": "nurse",
                        "valuation": Decimal(rng.randrange(1, 100) * 1_000),
                        "valuation_method": "synthetic",
                        **_stamp(),
                    }
                )
            for _ in range(DELIVERABLES_EACH):
                deliverable_id += 1
                rows[DeliverableRow].append(
                    {
                        "id": deliverable_id,
                        "convention_id": n,
                        "what_fr": "Livrable synthétique",
                        "owner_partner_id": rng.choice(parties),
                        "deadline_year": 2026,
                        "deadline_month": rng.randrange(1, 13),
                        "status": rng.choice(("planned", "in_progress", "delivered")),
                        "indicator_kind": "count",
                        "target": Decimal(10),
                        **_stamp(),
                    }
                )
            for _ in range(DISBURSEMENTS_EACH):
                paid, partner = rng.choice(money)
                rows[DisbursementRow].append(
                    {
                        "convention_id": n,
                        "contribution_id": paid,
                        "kind": "disbursement",
                        "on": date(2026, rng.randrange(1, 11), 1),
                        "amount": Decimal(rng.randrange(1, 50) * 100),
                        "from_partner_id": partner,
                        **_stamp(),
                    }
                )
        for table in (
            ConventionRow,
            ConventionTerritoryRow,
            PartyRow,
            ContributionRow,
            DeliverableRow,
            DisbursementRow,
        ):
            for start_at in range(0, len(rows[table]), 5_000):
                session.execute(insert(table), rows[table][start_at : start_at + 5_000])
        session.commit()


def _p(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000


async def _clients(
    base: str, pages: list[list[str]], headers: dict[str, str], seconds: float, clients: int
) -> list[float]:
    """Each client asks page after page (a page: its calls one after the other)."""
    timings: list[float] = []
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as c:

        async def one(worker: int) -> None:
            i = worker
            while time.perf_counter() < stop:
                begin = time.perf_counter()
                for url in pages[i % len(pages)]:
                    (await c.get(url)).raise_for_status()
                timings.append(time.perf_counter() - begin)
                i += clients

        await asyncio.gather(*(one(w) for w in range(clients)))
    return timings


def _peer(
    factory: sessionmaker[Session],
    calls: list[Callable[[Session], object]],
    seconds: float,
    clients: int,
) -> list[float]:
    timings: list[float] = []
    stop = time.perf_counter() + seconds

    def one(worker: int) -> None:
        i = worker
        while time.perf_counter() < stop:
            begin = time.perf_counter()
            with factory() as session:
                calls[i % len(calls)](session)
            timings.append(time.perf_counter() - begin)
            i += clients

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(clients)))
    return timings


def measure(label: str, url: str, seconds: float, reuse: bool, workers: int = 1) -> None:
    engine: Engine = make_engine(url)
    begin = time.perf_counter()
    factory = make_sessionmaker(engine)
    there = 0
    if reuse:
        try:
            with factory() as s:
                there = s.scalar(text("SELECT count(*) FROM conventions_conventions")) or 0
        except Exception:
            there = 0
    if not there:
        init_database(engine)
        with factory() as s:
            index = TerritoryIndex.from_session(s)
        seed(make_sessionmaker(engine, write=True), index)
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    with factory() as s:
        index = TerritoryIndex.from_session(s)
        counts = {
            t: s.scalar(text(f"SELECT count(*) FROM {t}"))
            for t in (
                "conventions_conventions",
                "conventions_deliverables",
                "conventions_disbursements",
            )
        }
        provinces = [
            r[0]
            for r in s.execute(
                text("SELECT DISTINCT territory_code FROM conventions_territories ORDER BY 1")
            )
        ]
        partners = [
            r[0]
            for r in s.execute(
                text("SELECT DISTINCT partner_id FROM conventions_parties ORDER BY 1")
            )
        ]
    print(f"\n{label}: {counts} (synthetic) ready in {time.perf_counter() - begin:.0f} s")
    _, headers = account_headers(
        make_sessionmaker(engine, write=True), f"bench-{os.getpid()}-{workers}"
    )
    engine.dispose()
    rng = random.Random(7)
    ids = rng.sample(range(1, CONVENTIONS + 1), 60)
    pages = {
        "convention page": [[f"/api/conventions/{i}/overview?period=2026"] for i in ids],
        "its 4 routes": [
            [
                f"/api/conventions/{i}",
                f"/api/conventions/{i}/deliverables",
                f"/api/conventions/{i}/execution/physical?period=2026",
                f"/api/conventions/{i}/execution/financial",
            ]
            for i in ids
        ],
        "partner page": [[f"/api/conventions/partners/{p}/figures"] for p in partners],
        "province layer": [[f"/api/conventions/layer?territory={p}"] for p in provinces[:60]],
    }
    peers: dict[str, list[Callable[[Session], object]]] = {
        "convention page": [
            lambda s, i=i: s.execute(PEER_CONVENTION, {"id": i}).all() for i in ids
        ],
        "its 4 routes": [lambda s, i=i: s.execute(PEER_CONVENTION, {"id": i}).all() for i in ids],
        "partner page": [
            lambda s, p=p: s.execute(PEER_PARTNER, {"partner": p}).all() for p in partners
        ],
        "province layer": [lambda s, p=p: _spread_peer(s, index, p) for p in provinces[:60]],
    }
    if workers > 1:
        label = f"{label}, {workers} server processes"
        server, base = start(SERVER_WORKERS, url, str(workers))
    else:
        server, base = start(SERVER, url)
    print(f"  ({label})")
    try:
        for name, asked in pages.items():
            # Warm-up: every page asked once (the bodies kept in memory until the next
            # write, the steady state of pages read far more often than written).
            asyncio.run(_clients(base, asked, headers, 1.0, 1))
            for _ in range(2 * workers):  # each process keeps its own
                for urls in asked:
                    for page_url in urls:
                        httpx.get(base + page_url, headers=headers, timeout=60).raise_for_status()
            for clients in (1, 10):
                ours = asyncio.run(_clients(base, asked, headers, seconds, clients))
                peer_engine = make_engine(url)
                peer = _peer(make_sessionmaker(peer_engine), peers[name], seconds, clients)
                peer_engine.dispose()
                print(
                    f"  {name:<16} {clients:>2} client(s): qurb p50 {_p(ours, 50):6.1f} ms, "
                    f"p95 {_p(ours, 95):6.1f} ms ({len(ours)} pages); peer SQL p50 "
                    f"{_p(peer, 50):5.1f} ms, p95 {_p(peer, 95):5.1f} ms; ratio p95 "
                    f"{_p(ours, 95) / max(_p(peer, 95), 0.001):.1f}×"
                )
    finally:
        server.terminate()
        server.wait()


def _spread_peer(session: Session, index: TerritoryIndex, province: str) -> object:
    """The peer's layer: the sums per convention touching the province in one query, then
    each commune's share of each convention by population."""
    rows = session.execute(PEER_LAYER, {"province": province}).all()
    covered: dict[int, list[str]] = defaultdict(list)
    sums: dict[int, Decimal] = {}
    for convention_id, code, money, _kind in rows:
        covered[convention_id].append(code)
        sums[convention_id] = Decimal(money or 0)
    out = {}
    for commune in index.communes_within(index.by_code[province]):
        total = Decimal(0)
        for convention_id, codes in covered.items():
            whole = sum(index.by_code[c].population_2024 or 0 for c in codes)
            if whole:
                total += sums[convention_id] * (commune.population_2024 or 0) / whole
        out[commune.code] = total
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--postgres", help="a disposable PostgreSQL database's URL")
    parser.add_argument("--sqlite-file", type=Path)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes on PostgreSQL (as qurb serve)"
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            path = args.sqlite_file or Path(tmp) / "bench.sqlite"
            measure("SQLite", f"sqlite:///{path}", args.seconds, args.reuse)
    if args.postgres:
        measure("PostgreSQL", args.postgres, args.seconds, args.reuse)
        if args.workers > 1:
            measure("PostgreSQL", args.postgres, args.seconds, True, args.workers)
    print(f"\nload average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
