"""A user's population points: reading them (CSV, XLSX or GeoJSON points, every bad row
named) and the nearest facility for each, totalled per commune."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, field_validator, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import Session

from qurb.access.service import DEFAULT_THRESHOLDS_MINUTES, AccessReport, rounded
from qurb.algo.accessibility import (
    AccessError,
    check_thresholds,
    compute_band,
    compute_group_access,
)
from qurb.algo.travel import Points, TravelTimeModel
from qurb.kernel.errors import FieldError, InputError
from qurb.kernel.i18n import problem
from qurb.kernel.rows import validate_rows
from qurb.platform.files import InputFileError, read_records
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.territory.model import inside_morocco
from qurb.territory.service import TerritoryIndex


class PopulationPointRow(BaseModel):
    """One population point: lon, lat (WGS84 degrees), people, and a label (the file's
    `label` or `name` column, else the row)."""

    lon: float
    lat: float
    population: float
    label: str

    @model_validator(mode="before")
    @classmethod
    def _columns(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        out = {str(k).strip().lower(): v for k, v in values.items() if k}
        out.setdefault("lon", None)
        out.setdefault("lat", None)
        out.setdefault("population", None)
        out["label"] = str(out.get("label") or out.get("name") or f"row {out.get('_row')}")
        return out

    @field_validator("lon", "lat", "population", mode="before")
    @classmethod
    def _number(cls, raw: Any) -> float:
        if raw is None or str(raw).strip() == "":
            raise PydanticCustomError("missing", "missing")
        try:
            value = float(str(raw).replace(",", "."))
        except ValueError:
            raise PydanticCustomError(
                "not_a_number", "{raw} is not a number", {"raw": repr(raw)}
            ) from None
        if not np.isfinite(value):
            raise PydanticCustomError(
                "not_finite", "{raw} is not a finite number", {"raw": repr(raw)}
            )
        return value

    @field_validator("population")
    @classmethod
    def _people(cls, value: float) -> float:
        if value < 0:
            raise PydanticCustomError("negative", "must be ≥ 0")
        return value


def _inside_morocco(number: int, row: PopulationPointRow) -> list[FieldError]:
    if inside_morocco(row.lon, row.lat):
        return []
    return [problem("lon/lat", "outside_morocco_short", number, lon=row.lon, lat=row.lat)]


def _problems_text(path: Path, errors: Sequence[FieldError]) -> str:
    """The problems as this reader has always listed them: `row N: field: reason`."""
    lines, total = [], len(errors)
    for e in errors:
        if e.row is None:  # the note on the problems not listed, with their total
            lines.append(f"  … {e.reason}")
            total = int(e.values.get("total", total))
        else:
            lines.append(f"  - row {e.row}: {e.field}: {e.reason}")
    return f"{path}: {total} problem(s), nothing was used:\n" + "\n".join(lines)


def read_population_points(path: Path) -> tuple[Points, np.ndarray]:
    """A user's population points: columns lon, lat, population and optionally label/name
    (CSV, XLSX or GeoJSON points). Every bad row is named; nothing is used if any is bad."""
    records = read_records(path)
    try:
        rows = validate_rows(
            PopulationPointRow,
            [(r.number, {**r.values, "_row": r.number}) for r in records],
            str(path),
            _inside_morocco,
        )
    except InputError as error:
        raise InputFileError(_problems_text(path, error.errors)) from None
    if not rows:
        raise InputFileError(code="no_population_point", values={"path": str(path)})
    return (
        Points(
            np.array([r.value.lon for r in rows]),
            np.array([r.value.lat for r in rows]),
            None,
            tuple(r.value.label for r in rows),
        ),
        np.array([r.value.population for r in rows]),
    )


def compute_point_access(
    session: Session,
    points: Points,
    population: np.ndarray,
    selector: FacilitySelector,
    model: TravelTimeModel,
    thresholds_minutes: Sequence[float] = DEFAULT_THRESHOLDS_MINUTES,
    index: TerritoryIndex | None = None,
) -> AccessReport:
    """Nearest facility for each of a user's population points; totals per commune."""
    from qurb.registry.service import commune_locator

    thresholds = check_thresholds(thresholds_minutes)
    index = index or TerritoryIndex.from_session(session)
    locator = commune_locator(session)
    communes: list[str] = []
    for i in range(len(points)):
        located = locator.locate(float(points.lon[i]), float(points.lat[i]), tolerance_km=2.0)
        if located is None:
            label = points.labels[i] if points.labels else f"point {i + 1}"
            values = {"label": label, "lon": float(points.lon[i]), "lat": float(points.lat[i])}
            raise AccessError(code="point_in_no_commune", values=values)
        communes.append(located.code)
    located_points = Points(points.lon, points.lat, tuple(communes), points.labels)
    destinations = read_destinations(session, selector)
    nearest = model.compute_nearest(located_points, destinations.points)
    bands = compute_band(nearest.minutes, thresholds)
    rows = []
    for i in range(len(points)):
        j = int(nearest.index[i])
        rows.append(
            {
                "label": points.labels[i] if points.labels else str(i + 1),
                "lon": float(points.lon[i]),
                "lat": float(points.lat[i]),
                "commune": communes[i],
                "commune_name": index.by_code[communes[i]].name_fr,
                "population": float(population[i]),
                "facility_id": destinations.ids[j] if j >= 0 else None,
                "facility": destinations.names[j] if j >= 0 else None,
                "category": destinations.categories[j] if j >= 0 else None,
                "minutes": rounded(nearest.minutes[i]),
                "distance_km": rounded(nearest.distance_km[i]),
                "band": bands[i],
            }
        )
    groups = compute_group_access(communes, population, nearest.minutes, thresholds)
    country = index.by_code["MA"]
    total = compute_group_access(["MA"] * len(rows), population, nearest.minutes, thresholds)
    return AccessReport(
        country,
        selector,
        model.name,
        thresholds,
        rows,
        groups,
        {g.group: index.by_code[g.group].name_fr for g in groups},
        total[0],
        kind="point",
    )
