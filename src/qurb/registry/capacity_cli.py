"""`qurb capacity` and `qurb equipment`: a facility's capacity (show, set, history) and its
equipment (list, add, status, history), written as the token's account (`registry.edit`
over the facility), as the registry's commands write.

`capacity_app` is the Typer group of `qurb capacity` (declared in `app/features.py`): the
workbook commands (`qurb capacity template`, `qurb capacity import`) add themselves to it
from their own module with `@capacity_app.command("template")`, and that module is
imported at the end of this one (one line, added with it) so that the group lists them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from sqlalchemy.orm import Session

from qurb.identity.cli_access import token_guard
from qurb.identity.permissions import Permission
from qurb.kernel.actor import Actor
from qurb.kernel.attribution import Attribution
from qurb.kernel.errors import FieldError
from qurb.kernel.i18n import cli_lang, data_label, problem
from qurb.platform.cli import DbOption, FormatOption, open_session, out
from qurb.platform.output import OutputFormat, render, say
from qurb.registry.capacity import (
    CapacityChange,
    CapacityValue,
    capacity_history,
    read_capacity,
    set_capacity,
)
from qurb.registry.capacity_model import (
    BEDS,
    BEDS_PREFIX,
    SPECIALISTS_PREFIX,
    STAFF_PREFIX,
    EquipmentStatus,
    capacity_catalogue,
)
from qurb.registry.equipment import (
    Equipment,
    EquipmentCreate,
    EquipmentFilter,
    EquipmentUpdate,
    add_equipment,
    equipment_history,
    get_equipment,
    list_equipment,
    update_equipment,
)
from qurb.registry.service import RegistryError
from qurb.registry.targets import over_facility
from qurb.territory.service import TerritoryIndex

capacity_app = typer.Typer(
    help="A facility's capacity: beds, staff, specialists, opening hours, with their sources.",
    no_args_is_help=True,
)

equipment_app = typer.Typer(
    help="Equipment held by facilities: list, add, change its status, history.",
    no_args_is_help=True,
)

# Entered in this registry: no published dataset; each value names its own source.
ENTERED = Attribution(frozenset())
VALUE_COLUMNS = ["measure", "count", "text", "as_of", "source", "entered_by", "entered_at"]
EQUIPMENT_COLUMNS = [
    "id",
    "facility_id",
    "kind",
    "model",
    "inventory_ref",
    "in_service",
    "status",
    "down_reason",
    "down_since",
    "retired_on",
    "source",
    "version",
]
UNKNOWN_WORDS = ("unknown", "?")
DATE_FORMATS = ["%Y-%m-%d"]

IfVersionOption = Annotated[
    int | None,
    typer.Option(
        "--if-version",
        min=1,
        help="Change it only if it is still at this version (as read): refused otherwise.",
    ),
]


def _actor(session: Session, facility_id: str) -> Actor:
    """The token's account as the actor of a write to the facility (registry.edit over
    it: a délégation's editor, over its province)."""
    guard = token_guard(session, Permission.REGISTRY_EDIT)
    return over_facility(guard, session, TerritoryIndex.from_session(session), facility_id)


@capacity_app.command("measures")
def capacity_measures(
    lang: Annotated[
        str | None, typer.Option(help="fr, ar or en (default: the command line's).")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """The lists capacity and equipment are entered against, with their sources."""
    chosen = cli_lang(lang)
    lists = capacity_catalogue()
    named = (
        ("bed_services", lists.bed_services),
        ("professions", lists.professions),
        ("specialties", lists.specialties),
        ("equipment_kinds", lists.equipment_kinds),
    )
    rows = [
        {"list": name, "code": e.code, "name": data_label(e, chosen), "group": e.group or ""}
        for name, entries in named
        for e in entries.entries.values()
    ]
    metadata = {
        "bounds": {"beds_max": lists.bounds.beds_max, "staff_max": lists.bounds.staff_max},
        "sources": {name: entries.source for name, entries in named},
    }
    title = say("cli.capacity.measures_title")
    render(
        rows,
        ["list", "code", "name", "group"],
        fmt,
        title=title,
        sources=ENTERED,
        metadata=metadata,
    )


def _value_row(value: CapacityValue) -> dict[str, Any]:
    return {
        "measure": value.measure,
        "count": value.count,
        "text": value.text,
        "as_of": value.as_of.isoformat(),
        "source": value.source,
        "entered_by": value.entered_by,
        "entered_at": value.entered_at.isoformat(timespec="seconds"),
        "import_id": value.import_id,
    }


@capacity_app.command("show")
def capacity_show(
    facility_id: Annotated[str, typer.Argument(help="Facility id.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """A facility's current capacity: each measure entered, with its source and date."""
    with open_session(db) as session:
        capacity = read_capacity(session, facility_id)
    rows = [_value_row(v) for v in capacity.values]
    totals = {
        "facility_id": capacity.facility_id,
        "beds": capacity.beds,
        "doctors": capacity.doctors,
        "version": capacity.version,
    }
    title = say(
        "cli.capacity.show_title",
        id=facility_id,
        beds=_shown(capacity.beds),
        doctors=_shown(capacity.doctors),
    )
    render(rows, VALUE_COLUMNS, fmt, title=title, sources=ENTERED, metadata=totals)


def _shown(count: int | None) -> str:
    return say("unknown") if count is None else str(count)


def _counts(
    prefix: str, option: str, pairs: list[str], errors: list[FieldError]
) -> dict[str, int | None]:
    """`code=N` (or `code=unknown`) pairs as measure → count; a malformed pair or count
    is named in `errors`."""
    found: dict[str, int | None] = {}
    for pair in pairs:
        code, sep, raw = pair.partition("=")
        raw = raw.strip()
        if not sep or not code.strip():
            errors.append(problem(option, "pair_expected", value=repr(pair)))
        elif raw.lower() in UNKNOWN_WORDS:
            found[prefix + code.strip()] = None
        elif raw.lstrip("-").isdigit():
            found[prefix + code.strip()] = int(raw)
        else:
            errors.append(problem(prefix + code.strip(), "count_not_whole", value=repr(raw)))
    return found


@capacity_app.command("set")
def capacity_set(
    facility_id: Annotated[str, typer.Argument(help="Facility id.")],
    source: Annotated[str, typer.Option(help="Where the values come from (required).")],
    as_of: Annotated[
        datetime,
        typer.Option(formats=DATE_FORMATS, help="Date the values are true at (YYYY-MM-DD)."),
    ],
    beds: Annotated[int | None, typer.Option(help="Total beds.")] = None,
    bed_service: Annotated[
        list[str] | None,
        typer.Option(
            help="Beds of one service: service=N (repeatable; see `qurb capacity measures`)."
        ),
    ] = None,
    staff: Annotated[
        list[str] | None,
        typer.Option(help="Headcount of a profession: profession=N, or =unknown (repeatable)."),
    ] = None,
    specialists: Annotated[
        list[str] | None,
        typer.Option(help="Specialist doctors of a specialty: specialty=N (repeatable)."),
    ] = None,
    hours: Annotated[
        str | None,
        typer.Option(help="Opening hours: 24/7 or an OpenStreetMap opening_hours value."),
    ] = None,
    if_version: IfVersionOption = None,
    db: DbOption = None,
) -> None:
    """Enter capacity values of a facility, with their source and date; only the changed
    ones are written, every earlier value kept."""
    errors: list[FieldError] = []
    values: dict[str, int | None] = {} if beds is None else {BEDS: beds}
    values |= _counts(BEDS_PREFIX, "--bed-service", bed_service or [], errors)
    values |= _counts(STAFF_PREFIX, "--staff", staff or [], errors)
    values |= _counts(SPECIALISTS_PREFIX, "--specialists", specialists or [], errors)
    change = CapacityChange(source=source, as_of=as_of.date(), values=values, hours=hours)
    with open_session(db, write=True) as session:
        if errors:  # the pairs that are no count: named as the service names its problems
            raise RegistryError(errors, facility_id)
        actor = _actor(session, facility_id)
        capacity = set_capacity(session, actor, facility_id, change, if_version=if_version)
    words = {
        "id": facility_id,
        "beds": _shown(capacity.beds),
        "doctors": _shown(capacity.doctors),
        "version": capacity.version,
    }
    out.print(f"[green]{escape(say('cli.capacity.set', **words))}[/]")


@capacity_app.command("history")
def capacity_history_cmd(
    facility_id: Annotated[str, typer.Argument(help="Facility id.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Every capacity value entered for a facility, oldest first."""
    with open_session(db) as session:
        rows = [_value_row(v) for v in capacity_history(session, facility_id)]
    columns = VALUE_COLUMNS if fmt is OutputFormat.TABLE else [*VALUE_COLUMNS, "import_id"]
    title = say("cli.capacity.history_title", id=facility_id)
    render(rows, columns, fmt, title=title, sources=ENTERED)


def _equipment_row(item: Equipment) -> dict[str, Any]:
    row: dict[str, Any] = {c: getattr(item, c) for c in EQUIPMENT_COLUMNS}
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}


@equipment_app.command("list")
def equipment_list(
    facility: Annotated[str | None, typer.Option(help="A facility's id.")] = None,
    territory: Annotated[
        str | None, typer.Option(help="Territory: HCP code or FR/AR name.")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="An equipment kind (ct_scanner, xray…).")] = None,
    status: Annotated[
        EquipmentStatus | None, typer.Option(help="working, down or retired.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Equipment, by facility, kind and id."""
    where = EquipmentFilter(facility, territory, kind, status.value if status else None)
    with open_session(db) as session:
        index = TerritoryIndex.from_session(session) if territory else None
        rows = [_equipment_row(e) for e in list_equipment(session, where, index)]
    render(rows, EQUIPMENT_COLUMNS, fmt, title=say("cli.equipment.list_title"), sources=ENTERED)


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else moment.date()


@equipment_app.command("add")
def equipment_add(
    facility_id: Annotated[str, typer.Argument(help="Facility id.")],
    kind: Annotated[str, typer.Option(help="Its kind (see `qurb capacity measures`).")],
    source: Annotated[str, typer.Option(help="Where the record comes from (required).")],
    model: Annotated[str | None, typer.Option(help="Make and model.")] = None,
    inventory_ref: Annotated[
        str | None, typer.Option(help="The délégation's inventory number.")
    ] = None,
    in_service: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="Date it entered service (YYYY-MM-DD)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a piece of equipment to a facility (working)."""
    item = EquipmentCreate(
        facility_id, kind, source, model, inventory_ref, in_service=_day(in_service)
    )
    with open_session(db, write=True) as session:
        added = add_equipment(session, _actor(session, facility_id), item)
    words = {"id": added.id, "kind": added.kind, "facility": facility_id}
    out.print(f"[green]{escape(say('cli.equipment.added', **words))}[/]")


@equipment_app.command("status")
def equipment_status(
    equipment_id: Annotated[int, typer.Argument(help="Equipment id.")],
    status: Annotated[EquipmentStatus, typer.Option(help="working, down or retired.")],
    reason: Annotated[str | None, typer.Option(help="Why it is down (required for down).")] = None,
    since: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="Down since this date (required for down)."),
    ] = None,
    on: Annotated[
        datetime | None,
        typer.Option(formats=DATE_FORMATS, help="Retired on this date (required for retired)."),
    ] = None,
    if_version: IfVersionOption = None,
    db: DbOption = None,
) -> None:
    """Change a piece of equipment's status: down with its reason and since when, working
    again, or retired on a date (final)."""
    change = EquipmentUpdate(
        status=status, down_reason=reason, down_since=_day(since), retired_on=_day(on)
    )
    with open_session(db, write=True) as session:
        held = get_equipment(session, equipment_id)
        actor = _actor(session, held.facility_id)
        item = update_equipment(session, actor, equipment_id, change, if_version=if_version)
    words = {"id": item.id, "status": item.status, "version": item.version}
    out.print(f"[green]{escape(say('cli.equipment.status_set', **words))}[/]")


@equipment_app.command("history")
def equipment_history_cmd(
    equipment_id: Annotated[int, typer.Argument(help="Equipment id.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Every change of a piece of equipment: who, when, before, after."""
    with open_session(db) as session:
        changes = equipment_history(session, equipment_id)
    rows = []
    for c in changes:
        before, after = c.before or {}, c.after or {}
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        rows.append(
            {
                "when": c.changed_at.isoformat(timespec="seconds"),
                "action": c.action,
                "by": c.changed_by,
                "fields": ", ".join(f"{k}: {before.get(k)!s} → {after.get(k)!s}" for k in changed),
                "before": before,
                "after": after,
            }
        )
    columns = ["when", "action", "by", "fields"]
    render(
        rows,
        columns if fmt is OutputFormat.TABLE else [*columns, "before", "after"],
        fmt,
        title=say("cli.equipment.history_title", id=equipment_id),
        sources=ENTERED,
    )


# The workbook commands add themselves to `capacity_app` (imported last: they use it).
from qurb.registry import capacity_workbook_cli as _workbook_commands  # noqa: E402, F401
