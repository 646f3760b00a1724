"""What a campaign's record adds up to, and the listings: typed results of the caravan
services (a saved campaign, the listing of campaigns, a campaign's report, the referrals
received)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qurb.caravans.plan import CampaignPlan


class StoredCampaign(BaseModel):
    """A saved campaign: who saved it when, the campaign as it was given, and its plan."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    territory: str
    start: date
    end: date
    created_at: datetime
    created_by: str
    # Kept as stored: a campaign saved by an older Qurb may carry keys (or values) that
    # this version's CampaignSpec would refuse, and it is shown as it was given.
    spec: dict[str, Any] = Field(description="the campaign as it was given (its JSON keys)")
    plan: CampaignPlan


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
