"""The API's shapes, one per direction: requests extend the registry's own models (the
same validation as the CLI), responses are `*Read` models built from service results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qurb.domain.facility_services import facility_services, hospital_tier
from qurb.domain.territory import Territory
from qurb.services.registry import FacilityCreate, FacilityUpdate
from qurb.services.territories import TerritoryIndex, density_per_km2, growth_2014_2024_pct
from qurb.storage.models import FacilityChangeRow, FacilityRow

# ------------------------------------------------------------------------------ errors


class ErrorItem(BaseModel):
    field: str | None = None
    reason: str
    row: int | None = None


class ErrorBody(BaseModel):
    error: str
    detail: list[ErrorItem] = []


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 403, 404, 409, 413, 422)
}

# ------------------------------------------------------------------------------ territories


class TerritoryRead(BaseModel):
    code: str
    level: str
    name_fr: str
    name_ar: str
    parent_code: str | None
    kind: str
    population_2024: int | None
    population_2014: int | None
    households_2024: int | None
    area_km2: float | None
    ref_lon: float | None
    ref_lat: float | None
    cercle_code: str | None
    growth_2014_2024_pct: float | None = Field(
        description="legal population 2024 vs 2014, in % of 2014; null when either is unknown"
    )
    density_per_km2: float | None = Field(
        description="legal population 2024 per km² of surface; null when either is unknown"
    )

    @classmethod
    def of(cls, t: Territory) -> TerritoryRead:
        return cls(
            code=t.code,
            level=t.level.value,
            name_fr=t.name_fr,
            name_ar=t.name_ar,
            parent_code=t.parent_code,
            kind=t.kind,
            population_2024=t.population_2024,
            population_2014=t.population_2014,
            households_2024=t.households_2024,
            area_km2=t.area_km2,
            ref_lon=t.ref_lon,
            ref_lat=t.ref_lat,
            cercle_code=t.cercle_code,
            growth_2014_2024_pct=growth_2014_2024_pct(t),
            density_per_km2=density_per_km2(t),
        )


class TerritoryList(BaseModel):
    parent: TerritoryRead | None = None
    query: str | None = None
    items: list[TerritoryRead]


class CensusLineRead(BaseModel):
    census: str
    area: str = Field(description="total | urban | rural")
    sex: str = Field(description="all | male | female")
    figures: dict[str, float | None] = Field(
        description="HCP columns; age bands and rates in % of the municipal population"
    )


class PyramidBandRead(BaseModel):
    band: str
    label: str
    male_pct: float | None
    female_pct: float | None
    male: int | None = Field(description="people: HCP's share × municipal male population")
    female: int | None


class MapFocus(BaseModel):
    """Which polygons show a territory: the region and the province that hold it."""

    region: str | None
    province: str | None
    layer: str = Field(description="regions | provinces | communes: the level drawn")
    parent: str = Field(description="the code the drawn layer is cut by")


class TerritoryDetail(BaseModel):
    territory: TerritoryRead
    ancestors: list[TerritoryRead] = Field(description="from the country down to the parent")
    children: int
    census: list[CensusLineRead]
    pyramid: list[PyramidBandRead] | None
    needs: dict[str, Any] | None = Field(
        description="population, demand drivers, public offer and inhabitants per facility"
    )
    public_offer: dict[str, int] = Field(description="open public facilities by category")
    focus: MapFocus
    source: str


class NeedsTable(BaseModel):
    territory: TerritoryRead
    by: str
    rows: list[dict[str, Any]]
    estimates: dict[str, str] = Field(
        default_factory=dict,
        description="the row fields that are estimates, with their formulas (see /api/definitions)",
    )


class NormSetBrief(BaseModel):
    id: str
    version: str
    kind: str = Field(
        description="norm: a gap is a shortfall; reference_ratio: an observed average, a gap "
        "is a distance from it, not a need"
    )
    name_fr: str
    name_ar: str
    name_en: str
    source: str


class GapLineRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str
    level: str
    norm_set: str
    norm_version: str
    kind: str = Field(
        description="its norm set's kind: norm (missing = a shortfall) or reference_ratio "
        "(missing = units below the national average, unserved_population = people beyond "
        "the average ratio; neither is a need)"
    )
    rule: str
    label_fr: str
    label_ar: str
    label_en: str
    source: str
    population_base: str
    population: float | None
    supply: float | None
    required: float | None
    missing: int | None
    missing_category: str
    unserved_population: float | None
    status: str = Field(description="gap | met | no_hospital | supply_unknown | population_unknown")
    # Status no_hospital (a bed rule where the unit has no hospital): the general hospital
    # nearest by the travel-time model, instead of counting every bed of the norm missing.
    nearest_hospital_id: str | None = None
    nearest_hospital_name: str | None = None
    nearest_hospital_commune_code: str | None = None
    nearest_hospital_commune_name_fr: str | None = None
    nearest_hospital_commune_name_ar: str | None = None
    nearest_hospital_minutes: float | None = Field(
        default=None,
        description="population-weighted mean minutes from the unit's communes (model)",
    )
    nearest_hospital_distance_km: float | None = Field(
        default=None, description="population-weighted mean km from the unit's communes (model)"
    )
    nearest_hospital_model: str | None = None
    nearest_hospital_label_fr: str | None = None
    nearest_hospital_label_ar: str | None = None
    nearest_hospital_label_en: str | None = None
    # The line as a sentence, worded by its norm set's kind (also in the CLI exports).
    gap_fr: str | None = None
    gap_ar: str | None = None
    gap_en: str | None = None


class GapReportRead(BaseModel):
    territory: TerritoryRead
    by: str
    norm_sets: list[NormSetBrief]
    total_lines: int
    lines: list[GapLineRead]
    skipped: list[str]


class NormRuleRead(BaseModel):
    id: str
    label_fr: str
    label_ar: str
    label_en: str
    population: str
    per_population: float
    facilities: float
    supply: str
    scale: str
    missing_category: str


class NormSetRead(NormSetBrief):
    notes: str
    rules: list[NormRuleRead]


class CategoryRead(BaseModel):
    code: str
    family: str
    level: str
    name_fr: str
    name_ar: str
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


# ------------------------------------------------------------------------------ facilities


class FacilityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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

    @field_validator("services", mode="before")
    @classmethod
    def _no_services_recorded(cls, value: object) -> object:
        return [] if value is None else value

    @classmethod
    def of(cls, row: FacilityRow, index: TerritoryIndex) -> FacilityRead:
        read = cls.model_validate(row)
        services = facility_services(row.category, row.services)
        read.services = sorted(services)
        tier = hospital_tier(row.family, services)
        read.hospital_tier = None if tier is None else tier.value
        commune = index.by_code.get(row.arrondissement_code or row.commune_code)
        if commune is not None:
            read.commune_name_fr, read.commune_name_ar = commune.name_fr, commune.name_ar
        return read


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
    def of(cls, row: FacilityChangeRow) -> FacilityChangeRead:
        before, after = row.before or {}, row.after or {}
        changed = (
            []
            if row.action == "create"
            else sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        )
        return cls(
            id=row.id,
            action=row.action,
            changed_by=row.changed_by,
            changed_at=row.changed_at,
            reason=row.reason,
            changes=[
                FieldChange(field=k, before=before.get(k), after=after.get(k)) for k in changed
            ],
            before=row.before,
            after=row.after,
        )


class EditNote(BaseModel):
    changed_by: str | None = Field(
        default=None,
        max_length=120,
        description="who makes the change (default: the server's user)",
    )
    reason: str | None = Field(default=None, max_length=2000, description="kept in the history")


class FacilityCreateRequest(FacilityCreate, EditNote):
    """`FacilityCreate` (the registry's model) plus who and why."""

    def facility(self) -> FacilityCreate:
        return FacilityCreate.model_validate(
            self.model_dump(exclude={"changed_by", "reason"}, exclude_unset=True)
        )


class FacilityUpdateRequest(FacilityUpdate, EditNote):
    """`FacilityUpdate` plus who and why; only the fields sent are changed."""

    @field_validator("name", "category", "lon", "lat")
    @classmethod
    def _required_stay_set(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be emptied: send a value or leave the field out")
        return value

    def update(self) -> FacilityUpdate:
        return FacilityUpdate.model_validate(
            self.model_dump(exclude={"changed_by", "reason"}, exclude_unset=True)
        )


class FacilityCloseRequest(EditNote):
    pass


# ------------------------------------------------------------------------------ indicators


class TextRead(BaseModel):
    fr: str
    ar: str
    en: str


class IndicatorChoiceRead(BaseModel):
    value: str
    label: TextRead


class IndicatorParamRead(BaseModel):
    name: str
    label: TextRead
    default: str
    choices: list[IndicatorChoiceRead]


class IndicatorRead(BaseModel):
    id: str
    label: TextRead
    unit: TextRead
    source: str
    higher_is_better: bool | None
    decimals: int
    uses_registry: bool
    params: list[IndicatorParamRead]
    # What the figures measure, shown beside them (e.g. the travel-time model's words).
    measure: TextRead | None = None


class IndicatorValueRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str
    value: float | None
    note: str | None = Field(default=None, description="why there is no number, when there is none")


class IndicatorValuesRead(BaseModel):
    indicator: str
    level: str
    parent: str
    params: dict[str, str]
    # Label and unit worded for these parameters (a norm gap: "missing" for a norm, "below
    # the national average" for a reference ratio).
    label: TextRead
    unit: TextRead
    values: list[IndicatorValueRead]


class AppConfigRead(BaseModel):
    local_mode: bool
    tile_url: str | None
    tile_attribution: str | None
    dataset_sha256: str | None
    loaded_at: str | None
    default_user: str
    languages: list[str]


class FigureDefinitionRead(BaseModel):
    id: str
    group: str = Field(description="census | needs | gaps | access | caravan")
    kind: str = Field(description="census | estimate | registry | model | norm")
    name: TextRead
    definition: TextRead
    formula: str
    source: str
    date: str
    fields: list[str] = Field(description="API fields carrying the figure: '<GET path>#<path>'")
