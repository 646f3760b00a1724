"""Mobile medical caravans: plan a campaign (saved in local mode), its map layer, calendar,
day-by-day table and public notices, the record of what the visits gave (local mode), the
report, the referrals a facility received, and the pages `/caravans` and
`/caravans/{id}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from qurb.caravans.catalogue import check_campaign, parse_campaign
from qurb.caravans.model import CampaignSpec
from qurb.caravans.outputs import geojson_document, plan_csv_text, plan_geojson, plan_ics
from qurb.caravans.plan import PlannedCampaign
from qurb.caravans.records import record_visits
from qurb.caravans.report import campaign_report, referrals_by_facility
from qurb.caravans.schemas import CampaignRead, Recorded, RecordsBody
from qurb.caravans.service import plan_campaign
from qurb.caravans.store import campaign_plan, get_campaign, list_campaigns, save_campaign
from qurb.caravans.summaries import (
    CampaignReport,
    CampaignSummary,
    ReferralLine,
)
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.values import MAX_SEED
from qurb.platform.geojson import FeatureCollection
from qurb.platform.http import (
    GeoJSONResponse,
    IdPath,
    LocalEdit,
    SessionDep,
    SettingsDep,
    StateDep,
)
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.registry.service import get_facility
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model

router = APIRouter(prefix="/api", tags=["caravans"], responses=ERROR_RESPONSES)


MAX_TIME_LIMIT_S = 60.0


@router.get(
    "/caravans",
    summary="Saved caravan campaigns, newest first",
    response_model=list[CampaignSummary],
)
def campaigns(session: SessionDep) -> list[CampaignSummary]:
    return list_campaigns(session)


@router.post(
    "/caravans", summary="Plan a campaign (saved in local mode)", response_model=PlannedCampaign
)
def plan(
    state: StateDep,
    settings: SettingsDep,
    session: SessionDep,
    campaign: Annotated[
        CampaignSpec,
        Body(description="The campaign: the keys of a campaign file, dates as ISO strings"),
    ],
    time_limit_s: Annotated[
        float | None,
        Query(gt=0, le=MAX_TIME_LIMIT_S, description="solver seconds (default: the settings)"),
    ] = None,
    seed: Annotated[int | None, Query(ge=0, le=MAX_SEED, description="solver seed")] = None,
) -> PlannedCampaign:
    """Score the communes and schedule the visits (PyVRP, seeded, time-limited); saved as
    a campaign when the server runs in local mode (`id` is null otherwise)."""
    spec = parse_campaign(campaign.model_dump(exclude_unset=True), "campaign")
    today = clock.today()
    check_campaign(spec, today)  # settings checked before the cap reads them
    limit = time_limit_s or min(float(spec.setting("time_limit_s")), MAX_TIME_LIMIT_S)
    result = plan_campaign(
        session,
        spec,
        commune_graph_model(session),
        today,
        index=state.part(TerritoryIndex),
        time_limit_s=limit,
        seed=seed,
    )
    campaign_id = None
    if settings.local_mode:
        with state.write() as writer:
            campaign_id = save_campaign(writer, Actor.local(settings.default_user), spec, result)
    return PlannedCampaign.model_validate({"id": campaign_id, **result.stored_json()})


@router.get(
    "/caravans/{campaign_id}",
    summary="A saved campaign: its plan and its spec",
    response_model=CampaignRead,
    response_model_exclude_unset=True,
)
def campaign(campaign_id: IdPath, session: SessionDep) -> CampaignRead:
    return CampaignRead.of(get_campaign(session, campaign_id))


@router.get(
    "/caravans/{campaign_id}/routes.geojson",
    summary="Routes (one LineString per route) and stops (one Point per visit)",
    response_model=FeatureCollection,
    response_class=GeoJSONResponse,
)
def routes_geojson(campaign_id: IdPath, session: SessionDep) -> GeoJSONResponse:
    collection = plan_geojson(campaign_plan(session, campaign_id))
    return GeoJSONResponse(geojson_document(collection))


@router.get(
    "/caravans/{campaign_id}/calendar.ics",
    summary="One event per visit (iCalendar, times in UTC)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
def calendar(campaign_id: IdPath, session: SessionDep) -> Response:
    body = plan_ics(campaign_plan(session, campaign_id), campaign_id)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{campaign_id}.ics"'},
    )


@router.get(
    "/caravans/{campaign_id}/plan.csv",
    summary="The plan day by day, one row per visit (CSV)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def plan_csv(campaign_id: IdPath, session: SessionDep) -> Response:
    return Response(
        plan_csv_text(campaign_plan(session, campaign_id)).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{campaign_id}-plan.csv"'},
    )


@router.post(
    "/caravans/{campaign_id}/records",
    dependencies=[LocalEdit],
    summary="Record what visits gave (local mode): all rows or none",
    response_model=Recorded,
)
def records(
    campaign_id: IdPath, body: RecordsBody, state: StateDep, settings: SettingsDep
) -> Recorded:
    """Rows are numbered from 1 in the order given; a refusal names every bad row and
    field and records nothing."""
    rows = [(i, row.model_dump(exclude_unset=True)) for i, row in enumerate(body.rows, start=1)]
    by = (body.recorded_by or "").strip() or settings.default_user
    with state.write() as session:
        count = record_visits(session, Actor.local(by), campaign_id, rows, clock.today(), "records")
    return Recorded(recorded=count)


@router.get(
    "/caravans/{campaign_id}/report",
    summary="Planned against done, referrals",
    response_model=CampaignReport,
)
def report(campaign_id: IdPath, session: SessionDep) -> CampaignReport:
    return campaign_report(session, campaign_id)


@router.get(
    "/facilities/{facility_id}/referrals",
    summary="Caravan referrals received by a facility, by campaign, specialty and service",
    response_model=list[ReferralLine],
)
def facility_referrals(facility_id: IdPath, session: SessionDep) -> list[ReferralLine]:
    get_facility(session, facility_id)  # unknown: 404
    return referrals_by_facility(session, facility_id=facility_id)
