"""The `qurb` command line."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from sqlalchemy.orm import Session

from qurb.identity.cli_access import actors_over, by_actor, token_guard
from qurb.identity.guard import Guard
from qurb.identity.permissions import Permission
from qurb.kernel.actor import Actor
from qurb.kernel.attribution import (
    Attribution,
    DataSource,
    facility_sources,
)
from qurb.platform.cli import (
    DbOption,
    FormatOption,
    fail,
    open_session,
    out,
)
from qurb.platform.output import OutputFormat, render, say
from qurb.registry.edition_changes import edition_changes
from qurb.registry.editions import Pairing
from qurb.registry.imports import Payloads, import_facilities
from qurb.registry.model import Facility, Level, categories, facility_snapshot
from qurb.registry.service import (
    FacilityCreate,
    FacilityFilter,
    FacilityUpdate,
    close_facility,
    create_facilities,
    facility_history,
    get_facility,
    list_facilities,
    reopen_facility,
    update_facility,
)
from qurb.registry.targets import facility_target, new_facilities_targets, over_facility
from qurb.territory.service import TerritoryIndex

cli = typer.Typer()

facilities_app = typer.Typer(
    help="The facility registry: list, add, update, close, reopen, import, history.",
    invoke_without_command=True,
)


class SectorChoice(enum.StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    UNKNOWN = "unknown"
    ALL = "all"


class StatusChoice(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


class FamilyChoice(enum.StrEnum):
    ESSP = "ESSP"
    HOSPITAL = "hospital"


FACILITY_COLUMNS = [
    "id",
    "name",
    "category",
    "level",
    "sector",
    "status",
    "commune_code",
    "location_source",
    "location_precision_m",
    "beds",
]


@facilities_app.callback()
def facilities_cmd(
    ctx: typer.Context,
    territory: Annotated[str | None, typer.Option(help="Territory (code or FR/AR name).")] = None,
    category: Annotated[
        list[str] | None, typer.Option(help="Category, repeatable (DR, CSR-1, HP…).")
    ] = None,
    level: Annotated[Level | None, typer.Option(help="primary / secondary / tertiary.")] = None,
    sector: Annotated[
        SectorChoice,
        typer.Option(
            help="public: the registry's public offer (default); private; unknown: "
            "OpenStreetMap points that name no operator (in neither supply)."
        ),
    ] = SectorChoice.PUBLIC,
    status: Annotated[StatusChoice, typer.Option(help="open (default), closed or all.")] = (
        StatusChoice.OPEN
    ),
    name: Annotated[str | None, typer.Option(help="Part of the name.")] = None,
    limit: Annotated[int, typer.Option(help="Rows shown in a table (0: all).")] = 50,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """List facilities (public ones unless --sector says otherwise)."""
    if ctx.invoked_subcommand is not None:
        return
    flt = FacilityFilter(
        territory, tuple(category or ()), level.value if level else None, sector, status, name
    )
    print_facilities(flt, fmt, limit, db)


def facility_json(facility: Facility) -> dict[str, Any]:
    """A facility as an output record: JSON values (dates as ISO text), no `updated_at`."""
    return json.loads(json.dumps(facility_snapshot(facility.values()), default=str))


def facility_geojson(facilities: Iterable[Facility]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f.id,
                "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
                "properties": {
                    k: v
                    for k, v in facility_snapshot(f.values()).items()
                    if k not in ("lon", "lat")
                },
            }
            for f in facilities
        ],
    }


def print_facilities(flt: FacilityFilter, fmt: OutputFormat, limit: int, db: str | None) -> None:
    """The facilities of a filter on stdout: a table (its first `limit` rows; 0: all), or
    every row as CSV, JSON or GeoJSON, with their sources."""
    with open_session(db) as session:
        facilities = list_facilities(session, flt)
    records = [facility_json(f) for f in facilities]
    sources = Attribution(facility_sources(records))
    if fmt is OutputFormat.GEOJSON:
        collection = sources.annotate(facility_geojson(facilities))
        typer.echo(json.dumps(collection, ensure_ascii=False, default=str))
        return
    if fmt is OutputFormat.TABLE:
        shown = records[:limit] if limit else records
        more = say("cli.first", count=len(shown)) if len(shown) < len(records) else ""
        title = say("cli.facilities.title", count=f"{len(records):,}") + more
        render(shown, FACILITY_COLUMNS, fmt, title=title)
    else:
        render(records, list(records[0]) if records else FACILITY_COLUMNS, fmt, sources=sources)


# The version the writer read (`qurb facilities show`, the API's ETag): the change is
# refused if the facility is no longer at it. Without it, the change applies to the
# facility as it is when the command runs.
IfVersionOption = Annotated[
    int | None,
    typer.Option(
        "--if-version",
        min=1,
        help="Change it only if it is still at this version (as read): refused otherwise.",
    ),
]


def _editing(session: Session) -> tuple[Guard, TerritoryIndex]:
    """The token's account, allowed `registry.edit` somewhere, and the territory index."""
    return token_guard(session, Permission.REGISTRY_EDIT), TerritoryIndex.from_session(session)


def _over(session: Session, facility_id: str) -> Actor:
    """The token's account as the actor of a write to the facility (registry.edit over
    it)."""
    guard, index = _editing(session)
    return over_facility(guard, session, index, facility_id)


def _importer(session: Session) -> Callable[[Payloads], list[tuple[Actor, list[Any]]]]:
    """Who writes which imported rows: registry.edit over each one's commune, every row
    checked before any is written."""

    guard, index = _editing(session)

    def authorise(payloads: Payloads) -> list[tuple[Actor, list[Any]]]:
        targets = new_facilities_targets(session, index, payloads)
        return by_actor(payloads, actors_over(guard, targets))

    return authorise


@facilities_app.command("import")
def facilities_import(
    file: Annotated[
        Path, typer.Argument(help="CSV, XLSX or GeoJSON with name, category, commune[, lon, lat…].")
    ],
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet (default: the first).")] = None,
    db: DbOption = None,
) -> None:
    """Import facilities, all or nothing: any bad row stops the import and is listed."""
    with open_session(db, write=True) as session:
        result = import_facilities(session, _importer(session), file, sheet)
    imported = say("cli.facilities.imported", count=len(result.ids), path=str(file))
    out.print(f"[green]{escape(imported)}[/]")
    if result.ignored_columns:
        columns = say("list.separator").join(result.ignored_columns)
        out.print(f"[yellow]{escape(say('cli.facilities.columns_not_read', columns=columns))}[/]")


@facilities_app.command("add")
def facilities_add(
    name: Annotated[str, typer.Option(help="Facility name.")],
    category: Annotated[
        str,
        typer.Option(
            help="Category code: "
            + ", ".join(["DR", "CSR-1", "CSR-2", "CSU-1", "CSU-2", "HPr", "HP"])
            + "…"
        ),
    ],
    commune: Annotated[str, typer.Option(help="Commune: HCP code or name.")],
    lon: Annotated[float | None, typer.Option(help="Longitude, WGS84 degrees.")] = None,
    lat: Annotated[float | None, typer.Option(help="Latitude, WGS84 degrees.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history).")] = None,
    db: DbOption = None,
) -> None:
    """Add one facility to the registry."""
    with open_session(db, write=True) as session:
        payload = FacilityCreate(name=name, category=category, commune=commune, lon=lon, lat=lat)
        guard, index = _editing(session)
        [target] = new_facilities_targets(session, index, [(None, payload)])
        [facility_id] = create_facilities(session, guard.over(target), [(None, payload)], reason)
    out.print(f"[green]{escape(say('cli.facilities.added', id=facility_id))}[/]")


@facilities_app.command("update")
def facilities_update(
    facility_id: Annotated[str, typer.Argument(help="Facility id.")],
    name: Annotated[str | None, typer.Option()] = None,
    category: Annotated[
        str | None, typer.Option(help="New category (recorded as a re-categorisation).")
    ] = None,
    lon: Annotated[float | None, typer.Option()] = None,
    lat: Annotated[float | None, typer.Option()] = None,
    add_service: Annotated[
        list[str] | None,
        typer.Option(help="A service it now offers (repeatable; see `qurb services`)."),
    ] = None,
    remove_service: Annotated[
        list[str] | None, typer.Option(help="A service it no longer offers (repeatable).")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the history).")] = None,
    if_version: IfVersionOption = None,
    db: DbOption = None,
) -> None:
    """Change a facility (name, category, location, services); its capacity: `qurb capacity set`."""
    given = {
        k: v
        for k, v in {
            "name": name,
            "category": category,
            "lon": lon,
            "lat": lat,
            "add_services": add_service or None,
            "remove_services": remove_service or None,
        }.items()
        if v is not None
    }
    if not given:
        raise fail(say("cli.facilities.nothing_to_change"), say("cli.facilities.give_a_change"))
    with open_session(db, write=True) as session:
        guard, index = _editing(session)
        actor = over_facility(guard, session, index, facility_id)
        change = FacilityUpdate.model_validate(given)
        facility = update_facility(
            session, actor, facility_id, change, reason, if_version=if_version
        )
        # A move to another commune needs the grant over the new place too (else all of
        # the change is rolled back).
        guard.over(facility_target(session, index, facility))
        values = {"id": facility.id, "name": facility.name, "category": facility.category}
        out.print(f"[green]{escape(say('cli.facilities.updated', **values))}[/]")


@facilities_app.command("close")
def facilities_close(
    facility_id: Annotated[str, typer.Argument(help="Facility id.")],
    reason: Annotated[str, typer.Option(help="Why it closes (required; kept in the history).")],
    if_version: IfVersionOption = None,
    db: DbOption = None,
) -> None:
    """Close a facility (kept in the registry and its history, no longer counted)."""
    with open_session(db, write=True) as session:
        actor = _over(session, facility_id)
        facility = close_facility(session, actor, facility_id, reason, if_version=if_version)
        values = {"id": facility.id, "name": facility.name}
        out.print(f"[green]{escape(say('cli.facilities.closed', **values))}[/]")


@facilities_app.command("reopen")
def facilities_reopen(
    facility_id: Annotated[str, typer.Argument(help="Facility id.")],
    reason: Annotated[str, typer.Option(help="Why it reopens (kept in the history).")],
    if_version: IfVersionOption = None,
    db: DbOption = None,
) -> None:
    """Reopen a closed facility (counted again, and editable)."""
    with open_session(db, write=True) as session:
        actor = _over(session, facility_id)
        facility = reopen_facility(session, actor, facility_id, reason, if_version=if_version)
        values = {"id": facility.id, "name": facility.name}
        out.print(f"[green]{escape(say('cli.facilities.reopened', **values))}[/]")


@facilities_app.command("history")
def facilities_history(
    facility_id: Annotated[str, typer.Argument(help="Facility id.")],
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """Every change to a facility: who, when, before, after."""
    with open_session(db) as session:
        changes = facility_history(session, facility_id)
        sources = Attribution(facility_sources([facility_json(get_facility(session, facility_id))]))
        rows = []
        for c in changes:
            before, after = c.before or {}, c.after or {}
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            rows.append(
                {
                    "when": c.changed_at.isoformat(timespec="seconds"),
                    "action": c.action,
                    "by": c.changed_by,
                    "fields": ", ".join(
                        f"{k}: {before.get(k)!s} → {after.get(k)!s}" for k in changed
                    )
                    if c.action != "create"
                    else "",
                    "reason": c.reason,
                    "before": before,
                    "after": after,
                }
            )
    columns = ["when", "action", "by", "fields", "reason"]
    render(
        rows,
        columns if fmt is OutputFormat.TABLE else [*columns, "before", "after"],
        fmt,
        title=say("cli.facilities.history_title", id=facility_id),
        sources=sources,
    )


@facilities_app.command("changes")
def facilities_changes(
    earlier: Annotated[int, typer.Option("--from", help="Earlier Ministry edition.")] = 2022,
    later: Annotated[int, typer.Option("--to", help="Later Ministry edition.")] = 2024,
    family: Annotated[
        FamilyChoice, typer.Option(help="ESSP (2022, 2024) or hospital (2020-2024).")
    ] = FamilyChoice.ESSP,
    territory: Annotated[str | None, typer.Option(help="Territory (code or FR/AR name).")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """What opened, closed, moved, changed category or name between two editions of the
    Ministry lists. A facility listed in another commune or under another spelling is one
    line (moved, recategorised, renamed), paired with its earlier record on the ground
    given in `paired_by`: the lists carry no stable identifier."""
    with open_session(db) as session:
        diffs = edition_changes(session, earlier, later, family, territory)
    rows = [
        {
            **dataclasses.asdict(d),
            "change": d.change.value,
            "category_before": d.category_before or "",  # not in that edition: no category
            "category_after": d.category_after or "",
            "paired_by": d.paired_by.value if d.paired_by else "",
            "before": (
                f"{d.name_before} ({d.commune_before})"
                if d.facility_id_before and d.name_before
                else ""
            ),
        }
        for d in diffs
    ]
    counts = Counter(d.change.value for d in diffs)
    summary = say("list.separator").join(f"{n} {change}" for change, n in sorted(counts.items()))
    columns = ["change", "facility_id", "name", "commune_code", "category_before", "category_after"]
    render(
        rows,
        [*columns, "before", "paired_by"]
        if fmt is OutputFormat.TABLE
        else [
            *columns,
            "facility_id_before",
            "name_before",
            "commune_before",
            "paired_by",
        ],
        fmt,
        title=f"{family} {earlier} → {later}: {summary or say('cli.facilities.no_change')}",
        sources=Attribution.of(DataSource.MINISTRY, DataSource.HCP),
    )
    if fmt is OutputFormat.TABLE and any(
        d.paired_by is Pairing.ONLY_CHANGE_IN_COMMUNE for d in diffs
    ):
        out.print(f"[dim]{escape(say('cli.facilities.pairing_note'))}[/]")


@cli.command("categories")
def categories_cmd(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Facility categories, their level and the services they offer by definition."""
    rows = [
        {
            "code": c.code,
            "family": c.family,
            "level": c.level.value,
            "name_fr": c.name_fr,
            "name_ar": c.name_ar,
            "name_en": c.name_en,
            "services": ", ".join(sorted(c.services)),
        }
        for c in categories().values()
    ]
    render(
        rows,
        ["code", "family", "level", "name_fr", "name_ar", "name_en", "services"],
        fmt,
        title=say("cli.categories.title"),
        sources=Attribution.of(DataSource.MINISTRY),
    )


@cli.command("services")
def services_cmd(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Service names: a facility offers its category's defaults, then its own lines
    (data/overrides/services.csv, `facilities update --add-service/--remove-service`)."""
    from qurb.registry.facility_services import known_services

    rows = [
        {"service": s.code, "name_fr": s.name_fr, "name_ar": s.name_ar, "name_en": s.name_en}
        for s in known_services().values()
    ]
    render(
        rows,
        ["service", "name_fr", "name_ar", "name_en"],
        fmt,
        title=say("cli.services.title"),
        sources=Attribution.of(DataSource.MINISTRY),  # the Ministry's categories' packages
    )
