"""A caravan campaign as a routing problem, and the routes back as a day-by-day plan.

Time runs in minutes from midnight of the campaign's first day, so day d of the calendar
spans [1440·d + start of hours, 1440·d + end of hours].

- **Visits.** A stop's expected patients per specialty divided by the units' capacity
  (consultations a day; the smallest capacity among units offering the specialty, so the
  time is enough for any unit) gives the fraction of a working day the visit takes; the
  slowest specialty sets the service time, plus the setup time. When that exceeds what a
  day leaves after travel, the stop gets several visits (at most `max_days_per_stop`);
  patients beyond those are reported as unmet. Each specialty's patients are shared
  between a stop's visits in proportion to their length.
- **Day trips.** Each unit on each working day is a vehicle leaving its base at the start
  of hours and back by the end.
- **Tours.** Working days are cut into tours of at most `max_tour_days`; a unit on a tour
  is one vehicle, and each visit becomes one copy per working day (a mutually exclusive
  group), its window the working hours of that day: the team sleeps where it worked and
  drives to the next stop outside working hours.
- **Prizes.** Stops are optional unless forced in; a visit's prize is (1 + its commune's
  priority score) × the longest round trip in the matrix, so any visit is worth its
  detour: the solver serves the most valuable visits that fit in the days and, among
  those, drives the least. Second visits are worth half.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np

from qurb.algo.routing import (
    RoutingClient,
    RoutingGroup,
    RoutingProblem,
    RoutingSolution,
    RoutingVehicleType,
)

DAY_MINUTES = 1440.0
Day = date  # an alias: PlannedVisit has a field named `date`
SECOND_VISIT_FACTOR = 0.5
MARGIN_MINUTES = 5.0
# Why a commune is not visited: each code is worded by the catalogue key
# `caravan.reason.<code>` with the drop's values.
DROP_REASONS = ("no_path", "beyond_day_drive", "beyond_day_reach", "lower_priority", "travel")


@dataclass(frozen=True)
class CaravanStop:
    code: str
    label: str
    location: int  # row of the travel matrices
    expected: dict[str, float]  # patients per specialty
    score: float  # priority 0..1
    required: bool = False


@dataclass(frozen=True)
class CaravanUnit:
    name: str
    base: int  # index into ScheduleInput.bases
    team: str
    capacity: dict[str, float]  # consultations a day per specialty


@dataclass(frozen=True)
class CaravanBase:
    name: str
    location: int


@dataclass(frozen=True)
class ScheduleInput:
    specialties: tuple[str, ...]
    start_date: date
    working_days: tuple[date, ...]
    hours: tuple[float, float]  # clock minutes
    bases: tuple[CaravanBase, ...]
    units: tuple[CaravanUnit, ...]
    stops: tuple[CaravanStop, ...]
    duration_minutes: np.ndarray  # (L, L) over every base and stop location
    distance_km: np.ndarray
    mode: Literal["day-trips", "tours"] = "day-trips"
    max_tour_days: int = 5
    setup_minutes: float = 30.0
    min_service_minutes: float = 60.0
    max_days_per_stop: int = 2
    coordinates: np.ndarray | None = None


@dataclass(frozen=True)
class VisitNeed:
    stop: int
    number: int  # 1-based
    of: int
    service_minutes: float
    expected: dict[str, float]


@dataclass(frozen=True)
class Unreachable:
    stop: int
    travel_minutes: float  # day trips: the round trip; tours: one way
    base: str | None
    needed_minutes: float  # setup + shortest visit + margin
    day_minutes: float
    mode: str = "day-trips"

    def code(self) -> str:
        if self.base is None:
            return "no_path"
        return "beyond_day_drive" if self.mode == "tours" else "beyond_day_reach"

    def values(self) -> dict[str, float | str]:
        return {
            "base": self.base or "",
            "travel": round(self.travel_minutes),
            "needed": round(self.needed_minutes),
            "day": round(self.day_minutes),
        }

    def reason(self) -> str:
        if self.base is None:
            return "no base can reach it (no path on the travel-time model)"
        if self.mode == "tours":
            return (
                f"beyond a day's drive: {self.travel_minutes:.0f} min one way from "
                f"{self.base} > working day {self.day_minutes:.0f} min"
            )
        return (
            f"beyond a day's reach: round trip from {self.base} {self.travel_minutes:.0f} "
            f"min + setup, shortest visit and margin {self.needed_minutes:.0f} min > working "
            f"day {self.day_minutes:.0f} min"
        )


@dataclass(frozen=True)
class Needs:
    visits: tuple[VisitNeed, ...]
    unreachable: tuple[Unreachable, ...]
    unmet: dict[int, dict[str, float]]  # stop → patients beyond the visits allowed


@dataclass(frozen=True)
class PlannedVisit:
    stop: int
    code: str
    label: str
    date: date
    unit: str
    team: str
    base: str
    arrival: float  # clock minutes on `date`
    start: float
    departure: float
    number: int
    of: int
    expected: dict[str, float]
    # Tours: the team may drive here after an earlier day's work and sleep here; `arrival`
    # is then the clock time on `arrival_date`.
    arrival_date: Day


@dataclass(frozen=True)
class PlannedRoute:
    unit: str
    team: str
    base: str
    first_date: date
    last_date: date
    leave: float  # clock minutes on first_date
    back: float  # clock minutes on last_date
    distance_km: float
    travel_minutes: float
    visits: tuple[PlannedVisit, ...]
    path: tuple[int, ...]  # locations, base first and last


@dataclass(frozen=True)
class Dropped:
    stop: int
    code: str
    label: str
    score: float
    reason: str
    # The reason as a code and its figures, for faces that speak other languages.
    reason_code: str = ""
    reason_values: dict[str, float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class SchedulePlan:
    routes: tuple[PlannedRoute, ...]
    dropped: tuple[Dropped, ...]
    unmet: dict[str, dict[str, float]]  # commune → patients per specialty not served
    solver: dict[str, float | int | bool] = field(default_factory=dict)


def _minute(day: date, start: date, clock: float) -> float:
    return (day - start).days * DAY_MINUTES + clock


def reference_capacity(inp: ScheduleInput) -> dict[str, float]:
    """Smallest daily capacity among the units offering each specialty (0 if none)."""
    out = {}
    for s in inp.specialties:
        values = [u.capacity[s] for u in inp.units if u.capacity.get(s, 0) > 0]
        out[s] = float(min(values)) if values else 0.0
    return out


def _reach(inp: ScheduleInput, location: int) -> tuple[float, str]:
    """Day trips: the shortest round trip from a base; tours: the shortest drive there."""
    d = inp.duration_minutes
    if inp.mode == "day-trips":
        trips = [
            (float(d[b.location, location] + d[location, b.location]), b.name) for b in inp.bases
        ]
    else:
        trips = [(float(d[b.location, location]), b.name) for b in inp.bases]
    return min(trips)


def _consultation_minutes(
    inp: ScheduleInput, stop: CaravanStop, capacity: dict[str, float], day: float
) -> dict[str, float]:
    """Minutes of a working day each specialty needs to see all its expected patients."""
    return {
        s: stop.expected.get(s, 0.0) / capacity[s] * day for s in inp.specialties if capacity[s] > 0
    }


def _share_patients(
    stop: CaravanStop,
    minutes: dict[str, float],
    capacity: dict[str, float],
    day: float,
    lengths: Sequence[float],
) -> list[dict[str, float]]:
    """Each visit's expected patients per specialty, for visits of these lengths (minutes
    of consultations). A specialty sees all its patients when its minutes fit in the
    visits together, else what its capacity allows over them; they are shared between
    the visits in proportion to their length: people come on every announced day, so each
    visit expects the same mix, and no specialty works beyond its daily capacity (its
    share of a visit needs at most the visit's length)."""
    total = sum(lengths)
    served = {
        s: min(minutes[s], total) * capacity[s] / day if s in minutes else 0.0
        for s in stop.expected
    }
    return [
        {s: served[s] * (length / total if total > 0 else 0.0) for s in stop.expected}
        for length in lengths
    ]


def plan_needs(inp: ScheduleInput) -> Needs:
    """The visits each stop needs, and the stops no base can reach within a day.

    Each specialty needs expected ÷ daily capacity of a working day; the specialties work
    side by side, so the slowest sets how long the stop needs. The first visit takes as
    much of that as a day allows (`room`: the day less the round trip in day trips, the
    setup and the margin), the next visits the rest, up to `max_days_per_stop`. Each
    specialty's patients seen are shared between the visits in proportion to their length,
    so every visit of a commune expects the same mix (`_share_patients`; `read_plan` shares
    them again between the visits the plan keeps). The margin absorbs the rounding of
    travel times up to the solver's resolution."""
    day = inp.hours[1] - inp.hours[0]
    capacity = reference_capacity(inp)
    visits: list[VisitNeed] = []
    unreachable: list[Unreachable] = []
    unmet: dict[int, dict[str, float]] = {}
    needed = inp.setup_minutes + inp.min_service_minutes + MARGIN_MINUTES
    for i, stop in enumerate(inp.stops):
        travel, base = _reach(inp, stop.location)
        if inp.mode == "day-trips":
            room = day - travel - inp.setup_minutes - MARGIN_MINUTES
            reachable = math.isfinite(travel) and room >= inp.min_service_minutes
        else:
            room = day - inp.setup_minutes - MARGIN_MINUTES
            reachable = math.isfinite(travel) and travel <= day
        if not reachable or room < inp.min_service_minutes:
            unreachable.append(
                Unreachable(
                    i, travel, base if math.isfinite(travel) else None, needed, day, inp.mode
                )
            )
            continue
        minutes = _consultation_minutes(inp, stop, capacity, day)
        remaining = max(minutes.values(), default=0.0)
        lengths: list[float] = []
        while remaining > 1e-9 and len(lengths) < inp.max_days_per_stop:
            lengths.append(min(room, remaining))
            remaining -= lengths[-1]
        if not lengths:  # nobody expected (an empty target group): one short visit
            lengths = [inp.min_service_minutes]
        shares = _share_patients(stop, minutes, capacity, day, lengths)
        for k, (length, expected) in enumerate(zip(lengths, shares, strict=True)):
            visits.append(VisitNeed(i, k + 1, len(lengths), inp.setup_minutes + length, expected))
        left = {s: stop.expected[s] - sum(e[s] for e in shares) for s in stop.expected}
        if any(x > 0.5 for x in left.values()):
            unmet[i] = left
    return Needs(tuple(visits), tuple(unreachable), unmet)


@dataclass(frozen=True)
class Vehicle:
    unit: int
    days: tuple[date, ...]


def build_problem(
    inp: ScheduleInput, needs: Needs
) -> tuple[RoutingProblem, list[Vehicle], list[tuple[int, date | None]]]:
    """The routing problem; the vehicle types' units and days; each client's visit
    (index into needs.visits) and, for tours, its day."""
    start_clock, end_clock = inp.hours
    finite = inp.distance_km[np.isfinite(inp.distance_km)]
    # km: a visit is worth more than the longest detour it can cause (there and back), so
    # the solver drops a visit only for want of time; the score then ranks the visits.
    scale = 10.0 * float(finite.max(initial=1.0)) + 1.0
    vehicles: list[Vehicle] = []
    types: list[RoutingVehicleType] = []
    blocks: list[tuple[date, ...]]
    if inp.mode == "day-trips":
        blocks = [(d,) for d in inp.working_days]
    else:
        # A tour never spans a rest day: runs of consecutive working days, cut every
        # `max_tour_days`.
        blocks = []
        run: list[date] = []
        for day in inp.working_days:
            if run and ((day - run[-1]).days != 1 or len(run) == inp.max_tour_days):
                blocks.append(tuple(run))
                run = []
            run.append(day)
        if run:
            blocks.append(tuple(run))
    for block in blocks:
        for u, unit in enumerate(inp.units):
            vehicles.append(Vehicle(u, block))
            types.append(
                RoutingVehicleType(
                    depot=unit.base,
                    count=1,
                    tw_early=_minute(block[0], inp.start_date, start_clock),
                    tw_late=_minute(block[-1], inp.start_date, end_clock),
                    label=f"{unit.name} {block[0].isoformat()}",
                )
            )
    clients: list[RoutingClient] = []
    groups: list[RoutingGroup] = []
    owners: list[tuple[int, date | None]] = []
    for v, visit in enumerate(needs.visits):
        stop = inp.stops[visit.stop]
        prize = scale * (1.0 + stop.score)
        if visit.number > 1:
            prize *= SECOND_VISIT_FACTOR
        required = stop.required and visit.number == 1
        label = f"{stop.code} visit {visit.number}/{visit.of}"
        if inp.mode == "day-trips":
            clients.append(
                RoutingClient(
                    stop.location,
                    visit.service_minutes,
                    prize=prize,
                    required=required,
                    label=label,
                )
            )
            owners.append((v, None))
            continue
        groups.append(RoutingGroup(required=required, label=label))
        for day in inp.working_days:
            clients.append(
                RoutingClient(
                    stop.location,
                    visit.service_minutes,
                    tw_early=_minute(day, inp.start_date, start_clock),
                    tw_late=_minute(day, inp.start_date, end_clock) - visit.service_minutes,
                    prize=prize,
                    required=False,
                    group=len(groups) - 1,
                    label=f"{label} {day.isoformat()}",
                )
            )
            owners.append((v, day))
    problem = RoutingProblem(
        inp.duration_minutes,
        inp.distance_km,
        tuple(b.location for b in inp.bases),
        tuple(clients),
        tuple(types),
        tuple(groups),
        inp.coordinates,
    )
    return problem, vehicles, owners


def _clock(minute: float, start: date) -> tuple[date, float]:
    day = int(minute // DAY_MINUTES)
    return start + timedelta(days=day), minute - day * DAY_MINUTES


def read_plan(
    inp: ScheduleInput,
    needs: Needs,
    vehicles: Sequence[Vehicle],
    owners: Sequence[tuple[int, date | None]],
    solution: RoutingSolution,
) -> SchedulePlan:
    """Routes as dated visits; every stop left out with the reason.

    Where the plan keeps only some of a commune's visits, their expected patients are
    shared again over the visits kept: a lone first visit sees, in each specialty, as many
    patients as its day allows."""
    routes: list[PlannedRoute] = []
    served_visits = {owners[v.client][0] for r in solution.routes for v in r.visits}
    expected_of = expected_of_served(inp, needs, served_visits)
    for route in solution.routes:
        vehicle = vehicles[route.vehicle_type]
        unit = inp.units[vehicle.unit]
        base = inp.bases[unit.base]
        visits: list[PlannedVisit] = []
        path = [base.location]
        for visit in route.visits:
            index = owners[visit.client][0]
            need = needs.visits[index]
            stop = inp.stops[need.stop]
            day, start = _clock(visit.start, inp.start_date)
            arrival_day, arrival = _clock(visit.arrival, inp.start_date)
            visits.append(
                PlannedVisit(
                    need.stop,
                    stop.code,
                    stop.label,
                    day,
                    unit.name,
                    unit.team,
                    base.name,
                    arrival,
                    start,
                    start + (visit.end - visit.start),
                    need.number,
                    need.of,
                    {s: round(x, 1) for s, x in expected_of[index].items()},
                    arrival_date=arrival_day,
                )
            )
            path.append(stop.location)
        path.append(base.location)
        first, leave = _clock(route.start, inp.start_date)
        last, back = _clock(route.end, inp.start_date)
        routes.append(
            PlannedRoute(
                unit.name,
                unit.team,
                base.name,
                first,
                last,
                leave,
                back,
                route.distance_km,
                route.travel_minutes,
                tuple(visits),
                tuple(path),
            )
        )
    routes.sort(key=lambda r: (r.first_date, r.unit))
    dropped = _dropped(inp, needs, {needs.visits[i].stop for i in served_visits})
    # Unmet: every expected patient no planned visit sees (all of them where the commune
    # is not visited).
    seen: dict[int, dict[str, float]] = {}
    for index in served_visits:
        row = seen.setdefault(needs.visits[index].stop, {})
        for s, x in expected_of[index].items():
            row[s] = row.get(s, 0.0) + x
    unmet = {}
    for i, stop in enumerate(inp.stops):
        left = {s: x - seen.get(i, {}).get(s, 0.0) for s, x in stop.expected.items()}
        if any(x > 0.5 for x in left.values()):
            unmet[stop.code] = {s: round(max(x, 0.0), 1) for s, x in left.items()}
    return SchedulePlan(
        tuple(routes),
        dropped,
        unmet,
        {
            "feasible": solution.feasible,
            "runtime_s": round(solution.runtime_s, 2),
            "iterations": solution.iterations,
            "distance_km": round(solution.distance_km, 1),
        },
    )


def expected_of_served(
    inp: ScheduleInput, needs: Needs, served: set[int]
) -> dict[int, dict[str, float]]:
    """Expected patients of each served visit (index into needs.visits), shared over the
    visits of its commune that the plan keeps."""
    capacity = reference_capacity(inp)
    day = inp.hours[1] - inp.hours[0]
    by_stop: dict[int, list[int]] = {}
    for index in sorted(served):
        by_stop.setdefault(needs.visits[index].stop, []).append(index)
    out: dict[int, dict[str, float]] = {}
    for stop_index, indices in by_stop.items():
        stop = inp.stops[stop_index]
        if len(indices) == needs.visits[indices[0]].of:  # every visit kept: as planned
            out.update((i, needs.visits[i].expected) for i in indices)
            continue
        lengths = [needs.visits[i].service_minutes - inp.setup_minutes for i in indices]
        minutes = _consultation_minutes(inp, stop, capacity, day)
        shares = _share_patients(stop, minutes, capacity, day, lengths)
        out.update(zip(indices, shares, strict=True))
    return out


def _dropped(inp: ScheduleInput, needs: Needs, served: set[int]) -> tuple[Dropped, ...]:
    out = [
        Dropped(
            u.stop,
            inp.stops[u.stop].code,
            inp.stops[u.stop].label,
            inp.stops[u.stop].score,
            u.reason(),
            u.code(),
            u.values(),
        )
        for u in needs.unreachable
    ]
    unreachable = {u.stop for u in needs.unreachable}
    # Forced communes are kept whatever their score: compare with the others.
    kept_scores = [inp.stops[i].score for i in served if not inp.stops[i].required]
    lowest_kept = min(kept_scores, default=math.inf)
    days = len(inp.working_days) * len(inp.units)
    for i, stop in enumerate(inp.stops):
        if i in served or i in unreachable:
            continue
        values: dict[str, float | str] = {"unit_days": days, "score": round(stop.score, 3)}
        if stop.score <= lowest_kept:
            code = "lower_priority"
            values["lowest_kept"] = round(lowest_kept, 3)
            reason = (
                f"not enough unit-days ({days} for the campaign): its priority score "
                f"{stop.score:.3f} is below every commune kept (lowest {lowest_kept:.3f})"
            )
        else:
            code = "travel"
            reason = (
                f"did not fit in the {days} unit-days once travel between the stops kept was "
                f"counted (score {stop.score:.3f})"
            )
        out.append(Dropped(i, stop.code, stop.label, stop.score, reason, code, values))
    return tuple(sorted(out, key=lambda d: (-d.score, d.code)))
