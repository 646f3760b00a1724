"""A caravan visit's referral counts become referrals from its stop, in the transaction
that records them: the totals agree (tests/caravans' short campaign on the small region)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.caravans._tables import CaravanRecordRow, CaravanStopRow
from qurb.caravans.records import RecordError, record_visits
from qurb.caravans.service import plan_campaign
from qurb.caravans.store import save_campaign
from qurb.platform.database import transaction
from qurb.referrals import service
from qurb.referrals._tables import ReferralRow
from tests.caravans.test_service_small_region import BEFORE, BY, ONE_KM_A_MINUTE, START, _spec
from tests.regions import HP_TIZGUI

Factory = Callable[..., sessionmaker[Session]]


def _campaign(factory: sessionmaker[Session]) -> tuple[str, int]:
    spec = _spec()
    with factory() as s:
        plan = plan_campaign(s, spec, ONE_KM_A_MINUTE, BEFORE, seed=0)
    with transaction(factory) as s:
        return save_campaign(s, BY, spec, plan), plan.stops[0].number


def _row(stop: int, kind: str, count: int, **more: object) -> dict[str, object]:
    return {"stop": stop, "kind": kind, "item": "general_medicine", "count": count, **more}


def test_each_referral_count_becomes_that_many_referrals(small_region_db: Factory) -> None:
    factory = small_region_db()
    campaign_id, number = _campaign(factory)
    rows = [
        (1, _row(number, "consultation", 40, sex="F", age_band="15-49")),
        (2, _row(number, "referral", 3, sex="F", age_band="15-49", facility=HP_TIZGUI,
                 service="emonc_comprehensive")),
        (3, _row(number, "referral", 2, sex="M", age_band="60+", facility=HP_TIZGUI,
                 service="imaging")),
        # The HP does not offer ophthalmology: the count stays a count, nothing guessed.
        (4, _row(number, "referral", 4, facility=HP_TIZGUI, service="ophthalmology_ent")),
        # No service named: the same.
        (5, _row(number, "referral", 1, facility=HP_TIZGUI)),
    ]  # fmt: skip
    with transaction(factory) as s:
        assert record_visits(s, BY, campaign_id, rows, START + timedelta(days=7), "r.csv") == 5
    with factory() as s:
        stop = s.scalar(
            select(CaravanStopRow).where(
                CaravanStopRow.campaign_id == campaign_id, CaravanStopRow.number == number
            )
        )
        assert stop is not None
        made = s.scalars(select(ReferralRow).where(ReferralRow.origin_stop_id == stop.id)).all()
        records = s.scalars(
            select(CaravanRecordRow).where(
                CaravanRecordRow.stop_id == stop.id, CaravanRecordRow.kind == "referral"
            )
        ).all()
    assert sum(r.count for r in records) == 10
    assert len(made) == 5 == 10 - 4 - 1
    assert {(r.service, r.sex, r.age_band) for r in made} == {
        ("emonc_comprehensive", "F", "15-49"),
        ("imaging", "M", "60+"),
    }
    assert {r.commune_code for r in made} == {stop.commune_code}
    assert {r.destination_facility_id for r in made} == {HP_TIZGUI}
    assert all(r.status == "sent" and r.origin_record_id is not None for r in made)
    assert len({r.reference for r in made}) == 5
    # The function's own count of what it left, read again from the stored records.
    with transaction(factory) as s:
        result = service.from_caravan_records(s, BY, stop.id, stop.commune_code, records)
        s.rollback()
    assert (result.created, result.left_not_offered, result.left_unnamed) == (5, 4, 1)


def test_a_refused_record_sends_no_referral(small_region_db: Factory) -> None:
    factory = small_region_db()
    campaign_id, number = _campaign(factory)
    rows = [
        (1, _row(number, "referral", 3, facility=HP_TIZGUI, service="emonc_comprehensive")),
        (2, _row(99, "consultation", 5)),
    ]
    with pytest.raises(RecordError), transaction(factory) as s:
        record_visits(s, BY, campaign_id, rows, START + timedelta(days=7), "r.csv")
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(ReferralRow)) == 0
