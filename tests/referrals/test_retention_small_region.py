"""The retention job: a referral closed more than five years ago, or sent more than six
years ago whatever its status, loses its reference and its words; its counts stay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from qurb.audit import service as audit
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.referrals import retention_job, service
from qurb.referrals._tables import ReferralEventRow, ReferralRow
from qurb.referrals.checks import NewReferral
from qurb.referrals.model import Status
from tests.regions import HP_TIZGUI, TAFRAOUT

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("clerk")
T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_old_referrals_lose_their_words(
    small_region_db: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = small_region_db()
    monkeypatch.setattr(clock, "now", lambda: T0)
    new = NewReferral(
        "emonc_comprehensive", HP_TIZGUI, TAFRAOUT, "ESSP-99.991.03.05-csr-ait-lhou", reason="motif"
    )
    with transaction(db) as s:
        closed = service.create(s, BY, new)
        service.move(s, BY, closed.id, Status.REFUSED, "pas de lit")
        service.move(s, BY, closed.id, Status.CLOSED)
        still_open = service.create(s, BY, new)
    year = timedelta(days=365.25)
    with transaction(db) as s:
        assert retention_job.run(s, T0 + 4 * year).counts == {"erased": 0}
    with transaction(db) as s:
        assert retention_job.run(s, T0 + 5 * year + timedelta(days=1)).counts == {"erased": 1}
    with db() as s:
        row = s.get(ReferralRow, closed.id)
        assert row is not None
        assert (row.reference, row.reason, row.status, row.service, row.commune_code) == (
            f"X-{closed.id}", None, "closed", "emonc_comprehensive", TAFRAOUT,
        )  # fmt: skip
        reasons = s.scalars(
            select(ReferralEventRow.reason).where(ReferralEventRow.referral_id == closed.id)
        )
        assert set(reasons) == {None}
        kept = s.get(ReferralRow, still_open.id)
        assert kept is not None and kept.reference == still_open.reference
        found = audit.entries(
            s, audit.EntryFilter(entity_kind="referral", entity_id=str(closed.id))
        )
        [entry] = [e for e in found if e.action == "referral.erase"]
        assert entry.after == {"erased": ["reference", "reason"]}
    with transaction(db) as s:
        # Six years after it was sent, the open one too; nothing is erased twice.
        assert retention_job.run(s, T0 + 6 * year + timedelta(days=1)).counts == {"erased": 1}
        assert retention_job.run(s, T0 + 7 * year).counts == {"erased": 0}
