"""A caravan campaign for every rural commune of one province over 10 days.

Target: planned (priority, attendance, travel matrix, PyVRP schedule) in under 30 s.
Default province: Taroudannt (09.541), the province with the most rural communes (81),
from its two hospitals (Mokhtar Es-Soussi HP in Taroudannt, Oulad Teima HPr), with four
mobile units, 10 working days (no rest day), on the bundled commune-graph model.

Peer, measured in the same run: planning "by habit", as the issue describes current
practice: the communes in priority order, one visit per unit-day, each to the first
free unit-day whose round trip from the unit's base fits in the day; then the further
visits that large communes need, in the same order. The ratio is the
expected patients the PyVRP plan reaches against that plan.

    .venv/bin/python benchmarks/caravan_campaign.py [--province 09.541] [--seconds 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from qurb.access.travel_models import make_model
from qurb.app.dataset import init_database
from qurb.caravans.catalogue import parse_campaign
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--province", default="09.541")
    parser.add_argument(
        "--bases",
        default="hosp-09.541.01.13-mokhtar-es-soussi,hosp-09.541.01.09-oulad-teima",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="PyVRP time limit")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        init_database(engine)
        factory = make_sessionmaker(engine)
        with factory() as session:
            today = date.today()
            spec = parse_campaign(
                campaign(args.province, args.bases.split(","), today + timedelta(days=7))
            )
            t0 = time.perf_counter()
            model = make_model(session)
            setup = prepare_campaign(session, spec, model, today)
            t1 = time.perf_counter()
            plan = schedule_campaign(setup, time_limit_s=args.seconds, seed=args.seed)
            elapsed = time.perf_counter() - t0
            t2 = time.perf_counter()
            peer = plan_by_habit(setup)
            peer_s = time.perf_counter() - t2
    totals = plan.totals
    ours = sum(totals.expected_patients.values())
    print(
        f"province {plan.campaign.territory.name_fr} ({args.province}): "
        f"{totals.candidates} rural communes, 10 days, {len(spec.units)} units, "
        f"{len(spec.bases)} bases"
    )
    print(
        f"Qurb (PyVRP {args.seconds:g} s): {totals.visits} visits to "
        f"{totals.communes_visited} communes, {ours:,} expected patients, "
        f"{totals.distance_km:,.0f} km, dropped {len(plan.dropped)}; "
        f"planned in {elapsed:.1f} s end to end ({t1 - t0:.1f} s scores, attendance and "
        f"travel matrix; {elapsed - (t1 - t0):.1f} s schedule)"
    )
    print(
        f"peer (by habit, priority order, one visit a unit-day): {peer['visits']} visits to "
        f"{peer['communes']} communes, {peer['patients']:,.0f} expected patients, "
        f"{peer['km']:,.0f} km ({peer_s * 1000:.1f} ms)"
    )
    print(f"ratio expected patients Qurb / by habit: {ours / max(peer['patients'], 1):.2f}×")
    print(f"target: planned in < 30 s — {'met' if elapsed < 30 else 'NOT met'} ({elapsed:.1f} s)")


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
