"""The plan API's bodies and answers: a project added, a status move, a scenario adopted;
a project with its history; the plan of a territory with its totals and what its opened
projects changed in coverage."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from qurb.kernel.values import Text
from qurb.siting.plan_coverage import CoverageChange, PlanView, StatusTotal
from qurb.siting.project_model import (
    NOTE_MAX_CHARS,
    PRIORITY_MAX,
    PRIORITY_MIN,
    TITLE_MAX_CHARS,
    ProjectSubject,
)
from qurb.siting.projects import Project, ProjectCreate, ProjectMove
from qurb.territory.service import TerritoryIndex

Kind = Literal["new_facility", "upgrade_category", "new_equipment", "new_service"]
Status = Literal["proposed", "adopted", "funded", "under_construction", "opened", "dropped"]


class ProjectBody(BaseModel):
    """A project to propose. `territory`: a commune or province code. Its subject by
    `kind`: a new facility's `lon`, `lat` and `category` (or `level`, or the `service`
    it brings); an upgrade's `facility_id` and target `category`; new equipment's
    `facility_id` and `equipment_kind`; a new service's `facility_id` and `service`.
    `cost_mad`: the estimate in MAD (null: unknown). `priority`: 1 (the highest) to 5."""

    kind: Kind
    title: Text = Field(max_length=TITLE_MAX_CHARS)
    territory: str = Field(max_length=16)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    category: str | None = Field(default=None, max_length=16)
    level: str | None = Field(default=None, max_length=16)
    facility_id: str | None = Field(default=None, max_length=80)
    equipment_kind: str | None = Field(default=None, max_length=64)
    service: str | None = Field(default=None, max_length=64)
    cost_mad: float | None = Field(default=None, allow_inf_nan=False)
    priority: int = Field(default=3, ge=PRIORITY_MIN, le=PRIORITY_MAX)

    def create(self) -> ProjectCreate:
        subject = ProjectSubject(
            lon=self.lon,
            lat=self.lat,
            category=self.category,
            level=self.level,
            facility_id=self.facility_id,
            equipment_kind=self.equipment_kind,
            service=self.service,
        )
        return ProjectCreate(
            self.kind, self.title, self.territory, subject, self.cost_mad, self.priority
        )


class MoveBody(BaseModel):
    """A status move: the `status` reached, on the day `on` (today when not given, never
    in the future), a `note` (a drop's reason, required then); once `opened`, the
    registry `facility_id` (a new facility, an upgrade, a new service) or `equipment_id`
    (new equipment) the project became."""

    status: Status
    on: date | None = None
    note: Text | None = Field(default=None, max_length=NOTE_MAX_CHARS)
    facility_id: str | None = Field(default=None, max_length=80)
    equipment_id: int | None = Field(default=None, ge=1, le=2**31 - 1)

    def move(self) -> ProjectMove:
        return ProjectMove(self.status, self.on, self.note, self.facility_id, self.equipment_id)


class AdoptBody(BaseModel):
    """The saved siting scenario to adopt (`scenario`: its id) and its projects' priority."""

    scenario: str = Field(max_length=40)
    priority: int = Field(default=3, ge=PRIORITY_MIN, le=PRIORITY_MAX)


class ProjectEventRead(BaseModel):
    status: Status
    on: date
    at: datetime
    actor: str
    note: str | None


class ProjectRead(BaseModel):
    id: int
    kind: Kind
    title: str
    territory_code: str
    territory_name_fr: str | None = None
    territory_name_ar: str | None = None
    lon: float | None
    lat: float | None
    category: str | None
    level: str | None
    facility_id: str | None
    equipment_kind: str | None
    service: str | None
    cost_amount_mad: float | None
    priority: int
    scenario_id: str | None
    site_rank: int | None
    partner_id: str | None
    status: Status
    status_on: date
    drop_reason: str | None
    opened_facility_id: str | None
    opened_equipment_id: int | None
    created_by: str
    created_at: datetime
    version: int
    events: list[ProjectEventRead]
    # Where it stands on the map (lon, lat): its own point, else its facility's; in a
    # plan only.
    map_point: list[float] | None = None

    @classmethod
    def of(
        cls, project: Project, index: TerritoryIndex, point: tuple[float, float] | None = None
    ) -> ProjectRead:
        out = asdict(project)
        out["map_point"] = list(point) if point else None
        unit = index.by_code.get(project.territory_code)
        if unit is not None:
            out["territory_name_fr"], out["territory_name_ar"] = unit.name_fr, unit.name_ar
        return cls.model_validate(out)


class StatusTotalRead(BaseModel):
    status: Status
    projects: int
    cost_amount_mad: float | None
    cost_unknown: int

    @classmethod
    def of(cls, total: StatusTotal) -> StatusTotalRead:
        return cls.model_validate(asdict(total))


class CoverageChangeRead(BaseModel):
    offer: str
    levels: list[str]
    categories: list[str]
    services: list[str]
    tier: str | None
    within_minutes: float
    projects: list[int]
    facilities: list[str]
    population: int
    covered_without: int
    covered_with: int
    covered_without_pct: float | None
    covered_with_pct: float | None
    newly_covered: int
    model: str

    @classmethod
    def of(cls, change: CoverageChange) -> CoverageChangeRead:
        return cls.model_validate(asdict(change))


class PlanRead(BaseModel):
    """A territory's plan: its projects (by priority), the totals by status (cost: the
    sum of the known estimates, with the count of unknown ones), what the opened projects
    changed in coverage, and how that was computed (`method`, in the reader's language)."""

    territory: str
    name_fr: str
    name_ar: str
    projects: list[ProjectRead]
    totals: list[StatusTotalRead]
    coverage: list[CoverageChangeRead]
    method: str
    sources: list[str]

    @classmethod
    def of(cls, view: PlanView, index: TerritoryIndex) -> PlanRead:
        return cls(
            territory=view.territory.code,
            name_fr=view.territory.name_fr,
            name_ar=view.territory.name_ar,
            projects=[ProjectRead.of(p, index, view.points.get(p.id)) for p in view.projects],
            totals=[StatusTotalRead.of(t) for t in view.totals],
            coverage=[CoverageChangeRead.of(c) for c in view.coverage],
            method=view.method,
            sources=view.sources,
        )
