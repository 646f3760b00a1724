"""Choosing and building a travel-time model: the commune graph (bundled), the straight
line, or a road network a user built with `qurb network build`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.commune_graph_fit import Trips
from qurb.algo.travel import Points
from qurb.platform.files import InputFileError, read_records


def _number(values: dict[str, str], key: str, bad: list[str]) -> float:
    """A non-negative number from a CSV cell (nan if empty); a problem is noted in `bad`."""
    text = values.get(key, "")
    if text == "":
        return float("nan")
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        bad.append(f"{key}: {text!r} is not a number")
        return float("nan")
    if not np.isfinite(value) or value < 0:
        bad.append(f"{key}: {text!r} must be a finite number ≥ 0")
    return value


def read_observed_trips(path: Path, model: CommuneGraphModel) -> Trips:
    """Observed trips from a CSV/XLSX: `origin` (commune code), the destination as
    `dest_commune` or `dest_lon`,`dest_lat`, and `minutes` and/or `distance_km`. Every bad
    row is named; nothing is used if one is bad."""
    records = read_records(path)
    codes = set(model.inputs.codes)
    ref = {
        code: (float(x), float(y))
        for code, x, y in zip(
            model.inputs.codes, model.inputs.ref_lon, model.inputs.ref_lat, strict=True
        )
    }
    problems: list[str] = []
    origin: list[str] = []
    lon: list[float] = []
    lat: list[float] = []
    dest_commune: list[str] = []
    minutes: list[float] = []
    km: list[float] = []
    for record in records:
        v = {
            k.strip().lower(): ("" if x is None else str(x).strip())
            for k, x in record.values.items()
            if k
        }
        bad: list[str] = []
        code = v.get("origin", "")
        if code not in codes:
            bad.append(f"origin: {code!r} is not a commune code (e.g. 03.231.01.03)")
        m, d = _number(v, "minutes", bad), _number(v, "distance_km", bad)
        if np.isnan(m) and np.isnan(d) and not bad:
            bad.append("minutes/distance_km: give at least one")
        target = v.get("dest_commune", "")
        point = (float("nan"), float("nan"))
        if target:
            if target in codes:
                point = ref[target]
            else:
                bad.append(f"dest_commune: {target!r} is not a commune code")
        else:
            point = (_number(v, "dest_lon", bad), _number(v, "dest_lat", bad))
            if np.isnan(point[0]) or np.isnan(point[1]):
                bad.append("dest_lon/dest_lat or dest_commune: missing")
        if bad:
            problems += [f"row {record.number}: {b}" for b in bad]
            continue
        origin.append(code)
        lon.append(point[0])
        lat.append(point[1])
        dest_commune.append(target)
        minutes.append(m)
        km.append(d)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        raise InputFileError(f"{path}: {len(problems)} problem(s), nothing was used:\n{lines}")
    if not origin:
        raise InputFileError(f"{path}: no observed trip")
    # Destinations given by coordinates belong to the commune of the nearest reference point.
    nearest_node = model.node_of(Points(np.array(lon), np.array(lat)))
    communes = tuple(
        d or model.inputs.codes[int(node)]
        for d, node in zip(dest_commune, nearest_node, strict=True)
    )
    return Trips(
        tuple(origin),
        Points(np.array(lon), np.array(lat), communes),
        np.array(minutes),
        np.array(km),
    )
