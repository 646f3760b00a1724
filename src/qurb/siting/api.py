"""Travel time to care on the bundled commune-graph model: access per commune, summaries,
referral from each ESSP, a what-if (new facilities placed on the map) and siting
scenarios (saved in local mode)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from qurb.access.api import Level, Tier
from qurb.platform.http import SessionDep, SettingsDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES
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


@router.post("/siting")
def siting(
    body: SitingBody, state: StateDep, settings: SettingsDep, session: SessionDep
) -> dict[str, Any]:
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
            label = body.name or f"{scenario['territory']['name_fr']}: +{body.add} {body.level}"
            scenario_id = save_scenario(writer, label, scenario, "web").id
    return {"id": scenario_id, **scenario}


@router.get("/scenarios")
def scenarios(session: SessionDep) -> list[dict[str, Any]]:
    """Saved siting scenarios, newest first, side by side."""
    return compare_scenarios(list_scenarios(session))


@router.get("/scenarios/{scenario_id}")
def scenario(scenario_id: str, session: SessionDep) -> dict[str, Any]:
    from qurb.algo.siting_problem import SitingError

    try:
        row = get_scenario(session, scenario_id)
    except SitingError as error:
        raise HTTPException(status_code=404, detail=str(error)) from None
    return {
        "id": row.id,
        "name": row.name,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
        **dict(row.result),
    }


class SitingBody(BaseModel):
    territory: str = Field(max_length=64)
    level: Level = "secondary"
    tier: Tier | None = None
    add: int = Field(ge=1, le=100)
    within_minutes: float = Field(default=60.0, gt=0, le=24 * 60)
    objective: Literal["coverage", "time"] = "coverage"
    name: str | None = Field(default=None, max_length=200)
