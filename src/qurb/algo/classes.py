"""Class breaks for a choropleth that never collapse.

Quantile classes collapse when many areas share a value (a province where most communes
have one health centre: every quantile edge is the same number, legends read
"100 – 100"). The methods here work on the *distinct* values instead:

* `bands`: fixed edges given by the indicator (30 / 60 / 120 min, 5 / 10 km); a class may
  be empty, the legend still shows it (the bands are the question asked).
* `natural`: Fisher–Jenks natural breaks, the exact optimum (least within-class sum of
  squares) over the sorted distinct values weighted by how many areas hold each, in at
  most `max_classes` classes and never more classes than distinct values.
* `distinct`: one class per distinct value when there are few (≤ `max_distinct`), else
  natural breaks.

A class is closed above: class i holds the values v with breaks[i-1] < v ≤ breaks[i]
(the first has no lower edge, the last no upper one), so `len(breaks) + 1` classes. For
the data-driven methods every class holds at least one value, equal values always share
a class and the breaks are strictly increasing.

Values are classed as shown, rounded to `decimals`: two values that print alike are in
one class, and a class's smallest and largest value (`ClassRange`) print as they are
(a class of one value reads "100", never "100 – 100").

Why not `jenkspy`: it classes the raw list, so equal values can fall on both sides of a
break (its breaks are values, a tie then splits), and it would add a compiled dependency
for about forty lines of numpy. The dynamic programme below is Fisher's (1958) exact one
on grouped data, O(k·m²) for m distinct values (m ≤ 1,538 communes: a few ms).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class ClassMethod(StrEnum):
    BANDS = "bands"
    NATURAL = "natural"
    DISTINCT = "distinct"


MAX_CLASSES = 5
MAX_DISTINCT = 6


@dataclass(frozen=True)
class ClassRange:
    """What one class holds: its smallest and largest known value (None: an empty
    band) and how many values."""

    low: float | None
    high: float | None
    count: int


@dataclass(frozen=True)
class Classes:
    # The method applied: `distinct` when natural breaks give one class per value.
    method: ClassMethod
    breaks: tuple[float, ...]  # upper edges of every class but the last, increasing
    ranges: tuple[ClassRange, ...]  # one per class, len(breaks) + 1 (none without values)
    decimals: int = 0

    def index_of(self, value: float | None) -> int | None:
        """The class of `value` (rounded as classed); None for an unknown value."""
        if value is None or not self.ranges:
            return None
        return class_index(round(value, self.decimals), self.breaks)


def class_index(value: float, breaks: Sequence[float]) -> int:
    """The class of `value` with classes closed above: the number of breaks below it."""
    return bisect.bisect_left(breaks, value)


def class_breaks(
    values: Iterable[float | None],
    method: ClassMethod | str,
    *,
    edges: Sequence[float] = (),
    decimals: int = 0,
    max_classes: int = MAX_CLASSES,
    max_distinct: int = MAX_DISTINCT,
) -> Classes:
    """Classes for `values` (None and NaN: unknown, in no class) by `method`; `edges` are
    the fixed bands' upper edges (method `bands`)."""
    method = ClassMethod(method)
    known = [
        round(float(v), decimals) for v in values if v is not None and not math.isnan(float(v))
    ]
    if method is ClassMethod.BANDS:
        breaks = tuple(float(e) for e in edges)
        if not breaks or any(b >= c for b, c in itertools.pairwise(breaks)):
            raise ValueError(f"band edges must be given and strictly increasing: {edges!r}")
        return _classes(method, breaks, known, decimals)
    if max_classes < 1:
        raise ValueError(f"max_classes must be at least 1, not {max_classes}")
    counts = Counter(known)
    distinct = sorted(counts)
    if not distinct:
        return Classes(method, (), (), decimals)
    if len(distinct) <= (max_distinct if method is ClassMethod.DISTINCT else max_classes):
        return _classes(ClassMethod.DISTINCT, tuple(distinct[:-1]), known, decimals)
    weights = [counts[v] for v in distinct]
    uppers = natural_breaks(distinct, weights, max_classes)
    return _classes(ClassMethod.NATURAL, tuple(uppers[:-1]), known, decimals)


def _classes(
    method: ClassMethod, breaks: tuple[float, ...], known: list[float], decimals: int
) -> Classes:
    members: list[list[float]] = [[] for _ in range(len(breaks) + 1)]
    for v in known:
        members[class_index(v, breaks)].append(v)
    ranges = tuple(
        ClassRange(min(m), max(m), len(m)) if m else ClassRange(None, None, 0) for m in members
    )
    if not known and method is not ClassMethod.BANDS:
        ranges = ()
    return Classes(method, breaks, ranges, decimals)


def natural_breaks(distinct: Sequence[float], weights: Sequence[int], k: int) -> list[float]:
    """Fisher–Jenks: the upper value of each of `min(k, len(distinct))` classes that
    minimise the within-class sum of squared deviations, for sorted distinct values each
    held `weights[i]` times. Exact (dynamic programme over all partitions)."""
    x = np.asarray(distinct, dtype=float)
    w = np.asarray(weights, dtype=float)
    m = len(x)
    if m == 0:
        return []
    if np.any(np.diff(x) <= 0):
        raise ValueError("distinct values must be sorted and distinct")
    k = max(1, min(k, m))
    x = x - np.average(x, weights=w)  # centred: the sums of squares lose less precision
    zero = np.zeros(1)
    cw = np.concatenate([zero, np.cumsum(w)])
    c1 = np.concatenate([zero, np.cumsum(w * x)])
    c2 = np.concatenate([zero, np.cumsum(w * x * x)])
    # cost[i, j]: sum of squares of the class holding distinct values i..j (inf if i > j).
    i, j = np.triu_indices(m)
    cost = np.full((m, m), np.inf)
    n = cw[j + 1] - cw[i]
    s = c1[j + 1] - c1[i]
    cost[i, j] = np.maximum(c2[j + 1] - c2[i] - s * s / n, 0.0)
    best = cost[0].copy()  # best[j]: least cost of values 0..j in c classes (c = 1 here)
    start = np.zeros((k, m), dtype=int)  # first value of the last class, per c and j
    for c in range(1, k):
        # the last class starts at i (c ≤ i ≤ j); values 0..i-1 are in c classes
        total = best[:-1, None] + cost[1:, :]  # row r: start i = r + 1
        total[: c - 1, :] = np.inf  # fewer values than classes before the start
        first = np.argmin(total, axis=0)
        best = total[first, np.arange(m)]
        start[c] = first + 1
    uppers: list[float] = []
    end = m - 1
    for c in range(k - 1, -1, -1):
        uppers.append(float(distinct[end]))
        end = start[c, end] - 1
    return uppers[::-1]
