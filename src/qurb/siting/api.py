"""Siting scenarios on the web: run one (saved in local mode), list and read saved ones."""

from __future__ import annotations

from fastapi import APIRouter

from qurb.kernel.actor import Actor
from qurb.platform.http import IdPath, SessionDep, SettingsDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.siting.schemas import ScenarioLineRead, ScenarioRead, SitingBody, SitingRead
from qurb.siting.service import (
    SitingRequest,
    compare_scenarios,
    get_scenario,
    list_scenarios,
    run_siting,
    save_scenario,
)
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model

router = APIRouter(prefix="/api", tags=["access"], responses=ERROR_RESPONSES)

# Scenarios saved from the web have always been signed "web".
WEB_ACTOR = Actor.local("web")


@router.post("/siting", response_model=SitingRead, response_model_exclude_unset=True)
def siting(
    body: SitingBody, state: StateDep, settings: SettingsDep, session: SessionDep
) -> SitingRead:
    """Where to add `add` facilities of `level` (MCLP or p-median on the commune graph);
    saved as a scenario when the server runs in local mode."""
    request = SitingRequest(
        territory=body.territory,
        level=body.level,
        tier=body.tier,
        add=body.add,
        within_minutes=body.within_minutes,
        objective=body.objective,
        time_limit_s=20.0,
    )
    scenario = run_siting(
        session, request, commune_graph_model(session), state.part(TerritoryIndex)
    )
    scenario_id = None
    if settings.local_mode:
        with state.write() as writer:
            label = body.name or f"{scenario.territory.name_fr}: +{body.add} {body.level}"
            scenario_id = save_scenario(writer, WEB_ACTOR, label, scenario).id
    return SitingRead.of(scenario, scenario_id)


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
