"""The map as a printable PDF page: the indicator the page shows, over what the page draws
for a territory, with its title, legend, date and sources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from qurb.identity.dependencies import PrincipalDep
from qurb.indicators.map_sheet import map_sheet
from qurb.indicators.readers import check_reader, reader_of
from qurb.indicators.service import IndicatorRegistry
from qurb.kernel.clock import today
from qurb.kernel.i18n import document_lang
from qurb.kernel.names import MAX_NAME_CHARS
from qurb.platform.access import Public
from qurb.platform.downloads import content_disposition
from qurb.platform.http import SessionDep, StateDep, TerritoryCodePath
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.territory.service import TerritoryIndex, TerritoryNotFound

router = APIRouter(prefix="/api/maps", tags=["indicators"], responses=ERROR_RESPONSES)


@router.get(
    "/{code}.pdf",
    summary="The map of a territory as a printable PDF page (A4 landscape)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {"schema": {"type": "string"}}}}},
)
def map_pdf(
    _: Public,
    principal: PrincipalDep,
    code: TerritoryCodePath,
    request: Request,
    session: SessionDep,
    state: StateDep,
    indicator: Annotated[
        str,
        Query(description="an indicator's id (GET /api/indicators)", max_length=MAX_NAME_CHARS),
    ] = "population_2024",
    lang: Annotated[str | None, Query(max_length=8, description="fr, ar or en")] = None,
) -> Response:
    """The regions for MA, a region's provinces, the communes of the province holding any
    smaller unit (as the map page draws them); the indicator's own parameters are taken
    from the query as the values route takes them. Words in `?lang=`, else the first of
    fr, ar, en that `Accept-Language` names, else French."""
    chosen = document_lang(lang, request.headers.get("accept-language"))
    found = state.part(IndicatorRegistry).get(indicator)
    if code not in state.part(TerritoryIndex).by_code:
        raise TerritoryNotFound(code="no_territory", values={"code": repr(code)})
    check_reader(found, principal, state.part(TerritoryIndex), code)
    params = found.resolve_params(
        {
            p.name: request.query_params[p.name]
            for p in found.params
            if p.name in request.query_params
        }
    )
    reader = reader_of(found, principal)
    pdf = map_sheet(session, state, found, code, params, chosen, today(), reader)
    name = f"qurb-{found.id}-{code}-{chosen}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition(name, "inline")},
    )
