"""Siting scenarios on the web: run one (in a worker; saved), list and read saved ones."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from qurb.kernel.actor import Actor
from qurb.platform.http import HeavyDep, IdPath, SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES, HEAVY_RESPONSES
from qurb.platform.state import AppState
from qurb.siting.jobs import site
from qurb.siting.model import Scenario
from qurb.siting.schemas import ScenarioLineRead, ScenarioRead, SitingBody, SitingRead
from qurb.siting.service import (
    SitingRequest,
    compare_scenarios,
    get_scenario,
    list_scenarios,
    save_scenario,
)

router = APIRouter(prefix="/api", tags=["access"], responses=ERROR_RESPONSES)

# Scenarios saved from the web have always been signed "web".
WEB_ACTOR = Actor.local("web")
# The solver's own limit (s); the server's deadline (Settings.heavy_deadline_s) bounds all.
SOLVER_TIME_LIMIT_S = 20.0


@router.post(
    "/siting",
    response_model=SitingRead,
    response_model_exclude_unset=True,
    responses=HEAVY_RESPONSES,
)
async def siting(body: SitingBody, http: Request, state: StateDep, heavy: HeavyDep) -> Response:
    """Where to add `add` facilities of `level` (MCLP or p-median on the commune graph),
    saved as a scenario. Runs in a worker under the server's deadline; a server in
    read-only mode runs none (403), a busy one answers 503 with Retry-After."""
    request = SitingRequest(
        territory=body.territory,
        level=body.level,
        tier=body.tier,
        add=body.add,
        within_minutes=body.within_minutes,
        objective=body.objective,
        # Half the deadline at most: the rest is for building the model.
        time_limit_s=min(SOLVER_TIME_LIMIT_S, heavy.deadline_s / 2),
    )
    scenario = await heavy.run(http, site, request)
    return await run_in_threadpool(_saved, state, body, scenario)


def _saved(state: AppState, body: SitingBody, scenario: Scenario) -> Response:
    with state.write() as writer:
        label = body.name or f"{scenario.territory.name_fr}: +{body.add} {body.level}"
        scenario_id = save_scenario(writer, WEB_ACTOR, label, scenario).id
    read = SitingRead.of(scenario, scenario_id)
    return JSONResponse(read.model_dump(mode="json", exclude_unset=True))


@router.get("/scenarios", response_model=list[ScenarioLineRead])
def scenarios(session: SessionDep) -> list[ScenarioLineRead]:
    """Saved siting scenarios, newest first, side by side."""
    return [ScenarioLineRead.of(line) for line in compare_scenarios(list_scenarios(session))]


@router.get(
    "/scenarios/{scenario_id}", response_model=ScenarioRead, response_model_exclude_unset=True
)
def scenario(scenario_id: IdPath, session: SessionDep) -> ScenarioRead:
    """One saved scenario: its sites and its coverage before and after."""
    return ScenarioRead.of(get_scenario(session, scenario_id))
