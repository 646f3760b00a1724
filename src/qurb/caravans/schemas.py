"""The caravan API's bodies and answers, as typed models (the plan is `plan.CampaignPlan`,
the report and the listings `summaries`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from qurb.caravans.plan import CampaignPlan
from qurb.caravans.visit_record import VisitRecordRow

MAX_RECORD_ROWS = 5000


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
