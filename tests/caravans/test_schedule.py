"""Campaign schedules on a hand-made territory: a base and three communes.

Travel (minutes, one way): base–A 60, base–B 60, A–B 30, base–C 300 (a round trip of ten
hours: beyond a working day of 08:00–16:00). One unit sees 100 general-medicine patients
in a full day. Setup 30 min, shortest useful visit 60 min.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from qurb.algo.routing import solve_routing
from qurb.caravans.schedule import (
    MARGIN_MINUTES,
    CaravanBase,
    CaravanStop,
    CaravanUnit,
    ScheduleInput,
    build_problem,
    plan_needs,
    read_plan,
)

START = date(2027, 3, 1)  # a Monday
DAY = 480.0  # 08:00–16:00
MINUTES = np.array(
    [
        [0, 60, 60, 300],
        [60, 0, 30, 330],
        [60, 30, 0, 330],
        [300, 330, 330, 0],
    ],
    float,
)


def schedule_input(
    days: int = 3,
    units: int = 1,
    scores: tuple[float, float, float] = (0.9, 0.5, 0.1),
    expected: tuple[float, float, float] = (50.0, 150.0, 10.0),
    required: tuple[bool, bool, bool] = (False, False, False),
    mode: str = "day-trips",
) -> ScheduleInput:
    stops = tuple(
        CaravanStop(code, code, k + 1, {"general_medicine": expected[k]}, scores[k], required[k])
        for k, code in enumerate(("A", "B", "C"))
    )
    return ScheduleInput(
        specialties=("general_medicine",),
        start_date=START,
        working_days=tuple(START + timedelta(days=d) for d in range(days)),
        hours=(480.0, 960.0),
        bases=(CaravanBase("HP", 0),),
        units=tuple(
            CaravanUnit(f"U{u + 1}", 0, "T", {"general_medicine": 100.0}) for u in range(units)
        ),
        stops=stops,
        duration_minutes=MINUTES,
        distance_km=MINUTES * 0.8,  # 48 km/h
        mode=mode,  # type: ignore[arg-type]
        max_tour_days=2,
        setup_minutes=30.0,
        min_service_minutes=60.0,
        max_days_per_stop=2,
    )


def solve(inp: ScheduleInput):  # type: ignore[no-untyped-def]
    needs = plan_needs(inp)
    problem, vehicles, owners = build_problem(inp, needs)
    solution = solve_routing(problem, time_limit_s=0.5, seed=1, resolution=10)
    return needs, read_plan(inp, needs, vehicles, owners, solution)


def test_needs_by_hand() -> None:
    needs = plan_needs(schedule_input())
    room = DAY - 120 - 30 - MARGIN_MINUTES  # 325 min of consultations after a 2 h round trip
    by_stop: dict[int, list] = {}
    for v in needs.visits:
        by_stop.setdefault(v.stop, []).append(v)
    # A: 50 patients = half a day of consultations (240 min), one visit of 30 + 240 min.
    (a,) = by_stop[0]
    assert a.service_minutes == pytest.approx(270.0)
    assert a.expected["general_medicine"] == pytest.approx(50.0)
    # B: 150 patients = 720 min; ceil(720/325) = 3 visits needed, 2 allowed, each of 325.
    b1, b2 = by_stop[1]
    assert (b1.number, b1.of, b2.number) == (1, 2, 2)
    assert b1.service_minutes == pytest.approx(30 + room)
    assert b1.expected["general_medicine"] == pytest.approx(room * 100 / DAY)
    assert needs.unmet[1]["general_medicine"] == pytest.approx(150 - 2 * room * 100 / DAY)
    # C: a 600-minute round trip leaves no time for a visit.
    (c,) = needs.unreachable
    assert c.stop == 2 and c.travel_minutes == 600
    assert "beyond a day's reach" in c.reason() and "600 min" in c.reason()
    assert "shortest visit and margin 95 min" in c.reason()  # 30 + 60 + 5


def test_a_large_commune_fills_its_first_visit() -> None:
    # B: 110 patients = 528 min; the first visit takes the 325 a day allows, the second
    # the 203 left, so losing the second visit loses the fewest patients.
    needs = plan_needs(schedule_input(expected=(50.0, 110.0, 10.0)))
    b1, b2 = (v for v in needs.visits if v.stop == 1)
    room = DAY - 120 - 30 - MARGIN_MINUTES
    assert b1.service_minutes == pytest.approx(30 + room)
    assert b2.service_minutes == pytest.approx(30 + 528 - room)
    assert b1.expected["general_medicine"] == pytest.approx(room * 100 / DAY)
    assert b1.expected["general_medicine"] + b2.expected["general_medicine"] == pytest.approx(110)
    assert 1 not in needs.unmet


def test_each_specialty_is_seen_at_its_own_pace() -> None:
    # 400 general-medicine patients (4 days' work) and 20 paediatric ones (a fifth of a
    # day): two visits see 2 × 325/480 × 100 GM patients and every child.
    inp = schedule_input(expected=(50.0, 150.0, 10.0))
    stops = list(inp.stops)
    stops[1] = CaravanStop("B", "B", 2, {"general_medicine": 400.0, "paediatrics": 20.0}, 0.5)
    units = (CaravanUnit("U1", 0, "T", {"general_medicine": 100.0, "paediatrics": 100.0}),)
    inp = ScheduleInput(
        **{
            **vars(inp),
            "specialties": ("general_medicine", "paediatrics"),
            "stops": tuple(stops),
            "units": units,
        }
    )
    needs = plan_needs(inp)
    b1, b2 = (v for v in needs.visits if v.stop == 1)
    room = DAY - 120 - 30 - MARGIN_MINUTES
    # Both visits last 325 min: each expects half the children (not all on the first).
    assert b1.expected["paediatrics"] == pytest.approx(10.0)
    assert b2.expected["paediatrics"] == pytest.approx(10.0)
    assert needs.unmet[1]["paediatrics"] == pytest.approx(0.0)
    assert needs.unmet[1]["general_medicine"] == pytest.approx(400 - 2 * room * 100 / DAY)


# Oulad Ali Youssef in the bundled Boulemane example: its expected patients (census ×
# attendance rates), a 184-min round trip from Missour, 08:30–17:00 (510 min), and the
# example's capacities a day.
OAY_EXPECTED = {
    "general_medicine": 98.37,
    "gynaecology_obstetrics": 31.02,
    "paediatrics": 26.95,
    "ophthalmology": 38.66,
}
OAY_CAPACITY = {
    "general_medicine": 120.0,
    "gynaecology_obstetrics": 40.0,
    "paediatrics": 50.0,
    "ophthalmology": 50.0,
}


def oulad_ali_youssef(days: int) -> ScheduleInput:
    minutes = np.array([[0.0, 92.0], [92.0, 0.0]])
    return ScheduleInput(
        specialties=tuple(OAY_EXPECTED),
        start_date=START,
        working_days=tuple(START + timedelta(days=d) for d in range(days)),
        hours=(510.0, 1020.0),
        bases=(CaravanBase("Missour", 0),),
        units=(CaravanUnit("U1", 0, "A", OAY_CAPACITY),),
        stops=(CaravanStop("03.131.07.07", "Oulad Ali Youssef", 1, OAY_EXPECTED, 0.53),),
        duration_minutes=minutes,
        distance_km=minutes * 0.8,
        setup_minutes=30.0,
        min_service_minutes=60.0,
        max_days_per_stop=2,
    )


def test_oulad_ali_youssef_visits_share_every_specialty() -> None:
    """GM sets the pace: 98.37/120 × 510 = 418.07 min. The first visit takes the
    510 − 184 − 30 − 5 = 291 min a day leaves, the second the 127.07 left; each visit
    expects every specialty's patients × its share of the 418.07 min (291/418.07 = 0.6960),
    where the first-filled split gave the first visit all 26.95 children, the second none."""
    needs = plan_needs(oulad_ali_youssef(days=2))
    first, second = needs.visits
    assert first.service_minutes == pytest.approx(30 + 291)
    assert second.service_minutes == pytest.approx(30 + 127.07, abs=0.01)
    assert first.expected["paediatrics"] == pytest.approx(18.76, abs=0.01)
    assert second.expected["paediatrics"] == pytest.approx(8.19, abs=0.01)
    assert first.expected["general_medicine"] == pytest.approx(68.47, abs=0.01)
    assert second.expected["general_medicine"] == pytest.approx(29.90, abs=0.01)
    for s, total in OAY_EXPECTED.items():
        assert first.expected[s] + second.expected[s] == pytest.approx(total)  # all seen
        assert first.expected[s] / total == pytest.approx(0.6960, abs=1e-4)
        # Within the daily capacity: a specialty's share needs at most the visit's length.
        for visit in (first, second):
            assert visit.expected[s] / OAY_CAPACITY[s] * 510 <= visit.service_minutes - 30 + 1e-9
    assert not needs.unmet
    # Two days: the plan keeps both visits, with these figures.
    _, plan = solve(oulad_ali_youssef(days=2))
    planned = sorted(
        (v.expected["paediatrics"] for r in plan.routes for v in r.visits), reverse=True
    )
    assert planned == [pytest.approx(18.8), pytest.approx(8.2)]


def test_a_lone_visit_sees_what_its_day_allows() -> None:
    """One working day: only the 291-min visit fits. Each specialty then sees what 291 min
    allow, up to its patients: children 26.95 (275.4 min needed), GM 291/510 × 120 =
    68.47, gynaecology 291/510 × 40 = 22.82, ophthalmology 291/510 × 50 = 28.53."""
    _, plan = solve(oulad_ali_youssef(days=1))
    [visit] = [v for r in plan.routes for v in r.visits]
    assert visit.expected == {
        "general_medicine": pytest.approx(68.5),
        "gynaecology_obstetrics": pytest.approx(22.8),
        "paediatrics": pytest.approx(27.0),  # 26.95, rounded to a tenth
        "ophthalmology": pytest.approx(28.5),
    }
    assert plan.unmet["03.131.07.07"] == {
        "general_medicine": pytest.approx(29.9),
        "gynaecology_obstetrics": pytest.approx(8.2),
        "paediatrics": pytest.approx(0.0),
        "ophthalmology": pytest.approx(10.1),
    }


def test_every_visit_fits_in_three_days() -> None:
    _, plan = solve(schedule_input())
    visits = [v for r in plan.routes for v in r.visits]
    assert sorted((v.code, v.number) for v in visits) == [("A", 1), ("B", 1), ("B", 2)]
    assert len({v.date for v in visits}) == 3  # each visit fills most of a day
    for route in plan.routes:
        assert route.leave >= 480 and route.back <= 960 + 1e-6
        for v in route.visits:
            assert 480 <= v.arrival <= v.start < v.departure <= 960
            # Day trips: the unit leaves at 08:00 and drives an hour to A or B.
            assert v.start == pytest.approx(route.leave + 60, abs=0.2)
    (dropped,) = plan.dropped
    assert dropped.code == "C" and "beyond a day's reach" in dropped.reason
    assert dropped.reason_code == "beyond_day_reach"
    assert dropped.reason_values == {"base": "HP", "travel": 600, "needed": 95, "day": 480}
    # C is not visited: all its 10 expected patients are unmet; B's overflow too.
    assert plan.unmet["C"] == {"general_medicine": 10.0}
    assert plan.unmet["B"]["general_medicine"] == pytest.approx(150 - 2 * 325 * 100 / DAY, abs=0.1)
    assert "A" not in plan.unmet


def test_one_unit_day_keeps_the_highest_score() -> None:
    _, plan = solve(schedule_input(days=1))
    (route,) = plan.routes
    assert [v.code for v in route.visits] == ["A"]  # score 0.9; B (0.5) does not fit too
    reasons = {d.code: d.reason for d in plan.dropped}
    assert "not enough unit-days (1 for the campaign)" in reasons["B"]
    assert "below every commune kept" in reasons["B"]
    b = next(d for d in plan.dropped if d.code == "B")
    assert b.reason_code == "lower_priority"
    assert b.reason_values == {"unit_days": 1, "score": 0.5, "lowest_kept": 0.9}


def test_a_forced_commune_wins_over_a_better_score() -> None:
    _, plan = solve(schedule_input(days=1, required=(False, True, False)))
    (route,) = plan.routes
    assert [v.code for v in route.visits] == ["B"]
    assert {d.code for d in plan.dropped} == {"A", "C"}


def test_two_small_stops_share_a_day() -> None:
    # 20 patients each: 96 min of consultations; A and B 30 min apart fit in one day trip.
    _, plan = solve(schedule_input(days=1, expected=(20.0, 20.0, 10.0)))
    (route,) = plan.routes
    assert sorted(v.code for v in route.visits) == ["A", "B"]
    assert route.travel_minutes == pytest.approx(60 + 30 + 60)
    assert route.distance_km == pytest.approx(150 * 0.8)


def test_a_tour_reaches_the_far_commune() -> None:
    _, plan = solve(schedule_input(days=2, mode="tours", expected=(20.0, 20.0, 10.0)))
    visited = {v.code for r in plan.routes for v in r.visits}
    assert "C" in visited
    assert not plan.dropped
    for route in plan.routes:
        for v in route.visits:
            assert v.start >= 480 and v.departure <= 960 + 1e-6


def test_tours_stop_at_rest_days_and_at_a_day_s_drive() -> None:
    inp = schedule_input(days=1, mode="tours")
    days = (START, START + timedelta(days=1), START + timedelta(days=3), START + timedelta(days=4))
    far = MINUTES.copy()
    far[0, 3] = far[3, 0] = 500.0  # C now 500 min one way: more than a working day
    inp = ScheduleInput(**{**vars(inp), "working_days": days, "duration_minutes": far})
    needs = plan_needs(inp)
    (c,) = needs.unreachable
    assert c.stop == 2 and "beyond a day's drive: 500 min one way" in c.reason()
    _, vehicles, _ = build_problem(inp, needs)
    # Wednesday is a rest day: two tours, Monday–Tuesday and Thursday–Friday.
    assert sorted({v.days for v in vehicles}) == [days[:2], days[2:]]
