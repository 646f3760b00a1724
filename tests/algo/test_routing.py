"""The VRPTW solver on hand-checkable instances, and `check_problem` on malformed ones.

Every instance is points in the plane with travel minutes = Euclidean distance, so the
optimal distances below can be worked out on paper.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from qurb.algo.routing import (
    RoutingClient,
    RoutingError,
    RoutingGroup,
    RoutingProblem,
    RoutingSolution,
    RoutingVehicleType,
    SearchStop,
    check_problem,
    solve_routing,
)

LIMIT_S = 0.5
SQRT2 = math.sqrt(2.0)


def plane(
    points: list[tuple[float, float]],
    clients: list[RoutingClient],
    vehicles: list[RoutingVehicleType] | None = None,
    groups: tuple[RoutingGroup, ...] = (),
) -> RoutingProblem:
    """Location 0 is the depot; minutes = km = Euclidean distance."""
    xy = np.array(points, dtype=float)
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
    return RoutingProblem(
        duration_minutes=d,
        distance_km=d.copy(),
        depots=(0,),
        clients=tuple(clients),
        vehicle_types=tuple(vehicles or [RoutingVehicleType(depot=0, count=1)]),
        groups=groups,
        coordinates=xy,
    )


def visited(solution: RoutingSolution) -> set[int]:
    return {v.client for route in solution.routes for v in route.visits}


def order(solution: RoutingSolution) -> list[list[int]]:
    return [[v.client for v in route.visits] for route in solution.routes if route.visits]


# --- optimal distances ---------------------------------------------------------------------


def test_line_instance_goes_out_and_back():
    # Depot at 0, clients at 1, 2, 3 on a line: the best tour is 0 → 3 → 0, 6 km.
    problem = plane([(0, 0), (1, 0), (2, 0), (3, 0)], [RoutingClient(i) for i in (1, 2, 3)])
    solution = solve_routing(problem, LIMIT_S, seed=1)
    assert solution.feasible
    assert solution.unvisited == ()
    assert len(solution.routes) == 1
    assert solution.distance_km == pytest.approx(6.0)
    assert solution.routes[0].distance_km == pytest.approx(6.0)
    assert solution.routes[0].travel_minutes == pytest.approx(6.0)
    assert order(solution) in ([[0, 1, 2]], [[2, 1, 0]])


def test_unit_square_tour():
    # Depot at a corner of the unit square, clients at the other three: perimeter, 4 km.
    problem = plane([(0, 0), (0, 1), (1, 1), (1, 0)], [RoutingClient(i) for i in (1, 2, 3)])
    solution = solve_routing(problem, LIMIT_S, seed=1)
    assert solution.feasible
    assert solution.distance_km == pytest.approx(4.0)
    assert order(solution) in ([[0, 1, 2]], [[2, 1, 0]])


def test_capacity_forces_two_routes():
    # Two clients of load 6 with a capacity of 10: one each. Together it would be
    # 5 + 1 + √26 ≈ 11.10; apart it is 2·5 + 2·√26 ≈ 20.20.
    clients = [RoutingClient(1, delivery=(6,)), RoutingClient(2, delivery=(6,))]
    vehicles = [RoutingVehicleType(depot=0, count=2, capacity=(10,))]
    problem = plane([(0, 0), (5, 0), (5, 1)], clients, vehicles)
    solution = solve_routing(problem, LIMIT_S, seed=1)
    assert solution.feasible
    assert sorted(order(solution)) == [[0], [1]]
    assert solution.distance_km == pytest.approx(10 + 2 * math.sqrt(26))

    # With capacity 12 they share a vehicle.
    vehicles = [RoutingVehicleType(depot=0, count=2, capacity=(12,))]
    solution = solve_routing(plane([(0, 0), (5, 0), (5, 1)], clients, vehicles), LIMIT_S, 1)
    assert len(order(solution)) == 1
    assert solution.distance_km == pytest.approx(6 + math.sqrt(26))


def test_capacity_in_two_dimensions():
    # Dimension 0 fits both clients, dimension 1 does not: two routes.
    clients = [RoutingClient(1, delivery=(1, 3)), RoutingClient(2, delivery=(1, 3))]
    vehicles = [RoutingVehicleType(depot=0, count=2, capacity=(10, 5))]
    solution = solve_routing(plane([(0, 0), (5, 0), (5, 1)], clients, vehicles), LIMIT_S, 1)
    assert solution.feasible
    assert sorted(order(solution)) == [[0], [1]]


# --- prizes and groups ----------------------------------------------------------------------


def _prize_problem(prize: float) -> RoutingProblem:
    # A required client at (1, 0) and an optional one at (-5, 0): visiting the optional one
    # turns the 2 km tour into 1 + 6 + 5 = 12 km, a detour of 10 km.
    clients = [RoutingClient(1), RoutingClient(2, prize=prize, required=False)]
    return plane([(0, 0), (1, 0), (-5, 0)], clients)


def test_optional_client_worth_less_than_its_detour_is_dropped():
    solution = solve_routing(_prize_problem(3.0), LIMIT_S, seed=1)
    assert solution.feasible
    assert solution.unvisited == (1,)
    assert visited(solution) == {0}
    assert solution.distance_km == pytest.approx(2.0)


def test_optional_client_worth_more_than_its_detour_is_kept():
    solution = solve_routing(_prize_problem(20.0), LIMIT_S, seed=1)
    assert solution.feasible
    assert solution.unvisited == ()
    assert visited(solution) == {0, 1}
    assert solution.distance_km == pytest.approx(12.0)


def test_required_group_visits_exactly_one_member_the_nearest():
    # Three optional clients in one required group: exactly one is visited, the nearest
    # (round trip 2 km, against 4 and 6).
    clients = [RoutingClient(i, required=False, group=0) for i in (1, 2, 3)]
    problem = plane([(0, 0), (1, 0), (0, 2), (3, 0)], clients, groups=(RoutingGroup(True),))
    solution = solve_routing(problem, LIMIT_S, seed=1)
    assert solution.feasible
    assert visited(solution) == {0}
    assert solution.unvisited == (1, 2)
    assert solution.distance_km == pytest.approx(2.0)


def test_optional_group_visits_at_most_one_member():
    # Both members are well worth their trip (prize 100), but the group allows one: the one
    # with the shorter trip (2 km against 6 km).
    clients = [RoutingClient(i, prize=100.0, required=False, group=0) for i in (1, 2)]
    problem = plane([(0, 0), (1, 0), (-3, 0)], clients, groups=(RoutingGroup(False),))
    solution = solve_routing(problem, LIMIT_S, seed=1)
    assert solution.feasible
    assert visited(solution) == {0}
    assert solution.unvisited == (1,)

    # With no prize at all, an optional group is skipped entirely.
    clients = [RoutingClient(i, required=False, group=0) for i in (1, 2)]
    problem = plane([(0, 0), (1, 0), (-3, 0)], clients, groups=(RoutingGroup(False),))
    solution = solve_routing(problem, LIMIT_S, seed=1)
    assert visited(solution) == set()
    assert solution.distance_km == pytest.approx(0.0)


# --- time windows ---------------------------------------------------------------------------


def test_time_window_forces_a_longer_tour():
    # Unit square again, but the far corner (1, 1) must be reached by minute 1.5: it has to
    # come first (√2 ≈ 1.41 away), so the tour is √2 + 1 + √2 + 1 instead of 4.
    clients = [RoutingClient(1), RoutingClient(2, tw_late=1.5), RoutingClient(3)]
    problem = plane([(0, 0), (0, 1), (1, 1), (1, 0)], clients)
    solution = solve_routing(problem, LIMIT_S, seed=1, resolution=1000)
    assert solution.feasible
    assert order(solution) in ([[1, 0, 2]], [[1, 2, 0]])
    assert solution.distance_km == pytest.approx(2 + 2 * SQRT2)
    first = solution.routes[0].visits[0]
    assert first.start <= 1.5


def test_visits_respect_client_and_vehicle_windows_with_waiting():
    # Client 0 at x = 2 is open [0, 3]; client 1 at x = 1 only opens at minute 10: the van
    # must serve client 0 first, then wait for client 1. Vehicle window [0, 20].
    clients = [
        RoutingClient(1, service_minutes=1.0, tw_early=0.0, tw_late=3.0),
        RoutingClient(2, service_minutes=1.0, tw_early=10.0, tw_late=12.0),
    ]
    vehicles = [RoutingVehicleType(depot=0, count=1, tw_early=0.0, tw_late=20.0)]
    problem = plane([(0, 0), (2, 0), (1, 0)], clients, vehicles)
    solution = solve_routing(problem, LIMIT_S, seed=1)
    assert solution.feasible
    assert order(solution) == [[0, 1]]
    route = solution.routes[0]
    for visit in route.visits:
        client = problem.clients[visit.client]
        assert client.tw_early - 1e-9 <= visit.start <= client.tw_late + 1e-9
        assert visit.arrival <= visit.start + 1e-9
        assert visit.end == pytest.approx(visit.start + client.service_minutes)
    second = route.visits[1]
    assert second.start == pytest.approx(10.0)
    assert second.arrival < second.start  # it waited
    assert route.start >= 0.0 - 1e-9
    assert route.end <= 20.0 + 1e-9
    assert route.end == pytest.approx(11.0 + 1.0)  # served 10–11, then 1 km home


@pytest.mark.filterwarnings("ignore::pyvrp.exceptions.PenaltyBoundWarning")
def test_infeasible_windows_are_reported():
    # The only client is 5 minutes away but closes at minute 2.
    problem = plane([(0, 0), (5, 0)], [RoutingClient(1, tw_late=2.0)])
    solution = solve_routing(problem, LIMIT_S, seed=1)
    assert not solution.feasible


def test_max_route_duration_forces_two_routes():
    # Each client is 3 min away; one route through both takes 3 + 6 + 3 = 12 min (the two
    # are 6 apart), over the 10 min allowed: two routes of 6 min.
    vehicles = [RoutingVehicleType(depot=0, count=2, max_duration_minutes=10.0)]
    problem = plane([(0, 0), (3, 0), (-3, 0)], [RoutingClient(1), RoutingClient(2)], vehicles)
    solution = solve_routing(problem, LIMIT_S, seed=1)
    assert solution.feasible
    assert sorted(order(solution)) == [[0], [1]]
    assert all(r.end - r.start <= 10.0 + 1e-9 for r in solution.routes)


# --- rounding -------------------------------------------------------------------------------


def test_service_and_travel_times_are_rounded_up():
    # At 100 units per minute, 0.004 minutes becomes 1 unit (0.01), not 0: the integer
    # schedule is never earlier than the real one.
    clients = [RoutingClient(1, service_minutes=0.004), RoutingClient(2, service_minutes=0.004)]
    problem = plane([(0, 0), (0.004, 0), (0.008, 0)], clients)
    solution = solve_routing(problem, LIMIT_S, seed=1, resolution=100)
    assert solution.feasible
    (route,) = solution.routes
    assert [v.client for v in route.visits] == [0, 1]
    first, second = route.visits
    assert first.arrival == pytest.approx(0.01)  # 0.004 min of travel, rounded up
    assert first.end - first.start == pytest.approx(0.01)  # 0.004 min of service, up
    assert second.arrival == pytest.approx(0.03)
    assert route.end == pytest.approx(0.05)
    # The reported distance is the float one, not the rounded one.
    assert solution.distance_km == pytest.approx(0.016)


def test_a_route_that_fits_exactly_in_floats_stays_feasible():
    # Zero-width windows met exactly: 0.3 min out, 0.2 min service, 0.4 min on, 0.5 min
    # back, home at 1.4 when the vehicle's window closes. The float matrix carries rounding
    # noise (0.1 · 3 = 0.30000000000000004); it must not push any time to the next unit.
    xy = [(0.0, 0.0), (0.1 * 3, 0.0), (0.1 * 3, 0.1 * 4)]
    clients = [
        RoutingClient(1, service_minutes=0.1 * 2, tw_early=0.3, tw_late=0.3),
        RoutingClient(2, tw_early=0.9, tw_late=0.9),
    ]
    vehicles = [RoutingVehicleType(depot=0, count=1, tw_early=0.0, tw_late=1.4)]
    problem = plane(xy, clients, vehicles)
    assert problem.duration_minutes[0, 1] > 0.3  # the noise is really there
    for resolution in (100, 1000):
        solution = solve_routing(problem, LIMIT_S, seed=1, resolution=resolution)
        assert solution.feasible, resolution
        assert order(solution) == [[0, 1]]
        first, second = solution.routes[0].visits
        assert first.start == pytest.approx(0.3)
        assert second.start == pytest.approx(0.9)
        assert solution.routes[0].end == pytest.approx(1.4)
        assert solution.distance_km == pytest.approx(1.2)


def test_unreachable_pair_is_avoided():
    # No direct path from client 0 to client 1 (inf): the tour must go the other way.
    xy = np.array([(0, 0), (1, 0), (0, 1)], dtype=float)
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
    minutes = d.copy()
    minutes[1, 2] = math.inf
    problem = RoutingProblem(
        minutes,
        d,
        (0,),
        (RoutingClient(1), RoutingClient(2)),
        (RoutingVehicleType(0, 1),),
        coordinates=xy,
    )
    solution = solve_routing(problem, LIMIT_S, seed=1)
    assert solution.feasible
    assert order(solution) == [[1, 0]]
    assert solution.distance_km == pytest.approx(2 + SQRT2)


def test_small_instance_reaches_the_same_optimum_twice():
    problem = plane(
        [(0, 0), (2, 1), (-1, 3), (4, -2), (-3, -1), (1, 5)],
        [RoutingClient(i, delivery=(1,)) for i in range(1, 6)],
        [RoutingVehicleType(0, 3, capacity=(2,))],
    )
    a = solve_routing(problem, LIMIT_S, seed=7)
    b = solve_routing(problem, LIMIT_S, seed=7)
    assert a.feasible and b.feasible
    assert a.distance_km == pytest.approx(b.distance_km)
    assert all(len(route) <= 2 for route in order(a))  # capacity 2, loads of 1


# --- malformed problems ---------------------------------------------------------------------


def _good(**changes) -> RoutingProblem:
    base = plane([(0, 0), (1, 0), (2, 0)], [RoutingClient(1), RoutingClient(2)])
    fields = {
        "duration_minutes": base.duration_minutes,
        "distance_km": base.distance_km,
        "depots": base.depots,
        "clients": base.clients,
        "vehicle_types": base.vehicle_types,
        "groups": base.groups,
    }
    return RoutingProblem(**(fields | changes))


def test_check_problem_accepts_a_good_problem():
    check_problem(_good())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"duration_minutes": np.zeros((3, 2))}, "duration_minutes must be square"),
        ({"distance_km": np.zeros((2, 2))}, "distance_km must be square"),
        ({"distance_km": -np.ones((3, 3))}, "distance_km has negative"),
        ({"duration_minutes": np.full((3, 3), np.nan)}, "duration_minutes has negative or NaN"),
        ({"depots": ()}, "no depot"),
        ({"depots": (5,)}, "depot 0: location 5"),
        ({"vehicle_types": ()}, "no vehicle"),
        ({"vehicle_types": (RoutingVehicleType(0, 0),)}, "no vehicle"),
        (
            {"clients": (RoutingClient(1), RoutingClient(2, tw_early=10, tw_late=5, label="B"))},
            "client 1 (B): time window ends before it starts",
        ),
        (
            {"clients": (RoutingClient(1, group=0),), "groups": (RoutingGroup(True),)},
            "client 0: a client in a group cannot be required",
        ),
        (
            {"clients": (RoutingClient(1, required=False, group=3),)},
            "client 0: group 3 does not exist",
        ),
        ({"clients": (RoutingClient(7),)}, "client 0: location 7 is not in the matrix"),
        ({"clients": (RoutingClient(1, service_minutes=-1),)}, "client 0: service time"),
        (
            {"clients": (RoutingClient(1, delivery=(-1,)),)},
            "client 0: load must have 1 non-negative",
        ),
        (
            {"vehicle_types": (RoutingVehicleType(0, 1, tw_early=9, tw_late=1, label="V"),)},
            "vehicle type 0 (V): working window ends before it starts",
        ),
        ({"vehicle_types": (RoutingVehicleType(2, 1),)}, "vehicle type 0: depot 2 does not"),
    ],
)
def test_check_problem_names_the_bad_part(changes, message):
    problem = _good(**changes)
    with pytest.raises(RoutingError, match=re.escape(message)):
        check_problem(problem)
    with pytest.raises(RoutingError):
        solve_routing(problem, LIMIT_S)


def test_solve_rejects_a_non_positive_time_limit():
    with pytest.raises(RoutingError, match="time limit"):
        solve_routing(_good(), 0.0)


# --- stopping --------------------------------------------------------------------------------


def test_search_stops_after_iterations_without_improvement():
    # The square's optimum (4 km) is found from the start: the search then stops after
    # exactly the given number of iterations without improvement, long before 60 s.
    problem = plane([(0, 0), (0, 1), (1, 1), (1, 0)], [RoutingClient(i) for i in (1, 2, 3)])
    solution = solve_routing(problem, 60.0, seed=1, no_improvement=50)
    assert solution.distance_km == pytest.approx(4.0)
    assert solution.iterations == 50
    assert solution.extra["stopped_without_improvement"] == 1.0
    again = solve_routing(problem, 60.0, seed=1, no_improvement=50)
    assert order(again) == order(solution)  # seeded and stopped by a count: repeatable


def test_stopping_criterion_counts_iterations_without_improvement():
    # The first cost sets the mark; 5 further iterations without a lower cost stop it.
    stop = SearchStop(600.0, no_improvement=5)
    assert [stop(10) for _ in range(6)] == [False] * 5 + [True]
    assert stop.reason == "no_improvement"
    # A better cost starts the count again.
    stop = SearchStop(600.0, no_improvement=2)
    assert [stop(c) for c in (10, 10, 9, 9, 9)] == [False, False, False, False, True]
    # 0: only the time limit stops the search.
    never = SearchStop(600.0, no_improvement=0)
    assert not any(never(10) for _ in range(10_000))


def test_no_improvement_must_not_be_negative():
    problem = plane([(0, 0), (1, 0)], [RoutingClient(1)])
    with pytest.raises(RoutingError, match="without improvement must be ≥ 0"):
        solve_routing(problem, 1.0, no_improvement=-1)
