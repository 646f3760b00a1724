"""The siting API's answers: a scenario as run (with the id it was saved under, if any),
a saved scenario with who saved it and when, and the side-by-side list."""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from pydantic import BaseModel, Field

from qurb.access.schemas import Level, Tier
from qurb.kernel.values import ShortName
from qurb.siting.model import Scenario
from qurb.siting.service import SavedScenario, ScenarioLine


class SitingBody(BaseModel):
    territory: str = Field(max_length=64)
    level: Level = "secondary"
    tier: Tier | None = None
    add: int = Field(ge=1, le=100)
    within_minutes: float = Field(default=60.0, gt=0, le=24 * 60)
    objective: Literal["coverage", "time"] = "coverage"
    name: ShortName | None = None


class SitingRead(Scenario):
    """A scenario just run; `id` is where it was saved (when the account may save
    scenarios there), else null."""

    id: str | None

    @classmethod
    def of(cls, scenario: Scenario, scenario_id: str | None) -> SitingRead:
        return cls.model_validate({"id": scenario_id, **scenario.document()})


class ScenarioRead(Scenario):
    """A saved scenario: who saved it, when, and what it found."""

    id: str
    name: str
    created_at: str
    created_by: str

    @classmethod
    def of(cls, saved: SavedScenario) -> ScenarioRead:
        return cls.model_validate(
            {
                "id": saved.id,
                "name": saved.name,
                "created_at": saved.created_at.isoformat(),
                "created_by": saved.created_by,
                **saved.scenario.document(),
            }
        )


class ScenarioLineRead(BaseModel):
    id: str
    name: str
    territory: str
    offer: str
    objective: str
    within_minutes: float
    sites: int
    covered_before_pct: float | None
    covered_after_pct: float | None
    newly_covered: int
    objective_value: float
    gap: float | None
    method: str
    chosen: str

    @classmethod
    def of(cls, line: ScenarioLine) -> ScenarioLineRead:
        return cls(**asdict(line))
