"""Read the routable ways of an OpenStreetMap `.osm.pbf` extract into plain arrays.

`read_road_ways(path)` streams the file once with pyosmium (node locations cached in
memory), keeps every way with a `highway` tag that a mode could route on, and returns a
`RoadWays` (node ids and coordinates per way, `highway`, `surface`, one-way rule, numeric
`maxspeed`, and whether access tags close the way to cars or to pedestrians). Which classes
each mode uses, and at what speed, is `SpeedProfile`'s business, not this module's.

Every failure is a `NetworkInputError` naming the file and the reason: missing file, not a
PBF, unreadable, or an extract without a single routable way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import osmium

from qurb.algo.roadgraph import RoadWays
from qurb.kernel.errors import QurbError


class NetworkInputError(QurbError):
    """An OSM extract that cannot be read into a road network (names the file, says why)."""


# `highway` values that are never routable ways (not built, not a way, or an area).
NOT_ROUTABLE = frozenset(
    {
        "abandoned",
        "construction",
        "disused",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "rest_area",
        "services",
        "bus_stop",
        "elevator",
        "emergency_bay",
        "crossing",
    }
)
CLOSED = frozenset({"no", "private"})  # access values that close a way to the public
CAR_ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")  # most specific first
FOOT_ACCESS_KEYS = ("foot", "access")
# `oneway` values: along the way, against it, both ways.
ONEWAY_FORWARD = frozenset({"yes", "1", "true"})
ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
ONEWAY_BOTH = frozenset({"no", "0", "false"})
# A roundabout is one-way along the way; so is a motorway (implied oneway=yes, OSM wiki and
# OSRM's car profile). "reversible"/"alternating" ways are taken as two-way (rare).
IMPLIED_ONEWAY_JUNCTIONS = frozenset({"roundabout", "circular"})
IMPLIED_ONEWAY_HIGHWAYS = frozenset({"motorway"})
KPH_PER_MPH = 1.609344
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def parse_maxspeed_kph(value: str | None) -> float:
    """A `maxspeed` tag in km/h: "50", "50 km/h", "30 mph", "50;70" (the lowest); NaN for
    anything else ("none", "walk", "MA:urban"…), which leaves the class speed alone."""
    if not value:
        return math.nan
    speeds = []
    for part in value.split(";"):
        match = _NUMBER.match(part)
        if match is None:
            return math.nan
        number = float(match.group(1))
        speeds.append(number * KPH_PER_MPH if match.group(2) == "mph" else number)
    return min(speeds) if speeds else math.nan


def parse_oneway(highway: str, oneway: str | None, junction: str | None) -> int:
    """1 along the way, -1 against it, 0 both ways (see the constants above)."""
    if oneway in ONEWAY_FORWARD:
        return 1
    if oneway in ONEWAY_BACKWARD:
        return -1
    if oneway in ONEWAY_BOTH:
        return 0
    if junction in IMPLIED_ONEWAY_JUNCTIONS or highway in IMPLIED_ONEWAY_HIGHWAYS:
        return 1
    return 0


def is_open(tags: osmium.osm.TagList, keys: tuple[str, ...]) -> bool:
    """Whether the most specific access tag present leaves the way open ("no"/"private",
    also as one of several values, close it)."""
    for key in keys:
        value = tags.get(key)
        if value is not None:
            return not (CLOSED & set(value.split(";")))
    return True


def read_road_ways(path: Path, progress: Callable[[str], None] | None = None) -> RoadWays:
    """The routable ways of the extract at `path` (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise NetworkInputError(code="no_such_file", values={"path": str(path)})
    if not path.name.lower().endswith(".pbf"):
        raise NetworkInputError(code="not_a_pbf_name", values={"path": str(path)})
    with path.open("rb") as handle:
        head = handle.read(16)
    # A PBF starts with the 4-byte length of a BlobHeader, whose first field is "OSMHeader".
    if head[4:15] != b"\x0a\x09OSMHeader":
        raise NetworkInputError(code="not_a_pbf", values={"path": str(path)})

    way_ids: list[int] = []
    counts: list[int] = []
    node_ids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    highways: list[str] = []
    surfaces: list[str] = []
    oneways: list[int] = []
    maxspeeds: list[float] = []
    car: list[bool] = []
    foot: list[bool] = []
    missing_locations = 0
    try:
        processor = (
            osmium.FileProcessor(osmium.io.File(str(path), "pbf"), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            if not isinstance(way, osmium.osm.Way):  # the filters pass ways only
                continue
            tags = way.tags
            highway = tags.get("highway")
            if not highway or highway in NOT_ROUTABLE or tags.get("area") == "yes":
                continue
            n_before = len(node_ids)
            for node in way.nodes:
                location = node.location
                # A clipped extract lacks some nodes of its border ways: keep the rest.
                if not location.valid():
                    missing_locations += 1
                    continue
                node_ids.append(node.ref)
                lons.append(location.lon)
                lats.append(location.lat)
            n_nodes = len(node_ids) - n_before
            if n_nodes < 2:
                del node_ids[n_before:], lons[n_before:], lats[n_before:]
                continue
            way_ids.append(way.id)
            counts.append(n_nodes)
            highways.append(highway)
            surfaces.append(tags.get("surface") or "")
            oneways.append(parse_oneway(highway, tags.get("oneway"), tags.get("junction")))
            maxspeeds.append(parse_maxspeed_kph(tags.get("maxspeed")))
            car.append(is_open(tags, CAR_ACCESS_KEYS))
            foot.append(is_open(tags, FOOT_ACCESS_KEYS))
            if progress is not None and len(way_ids) % 100_000 == 0:
                progress(f"Reading {path.name}: {len(way_ids):,} ways")
    except RuntimeError as error:
        values = {"path": str(path), "detail": str(error)}
        raise NetworkInputError(code="unreadable_pbf", values=values) from None
    if not way_ids:
        raise NetworkInputError(code="no_routable_way", values={"path": str(path)})
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return RoadWays(
        way_id=np.array(way_ids, dtype=np.int64),
        offsets=offsets,
        node_id=np.array(node_ids, dtype=np.int64),
        lon=np.array(lons, dtype=np.float64),
        lat=np.array(lats, dtype=np.float64),
        highway=np.array(highways, dtype=str),
        surface=np.array(surfaces, dtype=str),
        oneway=np.array(oneways, dtype=np.int8),
        maxspeed_kph=np.array(maxspeeds, dtype=np.float64),
        car_access=np.array(car, dtype=bool),
        foot_access=np.array(foot, dtype=bool),
    )
