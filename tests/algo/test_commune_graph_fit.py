"""Fitting the commune-graph parameters recovers the ones that generated the trips."""

from __future__ import annotations

import numpy as np
import pytest

from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.commune_graph_fit import Trips, fit_commune_graph, predict_trips
from qurb.algo.commune_graph_inputs import (
    CommuneGraphInputs,
    CommuneGraphParameters,
    commune_points,
)
from qurb.algo.travel import TravelModelError


def grid_inputs(side: int = 6) -> CommuneGraphInputs:
    """A side × side grid of communes 0.1° apart, rook adjacency; a mix of terrains."""
    rng = np.random.default_rng(7)
    codes = tuple(f"C{r}{c}" for r in range(side) for c in range(side))
    lon = np.array([-6.0 + 0.1 * c for r in range(side) for c in range(side)])
    lat = np.array([33.0 + 0.1 * r for r in range(side) for c in range(side)])
    n = side * side
    urban = np.zeros(n, bool)
    urban[[0, 7, 14]] = True
    paved = rng.uniform(0.2, 2.5, n)
    paved[rng.choice(n, 8, replace=False)] = 6.0  # remote communes
    adjacency = []
    for r in range(side):
        for c in range(side):
            if c + 1 < side:
                adjacency.append((codes[r * side + c], codes[r * side + c + 1]))
            if r + 1 < side:
                adjacency.append((codes[r * side + c], codes[(r + 1) * side + c]))
    return CommuneGraphInputs(
        codes=codes,
        ref_lon=lon,
        ref_lat=lat,
        area_km2=rng.uniform(20, 150, n),
        population=rng.uniform(1_000, 9_000, n),
        urban=urban,
        paved_road_km=np.where(urban, np.nan, paved),
        adjacency=tuple(adjacency),
    )


TRUE = CommuneGraphParameters(
    speed_kph=(22.0, 72.0, 28.0), detour_factor=(1.25, 1.3, 1.8), offroad_speed_kph=7.0
)


def observed(inputs: CommuneGraphInputs, minutes: bool = True, km: bool = True) -> Trips:
    model = CommuneGraphModel(inputs, TRUE)
    rng = np.random.default_rng(3)
    origin = rng.choice(len(inputs.codes), 80)
    dest = rng.choice(len(inputs.codes), 80)
    destinations = commune_points(inputs, [inputs.codes[i] for i in dest])
    trips = Trips(tuple(inputs.codes[i] for i in origin), destinations, np.zeros(80), np.zeros(80))
    m, k = predict_trips(model, trips)
    return Trips(
        trips.origin_commune,
        destinations,
        m if minutes else np.full(80, np.nan),
        k if km else np.full(80, np.nan),
    )


def test_fit_recovers_the_generating_parameters() -> None:
    inputs = grid_inputs()
    result = fit_commune_graph(inputs, CommuneGraphParameters(), observed(inputs))
    assert result.before.rmse_minutes is not None and result.before.rmse_minutes > 1.0
    assert result.after.rmse_minutes == pytest.approx(0.0, abs=0.05)
    assert result.after.rmse_km == pytest.approx(0.0, abs=0.05)
    assert result.params.speed_kph == pytest.approx(TRUE.speed_kph, rel=0.02)
    assert result.params.detour_factor == pytest.approx(TRUE.detour_factor, rel=0.02)
    assert result.params.offroad_speed_kph == pytest.approx(TRUE.offroad_speed_kph, rel=0.02)


def test_km_alone_fit_only_the_detour_factors() -> None:
    inputs = grid_inputs()
    result = fit_commune_graph(inputs, CommuneGraphParameters(), observed(inputs, minutes=False))
    assert set(result.values_before) == {f"detour_factor.{t}" for t in ("urban", "rural", "remote")}
    assert result.params.speed_kph == CommuneGraphParameters().speed_kph
    assert result.after.rmse_km is not None and result.after.rmse_km < result.before.rmse_km


def test_parameters_no_trip_depends_on_are_reported_and_kept() -> None:
    inputs = grid_inputs()
    # Three trips inside the urban commune C00: nothing remote or rural is crossed.
    here = commune_points(inputs, ["C00"] * 3)
    blank = Trips(("C00",) * 3, here, np.zeros(3), np.full(3, np.nan))
    minutes, _ = predict_trips(CommuneGraphModel(inputs, TRUE), blank)
    result = fit_commune_graph(
        inputs,
        CommuneGraphParameters(),
        Trips(blank.origin_commune, here, minutes, blank.distance_km),
    )
    assert {"speed_kph.remote", "speed_kph.rural", "detour_factor.remote"} <= set(result.uninformed)
    assert result.params.speed_kph[2] == CommuneGraphParameters().speed_kph[2]
    assert result.after.rmse_minutes == pytest.approx(0.0, abs=0.01)


def test_bad_observations_are_refused() -> None:
    inputs = grid_inputs()
    trips = observed(inputs)
    negative = Trips(trips.origin_commune, trips.destination, -trips.minutes, trips.distance_km)
    with pytest.raises(TravelModelError, match="≥ 0"):
        fit_commune_graph(inputs, CommuneGraphParameters(), negative)
    with pytest.raises(TravelModelError, match="cannot fit"):
        fit_commune_graph(inputs, CommuneGraphParameters(), trips, ["speed_kph.lunar"])
