"""A caravan campaign as a routing problem, and the routes back as a day-by-day plan.

Time runs in minutes from midnight of the campaign's first day, so day d of the calendar
spans [1440·d + start of hours, 1440·d + end of hours].

- **Visits.** A stop's expected patients per specialty divided by the units' capacity
  (consultations a day; the smallest capacity among units offering the specialty, so the
  time is enough for any unit) gives the fraction of a working day the visit takes; the
  slowest specialty sets the service time, plus the setup time. When that exceeds what a
  day leaves after travel, the stop gets several visits (at most `max_days_per_stop`);
  patients beyond those are reported as unmet.
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

from qurb.analytics.routing import (
    RoutingClient,
    RoutingGroup,
    RoutingProblem,
    RoutingSolution,
    RoutingVehicleType,
)

DAY_MINUTES = 1440.0
SECOND_VISIT_FACTOR = 0.5
MARGIN_MINUTES = 5.0


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
    round_trip_minutes: float
    base: str | None
    needed_minutes: float
    day_minutes: float

    def reason(self) -> str:
        if self.base is None:
            return "no base can reach it"
        return (
            f"beyond a day's reach: round trip from {self.base} {self.round_trip_minutes:.0f} "
            f"min + setup and shortest visit {self.needed_minutes:.0f} min > working day "
            f"{self.day_minutes:.0f} min"
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
    # Tours: the team drove here after the previous day's work and slept here; `arrival`
    # is then the previous evening's clock time.
    arrived_evening_before: bool = False


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


def plan_needs(inp: ScheduleInput) -> Needs:
    """The visits each stop needs, and the stops no base can reach within a day."""
    day = inp.hours[1] - inp.hours[0]
    capacity = reference_capacity(inp)
    visits: list[VisitNeed] = []
    unreachable: list[Unreachable] = []
    unmet: dict[int, dict[str, float]] = {}
    for i, stop in enumerate(inp.stops):
        if inp.mode == "day-trips":
            trips = [
                (
                    float(
                        inp.duration_minutes[b.location, stop.location]
                        + inp.duration_minutes[stop.location, b.location]
                    ),
                    b.name,
                )
                for b in inp.bases
            ]
            round_trip, base = min(trips)
        else:
            round_trip, base = 0.0, inp.bases[0].name
        # Service minutes a visit can have; the margin absorbs the rounding of travel times
        # up to the solver's resolution.
        room = day - round_trip - inp.setup_minutes - MARGIN_MINUTES
        needed = inp.setup_minutes + inp.min_service_minutes
        if not math.isfinite(round_trip) or room < inp.min_service_minutes:
            unreachable.append(
                Unreachable(i, round_trip, base if math.isfinite(round_trip) else None, needed, day)
            )
            continue
        fractions = [
            stop.expected.get(s, 0.0) / capacity[s] for s in inp.specialties if capacity[s] > 0
        ]
        work = max(fractions, default=0.0) * day  # consultation minutes in all
        count = max(1, math.ceil(work / room - 1e-9))
        allowed = min(count, inp.max_days_per_stop)
        served = min(1.0, allowed * room / work) if work > 0 else 1.0
        if served < 1.0:
            unmet[i] = {s: v * (1.0 - served) for s, v in stop.expected.items()}
        per_visit = {s: v * served / allowed for s, v in stop.expected.items()}
        for k in range(allowed):
            visits.append(
                VisitNeed(
                    i,
                    k + 1,
                    allowed,
                    inp.setup_minutes + min(room, work * served / allowed),
                    per_visit,
                )
            )
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
        days = list(inp.working_days)
        blocks = [
            tuple(days[k : k + inp.max_tour_days]) for k in range(0, len(days), inp.max_tour_days)
        ]
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
    """Routes as dated visits; every stop left out with the reason."""
    routes: list[PlannedRoute] = []
    served: dict[int, int] = {}
    for route in solution.routes:
        vehicle = vehicles[route.vehicle_type]
        unit = inp.units[vehicle.unit]
        base = inp.bases[unit.base]
        visits: list[PlannedVisit] = []
        path = [base.location]
        for visit in route.visits:
            need = needs.visits[owners[visit.client][0]]
            stop = inp.stops[need.stop]
            served[need.stop] = served.get(need.stop, 0) + 1
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
                    {s: round(x, 1) for s, x in need.expected.items()},
                    arrived_evening_before=arrival_day < day,
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
    dropped = _dropped(inp, needs, served)
    unmet = {
        inp.stops[i].code: {s: round(x, 1) for s, x in v.items()} for i, v in needs.unmet.items()
    }
    for need in needs.visits:
        if need.number > served.get(need.stop, 0) and served.get(need.stop, 0) > 0:
            code = inp.stops[need.stop].code
            row = unmet.setdefault(code, {s: 0.0 for s in inp.specialties})
            for s, x in need.expected.items():
                row[s] = round(row.get(s, 0.0) + x, 1)
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


def _dropped(inp: ScheduleInput, needs: Needs, served: dict[int, int]) -> tuple[Dropped, ...]:
    out = [
        Dropped(
            u.stop,
            inp.stops[u.stop].code,
            inp.stops[u.stop].label,
            inp.stops[u.stop].score,
            u.reason(),
        )
        for u in needs.unreachable
    ]
    # Forced communes are kept whatever their score: compare with the others.
    kept_scores = [inp.stops[i].score for i in served if not inp.stops[i].required]
    lowest_kept = min(kept_scores, default=math.inf)
    days = len(inp.working_days) * len(inp.units)
    for i, stop in enumerate(inp.stops):
        if i in served or any(u.stop == i for u in needs.unreachable):
            continue
        if stop.score <= lowest_kept:
            reason = (
                f"not enough unit-days ({days} for the campaign): its priority score "
                f"{stop.score:.3f} is below every commune kept (lowest {lowest_kept:.3f})"
            )
        else:
            reason = (
                f"did not fit in the {days} unit-days once travel between the stops kept was "
                f"counted (score {stop.score:.3f})"
            )
        out.append(Dropped(i, stop.code, stop.label, stop.score, reason))
    return tuple(sorted(out, key=lambda d: (-d.score, d.code)))
