"""Where the facilities of a filter stand, and nothing else: id, category, commune,
status (and, for a table that names them, name and province). For the services that
count by facility over a large territory (the periodic reports' indicators and
completeness), without reading every facility's whole record."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from qurb.registry._tables import FacilityRow
from qurb.registry.service import FacilityFilter, _facility_query
from qurb.territory.service import TerritoryIndex


@dataclass(frozen=True)
class FacilityPlace:
    id: str
    category: str
    commune_code: str
    status: str


def facility_places(
    session: Session, flt: FacilityFilter, index: TerritoryIndex
) -> list[FacilityPlace]:
    """The facilities of the filter (its name match aside), in the listing's order."""
    query = _facility_query(flt, index).with_only_columns(
        FacilityRow.id, FacilityRow.category, FacilityRow.commune_code, FacilityRow.status
    )
    return [FacilityPlace(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class NamedPlace:
    """A facility's place with what a table of facilities shows of it."""

    id: str
    name: str
    category: str
    commune_code: str
    province_code: str
    status: str


def named_places(session: Session, flt: FacilityFilter, index: TerritoryIndex) -> list[NamedPlace]:
    """`facility_places` with each facility's name and province, in the same order."""
    query = _facility_query(flt, index).with_only_columns(
        FacilityRow.id,
        FacilityRow.name,
        FacilityRow.category,
        FacilityRow.commune_code,
        FacilityRow.province_code,
        FacilityRow.status,
    )
    return [NamedPlace(*row) for row in session.execute(query)]
