"""Population beyond thresholds, catchments and 2SFCA on cases checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qurb.analytics.accessibility import (
    AccessError,
    compute_2sfca,
    compute_band,
    compute_catchments,
    compute_group_access,
)


def test_bands_and_beyond() -> None:
    minutes = np.array([10.0, 30.0, 45.0, 130.0, np.inf])
    assert compute_band(minutes, [60, 30, 120]) == ["≤30", "≤30", "30–60", ">120", ">120"]
    groups = compute_group_access(
        ["a", "a", "b", "b", "b"], np.array([100, 200, 300, 400, 500]), minutes, [30, 60, 120]
    )
    a, b = groups
    assert (a.group, a.population, a.beyond) == ("a", 300, {30.0: 0, 60.0: 0, 120.0: 0})
    # b: 45 min is beyond 30; 130 min and unreachable are beyond all three.
    assert b.beyond == {30.0: 1200, 60.0: 900, 120.0: 900}
    assert b.unreachable_population == 500
    assert b.mean_minutes == pytest.approx((300 * 45 + 400 * 130) / 700)
    assert a.share_beyond(30.0) == 0


@pytest.mark.parametrize("bad", [[0], [-5, 30], [float("nan")], []])
def test_thresholds_must_be_positive(bad: list[float]) -> None:
    with pytest.raises(AccessError, match="threshold"):
        compute_band(np.array([1.0]), bad)


def test_catchments_sum_population_per_facility() -> None:
    result = compute_catchments(
        np.array([0, 1, 1, -1]),
        np.array([10, 20, 30, 40]),
        3,
        capacity=np.array([np.nan, 25.0, 0.0]),
    )
    assert list(result.population) == [10, 50, 0]
    assert list(result.origins) == [1, 2, 0]
    assert result.unassigned_population == 40
    # Capacity unknown (nan) or 0 gives no ratio; facility 1: 50 people for 25 beds.
    assert np.isnan(result.population_per_capacity[0]) and np.isnan(
        result.population_per_capacity[2]
    )
    assert result.population_per_capacity[1] == 2.0


def test_2sfca_by_hand() -> None:
    # Two villages (100 and 300 people), two centres; catchment 30 min.
    minutes = np.array([[10.0, 50.0], [20.0, 10.0]])
    result = compute_2sfca(np.array([100.0, 300.0]), np.array([1.0, 1.0]), minutes, 30)
    # Centre 0 reaches both villages (400 people), centre 1 only the second (300).
    assert result.supply_ratio == pytest.approx([1 / 400, 1 / 300])
    assert result.accessibility == pytest.approx([1 / 400, 1 / 400 + 1 / 300])
    with pytest.raises(AccessError, match="catchment"):
        compute_2sfca(np.array([1.0]), np.array([1.0]), np.zeros((1, 1)), 0)
    with pytest.raises(AccessError, match="decay"):
        compute_2sfca(np.array([1.0]), np.array([1.0]), np.zeros((1, 1)), 30, decay="linear")


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 8),
    st.integers(1, 6),
    st.integers(0, 2**31 - 1),
    st.sampled_from(["step", "gaussian"]),
)
def test_2sfca_shares_out_all_supply_that_someone_reaches(
    n: int, m: int, seed: int, decay: str
) -> None:
    rng = np.random.default_rng(seed)
    population = rng.uniform(1, 1000, n)
    supply = rng.uniform(0.5, 3, m)
    minutes = rng.uniform(0, 90, (n, m))
    result = compute_2sfca(population, supply, minutes, 45, decay)
    reached = (minutes <= 45).any(axis=0)
    # Σ_i A_i P_i = Σ_j S_j over facilities that someone reaches (step and Gaussian alike).
    assert (result.accessibility * population).sum() == pytest.approx(supply[reached].sum())
