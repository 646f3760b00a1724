"""p-median on a `SitingProblem`: exactly (a HiGHS MIP started from the heuristic) or by
greedy then vertex substitution, bounded by the LP relaxation or its Lagrangian dual."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from qurb.algo.siting_highs import HighsModel, run_highs
from qurb.algo.siting_problem import (
    EXACT_START_SHARE,
    HEURISTIC_SEARCH_SHARE,
    IMPROVEMENT_REL_TOL,
    FloatArray,
    IntArray,
    Method,
    SitingError,
    SitingModel,
    SitingProblem,
    SitingResult,
    SolverStatus,
    bincount,
    check_add,
    check_method,
    check_positive,
    compress,
    pick,
    relative_gap,
    row_slices,
    total_cost,
)

# `method="auto"` solves the MIP exactly when its sparse part (assignment pairs that beat
# the existing time) is at most this many nonzeros, else runs the heuristic and reports
# its gap to the bound. Measured on 2 CPU cores (benchmarks/siting.py): a p-median with
# 30 existing facilities (1,500 × 500) proves optimal in ~6 s, while a dense one without
# existing facilities (750k pairs) does not finish its root LP in 60 s.
AUTO_EXACT_MAX_PMEDIAN_PAIRS = 100_000
# Above this many assignment pairs the p-median heuristic bounds itself by the Lagrangian
# dual (same value as the LP at convergence, valid at every step) instead of the HiGHS LP.
PMEDIAN_LP_MAX_PAIRS = 200_000


@dataclass(frozen=True)
class _Assign:
    """Assignment pairs that beat the fallback, on compressed demand rows."""

    n_candidates: int
    demand_index: IntArray
    weights: FloatArray
    fallback_minutes: FloatArray  # per compressed row; inf: must be served by a new site
    outside_weighted_minutes: float  # Σ population × fallback of the rows without a pair
    rows: IntArray
    cols: IntArray
    minutes: FloatArray
    row_indptr: IntArray
    col_order: IntArray
    col_indptr: IntArray


def _pmedian_model(assign: _Assign, add: int) -> HighsModel:
    """min Σ_i w_i f_i + Σ_(i,j) w_i (d_ij - f_i) z_ij   (f_i: fallback minutes)
    s.t. z_ij ≤ x_j,  Σ_j z_ij ≤ 1 (= 1 where f_i = inf),  Σ_j x_j = k,
    x_j ∈ {0, 1}, 0 ≤ z_ij ≤ 1, with z only for the pairs d_ij < f_i: a pair that does not
    beat the existing facility never carries an assignment, which keeps the model at
    (pairs + rows) rows instead of n·m. The disaggregated z_ij ≤ x_j keeps the LP tight."""
    m, n_rows, n_pairs = assign.n_candidates, assign.weights.size, assign.rows.size
    must = ~np.isfinite(assign.fallback_minutes)
    fallback = np.where(must, 0.0, assign.fallback_minutes)
    pair_cost = assign.weights[assign.rows] * (assign.minutes - fallback[assign.rows])
    # Columns: x (m), z (n_pairs). Rows: z_p - x_j ≤ 0 (n_pairs), Σ z per demand row
    # (n_rows), cardinality (1).
    pair_ids = np.arange(n_pairs)
    row_index = np.concatenate(
        [pair_ids, np.full(m, n_pairs + n_rows), pair_ids, n_pairs + assign.rows]
    )
    col_index = np.concatenate([assign.cols, np.arange(m), m + pair_ids, m + pair_ids])
    values = np.concatenate([-np.ones(n_pairs), np.ones(m), np.ones(n_pairs), np.ones(n_pairs)])
    shape = (n_pairs + n_rows + 1, m + n_pairs)
    matrix = sp.csc_array((values, (row_index, col_index)), shape=shape)
    matrix.sort_indices()
    return HighsModel(
        col_cost=np.concatenate([np.zeros(m), pair_cost]),
        col_lower=np.zeros(m + n_pairs),
        col_upper=np.ones(m + n_pairs),
        row_lower=np.concatenate(
            [np.full(n_pairs, -np.inf), np.where(must, 1.0, -np.inf), [float(add)]]
        ),
        row_upper=np.concatenate([np.zeros(n_pairs), np.ones(n_rows), [float(add)]]),
        matrix=matrix,
        n_integer=m,
        maximise=False,
        offset=float((assign.weights * fallback).sum()) + assign.outside_weighted_minutes,
    )


def _pmedian_penalised_fallback(assign: _Assign) -> FloatArray:
    """Fallback with a penalty for must-serve rows, large enough that the heuristic
    serves them first: unserving one costs more than any complete solution."""
    fallback = assign.fallback_minutes
    must = ~np.isfinite(fallback)
    if not must.any():
        return fallback
    longest = float(assign.minutes.max()) if assign.minutes.size else 0.0
    finite_fb = fallback[~must]
    if finite_fb.size:
        longest = max(longest, float(finite_fb.max()))
    penalty = (longest + 1.0) * (
        1.0 + float(assign.weights.sum()) / float(assign.weights[must].min())
    )
    return np.where(must, penalty, fallback)


def _pmedian_greedy(assign: _Assign, add: int, priority: IntArray) -> list[int]:
    """Greedy by weighted minutes saved, with incremental gains: when a site brings some
    rows closer, only those rows' pairs change their contribution to each gain."""
    m = assign.n_candidates
    current = _pmedian_penalised_fallback(assign).copy()
    w_pairs = assign.weights[assign.rows]
    gain = bincount(
        assign.cols,
        weights=w_pairs * np.maximum(0.0, current[assign.rows] - assign.minutes),
        minlength=m,
    )
    available = np.ones(m, dtype=bool)
    chosen: list[int] = []
    for _ in range(add):
        j = pick(np.where(available, gain, -np.inf), priority)
        chosen.append(j)
        available[j] = False
        positions_j = assign.col_order[assign.col_indptr[j] : assign.col_indptr[j + 1]]
        rows_j, minutes_j = assign.rows[positions_j], assign.minutes[positions_j]
        better = minutes_j < current[rows_j]
        rows_b = rows_j[better]
        positions = row_slices(assign.row_indptr, rows_b)
        if positions.size == 0:
            continue
        pr, pc, pd, pw = (
            assign.rows[positions],
            assign.cols[positions],
            assign.minutes[positions],
            w_pairs[positions],
        )
        gain -= bincount(pc, weights=pw * np.maximum(0.0, current[pr] - pd), minlength=m)
        current[rows_b] = minutes_j[better]
        gain += bincount(pc, weights=pw * np.maximum(0.0, current[pr] - pd), minlength=m)
    return chosen


def _pmedian_nearest(
    assign: _Assign, fallback: FloatArray, sites: IntArray
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Per compressed row: nearest minutes, second nearest, and the position in `sites`
    of the nearest (len(sites) when the fallback is nearest)."""
    k, n_rows = sites.size, assign.weights.size
    position = np.full(assign.n_candidates, -1, dtype=np.int64)
    position[sites] = np.arange(k)
    pair_pos = position[assign.cols]
    sel = pair_pos >= 0
    table = np.full((n_rows, k + 1), np.inf)
    table[assign.rows[sel], pair_pos[sel]] = assign.minutes[sel]
    table[:, k] = fallback
    if k + 1 >= 2:
        two = np.argpartition(table, 1, axis=1)[:, :2]
    else:  # pragma: no cover - a fallback column and at least one site always exist
        two = np.zeros((n_rows, 2), dtype=np.int64)
    first_val = np.take_along_axis(table, two[:, :1], axis=1)[:, 0]
    second_val = np.take_along_axis(table, two[:, 1:2], axis=1)[:, 0]
    swap = second_val < first_val
    nearest_pos = np.where(swap, two[:, 1], two[:, 0])
    d1 = np.minimum(first_val, second_val)
    d2 = np.maximum(first_val, second_val)
    # Ties at the fallback: prefer the fallback as nearest (it cannot be removed).
    tie_fb = (d1 == fallback) & (nearest_pos != k)
    nearest_pos = np.where(tie_fb, k, nearest_pos)
    return d1, d2, nearest_pos.astype(np.int64)


def _pmedian_swap(
    assign: _Assign, chosen: list[int], priority: IntArray, deadline: float
) -> tuple[list[int], bool]:
    """Best-improvement vertex substitution with Whitaker's fast deltas. With d1/d2 the
    nearest/second nearest of (fallback, chosen), swapping r out and j in changes the cost
    by loss(r) - gain(j) - extra(r, j): loss(r) = Σ_{i→r} w_i (d2_i - d1_i),
    gain(j) = Σ_i w_i max(0, d1_i - d_ij), extra(r, j) = Σ_{i→r, d_ij<d2_i} w_i
    (d2_i - max(d_ij, d1_i)). One pass costs O(pairs + n·k + k·m)."""
    m = assign.n_candidates
    fallback = _pmedian_penalised_fallback(assign)
    w_pairs = assign.weights[assign.rows]
    sites = list(chosen)
    while True:
        if time.perf_counter() > deadline:
            return sites, True
        k = len(sites)
        site_array = np.array(sites, dtype=np.int64)
        d1, d2, nearest = _pmedian_nearest(assign, fallback, site_array)
        objective = float((assign.weights * d1).sum())
        gain = bincount(
            assign.cols,
            weights=w_pairs * np.maximum(0.0, d1[assign.rows] - assign.minutes),
            minlength=m,
        )
        to_site = nearest < k
        loss = bincount(
            nearest[to_site], weights=(assign.weights * (d2 - d1))[to_site], minlength=k
        )
        pair_near = nearest[assign.rows]
        sel = (pair_near < k) & (assign.minutes < d2[assign.rows])
        extra = bincount(
            pair_near[sel] * m + assign.cols[sel],
            weights=w_pairs[sel]
            * (d2[assign.rows[sel]] - np.maximum(assign.minutes[sel], d1[assign.rows[sel]])),
            minlength=k * m,
        ).reshape(k, m)
        delta = loss[:, None] - gain[None, :] - extra
        delta[:, site_array] = np.inf
        flat = int(np.argmin(delta))
        r, j = divmod(flat, m)
        if not delta[r, j] < -IMPROVEMENT_REL_TOL * max(1.0, objective):
            return sites, False
        sites[r] = int(j)


def solve_pmedian(
    problem: SitingProblem,
    *,
    add: int,
    method: Method = "auto",
    time_limit_s: float = 60.0,
    seed: int = 0,
    unserved_minutes: float | None = None,
    within_minutes: float | None = None,
) -> SitingResult:
    """p-median: choose exactly `add` sites minimising Σ_i population_i × minutes to the
    nearest of (existing facilities, chosen sites).

    unserved_minutes: minutes charged to a demand point that no facility reaches (a
        penalty, e.g. the matrix horizon); None: such points must be reached by a chosen
        site, and a SitingError says so when `add` sites cannot reach them all.
    within_minutes: only for the reported covered populations (else: any finite time).
    method: "exact" (HiGHS MIP), "heuristic" (greedy then swaps, with the LP bound) or
        "auto" (exact up to AUTO_EXACT_MAX_PMEDIAN_PAIRS assignment pairs).
    """
    started = time.perf_counter()
    limit_s = check_positive("time_limit_s", time_limit_s)
    check_method(method)
    k = check_add(add, problem.n_candidates)
    unserved = math.inf
    if unserved_minutes is not None:
        unserved = check_positive("unserved_minutes", unserved_minutes)
    report_within = (
        math.inf if within_minutes is None else check_positive("within_minutes", within_minutes)
    )
    m = problem.n_candidates
    population, existing = problem.population, problem.existing
    fallback_all = np.minimum(existing, unserved)
    row_limit = np.where(population > 0, fallback_all, -np.inf)
    pairs = problem.pairs_within(row_limit, strict=True)
    must_all = (population > 0) & ~np.isfinite(fallback_all)
    reachable = np.zeros(problem.n_demand, dtype=bool)
    reachable[pairs.rows] = True
    stranded = must_all & ~reachable
    if stranded.any():
        i = int(np.flatnonzero(stranded)[0])
        values = {"point": i, "population": float(population[i])}
        raise SitingError(code="demand_point_stranded", values=values)
    cover = compress(pairs, m, population)
    outside = np.where(population > 0, population * fallback_all, 0.0)
    outside[cover.demand_index] = 0.0  # rows with pairs are in the model itself
    assign = _Assign(
        n_candidates=m,
        demand_index=cover.demand_index,
        weights=cover.weights,
        fallback_minutes=fallback_all[cover.demand_index],
        outside_weighted_minutes=float(outside.sum()),
        rows=cover.rows,
        cols=cover.cols,
        minutes=pairs.minutes,
        row_indptr=cover.row_indptr,
        col_order=cover.col_order,
        col_indptr=cover.col_indptr,
    )
    rng = np.random.default_rng(seed)
    priority = rng.permutation(m).astype(np.int64)
    use_exact = method == "exact" or (
        method == "auto" and assign.rows.size <= AUTO_EXACT_MAX_PMEDIAN_PAIRS
    )
    deadline = started + limit_s
    sites = _pmedian_greedy(assign, k, priority)
    time_limit_reached = False
    if use_exact:
        sites, _ = _pmedian_swap(assign, sites, priority, started + EXACT_START_SHARE * limit_s)
        model = _pmedian_model(assign, k)
        start = _pmedian_start(assign, sites)
        run = run_highs(
            model,
            integer=True,
            time_limit_s=deadline - time.perf_counter(),
            seed=seed,
            start=start,
        )
        if run.status == highspy.HighsModelStatus.kInfeasible:
            raise SitingError(code="add_cannot_reach", values={"add": k})
        if run.status not in (
            highspy.HighsModelStatus.kOptimal,
            highspy.HighsModelStatus.kTimeLimit,
        ):
            raise SitingError(f"HiGHS could not solve the p-median: {run.status.name}")
        if run.values is not None:
            found = sorted(int(j) for j in np.flatnonzero(run.values[:m] > 0.5))
            if _pmedian_objective(
                problem, fallback_all, np.array(found, dtype=np.int64)
            ) <= _pmedian_objective(problem, fallback_all, np.array(sites, dtype=np.int64)):
                sites = found
        time_limit_reached = run.status == highspy.HighsModelStatus.kTimeLimit
        status = SolverStatus.TIME_LIMIT if time_limit_reached else SolverStatus.OPTIMAL
        bound = max(run.bound, _pmedian_trivial_bound(assign))
    else:
        sites, time_limit_reached = _pmedian_swap(
            assign, sites, priority, started + HEURISTIC_SEARCH_SHARE * limit_s
        )
        status = SolverStatus.TIME_LIMIT if time_limit_reached else SolverStatus.LOCAL_OPTIMUM
        upper = _pmedian_objective(problem, fallback_all, np.array(sites, dtype=np.int64))
        bound = _pmedian_lp_bound(assign, k, upper, deadline, seed)

    chosen = np.array(sites, dtype=np.int64)
    new_minutes = problem.minutes_to(chosen)
    charged = np.minimum(fallback_all, new_minutes)
    if np.any(must_all & ~np.isfinite(charged)):
        raise SitingError(code="heuristic_cannot_reach", values={"add": k})
    positive = population > 0
    objective = float((population[positive] * charged[positive]).sum())
    before = np.where(positive, population * fallback_all, 0.0)
    objective_before = float(before.sum()) if np.all(np.isfinite(before)) else math.inf
    bound = min(bound, objective)  # tolerances aside, the bound is never above a solution
    assigned = np.minimum(existing, new_minutes)
    covered_before = existing <= report_within
    covered_after = assigned <= report_within
    return SitingResult(
        model=SitingModel.PMEDIAN,
        chosen=tuple(int(j) for j in sites),
        objective=objective,
        objective_before=objective_before,
        bound=float(bound),
        gap=relative_gap(objective, bound),
        covered_before_population=float(population[covered_before].sum()),
        covered_after_population=float(population[covered_after].sum()),
        newly_covered_population=np.where(covered_after & ~covered_before, population, 0.0),
        assigned_minutes=assigned,
        cost_amount_mad=total_cost(problem, chosen),
        method="exact" if use_exact else "heuristic",
        status=status,
        seconds=time.perf_counter() - started,
        time_limit_reached=time_limit_reached,
    )


def _pmedian_objective(problem: SitingProblem, fallback: FloatArray, chosen: IntArray) -> float:
    population = problem.population
    charged = np.minimum(fallback, problem.minutes_to(chosen))
    positive = population > 0
    return float((population[positive] * charged[positive]).sum())


def _pmedian_start(assign: _Assign, sites: list[int]) -> FloatArray:
    """A full MIP start (x and z) for the given sites: each row to its nearest site if
    that beats the fallback."""
    m = assign.n_candidates
    site_array = np.array(sites, dtype=np.int64)
    d1, _, nearest = _pmedian_nearest(assign, _pmedian_penalised_fallback(assign), site_array)
    x = np.zeros(m)
    x[site_array] = 1.0
    z = np.zeros(assign.rows.size)
    to_site = nearest[assign.rows] < site_array.size
    pair_site = np.where(to_site, site_array[np.minimum(nearest[assign.rows], len(sites) - 1)], -1)
    hit = to_site & (assign.cols == pair_site) & (assign.minutes == d1[assign.rows])
    # One pair per row even with equal minutes to two sites: keep the first.
    hit_positions = np.flatnonzero(hit)
    _, first = np.unique(assign.rows[hit_positions], return_index=True)
    z[hit_positions[first]] = 1.0
    return np.concatenate([x, z])


def _pmedian_lp_bound(assign: _Assign, k: int, upper: float, deadline: float, seed: int) -> float:
    """A lower bound on the optimum: the HiGHS LP relaxation up to PMEDIAN_LP_MAX_PAIRS
    assignment pairs, the Lagrangian dual of the same LP beyond (the LP of a dense
    1,500 × 500 instance without existing facilities does not finish in 100 s)."""
    if assign.rows.size > PMEDIAN_LP_MAX_PAIRS:
        return _pmedian_lagrangian_bound(assign, k, upper, deadline)
    trivial = _pmedian_trivial_bound(assign)
    remaining = deadline - time.perf_counter()
    if remaining <= 0 or assign.rows.size == 0:
        return trivial
    run = run_highs(_pmedian_model(assign, k), integer=False, time_limit_s=remaining, seed=seed)
    if run.status != highspy.HighsModelStatus.kOptimal:
        return max(trivial, _pmedian_lagrangian_bound(assign, k, upper, deadline + 5.0))
    return max(trivial, run.objective)


def _pmedian_trivial_bound(assign: _Assign) -> float:
    """Every demand point at its nearest of (fallback, any candidate)."""
    nearest_any = assign.fallback_minutes.copy()
    np.minimum.at(nearest_any, assign.rows, assign.minutes)
    with np.errstate(invalid="ignore"):
        weighted = assign.weights * nearest_any
    return float(weighted.sum()) + assign.outside_weighted_minutes


def _pmedian_lagrangian_bound(
    assign: _Assign, k: int, upper: float, deadline: float, max_iterations: int = 500
) -> float:
    """Relax each demand row's "assigned once" constraint (fallback or one site) with a
    multiplier λ_i (population-minutes): L(λ) = Σ_i λ_i + Σ_i min(0, w_i f_i - λ_i) + the k
    most negative column sums of min(0, w_i d_ij - λ_i). Every L(λ) is a valid lower bound,
    and its maximum is the LP bound; λ follows Held-Karp subgradient steps towards the
    heuristic's `upper` value (Beasley, 1993). One iteration costs O(pairs)."""
    m, n_rows = assign.n_candidates, assign.weights.size
    fallback_cost = assign.weights * assign.fallback_minutes  # inf: no fallback
    pair_cost = assign.weights[assign.rows] * assign.minutes
    multiplier = fallback_cost.copy()  # start at each row's cheapest option: L = trivial
    np.minimum.at(multiplier, assign.rows, pair_cost)
    upper_model = upper - assign.outside_weighted_minutes
    best = -math.inf
    step_scale, stall = 2.0, 0
    for _ in range(max_iterations):
        reduced = np.minimum(0.0, pair_cost - multiplier[assign.rows])
        column = bincount(assign.cols, weights=reduced, minlength=m)
        sites = np.argpartition(column, k - 1)[:k] if k < m else np.arange(m)
        with np.errstate(invalid="ignore"):
            fallback_term = np.minimum(0.0, fallback_cost - multiplier)
        value = float(multiplier.sum() + fallback_term.sum() + column[sites].sum())
        if value > best + 1e-12 * max(1.0, abs(value)):
            best, stall = value, 0
        else:
            stall += 1
            if stall >= 20:
                step_scale, stall = step_scale / 2, 0
        if step_scale < 1e-4 or upper_model - best <= 1e-6 * max(1.0, abs(upper_model)):
            break
        if time.perf_counter() > deadline:
            break
        in_sites = np.zeros(m, dtype=bool)
        in_sites[sites] = True
        used = in_sites[assign.cols] & (pair_cost < multiplier[assign.rows])
        served = bincount(assign.rows[used], minlength=n_rows) + (fallback_cost < multiplier)
        subgradient = 1.0 - served
        norm = float((subgradient * subgradient).sum())
        if norm == 0.0:
            break  # the relaxed solution is feasible: L(λ) is the optimum
        multiplier = multiplier + step_scale * max(upper_model - value, 0.0) / norm * subgradient
    return best + assign.outside_weighted_minutes
