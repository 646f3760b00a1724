"""The capacity workbook over HTTP: a province's template to download, and a filled one
sent as a form's file and imported all or nothing (`registry.edit` over the province).
A refusal names every bad cell (sheet and address, field, value, reason) in the
reader's language, and writes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.i18n import document_lang
from qurb.platform.downloads import content_disposition
from qurb.platform.form_upload import UploadedFile, read_upload, upload_body, uploaded_file
from qurb.platform.http import SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.platform.state import AppState
from qurb.registry.capacity_import import (
    CapacityImportResult,
    capacity_template,
    import_capacity_workbook,
    province_of,
    read_capacity_file,
)
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["capacity"], responses=ERROR_RESPONSES)

EditRegistry = Annotated[Guard, needs(Permission.REGISTRY_EDIT)]
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ProvinceQuery = Annotated[
    str, Query(max_length=16, pattern=r"^[0-9.]+$", description="the province's HCP code")
]


class FacilityChangedRead(BaseModel):
    facility_id: str
    name: str
    measures: list[str] = Field(description="the capacity measures written")
    services_changed: bool
    equipment: int = Field(description="equipment items it holds added or changed")


class CapacityImportRead(BaseModel):
    import_id: int
    province_code: str
    file_name: str
    source: str
    as_of: date
    facilities: int = Field(description="facilities whose capacity values changed")
    values: int = Field(description="capacity values written")
    equipment_added: int
    equipment_changed: int
    services_changed: int = Field(description="facilities whose services offered changed")
    changed: list[FacilityChangedRead]

    @classmethod
    def of(cls, result: CapacityImportResult) -> CapacityImportRead:
        written = result.written
        return cls(
            import_id=written.import_id,
            province_code=result.province_code,
            file_name=result.file_name,
            source=result.source,
            as_of=result.as_of,
            facilities=written.facilities,
            values=written.values,
            equipment_added=written.equipment_added,
            equipment_changed=written.equipment_changed,
            services_changed=result.services_changed,
            changed=[
                FacilityChangedRead(
                    facility_id=line.facility_id,
                    name=line.name,
                    measures=list(line.measures),
                    services_changed=line.services_changed,
                    equipment=line.equipment,
                )
                for line in result.changed
            ],
        )


@router.get(
    "/capacity/template",
    summary="A province's capacity workbook to fill: its facilities with what is recorded",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
)
def capacity_template_file(
    province: ProvinceQuery,
    request: Request,
    session: SessionDep,
    index: IndexDep,
    guard: EditRegistry,
    lang: Annotated[str | None, Query(pattern="^(fr|ar|en)$")] = None,
) -> Response:
    """The workbook (.xlsx) in the asked language (`lang`, else Accept-Language): its
    instructions, the province's facilities with their recorded capacity, beds by
    service, specialists, equipment, and the allowed codes with their sources."""
    territory = province_of(index, province)
    guard.over(target_in(index, territory.code))
    language = document_lang(lang, request.headers.get("accept-language"))
    name, data = capacity_template(session, territory.code, language, index)
    return Response(
        data,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": content_disposition(name)},
    )


def _over_province(state: AppState, guard: Guard, province: str) -> None:
    index = state.part(TerritoryIndex)
    guard.over(target_in(index, province_of(index, province).code))


def _import(
    state: AppState,
    guard: Guard,
    upload: UploadedFile,
    source: str | None,
    as_of: date | None,
    province: str | None,
) -> CapacityImportResult:
    def imported(path: Path) -> CapacityImportResult:
        read = read_capacity_file(path, name=upload.name)  # before the write transaction
        with state.write() as session:
            index = state.part(TerritoryIndex)
            return import_capacity_workbook(
                session,
                lambda code: guard.over(target_in(index, code)),
                path,
                name=upload.name,
                source=source,
                as_of=as_of,
                province=province,
                index=index,
                read=read,
            )

    return read_upload(upload, imported, "capacity")


@router.post(
    "/capacity/import",
    summary="Import a filled capacity workbook: all cells or none",
    response_model=CapacityImportRead,
    openapi_extra=upload_body("the filled capacity workbook (.xlsx) of one province"),
)
async def capacity_import(
    request: Request,
    state: StateDep,
    guard: EditRegistry,
    source: Annotated[
        str | None, Query(max_length=200, description="else the workbook's cell B4")
    ] = None,
    as_of: Annotated[
        date | None,
        Query(description="YYYY-MM-DD; else the workbook's B5, else today"),
    ] = None,
    province: Annotated[
        str | None,
        Query(max_length=16, pattern=r"^[0-9.]+$", description="the province it must be"),
    ] = None,
) -> CapacityImportRead:
    """The form's part `file` is the workbook. A refusal (422) lists every bad cell, the
    first 50 with the total, and writes nothing; a workbook of a province outside the
    account's grants is refused (403) before its rows are checked, and before the file is
    read when `province` names it."""
    if province is not None:  # a file from outside the grants is not read
        await run_in_threadpool(_over_province, state, guard, province)
    upload = await uploaded_file(request)
    result = await run_in_threadpool(_import, state, guard, upload, source, as_of, province)
    return CapacityImportRead.of(result)
