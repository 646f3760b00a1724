"""Norm gaps: how many facilities (or beds, doctors) a territory lacks against a norm.

A rule 'n per P inhabitants' requires `population / P * n` units of supply. We read the
norm strictly — a facility serves at most P people — so a territory is short of
`ceil(required - supply)` units when its supply is below the requirement, and the people
beyond the norm's reach are `population - supply * P / n`.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from qurb.kernel.shares import percent
from qurb.norms.model import NormKind, NormRule, NormSet, SupplyMeasure
from qurb.norms.needs import PopulationProfile

EPSILON = 1e-9


class GapStatus(enum.StrEnum):
    GAP = "gap"
    MET = "met"
    SUPPLY_UNKNOWN = "supply_unknown"
    POPULATION_UNKNOWN = "population_unknown"  # e.g. births where HCP gives no fertility
    # A bed rule where the unit has no hospital at all: rather than counting every bed of
    # the norm as missing (next to a city's hospitals), the line names the nearest one.
    NO_HOSPITAL = "no_hospital"


@dataclass(frozen=True)
class UnitSupply:
    """What a territory has: facilities per category; beds and doctors where known."""

    facilities_by_category: Mapping[str, int]
    beds: int | None = None  # None: not known for every facility that counts
    doctors: int | None = None
    hospitals: int | None = None  # open public hospitals in the unit; None: not counted
    # Facilities per (category, their own services), for rules on services (an oncology
    # unit of a CHU gives no obstetric care); None: count by category alone.
    facilities_by_offer: Mapping[tuple[str, frozenset[str]], int] | None = None
    # How much of the capacity is known: the facilities that count for beds (hospitals)
    # and for doctors (every facility), those whose figure is known, and the sum of the
    # known figures (the known part; `beds`/`doctors` stay None unless all are known).
    # None: not counted (a supply built by hand).
    beds_counted: int | None = None
    beds_known_facilities: int | None = None
    beds_known_sum: int | None = None
    doctors_counted: int | None = None
    doctors_known_facilities: int | None = None
    doctors_known_sum: int | None = None


@dataclass(frozen=True)
class UnitNeed:
    code: str
    name_fr: str
    name_ar: str
    level: str
    profile: PopulationProfile
    supply: UnitSupply


@dataclass(frozen=True)
class GapLine:
    code: str
    name_fr: str
    name_ar: str
    level: str
    norm_set: str
    norm_version: str
    kind: NormKind  # norm: a shortfall; reference_ratio: a distance from an average
    rule: str
    label_fr: str
    label_en: str
    label_ar: str
    source: str
    population_base: str
    population: float  # 0 when unknown (status population_unknown)
    supply: float | None
    required: float
    missing: int | None
    unserved_population: float | None
    missing_category: str
    status: GapStatus
    # Status no_hospital: the general hospital nearest by the travel-time model (the one
    # nearest for most of the unit's people), with the population-weighted mean minutes
    # and km to it from the unit's communes. None otherwise.
    nearest_hospital_id: str | None = None
    nearest_hospital_name: str | None = None
    nearest_hospital_commune_code: str | None = None
    nearest_hospital_commune_name_fr: str | None = None
    nearest_hospital_commune_name_ar: str | None = None
    nearest_hospital_minutes: float | None = None
    nearest_hospital_distance_km: float | None = None
    nearest_hospital_model: str | None = None
    # Bed and doctor rules: the facilities that count, those whose capacity is known, its
    # share (percent, one decimal) and the sum of the known figures. None on other rules.
    capacity_measure: str | None = None  # beds | doctors
    facilities_counted: int | None = None
    capacity_known_facilities: int | None = None
    capacity_known_share: float | None = None
    capacity_known_sum: int | None = None


@dataclass(frozen=True)
class CapacityKnown:
    """How much of a unit's beds or doctors is known."""

    counted: int
    known: int
    known_sum: int

    @property
    def share(self) -> float | None:
        return percent(self.known, self.counted)


def capacity_known(measure: SupplyMeasure, supply: UnitSupply) -> CapacityKnown | None:
    """The known part of a unit's beds or doctors (None for facilities or when not
    counted)."""
    if measure is SupplyMeasure.BEDS and supply.beds_counted is not None:
        return CapacityKnown(
            supply.beds_counted, supply.beds_known_facilities or 0, supply.beds_known_sum or 0
        )
    if measure is SupplyMeasure.DOCTORS and supply.doctors_counted is not None:
        return CapacityKnown(
            supply.doctors_counted,
            supply.doctors_known_facilities or 0,
            supply.doctors_known_sum or 0,
        )
    return None


def compute_supply(rule: NormRule, supply: UnitSupply) -> float | None:
    if rule.supply is SupplyMeasure.BEDS:
        return None if supply.beds is None else float(supply.beds)
    if rule.supply is SupplyMeasure.DOCTORS:
        return None if supply.doctors is None else float(supply.doctors)
    if supply.facilities_by_offer is not None:
        return float(
            sum(n for (c, offer), n in supply.facilities_by_offer.items() if rule.counts(c, offer))
        )
    return float(sum(n for c, n in supply.facilities_by_category.items() if rule.counts(c)))


def compute_gap(norm_set: NormSet, rule: NormRule, unit: UnitNeed) -> GapLine:
    base = unit.profile.base(rule.population.value)
    population = 0.0 if base is None else base
    required = population / rule.per_population * rule.facilities
    have = compute_supply(rule, unit.supply)
    missing: int | None = None
    unserved: float | None = None
    if base is None:
        status = GapStatus.POPULATION_UNKNOWN
    elif rule.supply is SupplyMeasure.BEDS and unit.supply.hospitals == 0:
        status = GapStatus.NO_HOSPITAL
    elif have is None:
        status = GapStatus.SUPPLY_UNKNOWN
    else:
        shortfall = required - have
        missing = max(0, math.ceil(shortfall - EPSILON))
        unserved = max(0.0, population - have * rule.per_population / rule.facilities)
        status = GapStatus.GAP if missing > 0 else GapStatus.MET
    known = capacity_known(rule.supply, unit.supply)
    return GapLine(
        code=unit.code,
        name_fr=unit.name_fr,
        name_ar=unit.name_ar,
        level=unit.level,
        norm_set=norm_set.id,
        norm_version=norm_set.version,
        kind=norm_set.kind,
        rule=rule.id,
        label_fr=rule.label_fr,
        label_en=rule.label_en,
        label_ar=rule.label_ar,
        source=norm_set.source,
        population_base=rule.population.value,
        population=population,
        supply=have,
        required=required,
        missing=missing,
        unserved_population=unserved,
        missing_category=rule.missing_category,
        status=status,
        capacity_measure=None if known is None else rule.supply.value,
        facilities_counted=None if known is None else known.counted,
        capacity_known_facilities=None if known is None else known.known,
        capacity_known_share=None if known is None else known.share,
        capacity_known_sum=None if known is None else known.known_sum,
    )


def rank_gaps(lines: Iterable[GapLine]) -> list[GapLine]:
    """Gaps first, then units without a hospital, met, unknown; gaps by the people beyond
    the norm's reach.

    People, not missing units, rank the lines: 160 missing beds and 2 missing health
    centres are not comparable counts, but the people each shortfall leaves out are.
    """
    order = {
        GapStatus.GAP: 0,
        GapStatus.NO_HOSPITAL: 1,
        GapStatus.MET: 2,
        GapStatus.SUPPLY_UNKNOWN: 3,
        GapStatus.POPULATION_UNKNOWN: 4,
    }
    return sorted(
        lines,
        key=lambda g: (
            order[g.status],
            -(g.unserved_population or 0.0),
            -(g.missing or 0),
            g.code,
            g.norm_set,
            g.rule,
        ),
    )


def compute_gaps(
    norm_set: NormSet, units_by_rule: Mapping[str, Iterable[UnitNeed]]
) -> list[GapLine]:
    """Every rule of `norm_set` on the units it is evaluated on (keyed by rule id)."""
    lines = [
        compute_gap(norm_set, rule, unit)
        for rule in norm_set.rules
        for unit in units_by_rule.get(rule.id, ())
    ]
    return rank_gaps(lines)


# How a gap is said, per kind of norm set and language. A shortfall under a norm is care
# missing; under a reference ratio (a national average) it is only a distance from that
# average, never "missing" nor "unserved".
GAP_WORDING: dict[NormKind, dict[str, tuple[str, str]]] = {
    NormKind.NORM: {
        "fr": ("manque {missing} {what}", "{people} habitants au-delà de la portée de la norme"),
        "ar": ("ينقص {missing} {what}", "{people} نسمة خارج نطاق المعيار"),
        "en": ("missing {missing} {what}", "{people} inhabitants beyond the norm's reach"),
    },
    NormKind.REFERENCE_RATIO: {
        "fr": (
            "{missing} {what} sous la moyenne nationale",
            "{people} habitants au-delà du ratio moyen national",
        ),
        "ar": (
            "{missing} {what} دون المعدل الوطني",
            "{people} نسمة فوق النسبة المتوسطة الوطنية",
        ),
        "en": (
            "{missing} {what} below the national average",
            "{people} inhabitants beyond the national average ratio",
        ),
    },
}


def describe_gap(line: GapLine, language: str = "en") -> str:
    """The gap of a line in words, as its norm set's kind allows ('' when there is none).

    Fès under 1 ESSP per 12,300 (a reference ratio) reads "61 ESSP below the national
    average; 749,642 inhabitants beyond the national average ratio"; a commune under the
    1987 rural norms reads "missing 3 DR; 30,000 inhabitants beyond the norm's reach".
    """
    if line.status is not GapStatus.GAP or line.missing is None:
        return ""
    units, people = GAP_WORDING[line.kind][language]
    parts = [units.format(missing=_grouped(line.missing, language), what=line.missing_category)]
    if line.unserved_population is not None:
        parts.append(people.format(people=_grouped(round(line.unserved_population), language)))
    return "; ".join(parts)


def _grouped(count: int, language: str) -> str:
    """Thousands grouped as each language writes them: 749 642 in French, 749,642 else."""
    text = f"{count:,}"
    return text.replace(",", "\u202f") if language == "fr" else text
