"""The caravan API's answers, as typed models (the plan itself is `plan.CampaignPlan`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qurb.caravans.plan import CampaignPlan
from qurb.caravans.visit_record import VisitRecordRow

MAX_RECORD_ROWS = 5000


class CampaignSummary(BaseModel):
    id: str
    name: str
    territory: str
    territory_name_fr: str
    territory_name_ar: str
    start: str
    end: str
    visits: int
    created_at: str
    created_by: str


class StoredCampaign(BaseModel):
    id: str
    plan: CampaignPlan
    spec: dict[str, Any] = Field(description="the campaign as it was given (its JSON keys)")


class RecordsBody(BaseModel):
    rows: list[VisitRecordRow] = Field(
        min_length=1,
        max_length=MAX_RECORD_ROWS,
        description="stop, kind, item, sex, age_band, count, facility, service",
    )
    recorded_by: str | None = Field(default=None, max_length=200)


class Recorded(BaseModel):
    recorded: int


class ReportCampaign(BaseModel):
    id: str
    name: str
    territory: str
    start: str
    end: str


class ReportStop(BaseModel):
    """A visit, planned against done; `planned_<specialty>` and `done_<specialty>` follow."""

    model_config = ConfigDict(extra="allow")

    number: int
    date: str
    code: str
    commune: str
    label: str
    unit: str
    planned: int
    done: int | None  # None: nothing recorded yet
    screenings: int
    medicines: int
    referrals: int
    recorded: bool


class ReportTotals(BaseModel):
    planned: int
    done: int
    screenings: int
    medicines: int
    referrals: int
    visits_planned: int
    visits_recorded: int
    communes_reached: int
    population_of_communes_reached: int


class SpecialtyProgress(BaseModel):
    planned: int
    done: int


class ReferralLine(BaseModel):
    facility_id: str
    facility: str
    category: str
    service: str | None
    specialty: str
    campaign_id: str
    campaign: str
    referrals: int
    first_visit: str
    last_visit: str


class CampaignReport(BaseModel):
    campaign: ReportCampaign
    stops: list[ReportStop]
    totals: ReportTotals
    by_specialty: dict[str, SpecialtyProgress]
    consultations_by_sex_age: dict[str, int]
    referrals: list[ReferralLine]
