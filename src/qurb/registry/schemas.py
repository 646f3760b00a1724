"""The API's shapes, one per direction: requests extend the registry's own models (the
same validation as the CLI), responses are `*Read` models built from service results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qurb.kernel.values import SAID_PATTERN, Text
from qurb.registry.facility_services import facility_services, hospital_tier
from qurb.registry.model import Facility, FacilityChange
from qurb.registry.service import FacilityCreate, FacilityUpdate
from qurb.territory.service import TerritoryIndex


class CategoryRead(BaseModel):
    code: str
    family: str
    level: str
    name_fr: str
    name_ar: str
    name_en: str
    services: list[str]


class ServiceRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str
    name_en: str
    tier: str | None = Field(
        default=None,
        description="general | specialty | maternity: a service that classes a hospital",
    )


class FacilityRead(BaseModel):
    id: str
    name: str
    name_ar: str | None
    category: str
    family: str
    level: str
    sector: str
    status: str
    province_code: str
    commune_code: str
    arrondissement_code: str | None
    commune_name_fr: str | None = None
    commune_name_ar: str | None = None
    lon: float
    lat: float
    location_source: str = Field(description="osm | user | commune_reference")
    location_precision_m: float | None
    osm_id: str | None
    beds: int | None
    doctors: int | None
    services: list[str] = Field(
        default_factory=list,
        description="the services it offers: its category's defaults, then services.csv and edits",
    )
    hospital_tier: str | None = Field(
        default=None, description="general | specialty | maternity, for a hospital; else null"
    )
    source: str
    source_row: int | None
    link_method: str | None
    link_score: float | None
    moh_delegation: str | None
    moh_commune: str | None
    updated_at: datetime
    version: int = Field(
        description="the record's version (its ETag): name it in If-Match to change it"
    )

    @field_validator("services", mode="before")
    @classmethod
    def _no_services_recorded(cls, value: object) -> object:
        return [] if value is None else value

    @classmethod
    def of(cls, facility: Facility, index: TerritoryIndex) -> FacilityRead:
        read = cls.model_validate(facility.values())
        services = facility_services(facility.category, facility.services)
        read.services = sorted(services)
        tier = hospital_tier(facility.family, services)
        read.hospital_tier = None if tier is None else tier.value
        commune = index.by_code.get(facility.arrondissement_code or facility.commune_code)
        if commune is not None:
            read.commune_name_fr, read.commune_name_ar = commune.name_fr, commune.name_ar
        return read


class FacilityRights(BaseModel):
    """What the asker may do to one facility, by the grants it holds over the facility's
    place: the page shows a form to whoever may use it (the server checks each write again)."""

    facility_id: str
    province_code: str
    read: bool = Field(description="registry.read over it: its history, who entered what")
    edit: bool = Field(description="registry.edit over it: its record, capacity, equipment")
    edit_province: bool = Field(
        description="registry.edit over its whole province: the province's capacity workbook"
    )


class FacilityPage(BaseModel):
    total: int = Field(description="facilities matching the filter")
    limit: int
    offset: int
    returned: int = Field(description="facilities in this page (the length of items)")
    items: list[FacilityRead]


class FieldChange(BaseModel):
    field: str
    before: Any
    after: Any


class FacilityChangeRead(BaseModel):
    id: int
    action: str
    changed_by: str
    changed_at: datetime
    reason: str | None
    changes: list[FieldChange]
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def of(cls, change: FacilityChange) -> FacilityChangeRead:
        before, after = change.before or {}, change.after or {}
        changed = (
            []
            if change.action == "create"
            else sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        )
        return cls(
            id=change.id,
            action=change.action,
            changed_by=change.changed_by,
            changed_at=change.changed_at,
            reason=change.reason,
            changes=[
                FieldChange(field=k, before=before.get(k), after=after.get(k)) for k in changed
            ],
            before=change.before,
            after=change.after,
        )


class EditNote(BaseModel):
    """Why a change is made; who makes it is the signed-in account, never a name sent."""

    reason: Text | None = Field(default=None, max_length=2000, description="kept in the history")


class FacilityCreateRequest(FacilityCreate, EditNote):
    """`FacilityCreate` (the registry's model) plus why."""

    def facility(self) -> FacilityCreate:
        return FacilityCreate.model_validate(
            self.model_dump(exclude={"reason"}, exclude_unset=True)
        )


KEPT_SET = ("name", "category", "lon", "lat")  # may be left out of an update, never emptied


def _not_nullable(schema: dict[str, Any]) -> None:
    """The schema says what the validator below refuses: these fields are never null."""
    for name in KEPT_SET:
        field = schema["properties"][name]
        kinds = [kind for kind in field.pop("anyOf", []) if kind != {"type": "null"}]
        field.update(kinds[0] if len(kinds) == 1 else {"anyOf": kinds})
        field.pop("default", None)


class FacilityUpdateRequest(FacilityUpdate, EditNote):
    """`FacilityUpdate` plus why; only the fields sent are changed."""

    model_config = ConfigDict(json_schema_extra=_not_nullable)

    @field_validator(*KEPT_SET)
    @classmethod
    def _required_stay_set(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be emptied: send a value or leave the field out")
        return value

    def update(self) -> FacilityUpdate:
        return FacilityUpdate.model_validate(
            self.model_dump(exclude={"reason"}, exclude_unset=True)
        )


def _required_reason(what: str) -> Any:
    return Field(
        min_length=1,
        max_length=2000,
        description=f"why it {what} (required; kept in the history)",
        json_schema_extra={"pattern": SAID_PATTERN},
    )


def _said(value: str) -> str:
    if not value.strip():
        raise ValueError("say why")
    return value.strip()


class FacilityCloseRequest(EditNote):
    """Who closes a facility, and why (required: a closure is undone by a reopening,
    which reads why it was closed)."""

    reason: Text = _required_reason("closes")
    _reason_said = field_validator("reason")(_said)


class FacilityReopenRequest(EditNote):
    """Who reopens a closed facility, and why (required)."""

    reason: Text = _required_reason("reopens")
    _reason_said = field_validator("reason")(_said)
