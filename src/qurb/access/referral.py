"""Referral times (AccessMod's "referral" analysis): from each open ESSP of a territory,
the time and distance to the nearest general hospital of each referral tier."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from qurb.access.service import DestinationReader, destination_reader, rounded
from qurb.algo.accessibility import AccessError, check_thresholds
from qurb.algo.travel import Points, TravelTimeModel
from qurb.registry.facility_services import HospitalTier
from qurb.registry.points import FacilitySelector, read_open_points
from qurb.territory.model import Territory
from qurb.territory.service import TerritoryIndex

# Referral tiers (AccessMod's "referral" analysis): the CHU tier includes the CHU's own
# units listed as HIR (hôpital inter-régional). Referral goes to general hospitals only:
# an oncology centre or a children's hospital of a CHU is no referral hospital for all.
REFERRAL_TIERS: dict[str, tuple[str, ...]] = {
    "HPr": ("HPr",),
    "HP": ("HP",),
    "HR": ("HR",),
    "CHU": ("CHU", "HIR"),
}


def compute_referrals(
    session: Session,
    territory: Territory,
    model: TravelTimeModel,
    threshold_minutes: float = 60.0,
    tiers: Sequence[str] = tuple(REFERRAL_TIERS),
    index: TerritoryIndex | None = None,
    read: DestinationReader | None = None,
) -> list[dict[str, Any]]:
    """From each open ESSP of `territory`: time and distance to the nearest facility of
    each referral tier, and whether it lies beyond `threshold_minutes`."""
    (threshold,) = check_thresholds([threshold_minutes])
    unknown = [t for t in tiers if t not in REFERRAL_TIERS]
    if unknown:
        values = {"value": repr(unknown[0]), "tiers": list(REFERRAL_TIERS)}
        raise AccessError(code="unknown_referral_tier", values=values)
    index = index or TerritoryIndex.from_session(session)
    essp = read_open_points(session, index.scope(territory), "ESSP")
    origins = Points(
        np.array([r.lon for r in essp], float),
        np.array([r.lat for r in essp], float),
        tuple(r.commune_code for r in essp),
        tuple(r.id for r in essp),
        is_population=False,  # a patient referred from the centre starts on the road
    )
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "name": r.name,
            "category": r.category,
            "commune": r.commune_code,
            "commune_name": index.by_code[r.commune_code].name_fr,
        }
        for r in essp
    ]
    for tier in tiers:
        destinations = destination_reader(session, read)(
            FacilitySelector(categories=REFERRAL_TIERS[tier], tier=HospitalTier.GENERAL)
        )
        nearest = model.compute_nearest(origins, destinations.points)
        for i, row in enumerate(rows):
            j = int(nearest.index[i])
            row[f"{tier}_facility"] = destinations.names[j] if j >= 0 else None
            row[f"{tier}_minutes"] = rounded(nearest.minutes[i])
            row[f"{tier}_km"] = rounded(nearest.distance_km[i])
            row[f"{tier}_beyond"] = bool(not nearest.minutes[i] <= threshold)
    for row in rows:
        row["beyond_any"] = any(row[f"{t}_beyond"] for t in tiers)
    return rows
