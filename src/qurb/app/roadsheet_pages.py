"""A unit's printable road sheet, `/caravans/{id}/roadsheet?unit=<name>&lang=`: a page
written on the server (a document, like the notice and the report), with print rules, so
that the browser prints it or saves it as PDF without another engine; its route map is an
inline SVG drawn on the server, which prints as it shows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from qurb.app.caravan_pages import AcceptLanguage, LangQuery, unknown_campaign
from qurb.app.pages import NO_CACHE, not_found_page
from qurb.caravans.api import ReadCaravans, campaign_target
from qurb.caravans.roadsheet import road_sheet, road_sheet_html, unit_routes
from qurb.caravans.roadsheet_legs import route_legs
from qurb.caravans.store import get_campaign
from qurb.kernel.errors import NotFound
from qurb.kernel.i18n import document_lang, translate
from qurb.platform.http import IdPath, SessionDep, StateDep
from qurb.territory.api import IndexDep
from qurb.territory.layers import DisplayLayers
from qurb.territory.model import TerritoryLevel

router = APIRouter(include_in_schema=False)

UnitQuery = Annotated[
    str | None,
    Query(max_length=120, description="the unit's name (default: the first that drives)"),
]


@router.get("/caravans/{campaign_id}/roadsheet", response_class=HTMLResponse)
def roadsheet_page(
    campaign_id: IdPath,
    session: SessionDep,
    state: StateDep,
    index: IndexDep,
    guard: ReadCaravans,
    unit: UnitQuery = None,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> HTMLResponse:
    chosen = document_lang(lang, accept_language)
    try:
        guard.over(campaign_target(session, index, campaign_id))
        stored = get_campaign(session, campaign_id)
    except NotFound:
        return unknown_campaign(campaign_id, chosen)
    plan = stored.plan
    if unit is None and plan.days:
        unit = plan.days[0].unit
    if unit is None or not unit_routes(plan, unit):
        values = {"id": campaign_id, "unit": unit or ""}
        return not_found_page(translate(chosen, "page.roadsheet.no_unit", values), chosen)
    legs = route_legs(session, plan, stored.spec, unit)
    territory = plan.campaign.territory
    # The territory's communes (a cercle's or a commune's too), drawn under the route.
    areas = [
        f
        for f in state.part(DisplayLayers).features(TerritoryLevel.COMMUNE)
        if index.is_within(f["id"], territory.code)
    ]
    named = {f["id"] for f in areas} | {s.code for s in plan.stops}
    names = {
        code: (u.name_ar or u.name_fr) if chosen == "ar" else u.name_fr
        for code, u in index.by_code.items()
        if code in named
    }
    shown = (territory.name_ar or territory.name_fr) if chosen == "ar" else territory.name_fr
    sheet = road_sheet(plan, stored.spec, unit, names, legs, areas, shown)
    return HTMLResponse(road_sheet_html(sheet, chosen), headers=NO_CACHE)
