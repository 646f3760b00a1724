"""Reading Solomon VRPTW instances, and solving RC101 close to its best-known distance."""

from __future__ import annotations

import json
import math
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from qurb.algo.routing import RoutingError, RoutingProblem, solve_routing
from qurb.platform.solomon import read_solomon

SOLOMON = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "solomon"
RC101 = SOLOMON / "RC101.txt"


def test_reads_rc101():
    instance = read_solomon(RC101)
    assert instance.name == "RC101"
    assert instance.vehicles == 25
    assert instance.capacity == 200
    problem = instance.problem
    assert len(problem.clients) == 100
    assert problem.depots == (0,)
    assert problem.duration_minutes.shape == (101, 101)
    (vehicle,) = problem.vehicle_types
    assert (vehicle.count, vehicle.capacity) == (25, (200.0,))
    assert (vehicle.tw_early, vehicle.tw_late) == (0.0, 240.0)  # depot row: 0 .. 240

    # File row "1  25  85  20  145  175  10".
    first = problem.clients[0]
    assert first.label == "1"
    assert first.location == 1
    assert first.delivery == (20.0,)
    assert (first.tw_early, first.tw_late) == (145.0, 175.0)
    assert first.service_minutes == 10.0
    assert first.required and first.group is None
    # Depot (40, 50) to customer 1 (25, 85): √(15² + 35²); travel time equals distance.
    assert problem.distance_km[0, 1] == pytest.approx(math.sqrt(15**2 + 35**2))
    np.testing.assert_array_equal(problem.duration_minutes, problem.distance_km)
    np.testing.assert_array_equal(problem.coordinates[:2], [[40, 50], [25, 85]])

    # Last row "100  31  67  3  180  210  10"; total demand 1,724 (as BKS.json says).
    last = problem.clients[-1]
    assert (last.label, last.delivery, last.tw_early, last.tw_late) == ("100", (3.0,), 180, 210)
    assert sum(c.delivery[0] for c in problem.clients) == 1724


def test_garbage_file_raises_naming_the_file(tmp_path: Path):
    path = tmp_path / "garbage.txt"
    path.write_text("this is not\na Solomon instance\n")
    with pytest.raises(RoutingError, match=r"garbage\.txt"):
        read_solomon(path)


def test_wrong_column_count_raises_naming_the_file(tmp_path: Path):
    lines = RC101.read_text().splitlines()
    table = next(i for i, line in enumerate(lines) if line.strip().startswith("CUST NO"))
    cut = [*lines[: table + 1], *(" ".join(row.split()[:6]) for row in lines[table + 1 :])]
    path = tmp_path / "six_columns.txt"
    path.write_text("\n".join(cut) + "\n")
    with pytest.raises(RoutingError, match=r"six_columns\.txt: expected 7 columns"):
        read_solomon(path)


def float_check(problem: RoutingProblem, routes: list[list[int]]) -> list[str]:
    """Faults of a plan (client indices per route) in real-valued times and loads."""
    (vehicle,) = problem.vehicle_types
    depot = problem.depots[vehicle.depot]
    minutes = problem.duration_minutes
    faults = []
    if len(routes) > vehicle.count:
        faults.append(f"{len(routes)} routes for {vehicle.count} vehicles")
    for r, route in enumerate(routes):
        load = sum(problem.clients[c].delivery[0] for c in route)
        if load > vehicle.capacity[0] + 1e-9:
            faults.append(f"route {r}: load {load}")
        t, here = vehicle.tw_early, depot
        for c in route:
            client = problem.clients[c]
            t += minutes[here, client.location]
            if t > client.tw_late + 1e-9:
                faults.append(f"route {r}: customer {client.label} reached at {t:.4f}")
            t = max(t, client.tw_early) + client.service_minutes
            here = client.location
        t += minutes[here, depot]
        if t > vehicle.tw_late + 1e-9:
            faults.append(f"route {r}: back at {t:.4f}")
    served = sorted(c for route in routes for c in route)
    if served != list(range(len(problem.clients))):
        faults.append("not every customer served exactly once")
    return faults


def test_solving_rc101_is_feasible_and_close_to_the_best_known_distance():
    problem = read_solomon(RC101).problem
    solution = solve_routing(problem, time_limit_s=3.0, seed=1, resolution=1000)
    routes = [[v.client for v in route.visits] for route in solution.routes if route.visits]
    assert solution.feasible
    assert solution.unvisited == ()
    assert float_check(problem, routes) == []

    km = 0.0
    for route in routes:
        path = [0, *(problem.clients[c].location for c in route), 0]
        km += sum(problem.distance_km[a, b] for a, b in pairwise(path))
    assert solution.distance_km == pytest.approx(km)

    best = json.loads((SOLOMON / "BKS.json").read_text())["RC101_distance"]["best_known_cost"]
    assert solution.distance_km <= best * 1.05
