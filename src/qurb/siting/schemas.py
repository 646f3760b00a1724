"""The siting API's bodies and answers: a siting asked (k sites or a budget, candidates
given inline or not), a scenario as run (with the id it was saved under, if any), a saved
scenario with who saved it and when, the side-by-side list, a candidate file read, a
scenario renamed, scenarios compared."""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from pydantic import BaseModel, Field

from qurb.access.schemas import Level, Tier
from qurb.kernel.values import ShortName
from qurb.siting.candidates import MAX_INLINE_CANDIDATES
from qurb.siting.model import Scenario
from qurb.siting.service import SavedScenario, ScenarioLine, Visibility


class CandidateSite(BaseModel):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    label: str | None = Field(default=None, max_length=200)
    cost_mad: float | None = Field(default=None, ge=0)


class SitingBody(BaseModel):
    """`add` sites, or as many as `budget_amount_mad` buys at `site_cost_amount_mad` each
    (or at each candidate's `cost_mad`): exactly one of the two. The offer: `level`,
    `categories`, `services` (a general hospital when none is given). `candidates`: the
    sites to choose from (default: the communes of the territory without the offer).
    `save` false runs only (`id` null)."""

    territory: str = Field(max_length=64)
    level: Level | None = None
    categories: list[str] = Field(default_factory=list, max_length=50)
    services: list[str] = Field(default_factory=list, max_length=50)
    tier: Tier | None = None
    add: int | None = Field(default=None, ge=1, le=100)
    budget_amount_mad: float | None = Field(default=None, gt=0)
    site_cost_amount_mad: float | None = Field(default=None, ge=0)
    within_minutes: float = Field(default=60.0, gt=0, le=24 * 60)
    objective: Literal["coverage", "time"] = "coverage"
    candidates: list[CandidateSite] | None = Field(
        default=None, min_length=1, max_length=MAX_INLINE_CANDIDATES
    )
    save: bool = True
    name: ShortName | None = None
    visibility: Visibility = "partner"

    def level_asked(self) -> str | None:
        """The level: as given, else a general hospital's when no category or service is."""
        if self.level or self.categories or self.services:
            return self.level
        return "secondary"


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
    kind: str
    visibility: str
    partner: str | None

    @classmethod
    def of(cls, saved: SavedScenario) -> ScenarioRead:
        return cls.model_validate(
            {
                "id": saved.id,
                "name": saved.name,
                "created_at": saved.created_at.isoformat(),
                "created_by": saved.created_by,
                "kind": saved.kind,
                "visibility": saved.visibility,
                "partner": saved.partner_id,
                **saved.scenario.document(),
            }
        )


class ScenarioLineRead(BaseModel):
    """A saved scenario on one line: `kind` siting or whatif; `cost_mad` the sum of its
    sites' costs (null when none has one); `partner` the partner it was saved for."""

    id: str
    name: str
    kind: str
    visibility: str
    partner: str | None
    created_by: str
    created_at: str
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
    cost_mad: float | None

    @classmethod
    def of(cls, line: ScenarioLine) -> ScenarioLineRead:
        return cls(**asdict(line))


class ScenarioPatch(BaseModel):
    name: ShortName | None = None
    visibility: Visibility | None = None


class CandidateRead(BaseModel):
    lon: float
    lat: float
    label: str
    cost_mad: float | None
    commune: str | None


class CandidatesRead(BaseModel):
    """A candidate file's sites, each placed in its commune (nothing is kept)."""

    candidates: list[CandidateRead]


class CompareCommuneRead(BaseModel):
    """One commune: per scenario (in the order asked), covered after it and minutes."""

    code: str
    name_fr: str
    name_ar: str | None
    population: int
    covered: list[bool | None]
    minutes_after: list[float | None]


class CompareGroupRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str | None
    population: int
    covered_after_pct: list[float | None]


class CompareRead(BaseModel):
    """Two or three scenarios side by side: their lines (as `qurb scenarios compare`),
    communes and sub-territories, and the communes whose coverage after differs."""

    lines: list[ScenarioLineRead]
    communes: list[CompareCommuneRead]
    groups: list[CompareGroupRead]
    differ: list[str]
