"""Facilities as other features see them: a few typed facts by id, never the table rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.registry._tables import FacilityRow


@dataclass(frozen=True)
class FacilityBrief:
    """Who a facility is and where: enough to name it, place it and know if it is open."""

    id: str
    name: str
    category: str
    status: str
    lon: float
    lat: float
    commune_code: str


def _brief(row: FacilityRow) -> FacilityBrief:
    return FacilityBrief(
        row.id,
        row.name,
        row.category,
        row.status,
        float(row.lon),
        float(row.lat),
        row.commune_code,
    )


def facility_brief(session: Session, facility_id: str) -> FacilityBrief | None:
    """The facility with this registry id, or None."""
    row = session.get(FacilityRow, facility_id)
    return None if row is None else _brief(row)


def facility_exists(session: Session, facility_id: str) -> bool:
    return session.get(FacilityRow, facility_id) is not None


def facility_briefs(session: Session, facility_ids: Iterable[str]) -> dict[str, FacilityBrief]:
    """id → brief, for those of `facility_ids` that exist."""
    wanted = set(facility_ids)
    if not wanted:
        return {}
    rows = session.scalars(select(FacilityRow).where(FacilityRow.id.in_(wanted)))
    return {row.id: _brief(row) for row in rows}
