"""`qurb map`: the map of a territory as a file, from the command line."""

from __future__ import annotations

import enum
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from qurb.indicators.map_sheet import map_sheet
from qurb.indicators.service import INDICATORS
from qurb.kernel.clock import today
from qurb.kernel.i18n import cli_lang
from qurb.platform.cli import DbOption, fail, open_session
from qurb.platform.database import database_url, make_engine, make_sessionmaker
from qurb.platform.output import say
from qurb.platform.settings import Settings
from qurb.platform.state import AppState
from qurb.territory.layers import DisplayLayers
from qurb.territory.service import TerritoryIndex

map_app = typer.Typer(no_args_is_help=True)


class MapFormat(enum.StrEnum):
    PDF = "pdf"


@map_app.callback()
def map_group() -> None:
    """The map of a territory as a file: a printable PDF page."""


@map_app.command("export")
def export_cmd(
    code: Annotated[str, typer.Argument(help="HCP code of the territory (MA: the country).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")],
    indicator: Annotated[
        str, typer.Option(help="The indicator's id (as `GET /api/indicators` lists them).")
    ] = "population_2024",
    param: Annotated[
        list[str] | None,
        typer.Option(help="An indicator's parameter, NAME=VALUE (repeat for each)."),
    ] = None,
    fmt: Annotated[
        MapFormat, typer.Option("--format", help="The file's format: pdf.")
    ] = MapFormat.PDF,
    db: DbOption = None,
) -> None:
    """The map of a territory as a printable PDF page: its title, legend, date and sources.

    In the command line's language (`qurb --lang ar map export …`)."""
    given = dict(p.partition("=")[::2] for p in param or ())
    pdf = _export(db, code, indicator, given, cli_lang(), today())
    output.write_bytes(pdf)
    typer.echo(say("cli.map.written", path=str(output), bytes=len(pdf)))


def _export(
    db: str | None, code: str, indicator_id: str, given: dict[str, str], lang: str, day: date
) -> bytes:
    engine = make_engine(database_url(db))
    state = AppState(Settings(database_url=database_url(db)), engine, make_sessionmaker(engine))
    try:
        with open_session(db) as session:
            index = TerritoryIndex.from_session(session)
            for part in (index, DisplayLayers(index), INDICATORS):
                state.add(part)
            indicator = INDICATORS.get(indicator_id)
            if code not in index.by_code:
                raise fail(say("error.no_territory", code=repr(code)))
            return map_sheet(
                session, state, indicator, code, indicator.resolve_params(given), lang, day
            )
    finally:
        state.close()
