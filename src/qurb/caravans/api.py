"""Mobile medical caravans: the campaigns, their plans, map layers, calendars and
day-by-day tables (public: the visit dates); planning one (`caravans.plan` over its
territory, heavy), recording what the visits gave (`caravans.record`), the report and the
referrals a facility received (`caravans.read`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from qurb.caravans.base_checks import check_bases
from qurb.caravans.caps import CampaignCaps, check_caps
from qurb.caravans.catalogue import check_campaign, parse_campaign, screenings, specialties
from qurb.caravans.jobs import plan as plan_job
from qurb.caravans.model import AGE_BAND_CODES, RECORD_KINDS, SEXES, CampaignSpec
from qurb.caravans.outputs import geojson_document, plan_csv_text, plan_geojson, plan_ics
from qurb.caravans.plan import CampaignPlan, PlannedCampaign, PlanSpecialty
from qurb.caravans.priority import PARTS as PRIORITY_PARTS
from qurb.caravans.records import record_visits
from qurb.caravans.report import campaign_report, referrals_by_facility
from qurb.caravans.report_labels import labelled
from qurb.caravans.schemas import (
    CampaignRead,
    CaravanVocabulary,
    Recorded,
    RecordsBody,
    Screening,
)
from qurb.caravans.store import campaign_plan, get_campaign, list_campaigns, save_campaign
from qurb.caravans.summaries import (
    CampaignReport,
    CampaignSummary,
    ReferralLine,
)
from qurb.caravans.visit_record import FACILITY_KINDS, ITEM_LISTS
from qurb.identity.grant_service import target_in, territory_target
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.identity.scopes import Target
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.i18n import document_lang
from qurb.kernel.values import MAX_SEED
from qurb.platform.access import Public
from qurb.platform.downloads import content_disposition
from qurb.platform.geojson import FeatureCollection
from qurb.platform.http import (
    GeoJSONResponse,
    HeavyDep,
    IdPath,
    SessionDep,
    StateDep,
)
from qurb.platform.schemas import ERROR_RESPONSES, HEAVY_RESPONSES
from qurb.platform.state import AppState
from qurb.registry.service import commune_locator
from qurb.registry.targets import over_facility
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["caravans"], responses=ERROR_RESPONSES)


MAX_TIME_LIMIT_S = 60.0

PlanCaravans = Annotated[Guard, needs(Permission.CARAVANS_PLAN)]
# A campaign to plan, as POST /api/caravans and its job take it.
CampaignBody = Annotated[
    CampaignSpec,
    Body(description="The campaign: the keys of a campaign file, dates as ISO strings"),
]
TimeLimitQuery = Annotated[
    float | None,
    Query(gt=0, le=MAX_TIME_LIMIT_S, description="solver seconds (default: the settings)"),
]
SeedQuery = Annotated[int | None, Query(ge=0, le=MAX_SEED, description="solver seed")]
RecordCaravans = Annotated[Guard, needs(Permission.CARAVANS_RECORD)]
ReadCaravans = Annotated[Guard, needs(Permission.CARAVANS_READ)]


def campaign_target(session: Session, index: TerritoryIndex, campaign_id: str) -> Target:
    return target_in(index, get_campaign(session, campaign_id).territory)


@router.get(
    "/caravans",
    summary="Saved caravan campaigns, newest first",
    response_model=list[CampaignSummary],
)
def campaigns(session: SessionDep, _: Public) -> list[CampaignSummary]:
    return list_campaigns(session)


@router.post(
    "/caravans",
    summary="Plan a campaign (in a worker; saved)",
    response_model=PlannedCampaign,
    responses=HEAVY_RESPONSES,
)
async def plan(
    http: Request,
    state: StateDep,
    heavy: HeavyDep,
    campaign: CampaignBody,
    time_limit_s: TimeLimitQuery = None,
    seed: SeedQuery = None,
    *,
    guard: PlanCaravans,
) -> Response:
    """Score the communes and schedule the visits (PyVRP, seeded, time-limited), saved as
    a campaign. The size caps (units, days, communes, sites) are checked first; the work
    runs in a worker under the server's deadline; nobody plans without `caravans.plan`
    over the territory (401, 403), a busy server answers 503 with Retry-After."""
    today = clock.today()
    spec, actor, limit = await run_in_threadpool(
        checked_campaign, state, guard, campaign, today, time_limit_s
    )
    result = await heavy.run(http, plan_job, spec, today, limit, seed)
    return await run_in_threadpool(_saved, state, spec, result, actor)


def checked_campaign(
    state: AppState,
    guard: Guard,
    campaign: CampaignSpec,
    today: date,
    time_limit_s: float | None,
) -> tuple[CampaignSpec, Actor, float]:
    """The spec read, the account's grant over its territory (403 before anything is
    looked up), then the spec against the catalogue, today, the server's caps and its
    bases; the actor and the solver's limit."""
    spec = parse_campaign(campaign.model_dump(exclude_unset=True), "campaign")
    actor = guard.over(territory_target(state.part(TerritoryIndex), spec.territory))
    check_campaign(spec, today)  # settings checked before the cap reads them
    check_caps(spec, state.part(TerritoryIndex), state.part(CampaignCaps))
    with state.factory() as session:  # a base outside the territory, before the worker
        check_bases(session, spec, state.part(TerritoryIndex), commune_locator(session))
    limit = time_limit_s or min(float(spec.setting("time_limit_s")), MAX_TIME_LIMIT_S)
    # Half the deadline at most: the rest is for scoring the communes and travel times.
    return spec, actor, min(limit, state.settings.heavy_deadline_s / 2)


def _saved(state: AppState, spec: CampaignSpec, result: CampaignPlan, actor: Actor) -> Response:
    with state.write() as writer:
        campaign_id = save_campaign(writer, actor, spec, result)
    planned = PlannedCampaign.model_validate({"id": campaign_id, **result.stored_json()})
    return JSONResponse(planned.model_dump(mode="json"))


@router.get(
    "/caravans/vocabulary",
    summary="The codes of visit records (kinds, age bands, sexes, screenings) and of the "
    "priority parts",
    response_model=CaravanVocabulary,
)
def vocabulary(_: Public) -> CaravanVocabulary:
    return CaravanVocabulary(
        record_kinds=list(RECORD_KINDS),
        age_bands=list(AGE_BAND_CODES),
        sexes=list(SEXES),
        priority_parts=list(PRIORITY_PARTS),
        specialties=[
            PlanSpecialty(
                code=k, label_fr=v["label_fr"], label_ar=v["label_ar"], label_en=v["label_en"]
            )
            for k, v in specialties().items()
        ],
        item_lists=dict(ITEM_LISTS),
        facility_kinds=list(FACILITY_KINDS),
        screenings=[Screening(code=c, **s) for c, s in screenings().items()],
    )


@router.get(
    "/caravans/{campaign_id}",
    summary="A saved campaign: its plan and its spec",
    response_model=CampaignRead,
    response_model_exclude_unset=True,
)
def campaign(campaign_id: IdPath, session: SessionDep, _: Public) -> CampaignRead:
    return CampaignRead.of(get_campaign(session, campaign_id))


@router.get(
    "/caravans/{campaign_id}/routes.geojson",
    summary="Routes (one LineString per route) and stops (one Point per visit)",
    response_model=FeatureCollection,
    response_class=GeoJSONResponse,
)
def routes_geojson(campaign_id: IdPath, session: SessionDep, _: Public) -> GeoJSONResponse:
    collection = plan_geojson(campaign_plan(session, campaign_id))
    return GeoJSONResponse(geojson_document(collection))


@router.get(
    "/caravans/{campaign_id}/calendar.ics",
    summary="One event per visit (iCalendar, times in UTC)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
)
def calendar(
    campaign_id: IdPath,
    session: SessionDep,
    request: Request,
    _: Public,
    lang: Annotated[str | None, Query(max_length=8, description="fr, ar or en")] = None,
) -> Response:
    """The events' words in `?lang=`, else the first of fr, ar, en that `Accept-Language`
    names, else French."""
    chosen = document_lang(lang, request.headers.get("accept-language"))
    body = plan_ics(campaign_plan(session, campaign_id), campaign_id, lang=chosen)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": content_disposition(f"{campaign_id}.ics")},
    )


@router.get(
    "/caravans/{campaign_id}/plan.csv",
    summary="The plan day by day, one row per visit (CSV)",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def plan_csv(campaign_id: IdPath, session: SessionDep, _: Public) -> Response:
    return Response(
        plan_csv_text(campaign_plan(session, campaign_id)).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(f"{campaign_id}-plan.csv")},
    )


@router.post(
    "/caravans/{campaign_id}/records",
    summary="Record what visits gave (caravans.record over the territory): all rows or none",
    response_model=Recorded,
)
def records(
    campaign_id: IdPath, body: RecordsBody, state: StateDep, guard: RecordCaravans
) -> Recorded:
    """Rows are numbered from 1 in the order given; a refusal names every bad row and
    field and records nothing."""
    rows = [(i, row.model_dump(exclude_unset=True)) for i, row in enumerate(body.rows, start=1)]
    with state.write() as session:
        actor = guard.over(campaign_target(session, state.part(TerritoryIndex), campaign_id))
        count = record_visits(session, actor, campaign_id, rows, clock.today(), "records")
    return Recorded(recorded=count)


@router.get(
    "/caravans/{campaign_id}/report",
    summary="Planned against done, referrals",
    response_model=CampaignReport,
)
def report(
    campaign_id: IdPath,
    session: SessionDep,
    index: IndexDep,
    guard: ReadCaravans,
    lang: Annotated[
        str | None,
        Query(max_length=8, description="fr, ar or en: `labels` names the codes in it"),
    ] = None,
) -> CampaignReport:
    guard.over(campaign_target(session, index, campaign_id))
    found = campaign_report(session, campaign_id)
    return found if lang is None else labelled(session, found, document_lang(lang, None))


@router.get(
    "/facilities/{facility_id}/referrals",
    summary="Caravan referrals received by a facility, by campaign, specialty and service",
    response_model=list[ReferralLine],
)
def facility_referrals(
    facility_id: IdPath, session: SessionDep, index: IndexDep, guard: ReadCaravans
) -> list[ReferralLine]:
    over_facility(guard, session, index, facility_id)  # unknown: 404
    return referrals_by_facility(session, facility_id=facility_id)
