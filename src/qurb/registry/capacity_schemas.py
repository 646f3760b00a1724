"""The API's shapes of capacity and equipment: requests build the services' own changes
(the same validation as the command line), responses are `*Read` models built from the
services' results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from qurb.kernel.i18n import data_label
from qurb.kernel.values import NO_NUL_PATTERN, SAID_PATTERN
from qurb.registry.capacity import CapacityValue, FacilityCapacity
from qurb.registry.capacity_model import (
    MEASURE_MAX_LENGTH,
    CapacityChange,
    EntryList,
    EquipmentCreate,
    EquipmentStatus,
    EquipmentUpdate,
    capacity_catalogue,
)
from qurb.registry.equipment import Equipment, EquipmentChange

Said = Annotated[str, StringConstraints(pattern=SAID_PATTERN, max_length=200)]
Short = Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN, max_length=300)]
ModelName = Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN, max_length=200)]
FacilityId = Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN, min_length=1, max_length=80)]
Measure = Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN, max_length=MEASURE_MAX_LENGTH)]


class CapacityValueRead(BaseModel):
    measure: str = Field(
        description="beds | beds.<bed_service> | staff.<profession> | "
        "specialists.<specialty> | hours"
    )
    count: int | None = Field(description="the headcount or beds; null: entered as unknown")
    text: str | None = Field(default=None, description="the opening hours (measure `hours`)")
    as_of: date = Field(description="the date the value is true at")
    source: str | None = Field(
        default=None, description="where the value comes from (for registry.read)"
    )
    entered_by: str | None = Field(default=None, description="who entered it (registry.read)")
    entered_at: datetime | None = Field(default=None, description="when (registry.read)")
    import_id: int | None = Field(
        default=None, description="the workbook import it came from (registry.read)"
    )

    @classmethod
    def of(cls, value: CapacityValue, provenance: bool) -> CapacityValueRead:
        read = cls(measure=value.measure, count=value.count, text=value.text, as_of=value.as_of)
        if provenance:
            read.source, read.entered_by = value.source, value.entered_by
            read.entered_at, read.import_id = value.entered_at, value.import_id
        return read


class CapacityRead(BaseModel):
    facility_id: str
    version: int = Field(
        description="the facility's version (its ETag): name it in If-Match to change it"
    )
    beds: int | None = Field(description="the facility's beds, the total every figure reads")
    doctors: int | None = Field(
        description="general practitioners plus specialist doctors, when both are known"
    )
    hours: str | None = Field(description="opening hours: 24/7 or an OpenStreetMap value")
    values: list[CapacityValueRead] = Field(
        description="the current value of each measure entered (a measure never entered "
        "is absent; one entered as unknown has a null count)"
    )
    provenance: bool = Field(
        description="whether sources and authors are given (a reader with registry.read)"
    )

    @classmethod
    def of(cls, capacity: FacilityCapacity, provenance: bool) -> CapacityRead:
        return cls(
            facility_id=capacity.facility_id,
            version=capacity.version,
            beds=capacity.beds,
            doctors=capacity.doctors,
            hours=capacity.hours,
            values=[CapacityValueRead.of(v, provenance) for v in capacity.values],
            provenance=provenance,
        )


class CapacityWriteRequest(BaseModel):
    """Capacity values entered together, with their one source and date."""

    model_config = ConfigDict(extra="forbid")

    source: Said = Field(description="where the values come from (an inventory, a census…)")
    as_of: date = Field(description="the date the values are true at; not in the future")
    values: dict[Measure, int | None] = Field(
        default_factory=dict,
        max_length=200,
        description="measure → count (null: entered as unknown)",
    )
    hours: Short | None = Field(
        default=None, description="opening hours: 24/7 or an OpenStreetMap opening_hours value"
    )

    def change(self) -> CapacityChange:
        return CapacityChange(
            source=self.source, as_of=self.as_of, values=dict(self.values), hours=self.hours
        )


class EntryRead(BaseModel):
    code: str
    name: str = Field(description="in the reader's language")
    group: str | None = None


class EntryListRead(BaseModel):
    source: str
    entries: list[EntryRead]

    @classmethod
    def of(cls, entries: EntryList, lang: str) -> EntryListRead:
        return cls(
            source=entries.source,
            entries=[
                EntryRead(code=e.code, name=data_label(e, lang), group=e.group)
                for e in entries.entries.values()
            ],
        )


class MeasuresRead(BaseModel):
    lang: str
    beds_max: int = Field(description="the most beds one facility can be entered with")
    staff_max: int = Field(description="the most staff of one profession per facility")
    measures: list[str] = Field(description="every measure, in order")
    professions: EntryListRead
    specialties: EntryListRead
    bed_services: EntryListRead
    equipment_kinds: EntryListRead
    equipment_groups: EntryListRead
    equipment_statuses: list[str]

    @classmethod
    def of(cls, lang: str, measures: list[str]) -> MeasuresRead:
        lists = capacity_catalogue()
        return cls(
            lang=lang,
            beds_max=lists.bounds.beds_max,
            staff_max=lists.bounds.staff_max,
            measures=measures,
            professions=EntryListRead.of(lists.professions, lang),
            specialties=EntryListRead.of(lists.specialties, lang),
            bed_services=EntryListRead.of(lists.bed_services, lang),
            equipment_kinds=EntryListRead.of(lists.equipment_kinds, lang),
            equipment_groups=EntryListRead.of(lists.equipment_groups, lang),
            equipment_statuses=[s.value for s in EquipmentStatus],
        )


class EquipmentRead(BaseModel):
    id: int
    facility_id: str
    province_code: str
    kind: str
    model: str | None
    inventory_ref: str | None = Field(description="the délégation's own inventory number")
    in_service: date | None
    status: str = Field(description="working | down | retired")
    down_reason: str | None
    down_since: date | None
    retired_on: date | None
    source: str
    updated_at: datetime
    version: int = Field(description="its version (its ETag): name it in If-Match to change it")

    @classmethod
    def of(cls, item: Equipment) -> EquipmentRead:
        return cls.model_validate(item, from_attributes=True)


class EquipmentCreateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facility_id: FacilityId
    kind: Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN, max_length=40)]
    source: Said
    model: ModelName | None = None
    inventory_ref: (
        Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN, max_length=80)] | None
    ) = None
    in_service: date | None = None
    status: EquipmentStatus = EquipmentStatus.WORKING
    down_reason: Short | None = None
    down_since: date | None = None
    retired_on: date | None = None

    def item(self) -> EquipmentCreate:
        return EquipmentCreate(**self.model_dump())


class EquipmentUpdateRequest(BaseModel):
    """The fields given change; a status move brings its details (down: `down_reason` and
    `down_since`; retired: `retired_on`)."""

    model_config = ConfigDict(extra="forbid")

    status: EquipmentStatus | None = None
    down_reason: Short | None = None
    down_since: date | None = None
    retired_on: date | None = None
    model: ModelName | None = None
    inventory_ref: (
        Annotated[str, StringConstraints(pattern=NO_NUL_PATTERN, max_length=80)] | None
    ) = None
    in_service: date | None = None
    source: Said | None = None

    def update(self) -> EquipmentUpdate:
        return EquipmentUpdate(**self.model_dump())


class EquipmentChangeRead(BaseModel):
    id: int = Field(description="the audit entry's sequence number")
    equipment_id: int
    action: str = Field(description="add | update")
    changed_by: str
    changed_at: datetime
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def of(cls, change: EquipmentChange) -> EquipmentChangeRead:
        return cls.model_validate(change, from_attributes=True)
