"""Class breaks that never collapse: known answers for natural breaks, distinct values and
fixed bands, on the inputs that made quantile legends read "100 – 100"."""

from __future__ import annotations

import itertools
import random

import pytest

from qurb.algo.classes import (
    Classes,
    ClassMethod,
    ClassRange,
    class_breaks,
    class_index,
    natural_breaks,
)


def assert_sound(c: Classes, values: list[float | None]) -> None:
    """Breaks increase strictly, every class of a data-driven method holds a value, each
    value falls in the class whose range holds it, no range reads "a – a" with a < a."""
    assert all(a < b for a, b in itertools.pairwise(c.breaks))
    assert len(c.ranges) == len(c.breaks) + 1
    known = [v for v in values if v is not None]
    assert sum(r.count for r in c.ranges) == len(known)
    for v in known:
        r = c.ranges[c.index_of(v)]  # type: ignore[index]
        assert r.low is not None and r.high is not None and r.low <= v <= r.high
    if c.method is not ClassMethod.BANDS:
        assert all(r.count > 0 for r in c.ranges)
    # Ranges do not overlap: the classes are ordered and disjoint.
    bounds = [(r.low, r.high) for r in c.ranges if r.low is not None and r.high is not None]
    assert all(h < lo for (_, h), (lo, _) in itertools.pairwise(bounds))


def test_many_equal_values_do_not_collapse_into_one_class() -> None:
    # Most communes share one figure (one health centre for the whole commune).
    values: list[float | None] = [100.0] * 40 + [250.0, 39114.0, 39114.0, None]
    c = class_breaks(values, "natural")
    assert c.method is ClassMethod.DISTINCT  # three distinct values: one class each
    assert c.breaks == (100.0, 250.0)
    assert c.ranges == (
        ClassRange(100.0, 100.0, 40),
        ClassRange(250.0, 250.0, 1),
        ClassRange(39114.0, 39114.0, 2),
    )
    assert [c.index_of(v) for v in (100.0, 250.0, 39114.0, None)] == [0, 1, 2, None]
    assert_sound(c, values)


def test_a_single_value_is_one_class_labelled_by_itself() -> None:
    c = class_breaks([39114.0, 39114.0, 39114.0], "natural")
    assert c.breaks == () and c.ranges == (ClassRange(39114.0, 39114.0, 3),)


def test_natural_breaks_find_the_obvious_groups() -> None:
    values: list[float | None] = [1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 50.0, 51.0, 52.0, 100.0]
    c = class_breaks(values, "natural", max_classes=4)
    assert c.method is ClassMethod.NATURAL
    assert c.breaks == (3.0, 12.0, 52.0)
    assert [(r.low, r.high, r.count) for r in c.ranges] == [
        (1.0, 3.0, 3),
        (10.0, 12.0, 3),
        (50.0, 52.0, 3),
        (100.0, 100.0, 1),
    ]
    assert_sound(c, values)


def test_natural_breaks_weigh_repeated_values_and_keep_them_together() -> None:
    # 0 repeated 30 times, then a spread: the repeated value is one class of its own and
    # never split across a break.
    values: list[float | None] = [0.0] * 30 + [float(v) for v in range(50, 140, 10)]
    c = class_breaks(values, "natural")
    assert c.ranges[0] == ClassRange(0.0, 0.0, 30)
    assert len(c.ranges) == 5
    assert_sound(c, values)


def _brute_force(x: list[float], w: list[int], k: int) -> float:
    best = float("inf")
    for cuts in itertools.combinations(range(1, len(x)), k - 1):
        edges = [0, *cuts, len(x)]
        total = 0.0
        for a, b in itertools.pairwise(edges):
            n = sum(w[a:b])
            mean = sum(wi * xi for wi, xi in zip(w[a:b], x[a:b], strict=True)) / n
            total += sum(wi * (xi - mean) ** 2 for wi, xi in zip(w[a:b], x[a:b], strict=True))
        best = min(best, total)
    return best


def _cost(x: list[float], w: list[int], uppers: list[float]) -> float:
    total, start = 0.0, 0
    for upper in uppers:
        end = x.index(upper) + 1
        n = sum(w[start:end])
        mean = sum(wi * xi for wi, xi in zip(w[start:end], x[start:end], strict=True)) / n
        total += sum(
            wi * (xi - mean) ** 2 for wi, xi in zip(w[start:end], x[start:end], strict=True)
        )
        start = end
    return total


def test_natural_breaks_are_the_exact_optimum() -> None:
    rng = random.Random(16)
    for _ in range(200):
        x = sorted(float(v) for v in rng.sample(range(200), rng.randint(1, 9)))
        w = [rng.randint(1, 5) for _ in x]
        k = rng.randint(1, 5)
        uppers = natural_breaks(x, w, k)
        assert len(uppers) == min(k, len(x)) and uppers[-1] == x[-1]
        assert _cost(x, w, uppers) == pytest.approx(_brute_force(x, w, min(k, len(x))))


def test_never_more_classes_than_distinct_values() -> None:
    c = class_breaks([5.0, 7.0, 5.0, 7.0], "natural", max_classes=5)
    assert len(c.ranges) == 2 and c.breaks == (5.0,)


def test_distinct_gives_one_class_per_value_while_few_then_natural_breaks() -> None:
    few: list[float | None] = [0.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0]  # six values
    c = class_breaks(few, "distinct")
    assert c.method is ClassMethod.DISTINCT and c.breaks == (0.0, 1.0, 2.0, 3.0, 4.0)
    many: list[float | None] = [float(v) for v in range(7)]
    c = class_breaks(many, "distinct")
    assert c.method is ClassMethod.NATURAL and len(c.ranges) == 5
    assert_sound(c, many)


def test_values_are_classed_as_shown() -> None:
    # 6.08 and 6.12 both print as 6.1 with one decimal: one value, one class.
    c = class_breaks([6.08, 6.12, 9.0], "natural", decimals=1)
    assert c.ranges == (ClassRange(6.1, 6.1, 2), ClassRange(9.0, 9.0, 1))
    assert c.index_of(6.08) == c.index_of(6.12) == 0


def test_bands_put_values_on_an_edge_in_the_band_below() -> None:
    values: list[float | None] = [0.0, 30.0, 30.1, 60.0, 61.0, 120.0, 120.5, None]
    c = class_breaks(values, "bands", edges=(30, 60, 120), decimals=1)
    assert c.method is ClassMethod.BANDS and c.breaks == (30.0, 60.0, 120.0)
    # ≤ 30 | 30 – 60 | 60 – 120 | > 120
    assert [c.index_of(v) for v in values] == [0, 0, 1, 1, 2, 2, 3, None]
    assert [r.count for r in c.ranges] == [2, 2, 2, 1]
    assert_sound(c, values)


def test_an_empty_band_is_kept() -> None:
    c = class_breaks([3.0, 4.0, 25.0], "bands", edges=(5, 10, 20))
    assert [r.count for r in c.ranges] == [2, 0, 0, 1]
    assert c.ranges[1] == ClassRange(None, None, 0)


@pytest.mark.parametrize("method", ["natural", "distinct"])
def test_no_known_value_gives_no_class(method: str) -> None:
    for values in ([], [None, None], [float("nan")]):
        c = class_breaks(values, method)
        assert c.breaks == () and c.ranges == () and c.index_of(None) is None


def test_bands_without_known_values_are_all_empty() -> None:
    c = class_breaks([None], "bands", edges=(5, 10))
    assert c.breaks == (5.0, 10.0) and [r.count for r in c.ranges] == [0, 0, 0]


def test_bad_bands_are_refused() -> None:
    for edges in ((), (10, 5), (5, 5)):
        with pytest.raises(ValueError, match="strictly increasing"):
            class_breaks([1.0], "bands", edges=edges)


def test_class_index_is_closed_above() -> None:
    assert [class_index(v, (30.0, 60.0)) for v in (29.9, 30.0, 30.01, 60.0, 61.0)] == [
        0,
        0,
        1,
        1,
        2,
    ]
