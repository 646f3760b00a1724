"""Siting scenarios on the web: run one (`plan.run` over the territory, in a worker;
saved as a scenario when the account may also save them there), list and read saved ones
(`scenarios.read`, those over the territories of the account's grants)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from qurb.identity.grant_service import target_in, territory_target
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.identity.scopes import Target
from qurb.kernel.actor import Actor
from qurb.platform.http import HeavyDep, IdPath, SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES, HEAVY_RESPONSES
from qurb.platform.state import AppState
from qurb.siting.jobs import site
from qurb.siting.model import Scenario
from qurb.siting.schemas import ScenarioLineRead, ScenarioRead, SitingBody, SitingRead
from qurb.siting.service import (
    SavedScenario,
    SitingRequest,
    compare_scenarios,
    get_scenario,
    list_scenarios,
    save_scenario,
)
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["access"], responses=ERROR_RESPONSES)

RunPlan = Annotated[Guard, needs(Permission.PLAN_RUN)]
ReadScenarios = Annotated[Guard, needs(Permission.SCENARIOS_READ)]
# The solver's own limit (s); the server's deadline (Settings.heavy_deadline_s) bounds all.
SOLVER_TIME_LIMIT_S = 20.0


@router.post(
    "/siting",
    response_model=SitingRead,
    response_model_exclude_unset=True,
    responses=HEAVY_RESPONSES,
)
async def siting(
    body: SitingBody, http: Request, state: StateDep, heavy: HeavyDep, guard: RunPlan
) -> Response:
    """Where to add `add` facilities of `level` (MCLP or p-median on the commune graph),
    saved as a scenario when the account holds `scenarios.write` over the territory (else
    `id` is null). Runs in a worker under the server's deadline; nobody runs one without
    `plan.run` over the territory (401, 403), a busy server answers 503 with
    Retry-After."""
    index = state.part(TerritoryIndex)
    target = territory_target(index, body.territory)
    actor = guard.over(target)
    saves = Permission.SCENARIOS_WRITE in guard.principal.permissions_over(target)
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
    return await run_in_threadpool(_saved, state, body, scenario, actor if saves else None)


def _saved(state: AppState, body: SitingBody, scenario: Scenario, actor: Actor | None) -> Response:
    scenario_id = None
    if actor is not None:
        with state.write() as writer:
            label = body.name or f"{scenario.territory.name_fr}: +{body.add} {body.level}"
            scenario_id = save_scenario(writer, actor, label, scenario).id
    read = SitingRead.of(scenario, scenario_id)
    return JSONResponse(read.model_dump(mode="json", exclude_unset=True))


@router.get("/scenarios", response_model=list[ScenarioLineRead])
def scenarios(session: SessionDep, index: IndexDep, guard: ReadScenarios) -> list[ScenarioLineRead]:
    """Saved siting scenarios over the territories of the account's grants, newest first,
    side by side."""
    seen = [s for s in list_scenarios(session) if guard.allows(_target(index, s))]
    return [ScenarioLineRead.of(line) for line in compare_scenarios(seen)]


def _target(index: TerritoryIndex, saved: SavedScenario) -> Target:
    return target_in(index, saved.scenario.territory.code)


@router.get(
    "/scenarios/{scenario_id}", response_model=ScenarioRead, response_model_exclude_unset=True
)
def scenario(
    scenario_id: IdPath, session: SessionDep, index: IndexDep, guard: ReadScenarios
) -> ScenarioRead:
    """One saved scenario: its sites and its coverage before and after (403 outside the
    account's grants)."""
    saved = get_scenario(session, scenario_id)
    guard.over(_target(index, saved))
    return ScenarioRead.of(saved)
