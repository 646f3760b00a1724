"""Benchmark: gap and access figures with capacity known everywhere in a region (issue
figure: within 1.5× of today's times, capacity unknown).

No real capacity exists (the Ministry's lists have none): the beds and doctors are
SYNTHETIC, seeded (numpy seed 0) into a copy of the bundled national database: every open
hospital of the region gets 20–400 beds and every open facility of the region (every
sector the registry lists) 1–30 doctors. They stand for nothing real and are printed as synthetic.

Measures, in one run, on two copies of the national database (the bundled one, capacity
unknown as today; the seeded copy):
  1. the region's gaps (every bundled norm set, by commune): the bed and doctor lines
     compute their share known, and with the seed their figures;
  2. the region's 2SFCA (general hospitals, 60 min): today's one-per-facility index on the
     bundled database against the index by beds on the seeded copy;
  3. the region's catchments (general hospitals): today's call against `supply=beds`.
Prints the medians and each ratio (seeded / today); the target is 1.5× at most.

Run:  .venv/bin/python benchmarks/capacity_figures.py [--repeat 7] [--region Fès-Meknès]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text

from qurb.access.weighted import compute_2sfca_report, compute_catchment_report
from qurb.app.dataset import init_database
from qurb.norms.model import SupplyMeasure
from qurb.norms.norm_sets import resolve_norm_sets
from qurb.norms.service import compute_territory_gaps
from qurb.platform.database import make_engine, make_sessionmaker
from qurb.registry.model import hospital_categories
from qurb.registry.points import FacilitySelector
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model

HOSPITALS = FacilitySelector.from_options(levels=["secondary"])  # general hospitals
TARGET = 1.5


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def seed_capacity(url: str, region_code: str) -> tuple[int, int]:
    """Write synthetic beds (hospitals) and doctors (every facility) on the open facilities
    of the region; returns (hospitals, facilities) seeded."""
    engine = make_engine(url)
    rng = np.random.default_rng(0)
    hospitals = set(hospital_categories())
    with engine.begin() as connection:
        rows = connection.execute(
            text(
                "SELECT id, category FROM facilities WHERE status = 'open' "
                "AND province_code LIKE :region ORDER BY id"
            ),
            {"region": f"{region_code}.%"},
        ).all()
        n_hospitals = 0
        for facility_id, category in rows:
            beds = int(rng.integers(20, 401)) if category in hospitals else None
            n_hospitals += beds is not None
            connection.execute(
                text("UPDATE facilities SET beds = :beds, doctors = :doctors WHERE id = :id"),
                {"beds": beds, "doctors": int(rng.integers(1, 31)), "id": facility_id},
            )
    engine.dispose()
    return n_hospitals, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--region", default="Fès-Meknès")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        today_path = Path(folder) / "today.sqlite"
        seeded_path = Path(folder) / "seeded.sqlite"
        today_url, seeded_url = f"sqlite:///{today_path}", f"sqlite:///{seeded_path}"
        engine = make_engine(today_url)
        init_database(engine)
        engine.dispose()
        shutil.copyfile(today_path, seeded_path)
        today = make_sessionmaker(make_engine(today_url))
        seeded = make_sessionmaker(make_engine(seeded_url))
        with today() as session:
            index = TerritoryIndex.from_session(session)
            region = index.resolve(args.region)
            model = commune_graph_model(session)  # the same commune graph in both copies
        n_hospitals, n_facilities = seed_capacity(seeded_url, region.code)
        print(
            f"SYNTHETIC capacity (seed 0, not real data) in {region.name_fr} ({region.code}): "
            f"{n_hospitals} hospitals with 20-400 beds, {n_facilities} facilities with 1-30 "
            "doctors"
        )
        norm_sets = resolve_norm_sets([])

        def gaps(factory: Any) -> Callable[[], Any]:
            def run() -> Any:
                with factory() as session:
                    return compute_territory_gaps(session, region.code, norm_sets, index=index)

            return run

        def two_step(factory: Any, supply: SupplyMeasure) -> Callable[[], Any]:
            def run() -> Any:
                with factory() as session:
                    return compute_2sfca_report(
                        session, region, HOSPITALS, model, 60.0, "step", index, supply
                    )

            return run

        def catchments(factory: Any, supply: SupplyMeasure) -> Callable[[], Any]:
            def run() -> Any:
                with factory() as session:
                    return compute_catchment_report(
                        session, region, HOSPITALS, model, index, supply
                    )

            return run

        facilities, beds = SupplyMeasure.FACILITIES, SupplyMeasure.BEDS
        cases = [
            ("gaps of the region, every norm set", gaps(today), gaps(seeded)),
            (
                "2SFCA of the region, general hospitals, 60 min (today: per facility)",
                two_step(today, facilities),
                two_step(seeded, beds),
            ),
            (
                "catchments of the region's general hospitals",
                catchments(today, facilities),
                catchments(seeded, beds),
            ),
        ]
        print(f"| measurement ({args.repeat} runs) | today | capacity known | ratio |")
        print("|---|---|---|---|")
        worst = 0.0
        for name, before, after in cases:
            before()  # warm: imports and first queries outside the timing
            after()
            t_before, _ = median_time(before, args.repeat)
            t_after, result = median_time(after, args.repeat)
            ratio = t_after / t_before
            worst = max(worst, ratio)
            print(f"| {name} | {t_before * 1000:.1f} ms | {t_after * 1000:.1f} ms | {ratio:.2f}× |")
            _check(name, result)
        verdict = "met" if worst <= TARGET else "NOT met"
        print(f"worst ratio {worst:.2f}× (target ≤ {TARGET}×): {verdict}")


def _check(name: str, result: Any) -> None:
    """The seeded answers do use the capacity (a figure measured on nothing is no figure)."""
    if hasattr(result, "lines"):
        beds = [g for g in result.lines if g.capacity_measure == "beds" and g.facilities_counted]
        known = sum(g.supply is not None for g in beds)
        print(f"  (bed lines with hospitals: {len(beds)}, all beds known on {known})")
    elif result.known is not None:
        k = result.known
        print(f"  ({k.known} of {k.facilities} facilities with beds known, {k.left_out} left out)")


if __name__ == "__main__":
    main()
