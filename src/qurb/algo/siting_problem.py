"""Siting (scaling-up): the problem both siting solvers read, and what they return.

Two classic location models, each solved exactly (a HiGHS MIP) or by a fast heuristic
(greedy, then vertex substitution) whose quality is measured against the HiGHS LP bound:

- `qurb.algo.mclp.solve_mclp`, maximal covering location: choose `add` new sites (or any
  set whose cost fits a budget) to maximise the population newly brought within
  `within_minutes` of a facility;
- `qurb.algo.pmedian.solve_pmedian`, p-median: choose `add` new sites to minimise the
  population-weighted travel time to the nearest facility, existing or new.

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

This module holds the problem (its inputs and their validation), the result, and the
array helpers both solvers share; `siting_highs` runs HiGHS on a model either builds.
"""

from __future__ import annotations

import enum
import math
import operator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from qurb.kernel.errors import QurbError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Method = Literal["auto", "exact", "heuristic"]

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
        population = _check_population(self.demand_population)
        n = population.size
        object.__setattr__(self, "demand_population", population)
        minutes = self.candidate_minutes
        if sp.issparse(minutes):
            self._set_sparse(minutes, n)
        else:
            object.__setattr__(self, "candidate_minutes", _check_dense_minutes(minutes, n))
        m = self.n_candidates
        if m == 0:
            raise SitingError("candidate_minutes has no column: give at least one candidate")
        object.__setattr__(self, "existing_minutes", _check_existing(self.existing_minutes, n))
        if self.candidate_cost_amount_mad is not None:
            cost = _check_cost(self.candidate_cost_amount_mad, m)
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

    def pairs_within(self, limit_minutes: FloatArray, *, strict: bool) -> Pairs:
        """The (demand, candidate) pairs whose minutes are ≤ (or <) the row's limit."""
        if self._sparse_rows is not None:
            assert self._sparse_cols is not None and self._sparse_minutes is not None
            row_limit = limit_minutes[self._sparse_rows]
            keep = self._sparse_minutes < row_limit if strict else self._sparse_minutes <= row_limit
            return Pairs(
                self._sparse_rows[keep], self._sparse_cols[keep], self._sparse_minutes[keep]
            )
        dense = self.candidate_minutes
        limit = limit_minutes[:, None]
        keep_matrix = dense < limit if strict else dense <= limit
        rows, cols = np.nonzero(keep_matrix)  # row-major order
        return Pairs(
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
class Pairs:
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


def _check_population(values: npt.ArrayLike) -> FloatArray:
    population = _vector("demand_population", values)
    if population.size == 0:
        raise SitingError("demand_population is empty: give at least one demand point")
    if not np.all(np.isfinite(population)):
        raise SitingError("demand_population holds NaN or infinite values: give numbers")
    if np.any(population < 0):
        i = int(np.flatnonzero(population < 0)[0])
        raise SitingError(
            f"demand_population[{i}] = {population[i]} is negative: populations are ≥ 0"
        )
    return population


def _check_dense_minutes(minutes: Any, n: int) -> FloatArray:
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
    return dense


def _check_existing(values: npt.ArrayLike | None, n: int) -> FloatArray:
    if values is None:
        return np.full(n, np.inf)
    existing = _vector("existing_minutes", values)
    if existing.size != n:
        raise SitingError(
            f"existing_minutes has {existing.size} values, expected n_demand={n}: "
            "one per demand point (inf where no existing facility)"
        )
    if np.isnan(existing).any():
        raise SitingError("existing_minutes holds NaN: use inf where there is none")
    if np.any(existing < 0):
        raise SitingError("existing_minutes holds negative minutes: times are ≥ 0")
    return existing


def _check_cost(values: npt.ArrayLike, m: int) -> FloatArray:
    cost = _vector("candidate_cost_amount_mad", values)
    if cost.size != m:
        raise SitingError(
            f"candidate_cost_amount_mad has {cost.size} values, expected "
            f"n_candidates={m}: one cost per candidate column"
        )
    if not np.all(np.isfinite(cost)):
        raise SitingError("candidate_cost_amount_mad holds NaN or infinite values")
    if np.any(cost < 0):
        j = int(np.flatnonzero(cost < 0)[0])
        raise SitingError(f"candidate_cost_amount_mad[{j}] = {cost[j]} is negative: costs are ≥ 0")
    return cost


def check_add(add: Any, n_candidates: int) -> int:
    if isinstance(add, bool):
        raise SitingError("add must be an integer number of new sites, not a boolean")
    try:
        k = operator.index(add)
    except TypeError:
        raise SitingError(f"add = {add!r} must be an integer number of new sites") from None
    if k <= 0:
        raise SitingError(code="add_not_positive", values={"add": k})
    if k > n_candidates:
        raise SitingError(
            code="add_over_candidates",
            values={"add": k, "candidates": n_candidates},
        )
    return k


def check_positive(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SitingError(
            code="not_a_number", values={"name": name, "value": repr(value)}
        ) from None
    if not math.isfinite(number) or number <= 0:
        values = {"name": name, "value": repr(value)}
        raise SitingError(code="not_positive_finite", values=values)
    return number


def check_method(method: str) -> str:
    if method not in ("auto", "exact", "heuristic"):
        raise SitingError(f"method = {method!r}: choose 'auto', 'exact' or 'heuristic'")
    return method


def relative_gap(objective: float, bound: float) -> float:
    diff = abs(bound - objective)
    if diff <= 1e-9 * max(1.0, abs(bound)):
        return 0.0
    return diff / abs(objective) if objective != 0 else math.inf


def bincount(
    index: IntArray, weights: npt.NDArray[Any] | None = None, minlength: int = 0
) -> npt.NDArray[Any]:
    """np.bincount that stays float when weighted, even on empty input."""
    counts = np.bincount(index, weights=weights, minlength=minlength)
    return counts.astype(np.float64, copy=False) if weights is not None else counts


def row_slices(indptr: IntArray, rows: IntArray) -> IntArray:
    """Positions, in a row-major pair list with CSR `indptr`, of the pairs of `rows`."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total, dtype=np.int64)


def pick(score: FloatArray, priority: IntArray) -> int:
    """Index of the best score; ties go to the lowest seeded priority (reproducible)."""
    best = score.max()
    if np.isfinite(best):
        ties = np.flatnonzero(score >= best - 1e-12 * max(1.0, abs(best)))
    else:  # ±inf (a free site under a budget, or nothing left): exact ties only
        ties = np.flatnonzero(score == best)
    return int(ties[np.argmin(priority[ties])])


# ---------------------------------------------------------------------- pair tables


@dataclass(frozen=True)
class Cover:
    """Coverage pairs on the compressed uncovered-and-coverable demand rows."""

    n_candidates: int
    demand_index: IntArray  # compressed row → original demand point
    weights: FloatArray  # population of each compressed row
    rows: IntArray  # pair → compressed row (sorted)
    cols: IntArray  # pair → candidate
    row_indptr: IntArray  # CSR over compressed rows
    col_order: IntArray  # pair positions sorted by candidate
    col_indptr: IntArray


def compress(pairs: Pairs, n_candidates: int, population: FloatArray) -> Cover:
    demand_index, rows = np.unique(pairs.rows, return_inverse=True)
    rows = rows.astype(np.int64)
    n_rows = demand_index.size
    row_indptr = np.concatenate([[0], np.cumsum(bincount(rows, minlength=n_rows))])
    col_order = np.argsort(pairs.cols, kind="stable")
    col_indptr = np.concatenate([[0], np.cumsum(bincount(pairs.cols, minlength=n_candidates))])
    return Cover(
        n_candidates=n_candidates,
        demand_index=demand_index.astype(np.int64),
        weights=population[demand_index],
        rows=rows,
        cols=pairs.cols,
        row_indptr=row_indptr.astype(np.int64),
        col_order=col_order.astype(np.int64),
        col_indptr=col_indptr.astype(np.int64),
    )


def total_cost(problem: SitingProblem, chosen: IntArray) -> float | None:
    if problem.candidate_cost_amount_mad is None:
        return None
    return float(np.asarray(problem.candidate_cost_amount_mad)[chosen].sum())


def credit_to_nearest(newly: np.ndarray, nearest: np.ndarray, n_sites: int) -> np.ndarray:
    """People newly covered, credited each to the new site nearest to them: `newly`
    (n_demand,) people a demand point gains, `nearest` (n_demand,) the index of its
    nearest new site (-1: none reachable); per site (n_sites,), summing to the people
    newly covered. A figure of the site's own reach, not of who will go there."""
    take = (newly > 0) & (nearest >= 0)
    return np.bincount(nearest[take], weights=newly[take], minlength=n_sites)[:n_sites]
