"""Benchmark: a region's waiting-time measures over 200,000 referrals (issue 22's figure:
under 1 s), against a peer measured in the same run: one hand-written SQL query counting
the region's referrals per commune of residence (no percentile).

The referrals are SYNTHETIC (seeded, seed 22), written straight into the referrals table of
a fresh `qurb db init` (SQLite, a temporary file; or a disposable PostgreSQL database
with `--postgres URL`, its schema dropped and made again): 200,000 referrals sent over 2026 from
the open ESSP of the bundled registry to the open hospitals of their region offering the
service asked (emonc_comprehensive or imaging), half of them in Fès-Meknès (03); 90 %
booked 1–30 days after sending, 85 % of those seen 0–10 days after booking, 40 % of the
seen counter-referred 1–20 days after. Measured, each call a new session, the territory
index built once as the server keeps it: `measures.read_columns` of region 03 over 2026,
then `waiting_times` by commune and `counter_referral_rates`. Calls alternate with the
peer; one round warms up. Prints p50 and p95 in ms of each.

Run:  .venv/bin/python benchmarks/referrals_measures.py [--calls 20] [--referrals 200000]
          [--postgres postgresql+psycopg://user:password@host/disposable_db]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from qurb.app.dataset import init_database
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.referrals import measures
from qurb.referrals._tables import ReferralRow
from qurb.registry._tables import FacilityRow
from qurb.registry.facility_services import facility_services
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex

REGION = "03"  # Fès-Meknès
SERVICES = ("emonc_comprehensive", "imaging")
ESSP = ("DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2")
START = datetime(2026, 1, 1, tzinfo=UTC)
PEER = text(
    "SELECT commune_code, count(*) FROM referrals WHERE region_code = :region "
    "AND sent_at >= :first AND sent_at <= :last GROUP BY commune_code"
)


def seed(url: str, count: int) -> None:
    engine = make_engine(url)
    init_database(engine)
    rng = random.Random(22)
    with make_sessionmaker(engine, write=True)() as session:
        index = TerritoryIndex.from_session(session)
        rows = session.scalars(select(FacilityRow).where(FacilityRow.status == "open")).all()

        def region(code: str) -> str:
            found = index.ancestor_at(code, TerritoryLevel.REGION)
            return found.code if found is not None else ""

        origins: dict[str, list[FacilityRow]] = {}
        hospitals: dict[tuple[str, str], list[FacilityRow]] = {}
        for row in rows:
            where = region(row.commune_code)
            if row.category in ESSP:
                origins.setdefault(where, []).append(row)
            for service in SERVICES:
                if row.family == "hospital" and service in facility_services(
                    row.category, row.services
                ):
                    hospitals.setdefault((where, service), []).append(row)
        others = sorted(
            r for r in origins if r != REGION and any((r, s) in hospitals for s in SERVICES)
        )
        batch = []
        for number in range(count):
            where = REGION if number % 2 == 0 else rng.choice(others)
            service = rng.choice([s for s in SERVICES if (where, s) in hospitals])
            origin = rng.choice(origins[where])
            sent = START + timedelta(minutes=rng.randrange(365 * 24 * 60))
            booked = seen = back = None
            if rng.random() < 0.9:
                booked = sent + timedelta(days=rng.randint(1, 30))
                if rng.random() < 0.85:
                    seen = booked + timedelta(days=rng.randint(0, 10))
                    if rng.random() < 0.4:
                        back = seen + timedelta(days=rng.randint(1, 20))
            status = (
                "counter_referred" if back else "seen" if seen else "booked" if booked else "sent"
            )
            batch.append(
                {
                    "reference": f"R-BENCH{number:07d}",
                    "kind": "referral",
                    "service": service,
                    "origin_facility_id": origin.id,
                    "destination_facility_id": rng.choice(hospitals[(where, service)]).id,
                    "region_code": where,
                    "commune_code": origin.commune_code,
                    "urgency": "routine",
                    "status": status,
                    "transfer_avoided": False,
                    "sent_at": sent,
                    "booked_at": booked,
                    "seen_at": seen,
                    "counter_referred_at": back,
                    "created_by": "benchmark",
                    "updated_at": sent,
                    "version": 1,
                }
            )
            if len(batch) == 10_000:
                session.execute(insert(ReferralRow), batch)
                batch = []
        if batch:
            session.execute(insert(ReferralRow), batch)
        session.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--referrals", type=int, default=200_000)
    parser.add_argument("--postgres", help="a disposable PostgreSQL database's URL")
    args = parser.parse_args()
    if args.postgres:
        url = args.postgres
        with make_engine(url).begin() as c:  # its tables made again
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
    else:
        folder = Path(tempfile.mkdtemp(prefix="qurb-bench-referrals-"))
        url = f"sqlite:///{folder / 'bench.sqlite'}"
    print(f"engine: {make_engine(url).dialect.name}")
    began = time.perf_counter()
    seed(url, args.referrals)
    print(f"seeded {args.referrals} referrals in {time.perf_counter() - began:.0f} s")
    factory = make_sessionmaker(make_engine(url))
    with factory() as session:
        index = TerritoryIndex.from_session(session)
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    ours: list[float] = []
    peer: list[float] = []
    size = 0
    for call in range(args.calls + 1):
        with factory() as session:
            start = time.perf_counter()
            columns = measures.read_columns(session, index, REGION, first, last)
            measures.waiting_times(columns, "commune")
            measures.counter_referral_rates(columns)
            took = time.perf_counter() - start
            size = len(columns)
        with factory() as session:
            start = time.perf_counter()
            bounds = {
                "region": REGION,
                "first": datetime.combine(first, datetime.min.time()).isoformat(sep=" "),
                "last": datetime.combine(last, datetime.max.time()).isoformat(sep=" "),
            }
            session.execute(PEER, bounds).all()
            peer_took = time.perf_counter() - start
        if call:  # the first round warms up
            ours.append(took * 1000)
            peer.append(peer_took * 1000)

    def p(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]

    print(f"region {REGION}: {size} referrals measured, {args.calls} calls")
    print(f"qurb measures: p50 {p(ours, 50):.0f} ms, p95 {p(ours, 95):.0f} ms")
    print(f"peer SQL count per commune: p50 {p(peer, 50):.1f} ms, p95 {p(peer, 95):.1f} ms")


if __name__ == "__main__":
    main()
