"""The access API's answers: access per commune with its summary, referral from each
ESSP, the Ministry's distance bands and a what-if. Summary and referral rows carry one
column per threshold, band or referral tier asked, named after it (`beyond_60_min`,
`HP_minutes`…): those are kept as they come beside the fixed fields."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qurb.algo.travel import Measure
from qurb.kernel.values import ShortName

Level = Literal["primary", "secondary", "tertiary"]

# "secondary" alone (a hospital) means a general hospital; a tier asks for another one.
Tier = Literal["general", "specialty", "maternity", "any"]


class _Columns(BaseModel):
    """A row with fixed fields and columns named after what was asked."""

    model_config = ConfigDict(extra="allow")


class Words(BaseModel):
    fr: str
    ar: str
    en: str


class CommuneAccessRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str | None
    kind: str | None
    terrain: str | None
    population: int | None
    facility_id: str | None
    facility: str | None
    category: str | None
    facility_commune: str | None
    minutes: float | None
    distance_km: float | None
    band: str | None


class AccessSummaryRead(_Columns):
    """Per sub-territory and `total` last; `beyond_<t>_min` and `share_beyond_<t>_min_pct`
    for each threshold t."""

    code: str
    name: str
    origins: int
    population: int
    mean_minutes: float | None
    max_minutes: float | None


class AccessRead(BaseModel):
    territory: str
    offer: str
    model: str
    measure: Measure
    thresholds_minutes: list[float]
    summary: list[AccessSummaryRead]
    communes: list[CommuneAccessRead]


class ReferralRead(_Columns):
    """One ESSP; for each referral tier T (HPr, HP, HR, CHU): `T_facility`, `T_minutes`,
    `T_km`, `T_beyond`."""

    id: str
    name: str
    category: str
    commune: str
    commune_name: str
    beyond_any: bool


class ReferralsRead(BaseModel):
    territory: str
    threshold_minutes: float
    model: str
    measure: Measure
    essp: list[ReferralRead]


class DistanceSummaryRead(_Columns):
    """Per sub-territory and `total` last; `population_<band>` and `share_<band>_pct` for
    each band (within_5_km, 5_to_10_km, beyond_10_km)."""

    code: str
    name: str
    communes: int
    population: int
    communes_population_unknown: int


class DistanceRead(BaseModel):
    territory: str
    offer: str
    model: str
    measure: Measure
    bands_km: list[float]
    note: Words
    summary: list[DistanceSummaryRead]
    communes: list[CommuneAccessRead]


class Site(BaseModel):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    label: str = Field(default="new site", max_length=200)


class WhatIf(BaseModel):
    """Sites placed on the map (`sites`) and/or communes picked (`communes`: each one's
    reference point stands for a site), added to the existing offer (`level`, or
    `categories`/`services`; the level alone when none is given: primary). `save` with
    `name` keeps it as a scenario of kind "whatif" (`visibility`: who sees it)."""

    territory: str = Field(max_length=64)
    level: Level | None = None
    categories: list[str] = Field(default_factory=list, max_length=50)
    services: list[str] = Field(default_factory=list, max_length=50)
    tier: Tier | None = None
    within_minutes: float = Field(default=60.0, gt=0, le=24 * 60)
    sites: list[Site] = Field(default_factory=list, max_length=50)
    communes: list[str] = Field(default_factory=list, max_length=50)
    save: bool = False
    name: ShortName | None = None
    visibility: Literal["partner", "public"] = "partner"

    def offer(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str | None]:
        """levels, categories, services, tier: as FacilitySelector.from_options takes them."""
        level = self.level or (None if self.categories or self.services else "primary")
        return ((level,) if level else (), tuple(self.categories), tuple(self.services), self.tier)


class CommuneChangeRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str | None
    population: int
    minutes_before: float | None
    minutes_after: float | None


class GroupChangeRead(BaseModel):
    """One sub-territory (one level below the territory, as siting's summaries)."""

    code: str
    name_fr: str
    name_ar: str | None
    population: int
    covered_before: int
    covered_after: int
    covered_before_pct: float | None
    covered_after_pct: float | None


class SiteRead(BaseModel):
    label: str
    lon: float
    lat: float
    commune: str
    # People newly covered credited to this site: nearer to it than to the other sites.
    newly_covered: int | None = None


class WhatIfRead(BaseModel):
    """`id`: the scenario it was saved as (null when not saved)."""

    territory: str
    within_minutes: float
    population: int
    covered_before: int
    covered_after: int
    newly_covered: int
    communes_changed: list[CommuneChangeRead]
    model: str
    measure: Measure
    groups: list[GroupChangeRead]
    sites: list[SiteRead]
    id: str | None = None


def rows_as(model: type[BaseModel], rows: list[dict[str, Any]]) -> list[Any]:
    """Service rows (dicts) as the API's row model."""
    return [model.model_validate(row) for row in rows]


# What each facility offers in the catchment figures: one facility, or its beds or doctors
# where known (the others left out of the supply, and counted).
Supply = Literal["facilities", "beds", "doctors"]


class SupplyKnownRead(BaseModel):
    """With beds or doctors: of the facilities the answer rests on (within reach of the
    territory's communes for the 2SFCA, in the territory for catchments), those whose
    figure is known (in the supply) and those left out."""

    measure: str = Field(description="beds | doctors")
    facilities: int
    known: int
    left_out: int
    known_share: float | None = Field(description="percent of the facilities known")
    words: Words = Field(description="the share known in words, in each language")


class TwoStepCommuneRead(BaseModel):
    code: str
    name_fr: str
    name_ar: str | None
    population: int
    facilities_within: int = Field(description="selected facilities within the catchment")
    known_within: int | None = Field(
        default=None, description="of them, with the supply measure known (beds, doctors)"
    )
    beds_within: int | None = None
    doctors_within: int | None = None
    index_per_10000: float = Field(
        description="2SFCA: facilities (beds, doctors) per 10,000 inhabitants within reach"
    )


class TwoStepRead(BaseModel):
    territory: str
    offer: str
    model: str
    measure: Measure
    supply: str
    catchment_minutes: float
    decay: str
    known: SupplyKnownRead | None = Field(description="None with supply in facilities")
    communes: list[TwoStepCommuneRead]


class CatchmentRead(BaseModel):
    id: str
    name: str
    category: str
    commune: str
    communes_served: int
    catchment_population: int
    beds: int | None = None
    population_per_bed: float | None = None
    doctors: int | None = None
    population_per_doctor: float | None = None


class CatchmentsRead(BaseModel):
    territory: str
    offer: str
    model: str
    measure: Measure
    supply: str
    known: SupplyKnownRead | None = Field(description="None with supply in facilities")
    facilities: list[CatchmentRead] = Field(description="largest catchment first")
