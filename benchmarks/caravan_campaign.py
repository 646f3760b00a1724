"""A caravan campaign for every rural commune of one province over 10 days.

Targets: planned (priority, attendance, travel matrix, PyVRP schedule) in under 3 s end
to end, the search stopping once it stops improving (`no_improvement_iterations` in
caravan.toml), with expected patients within 1 % and km within 2 % of the plan PyVRP
makes in the full 10 s, measured in the same run. Default: both provinces below.
Taroudannt (09.541), the province with the most rural communes (81),
from its two hospitals (Mokhtar Es-Soussi HP in Taroudannt, Oulad Teima HPr), with four
mobile units, 10 working days (no rest day), on the bundled commune-graph model.

Peer, measured in the same run: planning "by habit", as the issue describes current
practice: the communes in priority order, one visit per unit-day, each to the first
free unit-day whose round trip from the unit's base fits in the day; then the further
visits that large communes need, in the same order. The ratio is the
expected patients the PyVRP plan reaches against that plan.

    .venv/bin/python benchmarks/caravan_campaign.py [--province 09.541] [--seconds 10]
        [--no-improvement N]

Boulemane (03.131), 17 rural communes, from the provincial hospital of Missour.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from qurb.access.travel_models import make_model
from qurb.app.dataset import init_database
from qurb.caravans.catalogue import parse_campaign
from qurb.caravans.model import CampaignSpec
from qurb.caravans.plan import CampaignPlan
from qurb.caravans.schedule import expected_of_served, plan_needs
from qurb.caravans.service import CampaignSetup, prepare_campaign, schedule_campaign
from qurb.platform.database import make_engine, make_sessionmaker

SPECIALTIES = ["general_medicine", "gynaecology_obstetrics", "paediatrics", "ophthalmology"]


def campaign(province: str, bases: list[str], start: date) -> dict[str, object]:
    capacity = {
        "general_medicine": 120,
        "gynaecology_obstetrics": 40,
        "paediatrics": 50,
        "ophthalmology": 50,
    }
    return {
        "name": f"Benchmark campaign {province}",
        "territory": province,
        "start": start.isoformat(),
        "end": (start + timedelta(days=9)).isoformat(),
        "rest_days": [],
        "specialties": SPECIALTIES,
        "bases": [{"name": f"base {i + 1}", "facility": f} for i, f in enumerate(bases)],
        "teams": [{"name": "team", "staff": {s: 1 for s in SPECIALTIES}}],
        "units": [
            {
                "name": f"unit {k + 1}",
                "base": f"base {k % len(bases) + 1}",
                "team": "team",
                "capacity": capacity,
            }
            for k in range(4)
        ],
    }


PROVINCES = {
    "09.541": "hosp-09.541.01.13-mokhtar-es-soussi,hosp-09.541.01.09-oulad-teima",
    "03.131": "hosp-03.131.01.03-marche-verte",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--province",
        action="append",
        help="province code (repeatable; default: Taroudannt 09.541 and Boulemane 03.131)",
    )
    parser.add_argument(
        "--bases", help="facility ids of the bases, comma-separated (one --province only)"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="PyVRP time limit")
    parser.add_argument(
        "--no-improvement",
        type=int,
        default=None,
        help="iterations without improvement that stop the search (default: caravan.toml's)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    provinces = args.province or list(PROVINCES)
    if args.bases and len(provinces) != 1:
        parser.error("--bases goes with one --province")
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        init_database(engine)
        factory = make_sessionmaker(engine)
        for province in provinces:
            bases = (args.bases or PROVINCES[province]).split(",")
            with factory() as session:
                bench_province(session, province, bases, args)


def _end_to_end(
    session: Session, spec: CampaignSpec, today: date, args: argparse.Namespace, n: int
) -> tuple[CampaignPlan, CampaignSetup, float, float]:
    """Scores, attendance, travel matrix and schedule, timed from the start; the plan,
    its setup, the whole time and the preparing time."""
    t0 = time.perf_counter()
    setup = prepare_campaign(session, spec, make_model(session), today)
    t1 = time.perf_counter()
    plan = schedule_campaign(setup, time_limit_s=args.seconds, seed=args.seed, no_improvement=n)
    return plan, setup, time.perf_counter() - t0, t1 - t0


def bench_province(
    session: Session, province: str, bases: list[str], args: argparse.Namespace
) -> None:
    today = date.today()
    spec = parse_campaign(campaign(province, bases, today + timedelta(days=7)))
    n = (
        args.no_improvement
        if args.no_improvement is not None
        else int(spec.setting("no_improvement_iterations"))
    )
    # The early stop first: it bears whatever the first run in a process pays (imports,
    # the travel model's caches).
    plan, setup, elapsed, prep = _end_to_end(session, spec, today, args, n)
    full, _, full_s, full_prep = _end_to_end(session, spec, today, args, 0)
    t2 = time.perf_counter()
    peer = plan_by_habit(setup)
    peer_s = time.perf_counter() - t2
    totals = plan.totals
    ours = sum(totals.expected_patients.values())
    full_patients = sum(full.totals.expected_patients.values())
    print(
        f"province {plan.campaign.territory.name_fr} ({province}): "
        f"{totals.candidates} rural communes, 10 days, {len(spec.units)} units, "
        f"{len(spec.bases)} bases"
    )
    print(
        f"  Qurb, stopping after {n} iterations without improvement (or {args.seconds:g} s): "
        f"{totals.visits} visits to {totals.communes_visited} communes, {ours:,} expected "
        f"patients, {totals.distance_km:,.0f} km, dropped {len(plan.dropped)}; "
        f"{plan.solver.iterations} iterations; {elapsed:.2f} s end to end "
        f"({prep:.2f} s scores, attendance and travel matrix; {elapsed - prep:.2f} s schedule)"
    )
    print(
        f"  Qurb, PyVRP for the full {args.seconds:g} s: {full.totals.visits} visits to "
        f"{full.totals.communes_visited} communes, {full_patients:,} expected patients, "
        f"{full.totals.distance_km:,.0f} km; {full.solver.iterations} iterations; "
        f"{full_s:.2f} s end to end ({full_prep:.2f} s preparing)"
    )
    patients_ratio = ours / max(full_patients, 1)
    km_ratio = totals.distance_km / max(full.totals.distance_km, 1e-9)
    print(
        f"  early stop / full: expected patients {patients_ratio:.4f} (within 1 %: "
        f"{'met' if patients_ratio >= 0.99 else 'NOT met'}), km {km_ratio:.4f} (within 2 %: "
        f"{'met' if km_ratio <= 1.02 else 'NOT met'}), end to end {elapsed:.2f} s "
        f"(< 3 s: {'met' if elapsed < 3 else 'NOT met'})"
    )
    print(
        f"  peer (by habit, priority order, one visit a unit-day): {peer['visits']} visits to "
        f"{peer['communes']} communes, {peer['patients']:,.0f} expected patients, "
        f"{peer['km']:,.0f} km ({peer_s * 1000:.1f} ms); ratio expected patients Qurb / by "
        f"habit: {ours / max(peer['patients'], 1):.2f}×"
    )


def plan_by_habit(setup: CampaignSetup) -> dict[str, int | float]:
    """One visit per unit-day, communes in priority order, each visit as long as the day
    allows after the round trip from the unit's base (the same needs as the PyVRP plan)."""
    inp = setup.inp
    needs = plan_needs(inp)
    # First visits in priority order, then the further visits large communes need.
    order = sorted(needs.visits, key=lambda v: (v.number, -inp.stops[v.stop].score))
    unit_days = [(u, d) for d in inp.working_days for u in range(len(inp.units))]
    placed: set[int] = set()  # indices into needs.visits
    km = 0.0
    communes = set()
    day_minutes = inp.hours[1] - inp.hours[0]
    index_of = {id(v): i for i, v in enumerate(needs.visits)}
    for need in order:
        stop = inp.stops[need.stop]
        chosen = -1
        for k, (u, _) in enumerate(unit_days):  # the first free unit-day that fits
            base = inp.bases[inp.units[u].base].location
            trip = (
                inp.duration_minutes[base, stop.location]
                + inp.duration_minutes[stop.location, base]
            )
            if trip + need.service_minutes <= day_minutes:
                chosen = k
                break
        if chosen < 0:
            continue
        unit_days.pop(chosen)
        placed.add(index_of[id(need)])
        communes.add(stop.code)
        km += inp.distance_km[base, stop.location] + inp.distance_km[stop.location, base]
    # Patients counted as in the PyVRP plan: shared over the visits of a commune kept.
    expected = expected_of_served(inp, needs, placed)
    patients = sum(sum(e.values()) for e in expected.values())
    return {"visits": len(placed), "communes": len(communes), "patients": round(patients), "km": km}


if __name__ == "__main__":
    main()
