"""The caravan pages: the planner's page, a commune's notice, a campaign's report."""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from qurb.app.pages import _page
from qurb.caravans.outputs import notice_html, report_html
from qurb.caravans.report import campaign_report
from qurb.caravans.store import campaign_plan, get_campaign
from qurb.kernel.errors import NotFound
from qurb.platform.http import IdPath, SessionDep, SettingsDep, TerritoryCodePath
from qurb.platform.settings import Settings

router = APIRouter(include_in_schema=False)


def _html_not_found(message: str) -> HTMLResponse:
    text = html.escape(message)
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><p>{text}</p>", status_code=404)


def _config(settings: Settings, campaign_id: str | None) -> dict[str, object]:
    return {
        "campaignId": campaign_id,
        "localMode": settings.local_mode,
        "tileUrl": settings.tile_url,
        "tileAttribution": settings.tile_attribution,
    }


@router.get("/caravans", response_class=HTMLResponse)
def caravans_page(settings: SettingsDep) -> HTMLResponse:
    return _page("caravan.html", _config(settings, None))


@router.get("/caravans/{campaign_id}", response_class=HTMLResponse)
def caravan_page(campaign_id: IdPath, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    try:
        campaign = get_campaign(session, campaign_id)
    except NotFound as error:
        return _html_not_found(f"Campagne inconnue / unknown campaign: {error}")
    return _page("caravan.html", _config(settings, campaign.id))


@router.get("/caravans/{campaign_id}/notice/{code}", response_class=HTMLResponse)
def notice(campaign_id: IdPath, code: TerritoryCodePath, session: SessionDep) -> HTMLResponse:
    try:
        plan = campaign_plan(session, campaign_id)
    except NotFound as error:
        return _html_not_found(f"Campagne inconnue / unknown campaign: {error}")
    try:
        return HTMLResponse(notice_html(plan, code))
    except KeyError:
        return _html_not_found(
            f"La campagne {campaign_id} ne visite pas la commune {code} / "
            f"campaign {campaign_id} does not visit commune {code}"
        )


@router.get("/caravans/{campaign_id}/report", response_class=HTMLResponse)
def report_page(campaign_id: IdPath, session: SessionDep) -> HTMLResponse:
    try:
        return HTMLResponse(report_html(campaign_report(session, campaign_id)))
    except NotFound as error:
        return _html_not_found(f"Campagne inconnue / unknown campaign: {error}")
