"""The activity indicators' pure parts: what each divides by what, the census denominators
scaled to a period, and the expected prevalence a user supplies in a file (never
invented: without one, a coverage against prevalence is unknown). No I/O.

Formulas and sources are in `watch/definitions.toml` (the /definitions page)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qurb.kernel.errors import InputError
from qurb.watch.model import Period, PeriodType

DAYS_A_YEAR = 365.25


class Denominator(enum.StrEnum):
    POPULATION = "population"  # legal population, HCP RGPH 2024
    EXPECTED_PREGNANCIES = "expected_pregnancies"  # estimate: the census births estimate
    EXPECTED_BIRTHS = "expected_births"  # estimate: the census births estimate
    CHILDREN_0_4 = "children_0_4"  # estimate: HCP's age band share × municipal population
    ELEMENT = "element"  # another element of the same reports (registered patients)
    PREVALENCE = "prevalence"  # expected patients: a supplied prevalence × the census ages

    @property
    def is_estimate(self) -> bool:
        return self in (
            Denominator.EXPECTED_PREGNANCIES,
            Denominator.EXPECTED_BIRTHS,
            Denominator.CHILDREN_0_4,
            Denominator.PREVALENCE,
        )


@dataclass(frozen=True)
class WatchIndicator:
    id: str
    dataset: str
    numerator: str  # an element code; "" for the element chosen (incidence: the disease)
    denominator: Denominator
    per: int  # the value is numerator ÷ denominator × per
    denominator_element: str = ""  # Denominator.ELEMENT: the element divided by
    condition: str = ""  # Denominator.PREVALENCE: the condition of the prevalence file
    yearly: bool = False  # the denominator is a yearly flow, scaled to the period


WATCH_INDICATORS: tuple[WatchIndicator, ...] = (
    WatchIndicator("incidence", "mdo", "", Denominator.POPULATION, 100_000),
    WatchIndicator(
        "anc1_coverage", "mother-child", "anc1", Denominator.EXPECTED_PREGNANCIES, 100, yearly=True
    ),
    WatchIndicator(
        "anc4_coverage", "mother-child", "anc4", Denominator.EXPECTED_PREGNANCIES, 100, yearly=True
    ),
    WatchIndicator(
        "facility_deliveries",
        "mother-child",
        "deliveries",
        Denominator.EXPECTED_BIRTHS,
        100,
        yearly=True,
    ),
    WatchIndicator("under5_seen", "mother-child", "under5_seen", Denominator.CHILDREN_0_4, 1_000),
    WatchIndicator(
        "htn_followed", "chronic", "htn_seen", Denominator.ELEMENT, 100, "htn_registered"
    ),
    WatchIndicator(
        "htn_controlled", "chronic", "htn_controlled", Denominator.ELEMENT, 100, "htn_registered"
    ),
    WatchIndicator(
        "htn_coverage",
        "chronic",
        "htn_registered",
        Denominator.PREVALENCE,
        100,
        condition="hypertension",
    ),
    WatchIndicator("dm_followed", "chronic", "dm_seen", Denominator.ELEMENT, 100, "dm_registered"),
    WatchIndicator(
        "dm_controlled", "chronic", "dm_controlled", Denominator.ELEMENT, 100, "dm_registered"
    ),
    WatchIndicator(
        "dm_coverage", "chronic", "dm_registered", Denominator.PREVALENCE, 100, condition="diabetes"
    ),
)
BY_ID = {i.id: i for i in WATCH_INDICATORS}
# Why a figure is unknown (a unit's `note`).
NOTES = ("no_report", "census_unknown", "prevalence_unknown", "none_registered")
CONDITIONS = ("hypertension", "diabetes")
AGE_STARTS = tuple(range(0, 80, 5))  # the census's five-year bands (75+ the last)


def period_share_of_year(period: Period) -> float:
    """The part of a year a period covers: a month 1/12, a week 7/365.25."""
    if period.type is PeriodType.MONTH:
        return 1 / 12
    return 7 / DAYS_A_YEAR


def ratio(numerator: float | None, denominator: float | None, per: int) -> float | None:
    """numerator ÷ denominator × per, to two decimals; unknown when either is unknown or
    the denominator is nothing."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator * per, 2)


@dataclass(frozen=True)
class Prevalence:
    """The expected share of people from `age_from` years living with a condition, as the
    file that supplies it says, with its source."""

    condition: str
    share: float
    age_from: int
    source: str


def _bad(path: str, field: str, value: Any) -> InputError:
    return InputError(
        code="prevalence_bad_value", values={"path": path, "field": field, "value": repr(value)}
    )


def prevalence_from_mapping(data: Mapping[str, Any], path: str) -> dict[str, Prevalence]:
    """The prevalences of a file (`[hypertension] share = 0.25, age_from = 20, source =
    "..."`): a share in (0, 1], an age that starts a census band, a source; a condition
    Qurb does not know is refused."""
    out: dict[str, Prevalence] = {}
    for condition, raw in data.items():
        if condition not in CONDITIONS or not isinstance(raw, Mapping):
            raise _bad(path, condition, raw)
        share, age_from, source = raw.get("share"), raw.get("age_from", 0), raw.get("source")
        if not isinstance(share, int | float) or isinstance(share, bool) or not 0 < share <= 1:
            raise _bad(path, f"{condition}.share", share)
        if age_from not in AGE_STARTS or isinstance(age_from, bool):
            raise _bad(path, f"{condition}.age_from", age_from)
        if not isinstance(source, str) or not source.strip():
            raise InputError(
                code="prevalence_no_source", values={"path": path, "field": f"{condition}.source"}
            )
        out[condition] = Prevalence(condition, float(share), int(age_from), source.strip())
    if not out:
        raise _bad(path, "hypertension", None)
    return out
