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


class ReportLabels(BaseModel):
    """The report's codes named in one language (`?lang=`): specialties and screenings
    from the caravan catalogue, record kinds, age bands and sexes from the catalogues of
    words, communes and the territory by their names, facilities by their registry
    names. A code without a name (a screening recorded before the list) stays as is."""

    lang: str
    territory: str
    communes: dict[str, str] = Field(description="commune code → name")
    specialties: dict[str, str]
    screenings: dict[str, str]
    kinds: dict[str, str]
    age_bands: dict[str, str]
    sexes: dict[str, str]
    sex_age: dict[str, str] = Field(description="a key of consultations_by_sex_age → its name")
    facilities: dict[str, str] = Field(description="registry id → name (category)")


class CampaignReport(BaseModel):
    campaign: ReportCampaign
    stops: list[ReportStop]
    totals: ReportTotals
    by_specialty: dict[str, SpecialtyProgress]
    consultations_by_sex_age: dict[str, int]
    screenings_by_item: dict[str, int] = Field(
        default_factory=dict, description="screening code → people screened"
    )
    medicines_by_item: dict[str, int] = Field(
        default_factory=dict, description="medicine (free text, as recorded) → count"
    )
    referrals: list[ReferralLine]
    labels: ReportLabels | None = Field(
        default=None, description="the codes' names in the language asked (`?lang=`)"
    )
