"""Referrals on the small region (tests/regions.py): CSR Aït Lhou (prenatal care,
chronic-disease follow-up) refers to the Hôpital provincial de Tizgui (comprehensive
EmONC; no ophthalmology, no university care). Each bad input of the issue is refused with
its code and writes nothing; each write is audited and told to the destination's clerks
and to the referrer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from qurb.access.travel_models import make_model
from qurb.algo.travel import Points
from qurb.audit import service as audit
from qurb.identity.accounts import account_actor
from qurb.identity.permissions import Role
from qurb.identity.scopes import Scope
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Conflict, Forbidden, InputError, NotFound, StaleVersion
from qurb.platform.alerts import AlertRow
from qurb.platform.database import transaction
from qurb.referrals import service
from qurb.referrals._tables import ReferralEventRow, ReferralRow
from qurb.referrals.checks import NewReferral
from qurb.referrals.model import ReferralStatusOrder, Status, is_reference
from qurb.referrals.reading import ReferralFilter, get_referral, list_referrals
from qurb.registry.service import close_facility
from tests.accounts import add_account
from tests.regions import AIT_LHOU, HP_TIZGUI, PROVINCE_CODE, REGION_CODE, TAFRAOUT

Factory = Callable[..., sessionmaker[Session]]
CSR = "ESSP-99.991.03.05-csr-ait-lhou"
LOCAL = Actor.local("clerk")
MOMENT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(small_region_db: Factory, monkeypatch: pytest.MonkeyPatch) -> sessionmaker[Session]:
    monkeypatch.setattr(clock, "now", lambda: MOMENT)
    return small_region_db()


def _new(**changes: object) -> NewReferral:
    values: dict[str, object] = {
        "service": "emonc_comprehensive",
        "destination_facility_id": HP_TIZGUI,
        "commune_code": TAFRAOUT,
        "origin_facility_id": CSR,
        "pathway": "high_risk_pregnancy",
        "step": 1,
        "age_band": "15-49",
        "sex": "F",
        "reason": "pré-éclampsie suspectée",
        "urgency": "urgent",
    }
    return NewReferral(**{**values, **changes})  # type: ignore[arg-type]


def _counts(db: sessionmaker[Session]) -> tuple[int, int, int]:
    with db() as s:
        referrals = s.scalar(select(func.count()).select_from(ReferralRow)) or 0
        events = s.scalar(select(func.count()).select_from(ReferralEventRow)) or 0
        return referrals, events, audit.count(s)


def test_a_referral_goes_along_its_statuses_and_back(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        sent = service.create(s, LOCAL, _new())
    assert is_reference(sent.reference)
    assert (sent.status, sent.region_code, sent.commune_code, sent.version) == (
        "sent",
        REGION_CODE,
        TAFRAOUT,
        1,
    )
    steps = [(Status.ACCEPTED, None), (Status.BOOKED, None), (Status.SEEN, None)]
    version = sent.version
    for status, reason in steps:
        with transaction(db) as s:
            moved = service.move(s, LOCAL, sent.id, status, reason, frozenset({version}))
        assert moved.status == status.value and moved.version == version + 1
        version = moved.version
    with transaction(db) as s:
        back = service.counter_refer(
            s, LOCAL, sent.id, "césarienne, mère et enfant bien", frozenset({version})
        )
        closed = service.move(s, LOCAL, sent.id, Status.CLOSED)
    assert (back.status, back.answer) == ("counter_referred", "césarienne, mère et enfant bien")
    with db() as s:
        read = get_referral(s, LOCAL, sent.id)
    assert closed.status == read.status == "closed"
    assert [(e.previous, e.status) for e in read.events] == [
        (None, "sent"), ("sent", "accepted"), ("accepted", "booked"), ("booked", "seen"),
        ("seen", "counter_referred"), ("counter_referred", "closed"),
    ]  # fmt: skip
    assert read.sent_at == read.accepted_at == read.counter_referred_at == read.closed_at == MOMENT
    # One audit entry per write (after the region's own history).
    with db() as s:
        actions = [e.action for e in audit.entries(s, audit.EntryFilter(entity_kind="referral"))]
    assert sorted(actions) == sorted(
        ["referral.send", "referral.accepted", "referral.booked", "referral.seen",
         "referral.counter_refer", "referral.closed"]
    )  # fmt: skip


def test_a_destination_without_the_service_is_refused(db: sessionmaker[Session]) -> None:
    before = _counts(db)
    with pytest.raises(InputError) as caught, transaction(db) as s:
        service.create(
            s, LOCAL, _new(service="ophthalmology_ent", pathway="diabetic_retinopathy", step=1)
        )
    [problem] = caught.value.errors
    assert (problem.field, problem.code) == ("destination", "referral_service_not_offered")
    assert problem.values == {"facility": HP_TIZGUI, "service": "ophthalmology_ent"}
    assert _counts(db) == before


def test_a_referral_without_a_commune_is_refused(db: sessionmaker[Session]) -> None:
    before = _counts(db)
    for commune, code in [(None, "referral_commune_required"), ("  ", "referral_commune_required"),
                          (PROVINCE_CODE, "referral_not_a_commune")]:  # fmt: skip
        with pytest.raises(InputError) as caught, transaction(db) as s:
            service.create(s, LOCAL, _new(commune_code=commune))
        assert [(p.field, p.code) for p in caught.value.errors] == [("commune", code)]
    assert _counts(db) == before


def test_a_step_asking_another_service_than_its_level_is_refused(db: sessionmaker[Session]) -> None:
    with pytest.raises(InputError) as caught, transaction(db) as s:
        service.create(s, LOCAL, _new(step=0))
    [problem] = caught.value.errors
    assert (problem.field, problem.code, problem.values["expected"]) == (
        "step",
        "referral_step_service",
        "prenatal_care",
    )


def test_an_out_of_order_status_change_is_refused(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        sent = service.create(s, LOCAL, _new())
    before = _counts(db)
    with pytest.raises(ReferralStatusOrder) as caught, transaction(db) as s:
        service.move(s, LOCAL, sent.id, Status.SEEN)
    assert caught.value.values["from"] == "sent" and caught.value.values["to"] == "seen"
    # A refusal needs its reason; a stale version is refused too.
    with pytest.raises(InputError), transaction(db) as s:
        service.move(s, LOCAL, sent.id, Status.REFUSED)
    with pytest.raises(StaleVersion), transaction(db) as s:
        service.move(s, LOCAL, sent.id, Status.ACCEPTED, versions=frozenset({7}))
    assert _counts(db) == before


def test_a_counter_referral_needs_a_seen_referral(db: sessionmaker[Session]) -> None:
    with pytest.raises(NotFound) as missing, transaction(db) as s:
        service.counter_refer(s, LOCAL, 4242, "retour")
    assert missing.value.code == "referral_not_found"
    with transaction(db) as s:
        sent = service.create(s, LOCAL, _new())
    before = _counts(db)
    with pytest.raises(ReferralStatusOrder) as early, transaction(db) as s:
        service.counter_refer(s, LOCAL, sent.id, "retour")
    assert early.value.values["from"] == "sent" and early.value.values["to"] == "counter_referred"
    assert _counts(db) == before


def test_a_redirect_makes_a_child_and_closes_the_parent(db: sessionmaker[Session]) -> None:
    # Prenatal care asked of the CSR by the HP, redirected to a CSU nearer the patient.
    with transaction(db) as s:
        first = service.create(
            s,
            LOCAL,
            _new(
                service="prenatal_care",
                destination_facility_id=CSR,
                pathway=None,
                step=None,
                origin_facility_id=HP_TIZGUI,
            ),
        )
        moved = service.move(
            s,
            LOCAL,
            first.id,
            Status.REDIRECTED,
            "plus proche",
            destination="ESSP-99.991.01.01-csu-centre",
        )
    with db() as s:
        parent = get_referral(s, LOCAL, first.id)
    assert (parent.status, parent.closed_at) == ("redirected", MOMENT)
    assert (moved.parent_id, moved.status, moved.destination_facility_id) == (
        first.id,
        "sent",
        "ESSP-99.991.01.01-csu-centre",
    )
    assert moved.reference != parent.reference


def test_the_seam_with_bookings(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        a = service.create(s, LOCAL, _new(specialty="gynaecology_obstetrics"))
        b = service.create(s, LOCAL, _new())
        service.move(s, LOCAL, a.id, Status.ACCEPTED)
        service.move(s, LOCAL, b.id, Status.ACCEPTED)
    with db() as s:
        assert service.pending_for(s, HP_TIZGUI, None, None) == [a.id, b.id]
        assert service.pending_for(s, HP_TIZGUI, "gynaecology_obstetrics", None) == [a.id]
        assert service.pending_for(s, HP_TIZGUI, None, "imaging") == []
    with transaction(db) as s:
        service.on_booking(s, LOCAL, a.id, 17, "booked", MOMENT)
    with pytest.raises(Conflict) as owned, transaction(db) as s:
        service.move(s, LOCAL, a.id, Status.SEEN)
    assert owned.value.code == "referral_booking_owned"
    with transaction(db) as s:
        service.on_booking(s, LOCAL, a.id, 17, "displaced", MOMENT)
        # Its booking undone, it is not booked: no sent → booked time is measured.
        undone = get_referral(s, LOCAL, a.id)
        assert (undone.status, undone.booked_at, undone.booking_id) == ("accepted", None, None)
        assert service.pending_for(s, HP_TIZGUI, None, None) == [a.id, b.id]
        service.on_booking(s, LOCAL, a.id, 18, "booked", MOMENT)
        service.on_booking(s, LOCAL, a.id, 18, "checked_in", MOMENT)
    with db() as s:
        read = get_referral(s, LOCAL, a.id)
    assert (read.status, read.booking_id) == ("seen", 18)
    assert [e.status for e in read.events] == [
        "sent",
        "accepted",
        "booked",
        "accepted",
        "booked",
        "seen",
    ]
    with pytest.raises(Conflict) as wrong, transaction(db) as s:
        service.on_booking(s, LOCAL, b.id, 19, "no_show", MOMENT)
    assert wrong.value.code == "referral_status_conflict"
    with pytest.raises(NotFound), transaction(db) as s:
        service.on_booking(s, LOCAL, 999, 19, "booked", MOMENT)


def test_a_tele_expertise_answered_counts_the_km_saved(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        asked = service.create(s, LOCAL, _new(kind="tele_expertise"))
        answered = service.move(
            s, LOCAL, asked.id, Status.ANSWERED, "sulfate de magnésium, revoir J+2"
        )
        model = make_model(s, "commune-graph")
        one_way = model.compute_matrix(
            Points(np.array([-7.0]), np.array([31.11]), (AIT_LHOU,), is_population=False),
            Points(np.array([-7.0]), np.array([31.0]), ("99.991.01.01",), is_population=False),
        ).distance_km[0, 0]
    assert answered.transfer_avoided and answered.status == "answered"
    assert answered.km_saved == round(2 * float(one_way), 1)
    # At least the straight line both ways: 0.11° of latitude = 12.23 km.
    assert answered.km_saved is not None and answered.km_saved >= 2 * 12.2
    with transaction(db) as s:
        other = service.create(s, LOCAL, _new(kind="tele_expertise"))
        child = service.move(s, LOCAL, other.id, Status.CONVERTED)
    assert (child.kind, child.parent_id, child.status) == ("referral", other.id, "sent")


def test_who_may_send_receive_and_read_and_who_is_told(db: sessionmaker[Session]) -> None:
    origin = add_account(db, "csr", Role.REFERRAL_CLERK, Scope(facilities=[CSR]))
    destination = add_account(db, "hp", Role.REFERRAL_CLERK, Scope(facilities=[HP_TIZGUI]))
    province = add_account(db, "province", Role.REFERRAL_CLERK, Scope(territories=[PROVINCE_CODE]))
    viewer = add_account(db, "viewer", Role.VIEWER, Scope(facilities=[CSR]))
    as_origin, as_destination = (
        account_actor(origin.account_id),
        account_actor(destination.account_id),
    )
    with pytest.raises(Forbidden), transaction(db) as s:
        service.create(s, as_destination, _new())
    with transaction(db) as s:
        sent = service.create(s, as_origin, _new())
    with pytest.raises(Forbidden), transaction(db) as s:
        service.move(s, as_origin, sent.id, Status.ACCEPTED)
    with transaction(db) as s:
        service.move(s, as_destination, sent.id, Status.ACCEPTED)
    with db() as s:
        told = s.execute(
            select(AlertRow.account_id, AlertRow.words_values).where(
                AlertRow.kind == "referrals.status"
            )
        ).all()
        assert [
            r.id for r in list_referrals(s, account_actor(viewer.account_id), ReferralFilter())
        ] == []
        with pytest.raises(Forbidden):
            get_referral(s, account_actor(viewer.account_id), sent.id)
    # Sent: the HP's clerk and the province's (over the HP) and the sender; accepted: the same.
    recipients = sorted(a for a, _ in told)
    expected = sorted([destination.account_id, province.account_id, origin.account_id] * 2)
    assert recipients == expected


def test_a_closed_destination_receives_no_referral(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        close_facility(s, LOCAL, HP_TIZGUI, "travaux")
    with pytest.raises(InputError) as caught, transaction(db) as s:
        service.create(s, LOCAL, _new())
    [problem] = caught.value.errors
    assert (problem.field, problem.code) == ("destination", "referral_facility_closed")
