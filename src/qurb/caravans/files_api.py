"""A campaign file read for the page's form: `POST /api/caravans/files` (multipart, the
part `file`: TOML or JSON, at most 1 MB) answers the spec the form fills itself from, or
422 naming every problem with the file's name and field. Nothing is kept."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from qurb.caravans.api import PlanCaravans
from qurb.caravans.campaign_files import FIELD, MAX_FILE_BYTES, read_campaign_bytes
from qurb.caravans.model import CampaignError, CampaignSpec
from qurb.identity.grant_service import territory_target
from qurb.kernel import clock
from qurb.kernel.errors import NotFound
from qurb.platform.form_upload import upload_body, uploaded_file
from qurb.platform.http import StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["caravans"], responses=ERROR_RESPONSES)


@router.post(
    "/caravans/files",
    summary="Read a campaign file (TOML or JSON) into the campaign the form fills from",
    response_model=CampaignSpec,
    openapi_extra=upload_body(
        f"the campaign file: TOML (.toml) or JSON (.json), UTF-8, at most {MAX_FILE_BYTES:,} bytes"
    ),
)
async def campaign_file(request: Request, state: StateDep, guard: PlanCaravans) -> JSONResponse:
    """The file parsed and checked as `POST /api/caravans` would (its keys, types, dates,
    teams, units and settings; not yet the communes, which the planning reads): the spec
    as JSON, dates ISO. A refusal names the file and every problem's field (a syntax
    error its line and column). `caravans.plan` over the file's territory."""
    upload = await uploaded_file(request, FIELD)
    name = upload.name
    spec = await run_in_threadpool(read_campaign_bytes, name, upload.data, clock.today())
    try:
        target = territory_target(state.part(TerritoryIndex), spec.territory)
    except NotFound as error:
        values = {"field": f"{name}: territory", "cause": error}
        raise CampaignError(code="in_field", values=values) from None
    guard.over(target)
    return JSONResponse(spec.model_dump(mode="json"))
