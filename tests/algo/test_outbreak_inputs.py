"""Outbreak detection: what it refuses, each with its code and the row or week at fault,
and small answers worked by hand."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qurb.algo.outbreak.cusum import CusumParams, cusum
from qurb.algo.outbreak.earsc import EarsParams, ears_c
from qurb.algo.outbreak.farrington import FlexibleParams, farrington_flexible
from qurb.algo.outbreak.glm import farrington_weights, fit_quasi_poisson
from qurb.algo.outbreak.methods import detect, parameters
from qurb.algo.outbreak.reference import _years_before
from qurb.algo.outbreak.series import last_weeks, series_from
from qurb.kernel.errors import InputError
from qurb.kernel.i18n import say_in

MONDAY = date(2024, 1, 1)


def _dated(count: int) -> list[date]:
    return [MONDAY + timedelta(weeks=i) for i in range(count)]


def _codes(error: InputError) -> list[tuple[int | None, str]]:
    return [(problem.row, problem.code) for problem in error.errors]


def test_counts_that_are_not_whole_or_are_negative_are_named_by_row() -> None:
    with pytest.raises(InputError) as caught:
        series_from([1, 2.5, -1, "3", True, 4.0, None, float("nan")])
    assert _codes(caught.value) == [
        (2, "outbreak_count_not_whole"),
        (3, "outbreak_count_negative"),
        (4, "outbreak_count_not_whole"),
        (5, "outbreak_count_not_whole"),
    ]
    assert "(got 2.5)" in caught.value.errors[0].rendered(say_in("en"))
    assert "nombre entier" in caught.value.errors[0].rendered(say_in("fr"))


def test_unknown_counts_are_kept_as_none() -> None:
    series = series_from([1, None, 4.0, float("nan")])
    assert series.counts == (1, None, 4, None)
    assert series.weeks == (1, 2, 3, 4)


def test_unsorted_repeated_and_missing_weeks_are_refused() -> None:
    weeks = _dated(6)
    weeks[2], weeks[3] = weeks[3], weeks[2]  # unsorted
    with pytest.raises(InputError) as caught:
        series_from([1] * 6, weeks)
    assert [code for _, code in _codes(caught.value)] == [
        "outbreak_week_gap",
        "outbreak_week_unsorted",
        "outbreak_week_gap",
    ]
    with pytest.raises(InputError) as caught:
        series_from([1, 1, 1], [MONDAY, MONDAY, MONDAY + timedelta(weeks=1)])
    assert _codes(caught.value) == [(2, "outbreak_week_repeated")]
    with pytest.raises(InputError) as caught:
        series_from([1, 1, 1], [1, 2, 4])
    assert _codes(caught.value) == [(3, "outbreak_week_gap")]
    assert caught.value.errors[0].values == {"week": "4", "before": "2"}
    with pytest.raises(InputError) as caught:
        series_from([1, 1], [MONDAY, MONDAY + timedelta(days=6)])  # not one week later
    assert _codes(caught.value) == [(2, "outbreak_week_gap")]
    with pytest.raises(InputError) as caught:
        series_from([1, 1], [MONDAY])
    assert caught.value.code == "outbreak_weeks_count"


def test_a_series_too_short_for_b_names_the_missing_reference_weeks() -> None:
    series = series_from([1] * 200, _dated(200))  # under 4 years
    with pytest.raises(InputError) as caught:
        farrington_flexible(series, last_weeks(series, 1), FlexibleParams(b=5))
    error = caught.value
    assert error.code == "outbreak_reference_missing"
    assert error.values["week"] == "2027-10-25"
    assert error.values["missing"] == "2023-10-23, 2022-10-24"  # 4 and 5 years back
    assert "decrease b" in str(error)
    undated = series_from([1] * 200)
    with pytest.raises(InputError) as caught:
        detect(undated, "farrington", last_weeks(undated, 1), {"b": 5})
    assert caught.value.code == "outbreak_reference_weeks_missing"
    assert caught.value.values == {"week": "200", "count": 14, "total": 35, "b": 5}


def test_a_series_too_short_is_refused_by_ears_and_cusum() -> None:
    series = series_from([1, 2, 3, 4, 5, 6, 7, 8])
    with pytest.raises(InputError) as caught:
        ears_c(series, range(5, 8), EarsParams(method="C1"))
    assert caught.value.code == "outbreak_reference_weeks_missing"
    with pytest.raises(InputError) as caught:
        cusum(series, range(0, 8), CusumParams())
    assert caught.value.code == "outbreak_reference_weeks_missing"


def test_unknown_method_parameter_threshold_and_transform() -> None:
    series = series_from(list(range(20)))
    with pytest.raises(InputError) as caught:
        detect(series, "glrnb", range(10, 20))
    assert caught.value.code == "outbreak_unknown_method"
    with pytest.raises(InputError) as caught:
        detect(series, "cusum", range(10, 20), {"b": 3})
    assert caught.value.code == "outbreak_unknown_parameter"
    assert caught.value.values["choices"] == "k, h, trans"
    with pytest.raises(InputError) as caught:
        detect(series, "cusum", range(10, 20), {"trans": "rossi"})
    assert caught.value.code == "outbreak_unknown_transform"
    with pytest.raises(InputError) as caught:
        detect(series, "farrington-flexible", range(10, 20), {"threshold_method": "exact"})
    assert caught.value.code == "outbreak_unknown_threshold_method"
    with pytest.raises(InputError) as caught:
        detect(series, "ears-c1", range(10, 20), {"baseline": 2})
    assert caught.value.code == "outbreak_baseline_too_short"
    assert "noufaily" in str(
        InputError(code="outbreak_unknown_method", values={"got": "x", "choices": "noufaily"})
    )
    assert parameters("ears-c2") == ("baseline", "alpha", "min_sigma")


def test_ears_c1_worked_by_hand() -> None:
    """Baseline 2, 4, 6, 8, 10, 12, 14: mean 8, sd √(112/6); C1 alpha 0.001: z 3.0902."""
    series = series_from([2, 4, 6, 8, 10, 12, 14, 30])
    detection = ears_c(series, range(7, 8), EarsParams(method="C1"))
    sd = (112 / 6) ** 0.5
    assert detection.upperbound[0] == pytest.approx(8 + 3.090232306167813 * sd, rel=1e-12)
    assert detection.alarm == (True,)  # 30 > 21.35


def test_cusum_worked_by_hand() -> None:
    """m = 4 (the mean of 2, 6, 4, 4); standard: (x - 4) / 2 - 1.04 summed, never reset."""
    series = series_from([2, 6, 4, 4, 10, 10, 4])
    detection = cusum(series, range(4, 7), CusumParams(k=1.04, h=2.26))
    # S: max(0, 3 - 1.04) = 1.96; 1.96 + 1.96 = 3.92 >= 2.26; 3.92 + 0 - 1.04 = 2.88
    assert detection.alarm == (False, True, True)
    # bound: ceil(2 (2.26 + 1.04 - S_before) + 4): S_before 0, 1.96, 3.92
    assert detection.upperbound == (11.0, 7.0, 3.0)  # ceil(2.76)
    assert detection.expected == (4.0, 4.0, 4.0)


def test_reweighting_weights_and_a_fit_by_hand() -> None:
    """Residuals above the threshold weigh s⁻², the others 1, all scaled to average 1;
    an intercept-only Poisson fit is the mean."""
    weights = farrington_weights(np.array([0.5, 2.0, 4.0]), 1.0)
    gamma = 3 / (1 + 1 / 4 + 1 / 16)
    assert list(weights) == pytest.approx([gamma, gamma / 4, gamma / 16])

    fit = fit_quasi_poisson(np.ones((4, 1)), np.array([1.0, 2.0, 3.0, 6.0]))
    assert fit.converged
    assert np.exp(fit.coefficients[0]) == pytest.approx(3.0, rel=1e-10)
    # Pearson dispersion: ((1-3)² + (2-3)² + 0 + (6-3)²) / 3 / 3
    assert fit.dispersion() == pytest.approx(14 / 9, rel=1e-6)


def test_r_rolls_29_february_to_1_march() -> None:
    assert _years_before(date(1996, 2, 29), 1) == date(1995, 3, 1)
    assert _years_before(date(1996, 2, 29), 4) == date(1992, 2, 29)


def test_reference_weeks_by_date_across_an_iso_53_week_year() -> None:
    """2020 has an ISO week 53: R's answers for the week of Monday 2021-01-04 (a weekly
    series from Monday 2015-01-05), by algo.farrington.referencetimepoints with b = 5 and
    refvalIdxByDate with b = 2, w = 1 (R's 1-based indices 261-263 and 209-211)."""
    from qurb.algo.outbreak.reference import classic_reference_weeks, reference_points

    weeks = [date(2015, 1, 5) + timedelta(weeks=i) for i in range(401)]
    series = series_from([1] * 401, weeks)
    position = weeks.index(date(2021, 1, 4))
    found = [weeks[p] for p in reference_points(series, position, 5)]
    assert found == [
        date(2021, 1, 4),
        date(2020, 1, 6),
        date(2019, 1, 7),
        date(2018, 1, 1),
        date(2017, 1, 2),
        date(2016, 1, 4),
    ]
    assert [p + 1 for p in classic_reference_weeks(series, position, 2, 1)] == [
        261, 262, 263, 209, 210, 211,
    ]  # fmt: skip
    # R takes the nearest same weekday to the same date, not the same ISO week number:
    # 2021-01-04 is week 1 of 2021, the reference 2020-01-06 week 2 of 2020 (2020 has 53).
    assert date(2021, 1, 4).isocalendar()[:2] == (2021, 1)
    assert date(2020, 1, 6).isocalendar()[:2] == (2020, 2)
    assert date(2020, 12, 28).isocalendar()[:2] == (2020, 53)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=60, max_size=60))
def test_flexible_alarms_follow_the_5_cases_in_4_weeks_rule(recent: list[int]) -> None:
    """Whatever the last weeks hold: no upper bound (R's NA) without 5 cases in the last
    4 weeks, and an alarm only above the bound with at least one case; the same answer
    twice (nothing is random)."""
    counts = [2, 3, 1, 4, 2, 0, 3, 2] * 20 + recent
    series = series_from(counts)
    evaluated = range(len(counts) - 4, len(counts))
    first = farrington_flexible(series, evaluated, FlexibleParams(b=3))
    assert first == farrington_flexible(series, evaluated, FlexibleParams(b=3))
    for position, upper, alarm in zip(evaluated, first.upperbound, first.alarm, strict=True):
        enough = sum(counts[position - 3 : position + 1]) >= 5
        assert (upper is not None) is enough
        assert alarm is (enough and upper is not None and counts[position] > upper)


def test_a_series_with_nearly_every_count_unknown_is_refused() -> None:
    series = series_from([None] * 200 + [3])
    with pytest.raises(InputError) as caught:
        farrington_flexible(series, range(200, 201), FlexibleParams(b=3))
    assert caught.value.code == "outbreak_unknown_counts"
