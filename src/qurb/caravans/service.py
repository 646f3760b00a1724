"""Mobile medical caravans: choose the communes, build the schedule, keep the record.

`plan_campaign` reads the candidate communes of the campaign's territory (its rural
communes, or all), scores them (`analytics.caravan_priority`) from the access analysis
(population beyond the threshold of the nearest ESSP), the census (rural share, age
structure, households' distance to a paved road) and the norm gap, estimates the
attendance per specialty, and schedules the visits with PyVRP
(`analytics.caravan_schedule`) on the travel times of a `TravelTimeModel`.
The plan is JSON-ready; `save_campaign` stores it with one row per planned visit, which
`record_visits` then fills with what was done.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.access.service import FacilitySelector, compute_access
from qurb.algo.locator import CommuneLocator
from qurb.algo.routing import RoutingSolution, solve_routing
from qurb.algo.travel import Points, TravelTimeModel
from qurb.caravans._tables import CaravanCampaignRow, CaravanRecordRow, CaravanStopRow
from qurb.caravans.model import (
    AGE_BAND_CODES,
    AGE_ONLY,
    COUNT_MAX,
    RECORD_KINDS,
    SEX_ONLY,
    SEXES,
    TEXT_MAX,
    CampaignError,
    CampaignSpec,
    caravan_catalogue,
    check_campaign,
    specialties,
)
from qurb.caravans.priority import (
    PARTS,
    Priority,
    PriorityInputs,
    compute_priority,
    expected_attendance,
)
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
from qurb.kernel.errors import QurbError
from qurb.norms.model import NormKind
from qurb.norms.norm_sets import resolve_norm_sets
from qurb.norms.service import CensusLines, compute_territory_gaps, read_census_lines
from qurb.platform.files import read_records
from qurb.registry._tables import FacilityRow
from qurb.registry.service import slug
from qurb.territory._tables import TerritoryRow
from qurb.territory.census import AGE_BANDS
from qurb.territory.model import Territory, inside_morocco
from qurb.territory.service import TerritoryIndex, TerritoryNotFound


class RecordError(QurbError):
    """A visit record that is refused: every bad row and field named, nothing written."""


# ---------------------------------------------------------------------------- inputs


def compute_group_sizes(lines: CensusLines) -> dict[str, dict[str, float]]:
    """People per caravan population group (caravan.toml) in each commune, from the HCP
    2024 age bands (percentages of the municipal population; women's bands of the female
    population)."""
    groups = caravan_catalogue()["groups"]
    out: dict[str, dict[str, float]] = {}
    for code, by_key in lines.items():
        sizes = {}
        for name, group in groups.items():
            figures = by_key.get(("total", "female" if group["sex"] == "female" else "all"), {})
            people = float(figures.get("population_municipal") or 0.0)
            bands = AGE_BANDS if group["bands"] == "all" else group["bands"]
            share = sum(float(figures.get(b) or 0.0) for b in bands) / 100.0
            sizes[name] = people if group["bands"] == "all" else people * share
        out[code] = sizes
    return out


def _commune_figures(lines: CensusLines) -> dict[str, dict[str, float]]:
    """Rural share (of the legal population), households' paved-road km and the shares of
    the priority's age groups (of the municipal population); nan = unknown."""
    sizes = compute_group_sizes(lines)
    out: dict[str, dict[str, float]] = {}
    for code, by_key in lines.items():
        total = by_key.get(("total", "all"), {})
        legal = float(total.get("population_legal") or 0.0)
        rural = float(by_key.get(("rural", "all"), {}).get("population_legal") or 0.0)
        paved = total.get("households_distance_to_paved_road_km")
        municipal = sizes[code]["total"]
        row = {
            "rural_share": rural / legal if legal > 0 else np.nan,
            "paved_road_km": np.nan if paved is None else float(paved),
        }
        for group in ("children_0_4", "women_15_49", "people_60_plus"):
            row[group] = sizes[code][group] / municipal if municipal > 0 else np.nan
        out[code] = row
    return out


def candidate_communes(
    index: TerritoryIndex, territory: Territory, spec: CampaignSpec
) -> list[Territory]:
    communes = [
        c
        for c in index.communes_within(territory)
        if c.ref_lon is not None and (spec.communes == "all" or c.kind == "rural")
    ]
    if not communes:
        raise CampaignError(
            f"territory: {territory.name_fr} ({territory.code}) has no "
            f"{'rural ' if spec.communes == 'rural' else ''}commune to visit"
            + (' — set communes = "all"' if spec.communes == "rural" else "")
        )
    return communes


def _resolve_codes(
    index: TerritoryIndex, names: Sequence[str], field: str, within: set[str]
) -> list[str]:
    out = []
    for i, name in enumerate(names):
        try:
            commune = index.resolve(name)
        except TerritoryNotFound as exc:  # name the field
            raise CampaignError(f"{field}[{i}]: {exc}") from None
        if commune.code not in within:
            raise CampaignError(
                f"{field}[{i}]: {commune.name_fr} ({commune.code}) is not a candidate commune "
                "of the campaign's territory"
            )
        out.append(commune.code)
    return out


@dataclass(frozen=True)
class PriorityReport:
    territory: Territory
    communes: list[Territory]
    priorities: list[Priority]
    expected: dict[str, dict[str, float]]  # code → specialty → patients
    minutes: dict[str, float | None]  # to the nearest ESSP
    forced_in: list[str]
    forced_out: list[str]


def compute_campaign_priority(
    session: Session,
    spec: CampaignSpec,
    model: TravelTimeModel,
    index: TerritoryIndex | None = None,
) -> PriorityReport:
    index = index or TerritoryIndex.from_session(session)
    try:
        territory = index.resolve(spec.territory)
    except TerritoryNotFound as exc:
        raise CampaignError(f"territory: {exc}") from None
    communes = candidate_communes(index, territory, spec)
    codes = [c.code for c in communes]
    within = set(codes)
    forced_in = _resolve_codes(index, spec.force_in, "force_in", within)
    forced_out = _resolve_codes(index, spec.force_out, "force_out", within)
    threshold = float(spec.setting("threshold_minutes"))
    access = compute_access(
        session, territory, FacilitySelector(("primary",)), model, (threshold,), index
    )
    minutes = {r["code"]: r["minutes"] for r in access.rows}
    population = {c.code: float(c.population_2024 or 0) for c in communes}
    beyond = np.array(
        [population[c] if minutes.get(c) is None or minutes[c] > threshold else 0.0 for c in codes]
    )
    lines: CensusLines = {code: {} for code in codes} | read_census_lines(session, codes)
    shares = _commune_figures(lines)
    gap = _norm_gap_share(session, territory, str(spec.setting("norm")), codes)
    values = {
        "beyond_threshold": beyond,
        "rural_share": np.array([shares[c].get("rural_share", np.nan) for c in codes]),
        "paved_road_km": np.array([shares[c].get("paved_road_km", np.nan) for c in codes]),
        "norm_gap": np.array([gap.get(c, np.nan) for c in codes]),
        "children_0_4": np.array([shares[c].get("children_0_4", np.nan) for c in codes]),
        "women_15_49": np.array([shares[c].get("women_15_49", np.nan) for c in codes]),
        "people_60_plus": np.array([shares[c].get("people_60_plus", np.nan) for c in codes]),
    }
    assert set(values) == set(PARTS)
    priorities = compute_priority(PriorityInputs(tuple(codes), values), spec.weight_values())
    groups = compute_group_sizes(lines)
    catalogue = specialties()
    specialty_groups = {s: catalogue[s]["group"] for s in catalogue}
    rates = spec.attendance_rates()
    expected = {
        c: expected_attendance(groups[c], specialty_groups, rates, spec.specialties) for c in codes
    }
    return PriorityReport(territory, communes, priorities, expected, minutes, forced_in, forced_out)


def priority_norm_kind(spec: CampaignSpec) -> NormKind:
    """The kind of the norm set of the priority's gap part (settings.norm "set/rule"): the
    bundled default is a national average ratio, whose gap is not care missing."""
    set_id = str(spec.setting("norm")).partition("/")[0]
    try:
        return resolve_norm_sets([set_id])[0].kind
    except ValueError as exc:
        raise CampaignError(f"settings.norm: {exc}") from None


def _norm_gap_share(
    session: Session, territory: Territory, norm: str, codes: Sequence[str]
) -> dict[str, float]:
    """Share of each commune's population beyond the reach of `norm` ("set/rule"): unserved
    under a norm, beyond the average ratio under a reference ratio."""
    set_id, _, rule_id = norm.partition("/")
    try:
        norm_set = resolve_norm_sets([set_id])[0]
    except ValueError as exc:
        raise CampaignError(f"settings.norm: {exc}") from None
    if rule_id not in {r.id for r in norm_set.rules}:
        raise CampaignError(
            f"settings.norm: {set_id} has no rule {rule_id!r} "
            f"(rules: {', '.join(r.id for r in norm_set.rules)})"
        )
    from qurb.territory.model import TerritoryLevel

    report = compute_territory_gaps(session, territory.code, [norm_set], TerritoryLevel.COMMUNE)
    wanted = set(codes)
    out = {}
    for line in report.lines:
        if line.rule == rule_id and line.code in wanted and line.population > 0:
            unserved = line.unserved_population
            out[line.code] = np.nan if unserved is None else float(unserved) / line.population
    return out


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
            row = session.get(FacilityRow, b.facility)
            if row is None:
                raise CampaignError(f"bases[{i}].facility: no facility with id {b.facility!r}")
            if row.status != "open":
                raise CampaignError(f"bases[{i}].facility: {row.name} ({row.id}) is closed")
            out.append(_Base(b.name, float(row.lon), float(row.lat), row.commune_code, row.id))
            continue
        assert b.lon is not None and b.lat is not None
        if not inside_morocco(b.lon, b.lat):
            raise CampaignError(f"bases[{i}] ({b.name}): ({b.lon}, {b.lat}) is outside Morocco")
        hit = locate.locate(b.lon, b.lat, tolerance_km=1.0)
        if hit is None:
            raise CampaignError(f"bases[{i}] ({b.name}): the point is in no commune")
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
    bases = resolve_bases(session, spec, commune_locator(session))
    by_code = {c.code: c for c in priority.communes}
    score = {p.code: p.score for p in priority.priorities}
    site_codes = _resolve_codes(index, [s.commune for s in spec.sites], "sites", set(by_code))
    sites = dict(zip(site_codes, spec.sites, strict=True))
    for i, site in enumerate(spec.sites):
        if not inside_morocco(site.lon, site.lat):
            raise CampaignError(
                f"sites[{i}] ({site.name}): ({site.lon}, {site.lat}) is outside Morocco"
            )
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
) -> dict[str, Any]:
    """Priority, attendance and schedule of a campaign; JSON-ready, nothing written."""
    setup = prepare_campaign(session, spec, model, today, index)
    return schedule_campaign(setup, time_limit_s, seed)


def schedule_campaign(
    setup: CampaignSetup, time_limit_s: float | None = None, seed: int | None = None
) -> dict[str, Any]:
    """Solve the visits of a prepared campaign with PyVRP; the plan as JSON."""
    spec, inp, stops = setup.spec, setup.inp, setup.stops
    units = inp.units
    needs = plan_needs(inp)
    unreachable_forced = [u for u in needs.unreachable if stops[u.stop].required]
    if unreachable_forced:
        lines = [
            f"  - {stops[u.stop].label} ({stops[u.stop].code}): {u.reason()}"
            for u in unreachable_forced
        ]
        raise CampaignError(
            'force_in: a forced commune cannot be visited in day trips (try mode = "tours" '
            "or a base nearer to it):\n" + "\n".join(lines)
        )
    if not needs.visits:
        lines = [
            f"  - {stops[u.stop].label} ({stops[u.stop].code}): {u.reason()}"
            for u in needs.unreachable[:20]
        ]
        raise CampaignError(
            "no commune of the territory can be visited within a working day from the bases:\n"
            + "\n".join(lines)
        )
    problem, vehicles, owners = build_problem(inp, needs)
    solution = solve_routing(
        problem,
        time_limit_s=float(time_limit_s or spec.setting("time_limit_s")),
        seed=int(seed if seed is not None else spec.setting("seed")),
        resolution=10,
    )
    if not solution.feasible:
        forced = [s for s in stops if s.required]
        if not forced:
            raise CampaignError(
                f"the solver found no feasible plan in {solution.runtime_s:.0f} s: give it "
                "more time (--time-limit) or check the working hours and the bases"
            )
        need = sum(
            v.service_minutes for v in needs.visits if stops[v.stop].required and v.number == 1
        )
        available = len(inp.working_days) * len(units) * (inp.hours[1] - inp.hours[0])
        names = ", ".join(f"{s.label} ({s.code})" for s in forced)
        raise CampaignError(
            f"force_in: the forced communes {names} cannot all be visited: their visits need "
            f"{need:.0f} minutes of service plus travel, and the campaign has {available:.0f} "
            f"unit-minutes ({len(inp.working_days)} working days × {len(units)} units); "
            "add days or units, or force fewer communes"
        )
    plan = read_plan(inp, needs, vehicles, owners, solution)
    return _plan_json(setup, plan, solution)


def _plan_json(
    setup: CampaignSetup, plan: SchedulePlan, solution: RoutingSolution
) -> dict[str, Any]:
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
    days: list[dict[str, Any]] = []
    for r, route in enumerate(plan.routes):  # by first date
        out_stops = []
        for k, v in enumerate(route.visits):
            number = numbers[(r, k)]
            commune = by_code[v.code]
            loc = stops[v.stop].location
            out_stops.append(
                {
                    "number": number,
                    "code": v.code,
                    "name_fr": commune.name_fr,
                    "name_ar": commune.name_ar,
                    "label": v.label,
                    "lon": round(lon[loc], 6),
                    "lat": round(lat[loc], 6),
                    "date": v.date.isoformat(),
                    "arrival": _clock(v.arrival),
                    "start": _clock(v.start),
                    "departure": _clock(v.departure),
                    "public_hours": list(public_hours(v.start, v.departure, setup_minutes)),
                    "arrival_date": v.arrival_date.isoformat(),
                    "arrived_evening_before": v.arrival_date < v.date,
                    "visit": f"{ordinal[(r, k)]}/{visits_of[v.code]}",
                    "expected": {s: round(x) for s, x in v.expected.items()},
                    "unit": v.unit,
                    "team": v.team,
                }
            )
        days.append(
            {
                "date": route.first_date.isoformat(),
                "last_date": route.last_date.isoformat(),
                "unit": route.unit,
                "team": route.team,
                "base": route.base,
                "leave": _clock(route.leave),
                "back": _clock(route.back),
                "distance_km": round(route.distance_km, 1),
                "travel_minutes": round(route.travel_minutes),
                "stops": out_stops,
                "path": [[round(lon[i], 6), round(lat[i], 6)] for i in route.path],
            }
        )
    forced_in, forced_out = set(priority.forced_in), set(priority.forced_out)
    expected_total = {s: 0 for s in spec.specialties}
    for d in days:
        for s in d["stops"]:
            for k, x in s["expected"].items():
                expected_total[k] += x
    visited = {s["code"] for d in days for s in d["stops"]}
    return {
        "campaign": {
            "name": spec.name,
            "territory": {
                "code": priority.territory.code,
                "name_fr": priority.territory.name_fr,
                "name_ar": priority.territory.name_ar,
                "level": priority.territory.level.value,
            },
            "start": spec.start.isoformat(),
            "end": spec.end.isoformat(),
            "working_days": [d.isoformat() for d in inp.working_days],
            "hours": [spec.hours.start.strftime("%H:%M"), spec.hours.end.strftime("%H:%M")],
            "mode": spec.mode,
            "partners": [p.model_dump() for p in spec.partners],
            "specialties": [
                {
                    "code": s,
                    "label_fr": catalogue[s]["label_fr"],
                    "label_ar": catalogue[s]["label_ar"],
                }
                for s in spec.specialties
            ],
            "bases": [
                {"name": b.name, "facility": b.facility, "lon": b.lon, "lat": b.lat} for b in bases
            ],
            "units": [u.model_dump() for u in spec.units],
            "teams": [t.model_dump() for t in spec.teams],
            "model": model_name,
            "weights": spec.weight_values(),
            "norm": str(spec.setting("norm")),
            "norm_kind": priority_norm_kind(spec).value,
            "attendance_rates": {s: spec.attendance_rates()[s] for s in spec.specialties},
        },
        "priority": [
            {
                "rank": p.rank,
                "code": p.code,
                "name_fr": by_code[p.code].name_fr,
                "name_ar": by_code[p.code].name_ar,
                "population": by_code[p.code].population_2024,
                "minutes_to_essp": priority.minutes.get(p.code),
                "score": round(p.score, 4),
                "forced": "in" if p.code in forced_in else "out" if p.code in forced_out else None,
                "visits": visits_of.get(p.code, 0),
                "expected": {s: round(x) for s, x in priority.expected[p.code].items()},
                "parts": [
                    {
                        "part": part.name,
                        "value": None if part.value is None else round(part.value, 4),
                        "scaled": round(part.scaled, 4),
                        "weight": part.weight,
                        "contribution": round(part.contribution, 4),
                    }
                    for part in p.parts
                ],
            }
            for p in priority.priorities
        ],
        "days": days,
        "dropped": [
            {
                "code": d.code,
                "name_fr": by_code[d.code].name_fr,
                "name_ar": by_code[d.code].name_ar,
                "score": round(d.score, 4),
                "reason": d.reason,
                "reason_code": d.reason_code,
                "reason_values": d.reason_values,
            }
            for d in plan.dropped
        ],
        "forced_out": sorted(forced_out),
        "unmet": {k: {s: round(x) for s, x in v.items()} for k, v in plan.unmet.items()},
        "totals": {
            "visits": sum(len(d["stops"]) for d in days),
            "communes_visited": len(visited),
            "candidates": len(priority.communes),
            "population_of_visited_communes": int(
                sum(by_code[c].population_2024 or 0 for c in visited)
            ),
            "expected_patients": expected_total,
            "distance_km": round(solution.distance_km, 1),
        },
        "solver": {**plan.solver, "engine": "pyvrp"},
    }


# ---------------------------------------------------------------------------- store


def save_campaign(session: Session, spec: CampaignSpec, plan: dict[str, Any], user: str) -> str:
    """Store the campaign, its plan and one row per planned visit; returns its id."""
    campaign_id = f"cv-{slug(spec.name, 24, 'campaign')}-{uuid.uuid4().hex[:6]}"
    session.add(
        CaravanCampaignRow(
            id=campaign_id,
            name=spec.name,
            territory_code=plan["campaign"]["territory"]["code"],
            start_date=spec.start,
            end_date=spec.end,
            spec=spec.model_dump(mode="json"),
            plan=plan,
            created_at=datetime.now(UTC),
            created_by=user,
        )
    )
    session.flush()
    for day in plan["days"]:
        for stop in day["stops"]:
            session.add(
                CaravanStopRow(
                    campaign_id=campaign_id,
                    number=stop["number"],
                    commune_code=stop["code"],
                    label=stop["label"],
                    visit_date=date.fromisoformat(stop["date"]),
                    unit=stop["unit"],
                    team=stop["team"],
                    arrival=stop["start"],
                    departure=stop["departure"],
                    expected=stop["expected"],
                )
            )
    session.flush()
    return campaign_id


def list_campaigns(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(CaravanCampaignRow, TerritoryRow.name_fr, TerritoryRow.name_ar)
        .join(TerritoryRow, TerritoryRow.code == CaravanCampaignRow.territory_code)
        .order_by(CaravanCampaignRow.created_at.desc())
    ).all()
    counts = dict(
        session.execute(
            select(CaravanStopRow.campaign_id, func.count()).group_by(CaravanStopRow.campaign_id)
        ).all()
    )
    return [
        {
            "id": r.id,
            "name": r.name,
            "territory": r.territory_code,
            "territory_name_fr": name_fr,
            "territory_name_ar": name_ar,
            "start": r.start_date.isoformat(),
            "end": r.end_date.isoformat(),
            "visits": counts.get(r.id, 0),
            "created_at": r.created_at.isoformat(timespec="seconds"),
            "created_by": r.created_by,
        }
        for r, name_fr, name_ar in rows
    ]


def get_campaign(session: Session, campaign_id: str) -> CaravanCampaignRow:
    row = session.get(CaravanCampaignRow, campaign_id)
    if row is None:
        known = [r["id"] for r in list_campaigns(session)[:5]]
        raise CampaignError(
            f"no campaign {campaign_id!r}"
            + (f" (recent: {', '.join(known)})" if known else " (none saved yet)")
        )
    return row


# ---------------------------------------------------------------------------- record


def _spec_list(spec: dict[str, object], key: str) -> list[object]:
    value = spec.get(key)
    return list(value) if isinstance(value, list) else []


RECORD_COLUMNS = ("stop", "kind", "item", "sex", "age_band", "count", "facility", "service")


def read_record_file(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a record file (CSV, XLSX or JSON): (line number, values by column)."""
    out = []
    for record in read_records(path):
        values = {str(k).strip().lower(): v for k, v in record.values.items() if k}
        out.append((record.number, values))
    return out


def record_visits(
    session: Session,
    campaign_id: str,
    rows: Sequence[tuple[int, dict[str, Any]]],
    user: str,
    today: date,
    source: str = "record",
) -> int:
    """Add what the visits gave; every problem reported at once and nothing added if any.

    Columns: stop (the plan's visit number), kind (consultation, screening, medicine,
    referral), item (the specialty for consultations and referrals; the screening or the
    medicine otherwise), sex (F/M), age_band (0-4, 5-14, 15-49, 50-59, 60+), count,
    facility (registry id receiving a referral), service (asked of that facility)."""
    campaign = get_campaign(session, campaign_id)
    stops = {
        s.number: s
        for s in session.scalars(
            select(CaravanStopRow).where(CaravanStopRow.campaign_id == campaign_id)
        )
    }
    campaign_specialties = {str(s) for s in _spec_list(campaign.spec, "specialties")}
    problems: list[str] = []
    accepted: list[tuple[CaravanStopRow, dict[str, Any]]] = []
    for line, values in rows:
        where = f"{source}: row {line}"
        unknown = sorted(set(values) - set(RECORD_COLUMNS))
        if unknown:
            problems.append(f"{where}: unknown column(s) {', '.join(unknown)}")
            continue
        bad: list[str] = []
        stop = None
        try:
            stop_number = int(str(values.get("stop", "")).strip())
            stop = stops.get(stop_number)
            if stop is None:
                bad.append(f"stop: no visit number {stop_number} in {campaign_id}")
            elif stop.visit_date > today:
                bad.append(
                    f"stop: visit {stop_number} is planned for {stop.visit_date}, after today"
                )
        except ValueError:
            bad.append(f"stop: {values.get('stop')!r} is not a visit number")
        kind = str(values.get("kind") or "").strip().lower()
        if kind not in RECORD_KINDS:
            bad.append(f"kind: {kind!r} is not one of {', '.join(RECORD_KINDS)}")
        item = str(values.get("item") or "").strip()
        if not item:
            bad.append("item: missing (a specialty, a screening or a medicine)")
        elif kind in ("consultation", "referral") and item not in campaign_specialties:
            bad.append(f"item: {item!r} is not a specialty of this campaign")
        sex = str(values.get("sex") or "").strip().upper() or None
        if sex is not None and sex not in SEXES:
            bad.append(f"sex: {values.get('sex')!r} is not F or M")
        band = str(values.get("age_band") or "").strip() or None
        if band is not None and band not in AGE_BAND_CODES:
            bad.append(f"age_band: {band!r} is not one of {', '.join(AGE_BAND_CODES)}")
        raw_count = values.get("count")
        count = None
        try:
            number = float(str(raw_count).replace(",", "."))
            if number != int(number):
                bad.append(f"count: {raw_count!r} is not a whole number")
            elif number < 0:
                bad.append(f"count: {raw_count!r} is negative")
            elif number > COUNT_MAX:
                bad.append(f"count: {raw_count!r} is too large")
            else:
                count = int(number)
        except (TypeError, ValueError, OverflowError):  # OverflowError: "inf"
            bad.append(f"count: {raw_count!r} is not a number")
        consult = kind in ("consultation", "referral")
        if consult and item in SEX_ONLY and sex is not None and sex != SEX_ONLY[item]:
            bad.append(f"sex: {item} consultations are for sex {SEX_ONLY[item]}, not {sex}")
        if consult and item in AGE_ONLY and band is not None and band not in AGE_ONLY[item]:
            bad.append(f"age_band: {item} is for ages {', '.join(AGE_ONLY[item])}, not {band}")
        facility = str(values.get("facility") or "").strip() or None
        service = str(values.get("service") or "").strip() or None
        for name, text in (("item", item), ("service", service or "")):
            if len(text) > TEXT_MAX:
                bad.append(f"{name}: longer than {TEXT_MAX} characters")
        if kind == "referral":
            if facility is None:
                bad.append("facility: a referral names the receiving facility (registry id)")
            elif session.get(FacilityRow, facility) is None:
                bad.append(f"facility: no facility with id {facility!r}")
        elif facility is not None or service is not None:
            bad.append("facility/service: only referrals name a receiving facility")
        if bad or stop is None or count is None:
            problems += [f"{where}: {b}" for b in bad]
            continue
        accepted.append(
            (
                stop,
                {
                    "kind": kind,
                    "item": item,
                    "sex": sex,
                    "age_band": band,
                    "count": count,
                    "facility_id": facility,
                    "service": service,
                },
            )
        )
    if not problems:
        problems += _impossible_totals(session, stops, accepted, source)
    batch = _batch_key(rows)
    if not problems:
        earlier = session.execute(
            select(CaravanRecordRow.recorded_at, CaravanRecordRow.recorded_by)
            .join(CaravanStopRow, CaravanStopRow.id == CaravanRecordRow.stop_id)
            .where(
                CaravanStopRow.campaign_id == campaign_id,
                CaravanRecordRow.batch_sha256 == batch,
            )
            .limit(1)
        ).first()
        if earlier is not None:
            problems.append(
                f"{source}: these rows were already recorded on "
                f"{earlier.recorded_at:%Y-%m-%d %H:%M} by {earlier.recorded_by}; recording "
                "them again would count them twice"
            )
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise RecordError(f"{len(problems)} problem(s), nothing was recorded:\n{lines}{more}")
    if not accepted:
        raise RecordError(f"{source}: no record row (columns: {', '.join(RECORD_COLUMNS)})")
    now = datetime.now(UTC)
    for stop, values in accepted:
        session.add(
            CaravanRecordRow(
                stop_id=stop.id, recorded_at=now, recorded_by=user, batch_sha256=batch, **values
            )
        )
    session.flush()
    return len(accepted)


def _batch_key(rows: Sequence[tuple[int, dict[str, Any]]]) -> str:
    """SHA-256 of the rows (in a canonical form): the same file recorded twice is refused."""
    canonical = json.dumps(
        sorted(json.dumps(v, sort_keys=True, default=str) for _, v in rows), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _impossible_totals(
    session: Session,
    stops: dict[int, CaravanStopRow],
    accepted: Sequence[tuple[CaravanStopRow, dict[str, Any]]],
    source: str,
) -> list[str]:
    """Counts that no visit can have, with those recorded before: more people seen than
    the commune has inhabitants, or more referrals in a specialty than its consultations."""
    people: dict[tuple[int, str], int] = defaultdict(int)  # (stop id, kind) → people
    by_specialty: dict[tuple[int, str, str], int] = defaultdict(int)
    ids = [s.id for s in stops.values()]
    for stop_id, kind, item, total in session.execute(
        select(
            CaravanRecordRow.stop_id,
            CaravanRecordRow.kind,
            CaravanRecordRow.item,
            func.sum(CaravanRecordRow.count),
        )
        .where(CaravanRecordRow.stop_id.in_(ids))
        .group_by(CaravanRecordRow.stop_id, CaravanRecordRow.kind, CaravanRecordRow.item)
    ):
        people[(stop_id, kind)] += int(total)
        by_specialty[(stop_id, kind, item)] += int(total)
    for stop, values in accepted:
        people[(stop.id, values["kind"])] += values["count"]
        by_specialty[(stop.id, values["kind"], values["item"])] += values["count"]
    population = dict(
        session.execute(
            select(TerritoryRow.code, TerritoryRow.population_2024).where(
                TerritoryRow.code.in_({s.commune_code for s in stops.values()})
            )
        ).all()
    )
    problems = []
    for stop in stops.values():
        where = f"{source}: stop {stop.number} ({stop.label})"
        inhabitants = population.get(stop.commune_code)
        for kind in ("consultation", "screening", "referral"):
            n = people[(stop.id, kind)]
            if inhabitants is not None and n > inhabitants:
                problems.append(
                    f"{where}: count: {n:,} {kind}s exceed the commune's {inhabitants:,} "
                    "inhabitants"
                )
        for (stop_id, kind, item), n in by_specialty.items():
            if stop_id != stop.id or kind != "referral":
                continue
            seen = by_specialty.get((stop.id, "consultation", item), 0)
            if n > seen:
                problems.append(
                    f"{where}: count: {n} {item} referrals for {seen} {item} consultations "
                    "is impossible"
                )
    return problems


# ---------------------------------------------------------------------------- report


def campaign_report(session: Session, campaign_id: str) -> dict[str, Any]:
    """Planned against done per visit, population reached, referrals by facility."""
    campaign = get_campaign(session, campaign_id)
    stops = session.scalars(
        select(CaravanStopRow)
        .where(CaravanStopRow.campaign_id == campaign_id)
        .order_by(CaravanStopRow.number)
    ).all()
    records = session.scalars(
        select(CaravanRecordRow).where(CaravanRecordRow.stop_id.in_([s.id for s in stops]))
    ).all()
    by_stop: dict[int, list[CaravanRecordRow]] = defaultdict(list)
    for r in records:
        by_stop[r.stop_id].append(r)
    names = dict(
        session.execute(
            select(TerritoryRow.code, TerritoryRow.name_fr).where(
                TerritoryRow.code.in_({s.commune_code for s in stops})
            )
        ).all()
    )
    population = dict(
        session.execute(
            select(TerritoryRow.code, TerritoryRow.population_2024).where(
                TerritoryRow.code.in_({s.commune_code for s in stops})
            )
        ).all()
    )
    specialties_ = [str(s) for s in _spec_list(campaign.spec, "specialties")]
    rows = []
    reached: set[str] = set()
    totals = {"planned": 0, "done": 0, "screenings": 0, "medicines": 0, "referrals": 0}
    by_specialty = {s: {"planned": 0, "done": 0} for s in specialties_}
    by_sex_age: dict[str, int] = defaultdict(int)
    for stop in stops:
        got = by_stop.get(stop.id, [])
        done: dict[str, int] = defaultdict(int)
        for r in got:
            if r.kind == "consultation":
                done[r.item] += r.count
                by_sex_age[f"{r.sex or '?'} {r.age_band or '?'}"] += r.count
        planned = {s: int(stop.expected.get(s, 0)) for s in specialties_}
        screenings = sum(r.count for r in got if r.kind == "screening")
        medicines = sum(r.count for r in got if r.kind == "medicine")
        referrals = sum(r.count for r in got if r.kind == "referral")
        if sum(done.values()) > 0:
            reached.add(stop.commune_code)
        for s in specialties_:
            by_specialty[s]["planned"] += planned[s]
            by_specialty[s]["done"] += done.get(s, 0)
        totals["planned"] += sum(planned.values())
        totals["done"] += sum(done.values())
        totals["screenings"] += screenings
        totals["medicines"] += medicines
        totals["referrals"] += referrals
        rows.append(
            {
                "number": stop.number,
                "date": stop.visit_date.isoformat(),
                "code": stop.commune_code,
                "commune": names.get(stop.commune_code, stop.commune_code),
                "label": stop.label,
                "unit": stop.unit,
                "planned": sum(planned.values()),
                "done": sum(done.values()) if got else None,  # None: nothing recorded yet
                "screenings": screenings,
                "medicines": medicines,
                "referrals": referrals,
                "recorded": bool(got),
                **{f"planned_{s}": planned[s] for s in specialties_},
                **{f"done_{s}": done.get(s, 0) for s in specialties_},
            }
        )
    referral_rows = referrals_by_facility(session, campaign_id)
    return {
        "campaign": {
            "id": campaign.id,
            "name": campaign.name,
            "territory": campaign.territory_code,
            "start": campaign.start_date.isoformat(),
            "end": campaign.end_date.isoformat(),
        },
        "stops": rows,
        "totals": {
            **totals,
            "visits_planned": len(stops),
            "visits_recorded": sum(1 for r in rows if r["recorded"]),
            "communes_reached": len(reached),
            "population_of_communes_reached": int(sum(population.get(c) or 0 for c in reached)),
        },
        "by_specialty": by_specialty,
        "consultations_by_sex_age": dict(sorted(by_sex_age.items())),
        "referrals": referral_rows,
    }


def referrals_by_facility(
    session: Session, campaign_id: str | None = None, facility_id: str | None = None
) -> list[dict[str, Any]]:
    """Referrals issued by caravans, grouped by receiving facility and service."""
    keys = (
        CaravanRecordRow.facility_id,
        FacilityRow.name,
        FacilityRow.category,
        CaravanRecordRow.service,
        CaravanRecordRow.item,
        CaravanStopRow.campaign_id,
        CaravanCampaignRow.name,
    )
    query = (
        select(
            *keys,
            func.sum(CaravanRecordRow.count),
            func.min(CaravanStopRow.visit_date),
            func.max(CaravanStopRow.visit_date),
        )
        .join(CaravanStopRow, CaravanStopRow.id == CaravanRecordRow.stop_id)
        .join(CaravanCampaignRow, CaravanCampaignRow.id == CaravanStopRow.campaign_id)
        .join(FacilityRow, FacilityRow.id == CaravanRecordRow.facility_id)
        .where(CaravanRecordRow.kind == "referral")
        .group_by(*keys)
        .order_by(CaravanRecordRow.facility_id, CaravanRecordRow.item)
    )
    if campaign_id is not None:
        query = query.where(CaravanStopRow.campaign_id == campaign_id)
    if facility_id is not None:
        query = query.where(CaravanRecordRow.facility_id == facility_id)
    return [
        {
            "facility_id": fid,
            "facility": name,
            "category": category,
            "service": service,
            "specialty": item,
            "campaign_id": cid,
            "campaign": cname,
            "referrals": int(total),
            "first_visit": first.isoformat(),
            "last_visit": last.isoformat(),
        }
        for fid, name, category, service, item, cid, cname, total, first, last in session.execute(
            query
        )
    ]
