"""Facilities: filtered pages (JSON or GeoJSON) and one facility (public), its history
(`registry.read` over it), and registry edits (`registry.edit` over the facility: add,
change, close, reopen) through the same models and validation as the CLI."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from qurb.identity.dependencies import PrincipalDep
from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.identity.scopes import Target
from qurb.kernel.attribution import Attribution, facility_sources
from qurb.kernel.names import MAX_NAME_CHARS
from qurb.kernel.values import MAX_OFFSET, NO_NUL_PATTERN
from qurb.platform.access import Access, Public
from qurb.platform.geojson import FeatureCollection
from qurb.platform.http import (
    GeoJSONResponse,
    IdPath,
    IfMatch,
    NameText,
    SessionDep,
    StateDep,
    version_etag,
    wanted_versions,
)
from qurb.platform.schemas import ERROR_RESPONSES, VERSIONED_WRITE_RESPONSES
from qurb.registry.model import Facility, Level
from qurb.registry.schemas import (
    FacilityChangeRead,
    FacilityCloseRequest,
    FacilityCreateRequest,
    FacilityPage,
    FacilityRead,
    FacilityReopenRequest,
    FacilityRights,
    FacilityUpdateRequest,
)
from qurb.registry.service import (
    FacilityFilter,
    close_facility,
    create_facilities,
    facility_history,
    facility_page,
    get_facility,
    reopen_facility,
    update_facility,
)
from qurb.registry.targets import facility_target, new_facilities_targets, over_facility
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api/facilities", tags=["facilities"], responses=ERROR_RESPONSES)


ReadRegistry = Annotated[Guard, needs(Permission.REGISTRY_READ)]
EditRegistry = Annotated[Guard, needs(Permission.REGISTRY_EDIT)]

MAX_PAGE = 5000


class FacilityQuery:
    """The listing filters, shared by the JSON and the GeoJSON listing."""

    def __init__(
        self,
        territory: Annotated[
            str | None,
            Query(
                pattern=NO_NUL_PATTERN,
                max_length=MAX_NAME_CHARS,
                description="HCP code or FR/AR name of a territory",
            ),
        ] = None,
        category: Annotated[
            list[NameText] | None, Query(description="category code, repeatable (DR, CSR-1, HP…)")
        ] = None,
        level: Annotated[Level | None, Query(description="primary | secondary | tertiary")] = None,
        sector: Annotated[
            str,
            Query(
                pattern="^(public|private|unknown|all)$",
                description="public: the registry's public offer (OSM points kept apart); "
                "private; unknown: OSM points that name no operator (in neither offer); all",
            ),
        ] = "public",
        status: Annotated[str, Query(pattern="^(open|closed|all)$")] = "open",
        name: Annotated[
            str | None,
            Query(
                pattern=NO_NUL_PATTERN,
                max_length=MAX_NAME_CHARS,
                description="part of the name, accents optional",
            ),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> None:
        self.filter = FacilityFilter(
            territory, tuple(category or ()), level.value if level else None, sector, status, name
        )
        self.limit, self.offset = limit, offset


FacilityQueryDep = Annotated[FacilityQuery, Depends()]


@router.get("", response_model=FacilityPage, summary="Facilities, filtered, one page")
def list_facilities(
    query: FacilityQueryDep, session: SessionDep, index: IndexDep, _: Public
) -> FacilityPage:
    total, rows = facility_page(session, query.filter, index, query.limit, query.offset)
    return FacilityPage(
        total=total,
        limit=query.limit,
        offset=query.offset,
        returned=len(rows),
        items=[FacilityRead.of(r, index) for r in rows],
    )


def _feature(read: FacilityRead) -> dict[str, Any]:
    properties = read.model_dump(mode="json", exclude={"lon", "lat"})
    return {
        "type": "Feature",
        "id": read.id,
        "geometry": {"type": "Point", "coordinates": [read.lon, read.lat]},
        "properties": properties,
    }


@router.get(
    ".geojson",
    summary="Facilities as GeoJSON points, filtered, one page",
    response_model=FeatureCollection,
    response_class=GeoJSONResponse,
)
def list_facilities_geojson(
    query: FacilityQueryDep, session: SessionDep, index: IndexDep, _: Public
) -> FeatureCollection:
    total, rows = facility_page(session, query.filter, index, query.limit, query.offset)
    features = [_feature(FacilityRead.of(r, index)) for r in rows]
    sources = Attribution(facility_sources(f["properties"] for f in features))
    body = {
        "type": "FeatureCollection",
        "total": total,
        "limit": query.limit,
        "offset": query.offset,
        "features": features,
    }
    return FeatureCollection.model_validate(sources.annotate(body))


@router.get(
    "/{facility_id}",
    response_model=FacilityRead,
    summary="One facility; its ETag is its version, to name in If-Match to change it",
)
def read_facility(
    facility_id: IdPath, session: SessionDep, index: IndexDep, response: Response, _: Public
) -> FacilityRead:
    return _read(get_facility(session, facility_id), index, response)


@router.get(
    "/{facility_id}/history",
    response_model=list[FacilityChangeRead],
    summary="Every change to a facility: who, when, before, after",
)
def read_history(
    facility_id: IdPath, session: SessionDep, index: IndexDep, guard: ReadRegistry
) -> list[FacilityChangeRead]:
    over_facility(guard, session, index, facility_id)
    return [FacilityChangeRead.of(c) for c in facility_history(session, facility_id)]


@router.get(
    "/{facility_id}/rights",
    response_model=FacilityRights,
    summary="What the asker may do to a facility (its grants over the facility's place): "
    "read its history, edit it, edit its province's capacity workbook",
)
def read_rights(
    facility_id: IdPath,
    session: SessionDep,
    index: IndexDep,
    principal: PrincipalDep,
    _: Public,
) -> FacilityRights:
    facility = get_facility(session, facility_id)
    here = facility_target(session, index, facility)
    province = target_in(index, facility.province_code)

    def may(permission: Permission, target: Target) -> bool:
        return Guard(principal, Access(permission, signed_in=True)).allows(target)

    return FacilityRights(
        facility_id=facility.id,
        province_code=facility.province_code,
        read=may(Permission.REGISTRY_READ, here),
        edit=may(Permission.REGISTRY_EDIT, here),
        edit_province=may(Permission.REGISTRY_EDIT, province),
    )


def _read(
    facility: Facility, index: TerritoryIndex, response: Response | None = None
) -> FacilityRead:
    """The facility as the API gives it, and its version as the response's ETag."""
    if response is not None:
        response.headers["ETag"] = version_etag(facility.version)
    return FacilityRead.of(facility, index)


@router.post(
    "",
    response_model=FacilityRead,
    status_code=201,
    summary="Add a facility (registry.edit over its commune)",
)
def add_facility(
    payload: FacilityCreateRequest, state: StateDep, response: Response, guard: EditRegistry
) -> FacilityRead:
    index = state.part(TerritoryIndex)
    with state.write() as session:
        facility = payload.facility()
        [target] = new_facilities_targets(session, index, [(None, facility)])
        [facility_id] = create_facilities(
            session, guard.over(target), [(None, facility)], payload.reason
        )
        return _read(get_facility(session, facility_id), index, response)


@router.patch(
    "/{facility_id}",
    response_model=FacilityRead,
    summary="Change a facility (registry.edit over it; If-Match: the version read); a new "
    "category is a re-categorisation",
    responses=VERSIONED_WRITE_RESPONSES,
)
def change_facility(
    facility_id: IdPath,
    payload: FacilityUpdateRequest,
    state: StateDep,
    response: Response,
    guard: EditRegistry,
    if_match: IfMatch = None,
) -> FacilityRead:
    index = state.part(TerritoryIndex)
    with state.write() as session:
        actor = over_facility(guard, session, index, facility_id)
        version = wanted_versions(if_match)  # asked once the writer may write it at all
        row = update_facility(
            session, actor, facility_id, payload.update(), payload.reason, if_version=version
        )
        # A move to another commune needs the grant over the new place too (else all of
        # the change is rolled back).
        guard.over(facility_target(session, index, row))
        return _read(row, index, response)


@router.post(
    "/{facility_id}/close",
    response_model=FacilityRead,
    summary="Close a facility (registry.edit over it; If-Match: the version read): kept "
    "with its history, no longer counted",
    responses=VERSIONED_WRITE_RESPONSES,
)
def close(
    facility_id: IdPath,
    payload: FacilityCloseRequest,
    state: StateDep,
    response: Response,
    guard: EditRegistry,
    if_match: IfMatch = None,
) -> FacilityRead:
    index = state.part(TerritoryIndex)
    with state.write() as session:
        actor = over_facility(guard, session, index, facility_id)
        version = wanted_versions(if_match)
        closed = close_facility(session, actor, facility_id, payload.reason, if_version=version)
        return _read(closed, index, response)


@router.post(
    "/{facility_id}/reopen",
    response_model=FacilityRead,
    summary="Reopen a closed facility (registry.edit over it; If-Match: the version read): "
    "counted again, and editable",
    responses=VERSIONED_WRITE_RESPONSES,
)
def reopen(
    facility_id: IdPath,
    payload: FacilityReopenRequest,
    state: StateDep,
    response: Response,
    guard: EditRegistry,
    if_match: IfMatch = None,
) -> FacilityRead:
    index = state.part(TerritoryIndex)
    with state.write() as session:
        actor = over_facility(guard, session, index, facility_id)
        version = wanted_versions(if_match)
        opened = reopen_facility(session, actor, facility_id, payload.reason, if_version=version)
        return _read(opened, index, response)
