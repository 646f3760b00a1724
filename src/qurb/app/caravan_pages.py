"""The caravan pages: the planner's page, a commune's notice, a campaign's report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse

from qurb.app.pages import APP_CSS, LEAFLET_CSS, LEAFLET_JS, NO_CACHE, _page, not_found_page
from qurb.caravans.api import ReadCaravans, campaign_target
from qurb.caravans.outputs import notice_html, report_html
from qurb.caravans.report import campaign_report, unit_names
from qurb.caravans.report_labels import labelled
from qurb.caravans.store import campaign_plan, get_campaign
from qurb.kernel.errors import NotFound
from qurb.kernel.i18n import document_lang, translate
from qurb.platform.access import Public
from qurb.platform.http import IdPath, SessionDep, SettingsDep, TerritoryCodePath
from qurb.platform.navigation import Place, add_place
from qurb.platform.settings import Settings
from qurb.territory.api import IndexDep

router = APIRouter(include_in_schema=False)
add_place(Place("caravans", "/caravans", "nav.caravans", order=20))


def _caravan_page(settings: Settings, campaign_id: str | None) -> HTMLResponse:
    config: dict[str, object] = {
        "campaignId": campaign_id,
        "tileUrl": settings.tile_url,
        "tileAttribution": settings.tile_attribution,
    }
    return _page(
        "caravan.html",
        config,
        title="Qurb — caravanes médicales",
        body_class="caravan-page",
        topbar=True,
        place="caravans",
        stylesheets=[
            LEAFLET_CSS,
            APP_CSS,
            "/static/css/caravan.css",
            "/static/css/caravan_form.css",
            "/static/css/caravan_record.css",
        ],
        classic_scripts=[LEAFLET_JS],
        scripts=["/static/js/caravan.js"],
    )


@router.get("/caravans", response_class=HTMLResponse)
def caravans_page(settings: SettingsDep, _: Public) -> HTMLResponse:
    return _caravan_page(settings, None)


LangQuery = Annotated[str | None, Query(max_length=8)]
AcceptLanguage = Annotated[str | None, Header()]


def unknown_campaign(campaign_id: str, lang: str) -> HTMLResponse:
    """The 404 page of a campaign that does not exist, in the reader's language."""
    return not_found_page(translate(lang, "page.caravan.unknown", {"id": campaign_id}), lang)


@router.get("/caravans/{campaign_id}", response_class=HTMLResponse)
def caravan_page(
    campaign_id: IdPath,
    session: SessionDep,
    settings: SettingsDep,
    _: Public,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> HTMLResponse:
    try:
        campaign = get_campaign(session, campaign_id)
    except NotFound:
        return unknown_campaign(campaign_id, document_lang(lang, accept_language))
    return _caravan_page(settings, campaign.id)


@router.get("/caravans/{campaign_id}/notice/{code}", response_class=HTMLResponse)
def notice(
    campaign_id: IdPath,
    code: TerritoryCodePath,
    session: SessionDep,
    _: Public,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> HTMLResponse:
    chosen = document_lang(lang, accept_language)
    try:
        plan = campaign_plan(session, campaign_id)
    except NotFound:
        return unknown_campaign(campaign_id, chosen)
    try:
        return HTMLResponse(notice_html(plan, code, served=True), headers=NO_CACHE)
    except KeyError:
        values = {"id": campaign_id, "code": code}
        return not_found_page(translate(chosen, "page.caravan.not_visited", values), chosen)


@router.get("/caravans/{campaign_id}/report", response_class=HTMLResponse)
def report_page(
    campaign_id: IdPath,
    session: SessionDep,
    index: IndexDep,
    guard: ReadCaravans,
    lang: LangQuery = None,
    accept_language: AcceptLanguage = None,
) -> HTMLResponse:
    chosen = document_lang(lang, accept_language)
    try:
        guard.over(campaign_target(session, index, campaign_id))
        report = labelled(session, campaign_report(session, campaign_id), chosen)
    except NotFound:
        return unknown_campaign(campaign_id, chosen)
    page = report_html(report, chosen, names=unit_names(session, report, chosen), served=True)
    return HTMLResponse(page, headers=NO_CACHE)
