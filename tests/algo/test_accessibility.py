"""Population beyond thresholds, catchments and 2SFCA on cases checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qurb.algo.accessibility import (
    MINISTRY_DISTANCE_BANDS_KM,
    AccessError,
    compute_2sfca,
    compute_band,
    compute_catchments,
    compute_distance_band,
    compute_group_access,
    compute_group_distance,
    compute_nearest_by_km,
    distance_band_keys,
    distance_band_labels,
)
from qurb.algo.travel import Points


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


# ---------------------------------------------------------------------------- distance bands


def test_distance_bands_by_hand() -> None:
    # A distance equal to a limit is within it; unreachable (inf, nan) is beyond the last.
    km = np.array([0.4, 5.0, 5.01, 10.0, 12.0, np.inf, np.nan])
    assert list(compute_distance_band(km, [10, 5])) == [0, 0, 1, 1, 2, 2, 2]
    assert distance_band_keys([5, 10]) == ["within_5_km", "5_to_10_km", "beyond_10_km"]
    assert distance_band_labels([5, 10]) == ["≤5 km", "5–10 km", ">10 km"]
    groups = compute_group_distance(
        ["a", "a", "b", "b", "b"],
        np.array([100.0, 200.0, 300.0, np.nan, 500.0]),
        np.array([3.0, 7.5, 11.0, 2.0, np.inf]),
    )
    a, b = groups
    assert (a.population, a.by_band) == (300, (100, 200, 0))
    # b: 300 people at 11 km and 500 who reach nothing are beyond 10 km; the commune with
    # no census figure is in no band, counted apart.
    assert (b.population, b.by_band, b.origins_population_unknown) == (800, (0, 0, 800), 1)
    assert b.share(2) == 1.0 and a.share(0) == pytest.approx(1 / 3)
    with pytest.raises(AccessError, match="distance band limit must be > 0 km"):
        compute_distance_band(km, [0, 5])
    with pytest.raises(AccessError, match="populations"):
        compute_group_distance(["a"], np.array([-1.0]), np.array([1.0]))


def test_nearest_by_km_on_the_three_commune_line() -> None:
    """The tiny line of communes A–B–C of test_commune_graph: an ESSP on A's and on C's
    reference point; each commune's km to the nearest, legs inside the communes included,
    and the Ministry's bands, worked out on paper."""
    from qurb.algo.commune_graph import CommuneGraphModel
    from qurb.algo.commune_graph_inputs import CommuneGraphParameters, commune_points
    from tests.regions import LINE as line
    from tests.regions import STEP_KM as step_km

    # The line of test_commune_graph: 0.1° apart on the meridian 7° W, A urban (4 km²),
    # B rural (100 km², paved road 1 km), C remote (π km², paved road 5 km); here with the
    # bundled detours 1.3/1.3/1.6; 11.1195 km between reference points.
    model = CommuneGraphModel(line, CommuneGraphParameters())
    essp = Points(line.ref_lon[[0, 2]], line.ref_lat[[0, 2]], ("A", "C"))
    found = compute_nearest_by_km(model, commune_points(line), essp, chunk_origins=2)
    # In-commune leg of a commune's population: households' km to a paved road + 0.667 of
    # the equivalent radius sqrt(area / π), on the road (× the terrain's detour).
    a_km = 0 + 0.667 * math.sqrt(4 / math.pi) * 1.3  # A: urban, paved road not given
    b_km = 1.0 + 0.667 * math.sqrt(100 / math.pi) * 1.3  # B: rural
    c_km = 5.0 + 0.667 * 1.0 * 1.6  # C: remote, radius 1 km
    b_to_a = step_km / 2 * (1.3 + 1.3)  # 14.46 km on the edge A–B
    b_to_c = step_km / 2 * (1.3 + 1.6)  # 16.12 km on the edge B–C
    assert found.distance_km == pytest.approx([a_km, b_km + b_to_a, c_km])  # 0.98, 20.3, 6.1
    assert list(found.index) == [0, 0, 1]  # B: A's ESSP is nearer in km than C's
    assert b_km + b_to_a < b_km + b_to_c
    assert list(compute_distance_band(found.distance_km, MINISTRY_DISTANCE_BANDS_KM)) == [0, 2, 1]
    (group,) = compute_group_distance(["line"] * 3, line.population, found.distance_km)
    # A (20,000) within 5 km, C (500) at 5–10 km, B (3,000) beyond 10 km.
    assert group.by_band == (20_000, 500, 3_000)
    assert sum(group.by_band) == line.population.sum()
    # Nothing to reach: index -1, inf km, every origin beyond the last band.
    none = compute_nearest_by_km(model, commune_points(line), essp.take([]))
    assert list(none.index) == [-1, -1, -1] and np.isinf(none.distance_km).all()
