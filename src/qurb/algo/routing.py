"""Vehicle routing with time windows, optional stops and prizes, solved by PyVRP.

One problem shape serves the routing of mobile health teams and the Solomon benchmark
alike, so that the benchmark measures the model-building code the planners use:

- locations with a travel-time matrix (minutes) and a distance matrix (km);
- depots (a location each) and vehicle types (a depot, how many vehicles, a capacity per
  load dimension, a working window, a maximum route duration);
- clients (a location, service minutes, a time window, a load per dimension, a prize and
  whether the visit is required), optionally in mutually exclusive groups (visit one
  member: the same stop on different days of a tour).

PyVRP works in integers: times and distances are scaled by `resolution` units per minute
or per km. Travel and service times are rounded *up*, so a plan that is feasible in
integers is feasible in the real minutes; distances are rounded to nearest. The reported
distance is recomputed from the float matrix.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qurb.kernel.errors import QurbError

UNREACHABLE = 10**12  # integer stand-in for "no path" (scaled units); far above any route


class RoutingError(QurbError):
    """A routing problem that is malformed or cannot be solved as given."""


@dataclass(frozen=True)
class RoutingClient:
    location: int
    service_minutes: float = 0.0
    tw_early: float = 0.0  # minutes from the horizon's start
    tw_late: float = math.inf
    delivery: tuple[float, ...] = ()  # one load per dimension (e.g. patients per specialty)
    prize: float = 0.0  # collected when visited (optional clients)
    required: bool = True
    group: int | None = None  # index into RoutingProblem.groups
    label: str = ""


@dataclass(frozen=True)
class RoutingVehicleType:
    depot: int  # index into RoutingProblem.depots
    count: int
    capacity: tuple[float, ...] = ()
    tw_early: float = 0.0
    tw_late: float = math.inf
    max_duration_minutes: float = math.inf
    label: str = ""


@dataclass(frozen=True)
class RoutingGroup:
    """Mutually exclusive clients: at most one member is visited (exactly one if required)."""

    required: bool = False
    label: str = ""


@dataclass(frozen=True)
class RoutingProblem:
    duration_minutes: np.ndarray  # (L, L); inf = no path
    distance_km: np.ndarray  # (L, L)
    depots: tuple[int, ...]  # location of each depot
    clients: tuple[RoutingClient, ...]
    vehicle_types: tuple[RoutingVehicleType, ...]
    groups: tuple[RoutingGroup, ...] = ()
    coordinates: np.ndarray | None = None  # (L, 2) x/y for PyVRP's geometric operators

    @property
    def dimensions(self) -> int:
        sizes = {len(c.delivery) for c in self.clients} | {
            len(v.capacity) for v in self.vehicle_types
        }
        return max(sizes, default=0)


@dataclass(frozen=True)
class Visit:
    client: int
    arrival: float  # minutes from the horizon's start
    start: float  # service start (after any wait)
    end: float


@dataclass(frozen=True)
class RoutingRoute:
    vehicle_type: int
    visits: tuple[Visit, ...]
    start: float
    end: float
    distance_km: float
    travel_minutes: float


@dataclass(frozen=True)
class RoutingSolution:
    routes: tuple[RoutingRoute, ...]
    unvisited: tuple[int, ...]  # clients left out (optional ones the solver dropped)
    feasible: bool
    distance_km: float
    runtime_s: float
    iterations: int
    extra: dict[str, float] = field(default_factory=dict)


def check_problem(problem: RoutingProblem) -> None:
    """Raise RoutingError naming the first malformed part."""
    n = problem.duration_minutes.shape[0]
    for name, matrix in (
        ("duration_minutes", problem.duration_minutes),
        ("distance_km", problem.distance_km),
    ):
        _check_matrix(name, matrix, n)
    if not problem.depots:
        raise RoutingError("no depot (base)")
    if not problem.vehicle_types or sum(v.count for v in problem.vehicle_types) == 0:
        raise RoutingError("no vehicle available")
    dims = problem.dimensions
    for i, depot in enumerate(problem.depots):
        if not 0 <= depot < n:
            raise RoutingError(f"depot {i}: location {depot} is not in the matrix")
    for i, client in enumerate(problem.clients):
        _check_client(i, client, n, dims, len(problem.groups))
    for i, vehicle in enumerate(problem.vehicle_types):
        _check_vehicle_type(i, vehicle, dims, len(problem.depots))


def _check_matrix(name: str, matrix: np.ndarray, n: int) -> None:
    if matrix.shape != (n, n):
        raise RoutingError(f"{name} must be square {n}×{n}, got {matrix.shape}")
    if np.isnan(matrix).any() or (matrix < 0).any():
        raise RoutingError(f"{name} has negative or NaN entries")


def _check_client(i: int, client: RoutingClient, n: int, dims: int, n_groups: int) -> None:
    where = f"client {i}" + (f" ({client.label})" if client.label else "")
    if not 0 <= client.location < n:
        raise RoutingError(f"{where}: location {client.location} is not in the matrix")
    if client.service_minutes < 0 or not math.isfinite(client.service_minutes):
        raise RoutingError(f"{where}: service time must be ≥ 0 minutes")
    if client.tw_late < client.tw_early:
        raise RoutingError(f"{where}: time window ends before it starts")
    if any(x < 0 for x in client.delivery) or len(client.delivery) not in (0, dims):
        raise RoutingError(f"{where}: load must have {dims} non-negative values")
    if client.group is not None:
        if not 0 <= client.group < n_groups:
            raise RoutingError(f"{where}: group {client.group} does not exist")
        if client.required:
            raise RoutingError(f"{where}: a client in a group cannot be required itself")


def _check_vehicle_type(i: int, vehicle: RoutingVehicleType, dims: int, n_depots: int) -> None:
    where = f"vehicle type {i}" + (f" ({vehicle.label})" if vehicle.label else "")
    if not 0 <= vehicle.depot < n_depots:
        raise RoutingError(f"{where}: depot {vehicle.depot} does not exist")
    if vehicle.count < 0:
        raise RoutingError(f"{where}: count must be ≥ 0")
    if any(x < 0 for x in vehicle.capacity) or len(vehicle.capacity) not in (0, dims):
        raise RoutingError(f"{where}: capacity must have {dims} non-negative values")
    if vehicle.tw_late < vehicle.tw_early:
        raise RoutingError(f"{where}: working window ends before it starts")


def _scaled(value: float, resolution: int, up: bool) -> int:
    """Minutes or km in solver units: travel and service rounded up, upper bounds (due
    times, shift lengths) rounded down, so integer feasibility implies real feasibility.
    The tolerance (10⁻⁶ unit) keeps float noise such as 10.0000000001 from costing a unit."""
    if not math.isfinite(value):
        return UNREACHABLE
    scaled = value * resolution
    return math.ceil(scaled - 1e-6) if up else math.floor(scaled + 1e-6)


def _round(value: float, resolution: int) -> int:
    """Distances and prizes: to the nearest unit."""
    return round(value * resolution)


def _load(values: Sequence[float], dims: int) -> list[int]:
    if not values:
        return [0] * dims
    return [math.ceil(x - 1e-6) for x in values]


class SearchStop:
    """PyVRP's stopping criterion: after `time_limit_s` seconds, or after
    `no_improvement` iterations in a row that did not improve the best solution (0: never
    for that reason). `reason` says which stopped it. Seeded runs stopped by the
    iteration count alone are repeatable. (A planning job is cancelled by stopping the
    worker process that runs the search.)"""

    def __init__(self, time_limit_s: float, no_improvement: int = 0) -> None:
        from pyvrp.stop import MaxRuntime, NoImprovement

        self._runtime = MaxRuntime(time_limit_s)
        self._stale = NoImprovement(no_improvement) if no_improvement > 0 else None
        self.reason = ""

    def __call__(self, best_cost: int) -> bool:
        # Both asked at every iteration: each keeps its own count (time, iterations).
        out_of_time = self._runtime(best_cost)
        stale = self._stale(best_cost) if self._stale is not None else False
        if stale or out_of_time:
            self.reason = "no_improvement" if stale else "time_limit"
            return True
        return False


def solve_routing(
    problem: RoutingProblem,
    time_limit_s: float = 10.0,
    seed: int = 0,
    resolution: int = 100,
    no_improvement: int = 0,
) -> RoutingSolution:
    """Minimise total distance minus collected prizes with PyVRP's hybrid genetic search,
    stopped after `time_limit_s` seconds, or earlier after `no_improvement` iterations in
    a row without a better solution (0: the time limit only). Seeded, so a run stopped by the
    iteration count is repeatable (a time limit makes the count machine-dependent)."""
    from pyvrp import Model

    check_problem(problem)
    if not time_limit_s > 0:
        raise RoutingError(f"time limit must be > 0 s, got {time_limit_s}")
    if no_improvement < 0:
        raise RoutingError(
            f"iterations without improvement must be ≥ 0, got {no_improvement}",
            code="negative_no_improvement",
            values={"value": no_improvement},
        )
    dims = problem.dimensions
    n = problem.duration_minutes.shape[0]
    coords = problem.coordinates if problem.coordinates is not None else np.zeros((n, 2))
    model = Model()
    locations = [model.add_location(float(x), float(y)) for x, y in coords]
    depots = [model.add_depot(locations[loc]) for loc in problem.depots]
    groups = [model.add_client_group(required=g.required, name=g.label) for g in problem.groups]
    horizon_late = _scaled(
        max(
            [v.tw_late for v in problem.vehicle_types if math.isfinite(v.tw_late)]
            + [c.tw_late for c in problem.clients if math.isfinite(c.tw_late)]
            + [0.0]
        ),
        resolution,
        up=True,
    )
    big = max(horizon_late, 1) * 4 + UNREACHABLE
    for v in problem.vehicle_types:
        if v.count == 0:
            continue
        model.add_vehicle_type(
            num_available=v.count,
            capacity=_load(v.capacity, dims) if dims else [],
            start_depot=depots[v.depot],
            end_depot=depots[v.depot],
            tw_early=_scaled(v.tw_early, resolution, up=True),
            tw_late=big if not math.isfinite(v.tw_late) else _scaled(v.tw_late, resolution, False),
            shift_duration=big
            if not math.isfinite(v.max_duration_minutes)
            else _scaled(v.max_duration_minutes, resolution, up=False),
            name=v.label,
        )
    vehicle_index = [i for i, v in enumerate(problem.vehicle_types) if v.count > 0]
    for c in problem.clients:
        model.add_client(
            locations[c.location],
            delivery=_load(c.delivery, dims) if dims else [],
            service_duration=_scaled(c.service_minutes, resolution, up=True),
            tw_early=_scaled(c.tw_early, resolution, up=True),
            tw_late=big if not math.isfinite(c.tw_late) else _scaled(c.tw_late, resolution, False),
            prize=_round(c.prize, resolution),
            required=c.required,
            group=None if c.group is None else groups[c.group],
            name=c.label,
        )
    duration = problem.duration_minutes
    distance = problem.distance_km
    for i in range(n):
        for j in range(n):
            model.add_edge(
                locations[i],
                locations[j],
                distance=_round(float(distance[i, j]), resolution)
                if math.isfinite(duration[i, j])
                else UNREACHABLE,
                duration=_scaled(float(duration[i, j]), resolution, up=True),
            )
    with warnings.catch_warnings(record=True) as caught:
        # PyVRP warns when a penalty hits its bound (a hard instance); the caller sees
        # the outcome in `feasible`, and piped output stays clean.
        warnings.simplefilter("always")
        stop = SearchStop(time_limit_s, no_improvement)
        result = model.solve(stop, seed=seed, display=False)
    penalty_warnings = sum(1 for w in caught if "penalty" in str(w.message).lower())
    best = result.best
    routes = []
    visited: set[int] = set()
    total_km = 0.0
    for route in best.routes():
        vt = vehicle_index[route.vehicle_type()]
        depot_loc = problem.depots[problem.vehicle_types[vt].depot]
        path = [depot_loc]
        visits = []
        for activity in route.schedule():
            if not activity.is_client():
                continue
            client = activity.idx
            visited.add(client)
            path.append(problem.clients[client].location)
            start = activity.start_time / resolution
            visits.append(
                Visit(
                    client,
                    arrival=start - activity.wait_duration / resolution,
                    start=start,
                    end=activity.end_time / resolution,
                )
            )
        path.append(depot_loc)
        km = float(sum(distance[a, b] for a, b in itertools.pairwise(path)))
        minutes = float(sum(duration[a, b] for a, b in itertools.pairwise(path)))
        total_km += km
        routes.append(
            RoutingRoute(
                vt,
                tuple(visits),
                start=route.start_time() / resolution,
                end=route.end_time() / resolution,
                distance_km=km,
                travel_minutes=minutes,
            )
        )
    return RoutingSolution(
        tuple(routes),
        tuple(i for i in range(len(problem.clients)) if i not in visited),
        bool(best.is_feasible()),
        total_km,
        float(result.runtime),
        int(result.num_iterations),
        {
            "penalty_bound_warnings": float(penalty_warnings),
            "stopped_without_improvement": float(stop.reason == "no_improvement"),
        },
    )
