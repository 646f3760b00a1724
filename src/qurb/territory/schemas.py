"""The API's shapes, one per direction: requests extend the registry's own models (the
same validation as the CLI), responses are `*Read` models built from service results."""

from __future__ import annotations

from pydantic import BaseModel, Field

from qurb.territory.model import Territory
from qurb.territory.service import NameMatch, density_per_km2, growth_2014_2024_pct


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


class TerritoryFound(TerritoryRead):
    """A unit found by a search, and by which name."""

    match: str = Field(
        description="how the unit was found: name (its own name or code), alias (a usual "
        "name, e.g. Fez for Fès) or close (a name spelt nearly so, e.g. Taonate)"
    )
    matched: str | None = Field(
        description="the usual or close name found (Fez; Taounate for Taonate); null for "
        "the unit's own name or code"
    )

    @classmethod
    def found(cls, hit: NameMatch) -> TerritoryFound:
        return cls(
            **TerritoryRead.of(hit.territory).model_dump(), match=hit.how, matched=hit.matched
        )


class TerritoryList(BaseModel):
    parent: TerritoryRead | None = None
    query: str | None = None
    # A search's items say by which name each unit was found (TerritoryFound).
    items: list[TerritoryRead | TerritoryFound]


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
