"""Benchmark: importing a province's capacity workbook of 300 facilities with capacity and
1,000 equipment items, against the same rows inserted by a plain SQLAlchemy Core bulk
insert, same run (issue figure: under 5 s).

SYNTHETIC values on a seeded set: no province of the bundled data lists 300 open public
facilities (the most, 06.141, lists 131), so the copy of the bundled database gets
synthetic facilities in that province (ids `synthetic-bench-NNN`, copies of its real
ones' places) up to 300. The workbook is the province's template (`capacity_template`)
filled with seeded random values: per facility its beds, the five professions' headcounts,
opening hours, two services' beds and two specialties (11 values), and 1,000 new items
of equipment (a tenth down, with a reason and a date). The import is timed from the file
to the commit (read, every cell checked against the recorded values, the bulk writer with
its audit entries and the import's record); the peer inserts the same 3,300 values and
1,000 items with `insert(table)` executemany into another copy, no check, no audit.

Run:  .venv/bin/python benchmarks/capacity_import.py [--repeat 3] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import Engine, delete, insert, text

from qurb.app.dataset import init_database
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.platform.database import make_engine, make_sessionmaker, transaction
from qurb.registry._tables import CapacityValueRow, EquipmentRow, FacilityRow
from qurb.registry.capacity_import import (
    capacity_template,
    code_lists,
    import_capacity_workbook,
)
from qurb.registry.service import FacilityFilter, list_facilities

PROVINCE = "06.141"
FACILITIES = 300
EQUIPMENT = 1_000
SOURCE = "benchmarks/capacity_import.py (synthetic values)"
BY = Actor.local("benchmark")


def seed_facilities(engine: Engine) -> list[str]:
    """The province's facilities a template lists (its open public offer), topped up with
    synthetic ones to 300."""
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        listed = list_facilities(session, FacilityFilter(territory=PROVINCE))
        real = [session.get(FacilityRow, f.id) for f in listed]
        columns = [c.key for c in FacilityRow.__table__.columns]
        rows = []
        for n in range(FACILITIES - len(real)):
            model = real[n % len(real)]
            values = {c: getattr(model, c) for c in columns}
            values |= {"id": f"synthetic-bench-{n:03d}", "name": f"Synthetic {n:03d}"}
            values |= {"osm_id": None, "source": SOURCE, "source_row": None}
            rows.append(values)
        session.execute(insert(FacilityRow.__table__), rows)
        return [f.id for f in real] + [r["id"] for r in rows]


def filled_workbook(engine: Engine, path: Path, seed: int = 0) -> dict[str, list[dict[str, Any]]]:
    """The province's template filled with seeded values; the same rows for the peer."""
    rng = random.Random(seed)
    lists = code_lists()
    professions = lists.codes("professions")
    services, specialties = lists.codes("bed_services"), lists.codes("specialties")
    kinds = lists.codes("equipment_kinds")
    with transaction(make_sessionmaker(engine)) as session:
        _, data = capacity_template(session, PROVINCE, "fr")
    workbook = openpyxl.load_workbook(BytesIO(data))
    capacity = workbook["capacity"]
    beds_sheet, specialists_sheet = workbook["beds_by_service"], workbook["specialists"]
    equipment_sheet = workbook["equipment"]
    today = clock.today()
    values: list[dict[str, Any]] = []
    ids = [capacity.cell(r, 1).value for r in range(3, capacity.max_row + 1)]
    assert len(ids) == FACILITIES, len(ids)
    for offset, facility_id in enumerate(ids):
        row = 3 + offset
        counts = {"beds": rng.randint(0, 400)}
        counts |= {f"staff.{p}": rng.randint(0, 60) for p in professions}
        for column, measure in enumerate(counts, start=6):
            capacity.cell(row, column).value = counts[measure]
        capacity.cell(row, 6 + len(counts)).value = (
            "24/7" if rng.random() < 0.3 else "Mo-Fr 08:00-16:00"
        )
        for sheet, codes, prefix in (
            (beds_sheet, services, "beds."),
            (specialists_sheet, specialties, "specialists."),
        ):
            for k, code in enumerate(rng.sample(codes, 2)):
                line = 3 + 2 * offset + k
                count = rng.randint(0, 40)
                sheet.cell(line, 1).value, sheet.cell(line, 2).value = facility_id, code
                sheet.cell(line, 3).value = count
                counts[prefix + code] = count
        values += [
            {"facility_id": facility_id, "measure": m, "count": c, "text": None}
            for m, c in counts.items()
        ]
        values.append(
            {
                "facility_id": facility_id,
                "measure": "hours",
                "count": None,
                "text": capacity.cell(row, 6 + len(professions) + 1).value,
            }
        )
    items: list[dict[str, Any]] = []
    for n in range(EQUIPMENT):
        line = 3 + n
        down = n % 10 == 0
        item = {
            "facility_id": ids[n % len(ids)],
            "kind": rng.choice(kinds),
            "model": f"Model {rng.randint(1, 50)}",
            "inventory_ref": f"INV-{n:05d}",
            "in_service": today - timedelta(days=rng.randint(100, 4000)),
            "status": "down" if down else "working",
            "down_reason": "panne (synthétique)" if down else None,
            "down_since": today - timedelta(days=rng.randint(1, 90)) if down else None,
            "retired_on": None,
        }
        for column, key in enumerate(item, start=2):
            equipment_sheet.cell(line, column).value = item[key]
        items.append(item)
    workbook.save(path)
    return {"values": values, "equipment": items}


def peer_insert(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> float:
    """The same rows by a plain Core bulk insert (executemany), one transaction."""
    now, today = clock.now(), clock.today()
    values = [
        {**v, "source": SOURCE, "as_of": today, "entered_by": "benchmark", "entered_at": now}
        for v in rows["values"]
    ]
    items = [{**i, "source": SOURCE, "updated_at": now, "version": 1} for i in rows["equipment"]]
    start = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(insert(CapacityValueRow.__table__), values)
        connection.execute(insert(EquipmentRow.__table__), items)
    return time.perf_counter() - start


def ours(engine: Engine, path: Path) -> tuple[float, Any]:
    start = time.perf_counter()
    with transaction(make_sessionmaker(engine)) as session:
        result = import_capacity_workbook(session, lambda _code: BY, path, source=SOURCE)
    return time.perf_counter() - start, result


def _fresh(engine: Engine, facilities: list[str]) -> None:
    """The copy as before an import: no capacity, no equipment, no import recorded."""
    with engine.begin() as connection:
        connection.execute(delete(EquipmentRow.__table__))
        connection.execute(delete(CapacityValueRow.__table__))
        connection.execute(text("DELETE FROM capacity_imports"))
        connection.execute(
            FacilityRow.__table__.update()
            .where(FacilityRow.__table__.c.id.in_(facilities))
            .values(beds=None, doctors=None)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("QURB_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qurb-bench-") as folder:
        base = Path(folder) / "bundled.sqlite"
        if args.postgres:
            engine = make_engine(args.postgres)
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            urls = {"ours": args.postgres, "peer": args.postgres}
        else:
            engine = make_engine(f"sqlite:///{base}")
            urls = {}
        init_database(engine)
        facilities = seed_facilities(engine)
        workbook = Path(folder) / "capacity-06.141.xlsx"
        start = time.perf_counter()
        rows = filled_workbook(engine, workbook)
        template_s = time.perf_counter() - start
        engine.dispose()
        if not args.postgres:
            for name in ("ours", "peer"):
                shutil.copy(base, Path(folder) / f"{name}.sqlite")
                urls[name] = f"sqlite:///{Path(folder) / name}.sqlite"
        ours_times, peer_times = [], []
        for _ in range(args.repeat):
            for name, times in (("ours", ours_times), ("peer", peer_times)):
                engine = make_engine(urls[name])
                _fresh(engine, facilities)
                if name == "ours":
                    seconds, result = ours(engine, workbook)
                    written = result.written
                    assert (written.values, written.equipment_added) == (3_300, EQUIPMENT)
                else:
                    seconds = peer_insert(engine, rows)
                times.append(seconds)
                engine.dispose()
    ours_s, peer_s = statistics.median(ours_times), statistics.median(peer_times)
    where = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{where}: province {PROVINCE}, {FACILITIES} facilities (synthetic values, seeded set)")
    print(f"template (generate, fill, save): {template_s:.2f} s")
    print(
        f"import, file to commit (3,300 values, {EQUIPMENT:,} items, audit): "
        f"{ours_s:.2f} s (target < 5 s: {'met' if ours_s < 5 else 'NOT met'})"
    )
    print(f"peer: Core bulk insert of the same rows: {peer_s:.3f} s")
    print(f"ratio import / peer: {ours_s / peer_s:.1f}x (median of {args.repeat})")
    print(
        "runs:",
        ", ".join(f"{s:.2f}" for s in ours_times),
        "|",
        ", ".join(f"{s:.3f}" for s in peer_times),
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
