"""A signal's epidemic curve and the signals as map points.

The curve: the weekly series of the signal's unit and data element over the N weeks that
end at its week, each week with its observed count (None where the unit-week is unknown
for lack of reports: signals_model.known at the threshold of signals.threshold), and the
expected count, upper bound and alarm that the signal's method gives with the settings
stored in the signal (`parameters`), computed by the per-series functions of
algo/outbreak (R `surveillance`'s figures; None where R gives NA). The series read
reaches back the Noufaily history (b years and w weeks) before the curve's first week,
as the detection rerun does, so each week has the reference weeks it needs.

A single-case signal has no statistics: its weeks show the count wherever a report was
received (its rule, whatever the completeness) and alarm on one case.

The points: a facility at its location; a commune, province or region at its reference
point, else the centroid of its display polygon, else the mean of its communes'
reference points (the small test regions have no display polygons)."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from qurb.kernel.attribution import TERRITORY_SOURCES, DataSource, facility_sources
from qurb.kernel.errors import NotFound
from qurb.registry.places import named_places
from qurb.registry.service import FacilityFilter, get_facility
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex
from qurb.watch._tables import SignalRow
from qurb.watch.datasets import get_dataset
from qurb.watch.model import DataElement, PeriodType, parse_period
from qurb.watch.signals import Signal, threshold, to_signal
from qurb.watch.signals_model import NOUFAILY_WEEKS, SINGLE_CASE
from qurb.watch.signals_series import Series, build_series, week_code, weeks_from

DEFAULT_WEEKS = 52
MAX_WEEKS = 260  # five years of weeks


@dataclass(frozen=True)
class CurveWeek:
    week: str  # ISO week code, 2026W48
    start: date  # its Monday
    observed: int | None  # None: unknown for lack of reports
    expected: float | None  # None: R's NA, or a method without one (EARS, single case)
    upperbound: float | None
    alarm: bool | None  # None: R's NA


@dataclass(frozen=True)
class Curve:
    signal: int
    dataset: str
    unit_code: str
    level: str
    unit_name_fr: str
    unit_name_ar: str
    element: str
    element_fr: str
    element_ar: str
    element_en: str
    method: str
    parameters: dict[str, Any]
    completeness_threshold: float  # share of expected reports, 0 to 1
    weeks: tuple[CurveWeek, ...]


def get_signal(session: Session, signal_id: int) -> Signal:
    """The signal with this id; NotFound (404) if there is none."""
    r = session.get(SignalRow, signal_id)
    if r is None:
        raise NotFound(code="signal_not_found", values={"id": signal_id})
    return to_signal(r)


def _element(dataset_id: str, code: str) -> DataElement:
    found = [e for e in get_dataset(dataset_id).elements if e.code == code]
    if not found:
        raise NotFound(code="signal_not_found", values={"id": code})
    return found[0]


def _series(
    session: Session, signal: Signal, days: Sequence[date], index: TerritoryIndex
) -> tuple[Series, int | None]:
    dataset = get_dataset(signal.dataset)
    flt = FacilityFilter(territory=signal.territory_code, status=None)
    places = [p for p in named_places(session, flt, index) if dataset.reported_by(p.category)]
    series = build_series(session, dataset, places, index, days, {signal.unit_code})
    rows = [i for i, u in enumerate(series.units) if u.level.value == signal.level]
    return series, (rows[0] if rows else None)


def _unit_names(session: Session, signal: Signal, index: TerritoryIndex) -> tuple[str, str]:
    if signal.level == "facility":
        name = get_facility(session, signal.unit_code).name
        return name, name
    unit = index.by_code[signal.unit_code]
    return unit.name_fr, unit.name_ar


def _figures(
    signal: Signal, seen: Any, received: Any, known: Any, days: Sequence[date], weeks: int
) -> list[CurveWeek]:
    """The last `weeks` of the series: counts `seen`, reports `received` and `known`
    unit-weeks (NumPy arrays over `days`)."""
    from qurb.algo.outbreak.methods import detect
    from qurb.algo.outbreak.series import series_from

    evaluated = range(len(days) - weeks, len(days))
    if signal.method == SINGLE_CASE:
        counts = [int(seen[t]) if received[t] > 0 else None for t in evaluated]
        return [
            CurveWeek(week_code(days[t]), days[t], c, None, None, None if c is None else c >= 1)
            for t, c in zip(evaluated, counts, strict=True)
        ]
    gated = [int(c) if k else None for c, k in zip(seen, known, strict=True)]
    options = {k: v for k, v in json.loads(signal.parameters or "{}").items() if k != "why"}
    found = detect(series_from(gated, list(days)), signal.method, evaluated, options)
    return [
        CurveWeek(week_code(days[t]), days[t], gated[t], e, u, a)
        for t, e, u, a in zip(evaluated, found.expected, found.upperbound, found.alarm, strict=True)
    ]


def signal_curve(
    session: Session, signal: Signal, weeks: int, index: TerritoryIndex | None = None
) -> Curve:
    """The epidemic curve of `signal` over the `weeks` (1 to MAX_WEEKS) ending at its week."""
    index = index or TerritoryIndex.from_session(session)
    element = _element(signal.dataset, signal.element)
    end = parse_period(signal.week, PeriodType.ISO_WEEK).start
    first = end - timedelta(weeks=weeks - 1)
    days = weeks_from(first - timedelta(weeks=NOUFAILY_WEEKS), end)
    series, row = _series(session, signal, days, index)
    limit = threshold()
    if row is None:  # the unit no longer holds a facility reporting the data set
        zeros = np.zeros(len(days))
        seen, received, expected = zeros, zeros, zeros
    else:
        seen = series.counts[signal.element][row]
        received, expected = series.received[row], series.expected[row]
    known = (expected > 0) & (received >= limit * expected)
    name_fr, name_ar = _unit_names(session, signal, index)
    parameters = json.loads(signal.parameters or "{}")
    return Curve(
        signal=signal.id,
        dataset=signal.dataset,
        unit_code=signal.unit_code,
        level=signal.level,
        unit_name_fr=name_fr,
        unit_name_ar=name_ar,
        element=element.code,
        element_fr=element.name_fr,
        element_ar=element.name_ar,
        element_en=element.name_en,
        method=signal.method,
        parameters=parameters,
        completeness_threshold=limit,
        weeks=tuple(_figures(signal, seen, received, known, days, weeks)),
    )


def _ring_centroid(ring: Sequence[Sequence[float]]) -> tuple[float, float, float]:
    """Signed area (square degrees) and centroid of a ring, by the shoelace formula."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if area == 0:
        return 0.0, 0.0, 0.0
    return area / 2, cx / (3 * area), cy / (3 * area)


def _centroid(geometry: dict[str, Any]) -> tuple[float, float] | None:
    polygons = geometry.get("coordinates", [])
    if geometry.get("type") == "Polygon":
        polygons = [polygons]
    elif geometry.get("type") != "MultiPolygon":
        return None
    total = sx = sy = 0.0
    for polygon in polygons:
        for ring in polygon:  # holes wind the other way: their signed area subtracts
            area, x, y = _ring_centroid(ring)
            total, sx, sy = total + area, sx + area * x, sy + area * y
    return (sx / total, sy / total) if total else None


@cache
def _display_centroids(level: TerritoryLevel) -> dict[str, tuple[float, float]]:
    from qurb.territory.geography import read_display_layer

    out: dict[str, tuple[float, float]] = {}
    for feature in read_display_layer(level).get("features", []):
        point = _centroid(feature.get("geometry") or {})
        if point is not None:
            out[str(feature["properties"]["code"])] = point
    return out


def territory_point(index: TerritoryIndex, unit: Territory) -> tuple[float, float] | None:
    """A territory's point (lon, lat): its reference point, else its display polygon's
    centroid, else the mean of its communes' reference points; None without any."""
    if unit.ref_lon is not None and unit.ref_lat is not None:
        return unit.ref_lon, unit.ref_lat
    if unit.level in (TerritoryLevel.REGION, TerritoryLevel.PROVINCE, TerritoryLevel.COMMUNE):
        found = _display_centroids(unit.level).get(unit.code)
        if found is not None:
            return found
    points = [
        (c.ref_lon, c.ref_lat)
        for c in index.communes_within(unit)
        if c.ref_lon is not None and c.ref_lat is not None
    ]
    if not points:
        return None
    return (
        math.fsum(p[0] for p in points) / len(points),
        math.fsum(p[1] for p in points) / len(points),
    )


@dataclass(frozen=True)
class SignalPoints:
    points: tuple[tuple[Signal, tuple[float, float] | None], ...]  # None: no point known
    names: dict[str, tuple[str, str]]  # unit code → its name in French and in Arabic
    sources: frozenset[DataSource]  # of the points: facility locations, territories'


def signal_points(
    session: Session, signals: Sequence[Signal], index: TerritoryIndex
) -> SignalPoints:
    """Each signal with its unit's point (lon, lat), and the sources of those points."""
    places: dict[tuple[str, str], tuple[float, float] | None] = {}
    names: dict[str, tuple[str, str]] = {}
    sources: set[DataSource] = set()
    for s in signals:
        key = (s.level, s.unit_code)
        if key in places:
            continue
        if s.level == "facility":
            f = get_facility(session, s.unit_code)
            places[key] = (f.lon, f.lat)
            names[s.unit_code] = (f.name, f.name)
            record = {"family": f.family, "sector": f.sector, "location_source": f.location_source}
            sources |= facility_sources([record])
        else:
            unit = index.by_code.get(s.unit_code)
            places[key] = None if unit is None else territory_point(index, unit)
            names[s.unit_code] = (
                (unit.name_fr, unit.name_ar) if unit else (s.unit_code, s.unit_code)
            )
            sources |= TERRITORY_SOURCES
    return SignalPoints(
        tuple((s, places[(s.level, s.unit_code)]) for s in signals), names, frozenset(sources)
    )
