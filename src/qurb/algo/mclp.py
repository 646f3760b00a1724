"""Maximal covering location (MCLP) on a `SitingProblem`: exactly (a HiGHS MIP started
from the heuristic) or by greedy then vertex substitution, bounded by the LP relaxation."""

from __future__ import annotations

import math
import time

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from qurb.algo.siting_highs import HighsModel, run_highs
from qurb.algo.siting_problem import (
    EXACT_START_SHARE,
    HEURISTIC_SEARCH_SHARE,
    IMPROVEMENT_REL_TOL,
    Cover,
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

# `method="auto"` solves the MIP exactly when its sparse part (coverage pairs after
# merging identical demand rows) is at most this many nonzeros, else runs the heuristic
# and reports its gap to the LP bound. Measured on 2 CPU cores (benchmarks/siting.py): an
# MCLP with ~23k pairs proves optimal in 0.4 s and one of 15,000 × 5,000 (~300k pairs)
# in ~15 s.
AUTO_EXACT_MAX_MCLP_PAIRS = 300_000


def _mclp_model(
    cover: Cover,
    *,
    add: int | None,
    cost_amount_mad: FloatArray | None,
    budget_amount_mad: float | None,
    eligible: npt.NDArray[np.bool_],
) -> HighsModel:
    """max Σ_i w_i y_i  s.t.  y_i - Σ_j a_ij x_j ≤ 0,  Σ_j x_j = k  (or Σ_j c_j x_j ≤ B),
    x_j ∈ {0, 1}, 0 ≤ y_i ≤ 1; rows i are the uncovered demand points some candidate can
    cover (y_i needs no integrality: at an integral x the optimum puts y_i = 1 exactly
    where some chosen site covers i)."""
    m, n_rows = cover.n_candidates, cover.weights.size
    nnz = cover.rows.size
    # Columns 0..m-1: x_j; columns m..m+n_rows-1: y_i. Rows 0..n_rows-1: coverage; last: count.
    last_row = n_rows
    if add is not None:
        site_coef = np.ones(m)
        row_lower_last, row_upper_last = float(add), float(add)
    else:
        assert cost_amount_mad is not None and budget_amount_mad is not None
        site_coef = cost_amount_mad
        row_lower_last, row_upper_last = -np.inf, budget_amount_mad
    keep = site_coef != 0
    row_index = np.concatenate([cover.rows, np.full(int(keep.sum()), last_row), np.arange(n_rows)])
    col_index = np.concatenate([cover.cols, np.flatnonzero(keep), m + np.arange(n_rows)])
    values = np.concatenate([-np.ones(nnz), site_coef[keep], np.ones(n_rows)])
    matrix = sp.csc_array((values, (row_index, col_index)), shape=(n_rows + 1, m + n_rows))
    matrix.sort_indices()
    return HighsModel(
        col_cost=np.concatenate([np.zeros(m), cover.weights]),
        col_lower=np.zeros(m + n_rows),
        col_upper=np.concatenate([eligible.astype(np.float64), np.ones(n_rows)]),
        row_lower=np.concatenate([np.full(n_rows, -np.inf), [row_lower_last]]),
        row_upper=np.concatenate([np.zeros(n_rows), [row_upper_last]]),
        matrix=matrix,
        n_integer=m,
        maximise=True,
    )


def _merge_identical_rows(cover: Cover) -> Cover:
    """Merge demand rows that the same candidates cover (summing their population): the
    MCLP is unchanged and its MIP smaller (about 30 % fewer rows on clustered towns).
    Rows are grouped by a random 64-bit hash of their candidate set, then checked pair by
    pair; on a (vanishingly unlikely) collision nothing is merged."""
    n_rows = cover.weights.size
    if n_rows < 2:
        return cover
    key_rng = np.random.default_rng(0x51C1)  # fixed: a hash key, not a modelling choice
    key = key_rng.integers(1, 2**63, size=cover.n_candidates, dtype=np.uint64)
    digest = np.zeros(n_rows, dtype=np.uint64)
    np.add.at(digest, cover.rows, key[cover.cols])  # wraps modulo 2**64
    length = np.diff(cover.row_indptr).astype(np.uint64)
    _, first, group = np.unique(
        np.stack([digest, length], axis=1), axis=0, return_index=True, return_inverse=True
    )
    group = group.reshape(-1)
    if first.size == n_rows:
        return cover
    representative = first[group]  # per row: the row standing for its group
    offset = np.arange(cover.rows.size) - cover.row_indptr[cover.rows]
    twin = cover.row_indptr[representative[cover.rows]] + offset
    if np.any(cover.cols[twin] != cover.cols):
        return cover
    kept = np.sort(first)
    new_id = np.full(n_rows, -1, dtype=np.int64)
    new_id[kept] = np.arange(kept.size)
    weights = bincount(new_id[representative], cover.weights, kept.size)
    keep_pair = new_id[cover.rows] >= 0
    rows = new_id[cover.rows[keep_pair]]
    cols = cover.cols[keep_pair]
    col_order = np.argsort(cols, kind="stable")
    return Cover(
        n_candidates=cover.n_candidates,
        demand_index=cover.demand_index[kept],
        weights=weights,
        rows=rows,
        cols=cols,
        row_indptr=np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=kept.size))]),
        col_order=col_order.astype(np.int64),
        col_indptr=np.concatenate(
            [[0], np.cumsum(np.bincount(cols, minlength=cover.n_candidates))]
        ).astype(np.int64),
    )


def _mclp_counts(cover: Cover, chosen: IntArray) -> IntArray:
    """How many chosen sites cover each compressed row."""
    sel = np.isin(cover.cols, chosen)
    return bincount(cover.rows[sel], minlength=cover.weights.size)


def _mclp_greedy(
    cover: Cover,
    add: int | None,
    cost: FloatArray | None,
    budget: float | None,
    eligible: npt.NDArray[np.bool_],
    priority: IntArray,
) -> list[int]:
    """Greedy by marginal population (by population per MAD under a budget), with exact
    incremental gains: covering a row subtracts its weight from every candidate reaching
    it, so the whole run touches each coverage pair once."""
    m = cover.n_candidates
    w_pairs = cover.weights[cover.rows]
    gain = bincount(cover.cols, weights=w_pairs, minlength=m)
    covered = np.zeros(cover.weights.size, dtype=bool)
    available = eligible.copy()
    chosen: list[int] = []
    spent = 0.0
    while True:
        if add is not None:
            if len(chosen) == add:
                break
            score = np.where(available, gain, -np.inf)
        else:
            assert cost is not None and budget is not None
            available &= cost <= budget - spent + 1e-9 * max(1.0, budget)
            if not available.any():
                break
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(cost > 0, gain / cost, np.where(gain > 0, np.inf, 0.0))
            score = np.where(available, ratio, -np.inf)
            if score.max() <= 0:
                break  # nothing affordable adds population
        j = pick(score, priority)
        chosen.append(j)
        available[j] = False
        if cost is not None:
            spent += float(cost[j])
        rows_j = cover.rows[cover.col_order[cover.col_indptr[j] : cover.col_indptr[j + 1]]]
        new_rows = rows_j[~covered[rows_j]]
        covered[new_rows] = True
        positions = row_slices(cover.row_indptr, new_rows)
        if positions.size:
            gain -= bincount(cover.cols[positions], weights=w_pairs[positions], minlength=m)
    if add is None and cost is not None and budget is not None and chosen:
        # The ratio greedy can be fooled by one cheap site; keep the best single
        # affordable site when it alone beats the greedy set (Khuller et al., 1999).
        single_population = bincount(cover.cols, weights=w_pairs, minlength=m)
        single: FloatArray = np.where(eligible, single_population, -np.inf)
        j = pick(single, priority)
        if single[j] > _mclp_value(cover, np.array(chosen)) + 1e-9:
            chosen = [j]
    return chosen


def _mclp_value(cover: Cover, chosen: IntArray) -> float:
    return float(cover.weights[_mclp_counts(cover, chosen) > 0].sum())


def _mclp_swap(
    cover: Cover,
    chosen: list[int],
    cost: FloatArray | None,
    budget: float | None,
    eligible: npt.NDArray[np.bool_],
    priority: IntArray,
    deadline: float,
) -> tuple[list[int], bool]:
    """Best-improvement vertex substitution (Teitz–Bart) with Whitaker-style deltas.

    For chosen r and candidate j, swapping r out and j in changes the coverage by
    gain(j) - loss(r) + shared(r, j): gain(j) the uncovered population j reaches, loss(r)
    the population only r covers, shared(r, j) the part of loss(r) that j also reaches.
    One pass costs O(pairs + k·m). Under a budget a swap must stay affordable and a pure
    addition is tried too. Returns the sites and whether the deadline stopped it."""
    m, n_rows = cover.n_candidates, cover.weights.size
    sites = list(chosen)
    w_pairs = cover.weights[cover.rows]
    total_weight = float(cover.weights.sum())
    while True:
        if time.perf_counter() > deadline:
            return sites, True
        k = len(sites)
        site_array = np.array(sites, dtype=np.int64)
        position = np.full(m, -1, dtype=np.int64)
        position[site_array] = np.arange(k)
        pair_pos = position[cover.cols]
        counts = bincount(cover.rows[pair_pos >= 0], minlength=n_rows)
        uncovered = counts[cover.rows] == 0
        gain = bincount(cover.cols[uncovered], weights=w_pairs[uncovered], minlength=m)
        # Rows covered by exactly one chosen site, and which site (its position).
        owner = np.full(n_rows, -1, dtype=np.int64)
        own_pairs = (pair_pos >= 0) & (counts[cover.rows] == 1)
        owner[cover.rows[own_pairs]] = pair_pos[own_pairs]
        single = owner >= 0
        loss = bincount(owner[single], weights=cover.weights[single], minlength=k)
        shared_pairs = owner[cover.rows] >= 0
        shared = bincount(
            owner[cover.rows[shared_pairs]] * m + cover.cols[shared_pairs],
            weights=w_pairs[shared_pairs],
            minlength=k * m,
        ).reshape(k, m)
        delta = gain[None, :] - loss[:, None] + shared
        allowed = eligible.copy()
        allowed[site_array] = False
        delta[:, ~allowed] = -np.inf
        spent = 0.0
        if cost is not None and budget is not None:
            spent = float(cost[site_array].sum())
            slack = 1e-9 * max(1.0, budget)
            delta[spent - cost[site_array][:, None] + cost[None, :] > budget + slack] = -np.inf
        tol = IMPROVEMENT_REL_TOL * max(1.0, total_weight)
        if cost is not None and budget is not None:
            addable = allowed & (spent + cost <= budget + 1e-9 * max(1.0, budget))
            add_gain = np.where(addable, gain, -np.inf)
            if add_gain.size and add_gain.max() > tol:
                sites.append(pick(add_gain, priority))
                continue
        if delta.size == 0:
            return sites, False
        flat = int(np.argmax(delta))
        r, j = divmod(flat, m)
        if not delta[r, j] > tol:
            return sites, False
        sites[r] = int(j)


def solve_mclp(
    problem: SitingProblem,
    within_minutes: float,
    *,
    add: int | None = None,
    budget_amount_mad: float | None = None,
    method: Method = "auto",
    time_limit_s: float = 60.0,
    seed: int = 0,
) -> SitingResult:
    """Maximal covering: choose exactly `add` sites, or any set whose total
    `candidate_cost_amount_mad` is ≤ `budget_amount_mad`, to maximise the population newly
    brought within `within_minutes` (a demand point already that close to an existing
    facility is covered and not counted again).

    method: "exact" (HiGHS MIP, started from the greedy sites), "heuristic" (greedy then
    swaps, with the LP bound) or "auto" (exact up to AUTO_EXACT_MAX_MCLP_PAIRS coverage
    pairs). time_limit_s bounds the whole call; seed breaks ties and seeds HiGHS.
    """
    started = time.perf_counter()
    within = check_positive("within_minutes", within_minutes)
    limit_s = check_positive("time_limit_s", time_limit_s)
    check_method(method)
    m = problem.n_candidates
    cost: FloatArray | None = None
    budget: float | None = None
    if (add is None) == (budget_amount_mad is None):
        raise SitingError("give exactly one of add (a number of sites) or budget_amount_mad")
    k: int | None = None
    eligible = np.ones(m, dtype=bool)
    if add is not None:
        k = check_add(add, m)
    else:
        try:
            budget = float(budget_amount_mad)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            values = {"name": "budget_amount_mad", "value": repr(budget_amount_mad)}
            raise SitingError(code="not_a_number", values=values) from None
        if not math.isfinite(budget) or budget < 0:
            values = {"value": repr(budget_amount_mad)}
            raise SitingError(code="budget_not_an_amount", values=values)
        if problem.candidate_cost_amount_mad is None:
            raise SitingError(
                "budget_amount_mad needs candidate_cost_amount_mad on the problem: give one "
                "cost per candidate"
            )
        cost = np.asarray(problem.candidate_cost_amount_mad, dtype=np.float64)
        eligible = cost <= budget
        if not eligible.any():
            costs = {"budget": budget, "cheapest": float(cost.min())}
            raise SitingError(
                code="budget_below_every_cost",
                values=costs,
            )

    population, existing = problem.population, problem.existing
    covered_before = existing <= within
    row_limit = np.where(~covered_before & (population > 0), within, -np.inf)
    cover = _merge_identical_rows(
        compress(problem.pairs_within(row_limit, strict=False), m, population)
    )
    rng = np.random.default_rng(seed)
    priority = rng.permutation(m).astype(np.int64)

    use_exact = method == "exact" or (
        method == "auto" and cover.rows.size <= AUTO_EXACT_MAX_MCLP_PAIRS
    )
    sites = _mclp_greedy(cover, k, cost, budget, eligible, priority)
    deadline = started + limit_s
    time_limit_reached = False
    if use_exact:
        # Start the MIP from greedy + swaps (cheap next to the MIP): a run stopped by the
        # time limit is then never worse than the heuristic.
        sites, _ = _mclp_swap(
            cover, sites, cost, budget, eligible, priority, started + EXACT_START_SHARE * limit_s
        )
        model = _mclp_model(
            cover, add=k, cost_amount_mad=cost, budget_amount_mad=budget, eligible=eligible
        )
        start_x = np.zeros(m)
        start_x[sites] = 1.0
        start_y = (_mclp_counts(cover, np.array(sites, dtype=np.int64)) > 0).astype(float)
        run = run_highs(
            model,
            integer=True,
            time_limit_s=deadline - time.perf_counter(),
            seed=seed,
            start=np.concatenate([start_x, start_y]),
        )
        if run.values is not None:
            found = sorted(int(j) for j in np.flatnonzero(run.values[:m] > 0.5))
            if _mclp_value(cover, np.array(found, dtype=np.int64)) >= _mclp_value(
                cover, np.array(sites, dtype=np.int64)
            ):
                sites = found
        time_limit_reached = run.status == highspy.HighsModelStatus.kTimeLimit
        status = SolverStatus.TIME_LIMIT if time_limit_reached else SolverStatus.OPTIMAL
        if run.status not in (
            highspy.HighsModelStatus.kOptimal,
            highspy.HighsModelStatus.kTimeLimit,
        ):
            raise SitingError(f"HiGHS could not solve the MCLP: {run.status.name}")
        bound = run.bound if math.isfinite(run.bound) else float(cover.weights.sum())
    else:
        search_deadline = started + HEURISTIC_SEARCH_SHARE * limit_s
        sites, time_limit_reached = _mclp_swap(
            cover, sites, cost, budget, eligible, priority, search_deadline
        )
        status = SolverStatus.TIME_LIMIT if time_limit_reached else SolverStatus.LOCAL_OPTIMUM
        bound = _mclp_lp_bound(cover, k, cost, budget, eligible, deadline, seed)

    chosen = np.array(sites, dtype=np.int64)
    objective = _mclp_value(cover, chosen)
    bound = max(bound, objective)  # tolerances aside, the bound is never below a solution
    assigned = np.minimum(existing, problem.minutes_to(chosen))
    covered_after = assigned <= within
    newly = np.where(covered_after & ~covered_before, population, 0.0)
    return SitingResult(
        model=SitingModel.MCLP,
        chosen=tuple(int(j) for j in sites),
        objective=objective,
        objective_before=0.0,
        bound=float(bound),
        gap=relative_gap(objective, bound),
        covered_before_population=float(population[covered_before].sum()),
        covered_after_population=float(population[covered_after].sum()),
        newly_covered_population=newly,
        assigned_minutes=assigned,
        cost_amount_mad=total_cost(problem, chosen),
        method="exact" if use_exact else "heuristic",
        status=status,
        seconds=time.perf_counter() - started,
        time_limit_reached=time_limit_reached,
    )


def _mclp_lp_bound(
    cover: Cover,
    k: int | None,
    cost: FloatArray | None,
    budget: float | None,
    eligible: npt.NDArray[np.bool_],
    deadline: float,
    seed: int,
) -> float:
    """The LP relaxation's value; if it runs out of time, the trivial bound (everything
    coverable, or the k largest single-site coverages)."""
    trivial = float(cover.weights.sum())
    if k is not None:
        single = bincount(
            cover.cols, weights=cover.weights[cover.rows], minlength=cover.n_candidates
        )
        trivial = min(trivial, float(np.sort(single)[::-1][:k].sum()))
    remaining = deadline - time.perf_counter()
    if remaining <= 0 or cover.weights.size == 0:
        return trivial
    model = _mclp_model(
        cover, add=k, cost_amount_mad=cost, budget_amount_mad=budget, eligible=eligible
    )
    # Interior point (with crossover: the value of a basic optimum) is 2-3× faster than
    # the default dual simplex on this LP (5.5 s vs 14 s on 300k coverage pairs); on the
    # p-median LP it is the other way round, so that one keeps the default.
    run = run_highs(model, integer=False, time_limit_s=remaining, seed=seed, lp_solver="ipm")
    if run.status != highspy.HighsModelStatus.kOptimal:
        return trivial
    return min(trivial, run.objective)
