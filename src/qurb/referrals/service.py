"""Referrals written: sent, moved along their statuses, counter-referred, asked as
tele-expertise, fed by the bookings of shared resources (`pending_for`, `on_booking`) and
by the caravans' visit records (`from_caravan_records`). Each write is audited in its
transaction (entity kind "referral") and tells the receiving side (the accounts holding
`referrals.handle` over the destination facility) and the referrer (the account that
sent it).

Who may: sending needs `referrals.handle` over the origin facility (a caravan stop: over
its commune); accepting, refusing, redirecting, booking, seeing, counter-referring and
answering a tele-expertise need it over the destination facility; closing, over either
(the origin closes a counter-referred one on its receipt). A local actor is trusted. A
move names the version it read (If-Match, `--if-version`): a stale one is refused."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.access.travel_models import make_model
from qurb.algo.travel import Points
from qurb.audit import service as audit
from qurb.audit.model import AuditEvent
from qurb.identity.grant_service import accounts_holding, target_in
from qurb.identity.permissions import Permission
from qurb.kernel import clock
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import Conflict, InputError, StaleVersion
from qurb.kernel.i18n import problem
from qurb.platform.alerts import NewAlert, raise_alert
from qurb.referrals._tables import ReferralEventRow, ReferralRow
from qurb.referrals.checks import Checked, NewReferral, check_new
from qurb.referrals.model import (
    NEEDS_REASON,
    RECEIVING,
    TEXT_MAX,
    Kind,
    Status,
    check_move,
    new_reference,
)
from qurb.referrals.reading import (
    Referral,
    events_of,
    facility_target,
    holds,
    origin_target,
    referral_row,
    refuse,
    to_referral,
)
from qurb.registry.lookups import facility_briefs
from qurb.territory.service import TerritoryIndex

ALERT_KIND = "referrals.status"
Versions = frozenset[int] | None  # the versions an If-Match names; None: any
# The milestone column each status stamps (waiting times are read from them).
STAMPS = {
    Status.ACCEPTED: "accepted_at",
    Status.BOOKED: "booked_at",
    Status.SEEN: "seen_at",
    Status.COUNTER_REFERRED: "counter_referred_at",
    Status.CLOSED: "closed_at",
    Status.REDIRECTED: "closed_at",
}


def who(actor: Actor) -> str:
    """How a referral names its author: an account as `account:<id>` (alerts reach it)."""
    return f"account:{actor.name}" if actor.kind is ActorKind.ACCOUNT else actor.name


def _text(field: str, value: str | None, *, required: bool = False) -> str | None:
    text = (value or "").strip() or None
    if text is None and required:
        raise InputError([problem(field, "referral_text_required")])
    if text is not None and len(text) > TEXT_MAX:
        raise InputError(
            [problem(field, "referral_text_too_long", length=len(text), limit=TEXT_MAX)]
        )
    return text


def _unique_reference(session: Session) -> str:
    """A reference not yet held (60 random bits: a clash is drawn again, never kept)."""
    while True:
        reference = new_reference()
        if session.scalar(select(ReferralRow.id).where(ReferralRow.reference == reference)) is None:
            return reference


def _audit_values(row: ReferralRow) -> dict[str, object]:
    return {"status": row.status, "version": row.version}


def _notify(
    session: Session, row: ReferralRow, event: ReferralEventRow, index: TerritoryIndex
) -> None:
    """Tell the receiving side and the referrer (one alert per account, never twice for
    an event); a counter-referral is told to the origin facility's clerks too."""
    recipients = set(
        accounts_holding(
            session,
            Permission.REFERRALS_HANDLE,
            facility_target(session, index, row.destination_facility_id),
        )
    )
    if row.created_by.startswith("account:"):
        recipients.add(int(row.created_by.removeprefix("account:")))
    if event.status == Status.COUNTER_REFERRED and row.origin_facility_id is not None:
        origin = facility_target(session, index, row.origin_facility_id)
        recipients |= set(accounts_holding(session, Permission.REFERRALS_HANDLE, origin))
    # By its id, never its reference: an alert outlives the reference's retention.
    words = {"status": event.status, "service": row.service, "id": row.id}
    for account_id in sorted(recipients):
        alert = NewAlert(
            kind=ALERT_KIND,
            dedupe_key=f"{ALERT_KIND}:{row.id}:{event.id}:{account_id}",
            subject_kind="referral",
            subject_id=str(row.id),
            words_key="alert.referral_status",
            words_values=words,
            territory_code=row.region_code,
            account_id=account_id,
        )
        raise_alert(session, alert, event.at)


def _event(
    session: Session,
    actor: Actor,
    row: ReferralRow,
    status: Status,
    reason: str | None,
    at: datetime,
) -> ReferralEventRow:
    previous = row.status
    event = ReferralEventRow(
        referral_id=row.id,
        status=status.value,
        previous=previous,
        reason=reason,
        at=at,
        actor=who(actor),
    )
    session.add(event)
    row.status, row.updated_at = status.value, at
    stamp = STAMPS.get(status)
    if status is Status.ACCEPTED and previous == Status.BOOKED.value:
        # Its booking undone: no longer booked (its acceptance keeps its first time).
        row.booked_at = None
    elif stamp is not None:
        setattr(row, stamp, at)
    session.flush()
    return event


def _write_move(
    session: Session,
    actor: Actor,
    row: ReferralRow,
    status: Status,
    reason: str | None,
    action: str,
    extra: dict[str, Any] | None = None,
) -> ReferralEventRow:
    """Move the row (already checked), audit it, tell who should know."""
    before = _audit_values(row)
    at = clock.now()
    event = _event(session, actor, row, status, reason, at)
    after: dict[str, Any] = {**_audit_values(row), **(extra or {})}
    if reason is not None:
        after["reason"] = reason
    audit.record(
        session, actor, AuditEvent(action, "referral", str(row.id), row.region_code, before, after)
    )
    _notify(session, row, event, TerritoryIndex.from_session(session))
    return event


# --------------------------------------------------------------------------- creating


def insert_checked(
    session: Session, actor: Actor, new: NewReferral, checked: Checked
) -> ReferralRow:
    assert checked.destination is not None and checked.region_code is not None
    now = clock.now()
    row = ReferralRow(
        reference=_unique_reference(session),
        kind=new.kind,
        pathway=new.pathway,
        step=new.step,
        service=new.service,
        specialty=new.specialty,
        origin_facility_id=new.origin_facility_id,
        origin_stop_id=new.origin_stop_id,
        origin_record_id=new.origin_record_id,
        destination_facility_id=checked.destination.id,
        region_code=checked.region_code,
        commune_code=(new.commune_code or "").strip(),
        age_band=new.age_band,
        sex=new.sex,
        reason=(new.reason or "").strip() or None,
        urgency=new.urgency,
        status=Status.SENT.value,
        parent_id=new.parent_id,
        sent_at=now,
        created_by=who(actor),
        updated_at=now,
    )
    session.add(row)
    session.flush()
    event = ReferralEventRow(
        referral_id=row.id,
        status=Status.SENT.value,
        previous=None,
        reason=None,
        at=now,
        actor=who(actor),
    )
    session.add(event)
    session.flush()
    after = {
        "reference": row.reference,
        "kind": row.kind,
        "service": row.service,
        "destination": row.destination_facility_id,
        "commune": row.commune_code,
        **_audit_values(row),
    }
    audit.record(
        session,
        actor,
        AuditEvent("referral.send", "referral", str(row.id), row.region_code, None, after),
    )
    _notify(session, row, event, TerritoryIndex.from_session(session))
    return row


def checked_new(
    session: Session, new: NewReferral, index: TerritoryIndex, row: int | None = None
) -> Checked:
    """The checks of `checks.check_new`, their problems raised (with the row, for a file)."""
    checked = check_new(session, new, index)
    if checked.errors:
        raise InputError([replace(e, row=row) for e in checked.errors])
    return checked


def may_send(
    session: Session, actor: Actor, new: NewReferral, checked: Checked, index: TerritoryIndex
) -> bool:
    if new.origin_facility_id is not None:
        target = facility_target(session, index, new.origin_facility_id)
    else:
        target = target_in(index, checked.origin_commune)
    return holds(session, actor, Permission.REFERRALS_HANDLE, target)


def create(session: Session, actor: Actor, new: NewReferral) -> Referral:
    """Send a referral (or a tele-expertise request): checked, written with its first
    event, audited, told to the destination's clerks."""
    index = TerritoryIndex.from_session(session)
    checked = checked_new(session, new, index)
    refuse(may_send(session, actor, new, checked, index), Permission.REFERRALS_HANDLE)
    row = insert_checked(session, actor, new, checked)
    return to_referral(row, events_of(session, row.id))


# ------------------------------------------------------------------------------ moving


def _locked(
    session: Session, actor: Actor, referral_id: int, versions: Versions, status: Status
) -> ReferralRow:
    """The row locked, the actor's right to take that move and its version checked."""
    index = TerritoryIndex.from_session(session)
    row = referral_row(session, referral_id, lock=True)
    destination = facility_target(session, index, row.destination_facility_id)
    if status in RECEIVING:
        allowed = holds(session, actor, Permission.REFERRALS_HANDLE, destination)
    else:
        origin = origin_target(
            session, index, row, row.commune_code if row.origin_stop_id else None
        )
        allowed = holds(session, actor, Permission.REFERRALS_HANDLE, destination, origin)
    refuse(allowed, Permission.REFERRALS_HANDLE)
    if versions is not None and row.version not in versions:
        raise StaleVersion("referral", str(referral_id), max(versions, default=None), row.version)
    check_move(Kind(row.kind), Status(row.status), status)
    return row


def move(
    session: Session,
    actor: Actor,
    referral_id: int,
    status: Status,
    reason: str | None = None,
    versions: Versions = None,
    destination: str | None = None,
) -> Referral:
    """Move a referral to `status`: a refusal with its reason; a redirect to `destination`
    with its reason (the new referral is returned); a counter-referral or a tele-expertise
    answer with its text in `reason`; a conversion (the new referral is returned); any
    other move as it is. A referral booked through a shared resource's booking moves on
    from booked only by its booking (`referral_booking_owned`)."""
    if status is Status.REDIRECTED:
        if not destination:
            raise InputError([problem("destination", "referral_destination_required")])
        return redirect(session, actor, referral_id, destination, reason or "", versions)
    if status is Status.COUNTER_REFERRED:
        return counter_refer(session, actor, referral_id, reason or "", versions)
    if status is Status.ANSWERED:
        return answer(session, actor, referral_id, reason or "", versions)
    if status is Status.CONVERTED:
        return convert(session, actor, referral_id, versions)
    text = _text("reason", reason, required=status in NEEDS_REASON)
    row = _locked(session, actor, referral_id, versions, status)
    if row.booking_id is not None and row.status == Status.BOOKED:
        raise Conflict(code="referral_booking_owned", values={"booking": row.booking_id})
    _write_move(session, actor, row, status, text, f"referral.{status.value}")
    return to_referral(row, events_of(session, referral_id))


def redirect(
    session: Session,
    actor: Actor,
    referral_id: int,
    destination_facility_id: str,
    reason: str,
    versions: Versions = None,
) -> Referral:
    """Send it elsewhere: the old one closed as redirected, a new one (its child) sent to
    the other destination with the same patient's values; the new one is returned."""
    text = _text("reason", reason, required=True)
    row = _locked(session, actor, referral_id, versions, Status.REDIRECTED)
    child = _child(session, actor, row, destination_facility_id, Kind(row.kind))
    _write_move(
        session, actor, row, Status.REDIRECTED, text, "referral.redirect", {"child": child.id}
    )
    return to_referral(child, events_of(session, child.id))


def _child(
    session: Session, actor: Actor, row: ReferralRow, destination: str, kind: Kind
) -> ReferralRow:
    new = NewReferral(
        service=row.service,
        destination_facility_id=destination,
        commune_code=row.commune_code,
        origin_facility_id=row.origin_facility_id,
        origin_stop_id=row.origin_stop_id,
        pathway=row.pathway,
        step=row.step,
        specialty=row.specialty,
        age_band=row.age_band,
        sex=row.sex,
        reason=row.reason,
        urgency=row.urgency,
        kind=kind.value,
        origin_record_id=row.origin_record_id,
        parent_id=row.id,
    )
    checked = checked_new(session, new, TerritoryIndex.from_session(session))
    return insert_checked(session, actor, new, checked)


def counter_refer(
    session: Session, actor: Actor, referral_id: int, answer: str, versions: Versions = None
) -> Referral:
    """The counter-referral: what was found and done, back to the origin (only a seen
    referral: any other is refused, `referral_status_order`)."""
    text = _text("answer", answer, required=True)
    row = _locked(session, actor, referral_id, versions, Status.COUNTER_REFERRED)
    row.answer = text
    _write_move(
        session,
        actor,
        row,
        Status.COUNTER_REFERRED,
        None,
        "referral.counter_refer",
        {"answer": text},
    )
    return to_referral(row, events_of(session, referral_id))


# ----------------------------------------------------------------------- tele-expertise


def road_km(session: Session, row: ReferralRow) -> float | None:
    """The road distance origin → destination (km) by the commune-graph travel-time model
    (`qurb.access`: the bundled model, its matrix's `distance_km`), one way; None when
    either end has no known place."""
    briefs = facility_briefs(
        session, [f for f in (row.origin_facility_id, row.destination_facility_id) if f]
    )
    destination = briefs.get(row.destination_facility_id)
    origin = briefs.get(row.origin_facility_id or "")
    if destination is None or origin is None:
        return None
    model = make_model(session, "commune-graph")
    start = Points(
        np.array([origin.lon]), np.array([origin.lat]), (origin.commune_code,), is_population=False
    )
    end = Points(
        np.array([destination.lon]),
        np.array([destination.lat]),
        (destination.commune_code,),
        is_population=False,
    )
    km = float(model.compute_matrix(start, end).distance_km[0, 0])
    return km if np.isfinite(km) else None


def answer(
    session: Session, actor: Actor, referral_id: int, advice: str, versions: Versions = None
) -> Referral:
    """A tele-expertise answered: the advice kept, a transfer avoided, the km saved (both
    ways of the road distance origin → destination)."""
    text = _text("answer", advice, required=True)
    row = _locked(session, actor, referral_id, versions, Status.ANSWERED)
    km = road_km(session, row)
    row.answer, row.transfer_avoided = text, True
    row.km_saved = None if km is None else round(2 * km, 1)
    extra = {"answer": text, "transfer_avoided": True, "km_saved": row.km_saved}
    _write_move(session, actor, row, Status.ANSWERED, None, "referral.answer", extra)
    return to_referral(row, events_of(session, referral_id))


def convert(
    session: Session, actor: Actor, referral_id: int, versions: Versions = None
) -> Referral:
    """A tele-expertise turned into a referral to the same destination: the new referral
    (its child) is returned."""
    row = _locked(session, actor, referral_id, versions, Status.CONVERTED)
    child = _child(session, actor, row, row.destination_facility_id, Kind.REFERRAL)
    _write_move(
        session, actor, row, Status.CONVERTED, None, "referral.convert", {"child": child.id}
    )
    return to_referral(child, events_of(session, child.id))


# ------------------------------------------------------------- the seam with sharing


def pending_for(
    session: Session, facility_id: str, specialty: str | None, service: str | None
) -> list[int]:
    """Accepted referrals not booked whose destination is the facility, for that specialty
    (when given) or service (when given), oldest sent first: their ids."""
    query = select(ReferralRow.id).where(
        ReferralRow.destination_facility_id == facility_id,
        ReferralRow.status == Status.ACCEPTED.value,
        ReferralRow.kind == Kind.REFERRAL.value,
    )
    if specialty is not None:
        query = query.where(ReferralRow.specialty == specialty)
    if service is not None:
        query = query.where(ReferralRow.service == service)
    return list(session.scalars(query.order_by(ReferralRow.sent_at, ReferralRow.id)))


BOOKING_EVENTS = {
    "booked": (Status.ACCEPTED, Status.BOOKED),
    "cancelled": (Status.BOOKED, Status.ACCEPTED),
    "displaced": (Status.BOOKED, Status.ACCEPTED),
    "checked_in": (Status.BOOKED, Status.SEEN),
    "no_show": (Status.BOOKED, Status.NO_SHOW),
}


def on_booking(
    session: Session, actor: Actor, referral_id: int, booking_id: int, event: str, at: datetime
) -> None:
    """A booking's news for its referral, in the caller's transaction, audited (the caller,
    the bookings' service, has checked its own rights). A referral not in the state the
    event needs: Conflict `referral_status_conflict`; unknown id: `referral_not_found`."""
    row = referral_row(session, referral_id, lock=True)
    if event not in BOOKING_EVENTS:
        raise Conflict(
            code="referral_booking_event", values={"event": event, "events": sorted(BOOKING_EVENTS)}
        )
    needed, target = BOOKING_EVENTS[event]
    if row.status != needed.value or (
        event != "booked" and row.booking_id not in (None, booking_id)
    ):
        values = {"id": referral_id, "status": row.status, "event": event, "needed": needed.value}
        raise Conflict(code="referral_status_conflict", values=values)
    before = {**_audit_values(row), "booking_id": row.booking_id}
    # Cancelled or displaced: the booking is forgotten (the event keeps why).
    row.booking_id = None if target is Status.ACCEPTED else booking_id
    reason = None if event == "booked" else f"booking {booking_id} {event}"
    ev = _event(session, actor, row, target, reason, at)
    after = {**_audit_values(row), "booking_id": row.booking_id, "event": event}
    audit.record(
        session,
        actor,
        AuditEvent(f"referral.{event}", "referral", str(row.id), row.region_code, before, after),
    )
    _notify(session, row, ev, TerritoryIndex.from_session(session))


# ------------------------------------------------------------------ from the caravans


@dataclass(frozen=True)
class CaravanReferrals:
    created: int  # referrals written
    # Referral counts left as counts: no destination facility or no service named (never
    # guessed), or a destination the registry says does not offer that service.
    left_unnamed: int = 0
    left_not_offered: int = 0


def from_caravan_records(
    session: Session, actor: Actor, stop_id: int, commune_code: str, rows: Sequence[Any]
) -> CaravanReferrals:
    """Each caravan referral record (`kind`, `count`, `facility_id`, `service`, `item`,
    `sex`, `age_band`, `id`) becomes `count` referrals from the stop, the patient's
    commune the stop's, in the caller's transaction (the caravans have checked the
    recorder's rights). A record without a destination facility or a service, or whose
    destination does not offer the service (by the registry), is counted and written as
    nothing: no destination is ever guessed, and the visit's record stands as recorded."""
    index = TerritoryIndex.from_session(session)
    created = unnamed = not_offered = 0
    for record in rows:
        if getattr(record, "kind", "referral") != "referral":
            continue
        if not record.facility_id or not record.service:
            unnamed += record.count
            continue
        new = NewReferral(
            service=record.service,
            destination_facility_id=record.facility_id,
            commune_code=commune_code,
            origin_stop_id=stop_id,
            specialty=record.item,
            age_band=record.age_band,
            sex=record.sex,
            origin_record_id=getattr(record, "id", None),
        )
        checked = check_new(session, new, index)
        if checked.errors:
            not_offered += record.count
            continue
        for _ in range(record.count):
            insert_checked(session, actor, new, checked)
        created += record.count
    return CaravanReferrals(created, unnamed, not_offered)
