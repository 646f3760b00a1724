"""Demand drivers of a territory, from its HCP census rows.

HCP publishes each unit's age structure as percentages of its *municipal* population,
per sex, and the total fertility rate (TFR, children per woman). From these we derive the
groups that health demand follows. Expected births a year are approximated from the TFR:
over the 35 fertile years (15-49), TFR / 35 is the mean yearly birth rate per woman of
15-49 when the age schedule is flat; HCP's age-specific rates are not in the package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from qurb.territory.census import AGE_BANDS

FERTILE_YEARS = 35.0  # years from 15 to 49 inclusive
WOMEN_15_49_BANDS = tuple(AGE_BANDS[AGE_BANDS.index("age_15_19") : AGE_BANDS.index("age_50_54")])
PEOPLE_60_PLUS_BANDS = tuple(AGE_BANDS[AGE_BANDS.index("age_60_64") :])

CensusRow = Mapping[str, str | float | int | None]

# PopulationBase value → PopulationProfile field.
BASE_FIELDS = {
    "total": "population",
    "rural": "rural",
    "urban": "urban",
    "children_0_4": "children_0_4",
    "women_15_49": "women_15_49",
    "people_60_plus": "people_60_plus",
    "births": "births_per_year",
}


@dataclass(frozen=True)
class PopulationProfile:
    """Population and demand drivers of one unit (people; births a year)."""

    code: str
    population: int  # legal population, HCP's headline figure
    population_municipal: int
    rural: int
    urban: int
    children_0_4: float
    women_15_49: float
    people_60_plus: float
    births_per_year: float | None  # None where HCP gives no TFR
    fertility_rate: float | None

    def base(self, name: str) -> float | None:
        """The population a norm is counted on (PopulationBase value); None if unknown."""
        value = getattr(self, BASE_FIELDS[name])
        return None if value is None else float(value)


def _number(row: CensusRow | None, key: str) -> float | None:
    if row is None:
        return None
    value = row.get(key)
    if value is None or value == "":
        return None
    return float(value)


def _share(row: CensusRow | None, bands: Iterable[str]) -> float:
    """Sum of percentage bands as a fraction (unknown bands count 0)."""
    return sum(_number(row, band) or 0.0 for band in bands) / 100.0


def compute_profile(code: str, rows: Iterable[CensusRow]) -> PopulationProfile:
    """Profile of `code` from its 2024 census rows (all areas and sexes of that code)."""
    by_key = {(str(r["area"]), str(r["sex"])): r for r in rows if str(r.get("census")) == "2024"}
    total = by_key.get(("total", "all"))
    if total is None:
        raise ValueError(f"no 2024 census row (area total, sex all) for territory {code}")
    female = by_key.get(("total", "female"))
    legal = int(_number(total, "population_legal") or _number(total, "population_municipal") or 0)
    municipal = int(_number(total, "population_municipal") or 0)
    # Rural and urban parts in legal terms: HCP gives the legal population per area.
    rural_row, urban_row = by_key.get(("rural", "all")), by_key.get(("urban", "all"))
    rural = int(_number(rural_row, "population_legal") or 0)
    urban = int(_number(urban_row, "population_legal") or 0)
    if rural + urban == 0:
        urban = legal
    women = _share(female, WOMEN_15_49_BANDS) * (_number(female, "population_municipal") or 0.0)
    tfr = _number(total, "fertility_total_fertility_rate")
    return PopulationProfile(
        code=code,
        population=legal,
        population_municipal=municipal,
        rural=rural,
        urban=urban,
        children_0_4=_share(total, ("age_0_4",)) * municipal,
        women_15_49=women,
        people_60_plus=_share(total, PEOPLE_60_PLUS_BANDS) * municipal,
        births_per_year=None if tfr is None else tfr / FERTILE_YEARS * women,
        fertility_rate=tfr,
    )


# Groups of categories whose ratio "inhabitants per facility" planners quote.
RATIO_GROUPS: dict[str, tuple[str, ...]] = {
    "essp": ("DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2", "CDTMR", "CRSR", "LSP"),
    "health_centres": ("DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2"),
    "csr": ("CSR-1", "CSR-2"),
    "csu": ("CSU-1", "CSU-2"),
    "dr": ("DR",),
    "hospitals": ("HPr", "HP", "HR", "HIR", "CHU", "CPU", "CRO", "HPsyP", "HPsyR"),
}


def compute_ratios(population: float, facilities_by_category: Mapping[str, int]) -> dict[str, Any]:
    """Facilities per group and inhabitants per facility (None where there is none)."""
    out: dict[str, Any] = {}
    for group, members in RATIO_GROUPS.items():
        count = sum(facilities_by_category.get(c, 0) for c in members)
        out[group] = count
        out[f"inhabitants_per_{group}"] = round(population / count) if count else None
    return out
