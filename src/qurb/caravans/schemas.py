"""The caravan API's bodies and answers, as typed models (the plan is `plan.CampaignPlan`;
a saved campaign, the report and the listings are in `summaries`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qurb.caravans.plan import CampaignPlan, PlanSpecialty
from qurb.caravans.summaries import StoredCampaign
from qurb.caravans.visit_record import VisitRecordRow

MAX_RECORD_ROWS = 5000


class CampaignRead(BaseModel):
    """A saved campaign on the web: its id, its plan and the campaign as it was given."""

    id: str
    plan: CampaignPlan
    spec: dict[str, Any] = Field(description="the campaign as it was given (its JSON keys)")

    @classmethod
    def of(cls, stored: StoredCampaign) -> CampaignRead:
        return cls(id=stored.id, plan=stored.plan, spec=dict(stored.spec))


class RecordsBody(BaseModel):
    # Who records is the signed-in account: a `recorded_by` sent is refused, not ignored.
    model_config = ConfigDict(extra="forbid")

    rows: list[VisitRecordRow] = Field(
        min_length=1,
        max_length=MAX_RECORD_ROWS,
        description="stop, kind, item, sex, age_band, count, facility, service",
    )


class Recorded(BaseModel):
    recorded: int


class Screening(BaseModel):
    """A screening of the controlled list (`caravan.toml`), with its national programme
    and that programme's source."""

    code: str
    label_fr: str
    label_ar: str
    label_en: str
    programme: str
    programme_fr: str
    programme_ar: str
    programme_en: str
    source: str


class CaravanVocabulary(BaseModel):
    """The codes the caravan page offers and reads, as the server knows them."""

    record_kinds: list[str] = Field(
        description="what a visit record counts: consultation, screening, medicine, referral"
    )
    age_bands: list[str] = Field(description="the age bands of a visit record, youngest first")
    sexes: list[str] = Field(description="the sexes of a visit record")
    priority_parts: list[str] = Field(
        description="the parts of a commune's priority score, in the order they are shown"
    )
    specialties: list[PlanSpecialty] = Field(
        default_factory=list,
        description="the specialties a campaign can bring (caravan.toml), with their labels",
    )
    item_lists: dict[str, str] = Field(
        default_factory=dict,
        description="what a record's item is, by kind: one of the campaign's `specialties`, "
        "one of the `screenings`, or `free_text` (medicines, until a sourced list)",
    )
    facility_kinds: list[str] = Field(
        default_factory=list, description="the kinds whose record names a receiving facility"
    )
    screenings: list[Screening] = Field(
        default_factory=list,
        description="the screenings a record may name (a controlled list, each with its "
        "national programme and source); medicines are free text",
    )
