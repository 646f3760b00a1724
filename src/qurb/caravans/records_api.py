"""Recording what visits gave from a file: the upload of a CSV or XLSX of records (all
rows or none, every bad row named) and the template to fill (its header = the record's
columns)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from qurb.caravans.api import RecordCaravans, campaign_target
from qurb.caravans.records import read_record_file, record_visits
from qurb.caravans.schemas import Recorded
from qurb.caravans.store import get_campaign
from qurb.caravans.visit_record import RECORD_COLUMNS
from qurb.identity.guard import Guard
from qurb.kernel import clock
from qurb.platform.access import Public
from qurb.platform.downloads import content_disposition
from qurb.platform.files import InputFileError
from qurb.platform.form_upload import UploadedFile, read_upload, upload_body, uploaded_file
from qurb.platform.http import IdPath, SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.platform.state import AppState
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["caravans"], responses=ERROR_RESPONSES)

# The file types a record file may be, by the name's suffix.
SUFFIXES = (".csv", ".xlsx")


def _suffix(name: str) -> str:
    """.csv or .xlsx, from the file's name; else refused."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        values = {"path": name, "suffix": suffix or name, "supported": ", ".join(SUFFIXES)}
        raise InputFileError(code="unsupported_file_type", values=values)
    return suffix


def _record_file(state: AppState, guard: Guard, campaign_id: str, upload: UploadedFile) -> int:
    rows = read_upload(upload, read_record_file, "records")
    with state.write() as session:
        actor = guard.over(campaign_target(session, state.part(TerritoryIndex), campaign_id))
        return record_visits(session, actor, campaign_id, rows, clock.today(), upload.name)


@router.post(
    "/caravans/{campaign_id}/records/file",
    summary="Record what visits gave from a CSV or XLSX file: all rows or none",
    response_model=Recorded,
    openapi_extra=upload_body(
        "the records: a CSV or XLSX file (columns: " + ", ".join(RECORD_COLUMNS) + ")"
    ),
)
async def records_file(
    campaign_id: IdPath,
    request: Request,
    session: SessionDep,
    index: IndexDep,
    state: StateDep,
    guard: RecordCaravans,
) -> Recorded:
    """The form's part `file` is a CSV or XLSX file; its rows are numbered as a
    spreadsheet shows them (the header is line 1). A refusal names every bad row and field
    and records nothing."""
    # Who may record here is checked first: a file from outside the grants is not read.
    await run_in_threadpool(lambda: guard.over(campaign_target(session, index, campaign_id)))
    upload = await uploaded_file(request)
    _suffix(upload.name)
    if not upload.data.strip():
        raise InputFileError(code="empty_file", values={"path": upload.name})
    count = await run_in_threadpool(_record_file, state, guard, campaign_id, upload)
    return Recorded(recorded=count)


@router.get(
    "/caravans/{campaign_id}/records/template.csv",
    summary="The record file to fill: its header is the record's columns",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def records_template(campaign_id: IdPath, session: SessionDep, _: Public) -> Response:
    get_campaign(session, campaign_id)  # an unknown campaign: 404
    return Response(
        (",".join(RECORD_COLUMNS) + "\n").encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": content_disposition(f"{campaign_id}-records.csv"),
        },
    )
