"""Caravan campaigns on the real registry and census: priority, schedule, record, report."""

from __future__ import annotations

import copy
import itertools
import tomllib
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.caravans._tables import CaravanRecordRow, CaravanStopRow
from qurb.caravans.catalogue import parse_campaign
from qurb.caravans.model import CampaignError
from qurb.caravans.plan import CampaignPlan
from qurb.caravans.priority import PARTS
from qurb.caravans.records import RecordError, read_record_file, record_visits
from qurb.caravans.report import campaign_report, referrals_by_facility
from qurb.caravans.schedule import plan_needs
from qurb.caravans.scoring import compute_campaign_priority
from qurb.caravans.service import plan_campaign, prepare_campaign
from qurb.caravans.store import list_campaigns, save_campaign
from qurb.kernel.actor import Actor
from qurb.platform.database import make_sessionmaker, transaction
from qurb.territory.service import TerritoryIndex
from qurb.territory.travel import commune_graph_model
from tests.environment import REPO

PROVINCE = "03.131"
BASE_FACILITY = "hosp-03.131.01.03-marche-verte"
GUIGOU = "03.131.03.11"
SPECIALTIES = ["general_medicine", "gynaecology_obstetrics", "paediatrics", "ophthalmology"]
CAPACITY = {
    "general_medicine": 120,
    "gynaecology_obstetrics": 40,
    "paediatrics": 50,
    "ophthalmology": 50,
}
STAFF = {s: 1 for s in SPECIALTIES}


def first_monday() -> date:
    """A Monday at least two weeks ahead, so the campaign never lies in the past."""
    day = date.today() + timedelta(days=14)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def campaign(**overrides: Any) -> dict[str, Any]:
    """Two working weeks (Monday to Friday) of two units based at Missour hospital."""
    start = first_monday()
    data: dict[str, Any] = {
        "name": "Caravane de test Boulemane",
        "territory": "Boulemane",
        "start": start,
        "end": start + timedelta(days=11),
        "rest_days": ["saturday", "sunday"],
        "specialties": list(SPECIALTIES),
        "hours": {"start": "08:30:00", "end": "17:00:00"},
        "partners": [{"name": "Délégation provinciale de la santé", "role": "health"}],
        "bases": [{"name": "Missour", "facility": BASE_FACILITY}],
        "teams": [{"name": "A", "staff": dict(STAFF)}, {"name": "B", "staff": dict(STAFF)}],
        "units": [
            {"name": "U1", "base": "Missour", "team": "A", "capacity": dict(CAPACITY)},
            {"name": "U2", "base": "Missour", "team": "B", "capacity": dict(CAPACITY)},
        ],
    }
    data.update(copy.deepcopy(overrides))
    return data


def minutes(clock: str) -> int:
    hour, minute = clock.split(":")
    return int(hour) * 60 + int(minute)


def visits(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for day in plan["days"] for s in day["stops"]]


@pytest.fixture(scope="module")
def session(national_engine: Engine) -> Iterator[Session]:
    """Read-only, shared by the module so that the plans are computed once."""
    s = make_sessionmaker(national_engine)()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture(scope="module")
def index(session: Session) -> TerritoryIndex:
    return TerritoryIndex.from_session(session)


def plan_of(session: Session, index: TerritoryIndex, data: dict[str, Any]) -> dict[str, Any]:
    return plan_campaign(
        session,
        parse_campaign(data),
        commune_graph_model(session),
        date.today(),
        index,
        time_limit_s=1,
        seed=1,
    ).stored_json()


@pytest.fixture(scope="module")
def day_trips(session: Session, index: TerritoryIndex) -> dict[str, Any]:
    return plan_of(session, index, campaign())


# ---------------------------------------------------------------------------- priority


def test_priority_scores_add_up_and_rank(session: Session, index: TerritoryIndex) -> None:
    report = compute_campaign_priority(
        session, parse_campaign(campaign()), commune_graph_model(session), index
    )
    assert len(report.priorities) == 17
    assert all(c.code.startswith(PROVINCE + ".") and c.kind == "rural" for c in report.communes)
    assert {p.code for p in report.priorities} == {c.code for c in report.communes}
    for p in report.priorities:
        assert p.score == pytest.approx(sum(part.contribution for part in p.parts), abs=1e-9)
        assert 0.0 <= p.score <= 1.0
        assert [part.name for part in p.parts] == list(PARTS)
    assert [p.rank for p in report.priorities] == list(range(1, 18))
    scores = [p.score for p in report.priorities]
    assert scores == sorted(scores, reverse=True)
    # Expected patients for every required specialty, none negative.
    assert all(
        set(e) == set(SPECIALTIES) and min(e.values()) >= 0 for e in report.expected.values()
    )


def test_priority_on_the_threshold_part_alone(session: Session, index: TerritoryIndex) -> None:
    weights = {p: 0.0 for p in PARTS} | {"beyond_threshold": 1.0}
    report = compute_campaign_priority(
        session, parse_campaign(campaign(weights=weights)), commune_graph_model(session), index
    )
    threshold = 30.0  # the bundled default
    within = [p for p in report.priorities if (report.minutes[p.code] or 0.0) <= threshold]
    beyond = [p for p in report.priorities if (report.minutes[p.code] or 0.0) > threshold]
    assert within and beyond
    assert all(p.score == 0.0 for p in within)
    assert all(p.score > 0.0 for p in beyond)
    # Scaled over the candidates: the commune with most people beyond scores exactly 1.
    assert report.priorities[0].score == pytest.approx(1.0)
    assert GUIGOU in {p.code for p in within}


@pytest.mark.parametrize("field", ["force_in", "force_out"])
def test_forcing_a_commune_outside_the_territory(
    session: Session, index: TerritoryIndex, field: str
) -> None:
    with pytest.raises(CampaignError, match=rf"{field}\[0\]: Fès .*not a candidate commune"):
        compute_campaign_priority(
            session,
            parse_campaign(campaign(**{field: ["Fès"]})),
            commune_graph_model(session),
            index,
        )


# ---------------------------------------------------------------------------- plan


def test_day_trips_stay_within_hours_and_working_days(day_trips: dict[str, Any]) -> None:
    spec = campaign()
    working = set(day_trips["campaign"]["working_days"])
    assert len(working) == 10
    assert all(date.fromisoformat(d).weekday() < 5 for d in working)
    assert day_trips["solver"]["feasible"] is True
    all_visits = visits(day_trips)
    assert all_visits and len(all_visits) == day_trips["totals"]["visits"]
    assert [v["number"] for v in all_visits] == list(range(1, len(all_visits) + 1))
    for day in day_trips["days"]:
        assert day["date"] == day["last_date"] and day["date"] in working
        assert minutes(day["leave"]) >= 8 * 60 + 30 and minutes(day["back"]) <= 17 * 60
        for v in day["stops"]:
            assert v["date"] == day["date"] and v["unit"] == day["unit"]
            assert spec["start"] <= date.fromisoformat(v["date"]) <= spec["end"]
            assert minutes(day["leave"]) <= minutes(v["arrival"]) <= minutes(v["start"])
            assert 8 * 60 + 30 <= minutes(v["start"]) < minutes(v["departure"]) <= 17 * 60
    # One unit runs one route a day.
    assert max(Counter((d["date"], d["unit"]) for d in day_trips["days"]).values()) == 1
    # At most max_days_per_stop visits to a commune, numbered k/n in date order.
    per_commune = Counter(v["code"] for v in all_visits)
    assert max(per_commune.values()) <= 2
    seen: Counter[str] = Counter()
    for v in sorted(all_visits, key=lambda v: (v["date"], v["number"])):
        seen[v["code"]] += 1
        assert v["visit"] == f"{seen[v['code']]}/{per_commune[v['code']]}"
    assert day_trips["totals"]["communes_visited"] == len(per_commune)
    assert day_trips["totals"]["candidates"] == 17


# Guigou, in the Middle Atlas, is Boulemane's farthest commune from Missour: a 264-min
# round trip on the commune graph. A working day of 08:30–14:00 (330 min) leaves it less
# than the setup, the margin and an hour of consultations.
SHORT_DAY = {"start": "08:30:00", "end": "14:00:00"}


@pytest.fixture(scope="module")
def short_day_trips(session: Session, index: TerritoryIndex) -> dict[str, Any]:
    return plan_of(session, index, campaign(hours=SHORT_DAY))


def test_guigou_is_dropped_beyond_a_days_reach(short_day_trips: dict[str, Any]) -> None:
    day_trips = short_day_trips
    dropped = {d["code"]: d for d in day_trips["dropped"]}
    assert GUIGOU in dropped
    assert "day's reach" in dropped[GUIGOU]["reason"]
    assert GUIGOU not in {v["code"] for v in visits(day_trips)}
    # Every candidate is either visited or dropped with a reason.
    visited = {v["code"] for v in visits(day_trips)}
    assert visited | set(dropped) == {p["code"] for p in day_trips["priority"]}
    assert visited.isdisjoint(dropped)
    assert all(d["reason"] for d in dropped.values())


def test_forcing_guigou_in_day_trips_is_refused(session: Session, index: TerritoryIndex) -> None:
    with pytest.raises(CampaignError, match="force_in") as caught:
        plan_of(session, index, campaign(force_in=["Guigou"], hours=SHORT_DAY))
    assert "Guigou" in str(caught.value) and GUIGOU in str(caught.value)


def test_forcing_guigou_in_tours(session: Session, index: TerritoryIndex) -> None:
    plan = plan_of(session, index, campaign(force_in=["Guigou"], mode="tours"))
    working = set(plan["campaign"]["working_days"])
    assert GUIGOU in {v["code"] for v in visits(plan)}
    assert next(p for p in plan["priority"] if p["code"] == GUIGOU)["forced"] == "in"
    for day in plan["days"]:
        first, last = date.fromisoformat(day["date"]), date.fromisoformat(day["last_date"])
        assert first <= last
        assert len([d for d in working if first.isoformat() <= d <= last.isoformat()]) <= 5
        for v in day["stops"]:
            assert v["date"] in working and day["date"] <= v["date"] <= day["last_date"]
            assert 8 * 60 + 30 <= minutes(v["start"]) < minutes(v["departure"]) <= 17 * 60
    # Visit k of n counts in date order, across the units' overlapping tours.
    per_commune = Counter(v["code"] for v in visits(plan))
    seen: Counter[str] = Counter()
    for v in sorted(visits(plan), key=lambda v: (v["date"], v["start"])):
        seen[v["code"]] += 1
        assert v["visit"] == f"{seen[v['code']]}/{per_commune[v['code']]}"
    # A unit never works two stops at the same time.
    for unit in {d["unit"] for d in plan["days"]}:
        spans = sorted(
            (v["date"], minutes(v["start"]), minutes(v["departure"]))
            for d in plan["days"]
            if d["unit"] == unit
            for v in d["stops"]
        )
        for a, b in itertools.pairwise(spans):
            assert a[0] < b[0] or a[2] <= b[1]


def test_force_out_is_never_visited(session: Session, index: TerritoryIndex) -> None:
    plan = plan_of(session, index, campaign(force_out=["Tissaf"]))
    tissaf = "03.131.07.09"
    assert plan["forced_out"] == [tissaf]
    assert tissaf not in {v["code"] for v in visits(plan)}
    assert next(p for p in plan["priority"] if p["code"] == tissaf)["forced"] == "out"
    assert plan["totals"]["visits"] > 0


def test_the_example_s_two_visits_to_oulad_ali_youssef_expect_the_same_mix(
    session: Session, index: TerritoryIndex
) -> None:
    """The bundled Boulemane example: Oulad Ali Youssef (3,279 inhabitants) needs two
    visits. Its patients, from the census and the attendance rates: GM 98.37, gynaecology
    31.02, paediatrics 26.95, ophthalmology 38.66; GM sets the pace (418.07 min at 120 a
    day over 510 min); the round trip from Missour is 115.03 min on the commune graph, so
    the first visit gets 510 − 115.03 − 35 = 359.97 min and the second the 58.10 left. Each
    visit expects 359.97 / 418.07 = 86.1 % and 13.9 % of every specialty: 23.21 and 3.75
    children (the first-filled split gave 26.95 and 0)."""
    with (REPO / "examples" / "caravan-boulemane.toml").open("rb") as handle:
        spec = parse_campaign(tomllib.load(handle))
    setup = prepare_campaign(
        session, spec, commune_graph_model(session), spec.start - timedelta(days=7), index
    )
    [stop] = [i for i, s in enumerate(setup.inp.stops) if s.code == "03.131.07.07"]
    expected = setup.inp.stops[stop].expected
    assert expected["paediatrics"] == pytest.approx(26.95, abs=0.01)
    assert expected["general_medicine"] == pytest.approx(98.37, abs=0.01)
    needs = plan_needs(setup.inp)
    first, second = (v for v in needs.visits if v.stop == stop)
    [base] = setup.inp.bases
    at, d = setup.inp.stops[stop].location, setup.inp.duration_minutes
    assert d[base.location, at] + d[at, base.location] == pytest.approx(115.03, abs=0.01)
    assert first.service_minutes - 30 == pytest.approx(359.97, abs=0.01)
    assert second.service_minutes - 30 == pytest.approx(58.10, abs=0.01)
    assert first.expected["paediatrics"] == pytest.approx(23.21, abs=0.01)
    assert second.expected["paediatrics"] == pytest.approx(3.75, abs=0.01)
    for specialty, total in expected.items():
        assert first.expected[specialty] / total == pytest.approx(0.861, abs=1e-3)
        assert first.expected[specialty] + second.expected[specialty] == pytest.approx(total)
    # Every commune visited twice: each visit's share of every specialty is its share of
    # the consultation time.
    twice = [v for v in needs.visits if v.of == 2]
    assert len(twice) >= 4
    length = {(v.stop, v.number): v.service_minutes - 30 for v in needs.visits}
    for v in twice:
        other = length[(v.stop, 3 - v.number)]
        share = length[(v.stop, v.number)] / (length[(v.stop, v.number)] + other)
        pair = [w for w in needs.visits if w.stop == v.stop]
        for specialty, x in v.expected.items():
            seen = sum(w.expected[specialty] for w in pair)
            assert x == pytest.approx(seen * share), (v.stop, specialty)


def test_too_few_unit_days_keeps_the_highest_scores(
    session: Session, index: TerritoryIndex
) -> None:
    start = first_monday()
    one_unit = campaign()["units"][:1]
    plan = plan_of(session, index, campaign(end=start, units=one_unit))
    kept = {v["code"] for v in visits(plan)}
    assert kept and plan["campaign"]["working_days"] == [start.isoformat()]
    assert {v["unit"] for v in visits(plan)} == {"U1"}
    dropped = {d["code"]: d for d in plan["dropped"]}
    assert len(kept) + len(dropped) == 17
    assert all(d["reason"] for d in dropped.values())
    score = {p["code"]: p["score"] for p in plan["priority"]}
    reachable = [c for c in score if "day's reach" not in dropped.get(c, {}).get("reason", "")]
    # The highest-scored commune that fits in a day is kept.
    assert max(reachable, key=lambda c: score[c]) in kept
    lowest_kept = min(score[c] for c in kept)
    for code, d in dropped.items():
        if "day's reach" in d["reason"]:
            continue
        assert "unit-days" in d["reason"]
        if "not enough unit-days" in d["reason"]:
            assert score[code] <= lowest_kept


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start": date.today() - timedelta(days=3)}, r"start: .* is in the past"),
        ({"end": date.today()}, r"end: .* is before start"),
        (
            {
                "units": [
                    {
                        "name": "U1",
                        "base": "Missour",
                        "team": "A",
                        "capacity": CAPACITY | {"paediatrics": 0},
                    }
                ]
            },
            r"units\[0\] \(U1\)\.capacity\.paediatrics: zero capacity",
        ),
        (
            {"specialties": [*SPECIALTIES, "cardiology"]},
            "no team and unit with capacity for the required specialty Cardiology",
        ),
        (
            {"teams": [{"name": "A", "staff": STAFF | {"ophthalmology": 0}}, {"name": "B"}]},
            r"teams\[1\]\.staff: Field required",
        ),
        ({"rest_days": ["monday", "tuesday", "wednesday", "thursday", "friday"]}, "every day"),
    ],
)
def test_infeasible_campaigns_name_the_constraint(
    session: Session, index: TerritoryIndex, overrides: dict[str, Any], message: str
) -> None:
    data = campaign(**overrides)
    if "rest_days" in overrides:  # two weekends' worth of rest: keep the weekdays only
        data["end"] = data["start"] + timedelta(days=4)
    with pytest.raises(CampaignError, match=message):
        plan_of(session, index, data)


def test_a_team_without_the_staff_for_its_capacity(session: Session, index: TerritoryIndex) -> None:
    teams = [{"name": "A", "staff": STAFF | {"ophthalmology": 0}}, {"name": "B", "staff": STAFF}]
    with pytest.raises(CampaignError, match=r"capacity\.ophthalmology: team A has no"):
        plan_of(session, index, campaign(teams=teams))


# ---------------------------------------------------------------------------- record


@pytest.fixture
def saved(
    scratch_factory: sessionmaker[Session], day_trips: dict[str, Any]
) -> tuple[str, list[dict[str, Any]]]:
    """The two-week plan saved in a private database: its id and visits."""
    with transaction(scratch_factory) as session:
        campaign_id = save_campaign(
            session,
            Actor.local("test"),
            parse_campaign(campaign()),
            CampaignPlan.model_validate(day_trips),
        )
    return campaign_id, visits(day_trips)


AFTER = first_monday() + timedelta(days=30)  # a `today` after every visit


def test_a_plan_reads_back_as_it_was_stored(day_trips: dict[str, Any]) -> None:
    # The stored JSON of a plan is the typed plan's dump; read back, it dumps the same.
    plan = CampaignPlan.model_validate(day_trips)
    assert plan.stored_json() == day_trips
    assert len(plan.stops) == day_trips["totals"]["visits"]
    # A plan stored before a field existed reads back without it, and dumps without it.
    older = copy.deepcopy(day_trips)
    for stop in (s for d in older["days"] for s in d["stops"]):
        del stop["public_hours"]
    again = CampaignPlan.model_validate(older)
    assert again.stored_json() == older
    assert again.stops[0].opening == (again.stops[0].start, again.stops[0].departure)


def test_saving_writes_one_row_per_visit(
    scratch_factory: sessionmaker[Session], saved: tuple[str, list[dict[str, Any]]]
) -> None:
    campaign_id, planned = saved
    with transaction(scratch_factory) as session:
        rows = session.scalars(
            select(CaravanStopRow)
            .where(CaravanStopRow.campaign_id == campaign_id)
            .order_by(CaravanStopRow.number)
        ).all()
        assert [r.number for r in rows] == [v["number"] for v in planned]
        assert [(r.commune_code, r.visit_date.isoformat(), r.unit) for r in rows] == [
            (v["code"], v["date"], v["unit"]) for v in planned
        ]
        listed = [c for c in list_campaigns(session) if c.id == campaign_id]
        assert len(listed) == 1 and listed[0].visits == len(planned)
        report = campaign_report(session, campaign_id).model_dump(mode="json")
    assert report["totals"]["visits_planned"] == len(planned)
    assert report["totals"]["done"] == 0 and report["totals"]["visits_recorded"] == 0
    assert all(r["done"] is None for r in report["stops"])


def test_record_and_report(
    scratch_factory: sessionmaker[Session],
    saved: tuple[str, list[dict[str, Any]]],
    tmp_path: Path,
) -> None:
    campaign_id, planned = saved
    one, two = planned[0], planned[1]
    path = tmp_path / "record.csv"
    path.write_text(
        "stop,kind,item,sex,age_band,count,facility,service\n"
        "1,consultation,general_medicine,F,15-49,12,,\n"
        "1,consultation,general_medicine,M,60+,8,,\n"
        "1,consultation,gynaecology_obstetrics,F,15-49,5,,\n"
        "1,consultation,paediatrics,M,0-4,7,,\n"
        "1,screening,glycaemia,,,9,,\n"
        "1,medicine,paracetamol,,,20,,\n"
        f"1,referral,general_medicine,F,60+,2,{BASE_FACILITY},ophtalmologie\n"
        "2,consultation,ophthalmology,M,50-59,4,,\n",
        encoding="utf-8",
    )
    with transaction(scratch_factory) as session:
        rows = read_record_file(path)
        assert record_visits(session, Actor.local("test"), campaign_id, rows, AFTER, str(path)) == 8
    with transaction(scratch_factory) as session:
        report = campaign_report(session, campaign_id).model_dump(mode="json")
        received = [
            r.model_dump() for r in referrals_by_facility(session, facility_id=BASE_FACILITY)
        ]
        by_campaign = [
            r.model_dump() for r in referrals_by_facility(session, campaign_id=campaign_id)
        ]
        elsewhere = [
            r.model_dump() for r in referrals_by_facility(session, facility_id="no-such-facility")
        ]
    stops = {r["number"]: r for r in report["stops"]}
    assert stops[1]["done"] == 32 and stops[1]["recorded"] is True
    assert stops[1]["done_general_medicine"] == 20 and stops[1]["done_paediatrics"] == 7
    assert (stops[1]["screenings"], stops[1]["medicines"], stops[1]["referrals"]) == (9, 20, 2)
    assert stops[2]["done"] == 4 and stops[2]["done_ophthalmology"] == 4
    assert all(r["done"] is None for n, r in stops.items() if n > 2)
    totals = report["totals"]
    assert (totals["done"], totals["screenings"], totals["medicines"], totals["referrals"]) == (
        36,
        9,
        20,
        2,
    )
    assert totals["visits_recorded"] == 2
    assert totals["communes_reached"] == len({one["code"], two["code"]})
    assert totals["planned"] == sum(sum(v["expected"].values()) for v in planned)
    assert report["by_specialty"]["general_medicine"]["done"] == 20
    assert report["by_specialty"]["ophthalmology"]["done"] == 4
    assert report["consultations_by_sex_age"] == {
        "F 15-49": 17,
        "M 0-4": 7,
        "M 50-59": 4,
        "M 60+": 8,
    }
    assert len(received) == 1 and received == by_campaign == report["referrals"]
    assert received[0]["referrals"] == 2 and received[0]["campaign_id"] == campaign_id
    assert received[0]["specialty"] == "general_medicine"
    assert received[0]["service"] == "ophtalmologie"
    assert received[0]["first_visit"] == one["date"]
    assert elsewhere == []


GOOD = {"stop": "1", "kind": "consultation", "item": "general_medicine", "sex": "F"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (GOOD | {"age_band": "15-49", "count": "-3"}, "count: '-3' is negative"),
        (GOOD | {"age_band": "15-49", "count": "2.5"}, "count: '2.5' is not a whole number"),
        (GOOD | {"age_band": "15-49", "count": "many"}, "count: 'many' is not a number"),
        (GOOD | {"age_band": "15-49", "count": "inf"}, "count: 'inf' is not a number"),
        (GOOD | {"age_band": "15-49", "count": ""}, "count: '' is not a number"),
        (GOOD | {"stop": "999", "count": "1"}, "stop: no visit number 999"),
        (
            GOOD | {"item": "gynaecology_obstetrics", "sex": "M", "count": "1"},
            "sex: gynaecology_obstetrics consultations are for sex F, not M",
        ),
        (
            GOOD | {"item": "paediatrics", "age_band": "60+", "count": "1"},
            "age_band: paediatrics is for ages 0-4, 5-14, not 60+",
        ),
        (
            GOOD | {"kind": "referral", "item": "ophthalmology", "count": "1"},
            "facility: a referral names the receiving facility",
        ),
        (
            GOOD | {"kind": "referral", "count": "1", "facility": "hosp-nowhere"},
            "facility: no facility with id 'hosp-nowhere'",
        ),
        (GOOD | {"item": "cardiology", "count": "1"}, "item: 'cardiology' is not a specialty"),
        (GOOD | {"sex": "X", "count": "1"}, "sex: 'X' is not F or M"),
        (GOOD | {"age_band": "18-25", "count": "1"}, "age_band: '18-25' is not one of"),
        (GOOD | {"kind": "vaccine", "count": "1"}, "kind: 'vaccine' is not one of"),
        (GOOD | {"count": "1", "colour": "red"}, "unknown column(s) colour"),
        (GOOD | {"count": "1e30"}, "count: '1e30' is too large"),
        (
            GOOD | {"item": "gynaecology_obstetrics", "sex": "F", "age_band": "0-4"},
            "age_band: gynaecology_obstetrics is for ages 5-14, 15-49, 50-59, 60+, not 0-4",
        ),
        (GOOD | {"item": "x" * 121, "kind": "medicine"}, "item: longer than 120 characters"),
    ],
)
def test_refused_records_name_the_field_and_write_nothing(
    scratch_factory: sessionmaker[Session],
    saved: tuple[str, list[dict[str, Any]]],
    row: dict[str, str],
    message: str,
) -> None:
    campaign_id, _ = saved
    good = GOOD | {"age_band": "15-49", "count": "10"}
    with transaction(scratch_factory) as session:
        with pytest.raises(RecordError, match="nothing was recorded") as caught:
            record_visits(
                session, Actor.local("test"), campaign_id, [(2, good), (3, row)], AFTER, "f.csv"
            )
        assert f"f.csv: row 3: {message}" in str(caught.value)
        assert "row 2" not in str(caught.value)
    with transaction(scratch_factory) as session:
        assert session.scalar(select(func.count()).select_from(CaravanRecordRow)) == 0
        assert campaign_report(session, campaign_id).totals.visits_recorded == 0


def test_more_people_than_inhabitants_is_refused(
    scratch_factory: sessionmaker[Session], saved: tuple[str, list[dict[str, Any]]]
) -> None:
    campaign_id, _ = saved
    rows = [(2, GOOD | {"age_band": "15-49", "count": "99999999"})]
    with transaction(scratch_factory) as session:
        with pytest.raises(RecordError, match="consultations exceed the commune's") as caught:
            record_visits(session, Actor.local("test"), campaign_id, rows, AFTER)
        assert "stop 1 (" in str(caught.value) and "count: 99,999,999" in str(caught.value)


def test_the_same_rows_twice_are_refused(
    scratch_factory: sessionmaker[Session], saved: tuple[str, list[dict[str, Any]]]
) -> None:
    campaign_id, _ = saved
    rows = [(2, GOOD | {"age_band": "15-49", "count": "4"})]
    with transaction(scratch_factory) as session:
        assert record_visits(session, Actor.local("test"), campaign_id, rows, AFTER, "a.csv") == 1
    with (
        transaction(scratch_factory) as session,
        pytest.raises(RecordError, match=r"already recorded on .* by test"),
    ):
        record_visits(session, Actor.local("test"), campaign_id, rows, AFTER, "a.csv")
    with transaction(scratch_factory) as session:
        assert campaign_report(session, campaign_id).totals.done == 4


def test_more_referrals_than_consultations_is_refused(
    scratch_factory: sessionmaker[Session], saved: tuple[str, list[dict[str, Any]]]
) -> None:
    campaign_id, _ = saved
    rows = [
        (2, GOOD | {"age_band": "15-49", "count": "2"}),
        (3, GOOD | {"kind": "referral", "count": "3", "facility": BASE_FACILITY}),
    ]
    with transaction(scratch_factory) as session:
        with pytest.raises(
            RecordError,
            match="count: 3 general_medicine referrals for 2 general_medicine consultations",
        ):
            record_visits(session, Actor.local("test"), campaign_id, rows, AFTER)
        # Two consultations recorded first, then one more referral than they allow.
        record_visits(session, Actor.local("test"), campaign_id, rows[:1], AFTER)
        record_visits(
            session, Actor.local("test"), campaign_id, [(2, rows[1][1] | {"count": "2"})], AFTER
        )
        with pytest.raises(
            RecordError,
            match="count: 3 general_medicine referrals for 2 general_medicine consultations",
        ):
            record_visits(
                session, Actor.local("t"), campaign_id, [(2, rows[1][1] | {"count": "1"})], AFTER
            )
    with transaction(scratch_factory) as session:
        assert campaign_report(session, campaign_id).totals.referrals == 2


def test_a_visit_in_the_future_cannot_be_recorded(
    scratch_factory: sessionmaker[Session], saved: tuple[str, list[dict[str, Any]]]
) -> None:
    campaign_id, planned = saved
    visit_day = date.fromisoformat(planned[0]["date"])
    row = GOOD | {"age_band": "15-49", "count": "1"}
    with transaction(scratch_factory) as session:
        with pytest.raises(RecordError, match=r"stop: visit 1 is planned for .*after today"):
            record_visits(
                session, Actor.local("test"), campaign_id, [(2, row)], visit_day - timedelta(days=1)
            )
        assert record_visits(session, Actor.local("test"), campaign_id, [(2, row)], visit_day) == 1


def test_unknown_campaign(scratch_factory: sessionmaker[Session]) -> None:
    with (
        transaction(scratch_factory) as session,
        pytest.raises(CampaignError, match="no campaign 'cv-nope'"),
    ):
        campaign_report(session, "cv-nope")
