"""Recording what visits gave from a file: the upload of a CSV or XLSX of records (all
rows or none, every bad row named) and the template to fill (its header = the record's
columns)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
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
from qurb.platform.files import MAX_FILE_MB_ENV, FileLimits, InputFileError
from qurb.platform.http import IdPath, SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.platform.state import AppState
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["caravans"], responses=ERROR_RESPONSES)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The file types a record file may be, by media type and by the name's suffix.
SUFFIXES = {"text/csv": ".csv", "application/csv": ".csv", XLSX: ".xlsx"}
_MB = 1 << 20


def _suffix(content_type: str, name: str) -> str:
    """.csv or .xlsx: from the media type, else from the file's name; else refused."""
    media = content_type.split(";")[0].strip().lower()
    suffix = SUFFIXES.get(media) or Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        values = {"path": name, "suffix": suffix or media, "supported": ".csv, .xlsx"}
        raise InputFileError(code="unsupported_file_type", values=values)
    return suffix


def _named(error: InputFileError, name: str) -> InputFileError:
    """A file's error naming the file as the user sent it (never the server's copy): every
    error of a file reader carries its code and values, the path among them."""
    return InputFileError(code=error.code, values={**error.values, "path": name})


def _record_file(
    state: AppState, guard: Guard, campaign_id: str, body: bytes, suffix: str, name: str
) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"records{suffix}"
        path.write_bytes(body)
        try:
            rows = read_record_file(path)
        except InputFileError as error:
            raise _named(error, name) from None
    with state.write() as session:
        actor = guard.over(campaign_target(session, state.part(TerritoryIndex), campaign_id))
        return record_visits(session, actor, campaign_id, rows, clock.today(), name)


@router.post(
    "/caravans/{campaign_id}/records/file",
    summary="Record what visits gave from a CSV or XLSX file: all rows or none",
    response_model=Recorded,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the file itself (columns: " + ", ".join(RECORD_COLUMNS) + ")",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def records_file(
    campaign_id: IdPath,
    request: Request,
    session: SessionDep,
    index: IndexDep,
    state: StateDep,
    guard: RecordCaravans,
    name: Annotated[
        str, Query(max_length=120, description="the file's name, as its problems name it")
    ] = "records.csv",
) -> Recorded:
    """The body is the file (`Content-Type: text/csv` or the XLSX type); its rows are
    numbered as a spreadsheet shows them (the header is line 1). A refusal names every bad
    row and field and records nothing."""
    # Who may record here is checked first: a file from outside the grants is not read.
    await run_in_threadpool(lambda: guard.over(campaign_target(session, index, campaign_id)))
    name = Path(name).name or "records.csv"
    suffix = _suffix(request.headers.get("content-type", ""), name)
    limits = FileLimits.from_env()
    body = await request.body()
    if len(body) > limits.max_file_mb * _MB:
        values = {"path": name, "size": round(len(body) / _MB, 1), "limit": limits.max_file_mb}
        raise InputFileError(code="file_too_large", values={**values, "setting": MAX_FILE_MB_ENV})
    if not body.strip():
        raise InputFileError(code="empty_file", values={"path": name})
    count = await run_in_threadpool(_record_file, state, guard, campaign_id, body, suffix, name)
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
            "Content-Disposition": f'attachment; filename="{campaign_id}-records.csv"',
        },
    )
