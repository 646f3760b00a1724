"""`qurb capacity template` and `qurb capacity import`: a province's capacity workbook
written from the registry, and a filled one imported all or nothing as the token's
account (`registry.edit` over the province), with a summary of what changed."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from qurb.identity.cli_access import token_guard
from qurb.identity.grant_service import target_in
from qurb.identity.permissions import Permission
from qurb.kernel.i18n import cli_lang
from qurb.platform.cli import DbOption, err, open_session, out
from qurb.platform.output import OutputFormat, render, say
from qurb.registry.capacity_cli import capacity_app
from qurb.registry.capacity_import import (
    CapacityImportResult,
    capacity_template,
    import_capacity_workbook,
    read_capacity_file,
)
from qurb.territory.service import TerritoryIndex

PHASES = {
    "read": "cli.capacity.reading",
    "check": "cli.capacity.checking",
    "write": "cli.capacity.writing",
}
SUMMARY_COLUMNS = ["facility_id", "name", "measures", "services", "equipment"]


@capacity_app.command("template")
def capacity_template_cmd(
    province: Annotated[
        str, typer.Option(help="Province or prefecture: its HCP code (e.g. 03.231).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The workbook to write (.xlsx).")],
    db: DbOption = None,
) -> None:
    """Write a province's capacity workbook: its facilities with what is recorded."""
    with open_session(db) as session:
        _, data = capacity_template(session, province, cli_lang())
    output.write_bytes(data)
    out.print(f"[green]{escape(say('cli.capacity.template_written', path=str(output)))}[/]")


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter(say("cli.capacity.bad_date", value=text)) from None


@capacity_app.command("import")
def capacity_import_cmd(
    file: Annotated[Path, typer.Argument(help="The filled workbook (.xlsx).")],
    source: Annotated[
        str | None,
        typer.Option(help="Where the values come from (else the workbook's cell B4)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(help="The date the values are true at, YYYY-MM-DD (else B5, else today)."),
    ] = None,
    province: Annotated[
        str | None, typer.Option(help="The province the workbook must be (a check).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Import a filled capacity workbook, all or nothing: every bad cell is listed."""
    day = _as_of(as_of)
    with err.status(say(PHASES["read"])) as status:
        read = read_capacity_file(file)  # before the write transaction
        with open_session(db, write=True) as session:
            guard = token_guard(session, Permission.REGISTRY_EDIT)
            index = TerritoryIndex.from_session(session)
            result = import_capacity_workbook(
                session,
                lambda code: guard.over(target_in(index, code)),
                file,
                source=source,
                as_of=day,
                province=province,
                index=index,
                progress=lambda phase: status.update(say(PHASES[phase])),
                read=read,
            )
    _summary(result)


def _summary(result: CapacityImportResult) -> None:
    written = result.written
    if result.changed:
        rows = [
            {
                "facility_id": line.facility_id,
                "name": line.name,
                "measures": ", ".join(line.measures),
                "services": say("cli.capacity.changed") if line.services_changed else "",
                "equipment": line.equipment or "",
            }
            for line in result.changed
        ]
        title = say("cli.capacity.summary_title", path=result.file_name)
        render(rows, SUMMARY_COLUMNS, OutputFormat.TABLE, title=title)
    summary = say(
        "cli.capacity.imported",
        province=result.province_code,
        facilities=written.facilities,
        values=written.values,
        added=written.equipment_added,
        changed=written.equipment_changed,
        services=result.services_changed,
        source=result.source,
        as_of=result.as_of.isoformat(),
    )
    out.print(f"[green]{escape(summary)}[/]")
