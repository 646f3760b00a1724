"""What a reader sees of shared resources beside the writes: the bookings its grants
reach (a clerk's own, a manager's resources') and a resource's week as a calendar.

Who sees what: a booking is the reader's when a grant holding `resources.manage` covers
the resource's facility (its manager), or a grant holding `resources.book` covers the
booking's facility and acts for the booking's partner (its booker). In a week's
calendar a booked slot names its partner only to those two; to anyone else it is
"booked". A local actor is trusted (sees all)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qurb.identity.grant_service import live_grants, target_in
from qurb.identity.permissions import Permission
from qurb.identity.principal import Principal
from qurb.identity.scopes import Target, covers
from qurb.kernel import clock
from qurb.kernel.actor import Actor, ActorKind
from qurb.sharing._tables import BookingRow, DowntimeRow, ResourceRow, SlotRow
from qurb.sharing.booking_service import Booking, to_booking
from qurb.sharing.model import LOCAL_ZONE, check_notice, local_day
from qurb.sharing.service import facility_row, resource_row, rules_of
from qurb.territory.service import TerritoryIndex

LIST_LIMIT = 200


@dataclass(frozen=True)
class BookingFilter:
    status: str | None = None
    start_from: datetime | None = None  # a booking starting at or after it
    start_to: datetime | None = None  # before it (exclusive)
    resource_id: int | None = None


class _Reach:
    """The reader's grants, read once: over which facility it manages, and for which
    partner it books there (targets cached per facility: a list of a thousand bookings
    reads each facility once)."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.trusted = actor.kind is not ActorKind.ACCOUNT
        grants = () if self.trusted else tuple(live_grants(session, int(actor.name)))
        self.grants = Principal(grants=grants).grants
        self.index: TerritoryIndex | None = None
        self.targets: dict[tuple[str, str | None], Target] = {}

    def _target(self, facility_id: str, partner: str | None) -> Target:
        key = (facility_id, partner)
        if key not in self.targets:
            self.index = self.index or TerritoryIndex.from_session(self.session)
            commune = facility_row(self.session, facility_id).commune_code
            partners = () if partner is None else (partner,)
            self.targets[key] = target_in(
                self.index, commune, facility=facility_id, partners=partners
            )
        return self.targets[key]

    def manages(self, facility_id: str) -> bool:
        if self.trusted:
            return True
        target = self._target(facility_id, None)
        return any(
            g.live and Permission.RESOURCES_MANAGE in g.permissions and covers(g.scope, target)
            for g in self.grants
        )

    def book_partners(self, facility_id: str) -> list[str | None]:
        """The partners the reader books for at the facility (None: for no partner)."""
        found: list[str | None] = []
        for g in self.grants:
            if not (g.live and Permission.RESOURCES_BOOK in g.permissions):
                continue
            seen = g.partner_id in found
            if not seen and covers(g.scope, self._target(facility_id, g.partner_id)):
                found.append(g.partner_id)
        return found

    def books_for(self, facility_id: str, partner: str | None) -> bool:
        return self.trusted or partner in self.book_partners(facility_id)


def _sees(reach: _Reach, resource_facility: Callable[[int], str]) -> Callable[[BookingRow], bool]:
    def check(row: BookingRow) -> bool:
        home = resource_facility(row.resource_id)
        if reach.manages(home):
            return True
        return reach.books_for(row.facility_id or home, row.partner_id)

    return check


def my_bookings(
    session: Session, actor: Actor, flt: BookingFilter, limit: int = LIST_LIMIT
) -> list[Booking]:
    """The bookings matching the filter that the actor's grants reach, soonest first
    (at most `limit`)."""
    query = select(BookingRow).order_by(BookingRow.start, BookingRow.id)
    if flt.status is not None:
        query = query.where(BookingRow.status == flt.status)
    if flt.resource_id is not None:
        query = query.where(BookingRow.resource_id == flt.resource_id)
    if flt.start_from is not None:
        query = query.where(BookingRow.start >= flt.start_from)
    if flt.start_to is not None:
        query = query.where(BookingRow.start < flt.start_to)
    homes = {
        r.id: r.facility_id
        for r in session.execute(select(ResourceRow.id, ResourceRow.facility_id))
    }
    sees = _sees(_Reach(session, actor), homes.__getitem__)
    out: list[Booking] = []
    for row in session.scalars(query):
        if sees(row):
            out.append(to_booking(row))
            if len(out) >= limit:
                break
    return out


# ----------------------------------------------------------------------------- a week


@dataclass(frozen=True)
class WeekSlot:
    """One slot of the week: `state` free | booked | held | down; `bookable` a free slot
    the rules' notice lets one book now. `partner_id` and `booking_id` only for the
    booking's partner and the resource's manager; `reason` a downtime's."""

    id: int
    start: datetime
    end: datetime
    state: str
    bookable: bool
    booking_id: int | None
    booking_status: str | None
    partner_id: str | None
    reason: str | None


@dataclass(frozen=True)
class WeekDowntime:
    id: int
    start: datetime
    end: datetime | None
    reason: str


@dataclass(frozen=True)
class Week:
    """A resource's local week from Monday `first` (Africa/Casablanca), with what the
    reader may do there: manage it, book it (for `partner_id`); `today` the local day
    now (the server's clock, not the reader's)."""

    resource_id: int
    first: date
    today: date
    slots: list[WeekSlot]
    downtime: list[WeekDowntime]
    manages: bool
    books: bool
    partner_id: str | None
    facility_name: str
    facility_name_ar: str | None


def _bounds(first: date) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) local, as UTC moments."""
    start = datetime.combine(first, time(0), LOCAL_ZONE).astimezone(UTC)
    end = datetime.combine(first + timedelta(days=7), time(0), LOCAL_ZONE).astimezone(UTC)
    return start, end


def _state(slot: SlotRow, now: datetime) -> str:
    if slot.closed_by is not None:
        return "down"
    if slot.booking_id is not None:
        return "booked"
    if slot.held_for is not None and (slot.held_until is None or slot.held_until > now):
        return "held"
    return "free"


def week(session: Session, actor: Actor, resource_id: int, day: date) -> Week:
    """The resource's slots of the local week holding `day` (from its Monday), each
    with its state as the reader may see it, and the downtime over that week."""
    resource = resource_row(session, resource_id)
    first = day - timedelta(days=day.weekday())
    start, end = _bounds(first)
    reach = _Reach(session, actor)
    manages = reach.manages(resource.facility_id)
    partners = [None] if reach.trusted else reach.book_partners(resource.facility_id)
    rows = session.execute(
        select(SlotRow, BookingRow)
        .outerjoin(BookingRow, BookingRow.id == SlotRow.booking_id)
        .where(SlotRow.resource_id == resource_id, SlotRow.start >= start, SlotRow.start < end)
        .order_by(SlotRow.start)
    ).all()
    downs = session.scalars(
        select(DowntimeRow)
        .where(
            DowntimeRow.resource_id == resource_id,
            DowntimeRow.start < end,
            (DowntimeRow.end.is_(None)) | (DowntimeRow.end > start),
        )
        .order_by(DowntimeRow.start)
    ).all()
    reasons = {d.id: d.reason for d in downs}
    now, rules = clock.now(), rules_of(resource)
    slots = []
    for slot, booking in rows:
        state = _state(slot, now)
        named = booking is not None and (manages or booking.partner_id in partners)
        slots.append(
            WeekSlot(
                slot.id,
                slot.start,
                slot.end,
                state,
                state == "free" and check_notice(slot.start, now, rules) is None,
                booking.id if named else None,
                booking.status if booking is not None else None,
                booking.partner_id if named else None,
                reasons.get(slot.closed_by) if slot.closed_by is not None else None,
            )
        )
    facility = facility_row(session, resource.facility_id)
    return Week(
        resource_id,
        first,
        local_day(now),
        slots,
        [WeekDowntime(d.id, d.start, d.end, d.reason) for d in downs],
        manages,
        bool(partners),
        partners[0] if partners else None,
        facility.name,
        facility.name_ar,
    )
