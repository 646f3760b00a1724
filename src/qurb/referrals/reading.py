"""Referrals as the faces read them: one with its events, or a filtered list, each as
the actor may read it (`referrals.read` over its origin or its destination facility; a
referral from a caravan stop is read over the stop's commune as its origin)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from qurb.identity.grant_service import live_grants, permissions_for, target_in
from qurb.identity.permissions import Permission
from qurb.identity.principal import Principal
from qurb.identity.scopes import Target
from qurb.kernel.actor import Actor, ActorKind
from qurb.kernel.errors import Forbidden, NotFound
from qurb.referrals._tables import ReferralEventRow, ReferralRow
from qurb.registry.lookups import facility_briefs
from qurb.territory.service import TerritoryIndex

LIST_LIMIT = 1000  # referrals a list returns at most (the newest sent first)


class ReferralNotFound(NotFound):
    """No referral has this id."""


@dataclass(frozen=True)
class Event:
    status: str
    previous: str | None
    reason: str | None
    at: datetime
    actor: str


@dataclass(frozen=True)
class Referral:
    id: int
    reference: str
    kind: str
    pathway: str | None
    step: int | None
    service: str
    specialty: str | None
    origin_facility_id: str | None
    origin_stop_id: int | None
    destination_facility_id: str
    region_code: str
    commune_code: str
    age_band: str | None
    sex: str | None
    reason: str | None
    urgency: str
    status: str
    parent_id: int | None
    booking_id: int | None
    transfer_avoided: bool
    km_saved: float | None
    answer: str | None
    sent_at: datetime
    accepted_at: datetime | None
    booked_at: datetime | None
    seen_at: datetime | None
    counter_referred_at: datetime | None
    closed_at: datetime | None
    version: int
    events: tuple[Event, ...] = ()

    def values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "events"}


def to_referral(row: ReferralRow, events: Sequence[ReferralEventRow] = ()) -> Referral:
    names = [f.name for f in fields(Referral) if f.name != "events"]
    values = {n: getattr(row, n) for n in names}
    values["transfer_avoided"] = bool(row.transfer_avoided)
    return Referral(
        **values, events=tuple(Event(e.status, e.previous, e.reason, e.at, e.actor) for e in events)
    )


def referral_row(session: Session, referral_id: int, *, lock: bool = False) -> ReferralRow:
    row = session.get(ReferralRow, referral_id, with_for_update=lock, populate_existing=lock)
    if row is None:
        raise ReferralNotFound(code="referral_not_found", values={"id": referral_id})
    return row


def facility_target(session: Session, index: TerritoryIndex, facility_id: str) -> Target:
    brief = facility_briefs(session, [facility_id]).get(facility_id)
    commune = brief.commune_code if brief is not None else None
    return target_in(index, commune, facility=facility_id)


def origin_target(
    session: Session, index: TerritoryIndex, row: ReferralRow, commune: str | None
) -> Target:
    """The origin facility, or (a caravan stop) the stop's commune."""
    if row.origin_facility_id is not None:
        return facility_target(session, index, row.origin_facility_id)
    return target_in(index, commune)


def holds(session: Session, actor: Actor, permission: Permission, *targets: Target) -> bool:
    """Whether the actor holds the permission over one of the targets (local: always)."""
    if actor.kind is not ActorKind.ACCOUNT:
        return True
    account_id = int(actor.name)
    return any(permission in permissions_for(session, account_id, t) for t in targets)


def refuse(allowed: bool, needed: Permission) -> None:
    if not allowed:
        raise Forbidden(code="outside_scope", values={"needed": needed.value})


def may_read(session: Session, actor: Actor, row: ReferralRow, index: TerritoryIndex) -> bool:
    if actor.kind is not ActorKind.ACCOUNT:
        return True
    targets = [facility_target(session, index, row.destination_facility_id)]
    targets.append(
        origin_target(session, index, row, row.commune_code if row.origin_stop_id else None)
    )
    return holds(session, actor, Permission.REFERRALS_READ, *targets)


def events_of(session: Session, referral_id: int) -> list[ReferralEventRow]:
    return list(
        session.scalars(
            select(ReferralEventRow)
            .where(ReferralEventRow.referral_id == referral_id)
            .order_by(ReferralEventRow.id)
        )
    )


def get_referral(session: Session, actor: Actor, referral_id: int) -> Referral:
    """The referral with its status changes, oldest first (refused: `outside_scope`)."""
    row = referral_row(session, referral_id)
    refuse(
        may_read(session, actor, row, TerritoryIndex.from_session(session)),
        Permission.REFERRALS_READ,
    )
    return to_referral(row, events_of(session, referral_id))


@dataclass(frozen=True)
class ReferralFilter:
    status: str | None = None
    pathway: str | None = None
    service: str | None = None
    facility: str | None = None  # origin or destination
    region: str | None = None
    commune: str | None = None
    stop: int | None = None
    sent_from: datetime | None = None
    sent_to: datetime | None = None  # exclusive
    urgency: str | None = None
    # "sent": those whose origin the actor's grants reach (sent by its facilities);
    # "received": those whose destination they reach; None: either.
    direction: str | None = None


def _query(flt: ReferralFilter) -> Select[ReferralRow]:
    query = select(ReferralRow)
    simple = {
        ReferralRow.status: flt.status,
        ReferralRow.pathway: flt.pathway,
        ReferralRow.service: flt.service,
        ReferralRow.region_code: flt.region,
        ReferralRow.commune_code: flt.commune,
        ReferralRow.origin_stop_id: flt.stop,
        ReferralRow.urgency: flt.urgency,
    }
    for col, value in simple.items():
        if value is not None:
            query = query.where(col == value)
    if flt.facility is not None:
        query = query.where(
            (ReferralRow.origin_facility_id == flt.facility)
            | (ReferralRow.destination_facility_id == flt.facility)
        )
    if flt.sent_from is not None:
        query = query.where(ReferralRow.sent_at >= flt.sent_from)
    if flt.sent_to is not None:
        query = query.where(ReferralRow.sent_at < flt.sent_to)
    return query.order_by(ReferralRow.sent_at.desc(), ReferralRow.id.desc())


def _readable(
    session: Session, actor: Actor, index: TerritoryIndex
) -> Callable[[ReferralRow], tuple[bool, bool]]:
    """Whether the actor may read a row over its origin, and over its destination: the
    account's grants read once, each facility's target once (a list of a thousand rows
    asks two queries per facility, not per row)."""
    if actor.kind is not ActorKind.ACCOUNT:
        return lambda row: (True, True)
    principal = Principal(grants=tuple(live_grants(session, int(actor.name))))
    targets: dict[str, Target] = {}

    def target(facility_id: str) -> Target:
        if facility_id not in targets:
            targets[facility_id] = facility_target(session, index, facility_id)
        return targets[facility_id]

    def check(row: ReferralRow) -> tuple[bool, bool]:
        if row.origin_facility_id is not None:
            origin = target(row.origin_facility_id)
        else:
            origin = target_in(index, row.commune_code)
        destination = target(row.destination_facility_id)
        return (
            Permission.REFERRALS_READ in principal.permissions_over(origin),
            Permission.REFERRALS_READ in principal.permissions_over(destination),
        )

    return check


def _wanted(direction: str | None, origin: bool, destination: bool) -> bool:
    if direction == "sent":
        return origin
    if direction == "received":
        return destination
    return origin or destination


def list_referrals(
    session: Session, actor: Actor, flt: ReferralFilter, limit: int = LIST_LIMIT, offset: int = 0
) -> list[Referral]:
    """The referrals matching the filter that the actor may read, newest sent first, the
    first `offset` of them skipped (a page's)."""
    readable = _readable(session, actor, TerritoryIndex.from_session(session))
    out: list[Referral] = []
    skipped = 0
    for row in session.scalars(_query(flt)):
        if not _wanted(flt.direction, *readable(row)):
            continue
        if skipped < offset:
            skipped += 1
            continue
        out.append(to_referral(row))
        if len(out) >= limit:
            break
    return out


@dataclass(frozen=True)
class Names:
    """What the faces show beside a referral's codes: its facilities' names and the
    patient's commune's census names."""

    origin: str | None
    destination: str | None
    commune_fr: str | None
    commune_ar: str | None


def names_of(
    session: Session, index: TerritoryIndex, referrals: Sequence[Referral]
) -> dict[int, Names]:
    """Each referral's names, the facilities read in one query."""
    ids = {r.destination_facility_id for r in referrals}
    ids |= {r.origin_facility_id for r in referrals if r.origin_facility_id}
    briefs = facility_briefs(session, ids)
    out: dict[int, Names] = {}
    for r in referrals:
        origin = briefs.get(r.origin_facility_id or "")
        destination = briefs.get(r.destination_facility_id)
        commune = index.by_code.get(r.commune_code)
        out[r.id] = Names(
            origin.name if origin else None,
            destination.name if destination else None,
            commune.name_fr if commune else None,
            commune.name_ar if commune else None,
        )
    return out
