"""What every `qurb` command shares: consoles, common options, the session and errors."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qurb.adapters.tabular import InputFileError
from qurb.cli.output import OutputFormat
from qurb.domain.errors import QurbError
from qurb.domain.norms import NormError
from qurb.services.dataset import init_database
from qurb.services.gaps import GapInputError
from qurb.services.registry import RegistryError, validation_errors
from qurb.services.territories import TerritoryNotFound
from qurb.storage.database import (
    SCHEMA_REVISION,
    default_url,
    make_engine,
    make_sessionmaker,
    transaction,
    upgrade_if_behind,
)

# Piped output is not squeezed into 80 columns (see cli.output).
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


def _fail(message: str, hint: str = "") -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    if hint:
        err.print(f"[dim]{hint}[/]")
    return typer.Exit(code=2)


def _engine(db: str | None) -> Engine:
    """The database engine; a database without the dataset is created and loaded first."""
    engine = make_engine(db or default_url())
    if not inspect(engine).has_table("dataset_meta"):
        with err.status("First run: creating the database and loading the bundled data…"):
            report = init_database(engine)
        err.print(
            f"[green]Loaded[/] {report.territories:,} territories, "
            f"{report.facilities_public:,} facilities of the Ministry's lists and "
            f"{report.facilities_osm:,} OpenStreetMap points (private or unknown sector, apart)."
        )
    elif upgrade_if_behind(engine):
        err.print(f"[green]Database schema upgraded[/] to revision {SCHEMA_REVISION}.")
    return engine


@contextmanager
def _session(db: str | None) -> Iterator[Session]:
    factory = make_sessionmaker(_engine(db))
    try:
        with transaction(factory) as session:
            yield session
    except TerritoryNotFound as error:
        raise _fail(
            str(error.args[0]),
            "Territories: HCP code (e.g. 03.231) or French/Arabic name; "
            "see `qurb territories --search TEXT`.",
        ) from None
    except RegistryError as error:
        raise _fail(str(error)) from None
    except NormError as error:
        raise _fail(str(error), "See `qurb norms` for the available norm sets.") from None
    except InputFileError as error:
        raise _fail(str(error)) from None
    except GapInputError as error:
        raise _fail(str(error)) from None
    except ValidationError as error:
        raise _fail(str(RegistryError(validation_errors(error)))) from None
    except QurbError as error:
        raise _fail(str(error)) from None
    except IntegrityError as error:
        raise _fail(f"the database refused the change, nothing was written: {error.orig}") from None


def _user(by: str | None = None) -> str:
    """Who makes a change: --by, else $QURB_USER, else the login name."""
    return by or os.environ.get("QURB_USER") or getpass.getuser()
