"""Mobile medical caravans: plan a campaign.

`plan_campaign` scores the candidate communes of the campaign's territory
(`scoring.compute_campaign_priority`), resolves the bases and the stops, and schedules
the visits with PyVRP (`schedule`) on the travel times of a `TravelTimeModel`. The plan
is JSON-ready; `store.save_campaign` keeps it with one row per planned visit, which
`records.record_visits` then fills with what was done.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from qurb.algo.locator import CommuneLocator
from qurb.algo.routing import RoutingSolution, solve_routing
from qurb.algo.travel import Points, TravelTimeModel
from qurb.caravans.base_checks import check_bases
from qurb.caravans.catalogue import check_campaign, specialties
from qurb.caravans.model import CampaignError, CampaignSpec
from qurb.caravans.plan import (
    CampaignPlan,
    PlanBase,
    PlanCampaign,
    PlanDropped,
    PlanPartner,
    PlanPriority,
    PlanRoute,
    PlanSpecialty,
    PlanStop,
    PlanTeam,
    PlanTerritory,
    PlanTotals,
    PlanUnit,
    PriorityPart,
    SolverSummary,
)
from qurb.caravans.priority import Priority
from qurb.caravans.schedule import (
    CaravanBase,
    CaravanStop,
    CaravanUnit,
    ScheduleInput,
    SchedulePlan,
    build_problem,
    plan_needs,
    read_plan,
)
from qurb.caravans.scoring import (
    PriorityReport,
    compute_campaign_priority,
    priority_norm_kind,
    resolve_codes,
)
from qurb.registry.lookups import facility_brief
from qurb.territory.model import inside_morocco
from qurb.territory.service import TerritoryIndex

# ---------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class _Base:
    name: str
    lon: float
    lat: float
    commune: str
    facility: str | None


def resolve_bases(session: Session, spec: CampaignSpec, locate: CommuneLocator) -> list[_Base]:
    out = []
    for i, b in enumerate(spec.bases):
        if b.facility:
            row = facility_brief(session, b.facility)
            if row is None:
                values = {"field": f"bases[{i}].facility", "id": repr(b.facility)}
                raise CampaignError(code="base_no_facility", values=values)
            if row.status != "open":
                values = {"field": f"bases[{i}].facility", "name": row.name, "id": row.id}
                raise CampaignError(code="base_closed", values=values)
            out.append(_Base(b.name, row.lon, row.lat, row.commune_code, row.id))
            continue
        assert b.lon is not None and b.lat is not None
        if not inside_morocco(b.lon, b.lat):
            facts = {"field": f"bases[{i}]", "name": b.name, "lon": b.lon, "lat": b.lat}
            raise CampaignError(code="place_outside_morocco", values=facts)
        hit = locate.locate(b.lon, b.lat, tolerance_km=1.0)
        if hit is None:
            values = {"field": f"bases[{i}]", "name": b.name}
            raise CampaignError(code="place_in_no_commune", values=values)
        out.append(_Base(b.name, b.lon, b.lat, hit.code, None))
    return out


def _clock(minutes: float) -> str:
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def public_hours(start: float, departure: float, setup_minutes: float) -> tuple[str, str]:
    """When the public is told to come: half the setup after the team starts (installing)
    to half before it leaves (packing), on the quarter hour inside that window."""
    opens = math.ceil((start + setup_minutes / 2) / 15) * 15
    closes = math.floor((departure - setup_minutes / 2) / 15) * 15
    if closes <= opens:  # a very short visit: keep the team's own window
        return _clock(start), _clock(departure)
    return _clock(opens), _clock(closes)


def prepare_campaign(
    session: Session,
    spec: CampaignSpec,
    model: TravelTimeModel,
    today: date,
    index: TerritoryIndex | None = None,
) -> CampaignSetup:
    """Everything the schedule needs: scores, bases, stops, travel matrices."""
    from qurb.registry.service import commune_locator

    check_campaign(spec, today)
    index = index or TerritoryIndex.from_session(session)
    priority = compute_campaign_priority(session, spec, model, index)
    check_bases(session, spec, index, commune_locator(session))
    bases = resolve_bases(session, spec, commune_locator(session))
    by_code = {c.code: c for c in priority.communes}
    score = {p.code: p.score for p in priority.priorities}
    site_codes = resolve_codes(index, [s.commune for s in spec.sites], "sites", set(by_code))
    sites = dict(zip(site_codes, spec.sites, strict=True))
    for i, site in enumerate(spec.sites):
        if not inside_morocco(site.lon, site.lat):
            values = {"field": f"sites[{i}]", "name": site.name, "lon": site.lon, "lat": site.lat}
            raise CampaignError(code="place_outside_morocco", values=values)
    stops_communes = [c for c in priority.communes if c.code not in set(priority.forced_out)]
    lon = [b.lon for b in bases] + [
        sites[c.code].lon if c.code in sites else float(c.ref_lon or 0) for c in stops_communes
    ]
    lat = [b.lat for b in bases] + [
        sites[c.code].lat if c.code in sites else float(c.ref_lat or 0) for c in stops_communes
    ]
    communes = tuple([b.commune for b in bases] + [c.code for c in stops_communes])
    points = Points(np.array(lon), np.array(lat), communes, None, is_population=False)
    matrix = model.compute_matrix(points, points)
    duration = np.array(matrix.minutes, float)
    np.fill_diagonal(duration, 0.0)
    distance = np.array(matrix.distance_km, float)
    np.fill_diagonal(distance, 0.0)
    forced = set(priority.forced_in)
    stops = tuple(
        CaravanStop(
            c.code,
            sites[c.code].name if c.code in sites else c.name_fr,
            len(bases) + k,
            priority.expected[c.code],
            score[c.code],
            c.code in forced,
        )
        for k, c in enumerate(stops_communes)
    )
    base_index = {b.name: i for i, b in enumerate(bases)}
    units = tuple(
        CaravanUnit(
            u.name,
            base_index[u.base],
            u.team,
            {s: float(n) for s, n in u.capacity.items() if s in spec.specialties},
        )
        for u in spec.units
    )
    inp = ScheduleInput(
        specialties=tuple(spec.specialties),
        start_date=spec.start,
        working_days=tuple(spec.working_days()),
        hours=spec.hours.minutes,
        bases=tuple(CaravanBase(b.name, i) for i, b in enumerate(bases)),
        units=units,
        stops=stops,
        duration_minutes=duration,
        distance_km=distance,
        mode=spec.mode,
        max_tour_days=spec.max_tour_days,
        setup_minutes=float(spec.setting("setup_minutes")),
        min_service_minutes=float(spec.setting("min_service_minutes")),
        max_days_per_stop=int(spec.setting("max_days_per_stop")),
        coordinates=np.column_stack([lon, lat]),
    )
    return CampaignSetup(spec, priority, bases, stops, inp, lon, lat, model.name)


@dataclass(frozen=True)
class CampaignSetup:
    spec: CampaignSpec
    priority: PriorityReport
    bases: list[_Base]
    stops: tuple[CaravanStop, ...]
    inp: ScheduleInput
    lon: list[float]
    lat: list[float]
    model_name: str


def plan_campaign(
    session: Session,
    spec: CampaignSpec,
    model: TravelTimeModel,
    today: date,
    index: TerritoryIndex | None = None,
    time_limit_s: float | None = None,
    seed: int | None = None,
) -> CampaignPlan:
    """Priority, attendance and schedule of a campaign; nothing written."""
    setup = prepare_campaign(session, spec, model, today, index)
    return schedule_campaign(setup, time_limit_s, seed)


def schedule_campaign(
    setup: CampaignSetup,
    time_limit_s: float | None = None,
    seed: int | None = None,
    no_improvement: int | None = None,
) -> CampaignPlan:
    """Solve the visits of a prepared campaign with PyVRP; its plan. The search stops at
    the time limit, or earlier after `no_improvement` iterations without a better plan
    (default: the setting `no_improvement_iterations`; 0: the time limit only)."""
    spec, inp, stops = setup.spec, setup.inp, setup.stops
    units = inp.units
    needs = plan_needs(inp)
    unreachable_forced = [u for u in needs.unreachable if stops[u.stop].required]
    if unreachable_forced:
        lines = [
            f"  - {stops[u.stop].label} ({stops[u.stop].code}): {u.reason()}"
            for u in unreachable_forced
        ]
        raise CampaignError(code="forced_out_of_reach", values={"lines": "\n".join(lines)})
    if not needs.visits:
        lines = [
            f"  - {stops[u.stop].label} ({stops[u.stop].code}): {u.reason()}"
            for u in needs.unreachable[:20]
        ]
        raise CampaignError(code="nothing_within_a_day", values={"lines": "\n".join(lines)})
    problem, vehicles, owners = build_problem(inp, needs)
    solution = solve_routing(
        problem,
        time_limit_s=float(time_limit_s or spec.setting("time_limit_s")),
        seed=int(seed if seed is not None else spec.setting("seed")),
        resolution=10,
        no_improvement=int(
            no_improvement
            if no_improvement is not None
            else spec.setting("no_improvement_iterations")
        ),
    )
    if not solution.feasible:
        forced = [s for s in stops if s.required]
        if not forced:
            values = {"seconds": round(solution.runtime_s)}
            raise CampaignError(code="no_feasible_plan", values=values)
        need = sum(
            v.service_minutes for v in needs.visits if stops[v.stop].required and v.number == 1
        )
        available = len(inp.working_days) * len(units) * (inp.hours[1] - inp.hours[0])
        names = ", ".join(f"{s.label} ({s.code})" for s in forced)
        facts: dict[str, Any] = {"names": names, "need": round(need)}
        facts |= {"available": round(available), "days": len(inp.working_days)}
        raise CampaignError(code="forced_over_capacity", values={**facts, "units": len(units)})
    plan = read_plan(inp, needs, vehicles, owners, solution)
    return _plan_model(setup, plan, solution)


def _plan_model(
    setup: CampaignSetup, plan: SchedulePlan, solution: RoutingSolution
) -> CampaignPlan:
    spec, priority, bases, stops, inp = (
        setup.spec,
        setup.priority,
        setup.bases,
        setup.stops,
        setup.inp,
    )
    lon, lat, model_name = setup.lon, setup.lat, setup.model_name
    by_code = {c.code: c for c in priority.communes}
    catalogue = specialties()
    setup_minutes = inp.setup_minutes
    visits_of: dict[str, int] = defaultdict(int)
    for route in plan.routes:
        for v in route.visits:
            visits_of[v.code] += 1
    # Visit k of n counts in date order, across units (tours of different units overlap,
    # so the order of the routes is not the order of the dates).
    # Stop numbers count in date order too.
    seen: dict[str, int] = defaultdict(int)
    ordinal: dict[tuple[int, int], int] = {}
    numbers: dict[tuple[int, int], int] = {}
    for position, (key, v) in enumerate(
        sorted(
            (
                ((r, k), v)
                for r, route in enumerate(plan.routes)
                for k, v in enumerate(route.visits)
            ),
            key=lambda item: (item[1].date, item[0]),
        ),
        start=1,
    ):
        seen[v.code] += 1
        ordinal[key] = seen[v.code]
        numbers[key] = position
    days: list[PlanRoute] = []
    for r, route in enumerate(plan.routes):  # by first date
        out_stops = []
        for k, v in enumerate(route.visits):
            number = numbers[(r, k)]
            commune = by_code[v.code]
            loc = stops[v.stop].location
            out_stops.append(
                PlanStop(
                    number=number,
                    code=v.code,
                    name_fr=commune.name_fr,
                    name_ar=commune.name_ar,
                    label=v.label,
                    lon=round(lon[loc], 6),
                    lat=round(lat[loc], 6),
                    date=v.date,
                    arrival=_clock(v.arrival),
                    start=_clock(v.start),
                    departure=_clock(v.departure),
                    public_hours=list(public_hours(v.start, v.departure, setup_minutes)),
                    arrival_date=v.arrival_date,
                    arrived_evening_before=v.arrival_date < v.date,
                    visit=f"{ordinal[(r, k)]}/{visits_of[v.code]}",
                    expected={s: round(x) for s, x in v.expected.items()},
                    unit=v.unit,
                    team=v.team,
                )
            )
        days.append(
            PlanRoute(
                date=route.first_date,
                last_date=route.last_date,
                unit=route.unit,
                team=route.team,
                base=route.base,
                leave=_clock(route.leave),
                back=_clock(route.back),
                distance_km=round(route.distance_km, 1),
                travel_minutes=round(route.travel_minutes),
                stops=out_stops,
                path=[[round(lon[i], 6), round(lat[i], 6)] for i in route.path],
            )
        )
    expected_total = {s: 0 for s in spec.specialties}
    for one in (stop for d in days for stop in d.stops):
        for specialty, x in one.expected.items():
            expected_total[specialty] += x
    visited = {stop.code for d in days for stop in d.stops}
    return CampaignPlan(
        campaign=PlanCampaign(
            name=spec.name,
            territory=PlanTerritory(
                code=priority.territory.code,
                name_fr=priority.territory.name_fr,
                name_ar=priority.territory.name_ar,
                level=priority.territory.level.value,
            ),
            start=spec.start,
            end=spec.end,
            working_days=list(inp.working_days),
            hours=[spec.hours.start.strftime("%H:%M"), spec.hours.end.strftime("%H:%M")],
            mode=spec.mode,
            partners=[PlanPartner(**p.model_dump()) for p in spec.partners],
            specialties=[
                PlanSpecialty(
                    code=s,
                    label_fr=catalogue[s]["label_fr"],
                    label_ar=catalogue[s]["label_ar"],
                    label_en=catalogue[s]["label_en"],
                )
                for s in spec.specialties
            ],
            bases=[PlanBase(name=b.name, facility=b.facility, lon=b.lon, lat=b.lat) for b in bases],
            units=[PlanUnit(**u.model_dump()) for u in spec.units],
            teams=[PlanTeam(**t.model_dump()) for t in spec.teams],
            model=model_name,
            weights=spec.weight_values(),
            norm=str(spec.setting("norm")),
            norm_kind=priority_norm_kind(spec).value,
            attendance_rates={s: spec.attendance_rates()[s] for s in spec.specialties},
        ),
        priority=[_priority_line(p, priority, visits_of) for p in priority.priorities],
        days=days,
        dropped=[
            PlanDropped(
                code=d.code,
                name_fr=by_code[d.code].name_fr,
                name_ar=by_code[d.code].name_ar,
                score=round(d.score, 4),
                reason=d.reason,
                reason_code=d.reason_code,
                reason_values=d.reason_values,
            )
            for d in plan.dropped
        ],
        forced_out=sorted(priority.forced_out),
        unmet={k: {s: round(x) for s, x in v.items()} for k, v in plan.unmet.items()},
        totals=PlanTotals(
            visits=sum(len(d.stops) for d in days),
            communes_visited=len(visited),
            candidates=len(priority.communes),
            population_of_visited_communes=int(
                sum(by_code[c].population_2024 or 0 for c in visited)
            ),
            expected_patients=expected_total,
            distance_km=round(solution.distance_km, 1),
        ),
        solver=SolverSummary.model_validate({**plan.solver, "engine": "pyvrp"}),
    )


def _priority_line(
    p: Priority, priority: PriorityReport, visits_of: dict[str, int]
) -> PlanPriority:
    commune = next(c for c in priority.communes if c.code == p.code)
    forced_in, forced_out = p.code in priority.forced_in, p.code in priority.forced_out
    return PlanPriority(
        rank=p.rank,
        code=p.code,
        name_fr=commune.name_fr,
        name_ar=commune.name_ar,
        population=commune.population_2024,
        minutes_to_essp=priority.minutes.get(p.code),
        score=round(p.score, 4),
        forced="in" if forced_in else "out" if forced_out else None,
        visits=visits_of.get(p.code, 0),
        expected={s: round(x) for s, x in priority.expected[p.code].items()},
        parts=[
            PriorityPart(
                part=part.name,
                value=None if part.value is None else round(part.value, 4),
                scaled=round(part.scaled, 4),
                weight=part.weight,
                contribution=round(part.contribution, 4),
            )
            for part in p.parts
        ],
    )
