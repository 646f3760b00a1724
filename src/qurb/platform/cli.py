"""What every `qurb` command shares: consoles, common options, the session and errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from qurb.kernel.errors import QurbError
from qurb.kernel.i18n import cli_lang, say_in
from qurb.kernel.rows import too_many, validation_errors
from qurb.platform.database import (
    database_url,
    is_busy,
    make_engine,
    make_sessionmaker,
    transaction,
)
from qurb.platform.output import OutputFormat, say

# Piped output is not squeezed into 80 columns (see platform.output).
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
out = Console(width=None if sys.stdout.isatty() else 160)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $QURB_DATABASE_URL or ./qurb.sqlite)."),
]
TerritoryOption = Annotated[
    str, typer.Option("--territory", "-t", help="Territory: HCP code or FR/AR name.")
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="table for people; csv/json/geojson for pipes."),
]

# The exit code of each kind of error a user can fix (by class, most specific first);
# every one is 2 ("usage": fix the input and run again) until a script needs to tell
# them apart.
EXIT_CODES: tuple[tuple[type[Exception], int], ...] = ((QurbError, 2),)

# How a database is made ready when a command opens it (created and loaded on first use,
# upgraded when an older Qurb made it): set by the composition root, `qurb.app.cli`.
_prepare_engine: list[Callable[[Engine], None]] = []


def set_engine_preparer(prepare: Callable[[Engine], None]) -> None:
    _prepare_engine[:] = [prepare]


def exit_code_for(error: Exception) -> int:
    return next((code for kind, code in EXIT_CODES if isinstance(error, kind)), 1)


def fail(message: str, hint: str = "", code: int = 2) -> typer.Exit:
    """Print an error (its text printed as is: it may quote a user's value) and the exit."""
    err.print(f"[bold red]{escape(say('cli.error'))}[/] {escape(message)}")
    if hint:
        err.print(f"[dim]{escape(hint)}[/]")
    return typer.Exit(code=code)


def worded(error: QurbError) -> str:
    """An error in the command line's language (`--lang`, $QURB_LANG, $LANG)."""
    return error.rendered(say_in(cli_lang()))


def open_engine(db: str | None) -> Engine:
    """The database engine, made ready by the composition root's preparer."""
    url = database_url(db)
    try:
        engine = make_engine(url)
    except ArgumentError:
        raise fail(say("cli.bad_database_url", got=url)) from None
    for prepare in _prepare_engine:
        prepare(engine)
    return engine


@contextmanager
def open_session(db: str | None, *, write: bool = False) -> Iterator[Session]:
    """One transaction on the database, its errors said in the command line's words;
    `write=True` for a command that reads what it changes (see
    `platform.database.WRITE_OPTION`)."""
    # The engine lives for this one transaction: a command run in a process that goes on
    # (a test, a notebook) must not keep its pool's connections open after it.
    engine = open_engine(db)
    factory = make_sessionmaker(engine, write=write)
    try:
        with transaction(factory) as session:
            yield session
    except QurbError as error:
        raise fail(worded(error), error.hint, exit_code_for(error)) from None
    except ValidationError as error:
        raise fail(str(too_many(validation_errors(error)))) from None
    except IntegrityError as error:
        raise fail(say("cli.database_refused", detail=str(error.orig))) from None
    except OperationalError as error:
        if not is_busy(error):
            raise
        raise fail(say("error.database_busy", seconds=1)) from None
    except StaleDataError:
        raise fail(say("error.edited_meanwhile")) from None
    finally:
        engine.dispose()
