"""The general hospital nearest to a unit without one, for the bed lines of the norm gaps:
from the unit's communes (their reference points standing for their 2024 population) to
every open general hospital of the country, across provincial borders."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from qurb.algo.commune_graph import CommuneGraphModel
from qurb.algo.travel import Points, TravelTimeModel
from qurb.registry.facility_services import HospitalTier
from qurb.registry.points import FacilitySelector, read_destinations
from qurb.territory.model import Territory
from qurb.territory.service import TerritoryIndex, read_origins


@dataclass(frozen=True)
class NearestHospital:
    """The general hospital nearest for most of a unit's people, and the population-
    weighted mean minutes and km to it from the unit's communes (travel-time model)."""

    facility_id: str
    name: str
    commune_code: str
    minutes: float
    distance_km: float
    model: str


def for_few_searches(model: TravelTimeModel) -> TravelTimeModel:
    """The commune-graph model answering by its heap search unless SciPy's sparse graphs are
    loaded already: a command's two searches cost less than loading them (the same minutes
    and km); a server that has loaded them keeps them."""
    if isinstance(model, CommuneGraphModel) and "scipy.sparse.csgraph" not in sys.modules:
        return model.heap_searching()
    return model


def compute_nearest_general_hospitals(
    session: Session,
    index: TerritoryIndex,
    units: Sequence[Territory],
    model: TravelTimeModel,
) -> dict[str, NearestHospital]:
    """For each unit (a commune, province…): its nearest general hospital, from its
    communes' reference points; units whose communes reach none are left out."""
    destinations = read_destinations(session, FacilitySelector(tier=HospitalTier.GENERAL.value))
    out: dict[str, NearestHospital] = {}
    groups = [(u, o) for u in units if len((o := read_origins(index, u)).communes)]
    if not len(destinations) or not groups:
        return out
    # One search for the communes of every unit, then one matrix to the hospitals chosen.
    points = Points(
        np.concatenate([o.points.lon for _, o in groups]),
        np.concatenate([o.points.lat for _, o in groups]),
        tuple(c for _, o in groups for c in (o.points.commune or ())),
    )
    nearest = model.compute_nearest(points, destinations.points)
    bounds = np.cumsum([0, *(len(o.communes) for _, o in groups)])
    chosen: dict[str, int] = {}
    for (unit, origins), start, stop in zip(groups, bounds[:-1], bounds[1:], strict=True):
        weight: dict[int, float] = {}
        for i, j in enumerate(nearest.index[start:stop]):
            if j >= 0:
                weight[int(j)] = weight.get(int(j), 0.0) + float(origins.population[i])
        if weight:
            # The hospital nearest for the most people (ties: the lowest id, stable).
            chosen[unit.code] = min(weight, key=lambda j: (-weight[j], destinations.ids[j]))
    columns = sorted(set(chosen.values()))
    matrix = model.compute_matrix(points, destinations.points.take(columns))
    for (unit, origins), start, stop in zip(groups, bounds[:-1], bounds[1:], strict=True):
        if unit.code not in chosen:
            continue
        j = chosen[unit.code]
        column = columns.index(j)
        minutes = matrix.minutes[start:stop, column]
        km = matrix.distance_km[start:stop, column]
        reached = np.isfinite(minutes)
        people = origins.population[reached]
        total = float(people.sum())
        if total > 0:
            mean_minutes = float((minutes[reached] * people).sum() / total)
            mean_km = float((km[reached] * people).sum() / total)
        else:
            mean_minutes, mean_km = float(minutes[reached].mean()), float(km[reached].mean())
        out[unit.code] = NearestHospital(
            destinations.ids[j],
            destinations.names[j],
            destinations.communes[j],
            round(mean_minutes, 1),
            round(mean_km, 1),
            model.name,
        )
    return out
