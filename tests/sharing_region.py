"""A shared scanner on the small region (tests/regions.py), for the tests of shared
resources: the Hôpital provincial de Tizgui shares it Monday to Friday 08:00–12:00 local
(UTC+1 in December: 07:00–11:00 UTC), 40-minute uses and 20 minutes of cleaning (4 slots a
day at 07:00, 08:00, 09:00 and 10:00 UTC), 24 h minimum notice, 30 days maximum. The clock
stands on Monday 7 December 2026 at 06:00 UTC. Two partner hospitals book it: `hp-tizgui`
and `csr-ait-lhou`, each through a referral clerk of the province acting for it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from qurb.conventions._tables import ConventionRow
from qurb.identity._partner_tables import PartnerRow
from qurb.identity.accounts import account_actor
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.registry._tables import EquipmentRow
from qurb.sharing.service import OpeningInput, RuleInput, set_availability, share_equipment
from tests.accounts import add_account
from tests.regions import HP_TIZGUI, PROVINCE_CODE, TIZGUI

PARTNER_A = "hp-tizgui"
PARTNER_B = "csr-ait-lhou"
CSR_AIT_LHOU = "ESSP-99.991.03.05-csr-ait-lhou"
WEEKDAYS = [OpeningInput(d, "08:00", "12:00") for d in range(5)]
RULES = RuleInput(slot_minutes=40, buffer_minutes=20, min_notice_hours=24, max_notice_days=30)


def utc(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.moment = utc(7, 6)

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def sharing_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fixed = Clock()
    monkeypatch.setattr(clock, "now", fixed.now)
    return fixed


class Scanner:
    """The small region with its shared scanner (resource `self.resource`)."""

    def __init__(self, db: sessionmaker[Session], rules: RuleInput = RULES) -> None:
        self.db = db
        now = clock.now()
        with transaction(db) as s:
            for pid, facility in ((PARTNER_A, HP_TIZGUI), (PARTNER_B, CSR_AIT_LHOU)):
                s.add(
                    PartnerRow(
                        id=pid,
                        kind="hospital",
                        name_fr=pid,
                        name_ar=pid,
                        territory_code=PROVINCE_CODE,
                        facility_id=facility,
                        active=True,
                        created_at=now,
                        updated_at=now,
                    )
                )
            convention = ConventionRow(
                reference="CONV-TEST-1",
                title_fr="Convention de mutualisation",
                kind="partnership",
                status="signed",
                created_at=now,
                created_by="test",
                updated_at=now,
            )
            scanner = EquipmentRow(
                facility_id=HP_TIZGUI,
                kind="ct_scanner",
                model="Scanner 64 barrettes",
                status="working",
                source="test",
                updated_at=now,
            )
            s.add_all([convention, scanner])
            s.flush()
            self.convention, self.equipment = convention.id, scanner.id
        province = Scope(territories=[PROVINCE_CODE])
        self.manager = add_account(db, "manager", Role.RESOURCE_MANAGER, province)
        self.clerk_a = add_account(db, "clerk_a", Role.REFERRAL_CLERK, province, partner=PARTNER_A)
        self.clerk_b = add_account(db, "clerk_b", Role.REFERRAL_CLERK, province, partner=PARTNER_B)
        self.elsewhere = add_account(
            db, "elsewhere", Role.RESOURCE_MANAGER, Scope(territories=["99.991.03"])
        )
        self.local = Actor.local("admin")
        with transaction(db) as s:
            self.resource = share_equipment(
                s, self.actor("manager"), self.equipment, rules, "imaging"
            ).id
            self.slots_made = set_availability(s, self.actor("manager"), self.resource, WEEKDAYS)

    def actor(self, who: str) -> Actor:
        actor = account_actor(getattr(self, who).account_id)
        partner = {"clerk_a": PARTNER_A, "clerk_b": PARTNER_B}.get(who)
        return replace(actor, partner=partner)


DECEMBER = date(2026, 12, 1)
TIZGUI_COMMUNE = TIZGUI
