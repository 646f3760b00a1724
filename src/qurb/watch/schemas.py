"""What the periodic reports' routes read and answer."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from qurb.watch.completeness import Completeness, FacilityCompleteness, UnitCompleteness
from qurb.watch.model import DataElement, DataSet, Disaggregation
from qurb.watch.service import Report, Validation

MAX_VALUES = 2_000  # cells in one report (a body within the request cap)


class OptionRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str
    name_en: str


class DisaggregationRead(BaseModel):
    id: str
    name_fr: str
    name_ar: str
    name_en: str
    options: list[OptionRead]

    @classmethod
    def of(cls, d: Disaggregation) -> DisaggregationRead:
        options = [OptionRead(**o.__dict__) for o in d.options]
        return cls(
            id=d.id, name_fr=d.name_fr, name_ar=d.name_ar, name_en=d.name_en, options=options
        )


class ElementRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str
    name_en: str
    group: str
    disaggregations: list[str]
    cells: list[str] = Field(description='its cells, "f|1-4"; "" for the total alone')
    confirmed: bool = Field(description="confirmed from the data set's source itself")
    why: str | None = Field(description="why it is not confirmed")
    immediate: bool = Field(description="notified on a single case")
    alert_threshold: int | None = Field(description="cases that raise an alert (1: any)")
    delay_confirmed: bool
    delay_why: str | None

    @classmethod
    def of(cls, e: DataElement, cells: tuple[str, ...]) -> ElementRead:
        return cls(
            code=e.code,
            name_fr=e.name_fr,
            name_ar=e.name_ar,
            name_en=e.name_en,
            group=e.group,
            disaggregations=list(e.disaggregations),
            cells=list(cells),
            confirmed=e.confirmed,
            why=e.why,
            immediate=e.immediate,
            alert_threshold=e.alert_threshold,
            delay_confirmed=e.delay_confirmed,
            delay_why=e.delay_why,
        )


class DatasetSummary(BaseModel):
    id: str
    version: str
    name_fr: str
    name_ar: str
    name_en: str
    period: str = Field(description="iso_week (2026W5) or month (2026-01)")
    due_days: int = Field(description="a report is on time up to this many days after")
    due_days_confirmed: bool
    categories: list[str] = Field(description="the facility categories that report it")
    elements: int
    unconfirmed_elements: int
    needs_validation: bool
    validated: bool | None = Field(
        description='false: "to be validated by the DELM"; null: it needs no validation'
    )
    validated_at: datetime | None
    validated_by: str | None
    source: str

    @classmethod
    def of(cls, d: DataSet, validation: Validation | None) -> DatasetSummary:
        return cls(
            id=d.id,
            version=d.version,
            name_fr=d.name_fr,
            name_ar=d.name_ar,
            name_en=d.name_en,
            period=d.period.value,
            due_days=d.due_days,
            due_days_confirmed=d.due_days_confirmed,
            categories=list(d.categories),
            elements=len(d.elements),
            unconfirmed_elements=sum(not e.confirmed for e in d.elements),
            needs_validation=d.needs_validation,
            validated=(validation is not None) if d.needs_validation else None,
            validated_at=validation.validated_at if validation else None,
            validated_by=validation.validated_by if validation else None,
            source=d.source,
        )


class DatasetRead(DatasetSummary):
    due_days_why: str | None
    notes: str
    disaggregations: list[DisaggregationRead]
    element_list: list[ElementRead]

    @classmethod
    def full(cls, d: DataSet, validation: Validation | None) -> DatasetRead:
        return cls(
            **DatasetSummary.of(d, validation).model_dump(),
            due_days_why=d.due_days_why,
            notes=d.notes,
            disaggregations=[DisaggregationRead.of(x) for x in d.disaggregations],
            element_list=[ElementRead.of(e, d.combos[e.code]) for e in d.elements],
        )


class ValidationRead(BaseModel):
    dataset_id: str
    dataset_version: str
    validated_at: datetime
    validated_by: str


class ValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    element: str = Field(max_length=64)
    disaggregation: str = Field(default="", max_length=64, description='"f|1-4"; "" the total')
    value: int | float | str | None = Field(description="a count: a whole number, 0 or more")


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(max_length=64)
    facility: str = Field(max_length=200, description="the facility's Qurb id")
    period: str = Field(max_length=16, description="2026W5 (a week) or 2026-01 (a month)")
    values: list[ValueIn] = Field(max_length=MAX_VALUES)


class ReportCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: list[ValueIn] = Field(max_length=MAX_VALUES)
    reason: str = Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")


class ValueRead(BaseModel):
    element: str
    disaggregation: str
    value: int


class ReportRead(BaseModel):
    id: int
    dataset: str
    dataset_version: str
    facility: str
    period: str
    revision: int
    current: bool
    status: str = Field(description="submitted | confirmed (confirmed: frozen)")
    frozen: bool
    zero: bool = Field(description="a zero report: every value given is 0")
    received_at: datetime
    submitted_at: datetime
    submitted_by: str
    confirmed_at: datetime | None
    confirmed_by: str | None
    reason: str | None
    version: int
    values: list[ValueRead]

    @classmethod
    def of(cls, r: Report) -> ReportRead:
        return cls(
            id=r.id,
            dataset=r.dataset_id,
            dataset_version=r.dataset_version,
            facility=r.facility_id,
            period=r.period,
            revision=r.revision,
            current=r.current,
            status=r.status.value,
            frozen=r.frozen,
            zero=r.zero,
            received_at=r.received_at,
            submitted_at=r.submitted_at,
            submitted_by=r.submitted_by,
            confirmed_at=r.confirmed_at,
            confirmed_by=r.confirmed_by,
            reason=r.reason,
            version=r.version,
            values=[ValueRead(**v.__dict__) for v in r.values],
        )


class Imported(BaseModel):
    submitted: int
    reports: list[int]


class UnitRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str
    level: str
    expected: int
    received: int
    on_time: int
    completeness_pct: float | None = Field(description="received / expected; null: none expected")
    timeliness_pct: float | None = Field(description="on time / expected; null: none expected")

    @classmethod
    def of(cls, u: UnitCompleteness) -> UnitRead:
        return cls(
            **u.__dict__, completeness_pct=u.completeness_pct, timeliness_pct=u.timeliness_pct
        )


class FacilityCompletenessRead(BaseModel):
    facility_id: str
    name: str
    category: str
    commune_code: str
    province_code: str
    received: bool
    on_time: bool
    zero: bool
    report_id: int | None
    received_on: date | None

    @classmethod
    def of(cls, f: FacilityCompleteness) -> FacilityCompletenessRead:
        return cls(**f.__dict__)


class CompletenessRead(BaseModel):
    """Expected: the facilities whose category reports the data set, open now or that
    reported for the period (the registry keeps no opening dates)."""

    dataset: str
    dataset_version: str
    period: str
    due: date = Field(description="the last day a report is on time")
    territory: UnitRead
    units: list[UnitRead] = Field(description="its communes, provinces and regions")
    facilities: list[FacilityCompletenessRead]
    silent: list[str] = Field(description="the facilities that sent no report")

    @classmethod
    def of(cls, c: Completeness) -> CompletenessRead:
        return cls(
            dataset=c.dataset_id,
            dataset_version=c.dataset_version,
            period=c.period,
            due=c.due,
            territory=UnitRead.of(c.territory),
            units=[UnitRead.of(u) for u in c.units],
            facilities=[FacilityCompletenessRead.of(f) for f in c.facilities],
            silent=[f.facility_id for f in c.silent],
        )
