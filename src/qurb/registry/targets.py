"""What a facility is, for a grant's scope: its territory (the arrondissement, else the
commune) with the territories above it, the partners that are it, and its id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard
from qurb.identity.partner_service import partners_of_facility
from qurb.identity.scopes import Target
from qurb.kernel.actor import Actor
from qurb.registry.model import Facility
from qurb.registry.service import FacilityCreate, checked_facilities, get_facility
from qurb.territory.service import TerritoryIndex


def facility_target(session: Session, index: TerritoryIndex, facility: Facility) -> Target:
    territory = facility.arrondissement_code or facility.commune_code
    return target_in(
        index,
        territory,
        partners=partners_of_facility(session, facility.id),
        facility=facility.id,
    )


def over_facility(guard: Guard, session: Session, index: TerritoryIndex, facility_id: str) -> Actor:
    """The actor for an act on the facility (404 if there is none, 403 outside the grants'
    scopes of the guard's permission)."""
    return guard.over(facility_target(session, index, get_facility(session, facility_id)))


def new_facility_target(index: TerritoryIndex, values: Mapping[str, Any]) -> Target:
    """A facility not yet in the registry, by its checked values: its territory alone
    (no partner is it yet; a grant restricted to named facilities does not cover it)."""
    territory = values.get("arrondissement_code") or values["commune_code"]
    return target_in(index, str(territory))


def new_facilities_targets(
    session: Session,
    index: TerritoryIndex,
    payloads: Sequence[tuple[int | None, FacilityCreate]],
    source: str = "",
) -> list[Target]:
    """The targets of facilities to add, checked first (every problem, nothing written)."""
    return [new_facility_target(index, v) for v in checked_facilities(session, payloads, source)]
