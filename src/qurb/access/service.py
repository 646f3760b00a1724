"""Access analyses on the registry: nearest facility per commune, population beyond
thresholds, catchments, 2SFCA and the Ministry's distance bands (population points are in
`qurb.access.points`, referral times in `qurb.access.referral`).

Origins are the communes of the chosen territory (their reference points standing for
their 2024 population), or a user's population points; destinations are every open public
facility of the whole country that passes the filter, so a commune near a provincial
border may be served across it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from qurb.access.weighted import compute_2sfca_rows as compute_2sfca_rows
from qurb.access.weighted import compute_catchment_rows as compute_catchment_rows
from qurb.algo.accessibility import (
    MINISTRY_DISTANCE_BANDS_KM,
    GroupAccess,
    GroupDistance,
    check_distance_bands,
    check_thresholds,
    compute_band,
    compute_distance_band,
    compute_group_access,
    compute_group_distance,
    compute_nearest_by_km,
    distance_band_keys,
    distance_band_labels,
)
from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.commune_graph_inputs import TERRAIN_NAMES, Terrain
from qurb.algo.travel import Measure, TravelTimeModel
from qurb.data import read_bundled_json
from qurb.registry.points import Destinations, FacilitySelector, read_destinations
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import TerritoryIndex, read_origins

DEFAULT_THRESHOLDS_MINUTES = (30.0, 60.0, 120.0)

# How an analysis reads the facilities a selector picks: straight from the database by
# default; the web passes one that keeps them per registry version.
DestinationReader = Callable[[FacilitySelector], Destinations]


def destination_reader(session: Session, read: DestinationReader | None) -> DestinationReader:
    """`read`, or the plain read of the registry in `session`."""
    return read or (lambda selector: read_destinations(session, selector))


def summary_level(territory: Territory) -> TerritoryLevel:
    """Summaries one level down: regions for the country, provinces for a region, …"""
    return {
        TerritoryLevel.COUNTRY: TerritoryLevel.REGION,
        TerritoryLevel.REGION: TerritoryLevel.PROVINCE,
        TerritoryLevel.PROVINCE: TerritoryLevel.CERCLE,
    }.get(territory.level, TerritoryLevel.COMMUNE)


def _terrain_of(model: TravelTimeModel, codes: Sequence[str]) -> list[str | None]:
    if not isinstance(model, CommuneGraphModel):
        return [None] * len(codes)
    index = {c: i for i, c in enumerate(model.inputs.codes)}
    return [TERRAIN_NAMES[Terrain(int(model.terrain[index[c]]))] for c in codes]


@dataclass(frozen=True)
class AccessReport:
    territory: Territory
    selector: FacilitySelector
    model: str
    thresholds_minutes: tuple[float, ...]
    rows: list[dict[str, Any]]  # one per commune (or population point)
    groups: list[GroupAccess]
    group_names: dict[str, str]
    total: GroupAccess
    kind: str = "commune"
    extra: dict[str, Any] = field(default_factory=dict)


def compute_access(
    session: Session,
    territory: Territory,
    selector: FacilitySelector,
    model: TravelTimeModel,
    thresholds_minutes: Sequence[float] = DEFAULT_THRESHOLDS_MINUTES,
    index: TerritoryIndex | None = None,
    read: DestinationReader | None = None,
) -> AccessReport:
    """Nearest facility and travel time for every commune of `territory`; population
    beyond each threshold summed per sub-territory and in total."""
    thresholds = check_thresholds(thresholds_minutes)
    index = index or TerritoryIndex.from_session(session)
    origins = read_origins(index, territory)
    destinations = destination_reader(session, read)(selector)
    nearest = model.compute_nearest(origins.points, destinations.points)
    bands = compute_band(nearest.minutes, thresholds)
    level = summary_level(territory)
    groups_of = []
    for c in origins.communes:
        unit = index.ancestor_at(c.code, level) or c
        groups_of.append(unit.code)
    terrain = _terrain_of(model, [c.code for c in origins.communes])
    rows = []
    for i, commune in enumerate(origins.communes):
        j = int(nearest.index[i])
        rows.append(
            {
                "code": commune.code,
                "name_fr": commune.name_fr,
                "name_ar": commune.name_ar,
                "kind": commune.kind,
                "terrain": terrain[i],
                "population": int(origins.population[i]),
                "facility_id": destinations.ids[j] if j >= 0 else None,
                "facility": destinations.names[j] if j >= 0 else None,
                "category": destinations.categories[j] if j >= 0 else None,
                "facility_commune": destinations.communes[j] if j >= 0 else None,
                "minutes": rounded(nearest.minutes[i]),
                "distance_km": rounded(nearest.distance_km[i]),
                "band": bands[i],
            }
        )
    groups = compute_group_access(groups_of, origins.population, nearest.minutes, thresholds)
    total = compute_group_access(
        [territory.code] * len(rows), origins.population, nearest.minutes, thresholds
    )
    names = {g.group: index.by_code[g.group].name_fr for g in groups}
    return AccessReport(
        territory,
        selector,
        model.name,
        thresholds,
        rows,
        groups,
        names,
        total[0] if total else _empty_group(territory.code, thresholds),
    )


def _empty_group(code: str, thresholds: tuple[float, ...]) -> GroupAccess:
    return GroupAccess(code, 0, 0.0, dict.fromkeys(thresholds, 0.0), None, None, 0.0)


def rounded(value: float, digits: int = 1) -> float | None:
    return round(float(value), digits) if np.isfinite(value) else None


def group_rows(report: AccessReport) -> list[dict[str, Any]]:
    """The per-territory summary as table rows (population beyond each threshold)."""
    out = []
    for g in [*report.groups, report.total]:
        is_total = g is report.total
        row: dict[str, Any] = {
            "code": g.group,
            "name": "total" if is_total else report.group_names.get(g.group, g.group),
            "origins": g.origins,
            "population": int(g.population),
        }
        for th in report.thresholds_minutes:
            row[f"beyond_{th:g}_min"] = round(float(g.beyond[th]))
            share = g.share_beyond(th)
            row[f"share_beyond_{th:g}_min_pct"] = None if share is None else round(share * 100, 1)
        row["mean_minutes"] = None if g.mean_minutes is None else round(g.mean_minutes, 1)
        row["max_minutes"] = None if g.max_minutes is None else round(g.max_minutes, 1)
        out.append(row)
    return out


def commune_polygons() -> dict[str, Any]:
    """code → the display polygon of each commune (simplified for maps)."""
    layer = read_bundled_json("display/communes.geojson")
    return {f["properties"]["code"]: f["geometry"] for f in layer["features"]}


def display_polygons() -> dict[str, Any]:
    """code → display polygon, for regions, provinces and communes (no cercle layer)."""
    polygons: dict[str, Any] = {}
    for layer in ("regions", "provinces", "communes"):
        for feature in read_bundled_json(f"display/{layer}.geojson")["features"]:
            polygons[feature["properties"]["code"]] = feature["geometry"]
    return polygons


def rows_geojson(rows: list[dict[str, Any]], code_key: str = "code") -> dict[str, Any]:
    """Commune rows as polygons, or point rows (lon/lat) as points."""
    polygons = commune_polygons() if rows and "lon" not in rows[0] else {}
    features = []
    for row in rows:
        if "lon" in row:
            geometry: Any = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
        else:
            geometry = polygons.get(row[code_key])
        features.append({"type": "Feature", "geometry": geometry, "properties": row})
    return {"type": "FeatureCollection", "features": features}


# The Ministry's indicator is about ESSP: the primary level of the registry.
ESSP_SELECTOR = FacilitySelector(levels=("primary",))


# Said beside every distance figure (the page has the same words in i18n.js).
WHOLE_COMMUNE_NOTE = {
    "fr": "Une commune entière tombe dans une seule tranche : toute sa population est "
    "comptée dans la tranche de sa distance modélisée.",
    "ar": "تُصنَّف الجماعة كلها في شريحة واحدة: يُحتسب جميع سكانها في شريحة مسافتها المقدَّرة.",
    "en": "A whole commune falls in one band: all its population is counted in the band of "
    "its modelled distance.",
}


@dataclass(frozen=True)
class DistanceReport:
    territory: Territory
    selector: FacilitySelector
    model: str
    measure: Measure
    bands_km: tuple[float, ...]
    rows: list[dict[str, Any]]  # one per commune
    groups: list[GroupDistance]
    group_names: dict[str, str]
    total: GroupDistance


def compute_distance_access(
    session: Session,
    territory: Territory,
    model: TravelTimeModel,
    selector: FacilitySelector = ESSP_SELECTOR,
    bands_km: Sequence[float] = MINISTRY_DISTANCE_BANDS_KM,
    index: TerritoryIndex | None = None,
    read: DestinationReader | None = None,
) -> DistanceReport:
    """The Ministry's distance indicator on the model's km: for every commune of
    `territory`, the nearest selected facility (ESSP by default) by the km of the model's
    route, legs inside the communes included, and the population per distance band
    (≤ 5 km, 5–10 km, > 10 km) per sub-territory and in total. A whole commune falls in
    the band of its distance."""
    limits = check_distance_bands(bands_km)
    index = index or TerritoryIndex.from_session(session)
    origins = read_origins(index, territory)
    population = np.array(
        [
            np.nan if c.population_2024 is None else float(c.population_2024)
            for c in origins.communes
        ]
    )
    destinations = destination_reader(session, read)(selector)
    n = len(origins.communes)
    found = compute_nearest_by_km(model, origins.points, destinations.points)
    nearest, minutes = found.index, found.minutes
    # Banded on the km as shown (0.1 km): a commune listed at 5.0 km is within 5 km. The
    # model is nowhere near that precise, but a row must not contradict its own band.
    km = np.where(np.isfinite(found.distance_km), np.round(found.distance_km, 1), np.inf)
    band = compute_distance_band(km, limits)
    labels = distance_band_labels(limits)
    level = summary_level(territory)
    groups_of = [(index.ancestor_at(c.code, level) or c).code for c in origins.communes]
    terrain = _terrain_of(model, [c.code for c in origins.communes])
    rows_out = []
    for i, commune in enumerate(origins.communes):
        j = int(nearest[i])
        rows_out.append(
            {
                "code": commune.code,
                "name_fr": commune.name_fr,
                "name_ar": commune.name_ar,
                "kind": commune.kind,
                "terrain": terrain[i],
                "population": None if np.isnan(population[i]) else int(population[i]),
                "facility_id": destinations.ids[j] if j >= 0 else None,
                "facility": destinations.names[j] if j >= 0 else None,
                "category": destinations.categories[j] if j >= 0 else None,
                "facility_commune": destinations.communes[j] if j >= 0 else None,
                "distance_km": rounded(km[i]),
                "minutes": rounded(minutes[i]),
                "band": labels[int(band[i])],
            }
        )
    groups = compute_group_distance(groups_of, population, km, limits)
    total = compute_group_distance([territory.code] * n, population, km, limits)
    empty = GroupDistance(territory.code, 0, 0.0, (0.0,) * (len(limits) + 1), 0)
    return DistanceReport(
        territory,
        selector,
        model.name,
        model.measure,
        limits,
        rows_out,
        groups,
        {g.group: index.by_code[g.group].name_fr for g in groups},
        total[0] if total else empty,
    )


def distance_group_rows(report: DistanceReport) -> list[dict[str, Any]]:
    """The per-territory summary as rows: population and share (%) in each band."""
    keys = distance_band_keys(report.bands_km)
    out = []
    for g in [*report.groups, report.total]:
        is_total = g is report.total
        row: dict[str, Any] = {
            "code": g.group,
            "name": "total" if is_total else report.group_names.get(g.group, g.group),
            "communes": g.origins,
            "population": round(g.population),
        }
        for i, key in enumerate(keys):
            row[f"population_{key}"] = round(g.by_band[i])
            share = g.share(i)
            row[f"share_{key}_pct"] = None if share is None else round(share * 100, 1)
        row["communes_population_unknown"] = g.origins_population_unknown
        out.append(row)
    return out
