"""Needs and norm gaps for a territory: census demand, registry supply, named norms."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qurb.analytics.gaps import GapLine, UnitNeed, UnitSupply, compute_gaps, rank_gaps
from qurb.analytics.needs import PopulationProfile, compute_profile
from qurb.domain.facility import hospital_categories
from qurb.domain.norms import NormSet
from qurb.domain.territory import Territory, TerritoryLevel
from qurb.services.territories import TerritoryIndex
from qurb.storage.models import CensusRow, FacilityRow


class GapInputError(ValueError):
    pass


@dataclass(frozen=True)
class GapReport:
    territory: Territory
    by: TerritoryLevel
    lines: list[GapLine]
    skipped: list[str]  # rules that could not be evaluated here, and why


def read_profiles(session: Session, codes: list[str]) -> dict[str, PopulationProfile]:
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for chunk_start in range(0, len(codes), 500):
        chunk = codes[chunk_start : chunk_start + 500]
        query = select(
            CensusRow.code, CensusRow.census, CensusRow.area, CensusRow.sex, CensusRow.figures
        ).where(CensusRow.code.in_(chunk), CensusRow.census == "2024")
        for code, census, area, sex, figures in session.execute(query):
            rows[code].append({"census": census, "area": area, "sex": sex, **figures})
    return {code: compute_profile(code, rows[code]) for code in codes if code in rows}


def read_supply(
    session: Session,
    index: TerritoryIndex,
    territory: Territory,
    level: TerritoryLevel,
    sector: str = "public",
) -> dict[str, UnitSupply]:
    """Open facilities per category, summed up to the units of `level` in `territory`.

    Beds (hospitals) and doctors (every facility) are known for a unit only when they are
    known for every facility that counts: a partial sum would read as a shortage.
    """
    query = (
        select(
            FacilityRow.commune_code,
            FacilityRow.category,
            func.count(),
            func.count(FacilityRow.beds),
            func.coalesce(func.sum(FacilityRow.beds), 0),
            func.count(FacilityRow.doctors),
            func.coalesce(func.sum(FacilityRow.doctors), 0),
        )
        .where(FacilityRow.status == "open")
        .group_by(FacilityRow.commune_code, FacilityRow.category)
    )
    if sector != "all":
        query = query.where(FacilityRow.sector == sector)
    if territory.level is not TerritoryLevel.COUNTRY:
        communes = [c.code for c in index.communes_within(territory)]
        query = query.where(FacilityRow.commune_code.in_(communes))
    hospitals = hospital_categories()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for commune, category, n, n_beds, beds, n_doctors, doctors in session.execute(query):
        unit = index.ancestor_at(commune, level)
        if unit is None:  # urban communes belong to no cercle
            continue
        counts[unit.code][category] += n
        tally = tallies[unit.code]
        if category in hospitals:
            tally.hospitals += n
            tally.hospitals_with_beds += int(n_beds)
            tally.beds += int(beds or 0)
        tally.facilities += n
        tally.with_doctors += int(n_doctors)
        tally.doctors += int(doctors or 0)
    return {
        code: UnitSupply(
            facilities_by_category=dict(by_category),
            beds=tallies[code].known_beds(),
            doctors=tallies[code].known_doctors(),
        )
        for code, by_category in counts.items()
    }


@dataclass
class _Tally:
    hospitals: int = 0
    hospitals_with_beds: int = 0
    beds: int = 0
    facilities: int = 0
    with_doctors: int = 0
    doctors: int = 0

    def known_beds(self) -> int | None:
        return self.beds if self.hospitals_with_beds == self.hospitals else None

    def known_doctors(self) -> int | None:
        return self.doctors if self.with_doctors == self.facilities else None


def compute_territory_gaps(
    session: Session,
    territory_query: str,
    norm_sets: list[NormSet],
    by: TerritoryLevel | None = None,
    index: TerritoryIndex | None = None,
) -> GapReport:
    index = index or TerritoryIndex.from_session(session)
    territory = index.resolve(territory_query)
    if territory.level is TerritoryLevel.ARRONDISSEMENT or by is TerritoryLevel.ARRONDISSEMENT:
        raise GapInputError(
            "gaps are computed per commune and above; an arrondissement's facilities are "
            f"counted with its commune ({territory.parent_code or territory.code})"
        )
    by = by or _default_level(territory)
    skipped: list[str] = []
    lines: list[GapLine] = []
    cache: dict[
        TerritoryLevel, tuple[list[Territory], dict[str, PopulationProfile], dict[str, UnitSupply]]
    ] = {}
    for norm_set in norm_sets:
        units_by_rule: dict[str, list[UnitNeed]] = {}
        for rule in norm_set.rules:
            level = by if by.depth <= rule.scale.depth else rule.scale
            if level.depth < territory.level.depth:
                skipped.append(
                    f"{norm_set.id}/{rule.id}: meant for a {rule.scale} or larger, "
                    f"{territory.name_fr} is a {territory.level}"
                )
                continue
            if level not in cache:
                units = index.units_within(territory, level)
                cache[level] = (
                    units,
                    read_profiles(session, [u.code for u in units]),
                    read_supply(session, index, territory, level),
                )
            units, profiles, supply = cache[level]
            units_by_rule[rule.id] = [
                UnitNeed(
                    u.code,
                    u.name_fr,
                    u.name_ar,
                    u.level.value,
                    profiles[u.code],
                    supply.get(u.code, UnitSupply({})),
                )
                for u in units
                if u.code in profiles
            ]
        lines.extend(compute_gaps(norm_set, units_by_rule))
    return GapReport(territory, by, rank_gaps(lines), skipped)


def _default_level(territory: Territory) -> TerritoryLevel:
    """Communes, where planners act; provinces for the whole country."""
    if territory.level is TerritoryLevel.COUNTRY:
        return TerritoryLevel.PROVINCE
    return TerritoryLevel.COMMUNE
