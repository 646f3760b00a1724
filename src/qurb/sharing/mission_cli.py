"""`qurb sharing mission|missions|check`: a visiting specialist's days at host facilities
from the command line: one planned as the token's account (the resource's manager), its
slots opened at the host and offered first to the referrals pending there, then to the
waiting list; the resource's missions listed; and the bookings' own check (no two active
bookings overlapping)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from qurb.platform.cli import DbOption, FormatOption, open_session, out
from qurb.platform.output import OutputFormat, render, say
from qurb.sharing.cli import SOURCES, ResourceArgument, manager, sharing_app

CHECK_COLUMNS = ["resource_id", "overlapping_pairs", "slots_held", "holding_bookings"]
MISSION_COLUMNS = ["id", "resource_id", "facility_id", "day", "opens", "closes", "slots", "held"]


def _row(mission: Any) -> dict[str, Any]:
    values = {c: getattr(mission, c) for c in MISSION_COLUMNS}
    values["day"] = mission.day.isoformat()
    values["held"] = len(mission.held)
    return values


@sharing_app.command("mission")
def mission_cmd(
    resource_id: ResourceArgument,
    facility: Annotated[str, typer.Option("--facility", help="The host facility's id.")],
    day: Annotated[str, typer.Option("--day", help="The day (YYYY-MM-DD, local).")],
    opens: Annotated[str, typer.Option("--opens", help="From (HH:MM, local).")],
    closes: Annotated[str, typer.Option("--closes", help="Until (HH:MM, local).")],
    db: DbOption = None,
) -> None:
    """A visiting specialist's day at a host facility, as the token's account (the
    resource's manager): its slots opened there, held first for the referrals pending at
    the host for the specialty (48 h), then offered to the waiting list."""
    from qurb.platform.database import default_url
    from qurb.sharing.booking_cli import _day
    from qurb.sharing.calendar_service import add_mission

    with open_session(db or default_url(), write=True) as session:
        when = _day(day)
        actor = manager(session, resource_id)
        done = add_mission(session, actor, resource_id, facility, when, opens, closes)
    words = {"id": done.id, "slots": done.slots, "held": len(done.held)}
    out.print(say("cli.sharing.mission_done", **words))


@sharing_app.command("missions")
def missions_cmd(
    resource_id: ResourceArgument,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """A visiting specialist's missions, by day: host, hours, slots, slots held for
    referrals."""
    from qurb.sharing.calendar_service import list_missions

    with open_session(db) as session:
        found = list_missions(session, resource_id)
    rows = [_row(m) for m in found]
    title = say("cli.sharing.missions_title", id=resource_id)
    render(rows, MISSION_COLUMNS, fmt, title=title, sources=SOURCES)


@sharing_app.command("check")
def check_cmd(
    resource_id: ResourceArgument,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """The bookings' own check: pairs of active bookings overlapping (never any), slots
    held and the bookings holding them."""
    from qurb.sharing.integrity import check
    from qurb.sharing.service import resource_row

    with open_session(db) as session:
        resource_row(session, resource_id)  # an unknown resource is said so
        found = check(session, resource_id)
    rows = [dict(found.__dict__)]
    title = say("cli.sharing.check_title", id=resource_id)
    render(rows, CHECK_COLUMNS, fmt, title=title, sources=SOURCES)
