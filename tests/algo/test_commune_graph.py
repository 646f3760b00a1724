"""The commune-graph travel-time model on a three-commune line checked on paper, and its
nearest-facility search against the full matrix on the national data."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from sqlalchemy.orm import Session

from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.commune_graph_inputs import (
    CommuneGraphInputs,
    CommuneGraphParameters,
    Terrain,
    commune_points,
)
from qurb.algo.travel import EARTH_RADIUS_KM, Points, TravelModelError
from qurb.data import read_toml
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.territory.travel import COMMUNE_GRAPH_FILE, commune_graph_model
from tests.regions import LINE, STEP_KM

# The bundled speeds (urban/rural/remote 30/60/35 km/h) with round detour factors for the
# hand computations below.
PARAMS = CommuneGraphParameters(detour_factor=(1.2, 1.2, 1.5))


def test_terrain_classes_follow_the_rules() -> None:
    model = CommuneGraphModel(LINE, PARAMS)
    # A: urban commune; B: 30 inh/km², paved road 1 km → rural; C: road 5 km ≥ 3 → remote.
    assert list(model.terrain) == [Terrain.URBAN, Terrain.RURAL, Terrain.REMOTE]


def test_node_times_and_km_match_the_hand_computation() -> None:
    model = CommuneGraphModel(LINE, PARAMS)
    half = STEP_KM / 2
    # Minutes per great-circle km: detour / speed × 60.
    urban, rural, remote = 1.2 / 30 * 60, 1.2 / 60 * 60, 1.5 / 35 * 60
    ab = half * (urban + rural)  # 20.015 min
    bc = half * (rural + remote)  # 20.968 min
    assert model.node_minutes[0, 1] == pytest.approx(ab)
    assert model.node_minutes[0, 2] == pytest.approx(ab + bc)
    assert model.node_minutes[2, 0] == pytest.approx(ab + bc)  # undirected
    assert model.node_km[0, 2] == pytest.approx(half * (1.2 + 1.2) + half * (1.2 + 1.5))
    # Access inside C: 5 km off-road at 10 km/h (30 min) + 2/3 of a 1 km radius on the road.
    assert model.access_minutes()[2] == pytest.approx(30 + 0.667 * remote)


def test_a_trip_is_origin_leg_plus_path_plus_egress_leg() -> None:
    model = CommuneGraphModel(LINE, PARAMS)
    # From C's population to a facility 2 km north of A's reference point (in A): the
    # facility is joined to A's node (2 km in urban terrain) and to B's, A's neighbour
    # (9.12 km, half urban half rural); the road from C comes by B.
    facility = Points(np.array([-7.0]), np.array([31.0 + 2 / EARTH_RADIUS_KM * 180 / math.pi]))
    matrix = model.compute_matrix(
        commune_points(LINE, ["C"]), Points(facility.lon, facility.lat, ("A",))
    )
    urban, rural = 1.2 / 30 * 60, 1.2 / 60 * 60
    by_b = (STEP_KM - 2) * (urban + rural) / 2  # 16.415 min
    by_a = model.node_minutes[1, 0] + 2 * urban  # 24.815 min from B
    expected = model.access_minutes()[2] + model.node_minutes[2, 1] + min(by_a, by_b)
    assert expected == pytest.approx(31.715 + 20.968 + 16.415, abs=1e-3)
    assert matrix.minutes[0, 0] == pytest.approx(expected, rel=1e-6)
    nearest = model.compute_nearest(
        commune_points(LINE, ["C"]), Points(facility.lon, facility.lat, ("A",))
    )
    assert nearest.minutes[0] == pytest.approx(expected, rel=1e-6)
    assert nearest.distance_km[0] == pytest.approx(matrix.distance_km[0, 0], rel=1e-6)
    # A health centre referring a patient starts on the road: no access term.
    centre = Points(LINE.ref_lon[2:], LINE.ref_lat[2:], ("C",), is_population=False)
    referral = model.compute_matrix(centre, Points(facility.lon, facility.lat, ("A",)))
    assert referral.minutes[0, 0] == pytest.approx(expected - model.access_minutes()[2], rel=1e-6)


def test_a_transit_edge_cuts_the_corner_of_a_commune() -> None:
    # A and C both border B, whose reference point lies 0.1° east of the line A–C: the
    # road from A to C crosses B without going by its reference point.
    corner = CommuneGraphInputs(
        codes=("A", "B", "C"),
        ref_lon=np.array([-7.0, -6.9, -7.0]),
        ref_lat=np.array([31.0, 31.1, 31.2]),
        area_km2=np.array([100.0, 100.0, 100.0]),
        population=np.array([3_000.0, 3_000.0, 3_000.0]),
        urban=np.array([False, False, False]),
        paved_road_km=np.array([1.0, 1.0, 1.0]),
        adjacency=(("A", "B"), ("B", "C")),
    )
    rural = 1.2 / 60 * 60  # min per great-circle km
    straight = CommuneGraphModel(corner, PARAMS)
    assert straight.node_minutes[0, 2] == pytest.approx(2 * STEP_KM * rural, rel=1e-6)
    assert straight.node_km[0, 2] == pytest.approx(2 * STEP_KM * 1.2, rel=1e-6)
    by_b = CommuneGraphModel(corner, replace(PARAMS, transit_hops=1))
    assert by_b.node_minutes[0, 2] > 1.3 * straight.node_minutes[0, 2]


def test_a_commune_with_k_facilities_reaches_the_nearest_inside() -> None:
    model = CommuneGraphModel(LINE, PARAMS)
    # B (100 km², rural, households 1 km from a paved road) holds 4 centres.
    four = Points(np.repeat(LINE.ref_lon[1], 4), np.repeat(LINE.ref_lat[1], 4), ("B",) * 4)
    rural = 1.2 / 60 * 60
    radius_km = math.sqrt(100 / math.pi)  # 5.642 km
    inside = 1 / 10 * 60 + 0.667 * radius_km / 2 * rural  # 6 + 3.763 min
    nearest = model.compute_nearest(commune_points(LINE, ["B"]), four)
    assert nearest.minutes[0] == pytest.approx(inside, rel=1e-6)
    assert nearest.distance_km[0] == pytest.approx(1 + 0.667 * radius_km / 2 * 1.2, rel=1e-6)
    # With one centre it is the access term, as before: 6 + 7.526 min.
    at_b = Points(LINE.ref_lon[1:2], LINE.ref_lat[1:2], ("B",))
    one = model.compute_nearest(commune_points(LINE, ["B"]), at_b)
    assert one.minutes[0] == pytest.approx(model.access_minutes()[1], rel=1e-6)
    matrix = model.compute_matrix(commune_points(LINE), four)
    assert matrix.minutes[1] == pytest.approx(np.full(4, inside), rel=1e-6)
    assert matrix.minutes.min(axis=1) == pytest.approx(
        model.compute_nearest(commune_points(LINE), four).minutes, rel=1e-9
    )


def test_sparse_open_country_is_not_remote() -> None:
    # 400 people on 100 km² (4 /km²) living 5 km from a paved road: desert or steppe.
    sparse = replace(
        LINE,
        population=np.array([20_000.0, 400.0, 500.0]),
        paved_road_km=np.array([np.nan, 5.0, 5.0]),
    )
    assert list(CommuneGraphModel(sparse, PARAMS).terrain) == [
        Terrain.URBAN,
        Terrain.RURAL,  # open country: rural speed; its 5 km count in the access term
        Terrain.REMOTE,  # 500 on π km² = 159 /km², 5 km from a paved road: mountain
    ]


def test_nearest_respects_the_cutoff() -> None:
    model = CommuneGraphModel(LINE, PARAMS)
    origins = commune_points(LINE)
    at_a = Points(LINE.ref_lon[:1], LINE.ref_lat[:1], ("A",))
    nearest = model.compute_nearest(origins, at_a)
    assert list(nearest.index) == [0, 0, 0]
    cut = model.compute_nearest(origins, at_a, cutoff_minutes=45)
    # A: its own access term; B: access + 20 min ≤ 45; C: 30 + 1.7 + 41 > 45.
    assert list(cut.index) == [0, 0, -1]
    assert math.isinf(cut.minutes[2]) and math.isinf(cut.distance_km[2])
    with pytest.raises(TravelModelError, match="positive number of minutes"):
        model.compute_nearest(origins, at_a, cutoff_minutes=0)


def test_points_without_commune_go_to_the_nearest_reference_point() -> None:
    model = CommuneGraphModel(LINE, PARAMS)
    near_b = Points(np.array([-7.01]), np.array([31.09]))
    assert list(model.node_of(near_b)) == [1]
    with pytest.raises(TravelModelError, match="not a node"):
        model.node_of(Points(np.array([-7.0]), np.array([31.0]), ("Z",)))


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"speed_kph": {"rural": 0}}, "speed_kph.rural must be > 0"),
        ({"detour_factor": {"urban": 0.9}}, "detour_factor.urban must be ≥ 1"),
        ({"speed_kph": {"desert": 40}}, "unknown terrain"),
        ({"access": {"offroad_speed_kph": "fast"}}, "access.offroad_speed_kph must be a number"),
        ({"terrain": 3}, r"\[terrain\] must be a table"),
        ({"graph": {"transit_hops": 2.5}}, "graph.transit_hops must be a whole number"),
        ({"terrain": {"remote_density_per_km2": 10}}, r"\[terrain\] has unknown key"),
        ({"graph": {"transit_hops": 9}}, "graph.transit_hops must be a whole number from 1 to 4"),
    ],
)
def test_bad_parameters_name_the_key(mapping: dict, message: str) -> None:
    with pytest.raises(TravelModelError, match=message) as caught:
        CommuneGraphParameters.from_mapping(mapping, source="my.toml")
    assert str(caught.value).startswith("my.toml")


def test_the_bundled_file_holds_the_documented_defaults() -> None:
    from_file = CommuneGraphParameters.from_mapping(read_toml(COMMUNE_GRAPH_FILE))
    assert from_file == CommuneGraphParameters()
    assert CommuneGraphParameters.from_mapping(from_file.to_mapping()) == from_file


def test_nearest_tree_equals_the_full_matrix_nationally(national_session: Session) -> None:
    model = commune_graph_model(national_session)
    destinations = read_destinations(national_session, FacilitySelector(levels=("secondary",)))
    origins = commune_points(model.inputs)
    nearest = model.compute_nearest(origins, destinations.points)
    matrix = model.compute_matrix(origins, destinations.points)
    assert nearest.minutes == pytest.approx(matrix.minutes.min(axis=1), abs=1e-6)
    rows = np.arange(len(origins))
    assert nearest.distance_km == pytest.approx(matrix.distance_km[rows, nearest.index], abs=1e-6)
    # The bundled adjacency graph is connected: every commune reaches a hospital.
    assert np.isfinite(nearest.minutes).all()
