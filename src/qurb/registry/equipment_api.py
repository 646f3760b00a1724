"""Equipment over HTTP: list it (public), add it and change it (`registry.edit` over the
facility that holds it; If-Match: its version), its history (`registry.read`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.access import Public
from qurb.platform.http import IfMatch, SessionDep, StateDep, version_etag, wanted_versions
from qurb.platform.schemas import ERROR_RESPONSES, VERSIONED_WRITE_RESPONSES
from qurb.registry.capacity_model import EquipmentStatus
from qurb.registry.capacity_schemas import (
    EquipmentChangeRead,
    EquipmentCreateRequest,
    EquipmentRead,
    EquipmentUpdateRequest,
)
from qurb.registry.equipment import (
    EquipmentFilter,
    add_equipment,
    equipment_history,
    get_equipment,
    list_equipment,
    update_equipment,
)
from qurb.registry.targets import over_facility
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api/equipment", tags=["equipment"], responses=ERROR_RESPONSES)

ReadRegistry = Annotated[Guard, needs(Permission.REGISTRY_READ)]
EditRegistry = Annotated[Guard, needs(Permission.REGISTRY_EDIT)]
EquipmentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="an equipment id")]


class EquipmentQuery:
    def __init__(
        self,
        facility: Annotated[
            str | None,
            Query(pattern=NO_NUL_PATTERN, max_length=80, description="a facility's id"),
        ] = None,
        territory: Annotated[
            str | None,
            Query(
                pattern=NO_NUL_PATTERN,
                max_length=200,
                description="HCP code or FR/AR name of a territory",
            ),
        ] = None,
        kind: Annotated[
            str | None,
            Query(pattern=NO_NUL_PATTERN, max_length=40, description="an equipment kind"),
        ] = None,
        status: Annotated[
            EquipmentStatus | None, Query(description="working | down | retired")
        ] = None,
    ) -> None:
        self.filter = EquipmentFilter(
            facility, territory, kind, status.value if status is not None else None
        )


@router.get("", response_model=list[EquipmentRead], summary="Equipment, filtered")
def list_items(
    query: Annotated[EquipmentQuery, Depends()], session: SessionDep, index: IndexDep, _: Public
) -> list[EquipmentRead]:
    """The equipment of a facility, or of the facilities of a territory, of a kind, with
    a status: by facility, kind and id."""
    return [EquipmentRead.of(e) for e in list_equipment(session, query.filter, index)]


@router.post(
    "",
    response_model=EquipmentRead,
    status_code=201,
    summary="Add a piece of equipment to a facility (registry.edit over the facility)",
)
def add_item(
    payload: EquipmentCreateRequest, state: StateDep, response: Response, guard: EditRegistry
) -> EquipmentRead:
    """Its kind from the list (`/api/capacity/measures`), its source; down needs its
    reason and the date since when, retired its date; no date in the future."""
    index = state.part(TerritoryIndex)
    with state.write() as session:
        actor = over_facility(guard, session, index, payload.facility_id)
        item = add_equipment(session, actor, payload.item())
        response.headers["ETag"] = version_etag(item.version)
        return EquipmentRead.of(item)


@router.patch(
    "/{equipment_id}",
    response_model=EquipmentRead,
    summary="Change a piece of equipment: its status or details (registry.edit over its "
    "facility; If-Match: its version)",
    responses=VERSIONED_WRITE_RESPONSES,
)
def change_item(
    equipment_id: EquipmentId,
    payload: EquipmentUpdateRequest,
    state: StateDep,
    response: Response,
    guard: EditRegistry,
    if_match: IfMatch = None,
) -> EquipmentRead:
    """Working → down needs its reason and the date since when; down → working; any →
    retired with its date; retired is final (422 naming each problem, nothing written)."""
    index = state.part(TerritoryIndex)
    with state.write() as session:
        held = get_equipment(session, equipment_id)
        actor = over_facility(guard, session, index, held.facility_id)
        version = wanted_versions(if_match)
        item = update_equipment(session, actor, equipment_id, payload.update(), if_version=version)
        response.headers["ETag"] = version_etag(item.version)
        return EquipmentRead.of(item)


@router.get(
    "/{equipment_id}/history",
    response_model=list[EquipmentChangeRead],
    summary="Every change of a piece of equipment: who, when, before, after (registry.read)",
)
def item_history(
    equipment_id: EquipmentId, session: SessionDep, index: IndexDep, guard: ReadRegistry
) -> list[EquipmentChangeRead]:
    over_facility(guard, session, index, get_equipment(session, equipment_id).facility_id)
    return [EquipmentChangeRead.of(c) for c in equipment_history(session, equipment_id)]
