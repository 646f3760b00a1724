"""A convention's workbook over HTTP: `GET /api/conventions/{id}/workbook` (.xlsx, for
whoever may read the convention; its decisions sheet filled for the committee's
members) and `POST` of a filled one as a form's file, imported all or nothing: each row
written as its single edit would be, by the secretariat (`conventions.manage` over the
convention) or a party's user (`conventions.party`, its own party's rows only; another
party's row is a 403 and nothing is written). A refusal (422) names every bad row."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from qurb.conventions.acting import GuardAuthority
from qurb.conventions.listing import targets_of
from qurb.conventions.money_api import ConventionId
from qurb.conventions.records import Convention
from qurb.conventions.service import get_convention
from qurb.conventions.workbook import workbook_file
from qurb.conventions.workbook_import import (
    WorkbookImportResult,
    import_convention_workbook,
    read_workbook_file,
)
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.i18n import document_lang
from qurb.platform.downloads import content_disposition
from qurb.platform.form_upload import UploadedFile, read_upload, upload_body, uploaded_file
from qurb.platform.http import SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.platform.state import AppState
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api/conventions", tags=["conventions"], responses=ERROR_RESPONSES)

ReadConventions = Annotated[Guard, needs(Permission.CONVENTIONS_READ)]
WriteRows = Annotated[Guard, needs(Permission.CONVENTIONS_PARTY)]
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetCountsRead(BaseModel):
    sheet: str
    created: int
    updated: int
    unchanged: int


class WorkbookImportRead(BaseModel):
    convention_id: int
    reference: str
    file_name: str
    changed: int = Field(description="rows created or updated, all sheets")
    sheets: list[SheetCountsRead]

    @classmethod
    def of(cls, result: WorkbookImportResult) -> WorkbookImportRead:
        return cls(
            convention_id=result.convention_id,
            reference=result.reference,
            file_name=result.file_name,
            changed=result.changed,
            sheets=[
                SheetCountsRead(
                    sheet=s.sheet, created=s.created, updated=s.updated, unchanged=s.unchanged
                )
                for s in result.sheets
            ],
        )


def sits(guard: Guard, index: TerritoryIndex, convention: Convention) -> bool:
    """May the account see the committee's decisions (`committee.sit` over it)?"""
    principal = guard.principal
    return any(
        Permission.COMMITTEE_SIT in principal.permissions_over(t)
        for t in targets_of(index, convention)
    )


@router.get(
    "/{convention_id}/workbook",
    summary="A convention's workbook: parties, contributions, deliverables, disbursements, "
    "decisions",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
)
def workbook(
    convention_id: ConventionId,
    request: Request,
    session: SessionDep,
    index: IndexDep,
    guard: ReadConventions,
    lang: Annotated[str | None, Query(pattern="^(fr|ar|en)$")] = None,
) -> Response:
    """The workbook (.xlsx) in the asked language (`lang`, else Accept-Language): its
    about sheet, then one sheet per kind of record, each row with its id and version
    (the decisions' sheet empty for an account that does not sit on the committee)."""
    convention = get_convention(session, convention_id)
    targets = targets_of(index, convention)
    if not any(guard.allows(t) for t in targets):
        guard.over(targets[0])
    language = document_lang(lang, request.headers.get("accept-language"))
    decisions = sits(guard, index, convention)
    name, data = workbook_file(session, convention_id, language, decisions=decisions)
    return Response(
        data,
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": content_disposition(name)},
    )


def _import(
    state: AppState, guard: Guard, convention_id: int, upload: UploadedFile
) -> WorkbookImportResult:
    def imported(path: Path) -> WorkbookImportResult:
        book = read_workbook_file(path, name=upload.name)  # before the write transaction
        with state.write() as session:
            index = state.part(TerritoryIndex)
            convention = get_convention(session, convention_id)
            authority = GuardAuthority(guard, index, convention)
            return import_convention_workbook(session, authority, convention_id, book)

    return read_upload(upload, imported, "workbook")


def _may_write(state: AppState, guard: Guard, convention_id: int) -> None:
    """Refused (404, 403) before the file is read: no such convention, or an account
    whose grants do not reach it."""
    with state.factory() as session:
        convention = get_convention(session, convention_id)
    targets = targets_of(state.part(TerritoryIndex), convention)
    if not any(guard.allows(t) for t in targets):
        guard.over(targets[0])


@router.post(
    "/{convention_id}/workbook",
    summary="Import a convention's workbook: every row or none",
    response_model=WorkbookImportRead,
    openapi_extra=upload_body("the convention's workbook (.xlsx), as exported and edited"),
)
async def workbook_import(
    convention_id: ConventionId, request: Request, state: StateDep, guard: WriteRows
) -> WorkbookImportRead:
    """The form's part `file` is the workbook. A refusal (422) names every bad row
    (sheet, row, column, reason; the first 50 with the total) and writes nothing; a row
    of a party the account does not act for is a 403, nothing written either. An
    unchanged workbook writes nothing (0 changed)."""
    await run_in_threadpool(_may_write, state, guard, convention_id)
    upload = await uploaded_file(request)
    result = await run_in_threadpool(_import, state, guard, convention_id, upload)
    return WorkbookImportRead.of(result)
