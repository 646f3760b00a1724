"""Siting on the small region of `tests/regions.py`, worked out by hand, on SQLite and
PostgreSQL: straight lines at 60 km/h (one minute per km), communes' reference points
STEP_KM = 11.1195 km apart on one meridian."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.algo.travel import StraightLineModel
from qurb.audit import service as audit
from qurb.audit.service import EntryFilter
from qurb.kernel.actor import Actor
from qurb.kernel.errors import NotFound
from qurb.platform.database import transaction
from qurb.siting.service import (
    ScenarioNotFound,
    SitingRequest,
    get_scenario,
    list_scenarios,
    run_siting,
    save_scenario,
)
from tests.regions import AIT_LHOU, IMI, OULED_AMAR, PROVINCE_CODE, STEP_KM, TAFRAOUT, TIZGUI

Factory = Callable[..., sessionmaker[Session]]
ONE_KM_A_MINUTE = StraightLineModel(speed_kph=60.0)
BY = Actor.local("planner")


def test_a_health_centre_goes_to_the_commune_without_one(small_region_db: Factory) -> None:
    request = SitingRequest(PROVINCE_CODE, level="primary", add=1, within_minutes=5.0)
    with small_region_db()() as s:
        scenario = run_siting(s, request, ONE_KM_A_MINUTE)
    # Imi n'Ouzrou is the only commune without a health centre: the one candidate.
    assert scenario.summary.candidates == 1
    [site] = scenario.sites
    assert (site.commune, site.lon, site.lat) == (IMI, -7.0, 31.3)
    # A commune's reference point is named by the commune, in French and in Arabic.
    assert (site.label, site.label_ar) == ("Imi n'Ouzrou", "إيمي نوزرو")
    minutes = {c.code: (c.minutes_before, c.minutes_after) for c in scenario.communes}
    # Before: the nearest centre of Imi n'Ouzrou (lat 31.3) is the DR Tafraout (lat 31.21),
    # 0.09° = 0.9 × 11.1195 = 10.0 km, so 10.0 min > 5; the others have one 0.01° away
    # (Tizgui's CSUs are 0.01° off in latitude and longitude: 1.5 km).
    assert minutes[IMI] == (10.0, 0.0)
    assert minutes[AIT_LHOU] == minutes[TAFRAOUT] == minutes[OULED_AMAR] == (1.1, 1.1)
    assert minutes[TIZGUI] == (1.5, 1.5)
    # Covered within 5 min: 109,500 − 4,500 = 105,000 (95.9 %) before, all 109,500 after.
    summary = scenario.summary
    assert (summary.population, summary.covered_before, summary.covered_after) == (
        109_500,
        105_000,
        109_500,
    )
    assert (summary.covered_before_pct, summary.covered_after_pct) == (95.9, 100.0)
    assert summary.newly_covered == 4_500


def test_a_hospital_goes_where_it_saves_the_most_minutes(small_region_db: Factory) -> None:
    # The one hospital (HP) stands on Tizgui's reference point. Candidates: the four
    # other communes. With s = 11.1195 min a step, people × minutes to the nearest HP:
    #   before          Ouled Amar 24,000·s + Aït Lhou 12,000·s + Tafraout 9,000·2s
    #                   + Imi 4,500·3s                          = 67,500·s
    #   at Ouled Amar   saves 24,000·s                          → 43,500·s
    #   at Aït Lhou     saves 12,000·s + 9,000·s + 4,500·s      → 42,000·s
    #   at Tafraout     saves 9,000·2s + 4,500·2s               → 40,500·s  ← the least
    #   at Imi          saves 9,000·s + 4,500·3s                → 45,000·s
    request = SitingRequest(
        PROVINCE_CODE, level=None, categories=("HP",), add=1, within_minutes=15.0, objective="time"
    )
    with small_region_db()() as s:
        scenario = run_siting(s, request, ONE_KM_A_MINUTE)
    assert scenario.summary.candidates == 4
    assert [site.commune for site in scenario.sites] == [TAFRAOUT]
    before = {c.code: c.minutes_before for c in scenario.communes}
    after = {c.code: c.minutes_after for c in scenario.communes}
    step = round(STEP_KM, 1)  # 11.1
    assert before == {
        OULED_AMAR: step,
        TIZGUI: 0.0,
        AIT_LHOU: step,
        TAFRAOUT: round(2 * STEP_KM, 1),
        IMI: round(3 * STEP_KM, 1),
    }
    assert after == {OULED_AMAR: step, TIZGUI: 0.0, AIT_LHOU: step, TAFRAOUT: 0.0, IMI: step}
    # Within 15 min: Tizgui, Ouled Amar and Aït Lhou before (96,000 of 109,500: 87.7 %);
    # Tafraout (0 min) and Imi n'Ouzrou (11.1 min) join them after (100 %).
    summary = scenario.summary
    assert (summary.covered_before, summary.covered_after, summary.newly_covered) == (
        96_000,
        109_500,
        13_500,
    )
    assert (summary.covered_before_pct, summary.covered_after_pct) == (87.7, 100.0)


def test_a_scenario_is_saved_read_back_and_an_unknown_one_is_not_found(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    request = SitingRequest(PROVINCE_CODE, level="primary", add=1, within_minutes=5.0)
    with factory() as s:
        scenario = run_siting(s, request, ONE_KM_A_MINUTE)
    with transaction(factory) as s:
        saved = save_scenario(s, BY, "Un centre à Imi n'Ouzrou", scenario)
    with factory() as s:
        back = get_scenario(s, saved.id)
        assert (back.name, back.created_by) == ("Un centre à Imi n'Ouzrou", "planner")
        assert back.scenario.document() == scenario.document()
        assert [line.id for line in list_scenarios(s)] == [saved.id]
        # The save is in the audit trail, by its actor, with what it achieved.
        [entry] = audit.entries(s, EntryFilter(entity_kind="scenario", entity_id=saved.id))
        assert (entry.action, entry.actor, entry.territory_code) == (
            "scenario.create",
            "planner",
            PROVINCE_CODE,
        )
        assert entry.after is not None
        assert entry.after["sites"] == [site.label for site in scenario.sites]
        assert entry.after["newly_covered"] == scenario.summary.newly_covered
        with pytest.raises(ScenarioNotFound) as caught:
            get_scenario(s, "nope")
    assert isinstance(caught.value, NotFound)
    assert str(caught.value) == "no scenario 'nope': see `qurb scenarios list`"
