"""The referrals' web shapes: what a client sends and reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from qurb.kernel.values import NO_NUL_PATTERN
from qurb.referrals.model import TEXT_MAX, Status, Urgency
from qurb.referrals.reading import Names, Referral

Code = Annotated[str, Field(min_length=1, max_length=80, pattern=NO_NUL_PATTERN)]
Text = Annotated[str | None, Field(default=None, max_length=TEXT_MAX, pattern=NO_NUL_PATTERN)]


class ReferralIn(BaseModel):
    """A referral to send: its origin (a facility or a caravan stop), its destination and
    the service asked of it, the patient's commune of residence (HCP code, required), age
    band and sex, never a name."""

    service: Code = Field(description="the registry service asked for (`qurb services`)")
    destination: Code = Field(description="the destination facility's registry id")
    commune: Annotated[str | None, Field(max_length=16, pattern=NO_NUL_PATTERN)] = Field(
        description="the patient's commune of residence: its HCP code (required)"
    )
    origin_facility: Code | None = None
    origin_stop: Annotated[int | None, Field(ge=1, le=2**31 - 1)] = None
    pathway: Code | None = None
    step: Annotated[int | None, Field(ge=0, le=20)] = Field(
        default=None, description="the pathway's level sent to, 0 the first"
    )
    specialty: Code | None = None
    # As model.AGE_BANDS and model.SEXES (the caravans' records' values).
    age_band: Literal["0-4", "5-14", "15-49", "50-59", "60+"] | None = None
    sex: Literal["F", "M"] | None = None
    reason: Text = None
    urgency: Urgency = Urgency.ROUTINE


class EventRead(BaseModel):
    status: str
    previous: str | None
    reason: str | None
    at: datetime
    actor: str


class ReferralRead(BaseModel):
    id: int
    reference: str = Field(
        description="pseudonymous: random, derived from nothing about the person"
    )
    kind: str = Field(description="referral or tele_expertise")
    pathway: str | None
    step: int | None
    service: str
    specialty: str | None
    origin_facility_id: str | None
    origin_stop_id: int | None
    destination_facility_id: str
    region_code: str
    commune_code: str
    age_band: str | None
    sex: str | None
    reason: str | None
    urgency: str
    status: str
    parent_id: int | None = Field(description="the referral it was redirected or converted from")
    booking_id: int | None
    transfer_avoided: bool
    km_saved: float | None = Field(
        description="a tele-expertise answered: the road distance origin → destination both "
        "ways (km), by the commune-graph travel-time model (qurb.access)"
    )
    answer: str | None = Field(description="the counter-referral's or the advice's text")
    sent_at: datetime
    accepted_at: datetime | None
    booked_at: datetime | None
    seen_at: datetime | None
    counter_referred_at: datetime | None
    closed_at: datetime | None
    version: int
    events: list[EventRead] = Field(default_factory=list)
    origin_name: str | None = Field(default=None, description="the origin facility's name")
    destination_name: str | None = None
    commune_name_fr: str | None = Field(
        default=None, description="the commune of residence's census name"
    )
    commune_name_ar: str | None = None

    @classmethod
    def of(cls, referral: Referral, names: Names | None = None) -> ReferralRead:
        read = cls(**referral.values(), events=[EventRead(**vars(e)) for e in referral.events])
        if names is not None:
            read.origin_name, read.destination_name = names.origin, names.destination
            read.commune_name_fr, read.commune_name_ar = names.commune_fr, names.commune_ar
        return read


class StatusIn(BaseModel):
    status: Status
    reason: Text = Field(
        default=None,
        description="a refusal's or a redirect's reason; a counter-referral's or an advice's text",
    )
    destination: Code | None = Field(default=None, description="a redirect's new destination")


class AnswerIn(BaseModel):
    answer: Annotated[str, Field(min_length=1, max_length=TEXT_MAX, pattern=NO_NUL_PATTERN)]


class Imported(BaseModel):
    sent: int


class WaitingRead(BaseModel):
    group: str
    interval: str = Field(
        description="sent_to_booked, booked_to_seen, seen_to_counter_referred or sent_to_seen"
    )
    count: int
    median_days: float | None
    p90_days: float | None = Field(description="90th percentile, numpy's linear method (type 7)")


class RateRead(BaseModel):
    destination_facility_id: str
    service: str
    seen: int
    counter_referred: int
    rate: float | None


class MeasuresRead(BaseModel):
    territory: str
    start: str
    end: str
    by: str
    counts: dict[str, int]
    waiting: list[WaitingRead]
    counter_referral: list[RateRead]
    method: str


class LevelRead(BaseModel):
    service: str
    name_fr: str
    name_ar: str
    name_en: str


class PathwayRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str
    name_en: str
    source: str
    working_choice: bool = Field(description="the levels' services are Qurb's working choice")
    levels: list[LevelRead]
