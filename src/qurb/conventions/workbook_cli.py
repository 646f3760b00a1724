"""`qurb conventions workbook` and `qurb conventions import-workbook`: a convention's
workbook written (.xlsx: parties, contributions, deliverables, disbursements, decisions),
and an edited one imported back all or nothing as the token's account (the secretariat,
or a party's user for its own party's rows), with a summary per sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from qurb.conventions.cli import _find, conventions_app
from qurb.kernel.i18n import cli_lang
from qurb.platform.cli import DbOption, err, open_session, out
from qurb.platform.output import OutputFormat, render, say

PHASES = {
    "read": "cli.conventions.workbook.reading",
    "check": "cli.conventions.workbook.checking",
    "write": "cli.conventions.workbook.writing",
}
SUMMARY_COLUMNS = ["sheet", "created", "updated", "unchanged"]
ConventionArg = Annotated[str, typer.Argument(help="The convention's id or reference.")]


@conventions_app.command("workbook")
def workbook_cmd(
    convention: ConventionArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The workbook to write (.xlsx).")],
    db: DbOption = None,
) -> None:
    """Write a convention's workbook: its parties, contributions, deliverables,
    disbursements and decisions, each row with its id and version."""
    from qurb.conventions.workbook import workbook_file

    with open_session(db) as session:
        found = _find(session, convention)
        _, data = workbook_file(session, found.id, cli_lang())
    output.write_bytes(data)
    written = say("cli.conventions.workbook.written", path=str(output))
    out.print(f"[green]{escape(written)}[/]")


@conventions_app.command("import-workbook")
def import_workbook_cmd(
    convention: ConventionArg,
    file: Annotated[Path, typer.Argument(help="The edited workbook (.xlsx).")],
    db: DbOption = None,
) -> None:
    """Import a convention's edited workbook, all or nothing: every bad row is named."""
    from qurb.conventions.acting import GuardAuthority
    from qurb.conventions.workbook_import import import_convention_workbook, read_workbook_file
    from qurb.identity.cli_access import token_guard
    from qurb.identity.permissions import Permission
    from qurb.territory.service import TerritoryIndex

    with err.status(say(PHASES["read"])) as status:
        book = read_workbook_file(file)  # before the write transaction
        with open_session(db, write=True) as session:
            guard = token_guard(session, Permission.CONVENTIONS_PARTY)
            found = _find(session, convention)
            authority = GuardAuthority(guard, TerritoryIndex.from_session(session), found)
            result = import_convention_workbook(
                session,
                authority,
                found.id,
                book,
                progress=lambda phase: status.update(say(PHASES[phase])),
            )
    rows = [
        {"sheet": s.sheet, "created": s.created, "updated": s.updated, "unchanged": s.unchanged}
        for s in result.sheets
    ]
    title = say("cli.conventions.workbook.summary_title", path=result.file_name)
    render(rows, SUMMARY_COLUMNS, OutputFormat.TABLE, title=title)
    summary = say(
        "cli.conventions.workbook.imported", reference=result.reference, changed=result.changed
    )
    out.print(f"[green]{escape(summary)}[/]")
