"""Planning a campaign as a job the page polls and may cancel: `POST /api/caravans/jobs`
takes the body, query and checks of `POST /api/caravans` and answers 202 at once; the
planning runs in a worker of the server process (`platform.background`), under the same
deadline and slots; any server process on the database answers the job's polls and its
cancel, which stops the worker (and so the solver): nothing is saved then."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.caravans.api import (
    CampaignBody,
    PlanCaravans,
    SeedQuery,
    TimeLimitQuery,
    checked_campaign,
)
from qurb.caravans.jobs import plan_in_background
from qurb.caravans.model import CampaignSpec
from qurb.caravans.plan import CampaignPlan
from qurb.caravans.store import save_campaign
from qurb.identity.grant_service import target_in, territory_target
from qurb.identity.guard import Guard
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden
from qurb.kernel.i18n import negotiate, say_in
from qurb.platform.background import (
    FINISHED,
    Background,
    JobRow,
    get_job,
    new_job,
    request_cancel,
)
from qurb.platform.heavy import LEASE_GRACE_S
from qurb.platform.http import IdPath, SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES, HEAVY_RESPONSES
from qurb.platform.state import AppState
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["caravans"], responses=ERROR_RESPONSES)

KIND = "caravan_plan"
# What a planning job does, in order (its `phase` until it ends; then its status). The
# page words each as `caravan.job.phase.<phase>`, a status as `caravan.job.status.<status>`.
PHASES = ("queued", "preparing", "scheduling")


class JobCreated(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    poll: str = Field(description="where to ask how the job goes")


class JobRead(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    phase: str | None = Field(
        description="what it does now: queued, preparing (scores, attendance, travel "
        "times), scheduling (the solver), then its status"
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    elapsed_s: float | None = Field(description="seconds since it started, or that it ran")
    cancel_requested: bool
    campaign_id: str | None = Field(description="the saved campaign, once done")
    error: dict[str, Any] | None = Field(
        description="when failed: the problem document (status, error, code, detail) in the "
        "request's language, as `POST /api/caravans` would have answered"
    )


def _poll(job_id: str) -> str:
    return f"/api/caravans/jobs/{job_id}"


@router.post(
    "/caravans/jobs",
    summary="Plan a campaign in the background (a job to poll; saved when done)",
    status_code=202,
    response_model=JobCreated,
    responses=HEAVY_RESPONSES,
)
async def plan_job(
    state: StateDep,
    campaign: CampaignBody,
    time_limit_s: TimeLimitQuery = None,
    seed: SeedQuery = None,
    *,
    guard: PlanCaravans,
) -> JSONResponse:
    """The checks of `POST /api/caravans` (the spec, the caps, `caravans.plan` over the
    territory; a busy server answers 503 with Retry-After, nothing recorded), then 202:
    the job runs in a worker of this server, whether the client stays or not."""
    today = clock.today()
    spec, actor, limit = await run_in_threadpool(
        checked_campaign, state, guard, campaign, today, time_limit_s
    )
    background = state.part(Background)
    reservation = await run_in_threadpool(background.heavy.reserve)
    try:
        job_id = await run_in_threadpool(_created, state, actor, spec, limit, seed)
    except BaseException:
        await run_in_threadpool(background.heavy.release, reservation)
        raise

    def finish(session: Session, result: CampaignPlan) -> str:
        return save_campaign(session, actor, spec, result)

    background.start(
        job_id, reservation, plan_in_background, (job_id, spec, today, limit, seed), finish
    )
    body = JobCreated(id=job_id, status="queued", poll=_poll(job_id))
    return JSONResponse(body.model_dump(), status_code=202, headers={"Location": body.poll})


def _created(
    state: AppState, actor: Actor, spec: CampaignSpec, limit: float, seed: int | None
) -> str:
    with state.write() as session:
        row = new_job(session, KIND, actor.name, spec.territory, actor.partner)
        audit.record(
            session,
            actor,
            AuditEvent(
                "caravan_job.create",
                "caravan_job",
                row.id,
                territory_code=spec.territory,
                after={
                    "name": spec.name,
                    "spec": spec.model_dump(mode="json"),
                    "time_limit_s": limit,
                    "seed": seed,
                },
            ),
        )
        return row.id


def _lost_after_s(state: AppState) -> float:
    """When an unfinished job is lost: past the deadline and the slots' grace."""
    return state.settings.heavy_deadline_s + LEASE_GRACE_S


def _allowed(guard: Guard, index: TerritoryIndex, row: JobRow) -> Actor:
    """The actor reading or cancelling a job, naming the grant that allows it: one of
    `caravans.plan` over its territory acting for the job's partner (any, over the whole
    country for no partner: `Guard.grant_for_partner`), or its creator's own grant over
    it; 403 otherwise (`outside_scope`, or `job_of_another_partner`)."""
    target = territory_target(index, row.territory_code or "")
    grant = guard.grant_for_partner(target_in(index, "MA"), target, row.partner_id)
    if grant is None and row.created_by == guard.actor.name:
        grant = guard.grant_over(target)
    if grant is not None:
        return replace(guard.actor, grant=str(grant.id), partner=grant.partner_id)
    guard.over(target)  # outside every grant's territory: outside_scope
    raise Forbidden(
        f"planning job {row.id!r} is another partner's: only its partner's accounts see it",
        code="job_of_another_partner",
        values={"id": repr(row.id)},
    )


def _read(row: JobRow, lang: str, now: datetime, lost_after_s: float) -> JobRead:
    """The job as its poll answers it. A job still unfinished past its deadline and the
    slots' grace lost its server process (stopped, killed): it reads as failed,
    `job_lost`, so that nobody polls it for ever."""
    elapsed = None
    if row.started_at is not None:
        elapsed = round(((row.finished_at or now) - row.started_at).total_seconds(), 2)
    status, phase, error = row.status, row.phase, None
    if row.error is not None:
        documents: dict[str, dict[str, Any]] = row.error.get("documents", {})
        document = documents.get(lang) or next(iter(documents.values()), {})
        error = {"status": row.error.get("status"), **document}
    elif status not in FINISHED and (now - row.created_at).total_seconds() > lost_after_s:
        status = phase = "failed"
        say = say_in(lang)
        words = say("error.job_lost", {"id": row.id})
        error = {"status": 503, "error": words, "code": "job_lost", "detail": []}
    return JobRead(
        id=row.id,
        status=status,  # type: ignore[arg-type]
        phase=phase,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        elapsed_s=elapsed,
        cancel_requested=row.cancel_requested,
        campaign_id=row.result_id,
        error=error,
    )


@router.get(
    "/caravans/jobs/{job_id}",
    summary="How a planning job goes: status, phase, times, its campaign or its problem",
    response_model=JobRead,
)
def job(
    job_id: IdPath, request: Request, session: SessionDep, state: StateDep, guard: PlanCaravans
) -> JobRead:
    """Its creator, or `caravans.plan` over its territory; the problem of a failed job in
    the language of `Accept-Language`."""
    row = get_job(session, job_id, KIND)
    _allowed(guard, state.part(TerritoryIndex), row)
    lang = negotiate(request.headers.get("accept-language"))
    return _read(row, lang, clock.now(), _lost_after_s(state))


@router.post(
    "/caravans/jobs/{job_id}/cancel",
    summary="Cancel a planning job: its worker is stopped, nothing is saved",
    response_model=JobRead,
)
def cancel_job(job_id: IdPath, request: Request, state: StateDep, guard: PlanCaravans) -> JobRead:
    """Asks the process running the job to stop its worker (it reads the job within a
    fraction of a second); the job then ends `cancelled`. A job already ended: 409
    `job_finished`."""
    with state.write() as session:
        actor = _allowed(guard, state.part(TerritoryIndex), get_job(session, job_id, KIND))
        lost_before = clock.now() - timedelta(seconds=_lost_after_s(state))
        row = request_cancel(session, job_id, KIND, lost_before)
        audit.record(
            session,
            actor,
            AuditEvent(
                "caravan_job.cancel",
                "caravan_job",
                row.id,
                territory_code=row.territory_code,
                before={"status": row.status, "phase": row.phase},
                after={"cancel_requested": True},
            ),
        )
        lang = negotiate(request.headers.get("accept-language"))
        read = _read(row, lang, clock.now(), _lost_after_s(state))
    return read
