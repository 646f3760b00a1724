"""Territory lookups on the small region of `tests/regions.py`, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.territory.model import TerritoryLevel
from qurb.territory.service import (
    TerritoryIndex,
    TerritoryNotFound,
    density_per_km2,
    growth_2014_2024_pct,
)
from tests.regions import (
    AIT_LHOU,
    CERCLE_CODE,
    IMI,
    OULED_AMAR,
    PROVINCE_CODE,
    REGION_CODE,
    TAFRAOUT,
    TIZGUI,
)

Factory = Callable[..., sessionmaker[Session]]


@pytest.fixture
def index(small_region_db: Factory) -> TerritoryIndex:
    with small_region_db()() as session:
        return TerritoryIndex.from_session(session)


def test_a_code_resolves_to_its_unit(index: TerritoryIndex) -> None:
    unit = index.resolve(" 99.991.03.07 ")
    assert (unit.code, unit.name_fr, unit.level, unit.kind) == (
        TAFRAOUT,
        "Tafraout n'Aït",
        TerritoryLevel.COMMUNE,
        "rural",
    )
    assert (unit.ref_lon, unit.ref_lat, unit.population_2024) == (-7.0, 31.2, 9_000)


def test_a_name_shared_by_a_province_and_a_commune_means_the_province(
    index: TerritoryIndex,
) -> None:
    # "Tizgui" names the province 99.991 and its chief town 99.991.01.01: the larger wins,
    # unless only communes are asked for.
    assert index.resolve("Tizgui").code == PROVINCE_CODE
    assert index.resolve("Tizgui", [TerritoryLevel.COMMUNE]).code == TIZGUI
    # "Aït Lhou" names the cercle and a commune: the cercle is the larger.
    assert index.resolve("Aït Lhou").code == CERCLE_CODE


def test_names_match_without_accents_or_in_arabic(index: TerritoryIndex) -> None:
    assert index.resolve("ait lhou", [TerritoryLevel.COMMUNE]).code == AIT_LHOU
    assert index.resolve("إيمي نوزرو").code == IMI
    assert index.resolve("imi n'ouzrou").code == IMI


def test_an_unknown_name_suggests_the_close_ones(index: TerritoryIndex) -> None:
    with pytest.raises(
        TerritoryNotFound, match=r"did you mean: .*Imi n'Ouzrou \(99\.991\.03\.09\)"
    ):
        index.resolve("Imi Nouzro")


def test_children_and_communes_within(index: TerritoryIndex) -> None:
    # Communes hang from the province (parent_code); the rural ones also name their cercle.
    assert [t.code for t in index.children(REGION_CODE)] == [PROVINCE_CODE]
    assert [t.code for t in index.children(PROVINCE_CODE)] == [
        TIZGUI,
        OULED_AMAR,
        CERCLE_CODE,
        AIT_LHOU,
        TAFRAOUT,
        IMI,
    ]
    cercle = index.resolve(CERCLE_CODE)
    assert [t.code for t in index.communes_within(cercle)] == [AIT_LHOU, TAFRAOUT, IMI]
    region = index.resolve(REGION_CODE)
    assert len(index.communes_within(region)) == 5
    assert [a.code for a in index.ancestors(IMI)] == [CERCLE_CODE, PROVINCE_CODE, REGION_CODE, "MA"]
    assert index.ancestor_at(OULED_AMAR, TerritoryLevel.CERCLE) is None  # urban: no cercle


def test_totals_growth_and_density(index: TerritoryIndex) -> None:
    province = index.resolve(PROVINCE_CODE)
    # 24,000 + 60,000 + 12,000 + 9,000 + 4,500 = 109,500 in 2024;
    # 20,000 + 50,000 + 12,500 + 9,600 + 5,000 = 97,100 in 2014.
    assert (province.population_2024, province.population_2014) == (109_500, 97_100)
    # 109,500 / 97,100 − 1 = 12.770 % → 12.77
    assert growth_2014_2024_pct(province) == 12.77
    # Area 30 + 20 + 100 + 150 + 200 = 500 km²: 109,500 / 500 = 219.0 per km²
    assert density_per_km2(province) == 219.0
    # Imi n'Ouzrou lost people: 4,500 / 5,000 − 1 = −10 %
    assert growth_2014_2024_pct(index.resolve(IMI)) == -10.0
