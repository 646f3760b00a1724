"""Norm gaps on a hand-checkable territory."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qurb.norms.gaps import GapStatus, UnitNeed, UnitSupply, compute_gap, describe_gap, rank_gaps
from qurb.norms.model import NormKind
from qurb.norms.needs import PopulationProfile
from qurb.norms.norm_sets import available_norm_sets

RURAL = available_norm_sets()["maroc-rural-1987"]
RATIOS = available_norm_sets()["maroc-ratios-2023"]
FIRST_CONTACT, HEALTH_CENTRE = RURAL.rules
BEDS = RATIOS.rules[1]


def profile(rural: int, urban: int = 0) -> PopulationProfile:
    total = rural + urban
    return PopulationProfile("X", total, total, rural, urban, 0.0, 0.0, 0.0, None, None)


def unit(rural: int, supply: dict[str, int], beds: int | None = None) -> UnitNeed:
    return UnitNeed("X", "X", "X", "commune", profile(rural), UnitSupply(supply, beds=beds))


def test_rural_commune_of_46000_with_one_dr_lacks_three_first_contact_points() -> None:
    # 46,000 / 15,000 = 3.07 points needed; 1 DR there: 2.07 short → 3 missing (strict).
    line = compute_gap(RURAL, FIRST_CONTACT, unit(46_000, {"DR": 1, "CSU-1": 4}))
    assert line.required == 46_000 / 15_000
    assert line.supply == 1
    assert line.missing == 3
    assert line.unserved_population == 46_000 - 15_000
    assert line.status is GapStatus.GAP
    assert line.source == RURAL.source
    # Under a norm, the gap is a shortfall.
    assert line.kind is NormKind.NORM
    assert describe_gap(line) == "missing 3 DR; 31,000 inhabitants beyond the norm's reach"
    assert describe_gap(line, "fr").startswith("manque 3 DR; 31\u202f000 habitants")
    assert describe_gap(line, "ar").startswith("ينقص 3 DR")


def test_a_gap_to_a_national_average_is_a_distance_from_it_never_missing() -> None:
    # 13,640 inhabitants, 1 public bed: 10 beds at the national ratio of 1 per 1,364;
    # 9 below it, and 13,640 − 1,364 = 12,276 inhabitants beyond the average ratio.
    line = compute_gap(RATIOS, BEDS, unit(13_640, {"HP": 1}, beds=1))
    assert line.kind is NormKind.REFERENCE_RATIO and line.missing == 9
    text = describe_gap(line)
    assert text == (
        "9 public hospital beds below the national average; "
        "12,276 inhabitants beyond the national average ratio"
    )
    for language in ("fr", "ar", "en"):
        worded = describe_gap(line, language).lower()
        assert not any(w in worded for w in ("missing", "unserved", "manque", "ينقص"))
    met = compute_gap(RATIOS, BEDS, unit(1_364, {"HP": 1}, beds=1))
    assert met.status is GapStatus.MET and describe_gap(met) == ""


def test_norm_met_exactly_is_no_gap() -> None:
    line = compute_gap(RURAL, HEALTH_CENTRE, unit(90_000, {"CSR-1": 1, "CSR-2": 1}))
    assert line.missing == 0 and line.status is GapStatus.MET
    assert line.unserved_population == 0


def test_unknown_beds_are_reported_unknown_not_zero() -> None:
    line = compute_gap(RATIOS, BEDS, unit(13_640, {"HP": 1}, beds=None))
    assert line.status is GapStatus.SUPPLY_UNKNOWN and line.missing is None
    known = compute_gap(RATIOS, BEDS, unit(13_640, {"HP": 1}, beds=4))
    assert known.required == 10 and known.missing == 6


def test_ranking_puts_largest_gaps_first() -> None:
    small = compute_gap(RURAL, FIRST_CONTACT, unit(20_000, {"DR": 1}))
    large = compute_gap(RURAL, FIRST_CONTACT, unit(80_000, {}))
    met = compute_gap(RURAL, FIRST_CONTACT, unit(10_000, {"DR": 1}))
    assert rank_gaps([met, small, large]) == [large, small, met]


@given(st.integers(0, 2_000_000), st.integers(0, 200), st.integers(0, 20))
def test_adding_a_facility_never_increases_the_gap(population: int, drs: int, extra: int) -> None:
    before = compute_gap(RURAL, FIRST_CONTACT, unit(population, {"DR": drs}))
    after = compute_gap(RURAL, FIRST_CONTACT, unit(population, {"DR": drs + extra}))
    assert after.missing is not None and before.missing is not None
    assert after.missing <= before.missing
    assert before.missing - after.missing <= extra
