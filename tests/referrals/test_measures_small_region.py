"""Waiting times, counter-referral rates and flows worked out on paper: five referrals
from CSR Aït Lhou to the HP of Tizgui, sent on 1 December 2026 at 08:00 UTC, booked 1, 2,
3, 4 and 10 days later, seen a day after booking, the first two counter-referred two days
after being seen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.referrals import measures, service
from qurb.referrals.checks import NewReferral
from qurb.referrals.model import Status
from qurb.territory.service import TerritoryIndex
from tests.regions import AIT_LHOU, HP_TIZGUI, IMI, PROVINCE_CODE, REGION_CODE, TAFRAOUT

Factory = Callable[..., sessionmaker[Session]]
CSR = "ESSP-99.991.03.05-csr-ait-lhou"
BY = Actor.local("clerk")
SENT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
BOOKED_AFTER = [1, 2, 3, 4, 10]  # days


class Moment:
    value = SENT

    def now(self) -> datetime:
        return self.value


@pytest.fixture
def region(small_region_db: Factory, monkeypatch: pytest.MonkeyPatch) -> sessionmaker[Session]:
    db = small_region_db()
    moment = Moment()
    monkeypatch.setattr(clock, "now", moment.now)
    ids = []
    with transaction(db) as s:
        for number in range(5):
            commune = TAFRAOUT if number < 3 else IMI
            new = NewReferral(
                "emonc_comprehensive", HP_TIZGUI, commune, CSR, pathway="high_risk_pregnancy"
            )
            ids.append(service.create(s, BY, new).id)
            service.move(s, BY, ids[-1], Status.ACCEPTED)
    for number, (referral, days) in enumerate(zip(ids, BOOKED_AFTER, strict=True)):
        with transaction(db) as s:
            moment.value = SENT + timedelta(days=days)
            service.move(s, BY, referral, Status.BOOKED)
            moment.value = SENT + timedelta(days=days + 1)
            service.move(s, BY, referral, Status.SEEN)
            if number < 2:
                moment.value = SENT + timedelta(days=days + 3)
                service.counter_refer(s, BY, referral, "retour")
    return db


def _columns(db: sessionmaker[Session], territory: str = REGION_CODE) -> measures.Columns:
    with db() as s:
        return measures.read_columns(
            s, TerritoryIndex.from_session(s), territory, date(2026, 12, 1), date(2026, 12, 31)
        )


def test_waiting_times_by_pathway(region: sessionmaker[Session]) -> None:
    rows = {w.interval: w for w in measures.waiting_times(_columns(region), "pathway")}
    # Sent → booked: 1, 2, 3, 4, 10 days: median 3; the 90th percentile at rank
    # 1 + 4 × 0.9 = 4.6, between 4 and 10: 4 + 0.6 × 6 = 7.6.
    assert rows["sent_to_booked"] == measures.Waiting(
        "high_risk_pregnancy", "sent_to_booked", 5, 3.0, 7.6
    )
    assert rows["booked_to_seen"] == measures.Waiting(
        "high_risk_pregnancy", "booked_to_seen", 5, 1.0, 1.0
    )
    # Sent → seen: 2, 3, 4, 5, 11: median 4, p90 5 + 0.6 × 6 = 8.6.
    assert rows["sent_to_seen"] == measures.Waiting(
        "high_risk_pregnancy", "sent_to_seen", 5, 4.0, 8.6
    )
    # Seen → counter-referred: the two that were, 2 days each.
    assert rows["seen_to_counter_referred"].count == 2
    assert rows["seen_to_counter_referred"].median_days == 2.0


def test_waiting_times_by_commune_and_for_a_province(region: sessionmaker[Session]) -> None:
    by_commune = {
        (w.group, w.interval): (w.count, w.median_days)
        for w in measures.waiting_times(_columns(region, PROVINCE_CODE), "commune")
    }
    # Tafraout's three were booked after 1, 2, 3 days; Imi n'Ouzrou's two after 4 and 10.
    assert by_commune[(TAFRAOUT, "sent_to_booked")] == (3, 2.0)
    assert by_commune[(IMI, "sent_to_booked")] == (2, 7.0)
    assert AIT_LHOU not in {g for g, _ in by_commune}


def test_counter_referral_rate_and_flows(region: sessionmaker[Session]) -> None:
    columns = _columns(region)
    [rate] = measures.counter_referral_rates(columns)
    assert (
        rate.destination_facility_id,
        rate.service,
        rate.seen,
        rate.counter_referred,
        rate.rate,
    ) == (
        HP_TIZGUI,
        "emonc_comprehensive",
        5,
        2,
        0.4,
    )
    with region() as s:
        flows = measures.flows_geojson(s, TerritoryIndex.from_session(s), columns)
    lines = [
        (f["properties"]["commune"], f["properties"]["volume"], f["geometry"]["coordinates"])
        for f in flows["features"]
    ]
    assert lines == [
        (TAFRAOUT, 3, [[-7.0, 31.2], [-7.0, 31.0]]),
        (IMI, 2, [[-7.0, 31.3], [-7.0, 31.0]]),
    ]


def test_a_range_with_no_referral_measures_nothing(region: sessionmaker[Session]) -> None:
    with region() as s:
        empty = measures.read_columns(
            s, TerritoryIndex.from_session(s), REGION_CODE, date(2027, 1, 1), date(2027, 1, 31)
        )
    assert len(empty) == 0
    assert measures.waiting_times(empty, "service") == []
    assert measures.counter_referral_rates(empty) == []
