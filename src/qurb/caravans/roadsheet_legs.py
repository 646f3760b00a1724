"""Each leg of a unit's routes, as the travel-time model that planned the campaign gives
it: the distance and drive time from a place to the next (base → stops → base)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from qurb.algo.travel import Points
from qurb.caravans.catalogue import parse_campaign
from qurb.caravans.plan import CampaignPlan
from qurb.caravans.roadsheet import LegFigures, unit_routes
from qurb.caravans.service import resolve_bases
from qurb.kernel.errors import QurbError
from qurb.registry.service import commune_locator
from qurb.territory.travel import commune_graph_model


def _figure(value: float) -> float | None:
    return round(float(value), 1) if np.isfinite(value) else None


def route_legs(
    session: Session, plan: CampaignPlan, spec: Mapping[str, Any], unit: str
) -> dict[int, list[LegFigures]]:
    """Route index in plan.days → its legs' (km, minutes), for the routes of `unit`;
    empty when the campaign was planned with another model than this server's
    commune-graph model, or its bases no longer resolve (a base facility closed since):
    the legs are then unknown, not guessed."""
    model = commune_graph_model(session)
    if plan.campaign.model != model.name:
        return {}
    try:
        bases = {
            b.name: b
            for b in resolve_bases(session, parse_campaign(dict(spec)), commune_locator(session))
        }
    except QurbError:
        return {}
    out: dict[int, list[LegFigures]] = {}
    for route in unit_routes(plan, unit):
        base = bases.get(route.base)
        if base is None:
            continue
        lon = [base.lon, *(float(s.lon) for s in route.stops), base.lon]
        lat = [base.lat, *(float(s.lat) for s in route.stops), base.lat]
        communes = (base.commune, *(s.code for s in route.stops), base.commune)
        points = Points(np.array(lon), np.array(lat), communes, None, is_population=False)
        matrix = model.compute_matrix(points, points)
        km, minutes = np.asarray(matrix.distance_km), np.asarray(matrix.minutes)
        out[plan.days.index(route)] = [
            (_figure(km[i, i + 1]), _figure(minutes[i, i + 1])) for i in range(len(lon) - 1)
        ]
    return out
