"""Read-only views of the territory for maps and fact sheets: display layers, census
sheets, population pyramids, and facility listings one page at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.data import read_bundled_json
from qurb.territory._tables import CensusRow
from qurb.territory.census import AGE_BANDS
from qurb.territory.model import TerritoryLevel

# The display layers bundled for maps (lighter polygons than communes.geojson).
DISPLAY_LEVELS = (TerritoryLevel.REGION, TerritoryLevel.PROVINCE, TerritoryLevel.COMMUNE)


DISPLAY_FILES = {
    TerritoryLevel.REGION: "display/regions.geojson",
    TerritoryLevel.PROVINCE: "display/provinces.geojson",
    TerritoryLevel.COMMUNE: "display/communes.geojson",
}


def read_display_layer(level: TerritoryLevel) -> dict[str, Any]:
    """The bundled display polygons of one level (features carry their HCP `code`)."""
    if level not in DISPLAY_FILES:
        raise ValueError(f"no display layer for level {level}")
    layer: dict[str, Any] = read_bundled_json(DISPLAY_FILES[level])
    return layer


@dataclass(frozen=True)
class CensusLine:
    census: str  # "2024" | "2014"
    area: str  # total | urban | rural
    sex: str  # all | male | female
    figures: dict[str, float | None]


def read_census_lines(session: Session, code: str) -> list[CensusLine]:
    """Every census line HCP gives for one unit (both censuses, every area and sex)."""
    query = (
        select(CensusRow.census, CensusRow.area, CensusRow.sex, CensusRow.figures)
        .where(CensusRow.code == code)
        .order_by(CensusRow.census.desc(), CensusRow.area, CensusRow.sex)
    )
    return [CensusLine(c, a, s, dict(f)) for c, a, s, f in session.execute(query)]


CensusLines = dict[str, dict[tuple[str, str], dict[str, Any]]]  # code → (area, sex) → figures


def read_census_lines_2024(session: Session, codes: Sequence[str]) -> CensusLines:
    """The 2024 census lines of each unit, keyed by (area, sex); units without any are
    left out."""
    out: CensusLines = defaultdict(dict)
    for chunk_start in range(0, len(codes), 500):
        chunk = list(codes[chunk_start : chunk_start + 500])
        query = select(CensusRow.code, CensusRow.area, CensusRow.sex, CensusRow.figures).where(
            CensusRow.code.in_(chunk), CensusRow.census == "2024"
        )
        for code, area, sex, figures in session.execute(query):
            out[code][(area, sex)] = figures or {}
    return dict(out)


@dataclass(frozen=True)
class PyramidBand:
    band: str  # census column, e.g. age_0_4
    label: str  # "0-4", "75+"
    male_pct: float | None  # share of the municipal male population (HCP's percentages)
    female_pct: float | None
    male: int | None  # people: share x municipal population of that sex
    female: int | None


def _band_label(band: str) -> str:
    parts = band.removeprefix("age_").split("_")
    return f"{parts[0]}+" if parts[-1] == "plus" else f"{parts[0]}-{parts[1]}"


def compute_pyramid(lines: list[CensusLine], census: str = "2024") -> list[PyramidBand] | None:
    """Age bands by sex from HCP's percentages; None where a sex line is missing."""
    by_sex = {ln.sex: ln.figures for ln in lines if ln.census == census and ln.area == "total"}
    male, female = by_sex.get("male"), by_sex.get("female")
    if male is None or female is None:
        return None
    bands = []
    for band in AGE_BANDS:
        m_pct, f_pct = male.get(band), female.get(band)
        m_pop, f_pop = male.get("population_municipal"), female.get("population_municipal")
        bands.append(
            PyramidBand(
                band=band,
                label=_band_label(band),
                male_pct=m_pct,
                female_pct=f_pct,
                male=None if m_pct is None or m_pop is None else round(m_pct / 100.0 * m_pop),
                female=None if f_pct is None or f_pop is None else round(f_pct / 100.0 * f_pop),
            )
        )
    return bands
