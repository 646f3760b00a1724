"""Outbreak signals on the small region of `tests/regions.py`, worked out by hand.

CSU Ouled Amar, alone in its commune, reports typhoid weeks 2026W37 to W48: 1 or 2
cases a week, then 20 in W48. Twelve weeks are too few for Noufaily (5 years): EARS C2,
whose baseline is W39–W45 (mean 1.43, sd 0.53; upper bound 1.43 + 3.09 × 0.53 ≈ 3.08,
alpha 0.001), alarms on 20, at the
facility and at its commune (its only facility: completeness 100 %). The province (six
facilities reporting the notifiable diseases, one received: 17 %) is NA, no alarm."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from qurb.platform.alerts import AlertRow
from qurb.platform.database import transaction
from qurb.watch._tables import SignalRow
from qurb.watch.service import (
    RawValue,
    ReportInput,
    confirm_report,
    correct_report,
    submit_report,
)
from qurb.watch.signals_job import run as run_job
from qurb.watch.signals_model import SignalStatus
from tests.regions import HP_TIZGUI, OULED_AMAR, PROVINCE_CODE, TIZGUI
from tests.watch_reports import (
    CATCHMENTS,
    CSU_CENTRE,
    CSU_HAY_SALAM,
    CSU_OULED_AMAR,
    PROVINCE,
    REPORTER,
    Clock,
    Factory,
    moment,
)

__all__ = ["moment"]

BASELINE = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]  # W37..W47


@pytest.fixture
def db(small_region_db: Factory, moment: Clock) -> sessionmaker[Session]:
    return small_region_db()


def _session(db: sessionmaker[Session]) -> Iterator[Session]:
    return transaction(db)  # type: ignore[return-value]


def _report(db: sessionmaker[Session], facility: str, week: int, element: str, count: int) -> int:
    values = [RawValue(element, "m|15+", count, "values[0].value")]
    with _session(db) as s:
        return submit_report(
            s, REPORTER, ReportInput("mdo", facility, f"2026W{week}", values), CATCHMENTS
        ).id


def _typhoid(count: int) -> list[RawValue]:
    return [RawValue("typhoid", "m|15+", count, "values[0].value")]


def _series(db: sessionmaker[Session], facility: str, spike: int = 20) -> int:
    for week, count in zip(range(37, 48), BASELINE, strict=True):
        _report(db, facility, week, "typhoid", count)
    return _report(db, facility, 48, "typhoid", spike)


def _signals(db: sessionmaker[Session]) -> list[tuple[str, str, str, str, str, bool, bool]]:
    with _session(db) as s:
        rows = s.scalars(select(SignalRow).order_by(SignalRow.unit_code)).all()
        return [
            (r.unit_code, r.level, r.week, r.method, r.status, r.alarm, r.provisional) for r in rows
        ]


def test_a_spike_alarms_at_the_facility_and_its_commune(db: sessionmaker[Session]) -> None:
    _series(db, CSU_OULED_AMAR)
    assert _signals(db) == [
        (OULED_AMAR, "commune", "2026W48", "ears-c2", "active", True, True),
        (CSU_OULED_AMAR, "facility", "2026W48", "ears-c2", "active", True, True),
    ]
    with _session(db) as s:
        row = s.scalars(select(SignalRow).where(SignalRow.level == "facility")).one()
        assert (row.observed, row.upperbound is not None) == (20, True)
        assert row.upperbound is not None and 3.0 < row.upperbound < 3.1
        alerts = s.scalars(select(AlertRow)).all()
    assert {(a.territory_code, a.permission) for a in alerts} == {(OULED_AMAR, "reports.read")}


def test_a_week_whose_completeness_is_below_80_percent_is_na(db: sessionmaker[Session]) -> None:
    """Tizgui holds the HP and two CSU: all three report W37–W47, only CSU Centre W48
    (33 %): the facility alarms, its commune is NA."""
    for facility in (HP_TIZGUI, CSU_HAY_SALAM):
        for week in range(37, 48):
            _report(db, facility, week, "typhoid", 0)
    _series(db, CSU_CENTRE)
    assert [(u, lvl) for u, lvl, *_ in _signals(db)] == [(CSU_CENTRE, "facility")]
    assert TIZGUI not in {u for u, *_ in _signals(db)}


def test_a_correction_lowering_the_count_revises_the_alarm_and_raising_it_again(
    db: sessionmaker[Session],
) -> None:
    report = _series(db, CSU_OULED_AMAR)
    with _session(db) as s:
        correct_report(s, PROVINCE, report, _typhoid(2), "typing error", catchments=CATCHMENTS)
    assert [(u, status, alarm) for u, _, _, _, status, alarm, _ in _signals(db)] == [
        (OULED_AMAR, "revised", False),
        (CSU_OULED_AMAR, "revised", False),
    ]
    with _session(db) as s:
        assert all(r.revised_at is not None for r in s.scalars(select(SignalRow)))
        latest = correct_report(s, PROVINCE, report + 1, _typhoid(20), "the first was right",
                                catchments=CATCHMENTS).id  # fmt: skip
    # back above its bound: the same rows active again, no second alert
    assert [(u, status) for u, _, _, _, status, _, _ in _signals(db)] == [
        (OULED_AMAR, "active"),
        (CSU_OULED_AMAR, "active"),
    ]
    with _session(db) as s:
        assert len(s.scalars(select(AlertRow)).all()) == 2
        confirm_report(s, PROVINCE, latest)
    assert [provisional for *_, provisional in _signals(db)] == [False, False]


def test_one_case_of_an_immediate_disease_alarms(db: sessionmaker[Session]) -> None:
    _report(db, CSU_OULED_AMAR, 48, "cholera", 1)
    found = _signals(db)
    assert (CSU_OULED_AMAR, "facility", "2026W48", "single-case", "active", True, True) in found
    assert {u for u, *_ in found} == {CSU_OULED_AMAR, OULED_AMAR, PROVINCE_CODE, "99"}


def test_the_job_is_idempotent(small_region_db: Factory, moment: Clock) -> None:
    """On 3 December W48 is the latest week due (its due date 1 December): the job finds
    the two alarms (the facility and its commune), the second run nothing new."""
    from qurb.platform.database import make_sessionmaker

    db = small_region_db()
    _series(db, CSU_OULED_AMAR)
    writer = make_sessionmaker(db.kw["bind"], write=True)
    with _session(writer) as s:  # what the reports' writes kept, gone: the job alone finds it
        s.execute(SignalRow.__table__.delete())
        s.execute(AlertRow.__table__.delete())
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    with _session(writer) as s:
        first = run_job(s, now)
    with _session(writer) as s:
        second = run_job(s, now)
    assert (first.counts["raised"], len(first.alerts)) == (2, 2)
    assert (second.counts["raised"], second.alerts) == (0, ())
    with _session(writer) as s:
        assert len(s.scalars(select(AlertRow)).all()) == 2


def test_the_signals_are_listed_within_a_territory(
    db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from qurb.app.cli import app
    from qurb.watch.signals import list_signals

    _series(db, CSU_OULED_AMAR)
    with _session(db) as s:
        assert [x.unit_code for x in list_signals(s, PROVINCE_CODE)] == [CSU_OULED_AMAR, OULED_AMAR]
        assert list_signals(s, TIZGUI) == []  # the other commune holds none
        assert list_signals(s, PROVINCE_CODE, SignalStatus.REVISED) == []
    monkeypatch.setenv("QURB_LANG", "en")
    url = db.kw["bind"].url.render_as_string(hide_password=False)
    ran = CliRunner().invoke(app, ["watch", "signals", "-t", OULED_AMAR, "-f", "json", "--db", url])
    assert ran.exit_code == 0, ran.output
    rows = json.loads(ran.stdout)["rows"]
    assert [(r["unit_code"], r["method"], r["observed"]) for r in rows] == [
        (CSU_OULED_AMAR, "ears-c2", 20),
        (OULED_AMAR, "ears-c2", 20),
    ]
