"""Siting solvers on a hand-checkable instance, and properties on small random ones."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from qurb.algo.mclp import solve_mclp
from qurb.algo.pmedian import solve_pmedian
from qurb.algo.siting_problem import SitingError, SitingModel, SitingProblem, SolverStatus

INF = math.inf

# Five demand points A..E, three candidate sites X, Y, Z; minutes demand → candidate.
#
#              X    Y    Z
#   A (100)   10   50   90
#   B (200)   20   15   80
#   C (300)   60   25   70
#   D (400)   80   60   20
#   E (500)   90   85   25
#
# MCLP within 30 min: X covers {A, B} = 300, Y covers {B, C} = 500, Z covers {D, E} = 900.
#   add 1: Z, 900.  add 2: {Y, Z} = B + C + D + E = 1,400 (> {X, Z} = 1,200).
#   With an existing facility already within 30 min of D and E: Z adds 0, Y adds 500,
#   X adds 300; add 1: Y, 500 (covered 900 → 1,400); add 2: {X, Y} = A + B + C = 600.
#   Budget, costs X 1, Y 3, Z 4 (MAD): budget 5 → {X, Z} = 1,200 (cost 5);
#   budget 7 → {Y, Z} = 1,400 (cost 7; greedy by ratio takes X then Z, a swap fixes it).
# p-median, no existing facility (weighted minutes):
#   X: 1,000 + 4,000 + 18,000 + 32,000 + 45,000 = 100,000
#   Y: 5,000 + 3,000 +  7,500 + 24,000 + 42,500 =  82,000
#   Z: 9,000 + 16,000 + 21,000 + 8,000 + 12,500 =  66,500  → add 1: Z, 66,500
#   {Y, Z}: A 50, B 15, C 25, D 20, E 25 → 5,000 + 3,000 + 7,500 + 8,000 + 12,500 = 36,000
#   ({X, Z} = 43,500, {X, Y} = 78,000)  → add 2: {Y, Z}, 36,000
#   Existing facility times A 5, B 40, C 40, D 10, E 10: before = 500 + 8,000 + 12,000 +
#   4,000 + 5,000 = 29,500; Z beats no one (D 20 > 10, E 25 > 10) and adds nothing;
#   Y → A 5, B 15, C 25, D 10, E 10 = 20,000; X → 25,500  → add 1: Y, 20,000.
POPULATION = np.array([100.0, 200.0, 300.0, 400.0, 500.0])
MINUTES = np.array(
    [
        [10.0, 50.0, 90.0],
        [20.0, 15.0, 80.0],
        [60.0, 25.0, 70.0],
        [80.0, 60.0, 20.0],
        [90.0, 85.0, 25.0],
    ]
)
X, Y, Z = 0, 1, 2
COST_AMOUNT_MAD = np.array([1.0, 3.0, 4.0])
METHODS = ["exact", "heuristic"]


def tiny(existing: list[float] | None = None) -> SitingProblem:
    return SitingProblem(POPULATION, MINUTES, existing, COST_AMOUNT_MAD)


@pytest.mark.parametrize("method", METHODS)
def test_mclp_tiny_matches_hand_computation(method: str) -> None:
    one = solve_mclp(tiny(), 30, add=1, method=method)
    assert one.chosen == (Z,) and one.objective == 900
    two = solve_mclp(tiny(), 30, add=2, method=method)
    assert set(two.chosen) == {Y, Z} and two.objective == 1_400
    assert two.model is SitingModel.MCLP and two.method == method
    assert two.covered_before_population == 0 and two.covered_after_population == 1_400
    assert two.newly_covered_population.tolist() == [0, 200, 300, 400, 500]
    assert two.assigned_minutes.tolist() == [50, 15, 25, 20, 25]
    assert two.bound == pytest.approx(1_400) and two.gap == pytest.approx(0, abs=1e-9)
    assert not two.time_limit_reached
    expected = SolverStatus.OPTIMAL if method == "exact" else SolverStatus.LOCAL_OPTIMUM
    assert two.status is expected


@pytest.mark.parametrize("method", METHODS)
def test_mclp_existing_facilities_reduce_what_a_site_adds(method: str) -> None:
    problem = tiny(existing=[INF, INF, INF, 10, 10])
    one = solve_mclp(problem, 30, add=1, method=method)
    assert one.chosen == (Y,) and one.objective == 500
    assert one.covered_before_population == 900 and one.covered_after_population == 1_400
    assert one.newly_covered_population.tolist() == [0, 200, 300, 0, 0]
    assert one.assigned_minutes.tolist() == [50, 15, 25, 10, 10]
    two = solve_mclp(problem, 30, add=2, method=method)
    assert set(two.chosen) == {X, Y} and two.objective == 600


@pytest.mark.parametrize("method", METHODS)
def test_mclp_budget_known_answers(method: str) -> None:
    five = solve_mclp(tiny(), 30, budget_amount_mad=5, method=method)
    assert set(five.chosen) == {X, Z} and five.objective == 1_200
    assert five.cost_amount_mad == 5
    seven = solve_mclp(tiny(), 30, budget_amount_mad=7, method=method)
    assert set(seven.chosen) == {Y, Z} and seven.objective == 1_400
    assert seven.cost_amount_mad == 7


@pytest.mark.parametrize("method", METHODS)
def test_mclp_sparse_horizon_matrix_gives_the_same_answer(method: str) -> None:
    rows, cols = np.nonzero(MINUTES <= 30)
    minutes = MINUTES[rows, cols]
    minutes[0] = 0.0  # A at X itself: a stored 0 is 0 minutes, not "unreachable"
    matrix = sp.coo_array((minutes, (rows, cols)), shape=MINUTES.shape)
    result = solve_mclp(SitingProblem(POPULATION, matrix), 30, add=2, method=method)
    assert set(result.chosen) == {Y, Z} and result.objective == 1_400
    assert result.assigned_minutes.tolist() == [INF, 15, 25, 20, 25]
    on_x = solve_mclp(SitingProblem(POPULATION, matrix), 30, add=1, method=method)
    assert on_x.chosen == (Z,)
    assert solve_mclp(SitingProblem(POPULATION, matrix), 5, add=1, method=method).chosen == (X,)


@pytest.mark.parametrize("method", METHODS)
def test_pmedian_tiny_matches_hand_computation(method: str) -> None:
    one = solve_pmedian(tiny(), add=1, method=method)
    assert one.chosen == (Z,) and one.objective == pytest.approx(66_500)
    two = solve_pmedian(tiny(), add=2, method=method, within_minutes=30)
    assert set(two.chosen) == {Y, Z} and two.objective == pytest.approx(36_000)
    assert two.model is SitingModel.PMEDIAN
    assert two.assigned_minutes.tolist() == [50, 15, 25, 20, 25]
    assert two.covered_after_population == 1_400
    assert two.bound <= two.objective + 1e-6
    assert two.objective_before == math.inf  # no facility at all before


@pytest.mark.parametrize("method", METHODS)
def test_pmedian_existing_facilities_reduce_what_a_site_adds(method: str) -> None:
    problem = tiny(existing=[5, 40, 40, 10, 10])
    one = solve_pmedian(problem, add=1, method=method)
    assert one.objective_before == pytest.approx(29_500)
    assert one.chosen == (Y,) and one.objective == pytest.approx(20_000)
    assert one.assigned_minutes.tolist() == [5, 15, 25, 10, 10]


def test_pmedian_point_no_facility_reaches_needs_unserved_minutes() -> None:
    matrix = sp.coo_array(([10.0, 20.0], ([0, 1], [0, 1])), shape=(3, 2))
    problem = SitingProblem([1.0, 1.0, 1.0], matrix)
    with pytest.raises(SitingError, match="unserved_minutes"):
        solve_pmedian(problem, add=2)
    result = solve_pmedian(problem, add=2, unserved_minutes=100)
    assert result.objective == pytest.approx(130)
    assert result.assigned_minutes.tolist() == [10, 20, INF]


# ------------------------------------------------------------------------------ properties


@st.composite
def instances(draw: st.DrawFn) -> tuple[SitingProblem, int]:
    n = draw(st.integers(1, 7))
    m = draw(st.integers(1, 6))
    population = draw(st.lists(st.integers(0, 100), min_size=n, max_size=n))
    cells = st.one_of(st.integers(0, 60).map(float), st.just(INF))
    minutes = draw(st.lists(cells, min_size=n * m, max_size=n * m))
    existing = draw(st.lists(cells, min_size=n, max_size=n))
    cost = draw(st.lists(st.integers(0, 10).map(float), min_size=m, max_size=m))
    k = draw(st.integers(1, m))
    problem = SitingProblem(
        np.array(population, dtype=float), np.array(minutes).reshape(n, m), existing, cost
    )
    return problem, k


def brute_mclp(problem: SitingProblem, within: float, subsets: list[tuple[int, ...]]) -> float:
    minutes = np.asarray(problem.candidate_minutes)
    population, existing = problem.population, problem.existing
    before = existing <= within
    best = 0.0
    for subset in subsets:
        after = (minutes[:, list(subset)] <= within).any(axis=1) | before
        best = max(best, float(population[after & ~before].sum()))
    return best


def brute_pmedian(problem: SitingProblem, k: int) -> float:
    minutes = np.asarray(problem.candidate_minutes)
    population, existing = problem.population, problem.existing
    best = INF
    for subset in itertools.combinations(range(minutes.shape[1]), k):
        charged = np.minimum(existing, minutes[:, list(subset)].min(axis=1))
        positive = population > 0
        best = min(best, float((population[positive] * charged[positive]).sum()))
    return best


PROPERTY = settings(max_examples=40, deadline=None)


@PROPERTY
@given(instances(), st.sampled_from([10.0, 30.0]))
def test_mclp_exact_equals_brute_force_and_heuristic_sits_below_the_bound(
    instance: tuple[SitingProblem, int], within: float
) -> None:
    problem, k = instance
    subsets = list(itertools.combinations(range(problem.n_candidates), k))
    best = brute_mclp(problem, within, subsets)
    exact = solve_mclp(problem, within, add=k, method="exact")
    heuristic = solve_mclp(problem, within, add=k, method="heuristic")
    assert len(exact.chosen) == k == len(set(heuristic.chosen))
    assert exact.objective == pytest.approx(best)
    assert heuristic.objective <= exact.objective + 1e-9
    assert exact.objective <= heuristic.bound + 1e-6
    assert heuristic.newly_covered_population.sum() == pytest.approx(heuristic.objective)


@PROPERTY
@given(instances(), st.integers(0, 20))
def test_mclp_budget_exact_equals_brute_force(
    instance: tuple[SitingProblem, int], budget: int
) -> None:
    problem, _ = instance
    cost = np.asarray(problem.candidate_cost_amount_mad)
    if not (cost <= budget).any():
        with pytest.raises(SitingError, match="budget_amount_mad"):
            solve_mclp(problem, 30, budget_amount_mad=budget)
        return
    m = problem.n_candidates
    subsets = [
        s
        for r in range(m + 1)
        for s in itertools.combinations(range(m), r)
        if cost[list(s)].sum() <= budget
    ]
    exact = solve_mclp(problem, 30, budget_amount_mad=budget, method="exact")
    heuristic = solve_mclp(problem, 30, budget_amount_mad=budget, method="heuristic")
    assert exact.objective == pytest.approx(brute_mclp(problem, 30, subsets))
    assert heuristic.objective <= exact.objective + 1e-9 <= heuristic.bound + 1e-6
    for result in (exact, heuristic):
        assert result.cost_amount_mad is not None and result.cost_amount_mad <= budget + 1e-9


@PROPERTY
@given(instances())
def test_mclp_coverage_never_drops_when_add_increases(
    instance: tuple[SitingProblem, int],
) -> None:
    problem, _ = instance
    covered = [
        solve_mclp(problem, 30, add=k, method="exact").covered_after_population
        for k in range(1, problem.n_candidates + 1)
    ]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(covered))


@PROPERTY
@given(instances())
def test_pmedian_exact_equals_brute_force_and_bounds_hold(
    instance: tuple[SitingProblem, int],
) -> None:
    problem, k = instance
    # Every demand point needs a finite fallback or a candidate reaching it in the brute
    # force; give every row a finite existing time (existing may still be beaten).
    existing = np.where(np.isfinite(problem.existing), problem.existing, 90.0)
    problem = SitingProblem(problem.demand_population, problem.candidate_minutes, existing)
    best = brute_pmedian(problem, k)
    exact = solve_pmedian(problem, add=k, method="exact")
    heuristic = solve_pmedian(problem, add=k, method="heuristic")
    assert exact.objective == pytest.approx(best)
    assert heuristic.objective >= exact.objective - 1e-6
    assert exact.objective >= heuristic.bound - 1e-6 * max(1.0, best)
    assert exact.objective <= exact.objective_before + 1e-9


def test_pmedian_lagrangian_bound_is_valid_on_a_larger_instance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import qurb.algo.pmedian as pmedian

    rng = np.random.default_rng(7)
    demand, candidates = rng.uniform(0, 100, (120, 2)), rng.uniform(0, 100, (30, 2))
    minutes = np.linalg.norm(demand[:, None] - candidates[None], axis=2)
    problem = SitingProblem(rng.integers(1, 100, 120).astype(float), minutes)
    exact = solve_pmedian(problem, add=4, method="exact")
    lp_bound = solve_pmedian(problem, add=4, method="heuristic").bound
    monkeypatch.setattr(pmedian, "PMEDIAN_LP_MAX_PAIRS", 0)
    heuristic = solve_pmedian(problem, add=4, method="heuristic")
    assert heuristic.bound <= lp_bound + 1e-6 * lp_bound
    assert heuristic.bound <= exact.objective
    assert heuristic.bound >= 0.95 * exact.objective  # close to the LP bound


def test_solvers_are_reproducible_for_a_seed() -> None:
    rng = np.random.default_rng(3)
    demand, candidates = rng.uniform(0, 60, (60, 2)), rng.uniform(0, 60, (25, 2))
    minutes = np.linalg.norm(demand[:, None] - candidates[None], axis=2)
    problem = SitingProblem(rng.integers(1, 50, 60).astype(float), minutes)
    first = solve_mclp(problem, 20, add=4, method="heuristic", seed=5)
    again = solve_mclp(problem, 20, add=4, method="heuristic", seed=5)
    assert first.chosen == again.chosen
    assert (
        solve_pmedian(problem, add=3, seed=1).chosen == solve_pmedian(problem, add=3, seed=1).chosen
    )


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"within_minutes": 0, "add": 1}, "within_minutes"),
        ({"within_minutes": -5, "add": 1}, "within_minutes"),
        ({"within_minutes": math.nan, "add": 1}, "within_minutes"),
        ({"within_minutes": 30, "add": 0}, "add"),
        ({"within_minutes": 30, "add": 4}, "add"),
        ({"within_minutes": 30, "add": True}, "add"),
        ({"within_minutes": 30}, "add"),
        ({"within_minutes": 30, "add": 1, "budget_amount_mad": 5}, "budget_amount_mad"),
        ({"within_minutes": 30, "budget_amount_mad": 0.5}, "budget_amount_mad"),
        ({"within_minutes": 30, "budget_amount_mad": -1}, "budget_amount_mad"),
        ({"within_minutes": 30, "add": 1, "method": "fast"}, "method"),
        ({"within_minutes": 30, "add": 1, "time_limit_s": 0}, "time_limit_s"),
    ],
)
def test_mclp_bad_parameters_raise_siting_error(kwargs: dict[str, object], parameter: str) -> None:
    with pytest.raises(SitingError, match=parameter):
        solve_mclp(tiny(), **kwargs)  # type: ignore[arg-type]


def test_budget_needs_costs_and_pmedian_checks_its_parameters() -> None:
    with pytest.raises(SitingError, match="candidate_cost_amount_mad"):
        solve_mclp(SitingProblem(POPULATION, MINUTES), 30, budget_amount_mad=5)
    for kwargs, parameter in [
        ({"add": 0}, "add"),
        ({"add": 9}, "add"),
        ({"add": 1, "unserved_minutes": -1}, "unserved_minutes"),
        ({"add": 1, "within_minutes": 0}, "within_minutes"),
        ({"add": 1, "method": "best"}, "method"),
    ]:
        with pytest.raises(SitingError, match=parameter):
            solve_pmedian(tiny(), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "parameter"),
    [
        (lambda: SitingProblem([100, -1, 3, 4, 5], MINUTES), "demand_population"),
        (lambda: SitingProblem([100, math.nan, 3, 4, 5], MINUTES), "demand_population"),
        (lambda: SitingProblem([[1, 2]], MINUTES), "demand_population"),
        (lambda: SitingProblem([], np.zeros((0, 3))), "demand_population"),
        (lambda: SitingProblem(POPULATION[:4], MINUTES), "candidate_minutes"),
        (lambda: SitingProblem(POPULATION, MINUTES[0]), "candidate_minutes"),
        (lambda: SitingProblem(POPULATION, np.zeros((5, 0))), "candidate_minutes"),
        (lambda: SitingProblem(POPULATION, np.where(MINUTES > 80, np.nan, MINUTES)), "NaN"),
        (lambda: SitingProblem(POPULATION, -MINUTES), "candidate_minutes"),
        (
            lambda: SitingProblem(
                POPULATION, sp.coo_array(([1.0, 2.0], ([0, 0], [1, 1])), shape=(5, 3))
            ),
            "twice",
        ),
        (
            lambda: SitingProblem(POPULATION, sp.coo_array(([math.nan], ([0], [1])), shape=(5, 3))),
            "candidate_minutes",
        ),
        (lambda: SitingProblem(POPULATION, MINUTES, [1, 2, 3]), "existing_minutes"),
        (lambda: SitingProblem(POPULATION, MINUTES, [1, 2, 3, 4, math.nan]), "existing_minutes"),
        (lambda: SitingProblem(POPULATION, MINUTES, [1, 2, 3, 4, -5]), "existing_minutes"),
        (lambda: SitingProblem(POPULATION, MINUTES, None, [1, 2]), "candidate_cost_amount_mad"),
        (
            lambda: SitingProblem(POPULATION, MINUTES, None, [1, -2, 3]),
            "candidate_cost_amount_mad",
        ),
        (
            lambda: SitingProblem(POPULATION, MINUTES, None, [1, math.nan, 3]),
            "candidate_cost_amount_mad",
        ),
    ],
)
def test_bad_problem_arrays_raise_siting_error(build: object, parameter: str) -> None:
    with pytest.raises(SitingError, match=parameter):
        build()  # type: ignore[operator]


def test_newly_covered_people_are_credited_to_their_nearest_new_site() -> None:
    from qurb.algo.siting_problem import credit_to_nearest

    newly = np.array([100.0, 0.0, 40.0, 25.0, 10.0])  # people each demand point gains
    nearest = np.array([1, 0, 1, 0, -1])  # its nearest new site (-1: none reachable)
    credit = credit_to_nearest(newly, nearest, 3)
    assert credit.tolist() == [25.0, 140.0, 0.0]  # the third site gains nobody
    assert credit_to_nearest(np.zeros(2), np.array([-1, -1]), 2).tolist() == [0.0, 0.0]
