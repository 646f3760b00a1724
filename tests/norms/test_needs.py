"""Demand drivers from census rows, checked by hand."""

from __future__ import annotations

import pytest

from qurb.norms.needs import FERTILE_YEARS, compute_profile


def rows() -> list[dict[str, object]]:
    bands = {f"age_{a}": 0.0 for a in ("5_9", "10_14", "50_54", "55_59")}
    total = {
        "census": "2024",
        "area": "total",
        "sex": "all",
        "population_legal": 10_100,
        "population_municipal": 10_000,
        "age_0_4": 10.0,
        "age_60_64": 5.0,
        "age_65_69": 3.0,
        "age_70_74": 1.0,
        "age_75_plus": 1.0,
        "fertility_total_fertility_rate": 2.1,
        **bands,
    }
    female = {
        "census": "2024",
        "area": "total",
        "sex": "female",
        "population_municipal": 5_000,
        "age_15_19": 10.0,
        "age_20_24": 10.0,
        "age_25_29": 10.0,
        "age_30_34": 5.0,
        "age_35_39": 5.0,
        "age_40_44": 5.0,
        "age_45_49": 5.0,
    }
    rural = {"census": "2024", "area": "rural", "sex": "all", "population_legal": 6_100}
    urban = {"census": "2024", "area": "urban", "sex": "all", "population_legal": 4_000}
    return [total, female, rural, urban]


def test_profile_from_census_percentages() -> None:
    p = compute_profile("X", rows())
    assert p.population == 10_100 and p.rural == 6_100 and p.urban == 4_000
    assert p.children_0_4 == pytest.approx(1_000)
    assert p.people_60_plus == pytest.approx(1_000)
    assert p.women_15_49 == pytest.approx(2_500)
    assert p.births_per_year == pytest.approx(2.1 / FERTILE_YEARS * 2_500)


def test_missing_total_row_is_an_error() -> None:
    with pytest.raises(ValueError, match="no 2024 census row"):
        compute_profile("X", rows()[1:])
