"""Benchmark: the next free slots of a specialty in a region over a year of shared
resources' slots (issue 22's figure: under 50 ms at p95), and the race of 200 booking
attempts on 20 free slots (zero double bookings, zero 5xx), each against a peer measured
in the same run.

The data are SYNTHETIC (seeded, seed 22), written straight into the tables of a fresh
`qurb db init` (SQLite, a temporary file; or the PostgreSQL database given, whose tables
are made again: use a disposable one): 200 resources at the public hospitals of the
twelve regions (120 equipment items of six imaging kinds, entered in the registry as
"synthetic (benchmark)", and 80 visiting specialists of eight specialties), open Monday
to Friday 08:00–16:00 local time, a year of slots (2026; 30 minutes' use and 10 minutes'
buffer: 12 a day, 626,400 slots) and 100,000 of them booked at random.

Measured, calls alternating with the peer, one round to warm up, each call its own
session and the territory index kept as the server keeps it:
- ours: `sharing.service.next_free_slots` (the route's function: the resources' notices,
  then one query on the index (specialty, start) restricted to the region's facilities),
  10 slots, for each specialty in each region in turn, from 1 March 2026 08:00 UTC;
- through HTTP: GET /api/sharing/slots (Qurb under uvicorn in a subprocess, one client);
- peer: one hand-written SQL query returning the same 10 slots (free, beyond a fixed 24 h
  notice, ordered by start) with the region's facilities by a join on the provinces.
- the race (with --postgres): `qurb serve --workers 2` on the database, 200 POST
  /api/sharing/bookings released together by 200 threads on 20 free slots of one
  resource; counted: 201s, 409s, 5xx, and the overlapping active bookings a SQL self-join
  finds (peer: the same 200 claims as one conditional UPDATE each, straight on the
  database from 200 connections).

Run:  .venv/bin/python benchmarks/sharing_slots.py [--calls 200]
          [--postgres postgresql+psycopg://user:pass@host/db]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts import account_headers
from qurb.app.dataset import init_database
from qurb.identity._partner_tables import PartnerRow
from qurb.identity.permissions import Role
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.registry._tables import EquipmentRow, FacilityRow, SpecialistRow
from qurb.sharing._tables import AvailabilityRow, BookingRow, ResourceRow, SlotRow
from qurb.sharing.service import next_free_slots
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex
from web_load import start as start_server

SEED, RESOURCES, EQUIPMENT, BOOKINGS, YEAR = 22, 200, 120, 100_000, 2026
AT = datetime(2026, 1, 1, tzinfo=UTC)
FROM = datetime(2026, 3, 1, 8, tzinfo=UTC)  # the moment the next free slots are asked after
LOCAL = ZoneInfo("Africa/Casablanca")
USE, BUFFER = 30, 10  # minutes
HOSPITALS = ("HP", "HR", "HPr", "hospital", "HIR")
KINDS = ("ct_scanner", "mri", "mammography", "ultrasound", "xray", "radiotherapy")
SPECIALTIES = (
    "cardiology", "ophthalmology", "gynaecology_obstetrics", "paediatrics",
    "endocrinology_diabetes", "nephrology", "neurology", "psychiatry",
)  # fmt: skip
BATCH = 20_000  # rows per INSERT
PEER = text(
    """
    SELECT s.id, s.resource_id, s.facility_id, s.start FROM sharing_slots s
    JOIN facilities f ON f.id = s.facility_id
    WHERE s.specialty = :specialty AND s.start >= :after AND s.booking_id IS NULL
      AND s.closed_by IS NULL AND s.held_for IS NULL
      AND f.province_code IN (SELECT code FROM territories WHERE parent_code = :region)
    ORDER BY s.start, s.id LIMIT 10
    """
)
SERVER = """
import os, sys, uvicorn
os.environ["QURB_DATABASE_URL"] = sys.argv[1]
uvicorn.run("qurb.app.serve:worker_app", factory=True, workers=int(sys.argv[2]),
            host="127.0.0.1", port=int(sys.argv[3]), log_level="error")
"""


def _insert(session: Session, table: type, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[start : start + BATCH])


def _day_slots(day: date) -> list[tuple[datetime, datetime, datetime]]:
    """A day's 12 slots (start, end, end of buffer) in UTC, 08:00–16:00 local time."""
    start = datetime(day.year, day.month, day.day, 8, tzinfo=LOCAL)
    closes = datetime(day.year, day.month, day.day, 16, tzinfo=LOCAL)
    out = []
    while start + timedelta(minutes=USE + BUFFER) <= closes:
        end = start + timedelta(minutes=USE)
        out.append((start, end, end + timedelta(minutes=BUFFER)))
        start = end + timedelta(minutes=BUFFER)
    return [(a.astimezone(UTC), b.astimezone(UTC), c.astimezone(UTC)) for a, b, c in out]


def _places(session: Session, index: TerritoryIndex) -> list[tuple[str, str]]:
    """(region, facility) of each public hospital, in a stable order."""
    rows = session.execute(
        select(FacilityRow.id, FacilityRow.province_code)
        .where(FacilityRow.category.in_(HOSPITALS), FacilityRow.sector == "public")
        .order_by(FacilityRow.id)
    ).all()
    out = []
    for facility, province in rows:
        region = index.ancestor_at(province, TerritoryLevel.REGION)
        if region is not None:
            out.append((region.code, facility))
    return out


def _resource(n: int, facility: str, specialty: str) -> dict[str, object]:
    equipment = n <= EQUIPMENT
    return {
        "id": n, "kind": "equipment" if equipment else "specialist",
        "equipment_id": 900_000 + n if equipment else None,
        "specialist_id": None if equipment else n, "facility_id": facility,
        "specialty": specialty, "service": "imaging" if equipment else "specialist_consultation",
        "label": f"synthetic {specialty} {n}", "slot_minutes": USE, "buffer_minutes": BUFFER,
        "min_notice_hours": 24, "max_notice_days": 366, "approval_required": False,
        "grace_minutes": 30, "active": True, "version": 1, "created_at": AT,
        "created_by": "benchmark",
    }  # fmt: skip


def seed(factory: sessionmaker[Session], index: TerritoryIndex) -> list[tuple[str, str]]:
    """The synthetic resources, slots and bookings: the (region, specialty) pairs asked."""
    rng = random.Random(SEED)
    days, day = [], date(YEAR, 1, 1)
    while day.year == YEAR:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    grid = {d: _day_slots(d) for d in days}
    with factory() as session:
        places = _places(session, index)
        resources, asked = [], set()
        for n in range(1, RESOURCES + 1):
            region, facility = places[(n * 7) % len(places)]
            specialty = rng.choice(KINDS if n <= EQUIPMENT else SPECIALTIES)
            resources.append(_resource(n, facility, specialty))
            asked.add((region, specialty))
            if n <= EQUIPMENT:
                session.execute(insert(EquipmentRow), [{
                    "id": 900_000 + n, "facility_id": facility, "kind": specialty,
                    "status": "working", "source": "synthetic (benchmark)", "updated_at": AT,
                    "version": 1}])  # fmt: skip
            else:
                session.execute(insert(SpecialistRow), [{
                    "id": n, "specialty": specialty, "home_facility_id": facility,
                    "label": f"synthetic {n}", "active": True,
                    "source": "synthetic (benchmark)", "updated_at": AT,
                    "version": 1}])  # fmt: skip
        session.execute(insert(PartnerRow), [{
            "id": "synthetic-partner", "kind": "hospital", "name_fr": "synthetic",
            "name_ar": "synthetic", "territory_code": "MA", "active": True, "created_at": AT,
            "updated_at": AT, "version": 1}])  # fmt: skip
        _insert(session, ResourceRow, resources)
        _insert(session, AvailabilityRow, [
            {"resource_id": r["id"], "weekday": w, "opens": "08:00", "closes": "16:00"}
            for r in resources for w in range(5)])  # fmt: skip
        slots = [
            {"id": len(days) * 12 * (int(r["id"]) - 1) + i * 12 + j + 1,
             "resource_id": r["id"], "facility_id": r["facility_id"],
             "specialty": r["specialty"], "start": a, "end": b, "buffer_end": c}
            for r in resources for i, d in enumerate(days) for j, (a, b, c) in enumerate(grid[d])
        ]  # fmt: skip
        bookings = []
        for n, i in enumerate(rng.sample(range(len(slots)), BOOKINGS), start=1):
            slot = slots[i]
            slot["booking_id"] = n
            bookings.append({
                "id": n, "resource_id": slot["resource_id"], "partner_id": "synthetic-partner",
                "facility_id": slot["facility_id"], "start": slot["start"], "end": slot["end"],
                "slots": 1, "status": "confirmed", "from_pool": 0, "created_at": AT,
                "created_by": "benchmark", "updated_at": AT, "version": 1})  # fmt: skip
        _insert(session, SlotRow, slots)
        _insert(session, BookingRow, bookings)
        if session.get_bind().dialect.name == "postgresql":  # ids given: sequences moved on
            for table in ("equipment", "registry_specialists", "sharing_resources",
                          "sharing_slots", "sharing_bookings"):  # fmt: skip
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                ))  # fmt: skip
        session.commit()
    print(f"seeded {RESOURCES} resources, {len(slots):,} slots, {BOOKINGS:,} bookings")
    return sorted(asked)


def _asked(factory: sessionmaker[Session], index: TerritoryIndex) -> list[tuple[str, str]]:
    """The (region, specialty) pairs of a database seeded before."""
    with factory() as session:
        rows = session.execute(
            select(ResourceRow.facility_id, ResourceRow.specialty, FacilityRow.province_code)
            .join(FacilityRow, FacilityRow.id == ResourceRow.facility_id)
            .where(ResourceRow.created_by == "benchmark", ResourceRow.id <= RESOURCES)
        ).all()
    out = set()
    for _, specialty, province in rows:
        region = index.ancestor_at(province, TerritoryLevel.REGION)
        if region is not None:
            out.add((region.code, specialty))
    return sorted(out)


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def in_process(
    factory: sessionmaker[Session], index: TerritoryIndex, asked: list[tuple[str, str]], calls: int
) -> tuple[list[float], list[float], int]:
    """Ours and the peer, alternating: their times (s) and how many answers differed."""
    ours, peer, differed = [], [], 0
    for n in range(calls + 1):
        region, specialty = asked[n % len(asked)]
        with factory() as session:
            began = time.perf_counter()
            found = next_free_slots(session, specialty, region, FROM, 10, index)
            took = time.perf_counter() - began
        with factory() as session:
            began = time.perf_counter()
            rows = session.execute(
                PEER,
                {"specialty": specialty, "after": FROM + timedelta(hours=24), "region": region},
            ).all()
            peer_took = time.perf_counter() - began
        differed += [f.id for f in found] != [r.id for r in rows]
        if n:  # the first round warms up
            ours.append(took)
            peer.append(peer_took)
    return ours, peer, differed


def through_http(
    url: str, factory: sessionmaker[Session], asked: list[tuple[str, str]], calls: int
) -> list[float]:
    _, headers = account_headers(factory, f"slots-reader-{os.getpid()}", Role.VIEWER)
    process, base = start_server(SERVER, url, "1", quiet=True)  # answers checked here
    try:
        times = []
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for n in range(calls + 1):
                region, specialty = asked[n % len(asked)]
                params = {
                    "specialty": specialty,
                    "region": region,
                    "from": FROM.isoformat(),
                    "limit": 10,
                }
                began = time.perf_counter()
                client.get("/api/sharing/slots", params=params).raise_for_status()
                if n:
                    times.append(time.perf_counter() - began)
        return times
    finally:
        process.terminate()
        process.wait(timeout=30)


SLOTS, ATTEMPTS = 20, 200


def _race_resource(factory: sessionmaker[Session], facility: str) -> tuple[int, list[str]]:
    """A new x-ray unit shared one day three days on, 08:00–18:00 local, 30-minute uses:
    20 free slots. Its id and the slots' starts."""
    from qurb.kernel import clock
    from qurb.kernel.actor import Actor
    from qurb.platform.database import transaction
    from qurb.sharing.model import local_day
    from qurb.sharing.service import OpeningInput, RuleInput, set_availability, share_equipment

    now = clock.now()
    day = local_day(now) + timedelta(days=3)
    with transaction(factory) as s:
        unit = EquipmentRow(
            facility_id=facility, kind="xray", status="working", source="synthetic (benchmark)",
            updated_at=now,
        )  # fmt: skip
        s.add(unit)
        s.flush()
        actor = Actor.local("benchmark")
        rules = RuleInput(slot_minutes=30, min_notice_hours=0, max_notice_days=30)
        resource = share_equipment(s, actor, unit.id, rules, "imaging").id
        set_availability(
            s, actor, resource, [OpeningInput(day.weekday(), "08:00", "18:00", None, day, day)]
        )
        starts = s.execute(
            text("SELECT start FROM sharing_slots WHERE resource_id = :r ORDER BY start"),
            {"r": resource},
        ).scalars()
        return resource, [t.isoformat() for t in starts]


def race(url: str, factory: sessionmaker[Session], facility: str) -> None:
    """200 booking requests on 20 slots to a two-process server; then the peer: the same
    claims as one conditional UPDATE each from 200 connections."""
    resource, starts = _race_resource(factory, facility)
    assert len(starts) == SLOTS
    _, headers = account_headers(factory, f"race-booker-{os.getpid()}", Role.RESOURCE_MANAGER)
    process, base = start_server(SERVER, url, "2", quiet=True)
    first: Counter[int] = Counter()
    final: Counter[int] = Counter()
    gate = threading.Barrier(ATTEMPTS)

    def attempt(i: int) -> None:
        body = {"resource_id": resource, "start": starts[i % SLOTS]}
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            gate.wait()
            answer = client.post("/api/sharing/bookings", json=body)
            first[answer.status_code] += 1
            while answer.status_code == 503:  # busy: sent again when told, as a client does
                time.sleep(float(answer.headers.get("retry-after", "1")))
                answer = client.post("/api/sharing/bookings", json=body)
            final[answer.status_code] += 1

    try:
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
            list(pool.map(attempt, range(ATTEMPTS)))
        took = time.perf_counter() - began
    finally:
        process.terminate()
        process.wait(timeout=30)
    from qurb.platform.database import transaction
    from qurb.sharing.integrity import check

    with transaction(factory) as s:
        overlapping = check(s, resource).overlapping_pairs  # the CI race test's check
    fives = sum(n for code, n in first.items() if code >= 500)
    print(f"\nrace, qurb serve --workers 2: {ATTEMPTS} requests on {SLOTS} slots in {took:.2f} s")
    print(f"  first answers {dict(sorted(first.items()))}; final {dict(sorted(final.items()))}")
    print(f"  5xx answers: {fives}; overlapping active bookings: {overlapping}")
    _race_peer(url, resource)


def _race_peer(url: str, resource: int) -> None:
    """The same 200 claims straight in SQL, one conditional UPDATE each, from 50
    connections released together (PostgreSQL's default allows 100 connections)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as c:
        c.execute(
            text("UPDATE sharing_slots SET booking_id = NULL WHERE resource_id = :r"),
            {"r": resource},
        )
        ids = (
            c.execute(
                text("SELECT id FROM sharing_slots WHERE resource_id = :r ORDER BY start"),
                {"r": resource},
            )
            .scalars()
            .all()
        )
    threads = 50
    gate = threading.Barrier(threads)
    won: Counter[bool] = Counter()
    claim = text("UPDATE sharing_slots SET booking_id = :b WHERE id = :s AND booking_id IS NULL")

    def attempts(t: int) -> None:
        with engine.connect() as c:
            gate.wait()
            for i in range(t, ATTEMPTS, threads):
                with c.begin():
                    taken = c.execute(claim, {"b": 10_000_000 + i, "s": ids[i % SLOTS]}).rowcount
                won[taken == 1] += 1

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(attempts, range(threads)))
    engine.dispose()
    print(f"  peer (SQL alone, {threads} connections): {won[True]} claims won, {won[False]} lost, "
          f"in {time.perf_counter() - began:.2f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--postgres", help="a disposable PostgreSQL database's URL")
    parser.add_argument("--reuse", action="store_true", help="keep the database seeded before")
    args = parser.parse_args()
    if args.postgres:
        url = args.postgres
        if not args.reuse:
            with make_engine(url).begin() as c:  # its tables made again
                c.execute(text("DROP SCHEMA public CASCADE"))
                c.execute(text("CREATE SCHEMA public"))
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='qurb-bench-slots-')) / 'bench.sqlite'}"
    engine = make_engine(url)
    began = time.perf_counter()
    if not (args.reuse and args.postgres):
        init_database(engine)
    factory = make_sessionmaker(engine)
    with factory() as session:
        index = TerritoryIndex.from_session(session)
    reused = args.reuse and args.postgres
    asked = _asked(factory, index) if reused else seed(factory, index)
    print(f"ready in {time.perf_counter() - began:.0f} s ({engine.dialect.name})")
    ours, peer, differed = in_process(factory, index, asked, args.calls)
    http = through_http(url, factory, asked, args.calls)
    print(f"\nnext free slots, {args.calls} calls over {len(asked)} (region, specialty) pairs")
    print(f"  {'':<28} {'p50 ms':>8} {'p95 ms':>8}")
    for name, times in (
        ("qurb, in process", ours),
        ("qurb, through HTTP", http),
        ("peer, one SQL query", peer),
    ):
        print(f"  {name:<28} {_ms(times, 0.5):>8.2f} {_ms(times, 0.95):>8.2f}")
    print(f"  ratio of p95, qurb in process / peer: {_ms(ours, 0.95) / _ms(peer, 0.95):.2f}")
    print(f"  answers that differed from the peer's: {differed}")
    if args.postgres:
        with factory() as session:
            facility = session.execute(
                select(ResourceRow.facility_id).order_by(ResourceRow.id).limit(1)
            ).scalar_one()
        race(url, factory, facility)
    engine.dispose()


if __name__ == "__main__":
    main()
