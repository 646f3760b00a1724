"""A caravan campaign on the small region of `tests/regions.py`, worked out by hand, on
SQLite and PostgreSQL: the priority of the cercle's three rural communes, then a short
plan saved, read back and recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.algo.travel import StraightLineModel
from qurb.audit import service as audit
from qurb.audit.service import EntryFilter
from qurb.caravans.catalogue import check_campaign, parse_campaign
from qurb.caravans.model import CampaignNotFound, CampaignSpec
from qurb.caravans.records import RecordError, record_visits
from qurb.caravans.report import campaign_report
from qurb.caravans.scoring import compute_campaign_priority
from qurb.caravans.service import plan_campaign
from qurb.caravans.store import campaign_plan, get_campaign, list_campaigns, save_campaign
from qurb.kernel.actor import Actor
from qurb.kernel.errors import FieldError, InputError, NotFound
from qurb.platform.database import transaction
from tests.regions import AIT_LHOU, CERCLE_CODE, HP_TIZGUI, IMI, TAFRAOUT

Factory = Callable[..., sessionmaker[Session]]
ONE_KM_A_MINUTE = StraightLineModel(speed_kph=60.0)
BY = Actor.local("planner")
START = date(2027, 3, 1)  # a Monday
BEFORE = START - timedelta(days=7)


def _spec() -> CampaignSpec:
    return parse_campaign(
        {
            "name": "Caravane du cercle d'Aït Lhou",
            "territory": CERCLE_CODE,
            "start": START,
            "end": START + timedelta(days=2),
            "specialties": ["general_medicine"],
            "bases": [{"name": "HP Tizgui", "facility": HP_TIZGUI}],
            "teams": [{"name": "Équipe A", "staff": {"general_medicine": 2}}],
            "units": [
                {
                    "name": "Unité 1",
                    "base": "HP Tizgui",
                    "team": "Équipe A",
                    "capacity": {"general_medicine": 1000},
                }
            ],
            # Three parts only, so that the scores are worked out on paper.
            "weights": {
                "beyond_threshold": 2.0,
                "paved_road_km": 1.0,
                "rural_share": 1.0,
                "norm_gap": 0.0,
                "children_0_4": 0.0,
                "women_15_49": 0.0,
                "people_60_plus": 0.0,
            },
            "settings": {"threshold_minutes": 5.0, "time_limit_s": 1},
        }
    )


def test_the_priority_of_the_rural_communes(small_region_db: Factory) -> None:
    with small_region_db()() as s:
        report = compute_campaign_priority(s, _spec(), ONE_KM_A_MINUTE)
    # Candidates: the cercle's rural communes. Nearest health centre at 60 km/h in a
    # straight line: Aït Lhou and Tafraout have one 0.01° away (1.1 min), Imi n'Ouzrou's
    # is the DR Tafraout 0.09° away (10.0 min > the 5 min threshold).
    assert {c.code for c in report.communes} == {AIT_LHOU, TAFRAOUT, IMI}
    assert {code: round(m or 0, 1) for code, m in report.minutes.items()} == {
        AIT_LHOU: 1.1,
        TAFRAOUT: 1.1,
        IMI: 10.0,
    }
    # Parts scaled by the largest candidate, weights 2 + 1 + 1 = 4:
    #   beyond the threshold   Imi 4,500 people, the others 0    → 1, 0, 0
    #   paved road km          1.5, 4.0, 8.0 (÷ 8)                → 0.1875, 0.5, 1
    #   rural share            1 everywhere                       → 1, 1, 1
    # Imi n'Ouzrou (2·1 + 1 + 1) / 4 = 1; Tafraout (0.5 + 1) / 4 = 0.375;
    # Aït Lhou (0.1875 + 1) / 4 = 0.296875.
    ranked = [(p.rank, p.code, p.score) for p in report.priorities]
    assert ranked == [(1, IMI, 1.0), (2, TAFRAOUT, 0.375), (3, AIT_LHOU, 0.296875)]
    imi = {part.name: part for part in report.priorities[0].parts}
    assert (imi["beyond_threshold"].value, imi["beyond_threshold"].contribution) == (4_500, 0.5)
    assert (imi["paved_road_km"].value, imi["paved_road_km"].contribution) == (8.0, 0.25)
    # General medicine: the whole population × 3 % (caravan.toml).
    assert report.expected == {
        AIT_LHOU: {"general_medicine": pytest.approx(360.0)},
        TAFRAOUT: {"general_medicine": pytest.approx(270.0)},
        IMI: {"general_medicine": pytest.approx(135.0)},
    }


def test_a_short_plan_is_saved_read_back_and_recorded(small_region_db: Factory) -> None:
    factory = small_region_db()
    spec = _spec()
    with factory() as s:
        plan = plan_campaign(s, spec, ONE_KM_A_MINUTE, BEFORE, seed=0)
    # 1,000 consultations a day: each commune's 360, 270 or 135 are seen in one visit.
    stops = plan.stops
    assert sorted(stop.code for stop in stops) == sorted([AIT_LHOU, TAFRAOUT, IMI])
    assert {stop.code: stop.expected["general_medicine"] for stop in stops} == {
        AIT_LHOU: 360,
        TAFRAOUT: 270,
        IMI: 135,
    }
    assert all(START <= stop.date <= START + timedelta(days=2) for stop in stops)
    assert [p.code for p in plan.priority] == [IMI, TAFRAOUT, AIT_LHOU]

    with transaction(factory) as s:
        campaign_id = save_campaign(s, BY, spec, plan)
    with factory() as s:
        stored = get_campaign(s, campaign_id)
        assert (stored.id, stored.name, stored.territory, stored.created_by) == (
            campaign_id,
            "Caravane du cercle d'Aït Lhou",
            CERCLE_CODE,
            "planner",
        )
        assert (stored.start, stored.end) == (START, START + timedelta(days=2))
        assert stored.plan == plan == campaign_plan(s, campaign_id)
        assert stored.spec == spec.model_dump(mode="json")
        assert [c.id for c in list_campaigns(s)] == [campaign_id]

    first = stops[0]
    after = START + timedelta(days=7)
    rows = [
        (1, {"stop": first.number, "kind": "consultation", "item": "general_medicine",
             "sex": "F", "age_band": "15-49", "count": 40}),
        (2, {"stop": first.number, "kind": "consultation", "item": "general_medicine",
             "sex": "M", "age_band": "60+", "count": 25}),
    ]  # fmt: skip
    with transaction(factory) as s:
        assert record_visits(s, BY, campaign_id, rows, after, "records") == 2
    with factory() as s:
        report = campaign_report(s, campaign_id)
    [done] = [r for r in report.stops if r.number == first.number]
    assert (done.planned, done.done, done.recorded) == (
        first.expected["general_medicine"],
        65,
        True,
    )
    assert (report.totals.done, report.totals.visits_recorded) == (65, 1)
    # Each write is in the audit trail, by its actor, in the write's transaction.
    assert _trail(factory, campaign_id) == [
        ("campaign.create", "planner", CERCLE_CODE, 3),
        ("campaign.record", "planner", None, [first.number]),
    ]

    # A row for a visit the plan does not have is refused, naming its row and field.
    bad = [(1, {**rows[0][1], "stop": 99, "count": 1})]
    with pytest.raises(RecordError) as caught, transaction(factory) as s:
        record_visits(s, BY, campaign_id, bad, after, "records")
    assert len(_trail(factory, campaign_id)) == 2  # nothing recorded: no entry
    assert isinstance(caught.value, InputError)
    [problem] = caught.value.errors
    assert (problem.field, problem.row) == ("stop", 1)
    assert str(caught.value).startswith("1 problem(s), nothing was recorded:\n  - records: row 1:")


def _trail(factory: Factory, campaign_id: str) -> list[tuple[object, ...]]:
    with factory() as s:
        entries = audit.entries(s, EntryFilter(entity_kind="campaign", entity_id=campaign_id))
    return [
        (
            e.action,
            e.actor,
            e.territory_code,
            (e.after or {}).get("visits"),
        )
        for e in entries
    ]


def test_an_unknown_campaign_is_not_found(small_region_db: Factory) -> None:
    with small_region_db()() as s, pytest.raises(CampaignNotFound) as caught:
        get_campaign(s, "cv-nope")
    assert isinstance(caught.value, NotFound)
    assert str(caught.value) == "no campaign 'cv-nope' (none saved yet)"


def test_a_refused_campaign_names_each_field() -> None:
    spec = _spec().model_copy(update={"end": date(2027, 2, 27), "specialties": ["surgery"]})
    with pytest.raises(InputError) as caught:
        check_campaign(spec, BEFORE)
    assert caught.value.errors == (
        FieldError("end", "2027-02-27 is before start 2027-03-01"),
        FieldError("specialties[0]", caught.value.errors[1].reason),
    )
    assert caught.value.errors[1].reason.startswith("unknown specialty 'surgery' (known: ")
    # The message is worded as it always was.
    assert str(caught.value) == (
        "campaign: 2 problem(s):\n  - end: 2027-02-27 is before start 2027-03-01\n"
        f"  - specialties[0]: {caught.value.errors[1].reason}"
    )


def _saved(factory: sessionmaker[Session]) -> tuple[str, int]:
    """A short campaign planned and saved; its id and the number of its first visit."""
    spec = _spec()
    with factory() as s:
        plan = plan_campaign(s, spec, ONE_KM_A_MINUTE, BEFORE, seed=0)
    with transaction(factory) as s:
        return save_campaign(s, BY, spec, plan), plan.stops[0].number


def test_the_same_facts_written_differently_are_refused_as_recorded(
    small_region_db: Factory,
) -> None:
    factory = small_region_db()
    campaign_id, stop = _saved(factory)
    after = START + timedelta(days=7)
    first = {"stop": stop, "kind": "consultation", "item": "general_medicine", "sex": "F",
             "age_band": "15-49", "count": 10}  # fmt: skip
    with transaction(factory) as s:
        assert record_visits(s, BY, campaign_id, [(1, first)], after, "a.csv") == 1
    # The same facts as a CSV gives them (text, spaces, another case), as a sheet gives
    # them (10.0), and with the columns in another order.
    again = [
        {**first, "stop": f" {stop}", "count": " 10", "kind": "Consultation ", "sex": "f"},
        {**first, "count": 10.0},
        dict(reversed(list({**first, "stop": str(stop), "count": "10"}.items()))),
    ]
    for row in again:
        with (
            pytest.raises(RecordError, match="already recorded on") as caught,
            transaction(factory) as s,
        ):
            record_visits(s, BY, campaign_id, [(1, row)], after, "b.csv")
        [problem] = caught.value.errors
        assert problem.field == "rows"
    with factory() as s:
        assert campaign_report(s, campaign_id).totals.done == 10


def test_a_count_that_is_not_whole_names_its_row_and_field(small_region_db: Factory) -> None:
    factory = small_region_db()
    campaign_id, stop = _saved(factory)
    row = {"stop": stop, "kind": "consultation", "item": "general_medicine", "count": 5.5}
    with pytest.raises(RecordError) as caught, transaction(factory) as s:
        record_visits(
            s,
            BY,
            campaign_id,
            [(1, row), (2, {**row, "count": 5})],
            START + timedelta(days=7),
            "c.csv",
        )
    assert [(e.row, e.field) for e in caught.value.errors] == [(1, "count")]
    assert "c.csv: row 1: count: 5.5 is not a whole number" in str(caught.value)
