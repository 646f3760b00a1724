"""`POST /api/access/what-if` (with the access routes in the API's document): coverage
before and after adding sites placed on the map or communes picked, per commune and per
sub-territory; kept as a scenario of kind "whatif" when asked (`save`). It lives with
siting, whose scenarios it is saved among."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from qurb.access.schemas import WhatIf, WhatIfRead
from qurb.access.what_if import WhatIfRun, run_what_if
from qurb.identity.grant_service import territory_target
from qurb.kernel.actor import Actor
from qurb.platform.http import HeavyDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES, HEAVY_RESPONSES
from qurb.platform.state import AppState
from qurb.registry.points import FacilitySelector
from qurb.siting.api import RunPlan, saver
from qurb.siting.service import save_scenario
from qurb.siting.what_if_scenarios import KIND, what_if_scenario
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api", tags=["access"], responses=ERROR_RESPONSES)


@router.post("/access/what-if", response_model=WhatIfRead, responses=HEAVY_RESPONSES)
async def what_if(
    body: WhatIf, http: Request, state: StateDep, heavy: HeavyDep, guard: RunPlan
) -> WhatIfRead:
    """Coverage of the territory's population within `within_minutes` before and after
    adding `sites` (points; one outside Morocco or in no commune is a 422 naming
    `sites[N]`) and the reference points of `communes` (codes within the territory, else
    a 422 naming `communes[N]`) to the existing offer (`level`, or `categories` /
    `services`; primary when none is given), per commune and per sub-territory
    (`groups`). Kept as a scenario of kind "whatif" (`id`) when `save` and the account
    holds `scenarios.write` over the territory. Runs in a worker under the server's
    deadline; nobody runs one without `plan.run` over the territory (401, 403), a busy
    server answers 503 with Retry-After."""
    index = state.part(TerritoryIndex)
    guard.over(territory_target(index, body.territory))
    FacilitySelector.from_options(*body.offer())  # an unknown offer: 422 before any work
    actor = saver(guard, index, body.territory) if body.save else None
    run = await heavy.run(http, run_what_if, body)
    if actor is None:
        return run.read
    return await run_in_threadpool(_save, state, body, run, actor)


def _save(state: AppState, body: WhatIf, run: WhatIfRun, actor: Actor) -> WhatIfRead:
    scenario = what_if_scenario(body, run)
    label = body.name or f"{scenario.territory.name_fr}: what-if +{len(scenario.sites)}"
    with state.write() as writer:
        saved = save_scenario(writer, actor, label, scenario, kind=KIND, visibility=body.visibility)
    return run.read.model_copy(update={"id": saved.id})
