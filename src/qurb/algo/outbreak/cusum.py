"""CUSUM on standardised counts, as R `surveillance`'s `algo.cusum` with its default
m: the mean of every week before the first one evaluated. The sum is never reset after an
alarm (R's); the upper bound is the count that would have raised one. Transforms:
`standard` ((x - m) / √m) and `anscombe` (3/2 (x^⅔ - m^⅔) / m^⅙)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from qurb.kernel.errors import InputError

from .series import Detection, WeeklySeries

TRANSFORMS = ("standard", "anscombe")


@dataclass(frozen=True)
class CusumParams:
    """R's `algo.cusum` control: reference value k, decision interval h, transform."""

    k: float = 1.04
    h: float = 2.26
    trans: str = "standard"


def _standardised(x: float, m: float, trans: str) -> float:
    if trans == "standard":
        return (x - m) / math.sqrt(m)
    return 1.5 * (x ** (2 / 3) - m ** (2 / 3)) / m ** (1 / 6)


def _upper(m: float, before: float, params: CusumParams) -> float:
    room = params.h + params.k - before
    if params.trans == "standard":
        value = float(math.ceil(math.sqrt(m) * room + m))
    else:
        base = 2 / 3 * m ** (1 / 6) * room + m ** (2 / 3)
        value = 0.0 if base < 0 else base**1.5
    return max(value, 0.0)


def _check(series: WeeklySeries, evaluated: range, params: CusumParams) -> None:
    if params.trans not in TRANSFORMS:
        raise InputError(
            code="outbreak_unknown_transform",
            values={"got": params.trans, "choices": ", ".join(TRANSFORMS)},
        )
    if not len(evaluated) or evaluated[0] < 1:
        raise InputError(
            code="outbreak_reference_weeks_missing",
            values={"week": str(series.weeks[0]), "count": 1, "total": 1, "b": 1},
        )
    before = series.counts[: evaluated[0]]
    if any(c is None for c in before) or any(series.counts[p] is None for p in evaluated):
        raise InputError(code="outbreak_unknown_counts", values={"method": "cusum"})
    if sum(c for c in before if c is not None) == 0:
        raise InputError(code="outbreak_zero_mean", values={"method": "cusum"})


def cusum(series: WeeklySeries, evaluated: range, params: CusumParams = CusumParams()) -> Detection:
    """R's `algo.cusum` for the weeks at `evaluated` (0-based positions, in order); the
    expected count is m."""
    _check(series, evaluated, params)
    before = [c for c in series.counts[: evaluated[0]] if c is not None]
    m = sum(before) / len(before)
    total = 0.0
    upper: list[float | None] = []
    alarm: list[bool | None] = []
    for position in evaluated:
        count = series.counts[position]
        assert count is not None
        upper.append(_upper(m, total, params))
        total = max(0.0, total + _standardised(count, m, params.trans) - params.k)
        alarm.append(total >= params.h)
    return Detection(
        method="cusum",
        weeks=tuple(series.weeks[p] for p in evaluated),
        observed=tuple(series.counts[p] for p in evaluated),
        expected=tuple(m for _ in evaluated),
        upperbound=tuple(upper),
        alarm=tuple(alarm),
    )
