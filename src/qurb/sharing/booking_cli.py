"""`qurb sharing book|cancel|reschedule|approve|refuse|check-in|bookings|wait|waiting|
withdraw`: a shared resource's bookings and waiting list from the command line, as the
token's account: a referral clerk books, moves and cancels for its partner over its
facility (`resources.book`); the resource's manager approves, refuses and checks in
(`resources.manage` over the resource's facility). Each write audited by its service. The
lists read the database as its operator, as the other reads of the command line do."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from qurb.platform.cli import DbOption, FormatOption, open_session, out
from qurb.platform.output import OutputFormat, render, say
from qurb.sharing.cli import (
    SOURCES,
    ResourceArgument,
    _moment,
    _rows,
    acting,
    manager,
    sharing_app,
)

BookingArgument = Annotated[int, typer.Argument(min=1, help="The booking's id.")]
FacilityOption = Annotated[
    str | None,
    typer.Option("--facility", help="The booking facility (default: the resource's)."),
]
ReferralOption = Annotated[
    int | None, typer.Option("--referral", min=1, help="For this accepted referral.")
]
BOOKING_COLUMNS = [
    "id", "resource_id", "partner_id", "facility_id", "referral_id", "start", "end", "slots",
    "status", "from_pool",
]  # fmt: skip
WAITING_COLUMNS = [
    "id", "resource_id", "partner_id", "referral_id", "wanted_from", "wanted_to", "status",
    "offered_slot",
]  # fmt: skip


def _booker_or_manager(session: Any, booking_id: int) -> Any:
    """The booker over its facility (for its partner), else the resource's manager: the
    first of the token's grants that covers the act; else refused by the service."""
    from qurb.identity.permissions import Permission
    from qurb.kernel.errors import Forbidden
    from qurb.sharing.booking_service import get_booking
    from qurb.sharing.service import resource_row

    booking = get_booking(session, booking_id)
    where = resource_row(session, booking.resource_id).facility_id
    tries = [(Permission.RESOURCES_BOOK, booking.facility_id or where)]
    tries.append((Permission.RESOURCES_MANAGE, where))
    refused: Forbidden | None = None
    for permission, place in tries:
        try:
            return acting(session, permission, place)
        except Forbidden as error:
            refused = refused or error
    assert refused is not None
    raise refused


@sharing_app.command("book")
def book_cmd(
    resource_id: ResourceArgument,
    start: Annotated[str, typer.Option("--start", help="The first slot's start (ISO 8601).")],
    slots: Annotated[int, typer.Option("--slots", min=1, max=12, help="Consecutive slots.")] = 1,
    facility: FacilityOption = None,
    referral: ReferralOption = None,
    db: DbOption = None,
) -> None:
    """Book slots of a shared resource, as the token's account (for its partner)."""
    from qurb.identity.permissions import Permission
    from qurb.platform.database import default_url
    from qurb.sharing.booking_service import book
    from qurb.sharing.service import resource_row

    with open_session(db or default_url(), write=True) as session:
        moment = _moment(start)
        where = facility or resource_row(session, resource_id).facility_id
        actor = acting(session, Permission.RESOURCES_BOOK, where)
        done = book(
            session, actor, resource_id, moment, slots, facility_id=where, referral_id=referral
        )
    words = {"id": done.id, "status": done.status, "start": done.start.isoformat()}
    out.print(say("cli.sharing.booked", **words))


@sharing_app.command("cancel")
def cancel_cmd(
    booking_id: BookingArgument,
    reason: Annotated[str | None, typer.Option("--reason", help="Why.")] = None,
    db: DbOption = None,
) -> None:
    """Cancel a booking, as the token's account: its slots freed."""
    from qurb.platform.database import default_url
    from qurb.sharing.booking_service import cancel

    with open_session(db or default_url(), write=True) as session:
        done = cancel(session, _booker_or_manager(session, booking_id), booking_id, reason)
    out.print(say("cli.sharing.cancelled", id=done.id))


@sharing_app.command("reschedule")
def reschedule_cmd(
    booking_id: BookingArgument,
    start: Annotated[str, typer.Option("--start", help="The new first slot's start (ISO 8601).")],
    db: DbOption = None,
) -> None:
    """Move a booking to other slots (as many), as the token's account: the new ones
    claimed and the old ones freed in one write."""
    from qurb.platform.database import default_url
    from qurb.sharing.booking_service import reschedule

    with open_session(db or default_url(), write=True) as session:
        moment = _moment(start)
        done = reschedule(session, _booker_or_manager(session, booking_id), booking_id, moment)
    words = {"id": done.id, "status": done.status, "start": done.start.isoformat()}
    out.print(say("cli.sharing.booked", **words))


def _decide(booking_id: int, act: str, reason: str | None, db: str | None) -> None:
    from qurb.platform.database import default_url
    from qurb.sharing.booking_service import approve, check_in, get_booking, refuse

    with open_session(db or default_url(), write=True) as session:
        actor = manager(session, get_booking(session, booking_id).resource_id)
        if act == "approve":
            done = approve(session, actor, booking_id)
        elif act == "refuse":
            done = refuse(session, actor, booking_id, reason or "")
        else:
            done = check_in(session, actor, booking_id)
    out.print(say("cli.sharing.booking_status", id=done.id, status=done.status))


@sharing_app.command("approve")
def approve_cmd(booking_id: BookingArgument, db: DbOption = None) -> None:
    """Confirm a requested booking, as the token's account (the resource's manager)."""
    _decide(booking_id, "approve", None, db)


@sharing_app.command("refuse")
def refuse_cmd(
    booking_id: BookingArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why, told to the booker.")],
    db: DbOption = None,
) -> None:
    """Refuse a requested booking with why, as the token's account (the resource's
    manager): its slots freed and offered to the waiting list."""
    _decide(booking_id, "refuse", reason, db)


@sharing_app.command("check-in")
def check_in_cmd(booking_id: BookingArgument, db: DbOption = None) -> None:
    """The booked patient or use came, as the token's account (the resource's manager)."""
    _decide(booking_id, "check_in", None, db)


@sharing_app.command("bookings")
def bookings_cmd(
    resource_id: ResourceArgument,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """A resource's bookings, soonest first (a read of the database as its operator)."""
    from qurb.sharing.booking_service import list_bookings
    from qurb.sharing.service import resource_row

    with open_session(db) as session:
        resource_row(session, resource_id)  # an unknown resource is said so
        found = list_bookings(session, resource_id)
    title = say("cli.sharing.bookings_title", id=resource_id)
    render(_rows(found, BOOKING_COLUMNS), BOOKING_COLUMNS, fmt, title=title, sources=SOURCES)


@sharing_app.command("wait")
def wait_cmd(
    resource_id: ResourceArgument,
    wanted_from: Annotated[
        str, typer.Option("--from", help="The first day wanted (YYYY-MM-DD, local).")
    ],
    wanted_to: Annotated[str, typer.Option("--to", help="The last day wanted (YYYY-MM-DD).")],
    facility: FacilityOption = None,
    referral: ReferralOption = None,
    db: DbOption = None,
) -> None:
    """Join a resource's waiting list between two days, as the token's account (for its
    partner): offered the first slot that frees or opens on those days."""
    from qurb.identity.permissions import Permission
    from qurb.platform.database import default_url
    from qurb.sharing.booking_service import add_waiting
    from qurb.sharing.service import resource_row

    with open_session(db or default_url(), write=True) as session:
        first, last = _day(wanted_from), _day(wanted_to)
        where = facility or resource_row(session, resource_id).facility_id
        actor = acting(session, Permission.RESOURCES_BOOK, where)
        done = add_waiting(
            session, actor, resource_id, first, last, facility_id=where, referral_id=referral
        )
    out.print(say("cli.sharing.waiting_added", id=done.id))


def _day(text: str) -> date:
    from qurb.kernel.errors import QurbError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise QurbError(code="sharing_bad_day", values={"got": text}) from None


@sharing_app.command("waiting")
def waiting_cmd(
    resource_id: ResourceArgument,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """A resource's waiting list, first come first (a read of the database as its
    operator)."""
    from qurb.sharing.booking_service import list_waiting
    from qurb.sharing.service import resource_row

    with open_session(db) as session:
        resource_row(session, resource_id)  # an unknown resource is said so
        found = list_waiting(session, resource_id)
    title = say("cli.sharing.waiting_title", id=resource_id)
    render(_rows(found, WAITING_COLUMNS), WAITING_COLUMNS, fmt, title=title, sources=SOURCES)


@sharing_app.command("withdraw")
def withdraw_cmd(
    waiting_id: Annotated[int, typer.Argument(min=1, help="The waiting entry's id.")],
    db: DbOption = None,
) -> None:
    """Leave a waiting list, as the token's account (for its partner)."""
    from qurb.identity.permissions import Permission
    from qurb.platform.database import default_url
    from qurb.sharing.booking_service import waiting_resource, withdraw_waiting
    from qurb.sharing.service import resource_row

    with open_session(db or default_url(), write=True) as session:
        where = resource_row(session, waiting_resource(session, waiting_id)).facility_id
        actor = acting(session, Permission.RESOURCES_BOOK, where)
        done = withdraw_waiting(session, actor, waiting_id)
    out.print(say("cli.sharing.withdrawn", id=done.id))
