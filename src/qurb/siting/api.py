"""Siting scenarios on the web: run one (`plan.run` over the territory, in a worker;
saved as a scenario when asked and the account may also save them there), read a
candidate file, list, read, rename and compare saved ones (`scenarios.read`: those the
account may see, `qurb.siting.scenario_access`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from qurb.identity.grant_service import territory_target
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel.actor import Actor
from qurb.kernel.i18n import negotiate
from qurb.platform.access import Access
from qurb.platform.form_upload import upload_body, uploaded_file
from qurb.platform.http import HeavyDep, IdPath, SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES, HEAVY_RESPONSES
from qurb.platform.state import AppState
from qurb.siting.candidates import read_uploaded_candidates, session_locator
from qurb.siting.comparison import compared_ids, side_by_side
from qurb.siting.jobs import site
from qurb.siting.model import Scenario
from qurb.siting.scenario_access import check_visible, editor, visible
from qurb.siting.schemas import (
    CandidatesRead,
    CompareRead,
    ScenarioLineRead,
    ScenarioPatch,
    ScenarioRead,
    SitingBody,
    SitingRead,
)
from qurb.siting.service import (
    SavedScenario,
    SitingRequest,
    check_request,
    compare_scenarios,
    get_scenario,
    list_scenarios,
    save_scenario,
    update_scenario,
)
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["access"], responses=ERROR_RESPONSES)

RunPlan = Annotated[Guard, needs(Permission.PLAN_RUN)]
ReadScenarios = Annotated[Guard, needs(Permission.SCENARIOS_READ)]
WriteScenarios = Annotated[Guard, needs(Permission.SCENARIOS_WRITE)]
# The solver's own limit (s); the server's deadline (Settings.heavy_deadline_s) bounds all.
SOLVER_TIME_LIMIT_S = 20.0


def saver(guard: Guard, index: TerritoryIndex, territory: str) -> Actor | None:
    """The actor saving a scenario over `territory` (its scenarios.write grant's partner),
    None when the account may not save there."""
    writes = Guard(guard.principal, Access(Permission.SCENARIOS_WRITE, signed_in=True))
    target = territory_target(index, territory)
    return writes.over(target) if writes.allows(target) else None


@router.post(
    "/siting",
    response_model=SitingRead,
    response_model_exclude_unset=True,
    responses=HEAVY_RESPONSES,
)
async def siting(
    body: SitingBody, http: Request, state: StateDep, heavy: HeavyDep, guard: RunPlan
) -> Response:
    """Where to add `add` facilities of the offer (`level`, `categories`, `services`), or
    as many as the budget buys (MCLP or p-median on the commune graph), among the
    territory's communes without the offer or the `candidates` given (each placed in its
    commune: one outside Morocco or in no commune is a 422 naming `candidates[N]`). Saved
    as a scenario (`name`, `visibility`) when `save` and the account holds
    `scenarios.write` over the territory (else `id` is null). Runs in a worker under the
    server's deadline; nobody runs one without `plan.run` over the territory (401, 403),
    a busy server answers 503 with Retry-After."""
    index = state.part(TerritoryIndex)
    guard.over(territory_target(index, body.territory))
    request = SitingRequest(
        territory=body.territory,
        level=body.level_asked(),
        categories=tuple(body.categories),
        services=tuple(body.services),
        tier=body.tier,
        add=body.add,
        budget_amount_mad=body.budget_amount_mad,
        site_cost_amount_mad=body.site_cost_amount_mad,
        within_minutes=body.within_minutes,
        objective=body.objective,
        candidates=(
            None
            if body.candidates is None
            else tuple(c.model_dump(exclude_none=True) for c in body.candidates)
        ),
        # Half the deadline at most: the rest is for building the model.
        time_limit_s=min(SOLVER_TIME_LIMIT_S, heavy.deadline_s / 2),
    )
    check_request(request)  # 422 before any work (and before a worker is taken)
    actor = saver(guard, index, body.territory) if body.save else None
    scenario = await heavy.run(http, site, request)
    return await run_in_threadpool(_saved, state, body, scenario, actor)


def _saved(state: AppState, body: SitingBody, scenario: Scenario, actor: Actor | None) -> Response:
    scenario_id = None
    if actor is not None:
        with state.write() as writer:
            offer = scenario.params.level or ", ".join(
                [*scenario.params.categories, *scenario.params.services]
            )
            label = body.name or f"{scenario.territory.name_fr}: +{len(scenario.sites)} {offer}"
            saved = save_scenario(writer, actor, label, scenario, visibility=body.visibility)
            scenario_id = saved.id
    read = SitingRead.of(scenario, scenario_id)
    return JSONResponse(read.model_dump(mode="json", exclude_unset=True))


@router.post(
    "/siting/candidates",
    response_model=CandidatesRead,
    openapi_extra=upload_body("CSV, XLSX or GeoJSON: lon, lat, label, cost_mad"),
)
async def siting_candidates(
    http: Request, state: StateDep, session: SessionDep, guard: RunPlan
) -> CandidatesRead:
    """A candidate file (form field `file`: CSV, XLSX or JSON, as `qurb site
    --candidates`) read and each site placed in its commune, to send back as
    `candidates` of a siting; a file with bad rows is a 422 naming the file and every
    bad row (row number, field, reason). Nothing is kept."""
    upload = await uploaded_file(http)
    candidates = await run_in_threadpool(read_uploaded_candidates, upload, session_locator(session))
    return CandidatesRead.model_validate({"candidates": candidates.rows()})


@router.get("/scenarios", response_model=list[ScenarioLineRead])
def scenarios(
    http: Request, session: SessionDep, index: IndexDep, guard: ReadScenarios
) -> list[ScenarioLineRead]:
    """The saved scenarios (siting and what-if) the account may see, newest first, side
    by side: the public ones and its partner's over the territories of its grants, all
    of them for an account with a grant over Morocco as a whole."""
    seen = [s for s in list_scenarios(session) if visible(guard, index, s)]
    lang = negotiate(http.headers.get("accept-language"))  # the offer in the reader's words
    return [ScenarioLineRead.of(line) for line in compare_scenarios(seen, lang)]


@router.get("/scenarios/compare", response_model=CompareRead)
def compare(
    http: Request,
    session: SessionDep,
    index: IndexDep,
    guard: ReadScenarios,
    ids: Annotated[str, Query(max_length=200, description="two or three ids: a,b[,c]")],
) -> CompareRead:
    """Two or three scenarios side by side (`lines` as `qurb scenarios compare`), with
    coverage after each per commune and per sub-territory, and the communes where it
    differs; 403 naming a scenario the account may not see."""
    saved = [_visible(session, index, guard, i) for i in compared_ids(ids)]
    lang = negotiate(http.headers.get("accept-language"))
    return CompareRead.model_validate(side_by_side(index, saved, lang))


def _visible(
    session: Session, index: TerritoryIndex, guard: Guard, scenario_id: str
) -> SavedScenario:
    saved = get_scenario(session, scenario_id)
    check_visible(guard, index, saved)
    return saved


@router.get(
    "/scenarios/{scenario_id}", response_model=ScenarioRead, response_model_exclude_unset=True
)
def scenario(
    scenario_id: IdPath, session: SessionDep, index: IndexDep, guard: ReadScenarios
) -> ScenarioRead:
    """One saved scenario: its sites and its coverage before and after (403 for one the
    account may not see: outside its grants, or another partner's and not public)."""
    return ScenarioRead.of(_visible(session, index, guard, scenario_id))


@router.patch(
    "/scenarios/{scenario_id}", response_model=ScenarioRead, response_model_exclude_unset=True
)
def change_scenario(
    scenario_id: IdPath, body: ScenarioPatch, state: StateDep, guard: WriteScenarios
) -> ScenarioRead:
    """Rename a saved scenario (`name`) and/or say who sees it (`visibility`: partner or
    public): `scenarios.write` over its territory, for its partner (administrators: any);
    audited `scenario.update` with before and after."""
    index = state.part(TerritoryIndex)
    with state.write() as session:
        actor = editor(guard, index, get_scenario(session, scenario_id))
        saved = update_scenario(
            session, actor, scenario_id, name=body.name, visibility=body.visibility
        )
        return ScenarioRead.of(saved)
