"""Needs and norm gaps for a territory: census demand, registry supply, named norms."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from qurb.kernel.errors import InputError
from qurb.kernel.i18n import translate
from qurb.kernel.shares import percent
from qurb.norms.gaps import (
    GapLine,
    GapStatus,
    UnitNeed,
    UnitSupply,
    capacity_known,
    compute_gaps,
    describe_gap,
    rank_gaps,
)
from qurb.norms.model import NormSet, SupplyMeasure
from qurb.norms.needs import PopulationProfile, compute_profile, compute_ratios
from qurb.registry.facility_services import HospitalTier, hospital_tier
from qurb.registry.model import Level, categories, hospital_categories
from qurb.registry.supply import count_open_facilities, count_open_offers
from qurb.territory.geography import read_census_lines_2024
from qurb.territory.model import Territory, TerritoryLevel
from qurb.territory.service import PREFECTURE_OF_ARRONDISSEMENTS, TerritoryIndex

if TYPE_CHECKING:  # the model (NumPy, SciPy) is loaded only for units without a hospital
    from qurb.algo.travel import TravelTimeModel


class GapInputError(InputError):
    pass


@dataclass(frozen=True)
class GapReport:
    territory: Territory
    by: TerritoryLevel
    lines: list[GapLine]
    skipped: list[str]  # rules that could not be evaluated here, and why


def read_profiles(session: Session, codes: list[str]) -> dict[str, PopulationProfile]:
    lines = read_census_lines_2024(session, codes)
    return {
        code: compute_profile(
            code,
            [
                {"census": "2024", "area": area, "sex": sex, **figures}
                for (area, sex), figures in lines[code].items()
            ],
        )
        for code in codes
        if code in lines
    }


def read_supply(
    session: Session,
    index: TerritoryIndex,
    territory: Territory,
    level: TerritoryLevel,
    sector: str = "public",
) -> dict[str, UnitSupply]:
    """Open facilities per category, summed up to the units of `level` in `territory`.

    Beds (hospitals) and doctors (every facility) are known for a unit only when they are
    known for every facility that counts: a partial sum would read as a shortage. A unit
    with no hospital has 0 public beds: that is known, not unknown. The known part (how
    many facilities count, how many have their figure known, its sum) is kept beside.
    """
    scope = index.scope(territory)
    whole_territory = level is territory.level

    def unit_of(commune: str, arrondissement: str | None) -> str | None:
        if whole_territory:
            return territory.code
        if level is TerritoryLevel.ARRONDISSEMENT:
            return arrondissement  # None: a facility of the commune not placed in one
        unit = index.ancestor_at(commune, level)
        return unit.code if unit is not None else None  # urban communes have no cercle

    hospitals = hospital_categories()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    for line in count_open_facilities(session, scope, sector):
        code = unit_of(line.commune_code, line.arrondissement_code)
        if code is None:
            continue
        counts[code][line.category] += line.facilities
        tally = tallies[code]
        if line.category in hospitals:
            tally.hospitals += line.facilities
            tally.hospitals_with_beds += line.with_beds
            tally.beds += line.beds
        tally.facilities += line.facilities
        tally.with_doctors += line.with_doctors
        tally.doctors += line.doctors
    # Each facility's own services, for the rules on services.
    offers: dict[str, dict[tuple[str, frozenset[str]], int]] = defaultdict(lambda: defaultdict(int))
    for offer in count_open_offers(session, scope, sector):
        code = unit_of(offer.commune_code, offer.arrondissement_code)
        if code is not None:
            offers[code][(offer.category, offer.services)] += offer.facilities
    return {
        code: UnitSupply(
            facilities_by_category=dict(by_category),
            beds=tallies[code].known_beds(),
            doctors=tallies[code].known_doctors(),
            hospitals=tallies[code].hospitals,
            facilities_by_offer=dict(offers[code]),
            beds_counted=tallies[code].hospitals,
            beds_known_facilities=tallies[code].hospitals_with_beds,
            beds_known_sum=tallies[code].beds,
            doctors_counted=tallies[code].facilities,
            doctors_known_facilities=tallies[code].with_doctors,
            doctors_known_sum=tallies[code].doctors,
        )
        for code, by_category in counts.items()
    }


# A unit without any public facility: no hospital, nothing that counts for beds or doctors.
NO_SUPPLY = UnitSupply(
    {},
    beds=0,  # no hospital: 0 public beds, known (its bed lines name the nearest hospital)
    doctors=0,  # no public facility: 0 public doctors, known
    hospitals=0,
    beds_counted=0,
    beds_known_facilities=0,
    beds_known_sum=0,
    doctors_counted=0,
    doctors_known_facilities=0,
    doctors_known_sum=0,
)


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
    model: TravelTimeModel | None = None,
) -> GapReport:
    """Gap lines of every rule; a bed line of a unit without a hospital names the general
    hospital nearest by `model` (default: the bundled commune graph)."""
    index = index or TerritoryIndex.from_session(session)
    territory = index.resolve(territory_query)
    by = by or _default_level(territory)
    if _depth(by) < _depth(territory.level):
        values = {"by": str(by), "name": territory.name_fr, "level": str(territory.level)}
        raise GapInputError(code="by_above_territory", values=values)
    if by is TerritoryLevel.ARRONDISSEMENT and not index.units_within(territory, by):
        values = {"name": territory.name_fr, "code": territory.code}
        raise GapInputError(code="no_arrondissements", values=values)
    skipped: list[str] = []
    lines: list[GapLine] = []
    cache: dict[
        TerritoryLevel, tuple[list[Territory], dict[str, PopulationProfile], dict[str, UnitSupply]]
    ] = {}
    for norm_set in norm_sets:
        units_by_rule: dict[str, list[UnitNeed]] = {}
        for rule in norm_set.rules:
            level = by if _depth(by) <= _depth(rule.scale) else rule.scale
            if _depth(level) < _depth(territory.level):
                skipped.append(
                    f"{norm_set.id}/{rule.id}: evaluated on units of a {rule.scale} or larger; "
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
                    # A unit without any public facility has no hospital either.
                    supply.get(u.code, NO_SUPPLY),
                )
                for u in units
                if u.code in profiles
            ]
        lines.extend(compute_gaps(norm_set, units_by_rule))
    if any(g.status is GapStatus.NO_HOSPITAL for g in lines):
        lines = _with_nearest_hospitals(session, index, lines, model)
    return GapReport(territory, by, rank_gaps(lines), skipped)


def _with_nearest_hospitals(
    session: Session,
    index: TerritoryIndex,
    lines: list[GapLine],
    model: TravelTimeModel | None,
) -> list[GapLine]:
    """Name the nearest general hospital on the lines of units that have no hospital."""
    from qurb.norms.nearest_hospital import compute_nearest_general_hospitals, for_few_searches
    from qurb.territory.travel import commune_graph_model

    units = {g.code: index.by_code[g.code] for g in lines if g.status is GapStatus.NO_HOSPITAL}
    nearest = compute_nearest_general_hospitals(
        session,
        index,
        list(units.values()),
        for_few_searches(model or commune_graph_model(session)),
    )
    out = []
    for g in lines:
        hospital = nearest.get(g.code) if g.status is GapStatus.NO_HOSPITAL else None
        if hospital is not None:
            commune = index.by_code.get(hospital.commune_code)
            g = replace(
                g,
                nearest_hospital_id=hospital.facility_id,
                nearest_hospital_name=hospital.name,
                nearest_hospital_commune_code=hospital.commune_code,
                nearest_hospital_commune_name_fr=commune.name_fr if commune else None,
                nearest_hospital_commune_name_ar=commune.name_ar if commune else None,
                nearest_hospital_minutes=hospital.minutes,
                nearest_hospital_distance_km=hospital.distance_km,
                nearest_hospital_model=hospital.model,
            )
        out.append(g)
    return out


def _depth(level: TerritoryLevel) -> int:
    """Depth for the choice of evaluation level: an arrondissement (a district of 100,000 to
    700,000 people in the big cities) stands where a commune does."""
    if level is TerritoryLevel.ARRONDISSEMENT:
        return TerritoryLevel.COMMUNE.depth
    return level.depth


def _default_level(territory: Territory) -> TerritoryLevel:
    """Communes, where planners act; provinces for the whole country; arrondissements for
    a préfecture d'arrondissements or an arrondissement."""
    if territory.level is TerritoryLevel.COUNTRY:
        return TerritoryLevel.PROVINCE
    if (
        territory.kind == PREFECTURE_OF_ARRONDISSEMENTS
        or territory.level is TerritoryLevel.ARRONDISSEMENT
    ):
        return TerritoryLevel.ARRONDISSEMENT
    return TerritoryLevel.COMMUNE


def compute_needs_table(
    session: Session,
    territory_query: str,
    by: TerritoryLevel | None = None,
    index: TerritoryIndex | None = None,
) -> tuple[Territory, TerritoryLevel, list[dict[str, Any]]]:
    """Per unit of `by` in the territory: population, demand drivers, public supply by
    level and category group, inhabitants per facility."""
    index = index or TerritoryIndex.from_session(session)
    territory = index.resolve(territory_query)
    by = by or _default_level(territory)
    if _depth(by) < _depth(territory.level):
        values = {"by": str(by), "name": territory.name_fr, "level": str(territory.level)}
        raise GapInputError(code="by_above_territory", values=values)
    units = index.units_within(territory, by)
    profiles = read_profiles(session, [u.code for u in units])
    supply = read_supply(session, index, territory, by)
    rows = [
        needs_row(unit, profiles[unit.code], supply.get(unit.code, UnitSupply({})))
        for unit in units
        if unit.code in profiles
    ]
    return territory, by, rows


def needs_row(unit: Territory, profile: PopulationProfile, supply: UnitSupply) -> dict[str, Any]:
    """One line of the needs table: population, drivers, supply by level, ratios."""
    have = supply.facilities_by_category
    by_level = {level.value: 0 for level in Level}
    for category, n in have.items():
        by_level[categories()[category].level.value] += n
    return {
        "code": unit.code,
        "name_fr": unit.name_fr,
        "name_ar": unit.name_ar,
        "level": unit.level.value,
        "population": profile.population,
        "rural_pct": round(100.0 * profile.rural / profile.population, 1)
        if profile.population
        else None,
        "children_0_4": round(profile.children_0_4),
        "women_15_49": round(profile.women_15_49),
        "people_60_plus": round(profile.people_60_plus),
        "births_per_year": None
        if profile.births_per_year is None
        else round(profile.births_per_year),
        **{f"{level}_facilities": n for level, n in by_level.items()},
        **compute_ratios(profile.population, have),
        **_general_hospital_ratio(profile.population, supply),
    }


def _general_hospital_ratio(population: float, supply: UnitSupply) -> dict[str, Any]:
    """General hospitals (HPr, HP, HR, the CHU's general units) and inhabitants per one:
    what "hospital" means; `hospitals` counts every hospital, specialty ones included."""
    specs = categories()
    offers: Mapping[tuple[str, frozenset[str]], int] = (
        supply.facilities_by_offer
        if supply.facilities_by_offer is not None
        # counted by category: each with its category's services
        else {(c, specs[c].services): n for c, n in supply.facilities_by_category.items()}
    )
    count = sum(
        n
        for (category, services), n in offers.items()
        if hospital_tier(specs[category].family, services) is HospitalTier.GENERAL
    )
    return {
        "general_hospitals": count,
        "inhabitants_per_general_hospital": round(population / count) if count else None,
    }


GAP_LANGUAGES = ("fr", "ar", "en")


def gap_line_words(g: GapLine) -> dict[str, str | None]:
    """The words of a gap line, under the names the API and the CLI exports share:
    `gap_fr|ar|en` (the line as a sentence, worded by its norm set's kind) and
    `nearest_hospital_label_fr|ar|en` (None unless the unit has no hospital)."""
    nearest: dict[str, str | None] = dict.fromkeys(GAP_LANGUAGES)
    nearest.update(nearest_hospital_text(g) or {})
    known: dict[str, str | None] = dict.fromkeys(GAP_LANGUAGES)
    if g.capacity_measure and g.facilities_counted and g.capacity_known_facilities is not None:
        known.update(
            {
                lang: capacity_known_text(
                    lang, g.capacity_measure, g.capacity_known_facilities, g.facilities_counted
                )
                for lang in GAP_LANGUAGES
            }
        )
    return {
        **{f"gap_{lang}": describe_gap(g, lang) for lang in GAP_LANGUAGES},
        **{f"nearest_hospital_label_{lang}": nearest[lang] for lang in GAP_LANGUAGES},
        **{f"capacity_known_{lang}": known[lang] for lang in GAP_LANGUAGES},
    }


def capacity_summary(supply: UnitSupply) -> dict[str, Any]:
    """A unit's public beds and doctors where known for every facility that counts (None
    otherwise), each with how much of it is known: the facilities that count, those with
    the figure known, their share (percent) and the known part's sum."""
    fields: dict[str, Any] = {}
    for measure, total in (
        (SupplyMeasure.BEDS, supply.beds),
        (SupplyMeasure.DOCTORS, supply.doctors),
    ):
        known = capacity_known(measure, supply)
        name = measure.value
        fields[name] = total
        fields[f"{name}_counted"] = None if known is None else known.counted
        fields[f"{name}_known_facilities"] = None if known is None else known.known
        fields[f"{name}_known_share"] = None if known is None else known.share
        fields[f"{name}_known_sum"] = None if known is None else known.known_sum
    return fields


def capacity_known_text(lang: str, measure: str, known: int, counted: int) -> str | None:
    """ "lits connus pour 3 des 5 établissements (60 %)": how much of a unit's beds or
    doctors is known (`measure` beds or doctors); None when no facility counts."""
    share = percent(known, counted)
    if share is None:
        return None
    values = {"known": known, "count": counted, "share": f"{share:g}"}
    return translate(lang, f"label.capacity_known.{measure}", values)


def nearest_hospital_text(g: GapLine) -> dict[str, str] | None:
    """The words of a bed line without a hospital, in French, Arabic and English."""
    if g.nearest_hospital_id is None:
        return None
    name, model = g.nearest_hospital_name, g.nearest_hospital_model
    minutes, km = f"{g.nearest_hospital_minutes:g}", f"{g.nearest_hospital_distance_km:g}"
    fr_place = g.nearest_hospital_commune_name_fr or ""
    places = {"fr": fr_place, "ar": g.nearest_hospital_commune_name_ar or fr_place}
    values = {"model": model, "name": name, "minutes": minutes, "km": km}
    return {
        lang: translate(
            lang, "label.nearest_hospital", {**values, "place": places.get(lang, fr_place)}
        )
        for lang in ("fr", "ar", "en")
    }
