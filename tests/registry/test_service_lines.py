"""services.csv lines: each bad line is refused with its file, row and field; tiers."""

from __future__ import annotations

import pytest

from qurb.registry.facility_services import (
    HospitalTier,
    ServicesFileError,
    apply_service_lines,
    hospital_tier,
    known_services,
    parse_service_lines,
)
from qurb.registry.model import categories

FILE = "data/overrides/services.csv"
INO = "hosp-04.421.01.01-med-ben-abdellah"  # Institut National d'Oncologie, Rabat
CATEGORY_OF = {INO: "HIR", "hosp-04.421.01.01-ibn-sina": "HIR", "hosp-x-hp": "HP"}
GOOD = {
    "facility_id": INO,
    "service": "oncology",
    "action": "add",
    "reason": "national oncology institute",
    "evidence": "Ministry list 2024, row 76",
}


def refused(*rows: dict[str, str]) -> ServicesFileError:
    with pytest.raises(ServicesFileError) as caught:
        parse_service_lines(list(rows), FILE, CATEGORY_OF)
    assert FILE in str(caught.value) and "nothing was loaded" in str(caught.value)
    return caught.value


def test_a_good_line_applies_to_the_category_defaults() -> None:
    lines = parse_service_lines(
        [GOOD, {**GOOD, "service": "delivery", "action": "remove"}], FILE, CATEGORY_OF
    )
    services = apply_service_lines("HIR", lines)
    assert "oncology" in services and "delivery" not in services
    assert "emonc_comprehensive" in services  # not removed by these two lines
    assert hospital_tier("hospital", services) is HospitalTier.SPECIALTY


def test_unknown_facility_is_refused_with_row_and_field() -> None:
    error = refused(GOOD, {**GOOD, "facility_id": "hosp-nowhere", "service": "delivery"})
    assert [(p.row, p.field) for p in error.problems] == [(3, "facility_id")]
    assert "hosp-nowhere" in str(error)


def test_unknown_service_is_refused() -> None:
    error = refused({**GOOD, "service": "teleportation"})
    assert [(p.row, p.field) for p in error.problems] == [(2, "service")]
    assert "teleportation" in str(error)


def test_duplicate_line_is_refused() -> None:
    error = refused(GOOD, {**GOOD, "reason": "said twice"})
    assert [(p.row, p.field) for p in error.problems] == [(3, "service")]
    assert "already on row 2" in str(error)


def test_missing_evidence_is_refused() -> None:
    error = refused({**GOOD, "evidence": "  "})
    assert [(p.row, p.field) for p in error.problems] == [(2, "evidence")]


def test_bad_action_is_refused() -> None:
    error = refused({**GOOD, "action": "replace"})
    assert [(p.row, p.field) for p in error.problems] == [(2, "action")]


def test_adding_a_default_or_removing_an_absent_service_is_refused() -> None:
    error = refused(
        {**GOOD, "facility_id": "hosp-x-hp", "service": "general_hospital"},
        {**GOOD, "service": "psychiatry", "action": "remove"},
    )
    assert [(p.row, p.field) for p in error.problems] == [(2, "service"), (3, "service")]


def test_tiers_by_category() -> None:
    tier = {c.code: hospital_tier(c.family, c.services) for c in categories().values()}
    assert {k for k, v in tier.items() if v is HospitalTier.GENERAL} == {
        "HPr",
        "HP",
        "HR",
        "CHU",
    }
    assert {k for k, v in tier.items() if v is HospitalTier.SPECIALTY} == {
        "CRO",
        "CPU",
        "HPsyP",
        "HPsyR",
    }
    assert tier["HIR"] is None  # classed unit by unit in services.csv
    assert tier["CSR-2"] is None


def test_every_category_service_has_a_name_in_three_languages() -> None:
    names = known_services()
    for category in categories().values():
        assert category.services <= set(names), category.code
    assert all(n.name_fr and n.name_ar and n.name_en for n in names.values())


def test_an_unquoted_comma_is_refused() -> None:
    # csv.DictReader files the cells beyond the header under the key None.
    error = refused({**GOOD, None: "a stray cell"})  # type: ignore[dict-item]
    assert [p.row for p in error.problems] == [2]
    assert "quote text with commas" in str(error)
