"""Five years of weekly reports make a Noufaily signal, end to end: CSU Ouled Amar (alone
in its commune) reports typhoid every week from 2021W45 to 2026W47 (263 weeks, the history
Noufaily's b = 5 years and w = 3 weeks need, seeded counts of 0 to 3), then 15 cases in
2026W48, all in one batch. The facility's and the commune's signal for 2026W48 use
Noufaily's settings, and their expected count and upper bound are those of the pure
detection (`qurb.algo.outbreak`, itself equal to R `surveillance`) on the same dated
series, in which the weeks before the first report are unknown (NA, as R reads them):
R's window, taken by date, reaches a week before 2021W45 (five years back is 260.9
weeks), and a series that started at 2021W45 would give another expected count
(1.42096 against 1.42128, R's as ours)."""

from __future__ import annotations

import json
import math
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from qurb.algo.outbreak.methods import detect
from qurb.algo.outbreak.series import WeeklySeries
from qurb.platform.database import transaction
from qurb.watch._tables import SignalRow
from qurb.watch.service import RawValue, ReportInput, submit_reports
from qurb.watch.signals_model import METHOD_OPTIONS, NOUFAILY, NOUFAILY_WEEKS
from qurb.watch.signals_series import week_code
from tests.regions import OULED_AMAR
from tests.watch_reports import CATCHMENTS, CSU_OULED_AMAR, REPORTER, Clock, Factory, moment

__all__ = ["moment"]

W48 = date.fromisocalendar(2026, 48, 1)
SPIKE = 15


@pytest.fixture
def db(small_region_db: Factory, moment: Clock) -> sessionmaker[Session]:
    return small_region_db()


def test_five_years_of_reports_give_a_noufaily_signal_equal_to_the_pure_detection(
    db: sessionmaker[Session],
) -> None:
    rng = random.Random(2013)
    mondays = [W48 - timedelta(weeks=k) for k in range(NOUFAILY_WEEKS, -1, -1)]
    counts = [rng.choice((0, 1, 1, 2, 2, 3)) for _ in mondays[:-1]] + [SPIKE]
    assert week_code(mondays[0]) == "2021W45"
    reports = [
        ReportInput("mdo", CSU_OULED_AMAR, week_code(m), [RawValue("typhoid", "m|15+", c, "value")])
        for m, c in zip(mondays, counts, strict=True)
    ]
    with transaction(db) as session:
        submit_reports(session, REPORTER, reports, CATCHMENTS)
    before = [mondays[0] - timedelta(weeks=k) for k in range(NOUFAILY_WEEKS, 0, -1)]
    pure = detect(
        WeeklySeries((None,) * len(before) + tuple(counts), tuple(before + mondays)),
        NOUFAILY,
        range(len(before) + NOUFAILY_WEEKS, len(before) + NOUFAILY_WEEKS + 1),
        METHOD_OPTIONS[NOUFAILY],
    )
    assert pure.alarm == (True,) and pure.upperbound[0] is not None
    with transaction(db) as session:
        rows = session.scalars(
            select(SignalRow).where(SignalRow.week == "2026W48").order_by(SignalRow.level)
        ).all()
        found = [(r.unit_code, r.level, r.method, r.alarm, r.observed) for r in rows]
        assert found == [
            (OULED_AMAR, "commune", NOUFAILY, True, SPIKE),
            (CSU_OULED_AMAR, "facility", NOUFAILY, True, SPIKE),
        ]
        for row in rows:
            assert row.expected is not None and row.upperbound is not None
            assert math.isclose(row.expected, pure.expected[0] or 0.0, rel_tol=1e-9)
            assert math.isclose(row.upperbound, pure.upperbound[0], rel_tol=1e-9)
            assert json.loads(row.parameters)["b"] == 5
