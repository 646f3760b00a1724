"""Observed trips, read to fit the commune-graph model to them (`qurb access fit`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, model_validator

from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.commune_graph_fit import Trips
from qurb.algo.travel import Points
from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import problem
from qurb.kernel.rows import validate_rows
from qurb.platform.files import InputFileError, OptionalNumber, OptionalText, read_records


class TripRow(BaseModel):
    """One observed trip: from a commune to a commune or a point, in minutes and/or km."""

    origin: OptionalText = None
    dest_commune: OptionalText = None
    dest_lon: OptionalNumber = Field(default=None, ge=-180, le=180)
    dest_lat: OptionalNumber = Field(default=None, ge=-90, le=90)
    minutes: OptionalNumber = Field(default=None, ge=0)
    distance_km: OptionalNumber = Field(default=None, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _lower_keys(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return {str(k).strip().lower(): v for k, v in values.items() if k}
        return values


def _trip_problems(codes: set[str]) -> Callable[[int, TripRow], list[FieldError]]:
    """What a row cannot say alone: known communes, a measure, a destination."""

    def check(number: int, row: TripRow) -> list[FieldError]:
        bad = []
        if row.origin not in codes:
            bad.append(
                problem("origin", "not_a_commune_code", number, value=repr(row.origin or ""))
            )
        if row.minutes is None and row.distance_km is None and not bad:
            bad.append(problem("minutes/distance_km", "give_at_least_one", number))
        if row.dest_commune:
            if row.dest_commune not in codes:
                value = repr(row.dest_commune)
                bad.append(problem("dest_commune", "not_a_commune_code_short", number, value=value))
        elif row.dest_lon is None or row.dest_lat is None:
            bad.append(problem("dest_lon/dest_lat or dest_commune", "missing", number))
        return bad

    return check


def read_observed_trips(path: Path, model: CommuneGraphModel) -> Trips:
    """Observed trips from a CSV/XLSX: `origin` (commune code), the destination as
    `dest_commune` or `dest_lon`,`dest_lat`, and `minutes` and/or `distance_km`. Every bad
    row is named (the first 50, with the total); nothing is used if one is bad."""
    codes = set(model.inputs.codes)
    ref = {
        code: (float(x), float(y))
        for code, x, y in zip(
            model.inputs.codes, model.inputs.ref_lon, model.inputs.ref_lat, strict=True
        )
    }
    rows = [
        r.value
        for r in validate_rows(
            TripRow,
            ((r.number, r.values) for r in read_records(path)),
            str(path),
            check=_trip_problems(codes),
        )
    ]
    if not rows:
        raise InputFileError(code="no_observed_trip", values={"path": str(path)})
    points = [
        ref[r.dest_commune] if r.dest_commune else (float(r.dest_lon or 0), float(r.dest_lat or 0))
        for r in rows
    ]
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    # Destinations given by coordinates belong to the commune of the nearest reference point.
    nearest_node = model.node_of(Points(lon, lat))
    communes = tuple(
        r.dest_commune or model.inputs.codes[int(node)]
        for r, node in zip(rows, nearest_node, strict=True)
    )
    return Trips(
        tuple(str(r.origin) for r in rows),
        Points(lon, lat, communes),
        np.array([np.nan if r.minutes is None else r.minutes for r in rows]),
        np.array([np.nan if r.distance_km is None else r.distance_km for r in rows]),
    )
