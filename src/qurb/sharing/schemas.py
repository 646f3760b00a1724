"""The shared resources' API bodies and answers (pydantic)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from qurb.kernel.values import NO_NUL_PATTERN

DbInt = Annotated[int, Field(ge=1, le=2**31 - 1)]
FacilityId = Annotated[str, Field(min_length=1, max_length=80, pattern=NO_NUL_PATTERN)]
PartnerId = Annotated[str, Field(min_length=1, max_length=80, pattern=NO_NUL_PATTERN)]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=NO_NUL_PATTERN)]
Text = Annotated[str, Field(max_length=2000, pattern=NO_NUL_PATTERN)]
HhMm = Annotated[str, Field(pattern=r"^[0-2][0-9]:[0-5][0-9]$", description="local HH:MM")]
Month = Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


def _in_range(moment: datetime) -> datetime:
    """A moment of this century: far ones would overflow in UTC, and mean nothing here."""
    if not 2000 <= moment.year <= 2100:
        raise ValueError("a moment between the years 2000 and 2100")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RulesIn(Body):
    slot_minutes: int = Field(ge=5, le=1440, description="one use, in minutes")
    buffer_minutes: int = Field(0, ge=0, le=1440, description="after each use, in minutes")
    min_notice_hours: int = Field(24, ge=0, le=2160)
    max_notice_days: int = Field(60, ge=1, le=366)
    approval_required: bool = False
    grace_minutes: int = Field(30, ge=0, le=1440, description="a no-show released after it")


class ResourceIn(Body):
    """An equipment item or a visiting specialist (exactly one) made shareable."""

    equipment_id: DbInt | None = None
    specialist_id: DbInt | None = None
    service: Name
    label: Annotated[str, Field(max_length=200, pattern=NO_NUL_PATTERN)] | None = None
    rules: RulesIn


class ResourceRead(BaseModel):
    id: int
    kind: str
    equipment_id: int | None
    specialist_id: int | None
    facility_id: str
    specialty: str
    service: str
    label: str
    slot_minutes: int
    buffer_minutes: int
    min_notice_hours: int
    max_notice_days: int
    approval_required: bool
    grace_minutes: int
    active: bool


class OpeningIn(Body):
    weekday: int = Field(ge=0, le=6, description="0 Monday … 6 Sunday")
    opens: HhMm
    closes: HhMm
    daily_capacity: int | None = Field(None, ge=1, le=1440)
    valid_from: Day | None = None
    valid_to: Day | None = None


class AvailabilityIn(Body):
    openings: list[OpeningIn] = Field(max_length=100)


class MaterialisedRead(BaseModel):
    added: int
    removed: int


class SlotRead(BaseModel):
    id: int
    resource_id: int
    facility_id: str
    specialty: str
    start: datetime
    end: datetime


class BookingIn(Body):
    resource_id: DbInt
    start: Moment
    slots: int = Field(1, ge=1, le=12)
    facility_id: FacilityId | None = Field(
        None, description="the booker's (default: the resource's)"
    )
    referral_id: DbInt | None = None
    note: Text | None = None


class BookingRead(BaseModel):
    id: int
    resource_id: int
    partner_id: str | None
    facility_id: str | None
    referral_id: int | None
    start: datetime
    end: datetime
    slots: int
    status: str = Field(
        description="requested, confirmed, checked_in, cancelled, refused, no_show, displaced"
    )
    from_pool: int = Field(description="its slots counted in the pool, beyond its quota")
    note: str | None
    reason: str | None
    version: int


class ReasonIn(Body):
    reason: Text | None = None


class RescheduleIn(Body):
    start: Moment


class DowntimeIn(Body):
    start: Moment
    end: Moment | None = None
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=NO_NUL_PATTERN)]


class DowntimeRead(BaseModel):
    id: int
    resource_id: int
    start: datetime
    end: datetime | None
    reason: str
    slots_closed: int
    bookings_displaced: int


class MissionIn(Body):
    facility_id: FacilityId
    day: Day
    opens: HhMm
    closes: HhMm


class MissionRead(BaseModel):
    id: int
    resource_id: int
    facility_id: str
    day: date
    opens: str
    closes: str
    slots: int
    held: list[int]


class QuotaIn(Body):
    partner_id: PartnerId
    convention_id: DbInt
    unit: Literal["slots", "hours"]
    amount: int = Field(ge=0, le=100_000)
    release_days: int = Field(ge=0, le=27)
    valid_from: Day | None = None
    valid_to: Day | None = None


class QuotaRead(BaseModel):
    id: int
    resource_id: int
    partner_id: str
    convention_id: int
    unit: str
    amount: int
    release_days: int
    valid_from: date | None
    valid_to: date | None
    slots: int = Field(description="a month's quota in slots (hours: rounded down)")


class WaitingIn(Body):
    wanted_from: Day
    wanted_to: Day
    facility_id: FacilityId | None = None
    referral_id: DbInt | None = None


class WaitingRead(BaseModel):
    id: int
    resource_id: int
    partner_id: str | None
    referral_id: int | None
    wanted_from: date
    wanted_to: date
    status: str
    offered_slot: int | None


class UtilisationRead(BaseModel):
    resource_id: int
    month: str
    open: int
    booked: int
    used: int
    no_shows: int
    closed: int
    share: float | None


class PartnerLineRead(BaseModel):
    partner_id: str | None
    quota: int | None
    booked: int
    used: int
    no_shows: int
    cancelled: int
    released: int
    from_pool: int
    share_of_quota: float | None


class WeekSlotRead(BaseModel):
    id: int
    start: datetime
    end: datetime
    state: str = Field(description="free, booked, held (for a referral), down")
    bookable: bool = Field(description="free, and the rules' notice lets one book it now")
    booking_id: int | None = Field(description="for its partner and the manager only")
    booking_status: str | None
    partner_id: str | None = Field(description="for its partner and the manager only")
    reason: str | None = Field(description="the downtime's, for a slot down")


class WeekDowntimeRead(BaseModel):
    id: int
    start: datetime
    end: datetime | None
    reason: str


class WeekRead(BaseModel):
    resource_id: int
    first: date = Field(description="the week's Monday (local)")
    today: date = Field(description="the local day now, by the server's clock")
    slots: list[WeekSlotRead]
    downtime: list[WeekDowntimeRead]
    manages: bool = Field(description="the reader manages the resource")
    books: bool = Field(description="the reader may book it")
    partner_id: str | None = Field(description="the partner the reader books for")
    facility_name: str
    facility_name_ar: str | None


__all__ = ["Month"]
