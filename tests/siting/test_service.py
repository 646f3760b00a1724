"""Siting scenarios on the real registry: what they choose, what they save."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.algo.siting_problem import SitingError
from qurb.kernel.actor import Actor
from qurb.kernel.errors import InputError
from qurb.platform.database import transaction
from qurb.siting.service import (
    SitingRequest,
    compare_scenarios,
    get_scenario,
    run_siting,
    save_scenario,
)
from qurb.territory.travel import commune_graph_model


def test_secondary_sites_in_fes_meknes(national_session: Session) -> None:
    model = commune_graph_model(national_session)
    one = run_siting(national_session, SitingRequest("Fès-Meknès", level="secondary", add=1), model)
    three = run_siting(
        national_session, SitingRequest("Fès-Meknès", level="secondary", add=3), model
    )
    assert three.solver.status == "optimal" and three.solver.method == "exact"
    s1, s3 = one.summary, three.summary
    assert s1.population == s3.population == 4_467_911
    # Coverage never drops with more sites; before is the same offer.
    assert s1.covered_before == s3.covered_before
    assert s3.covered_after >= s1.covered_after > s1.covered_before
    # The newly covered people per commune add up to the summary's figure.
    assert sum(c.newly_covered_population for c in three.communes) == pytest.approx(
        s3.newly_covered, abs=len(three.communes)
    )
    # Candidates are communes without a hospital; a chosen site is one of them.
    assert {s.commune for s in three.sites}.isdisjoint(
        {c.code for c in three.communes if c.minutes_before == 0}
    )
    assert len(three.sites) == 3


def test_time_objective_lowers_the_weighted_minutes(national_session: Session) -> None:
    model = commune_graph_model(national_session)
    scenario = run_siting(
        national_session,
        SitingRequest("Taza", level="secondary", add=2, objective="time"),
        model,
    )
    before = sum(c.population * c.minutes_before for c in scenario.communes)
    after = sum(c.population * c.minutes_after for c in scenario.communes)
    assert after < before
    assert all(c.minutes_after <= c.minutes_before for c in scenario.communes)


def test_budget_mode(national_session: Session) -> None:
    model = commune_graph_model(national_session)
    scenario = run_siting(
        national_session,
        SitingRequest(
            "Taounate",
            level=None,
            services=("delivery",),
            budget_amount_mad=10e6,
            site_cost_amount_mad=4e6,
            within_minutes=30,
        ),
        model,
    )
    assert len(scenario.sites) == 2  # 10 M MAD buys two sites at 4 M
    with pytest.raises(SitingError, match="budget"):
        run_siting(
            national_session,
            SitingRequest(
                "Taounate",
                level=None,
                services=("delivery",),
                budget_amount_mad=1e6,
                site_cost_amount_mad=4e6,
            ),
            model,
        )


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (SitingRequest("Taounate", add=5), "0 candidate site"),
        (SitingRequest("Taza", level="secondary", add=500), "candidate site"),
        (SitingRequest("Taza", level="secondary", add=1, within_minutes=0), "within_minutes"),
        (SitingRequest("Taza", level="secondary"), "--add K"),
        (SitingRequest("Taza", level="secondary", add=1, budget_amount_mad=5.0), "not both"),
        (SitingRequest("Taza", level="secondary", budget_amount_mad=5.0), "cost per new site"),
    ],
)
def test_bad_requests_say_why(
    national_session: Session, request_: SitingRequest, message: str
) -> None:
    with pytest.raises(SitingError, match=message):
        run_siting(national_session, request_, commune_graph_model(national_session))


def test_user_candidates_and_their_errors(national_session: Session, tmp_path: Path) -> None:
    good = tmp_path / "sites.csv"
    good.write_text(
        "label,lon,lat,cost_mad\nTissaf douar,-3.60,33.40,3000000\nOutat,-3.70,33.20,2500000\n",
        encoding="utf-8",
    )
    scenario = run_siting(
        national_session,
        SitingRequest("Boulemane", level="secondary", add=1, candidates_file=str(good)),
        commune_graph_model(national_session),
    )
    assert scenario.sites[0].label in {"Tissaf douar", "Outat"}
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "label,lon,lat,cost_mad\na,-3.6,abc,1\nb,2.35,48.85,1\nc,-3.6,33.4,-5\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="3 problem") as caught:
        run_siting(
            national_session,
            SitingRequest("Boulemane", level="secondary", add=1, candidates_file=str(bad)),
            commune_graph_model(national_session),
        )
    message = str(caught.value)
    assert "row 2, field 'lat': Input should be a valid number" in message
    assert "row 3, field 'lon/lat': (2.35, 48.85) is outside Morocco" in message
    assert "row 4, field 'cost_mad': Input should be greater than or equal to 0" in message


def test_scenarios_are_saved_and_compared(scratch_factory: sessionmaker[Session]) -> None:
    with transaction(scratch_factory) as session:
        model = commune_graph_model(session)
        a = run_siting(session, SitingRequest("Taza", level="secondary", add=1), model)
        b = run_siting(session, SitingRequest("Taza", level="secondary", add=2), model)
        tester = Actor.local("test")
        ids = [
            save_scenario(session, tester, "one", a).id,
            save_scenario(session, tester, "two", b).id,
        ]
    with transaction(scratch_factory) as session:
        saved = [get_scenario(session, i) for i in ids]
        assert [s.created_by for s in saved] == ["test", "test"]
        rows = compare_scenarios(saved)
        assert [r.sites for r in rows] == [1, 2]
        assert rows[1].newly_covered >= rows[0].newly_covered
        with pytest.raises(SitingError, match="no scenario"):
            get_scenario(session, "nope")
