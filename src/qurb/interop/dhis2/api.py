"""The DHIS2 exchange's routes: the metadata (public: the territory and facility tree,
the data sets), a data set's reports for a period as `dataValueSets` (reports.read, the
facilities within the grants) and a `dataValueSets` import (watch.report over each
facility; all or nothing)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.interop.dhis2.metadata import NATION, exported_facilities, metadata
from qurb.interop.dhis2.payload import MAX_BODY_MB, DataValueSetIn, IdScheme
from qurb.interop.dhis2.service import export_values, import_values
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.access import Public
from qurb.platform.http import SessionDep, StateDep
from qurb.platform.limits import large_body
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.registry.model import Facility
from qurb.registry.targets import facility_target
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api/dhis2", tags=["dhis2"], responses=ERROR_RESPONSES)

ReadReports = Annotated[Guard, needs(Permission.REPORTS_READ)]
Report_ = Annotated[Guard, needs(Permission.WATCH_REPORT)]
Code = Annotated[str, Query(max_length=64, pattern=NO_NUL_PATTERN)]
Territory = Annotated[
    str, Query(max_length=64, pattern=NO_NUL_PATTERN, description="HCP code (MA: the country)")
]
Scheme = Annotated[
    IdScheme, Query(alias="idScheme", description="identifiers by code (default) or by UID")
]


@router.get(
    "/metadata",
    response_model=dict[str, Any],
    summary="DHIS2 metadata: the territory and facility tree as organisation units, the data "
    "sets, their data elements and category option combos",
)
def dhis2_metadata(session: SessionDep, _: Public, territory: Territory = NATION) -> dict[str, Any]:
    return metadata(session, territory)


@router.get(
    "/dataValueSets",
    response_model=dict[str, Any],
    summary="A data set's current reports for a period as DHIS2 dataValueSets (reports.read, "
    "the facilities within the grants)",
)
def data_value_sets(
    session: SessionDep,
    index: IndexDep,
    guard: ReadReports,
    dataSet: Code,
    period: Annotated[str, Query(max_length=16, pattern=NO_NUL_PATTERN)],
    territory: Territory = NATION,
    scheme: Scheme = IdScheme.CODE,
) -> dict[str, Any]:
    unit = index.resolve(territory)
    allowed = [
        f.id
        for f in exported_facilities(session, index, unit.code)
        if guard.allows(facility_target(session, index, f))
    ]
    return export_values(session, dataSet, period, allowed, scheme)


def _actor_for(guard: Guard, session: Session, index: TerritoryIndex) -> Any:
    def actor(facility: Facility) -> Any:
        return guard.over(facility_target(session, index, facility))

    return actor


@router.post(
    "/dataValueSets",
    response_model=dict[str, Any],
    summary="Import DHIS2 dataValueSets (watch.report over each facility): all or nothing, "
    "every bad value named; DHIS2's import summary",
    openapi_extra=large_body(MAX_BODY_MB),
)
def import_data_value_sets(
    payload: DataValueSetIn, state: StateDep, guard: Report_, scheme: Scheme = IdScheme.CODE
) -> dict[str, Any]:
    """The body may weigh up to 48 MB (100,000 values weigh about 15 MB)."""
    with state.write() as session:
        index = state.part(TerritoryIndex)
        done = import_values(session, _actor_for(guard, session, index), payload, scheme)
        return done.summary()
