"""A siting scenario as a document: what was asked, how the solver did, the chosen sites
and the coverage before and after per commune and sub-territory. It is stored as it is
read (JSON), so a scenario saved by an older version reads back the same."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from qurb.algo.travel import Measure


class _Document(BaseModel):
    # A stored scenario may carry members this version does not know: keep them.
    model_config = ConfigDict(extra="allow")


class ScenarioTerritory(_Document):
    code: str
    name_fr: str
    name_ar: str | None = None


class ScenarioParams(_Document):
    territory: str
    level: str | None
    categories: list[str]
    services: list[str]
    tier: str | None
    add: int | None
    budget_amount_mad: float | None
    site_cost_amount_mad: float | None
    within_minutes: float
    objective: str
    candidates_file: str | None
    method: str
    time_limit_s: float
    seed: int
    model: str


class SolverReport(_Document):
    model: str
    method: str
    status: str
    objective: float
    objective_before: float | None
    bound: float | None
    gap: float | None
    seconds: float
    time_limit_reached: bool
    cost_mad: float | None


class CoverageSummary(_Document):
    population: int
    covered_before: int
    covered_after: int
    covered_before_pct: float | None
    covered_after_pct: float | None
    newly_covered: int
    candidates: int


class ChosenSite(_Document):
    rank: int
    label: str
    commune: str | None
    lon: float
    lat: float
    cost_mad: float | None
    # People newly covered credited to this site (nearer to it than to the other new
    # sites); absent from scenarios saved before it was kept.
    newly_covered: int | None = None
    # The label in Arabic (a commune's reference point: its Arabic name); absent for a
    # site from a file or a click, and from scenarios saved before it was kept.
    label_ar: str | None = None


class CommuneCoverage(_Document):
    code: str
    name_fr: str
    name_ar: str | None = None  # absent from scenarios saved before it was kept
    population: int
    minutes_before: float | None
    minutes_after: float | None
    covered_before: bool
    covered_after: bool
    newly_covered_population: int


class GroupCoverage(_Document):
    code: str
    name_fr: str
    name_ar: str | None = None  # absent from scenarios saved before it was kept
    population: int
    covered_before: int
    covered_after: int
    covered_before_pct: float | None
    covered_after_pct: float | None


class Scenario(_Document):
    """One siting run. `measure` is absent from scenarios saved before models said what
    they measure."""

    territory: ScenarioTerritory
    params: ScenarioParams
    model: str
    measure: Measure | None = None
    solver: SolverReport
    summary: CoverageSummary
    sites: list[ChosenSite]
    communes: list[CommuneCoverage]
    groups: list[GroupCoverage]

    def document(self) -> dict[str, object]:
        """As stored and shown: JSON-ready, no member added that the run did not set."""
        return self.model_dump(mode="json", exclude_unset=True)
