"""`qurb iati export [CONVENTION] --output FILE`: one convention, or every published one,
as an IATI 2.03 activities file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qurb.platform.cli import DbOption, open_session, out
from qurb.platform.output import say

iati_app = typer.Typer(
    help="The conventions as IATI 2.03 activities (XML), for the aid-transparency registry.",
    no_args_is_help=True,
)


@iati_app.command("export")
def export_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="The XML file to write.")],
    convention: Annotated[
        str | None,
        typer.Argument(help="The convention's id or reference (none: every published one)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """One convention, or every published one, as an IATI 2.03 activities file; what is
    unknown is left out and counted."""
    from qurb.conventions.service import find_convention, get_convention
    from qurb.interop.iati_export.service import convention_iati, published_iati
    from qurb.territory.service import TerritoryIndex

    with open_session(db) as session:
        index = TerritoryIndex.from_session(session)
        if convention is None:
            found = published_iati(session, index)
        else:
            text = convention.strip()
            record = (
                get_convention(session, int(text))
                if text.isdigit()
                else find_convention(session, text)
            )
            found = convention_iati(session, index, record.id)
    output.write_bytes(found.xml)
    left = found.left_out
    out.print(
        say(
            "cli.iati.written",
            path=str(output),
            count=len(found.references),
            budgets=left.budgets,
            transactions=left.transactions,
            participants=left.participants,
        ),
        markup=False,
    )
