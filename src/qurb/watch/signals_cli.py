"""`qurb watch signals`: the outbreak signals of a territory's units."""

from __future__ import annotations

from typing import Annotated

import typer

from qurb.kernel.attribution import Attribution
from qurb.platform.cli import DbOption, FormatOption, TerritoryOption, open_session
from qurb.platform.output import OutputFormat, render, say
from qurb.watch.signals_model import SignalStatus

SOURCES = Attribution.of()  # worked out from the reports entered in this database
COLUMNS = [
    "id", "dataset", "element", "unit_code", "level", "week", "method", "observed",
    "expected", "upperbound", "alarm", "status", "provisional", "revised_at", "triage_state",
]  # fmt: skip


def signals_cmd(
    territory: TerritoryOption = "MA",
    status: Annotated[
        SignalStatus | None, typer.Option("--status", help="active or revised (default: both).")
    ] = None,
    week: Annotated[str | None, typer.Option("--week", help="Only this week (2026W48).")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    db: DbOption = None,
) -> None:
    """The outbreak signals of a territory's facilities, communes, provinces and regions,
    the latest week first: the method, observed, expected and upper bound."""
    from qurb.watch.signals import list_signals

    with open_session(db) as session:
        found = list_signals(session, territory, status, week)
    rows = [{k: getattr(s, k) for k in COLUMNS} for s in found]
    render(rows, COLUMNS, fmt, title=say("cli.watch.signals_title", territory=territory),
           sources=SOURCES)  # fmt: skip
