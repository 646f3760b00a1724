"""A facility's capacity over HTTP: read it (the totals and current values public; their
sources and authors for `registry.read` over the facility), enter values (`registry.edit`
over the facility, whose province a délégation's editor holds; If-Match: the facility's
version), its history (`registry.read`), and the lists values are entered against."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from qurb.identity.dependencies import PrincipalDep
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.errors import Forbidden
from qurb.kernel.i18n import document_lang
from qurb.platform.access import Access, Public
from qurb.platform.http import IdPath, IfMatch, SessionDep, StateDep, version_etag, wanted_versions
from qurb.platform.schemas import ERROR_RESPONSES, VERSIONED_WRITE_RESPONSES
from qurb.registry.capacity import capacity_history, read_capacity, set_capacity
from qurb.registry.capacity_model import all_measures
from qurb.registry.capacity_schemas import (
    CapacityRead,
    CapacityValueRead,
    CapacityWriteRequest,
    MeasuresRead,
)
from qurb.registry.targets import over_facility
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["capacity"], responses=ERROR_RESPONSES)

ReadRegistry = Annotated[Guard, needs(Permission.REGISTRY_READ)]
EditRegistry = Annotated[Guard, needs(Permission.REGISTRY_EDIT)]
READS = Access(Permission.REGISTRY_READ, signed_in=True)


@router.get(
    "/facilities/{facility_id}/capacity",
    response_model=CapacityRead,
    summary="A facility's capacity: beds, staff, specialists, hours (sources for "
    "registry.read); its ETag is the facility's version",
)
def read_facility_capacity(
    facility_id: IdPath,
    session: SessionDep,
    index: IndexDep,
    principal: PrincipalDep,
    response: Response,
    _: Public,
) -> CapacityRead:
    """The current value of each measure entered, and the totals every figure reads
    (`beds`; `doctors`: general practitioners plus specialist doctors when both are
    known). A measure never entered is absent; one entered as unknown has a null count.
    Sources, authors and dates of entry are given to a reader holding `registry.read`
    over the facility."""
    capacity = read_capacity(session, facility_id)
    reads = Guard(principal, READS)
    provenance = principal.account is not None and _allows(reads, session, index, facility_id)
    response.headers["ETag"] = version_etag(capacity.version)
    return CapacityRead.of(capacity, provenance)


def _allows(guard: Guard, session: SessionDep, index: TerritoryIndex, facility_id: str) -> bool:
    try:
        over_facility(guard, session, index, facility_id)
    except Forbidden:
        return False
    return True


@router.put(
    "/facilities/{facility_id}/capacity",
    response_model=CapacityRead,
    summary="Enter capacity values of a facility (registry.edit over it; If-Match: the "
    "facility's version)",
    responses=VERSIONED_WRITE_RESPONSES,
)
def write_facility_capacity(
    facility_id: IdPath,
    payload: CapacityWriteRequest,
    state: StateDep,
    response: Response,
    guard: EditRegistry,
    if_match: IfMatch = None,
) -> CapacityRead:
    """Values entered together with their one source and date (not in the future): each
    measure, count and bound is checked (422 naming every problem, nothing written); only
    the measures whose value changes are written, every earlier value kept. The
    facility's beds and doctors follow, and its version moves on."""
    index = state.part(TerritoryIndex)
    with state.write() as session:
        actor = over_facility(guard, session, index, facility_id)
        version = wanted_versions(if_match)  # asked once the writer may write it at all
        capacity = set_capacity(session, actor, facility_id, payload.change(), if_version=version)
        response.headers["ETag"] = version_etag(capacity.version)
        return CapacityRead.of(capacity, True)


@router.get(
    "/facilities/{facility_id}/capacity/history",
    response_model=list[CapacityValueRead],
    summary="Every capacity value entered for a facility, oldest first (registry.read)",
)
def read_capacity_history(
    facility_id: IdPath, session: SessionDep, index: IndexDep, guard: ReadRegistry
) -> list[CapacityValueRead]:
    over_facility(guard, session, index, facility_id)
    return [CapacityValueRead.of(v, True) for v in capacity_history(session, facility_id)]


@router.get(
    "/capacity/measures",
    response_model=MeasuresRead,
    summary="The measures of capacity and the lists they name, with their sources",
)
def measures(
    request: Request,
    _: Public,
    lang: Annotated[str | None, Query(max_length=8, description="fr, ar or en")] = None,
) -> MeasuresRead:
    """Professions, specialties, bed services, equipment kinds and their groups, labelled
    in `?lang=` (else the first of fr, ar, en that Accept-Language names, else French),
    each list with its source; the bounds; the equipment statuses."""
    chosen = document_lang(lang, request.headers.get("accept-language"))
    return MeasuresRead.of(chosen, list(all_measures()))
