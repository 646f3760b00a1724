"""Flows from the referrals' origins: a line from each origin facility (its location) or
caravan stop (its commune's reference point) to each destination facility, its volume the
referrals sent, for a region (or a province: the referrals whose patients live in it) and
a range of sending dates, read by one grouped query. The flows from the patients'
communes of residence are `measures.flows_geojson`'s."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.referrals._tables import ReferralRow
from qurb.referrals.measures import day_bounds, region_of
from qurb.registry.lookups import facility_briefs
from qurb.territory.model import TerritoryLevel
from qurb.territory.service import TerritoryIndex


def _counts(
    session: Session, index: TerritoryIndex, territory: str, start: date, end: date
) -> list[tuple[str | None, int | None, str, str, int]]:
    """(origin facility, origin stop, commune of residence, destination, referrals)."""
    unit, region = region_of(index, territory)
    first, last = day_bounds(start, end)
    keys = (
        ReferralRow.origin_facility_id,
        ReferralRow.origin_stop_id,
        ReferralRow.commune_code,
        ReferralRow.destination_facility_id,
    )
    query = (
        select(*keys, func.count())
        .where(
            ReferralRow.region_code == region.code,
            ReferralRow.sent_at >= first,
            ReferralRow.sent_at <= last,
            ReferralRow.kind == "referral",
        )
        .group_by(*keys)
    )
    rows = [tuple(r) for r in session.execute(query).all()]
    if unit.level is TerritoryLevel.PROVINCE:
        inside = {c.code for c in index.communes_within(unit)}
        rows = [r for r in rows if r[2] in inside]
    return rows  # type: ignore[return-value]


def origin_flows_geojson(
    session: Session, index: TerritoryIndex, territory: str, start: date, end: date
) -> dict[str, Any]:
    """A line per (origin, destination facility): `origin_kind` facility or stop, the
    origin's id and names, the destination's, and the `volume` (referrals sent)."""
    volumes: dict[tuple[str, str, str], int] = {}
    communes: dict[str, str] = {}  # a stop's id → its commune (the stop's, as recorded)
    for facility, stop, commune, destination, count in _counts(
        session, index, territory, start, end
    ):
        key = ("facility", facility, destination) if facility else ("stop", str(stop), destination)
        volumes[key] = volumes.get(key, 0) + int(count)
        if not facility:
            communes[str(stop)] = commune
    briefs = facility_briefs(
        session, {d for _, _, d in volumes} | {o for k, o, _ in volumes if k == "facility"}
    )
    features: list[dict[str, Any]] = []
    for (kind, origin, destination), volume in volumes.items():
        end_at = briefs.get(destination)
        start_at: tuple[float, float] | None = None
        names: tuple[str | None, str | None] = (None, None)
        if kind == "facility":
            brief = briefs.get(origin)
            if brief is not None:
                start_at, names = (brief.lon, brief.lat), (brief.name, None)
        else:
            unit = index.by_code.get(communes[origin])
            if unit is not None and unit.ref_lon is not None and unit.ref_lat is not None:
                start_at, names = (unit.ref_lon, unit.ref_lat), (unit.name_fr, unit.name_ar)
        if start_at is None or end_at is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        [round(float(start_at[0]), 5), round(float(start_at[1]), 5)],
                        [round(end_at.lon, 5), round(end_at.lat, 5)],
                    ],
                },
                "properties": {
                    "origin_kind": kind,
                    "origin": origin,
                    "origin_name": names[0],
                    "origin_name_ar": names[1],
                    "facility": destination,
                    "facility_name": end_at.name,
                    "volume": volume,
                },
            }
        )
    features.sort(key=lambda f: (-int(f["properties"]["volume"]), f["properties"]["origin"]))
    return {"type": "FeatureCollection", "features": features}
