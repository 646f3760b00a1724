"""`qurb partners`: list, show, import and export the partners (the organisations that
sign conventions)."""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from sqlalchemy.orm import Session

from qurb.audit.keys import ServerKey, server_key
from qurb.identity.cli_access import actors_over, by_actor, token_guard
from qurb.identity.grant_service import target_in
from qurb.identity.partner_imports import (
    Authorise,
    Payloads,
    import_partners,
    partners_csv,
    partners_json,
)
from qurb.identity.partner_service import PartnerFilter, get_partner, list_partners
from qurb.identity.partners import FacilityLookup, Partner, PartnerKind
from qurb.identity.permissions import Permission
from qurb.kernel.actor import Actor
from qurb.kernel.i18n import cli_lang, translate
from qurb.platform.cli import DbOption, open_session, out
from qurb.platform.database import database_url
from qurb.platform.output import OutputFormat, refuse_geojson, render, say
from qurb.territory.service import TerritoryIndex

partners_app = typer.Typer(
    help="Partners, the organisations that sign conventions: list, show, import, export.",
    no_args_is_help=True,
)

# How a command asks the registry whether a facility exists: set by the composition root
# (`qurb.app.cli`), which alone may reach the registry. Unset, no facility is known.
_facility_lookup: list[Callable[[Session], FacilityLookup]] = []


def set_facility_lookup(factory: Callable[[Session], FacilityLookup]) -> None:
    _facility_lookup[:] = [factory]


def facility_lookup(session: Session) -> FacilityLookup:
    if not _facility_lookup:
        return lambda _facility_id: False
    return _facility_lookup[0](session)


class ListFormat(enum.StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    GEOJSON = "geojson"  # refused: a partner has no geometry of its own


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"
    GEOJSON = "geojson"  # refused, as by every listing without geometry


LIST_COLUMNS = ["id", "kind", "name_fr", "name_ar", "territory_code", "facility_id", "active"]


def kind_label(kind: PartnerKind) -> str:
    """The kind in the command line's language (`partner.kind.<kind>`)."""
    return translate(cli_lang(), f"partner.kind.{kind.value}")


def _table_row(partner: Partner) -> dict[str, object]:
    return {
        "id": partner.id,
        "kind": kind_label(partner.kind),
        "name_fr": partner.name_fr,
        "name_ar": partner.name_ar,
        "territory_code": partner.territory_code,
        "facility_id": partner.facility_id or "",
        "active": "yes" if partner.active else "no",
        "contacts": len(partner.contacts),
    }


@partners_app.command("list")
def list_cmd(
    kind: Annotated[PartnerKind | None, typer.Option(help="Only partners of this kind.")] = None,
    territory: Annotated[
        str | None,
        typer.Option(
            "--territory",
            "-t",
            help="Only partners whose territory lies inside this one (HCP code or FR/AR name).",
        ),
    ] = None,
    search: Annotated[
        str | None, typer.Option(help="Part of a name (French, Arabic or English).")
    ] = None,
    include_inactive: Annotated[
        bool, typer.Option("--all", help="Deactivated partners too.")
    ] = False,
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", help="table for people; csv/json for pipes.")
    ] = ListFormat.TABLE,
    db: DbOption = None,
) -> None:
    """List partners (active ones unless --all), by id; csv and json as `export` writes
    them."""
    if fmt is ListFormat.GEOJSON:
        refuse_geojson()
    flt = PartnerFilter(kind, territory, search, None if include_inactive else True)
    with open_session(db) as session:
        partners = list_partners(session, flt)
    if fmt is ListFormat.CSV:
        sys.stdout.write(partners_csv(partners))
    elif fmt is ListFormat.JSON:
        sys.stdout.write(partners_json(partners))
    else:
        render(
            [_table_row(p) for p in partners],
            [*LIST_COLUMNS, "contacts"],
            OutputFormat.TABLE,
            title=say("cli.partners.title", count=len(partners)),
        )


@partners_app.command("show")
def show_cmd(
    partner_id: Annotated[str, typer.Argument(help="Partner id, e.g. chu-hassan-ii-fes.")],
    db: DbOption = None,
) -> None:
    """One partner: its kind, names, territory, facility and contact persons."""
    with open_session(db) as session:
        partner = get_partner(session, partner_id)
    fields = [
        ("id", partner.id),
        ("kind", f"{kind_label(partner.kind)} ({partner.kind.value})"),
        ("name_fr", partner.name_fr),
        ("name_ar", partner.name_ar),
        ("name_en", partner.name_en or ""),
        ("territory_code", partner.territory_code),
        ("facility_id", partner.facility_id or ""),
        ("iati_ref", partner.iati_ref or ""),
        ("active", "yes" if partner.active else "no"),
        ("created_at", partner.created_at.isoformat(timespec="seconds")),
        ("updated_at", partner.updated_at.isoformat(timespec="seconds")),
    ]
    for name, value in fields:
        out.print(f"[bold]{name}[/]: {escape(str(value))}", highlight=False)
    if partner.contacts:
        render(
            [c.values() for c in partner.contacts],
            ["name", "function", "email", "phone"],
            OutputFormat.TABLE,
            title=say("cli.partners.contacts"),
        )


def _importer(session: Session) -> Authorise:
    """Who writes which imported partners: partners.admin over each one's territory,
    every row checked before any is written."""
    guard = token_guard(session, Permission.PARTNERS_ADMIN)
    index = TerritoryIndex.from_session(session)

    def authorise(payloads: Payloads) -> list[tuple[Actor, list[Any]]]:
        targets = [target_in(index, payload.territory_code) for _, payload in payloads]
        return by_actor(payloads, actors_over(guard, targets))

    return authorise


@partners_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8, header row) or JSON of partners.")],
    check: Annotated[bool, typer.Option("--check", help="Check every row, write nothing.")] = False,
    db: DbOption = None,
) -> None:
    """Import partners, all or nothing: any bad row stops the import and is listed."""
    url = database_url(db)
    with open_session(url, write=True) as session:
        result = import_partners(
            session,
            None if check else _importer(session),
            file,
            facility_exists=facility_lookup(session),
            # A check writes nothing: no key file is made for it.
            signer=ServerKey.generate() if check else server_key(url),
            check_only=check,
        )
    if result.written:
        out.print(say("cli.partners.imported", count=result.checked, file=escape(str(file))))
    else:
        out.print(say("cli.partners.checked", count=result.checked, file=escape(str(file))))


@partners_app.command("export")
def export_cmd(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv or json.")] = (
        ExportFormat.CSV
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Every partner (deactivated ones too), in the format `import` reads."""
    if fmt is ExportFormat.GEOJSON:
        refuse_geojson()
    with open_session(db) as session:
        partners = list_partners(session, PartnerFilter(active=None))
    text = partners_csv(partners) if fmt is ExportFormat.CSV else partners_json(partners)
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    out.print(say("cli.partners.exported", count=len(partners), file=escape(str(output))))
