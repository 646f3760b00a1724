"""The API's shapes, one per direction: requests extend the registry's own models (the
same validation as the CLI), responses are `*Read` models built from service results."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from qurb.territory.schemas import CensusLineRead, MapFocus, PyramidBandRead, TerritoryRead


class NeedsRowRead(BaseModel):
    """One unit's line of the needs table: population, demand drivers (estimates, see
    /api/definitions), public offer by level and group, and inhabitants per facility."""

    model_config = ConfigDict(extra="allow")

    code: str
    name_fr: str
    name_ar: str
    level: str
    population: int = Field(description="legal population, census 2024")
    rural_pct: float | None
    children_0_4: int
    women_15_49: int
    people_60_plus: int
    births_per_year: int | None
    primary_facilities: int
    secondary_facilities: int
    tertiary_facilities: int
    essp: int = Field(description="open public ESSP facilities: DR, CSR, CSU, CDTMR, CRSR, LSP")
    inhabitants_per_essp: int | None
    health_centres: int = Field(description="DR, CSR-1, CSR-2, CSU-1, CSU-2")
    inhabitants_per_health_centres: int | None
    csr: int
    inhabitants_per_csr: int | None
    csu: int
    inhabitants_per_csu: int | None
    dr: int
    inhabitants_per_dr: int | None
    hospitals: int = Field(description="every public hospital, specialty ones included")
    inhabitants_per_hospitals: int | None
    general_hospitals: int
    inhabitants_per_general_hospital: int | None


class TerritoryDetail(BaseModel):
    territory: TerritoryRead
    ancestors: list[TerritoryRead] = Field(description="from the country down to the parent")
    children: int
    census: list[CensusLineRead]
    pyramid: list[PyramidBandRead] | None
    needs: NeedsRowRead | None = Field(
        description="population, demand drivers, public offer and inhabitants per facility"
    )
    public_offer: dict[str, int] = Field(description="open public facilities by category")
    focus: MapFocus
    source: str


class NeedsTable(BaseModel):
    territory: TerritoryRead
    by: str
    rows: list[NeedsRowRead]
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
    # Bed and doctor rules: how much of the capacity is known (None on other rules). The
    # supply stays None unless every facility that counts has its figure known.
    capacity_measure: str | None = Field(default=None, description="beds | doctors")
    facilities_counted: int | None = Field(
        default=None,
        description="facilities that count for the rule (hospitals for beds, every facility "
        "for doctors)",
    )
    capacity_known_facilities: int | None = Field(
        default=None, description="of them, the facilities whose beds (doctors) are known"
    )
    capacity_known_share: float | None = Field(
        default=None, description="percent of the facilities that count with capacity known"
    )
    capacity_known_sum: int | None = Field(
        default=None, description="beds (doctors) of the facilities where known: a lower bound"
    )
    capacity_known_fr: str | None = None
    capacity_known_ar: str | None = None
    capacity_known_en: str | None = None
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
