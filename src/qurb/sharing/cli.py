"""`qurb sharing`: the shared resources from the command line: the resources, the next
free slots of a specialty, a booking made or cancelled (as the token's account), a
resource's month of utilisation and its reconciliation per partner."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from qurb.kernel.attribution import Attribution
from qurb.platform.cli import DbOption, FormatOption, open_session, out
from qurb.platform.output import OutputFormat, render, say

sharing_app = typer.Typer(
    help="Shared equipment and visiting specialists: resources, free slots, bookings, "
    "utilisation and the monthly reconciliation.",
    no_args_is_help=True,
)
SOURCES = Attribution.of()  # the resources and bookings entered in this database
RESOURCE_COLUMNS = ["id", "kind", "label", "specialty", "service", "facility_id", "slot_minutes"]
SLOT_COLUMNS = ["id", "resource_id", "facility_id", "specialty", "start", "end"]
LINE_COLUMNS = [
    "partner_id", "quota", "booked", "used", "no_shows", "cancelled", "released", "from_pool",
    "share_of_quota",
]  # fmt: skip
USE_COLUMNS = ["month", "open", "booked", "used", "no_shows", "closed", "share"]

ResourceArgument = Annotated[int, typer.Argument(min=1, help="The shared resource's id.")]
MonthOption = Annotated[str, typer.Option("--month", help="The month, YYYY-MM (local).")]


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _rows(items: list[Any], columns: list[str]) -> list[dict[str, Any]]:
    return [{c: _plain(getattr(i, c)) for c in columns} for i in items]


def _moment(text: str) -> datetime:
    from qurb.kernel.errors import QurbError

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise QurbError(code="sharing_bad_moment", values={"got": text}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _month(text: str) -> str:
    import re

    from qurb.kernel.errors import QurbError

    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", text):
        raise QurbError(code="sharing_bad_month", values={"got": text})
    return text


@sharing_app.command("resources")
def resources_cmd(
    specialty: Annotated[
        str | None, typer.Option("--specialty", help="Only this specialty or equipment kind.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """The shared resources."""
    from qurb.sharing.service import list_resources

    with open_session(db) as session:
        found = list_resources(session, specialty)
    rows = _rows(found, RESOURCE_COLUMNS)
    render(rows, RESOURCE_COLUMNS, fmt, title=say("cli.sharing.resources_title"), sources=SOURCES)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def acting(session: Any, permission: Any, facility_id: str) -> Any:
    """The token's account acting over the facility with the permission (its grant
    named), else refused: unknown facility 404, outside the grants' scopes 403."""
    from qurb.identity.cli_access import token_guard
    from qurb.registry.targets import over_facility
    from qurb.territory.service import TerritoryIndex

    guard = token_guard(session, permission)
    return over_facility(guard, session, TerritoryIndex.from_session(session), facility_id)


def manager(session: Any, resource_id: int) -> Any:
    """The token's account as the resource's manager: `resources.manage` over its
    facility."""
    from qurb.identity.permissions import Permission
    from qurb.sharing.service import resource_row

    where = resource_row(session, resource_id).facility_id
    return acting(session, Permission.RESOURCES_MANAGE, where)


@sharing_app.command("share")
def share_cmd(
    service: Annotated[str, typer.Option("--service", help="The registry service it gives.")],
    slot_minutes: Annotated[
        int, typer.Option("--slot-minutes", min=5, max=1440, help="One use, in minutes.")
    ],
    equipment: Annotated[
        int | None, typer.Option("--equipment", min=1, help="A registry equipment item's id.")
    ] = None,
    specialist: Annotated[
        int | None, typer.Option("--specialist", min=1, help="A visiting specialist's id.")
    ] = None,
    buffer_minutes: Annotated[
        int,
        typer.Option(
            "--buffer-minutes",
            min=0,
            max=1440,
            help="After each use (cleaning, calibration), in minutes.",
        ),
    ] = 0,
    min_notice_hours: Annotated[
        int,
        typer.Option("--min-notice-hours", min=0, help="Booked at least this many hours ahead."),
    ] = 24,
    max_notice_days: Annotated[
        int, typer.Option("--max-notice-days", min=1, help="Booked at most this many days ahead.")
    ] = 60,
    approval: Annotated[
        bool, typer.Option("--approval/--no-approval", help="Bookings wait for approval.")
    ] = False,
    grace_minutes: Annotated[
        int,
        typer.Option(
            "--grace-minutes", min=0, max=1440, help="A no-show released after this, in minutes."
        ),
    ] = 30,
    db: DbOption = None,
) -> None:
    """Make an equipment item or a visiting specialist shareable, with its booking rules,
    as the token's account (resources.manage over its facility)."""
    from qurb.identity.permissions import Permission
    from qurb.kernel.errors import QurbError
    from qurb.platform.database import default_url
    from qurb.sharing.service import (
        RuleInput,
        equipment_facility,
        share_equipment,
        share_specialist,
        specialist_facility,
    )

    if (equipment is None) == (specialist is None):
        raise QurbError(code="sharing_one_of", values={"options": "--equipment, --specialist"})
    rules = RuleInput(
        slot_minutes, buffer_minutes, min_notice_hours, max_notice_days, approval, grace_minutes
    )
    manage = Permission.RESOURCES_MANAGE
    with open_session(db or default_url(), write=True) as session:
        if equipment is not None:
            actor = acting(session, manage, equipment_facility(session, equipment))
            done = share_equipment(session, actor, equipment, rules, service)
        else:
            assert specialist is not None
            actor = acting(session, manage, specialist_facility(session, specialist))
            done = share_specialist(session, actor, specialist, rules, service)
    out.print(say("cli.sharing.shared", id=done.id, label=done.label))


def _openings(texts: list[str]) -> list[Any]:
    """`mon 08:00-16:00[/12]` → an opening (weekday, times, capacity per day)."""
    import re

    from qurb.kernel.errors import QurbError
    from qurb.sharing.service import OpeningInput

    pattern = (
        r"(mon|tue|wed|thu|fri|sat|sun) ([0-9]{2}:[0-9]{2})-([0-9]{2}:[0-9]{2})(?:/([0-9]{1,3}))?"
    )
    out = []
    for text in texts:
        found = re.fullmatch(pattern, text.strip().lower())
        if found is None:
            raise QurbError(code="sharing_bad_opening_text", values={"got": text})
        day, opens, closes, capacity = found.groups()
        cap = None if capacity is None else int(capacity)
        out.append(OpeningInput(WEEKDAYS.index(day), opens, closes, cap))
    return out


@sharing_app.command("availability")
def availability_cmd(
    resource_id: ResourceArgument,
    opening: Annotated[
        list[str],
        typer.Option(
            "--open",
            help="A weekly opening, local time: 'mon 08:00-16:00', or '…/12' for at "
            "most 12 uses that day. Repeat for each.",
        ),
    ],
    db: DbOption = None,
) -> None:
    """Replace a resource's weekly openings and make its slots again, as the token's
    account (its manager)."""
    from qurb.platform.database import default_url
    from qurb.sharing.service import set_availability

    with open_session(db or default_url(), write=True) as session:
        openings = _openings(opening)  # a wrong one said in the command line's words
        actor = manager(session, resource_id)
        added, removed = set_availability(session, actor, resource_id, openings)
    out.print(say("cli.sharing.availability_done", added=added, removed=removed))


@sharing_app.command("slots")
def slots_cmd(
    specialty: Annotated[str, typer.Option("--specialty", help="Specialty or equipment kind.")],
    region: Annotated[
        str | None, typer.Option("--region", help="Only in this territory (its code).")
    ] = None,
    after: Annotated[
        str | None, typer.Option("--from", help="After this moment (ISO 8601; default: now).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="How many.")] = 20,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """The next free slots of a specialty, soonest first."""
    from qurb.kernel import clock
    from qurb.sharing.service import next_free_slots

    with open_session(db) as session:
        moment = clock.now() if after is None else _moment(after)
        found = next_free_slots(session, specialty, region, moment, limit)
    rows = _rows(found, SLOT_COLUMNS)
    title = say("cli.sharing.slots_title", specialty=specialty)
    render(rows, SLOT_COLUMNS, fmt, title=title, sources=SOURCES)


@sharing_app.command("downtime")
def downtime_cmd(
    resource_id: ResourceArgument,
    start: Annotated[str, typer.Option("--start", help="From this moment (ISO 8601).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is out of use.")],
    end: Annotated[
        str | None, typer.Option("--end", help="Until this moment (ISO 8601; default: open).")
    ] = None,
    db: DbOption = None,
) -> None:
    """A resource out of use, as the token's account (its manager): the slots it covers
    closed, their bookings displaced and their holders alerted."""
    from qurb.platform.database import default_url
    from qurb.sharing.calendar_service import add_downtime

    with open_session(db or default_url(), write=True) as session:
        moment, until = _moment(start), None if end is None else _moment(end)
        actor = manager(session, resource_id)
        done = add_downtime(session, actor, resource_id, moment, until, reason)
    words = {"slots": done.slots_closed, "bookings": done.bookings_displaced}
    out.print(say("cli.sharing.downtime_done", **words))


@sharing_app.command("quota")
def quota_cmd(
    resource_id: ResourceArgument,
    partner: Annotated[str, typer.Option("--partner", help="The partner's id.")],
    convention: Annotated[int, typer.Option("--convention", min=1, help="The convention's id.")],
    amount: Annotated[int, typer.Option("--amount", min=0, help="How many slots or hours.")],
    unit: Annotated[str, typer.Option("--unit", help="slots or hours (per month).")] = "slots",
    release_days: Annotated[
        int,
        typer.Option(
            "--release-days",
            min=0,
            max=27,
            help="Unused quota released this many days before the month's end.",
        ),
    ] = 5,
    db: DbOption = None,
) -> None:
    """A partner's monthly share of a resource under a convention, as the token's account
    (its manager)."""
    from qurb.platform.database import default_url
    from qurb.sharing.quota_service import set_quota

    with open_session(db or default_url(), write=True) as session:
        actor = manager(session, resource_id)
        done = set_quota(
            session, actor, resource_id, partner, convention, unit, amount, release_days
        )
    out.print(say("cli.sharing.quota_done", partner=partner, slots=done.slots))


@sharing_app.command("utilisation")
def utilisation_cmd(
    resource_id: ResourceArgument,
    month: MonthOption,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """A resource's month: slots open, booked, used, no-shows, closed by downtime."""
    from qurb.sharing.measures import utilisation

    with open_session(db) as session:
        found = utilisation(session, resource_id, _month(month))
    rows = _rows([found], USE_COLUMNS)
    title = say("cli.sharing.utilisation_title", id=resource_id, month=month)
    render(rows, USE_COLUMNS, fmt, title=title, sources=SOURCES)


@sharing_app.command("reconciliation")
def reconciliation_cmd(
    resource_id: ResourceArgument,
    month: MonthOption,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """A resource's month per partner, for the steering committee: quota, booked, used,
    no-shows, cancelled, released."""
    from qurb.sharing.measures import reconciliation

    with open_session(db) as session:
        lines = reconciliation(session, resource_id, _month(month))
    rows = _rows(lines, LINE_COLUMNS)
    title = say("cli.sharing.reconciliation_title", id=resource_id, month=month)
    render(rows, LINE_COLUMNS, fmt, title=title, sources=SOURCES)


from qurb.sharing import booking_cli, mission_cli  # noqa: E402, F401 - registers commands

__all__ = ["acting", "manager", "sharing_app"]
