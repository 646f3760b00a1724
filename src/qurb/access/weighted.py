"""Catchments and the 2SFCA index, with the supply counted in facilities (one each, the
default), or in beds or doctors where the registry knows them.

With beds or doctors, a facility whose figure is unknown is left out of the supply (never
counted as 0 nor guessed): the answer says how many of the facilities within reach were
left out and the share known, and refuses (`capacity_unknown`) when none is known, since
an index of nothing would read as no access at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from qurb.algo.accessibility import AccessError, compute_2sfca, compute_catchments
from qurb.algo.travel import TravelTimeModel
from qurb.kernel.shares import percent
from qurb.norms.model import SupplyMeasure
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.territory.model import Territory
from qurb.territory.service import TerritoryIndex, read_origins


@dataclass(frozen=True)
class SupplyKnown:
    """Of the facilities the answer rests on, how many have their capacity known."""

    measure: str  # beds | doctors
    facilities: int  # selected facilities the answer rests on
    known: int  # of them, with the measure known: in the supply
    left_out: int  # unknown: left out of the supply

    @property
    def share(self) -> float | None:
        """Percent known (one decimal); None when no facility is concerned."""
        return percent(self.known, self.facilities)


@dataclass(frozen=True)
class WeightedReport:
    rows: list[dict[str, Any]]
    supply: SupplyMeasure
    known: SupplyKnown | None  # None with supply in facilities


def _known(
    measure: SupplyMeasure, capacity: np.ndarray, concerned: np.ndarray, territory: Territory
) -> SupplyKnown:
    """How many of the `concerned` facilities have their capacity known; none known is
    an error that says to enter it."""
    known = np.isfinite(capacity) & concerned
    n, k = int(concerned.sum()), int(known.sum())
    if k == 0:
        values = {"measure": measure.value, "territory": territory.name_fr, "facilities": n}
        raise AccessError(code="capacity_unknown", values=values)
    return SupplyKnown(measure.value, n, k, n - k)


def compute_2sfca_report(
    session: Session,
    territory: Territory,
    selector: FacilitySelector,
    model: TravelTimeModel,
    catchment_minutes: float = 60.0,
    decay: str = "step",
    index: TerritoryIndex | None = None,
    supply: SupplyMeasure = SupplyMeasure.FACILITIES,
) -> WeightedReport:
    """Two-step floating catchment index per commune of `territory`, computed on the whole
    country (a facility's catchment crosses borders): supply per 10,000 inhabitants within
    reach. `supply` facilities: one per facility; beds or doctors: each facility's figure
    where known, the others left out (counted over the facilities within reach of the
    territory's communes)."""
    index = index or TerritoryIndex.from_session(session)
    origins = read_origins(index, index.by_code["MA"])
    destinations = read_destinations(session, selector)
    matrix = model.compute_matrix(origins.points, destinations.points)
    within = set(c.code for c in index.communes_within(territory))
    mine = np.array([c.code in within for c in origins.communes], dtype=bool)
    inside = matrix.minutes <= catchment_minutes
    known: SupplyKnown | None = None
    if supply is SupplyMeasure.FACILITIES:
        weights = np.ones(len(destinations))
        counted = np.ones(len(destinations), dtype=bool)
    else:
        capacity = destinations.capacity(supply.value)
        in_reach = inside[mine].any(axis=0) if mine.any() else np.zeros(len(destinations), bool)
        known = _known(supply, capacity, in_reach, territory)
        counted = np.isfinite(capacity)
        weights = np.where(counted, capacity, 0.0)
    # A facility left out weighs 0: its R_j is 0 and the demand the others share is the
    # same, as if it were not there (any decay).
    result = compute_2sfca(origins.population, weights, matrix.minutes, catchment_minutes, decay)
    reachable = inside.sum(axis=1)
    rows = []
    for i, commune in enumerate(origins.communes):
        if not mine[i]:
            continue
        row: dict[str, Any] = {
            "code": commune.code,
            "name_fr": commune.name_fr,
            "name_ar": commune.name_ar,
            "population": int(origins.population[i]),
            "facilities_within": int(reachable[i]),
            "index_per_10000": round(float(result.accessibility[i]) * 10_000, 3),
        }
        if known is not None:
            reach = inside[i] & counted
            row["known_within"] = int(reach.sum())
            row[f"{supply.value}_within"] = int(weights[reach].sum())
        rows.append(row)
    return WeightedReport(rows, supply, known)


def compute_2sfca_rows(
    session: Session,
    territory: Territory,
    selector: FacilitySelector,
    model: TravelTimeModel,
    catchment_minutes: float = 60.0,
    decay: str = "step",
    index: TerritoryIndex | None = None,
) -> list[dict[str, Any]]:
    """The 2SFCA rows with one unit of supply per facility."""
    report = compute_2sfca_report(
        session, territory, selector, model, catchment_minutes, decay, index
    )
    return report.rows


def compute_catchment_report(
    session: Session,
    territory: Territory,
    selector: FacilitySelector,
    model: TravelTimeModel,
    index: TerritoryIndex | None = None,
    supply: SupplyMeasure = SupplyMeasure.FACILITIES,
) -> WeightedReport:
    """Each commune of the country assigned to its nearest selected facility (where people
    go, whatever is known of it); the facilities of `territory` with their catchment
    population, and population per bed (supply facilities or beds) or per doctor where
    known. With beds or doctors, the facilities of the territory whose figure is unknown
    are counted (`known`), their ratio left empty."""
    index = index or TerritoryIndex.from_session(session)
    origins = read_origins(index, index.by_code["MA"])
    destinations = read_destinations(session, selector)
    nearest = model.compute_nearest(origins.points, destinations.points)
    measure = SupplyMeasure.BEDS if supply is SupplyMeasure.FACILITIES else supply
    capacity = destinations.capacity(measure.value)
    catchments = compute_catchments(nearest.index, origins.population, len(destinations), capacity)
    scope = set(c.code for c in index.communes_within(territory))
    mine = np.array([c in scope for c in destinations.communes], dtype=bool)
    known = None
    if supply is not SupplyMeasure.FACILITIES:
        known = _known(supply, capacity, mine, territory)
    name = measure.value  # beds | doctors
    per = "population_per_bed" if measure is SupplyMeasure.BEDS else "population_per_doctor"
    rows = []
    for j in np.flatnonzero(mine):
        ratio = catchments.population_per_capacity[j]
        rows.append(
            {
                "id": destinations.ids[j],
                "name": destinations.names[j],
                "category": destinations.categories[j],
                "commune": destinations.communes[j],
                "communes_served": int(catchments.origins[j]),
                "catchment_population": round(float(catchments.population[j])),
                name: None if np.isnan(capacity[j]) else int(capacity[j]),
                per: None if np.isnan(ratio) else round(float(ratio), 1),
            }
        )
    return WeightedReport(rows, supply, known)


def compute_catchment_rows(
    session: Session,
    territory: Territory,
    selector: FacilitySelector,
    model: TravelTimeModel,
    index: TerritoryIndex | None = None,
) -> list[dict[str, Any]]:
    """The catchment rows, with population per bed where beds are known."""
    return compute_catchment_report(session, territory, selector, model, index).rows
