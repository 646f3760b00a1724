"""HiGHS runs for the siting solvers: a model in column-wise form, solved as a MIP or as
its LP relaxation (`qurb.algo.mclp` and `qurb.algo.pmedian` each build their own model).

Why `highspy` and not `scipy.optimize.milp` (both run HiGHS): `highspy` accepts a start
solution, so the MIP starts from the greedy sites and a run stopped by its time limit is
never worse than greedy; and it exposes the MIP dual bound, gap and status directly.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from qurb.algo.siting_problem import FloatArray

# Relative MIP gap at which HiGHS stops and reports "optimal" (its default is 1e-4).
MIP_REL_GAP = 1e-6


@dataclass
class HighsModel:
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
class HighsRun:
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


def run_highs(
    model: HighsModel,
    *,
    integer: bool,
    time_limit_s: float,
    seed: int,
    start: FloatArray | None = None,
    lp_solver: str | None = None,
) -> HighsRun:
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
    return HighsRun(values, float(info.objective_function_value), float(bound), status)
