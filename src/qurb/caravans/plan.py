"""A campaign's plan, one typed model from the solver's output to the page: the campaign
as planned, the communes' priority, the routes day by day with their visits, the
communes left out, and the totals. Stored as its JSON (`model_dump(mode="json")`) and read
back with `CampaignPlan.model_validate`; a plan stored by an earlier version, without a
field added since, reads back and dumps as it was stored (`stored_json`)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qurb.kernel.i18n import data_label

# A figure as computed: an int stays an int and a float a float, so that the JSON of a
# plan read back is the JSON stored.
Number = int | float


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow")


class PlanTerritory(_Part):
    code: str
    name_fr: str
    name_ar: str
    level: str


class PlanPartner(_Part):
    name: str
    role: str = ""


class PlanSpecialty(_Part):
    code: str
    label_fr: str
    label_ar: str
    label_en: str = ""  # a plan saved before it had one reads the caravan catalogue's

    def label(self, lang: str) -> str:
        """The specialty's name in the language (fr, ar, en); empty where the plan has none."""
        return data_label(self, lang, "label")


class PlanBase(_Part):
    name: str
    facility: str | None
    lon: Number | None
    lat: Number | None


class PlanUnit(_Part):
    name: str
    base: str
    team: str
    capacity: dict[str, int]


class PlanTeam(_Part):
    name: str
    staff: dict[str, int]


class PlanCampaign(_Part):
    """The campaign as planned: its spec resolved against the catalogue and the registry."""

    name: str
    territory: PlanTerritory
    start: dt.date
    end: dt.date
    working_days: list[dt.date]
    hours: list[str]  # ["08:30", "16:30"]
    mode: str
    partners: list[PlanPartner]
    specialties: list[PlanSpecialty]
    bases: list[PlanBase]
    units: list[PlanUnit]
    teams: list[PlanTeam]
    model: str
    weights: dict[str, Number]
    norm: str
    norm_kind: str | None = None
    attendance_rates: dict[str, Number]


class PriorityPart(_Part):
    part: str
    value: Number | None
    scaled: Number
    weight: Number
    contribution: Number


class PlanPriority(_Part):
    """A candidate commune's rank, score and its parts."""

    rank: int
    code: str
    name_fr: str
    name_ar: str
    population: int | None
    minutes_to_essp: Number | None
    score: Number
    forced: Literal["in", "out"] | None
    visits: int
    expected: dict[str, int]
    parts: list[PriorityPart]


class PlanStop(_Part):
    """One visit: where, when, and the patients expected per specialty."""

    number: int
    code: str
    name_fr: str
    name_ar: str
    label: str
    lon: Number
    lat: Number
    date: dt.date
    arrival: str
    start: str
    departure: str
    public_hours: list[str] | None = None  # when the public is told to come
    arrival_date: dt.date | None = None
    arrived_evening_before: bool | None = None
    visit: str  # "k/n": the commune's k-th visit of n
    expected: dict[str, int]
    unit: str
    team: str

    @property
    def opening(self) -> tuple[str, str]:
        """The hours told to the public (the team's own window in plans without them)."""
        if self.public_hours:
            return self.public_hours[0], self.public_hours[1]
        return self.start, self.departure


class PlanRoute(_Part):
    """A unit's day trip or tour, from its base and back."""

    date: dt.date
    last_date: dt.date
    unit: str
    team: str
    base: str
    leave: str
    back: str
    distance_km: Number
    travel_minutes: Number
    stops: list[PlanStop]
    path: list[list[Number]]  # [lon, lat] of the base, the stops, the base


class PlanDropped(_Part):
    """A candidate commune left out, and why."""

    code: str
    name_fr: str
    name_ar: str
    score: Number
    reason: str
    reason_code: str | None = None
    reason_values: dict[str, Any] | None = None


class PlanTotals(_Part):
    visits: int
    communes_visited: int
    candidates: int
    population_of_visited_communes: int
    expected_patients: dict[str, int]
    distance_km: Number


class SolverSummary(_Part):
    feasible: bool
    runtime_s: Number
    iterations: int
    distance_km: Number
    engine: str


class CampaignPlan(_Part):
    """The whole plan of a campaign."""

    campaign: PlanCampaign
    priority: list[PlanPriority]
    days: list[PlanRoute]
    dropped: list[PlanDropped]
    forced_out: list[str]
    unmet: dict[str, dict[str, int]]  # commune → specialty → patients left unseen
    totals: PlanTotals
    solver: SolverSummary

    @property
    def stops(self) -> list[PlanStop]:
        return [stop for day in self.days for stop in day.stops]

    def stored_json(self) -> dict[str, Any]:
        """The JSON stored and served: every field given, none added."""
        return self.model_dump(mode="json", exclude_unset=True)


class CampaignId(BaseModel):
    id: str | None = Field(description="the saved campaign's id; null when not saved")


class PlannedCampaign(CampaignPlan, CampaignId):
    """A plan as `POST /api/caravans` answers it: its id first."""
