"""The shared resources' routes (`/api/sharing/...`): resources and their availability,
the next free slots of a specialty in a region, bookings and their life, downtime,
missions, quotas, the waiting list, utilisation and the monthly reconciliation.

Each route names the permission it needs and acts over the resource's facility (its
commune, or a facilities scope naming it); a booking over the booker's facility, for the
partner of the account's grant. The services check again and audit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from qurb.identity.grant_service import target_in
from qurb.identity.guard import Guard, needs
from qurb.identity.permissions import Permission
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.kernel.errors import Forbidden, QurbError
from qurb.kernel.values import TERRITORY_CODE_PATTERN
from qurb.platform.http import SessionDep, StateDep
from qurb.platform.schemas import ERROR_RESPONSES
from qurb.sharing import booking_service as bookings
from qurb.sharing import calendar_service as calendar
from qurb.sharing import measures, quota_service
from qurb.sharing import service as resources
from qurb.sharing import views_service as views
from qurb.sharing.model import local_day
from qurb.sharing.schemas import (
    AvailabilityIn,
    BookingIn,
    BookingRead,
    DowntimeIn,
    DowntimeRead,
    MaterialisedRead,
    MissionIn,
    MissionRead,
    Month,
    Name,
    PartnerLineRead,
    QuotaIn,
    QuotaRead,
    ReasonIn,
    RescheduleIn,
    ResourceIn,
    ResourceRead,
    SlotRead,
    UtilisationRead,
    WaitingIn,
    WaitingRead,
    WeekRead,
)
from qurb.territory.api import IndexDep
from qurb.territory.service import TerritoryIndex

router = APIRouter(prefix="/api/sharing", tags=["sharing"], responses=ERROR_RESPONSES)

Read = Annotated[Guard, needs(Permission.REGISTRY_READ)]
Manage = Annotated[Guard, needs(Permission.RESOURCES_MANAGE)]
Book = Annotated[Guard, needs(Permission.RESOURCES_BOOK)]
Id = Annotated[int, Path(ge=1, le=2**31 - 1, description="an id")]


def _over(guard: Guard, session: Session, index: TerritoryIndex, facility_id: str) -> Actor:
    """The actor over a facility (its grant and partner named), else 403."""
    commune = resources.facility_row(session, facility_id).commune_code
    return guard.over(target_in(index, commune, facility=facility_id))


def _over_resource(
    guard: Guard, session: Session, index: TerritoryIndex, resource_id: int
) -> Actor:
    return _over(guard, session, index, resources.resource_row(session, resource_id).facility_id)


def _over_booking(guard: Guard, session: Session, index: TerritoryIndex, booking_id: int) -> Actor:
    """The booker over its booking's facility, or the manager over the resource's."""
    row = bookings.get_booking(session, booking_id)
    try:
        return _over(guard, session, index, row.facility_id or "")
    except (Forbidden, QurbError):
        return _over_resource(guard, session, index, row.resource_id)


@router.get("/resources", response_model=list[ResourceRead], summary="The shared resources")
def list_resources(
    session: SessionDep, guard: Read, specialty: Annotated[Name | None, Query()] = None
) -> list[ResourceRead]:
    return [ResourceRead(**r.__dict__) for r in resources.list_resources(session, specialty)]


@router.post(
    "/resources",
    response_model=ResourceRead,
    status_code=201,
    summary="Make an equipment item or a visiting specialist shareable (resources.manage)",
)
def share(body: ResourceIn, state: StateDep, index: IndexDep, guard: Manage) -> ResourceRead:
    if (body.equipment_id is None) == (body.specialist_id is None):
        raise QurbError(code="sharing_one_item")
    rules = resources.RuleInput(**body.rules.model_dump())
    with state.write() as session:
        if body.equipment_id is not None:
            equipment = resources.equipment_facility(session, body.equipment_id)
            actor = _over(guard, session, index, equipment)
            made = resources.share_equipment(
                session, actor, body.equipment_id, rules, body.service, body.label
            )
        else:
            assert body.specialist_id is not None
            home = resources.specialist_facility(session, body.specialist_id)
            actor = _over(guard, session, index, home)
            made = resources.share_specialist(
                session, actor, body.specialist_id, rules, body.service
            )
    return ResourceRead(**made.__dict__)


@router.get("/resources/{resource_id}", response_model=ResourceRead, summary="A shared resource")
def get_resource(resource_id: Id, session: SessionDep, guard: Read) -> ResourceRead:
    return ResourceRead(**resources.get_resource(session, resource_id).__dict__)


@router.put(
    "/resources/{resource_id}/availability",
    response_model=MaterialisedRead,
    summary="Replace a resource's weekly openings (resources.manage): its slots made again",
)
def availability(
    resource_id: Id, body: AvailabilityIn, state: StateDep, index: IndexDep, guard: Manage
) -> MaterialisedRead:
    openings = [resources.OpeningInput(**o.model_dump()) for o in body.openings]
    with state.write() as session:
        actor = _over_resource(guard, session, index, resource_id)
        added, removed = resources.set_availability(session, actor, resource_id, openings)
    return MaterialisedRead(added=added, removed=removed)


@router.get(
    "/slots",
    response_model=list[SlotRead],
    summary="The next free slots of a specialty (in a territory when given), soonest first",
)
def free_slots(
    session: SessionDep,
    guard: Read,
    index: IndexDep,
    specialty: Annotated[Name, Query()],
    region: Annotated[str | None, Query(pattern=TERRITORY_CODE_PATTERN)] = None,
    after: Annotated[datetime | None, Query(alias="from")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[SlotRead]:
    moment = after or clock.now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not 2000 <= moment.year <= 2100:
        raise QurbError(code="sharing_bad_moment", values={"got": str(after)})
    found = resources.next_free_slots(session, specialty, region, moment, limit, index)
    return [SlotRead(**s.__dict__) for s in found]


@router.post(
    "/bookings",
    response_model=BookingRead,
    status_code=201,
    summary="Book consecutive slots of a resource (resources.book); 409 slot_taken if another "
    "booking has one",
)
def book(body: BookingIn, state: StateDep, index: IndexDep, guard: Book) -> BookingRead:
    with state.write() as session:
        facility = body.facility_id or resources.resource_row(session, body.resource_id).facility_id
        actor = _over(guard, session, index, facility)
        made = bookings.book(
            session,
            actor,
            body.resource_id,
            body.start,
            body.slots,
            facility_id=facility,
            referral_id=body.referral_id,
            note=body.note,
        )
    return BookingRead(**made.__dict__)


@router.get(
    "/resources/{resource_id}/bookings",
    response_model=list[BookingRead],
    summary="A resource's bookings (resources.manage)",
)
def resource_bookings(
    resource_id: Id, session: SessionDep, index: IndexDep, guard: Manage
) -> list[BookingRead]:
    _over_resource(guard, session, index, resource_id)
    return [BookingRead(**b.__dict__) for b in bookings.list_bookings(session, resource_id)]


@router.post(
    "/bookings/{booking_id}/cancel",
    response_model=BookingRead,
    summary="Cancel a booking (its partner, or the resource's manager): the waiting list offered",
)
def cancel(
    booking_id: Id, body: ReasonIn, state: StateDep, index: IndexDep, guard: Book
) -> BookingRead:
    with state.write() as session:
        actor = _over_booking(guard, session, index, booking_id)
        return BookingRead(**bookings.cancel(session, actor, booking_id, body.reason).__dict__)


@router.post(
    "/bookings/{booking_id}/reschedule",
    response_model=BookingRead,
    summary="Move a booking to other slots (its partner, or the resource's manager)",
)
def reschedule(
    booking_id: Id, body: RescheduleIn, state: StateDep, index: IndexDep, guard: Book
) -> BookingRead:
    with state.write() as session:
        actor = _over_booking(guard, session, index, booking_id)
        return BookingRead(**bookings.reschedule(session, actor, booking_id, body.start).__dict__)


def _managed(
    state: StateDep,
    index: TerritoryIndex,
    guard: Guard,
    booking_id: int,
    act: str,
    reason: str | None = None,
) -> BookingRead:
    with state.write() as session:
        row = bookings.get_booking(session, booking_id)
        actor = _over_resource(guard, session, index, row.resource_id)
        if act == "approve":
            done = bookings.approve(session, actor, booking_id)
        elif act == "refuse":
            done = bookings.refuse(session, actor, booking_id, reason or "")
        else:
            done = bookings.check_in(session, actor, booking_id)
    return BookingRead(**done.__dict__)


@router.post(
    "/bookings/{booking_id}/approve",
    response_model=BookingRead,
    summary="Confirm a requested booking (resources.manage)",
)
def approve(booking_id: Id, state: StateDep, index: IndexDep, guard: Manage) -> BookingRead:
    return _managed(state, index, guard, booking_id, "approve")


@router.post(
    "/bookings/{booking_id}/refuse",
    response_model=BookingRead,
    summary="Refuse a requested booking, with why (resources.manage)",
)
def refuse(
    booking_id: Id, body: ReasonIn, state: StateDep, index: IndexDep, guard: Manage
) -> BookingRead:
    return _managed(state, index, guard, booking_id, "refuse", body.reason)


@router.post(
    "/bookings/{booking_id}/check-in",
    response_model=BookingRead,
    summary="The booked patient or use came (resources.manage)",
)
def check_in(booking_id: Id, state: StateDep, index: IndexDep, guard: Manage) -> BookingRead:
    return _managed(state, index, guard, booking_id, "check_in")


@router.post(
    "/resources/{resource_id}/downtime",
    response_model=DowntimeRead,
    status_code=201,
    summary="A resource out of use (resources.manage): its slots closed, bookings displaced",
)
def downtime(
    resource_id: Id, body: DowntimeIn, state: StateDep, index: IndexDep, guard: Manage
) -> DowntimeRead:
    with state.write() as session:
        actor = _over_resource(guard, session, index, resource_id)
        made = calendar.add_downtime(session, actor, resource_id, body.start, body.end, body.reason)
    return DowntimeRead(**made.__dict__)


@router.post(
    "/resources/{resource_id}/missions",
    response_model=MissionRead,
    status_code=201,
    summary="A visiting specialist's day at a host facility (resources.manage)",
)
def mission(
    resource_id: Id, body: MissionIn, state: StateDep, index: IndexDep, guard: Manage
) -> MissionRead:
    with state.write() as session:
        actor = _over_resource(guard, session, index, resource_id)
        made = calendar.add_mission(
            session, actor, resource_id, body.facility_id, body.day, body.opens, body.closes
        )
    return MissionRead(**{**made.__dict__, "held": list(made.held)})


@router.get(
    "/resources/{resource_id}/missions",
    response_model=list[MissionRead],
    summary="A visiting specialist's missions",
)
def missions(resource_id: Id, session: SessionDep, guard: Read) -> list[MissionRead]:
    resources.resource_row(session, resource_id)
    return [
        MissionRead(**{**m.__dict__, "held": list(m.held)})
        for m in calendar.list_missions(session, resource_id)
    ]


@router.put(
    "/resources/{resource_id}/quotas",
    response_model=QuotaRead,
    summary="A partner's monthly share of a resource under a convention (resources.manage)",
)
def quota(
    resource_id: Id, body: QuotaIn, state: StateDep, index: IndexDep, guard: Manage
) -> QuotaRead:
    with state.write() as session:
        actor = _over_resource(guard, session, index, resource_id)
        made = quota_service.set_quota(session, actor, resource_id, **body.model_dump())
    return QuotaRead(**made.__dict__)


@router.get(
    "/resources/{resource_id}/quotas",
    response_model=list[QuotaRead],
    summary="A resource's quotas (in a month when given)",
)
def list_quotas(
    resource_id: Id,
    session: SessionDep,
    index: IndexDep,
    guard: Read,
    month: Annotated[Month | None, Query()] = None,
) -> list[QuotaRead]:
    _over_resource(guard, session, index, resource_id)
    return [QuotaRead(**q.__dict__) for q in quota_service.quotas(session, resource_id, month)]


@router.post(
    "/resources/{resource_id}/waiting",
    response_model=WaitingRead,
    status_code=201,
    summary="Wait for a slot of a resource between two dates (resources.book)",
)
def wait(
    resource_id: Id, body: WaitingIn, state: StateDep, index: IndexDep, guard: Book
) -> WaitingRead:
    with state.write() as session:
        facility = body.facility_id or resources.resource_row(session, resource_id).facility_id
        actor = _over(guard, session, index, facility)
        made = bookings.add_waiting(
            session,
            actor,
            resource_id,
            body.wanted_from,
            body.wanted_to,
            facility_id=facility,
            referral_id=body.referral_id,
        )
    return WaitingRead(**made.__dict__)


@router.get(
    "/resources/{resource_id}/waiting",
    response_model=list[WaitingRead],
    summary="A resource's waiting list (resources.manage)",
)
def waiting_list(
    resource_id: Id, session: SessionDep, index: IndexDep, guard: Manage
) -> list[WaitingRead]:
    _over_resource(guard, session, index, resource_id)
    return [WaitingRead(**w.__dict__) for w in bookings.list_waiting(session, resource_id)]


@router.delete(
    "/waiting/{waiting_id}",
    response_model=WaitingRead,
    summary="Withdraw from a waiting list (resources.book)",
)
def withdraw(waiting_id: Id, state: StateDep, index: IndexDep, guard: Book) -> WaitingRead:
    with state.write() as session:
        resource_id = bookings.waiting_resource(session, waiting_id)
        actor = _over_resource(guard, session, index, resource_id)
        return WaitingRead(**bookings.withdraw_waiting(session, actor, waiting_id).__dict__)


@router.get(
    "/resources/{resource_id}/utilisation",
    response_model=UtilisationRead,
    summary="A resource's month: slots open, booked, used, no-shows, closed; share booked",
)
def utilisation(
    resource_id: Id,
    session: SessionDep,
    index: IndexDep,
    guard: Read,
    month: Annotated[Month, Query()],
) -> UtilisationRead:
    _over_resource(guard, session, index, resource_id)
    return UtilisationRead(**measures.utilisation(session, resource_id, month).__dict__)


@router.get(
    "/resources/{resource_id}/reconciliation",
    response_model=list[PartnerLineRead],
    summary="The month's reconciliation per partner (quota, booked, used, no-shows, "
    "cancelled, released) for the steering committee",
)
def reconciliation(
    resource_id: Id,
    session: SessionDep,
    index: IndexDep,
    guard: Read,
    month: Annotated[Month, Query()],
) -> list[PartnerLineRead]:
    _over_resource(guard, session, index, resource_id)
    lines = measures.reconciliation(session, resource_id, month)
    return [PartnerLineRead(**line.__dict__) for line in lines]


BookingStatus = Literal[
    "requested", "confirmed", "checked_in", "cancelled", "refused", "no_show", "displaced"
]


@router.get(
    "/bookings",
    response_model=list[BookingRead],
    summary="The bookings the account's grants reach, soonest first: its partner's "
    "(resources.book), those on the resources it manages (resources.manage)",
)
def my_bookings(
    session: SessionDep,
    guard: Book,
    status: Annotated[BookingStatus | None, Query()] = None,
    start_from: Annotated[datetime | None, Query(alias="from")] = None,
    start_to: Annotated[datetime | None, Query(alias="to", description="exclusive")] = None,
    resource_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = views.LIST_LIMIT,
) -> list[BookingRead]:
    moments = [_aware(start_from), _aware(start_to)]
    flt = views.BookingFilter(status, moments[0], moments[1], resource_id)
    found = views.my_bookings(session, guard.actor, flt, limit)
    return [BookingRead(**b.__dict__) for b in found]


def _aware(moment: datetime | None) -> datetime | None:
    """A moment of the filter (UTC when written without its offset), of this century."""
    if moment is None:
        return None
    if not 2000 <= moment.year <= 2100:
        raise QurbError(code="sharing_bad_moment", values={"got": moment.isoformat()})
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@router.get(
    "/resources/{resource_id}/week",
    response_model=WeekRead,
    summary="A resource's local week from the Monday of `day` (default today): each slot "
    "free, booked, held or down, and what the reader may do there",
)
def resource_week(
    resource_id: Id,
    session: SessionDep,
    guard: Read,
    day: Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2100, 12, 31))] = None,
) -> WeekRead:
    found = views.week(session, guard.actor, resource_id, day or local_day(clock.now()))
    return WeekRead(
        **{
            **found.__dict__,
            "slots": [s.__dict__ for s in found.slots],
            "downtime": [d.__dict__ for d in found.downtime],
        }
    )
