"""Road networks as a use case: build one from an OSM extract, load it, read query points.

- `build_network(pbf_path, out_dir)`: read the extract (`access.osm_pbf`), build the
  driving and walking graphs (`algo.roadgraph`) with the bundled speeds or a user's
  file, and save them in `out_dir` (`network.json` + `<mode>.npz`: `save_road_network`);
- `load_network(directory, mode)`: the saved network as a `RoadNetworkModel`
  (`load_road_network`, `read_network_summary`);
- `read_points(path)`: a CSV/XLSX/GeoJSON file of points (lon, lat, optional label).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from qurb.access.osm_pbf import NetworkInputError, read_road_ways
from qurb.algo.road_network import NETWORK_FORMAT, NETWORK_JSON, RoadNetwork, RoadNetworkModel
from qurb.algo.roadgraph import (
    DEFAULT_MAX_SNAP_KM,
    MODES,
    RoadGraph,
    SpeedProfile,
    build_road_graph,
)
from qurb.algo.travel import Points, TravelModelError
from qurb.data import PACKAGE_DIR, read_toml
from qurb.kernel.clock import now
from qurb.kernel.errors import InputError
from qurb.kernel.rows import too_many, validate_rows
from qurb.platform.files import InputFileError, Number, OptionalText, read_records, sha256_of

SPEEDS_FILE = PACKAGE_DIR / "network_speeds.toml"
LABEL_COLUMNS = ("label", "name", "id", "code")  # the first present names each point


class PointsInputError(InputError):
    """A points file whose rows cannot be read as lon/lat (names the file and line)."""


@dataclass(frozen=True)
class ModeCounts:
    nodes: int
    edges: int
    dropped_nodes: int  # outside the largest connected component
    km: float  # total length of the kept road pieces


@dataclass(frozen=True)
class NetworkReport:
    directory: Path
    source_file: str
    source_sha256: str
    ways_read: int
    modes: dict[str, ModeCounts]
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    built_at: str


def read_speed_profile(path: Path | None = None) -> SpeedProfile:
    """The bundled speeds, or the user's TOML file at `path` (which replaces them whole)."""
    path = SPEEDS_FILE if path is None else Path(path)
    if not path.is_file():
        raise NetworkInputError(code="no_speeds_file", values={"path": str(path)})
    try:
        config = read_toml(path)
    except (UnicodeDecodeError, ValueError) as error:  # tomllib.TOMLDecodeError is a ValueError
        values = {"path": str(path), "detail": str(error)}
        raise NetworkInputError(code="invalid_toml_file", values=values) from None
    return SpeedProfile.from_mapping(config, origin=str(path))


def build_network(
    pbf_path: Path,
    out_dir: Path,
    speeds_path: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> NetworkReport:
    """Build the driving and walking graphs of an extract and save them in `out_dir`."""
    pbf_path = Path(pbf_path)
    say = progress or (lambda _message: None)
    profile = read_speed_profile(speeds_path)
    say(f"Reading {pbf_path.name}…")
    ways = read_road_ways(pbf_path, progress=say)
    graphs = {}
    for mode in MODES:
        say(f"Building the {mode} graph from {len(ways):,} ways…")
        graphs[mode] = build_road_graph(ways, profile, mode)
    if all(g.n_nodes == 0 for g in graphs.values()):
        values = {"path": str(pbf_path), "ways": len(ways)}
        raise NetworkInputError(code="no_way_driven_or_walked", values=values)
    say("Saving…")
    built_at = now().isoformat(timespec="seconds")
    network = RoadNetwork(
        {m: g for m, g in graphs.items() if g.n_nodes},
        profile.config,
        source_file=pbf_path.name,
        source_sha256=sha256_of(pbf_path),
        built_at=built_at,
        ways_read=len(ways),
    )
    out_dir = Path(out_dir)
    save_road_network(network, out_dir)
    return _report(out_dir, network.summary())


def _report(directory: Path, summary: dict[str, Any]) -> NetworkReport:
    modes = {
        mode: ModeCounts(c["nodes"], c["edges"], c["dropped_nodes"], c["km"])
        for mode, c in summary["modes"].items()
    }
    bbox = summary["bbox"]
    return NetworkReport(
        directory=directory,
        source_file=summary["source"]["file"],
        source_sha256=summary["source"]["sha256"],
        ways_read=summary["ways_read"],
        modes=modes,
        bbox=(bbox[0], bbox[1], bbox[2], bbox[3]),
        built_at=summary["built_at"],
    )


def read_network_report(directory: Path) -> NetworkReport:
    """What a saved network holds, from its network.json alone (no arrays loaded)."""
    return _report(Path(directory), read_network_summary(Path(directory)))


def save_road_network(network: RoadNetwork, directory: Path) -> None:
    """Write `network` in `directory`: one `<mode>.npz` per graph and `network.json`."""
    directory.mkdir(parents=True, exist_ok=True)
    for mode, graph in network.graphs.items():
        np.savez(directory / f"{mode}.npz", **graph.arrays())  # type: ignore[arg-type]
    (directory / NETWORK_JSON).write_text(
        json.dumps(network.summary(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def read_network_summary(directory: Path) -> dict[str, Any]:
    """A saved network's `network.json`, checked to be of the current format."""
    path = directory / NETWORK_JSON
    if not path.is_file():
        values = {"path": str(directory), "file": NETWORK_JSON}
        raise TravelModelError(code="not_a_network_folder", values=values)
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        values = {"path": str(path), "detail": str(error)}
        raise TravelModelError(code="unreadable_network", values=values) from None
    if not isinstance(summary, dict) or summary.get("format") != NETWORK_FORMAT:
        values = {"path": str(path), "format": str(NETWORK_FORMAT)}
        raise TravelModelError(code="network_format", values=values)
    return summary


def load_road_network(directory: Path, modes: tuple[str, ...] | None = None) -> RoadNetwork:
    """The saved network with the graphs of `modes` (all of them by default)."""
    directory = Path(directory)
    summary = read_network_summary(directory)
    built = summary.get("modes", {})
    wanted = tuple(built) if modes is None else modes
    graphs: dict[str, RoadGraph] = {}
    for mode in wanted:
        if mode not in MODES:
            facts: dict[str, Any] = {"mode": repr(mode), "modes": list(MODES)}
            raise TravelModelError(code="unknown_travel_mode", values=facts)
        path = directory / f"{mode}.npz"
        if mode not in built or not path.is_file():
            facts = {"path": str(directory), "mode": mode}
            raise TravelModelError(code="no_mode_graph", values=facts)
        try:
            with np.load(path, allow_pickle=False) as arrays:
                values = {name: arrays[name] for name in RoadGraph.ARRAYS}
        except (OSError, KeyError, ValueError) as error:
            facts = {"path": str(path), "detail": str(error)}
            raise TravelModelError(code="unreadable_network", values=facts) from None
        graphs[mode] = RoadGraph(
            mode=mode, dropped_nodes=int(built[mode]["dropped_nodes"]), **values
        )
    source = summary.get("source", {})
    return RoadNetwork(
        graphs,
        summary.get("speeds", {}),
        source_file=source.get("file", ""),
        source_sha256=source.get("sha256", ""),
        built_at=summary.get("built_at", ""),
        ways_read=int(summary.get("ways_read", 0)),
    )


def load_network(
    directory: Path, mode: str = "driving", max_snap_km: float = DEFAULT_MAX_SNAP_KM
) -> RoadNetworkModel:
    """The saved network's `mode` graph as a travel-time model."""
    return load_road_network(Path(directory), modes=(mode,)).model(mode, max_snap_km)


class PointRow(BaseModel):
    """One query point: lon and lat in degrees, and a label from the first of `label`,
    `name`, `id`, `code` present."""

    lon: Number = Field(ge=-180, le=180)
    lat: Number = Field(ge=-90, le=90)
    label: OptionalText = None
    name: OptionalText = None
    id: OptionalText = None
    code: OptionalText = None

    def label_or(self, number: int) -> str:
        found = next((v for v in (self.label, self.name, self.id, self.code) if v), None)
        return found if found is not None else str(number)


def read_points(path: Path) -> Points:
    """Points from a CSV/XLSX/GeoJSON file: columns lon, lat and optionally a label (the
    first of label, name, id, code present; else the row number). Every bad row is
    named (the first 50, with the total); nothing is used if one is bad."""
    try:
        records = read_records(Path(path))
    except InputFileError as error:
        raise PointsInputError(str(error), code=error.code, values=error.values) from None
    geometry = [
        replace(r.values["__geometry_error__"], row=r.number)
        for r in records
        if "__geometry_error__" in r.values
    ]
    if geometry:
        raise PointsInputError(too_many(geometry, str(path)).errors, str(path))
    try:
        rows = validate_rows(PointRow, ((r.number, r.values) for r in records), str(path))
    except InputError as error:
        raise PointsInputError(error.errors, error.source) from None
    if not rows:
        raise PointsInputError(code="no_points", values={"path": str(path)})
    return Points(
        np.array([r.value.lon for r in rows]),
        np.array([r.value.lat for r in rows]),
        labels=tuple(r.value.label_or(r.number) for r in rows),
    )
