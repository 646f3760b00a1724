"""Benchmark: the caravan routing solver on the Solomon RC1 VRPTW instances, vs OR-Tools.

Qurb's side is `solve_routing(read_solomon(...).problem, seconds, seed, resolution=1000)`:
the model-building code the caravan campaigns use, solved by PyVRP's hybrid genetic search.
The peer, measured in the same run under the same time limit, is OR-Tools' routing solver
(pywrapcp): the same integer data (×1000; travel time rounded up, distance rounded to
nearest, service time added to the departing node's transit), a capacity dimension, a time
dimension with waiting allowed and a window per node, one vehicle per vehicle of the
instance, first solution PATH_CHEAPEST_ARC, then GUIDED_LOCAL_SEARCH. (OR-Tools' routing
search takes no seed; it is deterministic up to the time limit.) On the tightest windows
(RC101, RC105) PATH_CHEAPEST_ARC finds no first solution at all; OR-Tools then gets a
second run, same limit, with PARALLEL_CHEAPEST_INSERTION (marked * in the table;
`--ortools-fallback none` reports the failure instead).

For both, the total distance is recomputed from the float Euclidean matrix and the plan is
checked independently in floats: every customer visited once, capacity, every arrival no
later than the due date (waiting for the ready time allowed), back at the depot by its due
date. Gaps are against the best-known total distance (`NAME_distance` in BKS.json), which
is the pure-distance objective both solvers minimise here (the fleet size is not minimised).
Target: a mean Qurb gap ≤ 1.0 %.

Run:  .venv/bin/python benchmarks/caravan_solomon.py [--instances RC101 RC105] [--seconds 10]
      [--seed 1] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from qurb.algo.routing import RoutingProblem, solve_routing
from qurb.platform.solomon import SolomonInstance, read_solomon

DATA = Path(__file__).resolve().parent / "data" / "solomon"
INSTANCES = tuple(f"RC10{i}" for i in range(1, 9))
RESOLUTION = 1000
EPS = 1e-6


@dataclass(frozen=True)
class Outcome:
    distance: float  # recomputed from the float matrix
    routes: int
    check: str  # "feasible" or "INFEASIBLE: <why>"
    seconds: float
    strategy: str = ""  # OR-Tools' first-solution strategy


def check_plan(problem: RoutingProblem, routes: list[list[int]]) -> str:
    """Verify a plan (client indices per route) in floats; 'feasible' or the first fault."""
    vehicle = problem.vehicle_types[0]
    depot = problem.depots[vehicle.depot]
    duration = problem.duration_minutes
    seen: dict[int, int] = {}
    if len(routes) > vehicle.count:
        return f"INFEASIBLE: {len(routes)} routes > {vehicle.count} vehicles"
    for r, route in enumerate(routes):
        load = sum(problem.clients[c].delivery[0] for c in route)
        if load > vehicle.capacity[0] + EPS:
            return f"INFEASIBLE: route {r} load {load:g} > {vehicle.capacity[0]:g}"
        t, here = vehicle.tw_early, depot
        for c in route:
            client = problem.clients[c]
            seen[c] = seen.get(c, 0) + 1
            t += duration[here, client.location]
            if t > client.tw_late + EPS:
                return (
                    f"INFEASIBLE: customer {client.label} reached at {t:.3f} > {client.tw_late:g}"
                )
            t = max(t, client.tw_early) + client.service_minutes
            here = client.location
        t += duration[here, depot]
        if t > vehicle.tw_late + EPS:
            return f"INFEASIBLE: route {r} back at {t:.3f} > {vehicle.tw_late:g}"
    missing = [c for c in range(len(problem.clients)) if seen.get(c, 0) == 0]
    repeated = [c for c, k in seen.items() if k > 1]
    if missing or repeated:
        return f"INFEASIBLE: {len(missing)} customers missed, {len(repeated)} visited twice"
    return "feasible"


def plan_distance(problem: RoutingProblem, routes: list[list[int]]) -> float:
    depot = problem.depots[problem.vehicle_types[0].depot]
    total = 0.0
    for route in routes:
        path = [depot, *(problem.clients[c].location for c in route), depot]
        total += float(sum(problem.distance_km[a, b] for a, b in pairwise(path)))
    return total


def solve_qurb(instance: SolomonInstance, seconds: float, seed: int) -> Outcome:
    start = time.perf_counter()
    solution = solve_routing(instance.problem, seconds, seed, resolution=RESOLUTION)
    elapsed = time.perf_counter() - start
    routes = [[v.client for v in route.visits] for route in solution.routes if route.visits]
    check = check_plan(instance.problem, routes)
    if check == "feasible" and solution.unvisited:
        check = f"INFEASIBLE: {len(solution.unvisited)} unvisited"
    return Outcome(plan_distance(instance.problem, routes), len(routes), check, elapsed)


def _up(x: float) -> int:
    return math.ceil(x * RESOLUTION - 1e-9)


def solve_ortools(instance: SolomonInstance, seconds: float, first: str) -> Outcome:
    """Node 0 is the depot, node k the (k-1)th client."""
    start = time.perf_counter()
    problem = instance.problem
    vehicle = problem.vehicle_types[0]
    locations = [problem.depots[vehicle.depot], *(c.location for c in problem.clients)]
    service = [0, *(_up(c.service_minutes) for c in problem.clients)]
    n = len(locations)
    distance = [
        [round(float(problem.distance_km[a, b]) * RESOLUTION) for b in locations] for a in locations
    ]
    # Service time is added to the transit out of the node where it happens.
    travel = [
        [_up(float(problem.duration_minutes[a, b])) + service[i] for b in locations]
        for i, a in enumerate(locations)
    ]
    demand = [0, *(math.ceil(c.delivery[0] - 1e-9) for c in problem.clients)]
    windows = [(vehicle.tw_early, vehicle.tw_late)] + [
        (c.tw_early, c.tw_late) for c in problem.clients
    ]
    scaled = [(_up(a), round(b * RESOLUTION)) for a, b in windows]
    horizon = scaled[0][1]

    manager = pywrapcp.RoutingIndexManager(n, vehicle.count, 0)
    routing = pywrapcp.RoutingModel(manager)
    cost = routing.RegisterTransitMatrix(distance)
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    load = routing.RegisterUnaryTransitVector(demand)
    capacity = math.floor(vehicle.capacity[0] + 1e-9)
    routing.AddDimensionWithVehicleCapacity(load, 0, [capacity] * vehicle.count, True, "Load")
    transit = routing.RegisterTransitMatrix(travel)
    routing.AddDimension(transit, horizon, horizon, False, "Time")
    time_dim = routing.GetDimensionOrDie("Time")
    for node in range(1, n):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(*scaled[node])
    for v in range(vehicle.count):
        time_dim.CumulVar(routing.Start(v)).SetRange(*scaled[0])
        time_dim.CumulVar(routing.End(v)).SetRange(*scaled[0])

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first)
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    assignment = routing.SolveWithParameters(params)
    elapsed = time.perf_counter() - start
    if assignment is None:
        return Outcome(math.nan, 0, "INFEASIBLE: no solution found", elapsed, first)
    routes = []
    for v in range(vehicle.count):
        index = assignment.Value(routing.NextVar(routing.Start(v)))
        route = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index) - 1)
            index = assignment.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return Outcome(
        plan_distance(problem, routes), len(routes), check_plan(problem, routes), elapsed, first
    )


def gap_pct(distance: float, bks: float) -> float:
    return (distance / bks - 1.0) * 100.0


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", nargs="+", default=list(INSTANCES), metavar="NAME")
    parser.add_argument("--seconds", type=float, default=10.0, help="time limit per solver")
    parser.add_argument("--seed", type=int, default=1, help="PyVRP seed")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results here")
    parser.add_argument(
        "--ortools-first", default="PATH_CHEAPEST_ARC", help="OR-Tools first-solution strategy"
    )
    parser.add_argument(
        "--ortools-fallback",
        default="PARALLEL_CHEAPEST_INSERTION",
        help="strategy for a second OR-Tools run (same limit) when the first finds no "
        "solution at all; 'none' to report the failure instead",
    )
    args = parser.parse_args()
    bks = json.loads((DATA / "BKS.json").read_text())

    print(
        f"Solomon RC1, {args.seconds:g} s per instance and solver, seed {args.seed}; "
        "distances recomputed in floats, gaps vs best-known distance"
    )
    header = (
        f"{'instance':<9} {'BKS':>9} | {'Qurb':>9} {'gap %':>7} {'routes':>6} {'check':<10} | "
        f"{'OR-Tools':>9} {'gap %':>7} {'routes':>6} {'check':<10}"
    )
    print(header)
    print("-" * len(header))
    results = []
    notes = []
    for name in args.instances:
        instance = read_solomon(DATA / f"{name}.txt")
        best = float(bks[f"{name}_distance"]["best_known_cost"])
        qurb = solve_qurb(instance, args.seconds, args.seed)
        peer = solve_ortools(instance, args.seconds, args.ortools_first)
        mark = " "
        if peer.routes == 0 and args.ortools_fallback.lower() != "none":
            notes.append(
                f"* {name}: OR-Tools with {args.ortools_first} found no solution in "
                f"{args.seconds:g} s; this is a second run with {args.ortools_fallback}"
            )
            peer = solve_ortools(instance, args.seconds, args.ortools_fallback)
            mark = "*"
        row = {
            "instance": name,
            "bks": best,
            "qurb": asdict(qurb) | {"gap_pct": gap_pct(qurb.distance, best)},
            "ortools": asdict(peer) | {"gap_pct": gap_pct(peer.distance, best)},
        }
        results.append(row)
        print(
            f"{name:<9} {best:>9.2f} | {qurb.distance:>9.2f} {row['qurb']['gap_pct']:>7.2f} "
            f"{qurb.routes:>6} {qurb.check[:10]:<10} | {peer.distance:>8.2f}{mark} "
            f"{row['ortools']['gap_pct']:>7.2f} {peer.routes:>6} {peer.check[:10]:<10}"
        )
        for label, outcome in (("Qurb", qurb), ("OR-Tools", peer)):
            if outcome.check != "feasible":
                print(f"  {label}: {outcome.check}")

    def gaps(solver: str) -> list[float]:
        return [r[solver]["gap_pct"] for r in results if not math.isnan(r[solver]["gap_pct"])]

    qurb_mean, peer_mean = mean(gaps("qurb")), mean(gaps("ortools"))
    print("-" * len(header))
    for note in notes:
        print(note)
    solved = len(gaps("ortools"))
    over = "" if solved == len(results) else f" (over the {solved} it solved)"
    print(f"mean gap: Qurb {qurb_mean:.2f} %, OR-Tools {peer_mean:.2f} %{over}")
    qurb_ok = all(r["qurb"]["check"] == "feasible" for r in results)
    met = qurb_ok and qurb_mean <= 1.0
    print(f"target: Qurb mean gap ≤ 1.0% — {'met' if met else 'NOT met'}")
    if qurb_mean > 0:
        print(f"ratio OR-Tools mean gap / Qurb mean gap: {peer_mean / qurb_mean:.1f}×")
    else:
        print("ratio OR-Tools mean gap / Qurb mean gap: n/a (Qurb mean gap ≤ 0)")
    if not all(r[s]["check"] == "feasible" for r in results for s in ("qurb", "ortools")):
        print("warning: some plans failed the float check (see above)")
    if args.json:
        summary = {
            "seconds": args.seconds,
            "seed": args.seed,
            "qurb_mean_gap_pct": qurb_mean,
            "ortools_mean_gap_pct": peer_mean,
            "target_met": met,
            "instances": results,
        }
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
