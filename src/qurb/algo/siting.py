"""Siting (scaling-up): where to add facilities, given travel times to candidate sites.

Two classic location models, each solved exactly (a HiGHS MIP) or by a fast heuristic
(greedy, then vertex substitution) whose quality is measured against the HiGHS LP bound:

- `solve_mclp`, maximal covering location: choose `add` new sites (or any set whose cost
  fits a budget) to maximise the population newly brought within `within_minutes` of a
  facility;
- `solve_pmedian`, p-median: choose `add` new sites to minimise the population-weighted
  travel time to the nearest facility, existing or new.

Existing facilities are kept: a demand point already within reach of one counts as
covered (MCLP) and keeps its existing time as a fallback (p-median), so a new site is only
worth what it adds. The solvers see arrays, never a database; how the travel-time matrix
is built (straight line, road network, raster) is another module's business.

The matrix `candidate_minutes` (demand i → candidate j) is either
  - a dense (n, m) array of minutes, `inf` where j cannot reach i; or
  - a `scipy.sparse` matrix (n, m) that stores only the pairs within some horizon: a
    stored entry is a travel time in minutes (an explicit stored 0 is 0 minutes: a demand
    point at the site), a missing entry is unreachable (`inf`). Build it from
    `(minutes, (rows, cols))` so stored zeros stay stored; duplicate pairs are refused.
    A horizon shorter than `within_minutes` (MCLP) or than the existing times (p-median)
    loses pairs that matter: choose the horizon accordingly.

Why `highspy` and not `scipy.optimize.milp` (both run HiGHS): `highspy` accepts a start
solution, so the MIP starts from the greedy sites and a run stopped by its time limit is
never worse than greedy; and it exposes the MIP dual bound, gap and status directly.
"""

from __future__ import annotations

import enum
import math
import operator
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from qurb.kernel.errors import QurbError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Method = Literal["auto", "exact", "heuristic"]

# `method="auto"` solves the MIP exactly when its sparse part is at most this many
# nonzeros (MCLP: coverage pairs after merging identical demand rows; p-median: assignment
# pairs that beat the existing time), else runs the heuristic and reports its gap to the
# LP bound. Measured on 2 CPU cores (benchmarks/siting.py): an MCLP with ~23k pairs proves
# optimal in 0.4 s and one of 15,000 × 5,000 (~300k pairs) in ~15 s; a p-median with
# 30 existing facilities (1,500 × 500) in ~6 s, while a dense one without existing
# facilities (750k pairs) does not finish its root LP in 60 s.
AUTO_EXACT_MAX_MCLP_PAIRS = 300_000
AUTO_EXACT_MAX_PMEDIAN_PAIRS = 100_000
# Above this many assignment pairs the p-median heuristic bounds itself by the Lagrangian
# dual (same value as the LP at convergence, valid at every step) instead of the HiGHS LP.
PMEDIAN_LP_MAX_PAIRS = 200_000

# Relative MIP gap at which HiGHS stops and reports "optimal" (its default is 1e-4).
MIP_REL_GAP = 1e-6
# A swap must improve the objective by more than this (relative) to be taken.
IMPROVEMENT_REL_TOL = 1e-9
# Share of the heuristic's time limit the local search may use; the LP bound gets the rest.
HEURISTIC_SEARCH_SHARE = 0.5
# Share of the exact method's time limit the heuristic start (greedy + swaps) may use.
EXACT_START_SHARE = 0.2


class SitingError(QurbError):
    """A siting request that cannot be solved as given (bad array, impossible budget)."""


class SolverStatus(enum.StrEnum):
    OPTIMAL = "optimal"  # exact: proven optimal within MIP_REL_GAP
    TIME_LIMIT = "time_limit"  # stopped by time_limit_s: the best solution found so far
    LOCAL_OPTIMUM = "local_optimum"  # heuristic: no improving swap is left


class SitingModel(enum.StrEnum):
    MCLP = "mclp"
    PMEDIAN = "pmedian"


@dataclass(frozen=True, eq=False)  # holds arrays: identity, not ==
class SitingProblem:
    """Demand points, candidate sites and the existing offer, as arrays.

    demand_population: (n,) population (weights) of each demand point, ≥ 0.
    candidate_minutes: travel minutes demand i → candidate j, dense (n, m) with `inf` for
        unreachable, or scipy.sparse (n, m) holding only reachable pairs (module docstring).
    existing_minutes: (n,) minutes from each demand point to its nearest existing
        facility, `inf` where none; None: no existing facility at all.
    candidate_cost_amount_mad: (m,) cost of opening each candidate (MAD, ≥ 0), needed only
        for `solve_mclp(..., budget_amount_mad=...)`.
    """

    demand_population: npt.ArrayLike
    candidate_minutes: Any  # np.ndarray (n, m) or scipy.sparse (n, m); see the docstring
    existing_minutes: npt.ArrayLike | None = None
    candidate_cost_amount_mad: npt.ArrayLike | None = None
    # Normalised sparse storage (row-major sorted pairs), filled when the matrix is sparse.
    _sparse_rows: IntArray | None = field(default=None, init=False, repr=False, compare=False)
    _sparse_cols: IntArray | None = field(default=None, init=False, repr=False, compare=False)
    _sparse_minutes: FloatArray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        population = _vector("demand_population", self.demand_population)
        if population.size == 0:
            raise SitingError("demand_population is empty: give at least one demand point")
        if not np.all(np.isfinite(population)):
            raise SitingError("demand_population holds NaN or infinite values: give numbers")
        if np.any(population < 0):
            i = int(np.flatnonzero(population < 0)[0])
            raise SitingError(
                f"demand_population[{i}] = {population[i]} is negative: populations are ≥ 0"
            )
        n = population.size
        object.__setattr__(self, "demand_population", population)

        minutes = self.candidate_minutes
        if sp.issparse(minutes):
            self._set_sparse(minutes, n)
        else:
            dense = np.asarray(minutes)
            if dense.ndim != 2 or dense.shape[0] != n:
                raise SitingError(
                    f"candidate_minutes has shape {dense.shape}, expected (n_demand={n}, "
                    "n_candidates): one row per demand point, one column per candidate"
                )
            if not np.issubdtype(dense.dtype, np.floating):
                if not np.issubdtype(dense.dtype, np.number) or dense.dtype == bool:
                    raise SitingError("candidate_minutes must hold numbers (minutes)")
                dense = dense.astype(np.float64)
            if np.isnan(dense).any():
                raise SitingError("candidate_minutes holds NaN: use inf for an unreachable pair")
            if (dense < 0).any():
                raise SitingError("candidate_minutes holds negative minutes: times are ≥ 0")
            object.__setattr__(self, "candidate_minutes", dense)
        m = self.n_candidates
        if m == 0:
            raise SitingError("candidate_minutes has no column: give at least one candidate")

        if self.existing_minutes is None:
            existing = np.full(n, np.inf)
        else:
            existing = _vector("existing_minutes", self.existing_minutes)
            if existing.size != n:
                raise SitingError(
                    f"existing_minutes has {existing.size} values, expected n_demand={n}: "
                    "one per demand point (inf where no existing facility)"
                )
            if np.isnan(existing).any():
                raise SitingError("existing_minutes holds NaN: use inf where there is none")
            if np.any(existing < 0):
                raise SitingError("existing_minutes holds negative minutes: times are ≥ 0")
        object.__setattr__(self, "existing_minutes", existing)

        if self.candidate_cost_amount_mad is not None:
            cost = _vector("candidate_cost_amount_mad", self.candidate_cost_amount_mad)
            if cost.size != m:
                raise SitingError(
                    f"candidate_cost_amount_mad has {cost.size} values, expected "
                    f"n_candidates={m}: one cost per candidate column"
                )
            if not np.all(np.isfinite(cost)):
                raise SitingError("candidate_cost_amount_mad holds NaN or infinite values")
            if np.any(cost < 0):
                j = int(np.flatnonzero(cost < 0)[0])
                raise SitingError(
                    f"candidate_cost_amount_mad[{j}] = {cost[j]} is negative: costs are ≥ 0"
                )
            object.__setattr__(self, "candidate_cost_amount_mad", cost)

    def _set_sparse(self, matrix: Any, n: int) -> None:
        if matrix.ndim != 2 or matrix.shape[0] != n:
            raise SitingError(
                f"candidate_minutes has shape {matrix.shape}, expected (n_demand={n}, "
                "n_candidates): one row per demand point, one column per candidate"
            )
        coo = sp.coo_array(matrix)  # keeps explicit zeros (0 minutes) as stored entries
        rows = np.asarray(coo.row, dtype=np.int64)
        cols = np.asarray(coo.col, dtype=np.int64)
        data = np.asarray(coo.data, dtype=np.float64)
        if np.isnan(data).any():
            raise SitingError("candidate_minutes holds NaN: leave unreachable pairs unstored")
        if (data < 0).any():
            raise SitingError("candidate_minutes holds negative minutes: times are ≥ 0")
        order = np.lexsort((cols, rows))
        rows, cols, data = rows[order], cols[order], data[order]
        if rows.size > 1:
            same = (rows[1:] == rows[:-1]) & (cols[1:] == cols[:-1])
            if same.any():
                p = int(np.flatnonzero(same)[0])
                raise SitingError(
                    f"candidate_minutes stores the pair ({rows[p]}, {cols[p]}) twice: "
                    "store each demand-candidate pair once"
                )
        finite = np.isfinite(data)  # a stored inf is just an unreachable pair
        object.__setattr__(self, "_sparse_rows", rows[finite])
        object.__setattr__(self, "_sparse_cols", cols[finite])
        object.__setattr__(self, "_sparse_minutes", data[finite])
        object.__setattr__(self, "candidate_minutes", sp.csr_array(matrix))

    @property
    def n_demand(self) -> int:
        return int(np.asarray(self.demand_population).size)

    @property
    def n_candidates(self) -> int:
        return int(self.candidate_minutes.shape[1])

    @property
    def population(self) -> FloatArray:
        return np.asarray(self.demand_population, dtype=np.float64)

    @property
    def existing(self) -> FloatArray:
        return np.asarray(self.existing_minutes, dtype=np.float64)

    def pairs_within(self, limit_minutes: FloatArray, *, strict: bool) -> _Pairs:
        """The (demand, candidate) pairs whose minutes are ≤ (or <) the row's limit."""
        if self._sparse_rows is not None:
            assert self._sparse_cols is not None and self._sparse_minutes is not None
            row_limit = limit_minutes[self._sparse_rows]
            keep = self._sparse_minutes < row_limit if strict else self._sparse_minutes <= row_limit
            return _Pairs(
                self._sparse_rows[keep], self._sparse_cols[keep], self._sparse_minutes[keep]
            )
        dense = self.candidate_minutes
        limit = limit_minutes[:, None]
        keep_matrix = dense < limit if strict else dense <= limit
        rows, cols = np.nonzero(keep_matrix)  # row-major order
        return _Pairs(
            rows.astype(np.int64), cols.astype(np.int64), dense[rows, cols].astype(np.float64)
        )

    def minutes_to(self, chosen: IntArray) -> FloatArray:
        """(n,) minutes from each demand point to its nearest chosen candidate (inf: none)."""
        n = self.n_demand
        if chosen.size == 0:
            return np.full(n, np.inf)
        if self._sparse_rows is not None:
            assert self._sparse_cols is not None and self._sparse_minutes is not None
            best = np.full(n, np.inf)
            sel = np.isin(self._sparse_cols, chosen)
            np.minimum.at(best, self._sparse_rows[sel], self._sparse_minutes[sel])
            return best
        return np.asarray(self.candidate_minutes[:, chosen].min(axis=1), dtype=np.float64)


@dataclass(frozen=True)
class _Pairs:
    rows: IntArray  # demand index, sorted (row-major)
    cols: IntArray  # candidate index
    minutes: FloatArray


@dataclass(frozen=True, eq=False)  # holds arrays: identity, not ==
class SitingResult:
    """What a siting run chose and what it is worth.

    chosen: candidate indices; greedy order for the heuristic (a swapped-in site takes the
        place of the one it replaced), ascending for the exact MIP (unless the MIP found
        nothing better than its heuristic start, whose order is kept).
    objective: MCLP: population newly covered; p-median: population-weighted minutes
        (a demand point with no facility in reach counts `unserved_minutes`).
    objective_before: the same measure with no new site (MCLP: 0).
    bound: a proven bound on the optimum (MCLP upper, p-median lower): the MIP dual bound,
        or the LP relaxation for the heuristic.
    gap: |bound - objective| / |objective| (0 when both are 0), as HiGHS reports it.
    covered_before_population / covered_after_population: population within the
        threshold (MCLP `within_minutes`; p-median `within_minutes` if given, else any
        finite time) of an existing / existing-or-chosen facility.
    newly_covered_population: (n,) population of each demand point newly covered, else 0.
    assigned_minutes: (n,) minutes to the nearest facility, existing or chosen (inf: none).
    cost_amount_mad: total cost of the chosen sites when costs were given, else None.
    """

    model: SitingModel
    chosen: tuple[int, ...]
    objective: float
    objective_before: float
    bound: float
    gap: float
    covered_before_population: float
    covered_after_population: float
    newly_covered_population: FloatArray
    assigned_minutes: FloatArray
    cost_amount_mad: float | None
    method: Literal["exact", "heuristic"]
    status: SolverStatus
    seconds: float
    time_limit_reached: bool


# --------------------------------------------------------------------------- validation


def _vector(name: str, values: npt.ArrayLike) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SitingError(f"{name} must be a 1-D array of numbers: {exc}") from None
    if array.ndim != 1:
        raise SitingError(f"{name} has shape {array.shape}: give a 1-D array")
    return array


def _check_add(add: Any, n_candidates: int) -> int:
    if isinstance(add, bool):
        raise SitingError("add must be an integer number of new sites, not a boolean")
    try:
        k = operator.index(add)
    except TypeError:
        raise SitingError(f"add = {add!r} must be an integer number of new sites") from None
    if k <= 0:
        raise SitingError(f"add = {k}: the number of new sites must be at least 1")
    if k > n_candidates:
        raise SitingError(
            f"add = {k} exceeds the {n_candidates} candidate sites: lower add or give more "
            "candidates"
        )
    return k


def _check_positive(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SitingError(f"{name} = {value!r} must be a number") from None
    if not math.isfinite(number) or number <= 0:
        raise SitingError(f"{name} = {value!r} must be a positive finite number")
    return number


def _check_method(method: str) -> str:
    if method not in ("auto", "exact", "heuristic"):
        raise SitingError(f"method = {method!r}: choose 'auto', 'exact' or 'heuristic'")
    return method


def _gap(objective: float, bound: float) -> float:
    diff = abs(bound - objective)
    if diff <= 1e-9 * max(1.0, abs(bound)):
        return 0.0
    return diff / abs(objective) if objective != 0 else math.inf


def _bincount(
    index: IntArray, weights: npt.NDArray[Any] | None = None, minlength: int = 0
) -> npt.NDArray[Any]:
    """np.bincount that stays float when weighted, even on empty input."""
    counts = np.bincount(index, weights=weights, minlength=minlength)
    return counts.astype(np.float64, copy=False) if weights is not None else counts


def _row_slices(indptr: IntArray, rows: IntArray) -> IntArray:
    """Positions, in a row-major pair list with CSR `indptr`, of the pairs of `rows`."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total, dtype=np.int64)


def _pick(score: FloatArray, priority: IntArray) -> int:
    """Index of the best score; ties go to the lowest seeded priority (reproducible)."""
    best = score.max()
    if np.isfinite(best):
        ties = np.flatnonzero(score >= best - 1e-12 * max(1.0, abs(best)))
    else:  # ±inf (a free site under a budget, or nothing left): exact ties only
        ties = np.flatnonzero(score == best)
    return int(ties[np.argmin(priority[ties])])


# ------------------------------------------------------------------------- HiGHS models


@dataclass
class _Model:
    """A model in HiGHS column-wise form (built with NumPy/SciPy, no modelling layer)."""

    col_cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    matrix: sp.csc_array
    n_integer: int  # the first n_integer columns are binary (the sites x_j)
    maximise: bool
    offset: float = 0.0


@dataclass(frozen=True)
class _Run:
    values: FloatArray | None  # column values, None when no feasible solution is known
    objective: float
    bound: float
    status: highspy.HighsModelStatus


def _new_highs() -> highspy.Highs:
    """A HiGHS instance. Its constructor prints a banner on the process's stdout from C++
    (before any option can silence it), which would corrupt piped CSV/JSON output: file
    descriptor 1 points to /dev/null for that moment."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return highs


def _run_highs(
    model: _Model,
    *,
    integer: bool,
    time_limit_s: float,
    seed: int,
    start: FloatArray | None = None,
    lp_solver: str | None = None,
) -> _Run:
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit_s), 0.01))
    h.setOptionValue("random_seed", int(seed) % 2_147_483_647)
    h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    if lp_solver is not None:
        h.setOptionValue("solver", lp_solver)
    lp = highspy.HighsLp()
    n_col = model.col_cost.size
    lp.num_col_ = n_col
    lp.num_row_ = model.row_lower.size
    lp.col_cost_ = model.col_cost
    lp.col_lower_ = model.col_lower
    lp.col_upper_ = model.col_upper
    lp.row_lower_ = model.row_lower
    lp.row_upper_ = model.row_upper
    lp.offset_ = model.offset
    lp.sense_ = highspy.ObjSense.kMaximize if model.maximise else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = model.matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = model.matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = model.matrix.data.astype(np.float64)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * model.n_integer + [
            highspy.HighsVarType.kContinuous
        ] * (n_col - model.n_integer)
    h.passModel(lp)
    if integer and start is not None:
        h.setSolution(n_col, np.arange(n_col, dtype=np.int32), start.astype(np.float64))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    feasible = info.primal_solution_status == 2  # kSolutionStatusFeasible
    values = np.asarray(h.getSolution().col_value, dtype=np.float64) if feasible else None
    bound = info.mip_dual_bound if integer else info.objective_function_value
    return _Run(values, float(info.objective_function_value), float(bound), status)


def _mclp_model(
    cover: _Cover,
    *,
    add: int | None,
    cost_amount_mad: FloatArray | None,
    budget_amount_mad: float | None,
    eligible: npt.NDArray[np.bool_],
) -> _Model:
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
    return _Model(
        col_cost=np.concatenate([np.zeros(m), cover.weights]),
        col_lower=np.zeros(m + n_rows),
        col_upper=np.concatenate([eligible.astype(np.float64), np.ones(n_rows)]),
        row_lower=np.concatenate([np.full(n_rows, -np.inf), [row_lower_last]]),
        row_upper=np.concatenate([np.zeros(n_rows), [row_upper_last]]),
        matrix=matrix,
        n_integer=m,
        maximise=True,
    )


# --------------------------------------------------------------------------------- MCLP


@dataclass(frozen=True)
class _Cover:
    """Coverage pairs on the compressed uncovered-and-coverable demand rows."""

    n_candidates: int
    demand_index: IntArray  # compressed row → original demand point
    weights: FloatArray  # population of each compressed row
    rows: IntArray  # pair → compressed row (sorted)
    cols: IntArray  # pair → candidate
    row_indptr: IntArray  # CSR over compressed rows
    col_order: IntArray  # pair positions sorted by candidate
    col_indptr: IntArray


def _compress(pairs: _Pairs, n_candidates: int, population: FloatArray) -> _Cover:
    demand_index, rows = np.unique(pairs.rows, return_inverse=True)
    rows = rows.astype(np.int64)
    n_rows = demand_index.size
    row_indptr = np.concatenate([[0], np.cumsum(_bincount(rows, minlength=n_rows))])
    col_order = np.argsort(pairs.cols, kind="stable")
    col_indptr = np.concatenate([[0], np.cumsum(_bincount(pairs.cols, minlength=n_candidates))])
    return _Cover(
        n_candidates=n_candidates,
        demand_index=demand_index.astype(np.int64),
        weights=population[demand_index],
        rows=rows,
        cols=pairs.cols,
        row_indptr=row_indptr.astype(np.int64),
        col_order=col_order.astype(np.int64),
        col_indptr=col_indptr.astype(np.int64),
    )


def _merge_identical_rows(cover: _Cover) -> _Cover:
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
    weights = _bincount(new_id[representative], cover.weights, kept.size)
    keep_pair = new_id[cover.rows] >= 0
    rows = new_id[cover.rows[keep_pair]]
    cols = cover.cols[keep_pair]
    col_order = np.argsort(cols, kind="stable")
    return _Cover(
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


def _mclp_counts(cover: _Cover, chosen: IntArray) -> IntArray:
    """How many chosen sites cover each compressed row."""
    sel = np.isin(cover.cols, chosen)
    return _bincount(cover.rows[sel], minlength=cover.weights.size)


def _mclp_greedy(
    cover: _Cover,
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
    gain = _bincount(cover.cols, weights=w_pairs, minlength=m)
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
        j = _pick(score, priority)
        chosen.append(j)
        available[j] = False
        if cost is not None:
            spent += float(cost[j])
        rows_j = cover.rows[cover.col_order[cover.col_indptr[j] : cover.col_indptr[j + 1]]]
        new_rows = rows_j[~covered[rows_j]]
        covered[new_rows] = True
        positions = _row_slices(cover.row_indptr, new_rows)
        if positions.size:
            gain -= _bincount(cover.cols[positions], weights=w_pairs[positions], minlength=m)
    if add is None and cost is not None and budget is not None and chosen:
        # The ratio greedy can be fooled by one cheap site; keep the best single
        # affordable site when it alone beats the greedy set (Khuller et al., 1999).
        single_population = _bincount(cover.cols, weights=w_pairs, minlength=m)
        single: FloatArray = np.where(eligible, single_population, -np.inf)
        j = _pick(single, priority)
        if single[j] > _mclp_value(cover, np.array(chosen)) + 1e-9:
            chosen = [j]
    return chosen


def _mclp_value(cover: _Cover, chosen: IntArray) -> float:
    return float(cover.weights[_mclp_counts(cover, chosen) > 0].sum())


def _mclp_swap(
    cover: _Cover,
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
        counts = _bincount(cover.rows[pair_pos >= 0], minlength=n_rows)
        uncovered = counts[cover.rows] == 0
        gain = _bincount(cover.cols[uncovered], weights=w_pairs[uncovered], minlength=m)
        # Rows covered by exactly one chosen site, and which site (its position).
        owner = np.full(n_rows, -1, dtype=np.int64)
        own_pairs = (pair_pos >= 0) & (counts[cover.rows] == 1)
        owner[cover.rows[own_pairs]] = pair_pos[own_pairs]
        single = owner >= 0
        loss = _bincount(owner[single], weights=cover.weights[single], minlength=k)
        shared_pairs = owner[cover.rows] >= 0
        shared = _bincount(
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
                sites.append(_pick(add_gain, priority))
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
    within = _check_positive("within_minutes", within_minutes)
    limit_s = _check_positive("time_limit_s", time_limit_s)
    _check_method(method)
    m = problem.n_candidates
    cost: FloatArray | None = None
    budget: float | None = None
    if (add is None) == (budget_amount_mad is None):
        raise SitingError("give exactly one of add (a number of sites) or budget_amount_mad")
    k: int | None = None
    eligible = np.ones(m, dtype=bool)
    if add is not None:
        k = _check_add(add, m)
    else:
        try:
            budget = float(budget_amount_mad)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise SitingError(
                f"budget_amount_mad = {budget_amount_mad!r} must be a number"
            ) from None
        if not math.isfinite(budget) or budget < 0:
            raise SitingError(
                f"budget_amount_mad = {budget_amount_mad!r} must be a finite amount ≥ 0"
            )
        if problem.candidate_cost_amount_mad is None:
            raise SitingError(
                "budget_amount_mad needs candidate_cost_amount_mad on the problem: give one "
                "cost per candidate"
            )
        cost = np.asarray(problem.candidate_cost_amount_mad, dtype=np.float64)
        eligible = cost <= budget
        if not eligible.any():
            raise SitingError(
                f"budget_amount_mad = {budget:g} is below every candidate's cost (cheapest "
                f"{cost.min():g}): raise the budget or add cheaper candidates"
            )

    population, existing = problem.population, problem.existing
    covered_before = existing <= within
    row_limit = np.where(~covered_before & (population > 0), within, -np.inf)
    cover = _merge_identical_rows(
        _compress(problem.pairs_within(row_limit, strict=False), m, population)
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
        run = _run_highs(
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
        gap=_gap(objective, bound),
        covered_before_population=float(population[covered_before].sum()),
        covered_after_population=float(population[covered_after].sum()),
        newly_covered_population=newly,
        assigned_minutes=assigned,
        cost_amount_mad=_total_cost(problem, chosen),
        method="exact" if use_exact else "heuristic",
        status=status,
        seconds=time.perf_counter() - started,
        time_limit_reached=time_limit_reached,
    )


def _mclp_lp_bound(
    cover: _Cover,
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
        single = _bincount(
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
    run = _run_highs(model, integer=False, time_limit_s=remaining, seed=seed, lp_solver="ipm")
    if run.status != highspy.HighsModelStatus.kOptimal:
        return trivial
    return min(trivial, run.objective)


def _total_cost(problem: SitingProblem, chosen: IntArray) -> float | None:
    if problem.candidate_cost_amount_mad is None:
        return None
    return float(np.asarray(problem.candidate_cost_amount_mad)[chosen].sum())


# ----------------------------------------------------------------------------- p-median


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


def _pmedian_model(assign: _Assign, add: int) -> _Model:
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
    return _Model(
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
    gain = _bincount(
        assign.cols,
        weights=w_pairs * np.maximum(0.0, current[assign.rows] - assign.minutes),
        minlength=m,
    )
    available = np.ones(m, dtype=bool)
    chosen: list[int] = []
    for _ in range(add):
        j = _pick(np.where(available, gain, -np.inf), priority)
        chosen.append(j)
        available[j] = False
        positions_j = assign.col_order[assign.col_indptr[j] : assign.col_indptr[j + 1]]
        rows_j, minutes_j = assign.rows[positions_j], assign.minutes[positions_j]
        better = minutes_j < current[rows_j]
        rows_b = rows_j[better]
        positions = _row_slices(assign.row_indptr, rows_b)
        if positions.size == 0:
            continue
        pr, pc, pd, pw = (
            assign.rows[positions],
            assign.cols[positions],
            assign.minutes[positions],
            w_pairs[positions],
        )
        gain -= _bincount(pc, weights=pw * np.maximum(0.0, current[pr] - pd), minlength=m)
        current[rows_b] = minutes_j[better]
        gain += _bincount(pc, weights=pw * np.maximum(0.0, current[pr] - pd), minlength=m)
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
        gain = _bincount(
            assign.cols,
            weights=w_pairs * np.maximum(0.0, d1[assign.rows] - assign.minutes),
            minlength=m,
        )
        to_site = nearest < k
        loss = _bincount(
            nearest[to_site], weights=(assign.weights * (d2 - d1))[to_site], minlength=k
        )
        pair_near = nearest[assign.rows]
        sel = (pair_near < k) & (assign.minutes < d2[assign.rows])
        extra = _bincount(
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
    limit_s = _check_positive("time_limit_s", time_limit_s)
    _check_method(method)
    k = _check_add(add, problem.n_candidates)
    unserved = math.inf
    if unserved_minutes is not None:
        unserved = _check_positive("unserved_minutes", unserved_minutes)
    report_within = (
        math.inf if within_minutes is None else _check_positive("within_minutes", within_minutes)
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
        raise SitingError(
            f"demand point {i} (population {population[i]:g}) has no existing facility "
            "(existing_minutes = inf) and no candidate reaches it: pass unserved_minutes "
            "(the minutes to charge such points) or give candidates that reach it"
        )
    cover = _compress(pairs, m, population)
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
        run = _run_highs(
            model,
            integer=True,
            time_limit_s=deadline - time.perf_counter(),
            seed=seed,
            start=start,
        )
        if run.status == highspy.HighsModelStatus.kInfeasible:
            raise SitingError(
                f"add = {k} new sites cannot reach every demand point that has no existing "
                "facility: raise add or pass unserved_minutes"
            )
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
        raise SitingError(
            f"add = {k} new sites found by the heuristic do not reach every demand point "
            "that has no existing facility: raise add, use method='exact' or pass "
            "unserved_minutes"
        )
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
        gap=_gap(objective, bound),
        covered_before_population=float(population[covered_before].sum()),
        covered_after_population=float(population[covered_after].sum()),
        newly_covered_population=np.where(covered_after & ~covered_before, population, 0.0),
        assigned_minutes=assigned,
        cost_amount_mad=_total_cost(problem, chosen),
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
    run = _run_highs(_pmedian_model(assign, k), integer=False, time_limit_s=remaining, seed=seed)
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
        column = _bincount(assign.cols, weights=reduced, minlength=m)
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
        served = _bincount(assign.rows[used], minlength=n_rows) + (fallback_cost < multiplier)
        subgradient = 1.0 - served
        norm = float((subgradient * subgradient).sum())
        if norm == 0.0:
            break  # the relaxed solution is feasible: L(λ) is the optimum
        multiplier = multiplier + step_scale * max(upper_model - value, 0.0) / norm * subgradient
    return best + assign.outside_weighted_minutes
