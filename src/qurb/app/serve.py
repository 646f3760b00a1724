"""`qurb serve`: the map and the HTTP API on a local web server."""

from __future__ import annotations

import os
import threading
import webbrowser
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from qurb.kernel.errors import QurbError
from qurb.platform.cli import DbOption, err, fail, open_engine, out, worded
from qurb.platform.database import database_url
from qurb.platform.output import say
from qurb.platform.settings import PUBLIC_URL_ENV, TILE_URL_ENV

if TYPE_CHECKING:
    from fastapi import FastAPI

    from qurb.platform.state import AppState

ADMIN_PASSWORD_ENV = "QURB_ADMIN_PASSWORD"
DATABASE_URL_ENV = "QURB_DATABASE_URL"  # read by platform.database.default_url
MAX_WORKERS = 64


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: DbOption = None,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in a web browser.")
    ] = False,
    tile_url: Annotated[
        str | None,
        typer.Option(help="Background tiles URL ({z}/{x}/{y}); default none: works offline."),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="The URL users reach the server at, e.g. https://carte.example.ma (default "
            "$QURB_PUBLIC_URL; none: localhost only). Its host is the only name answered; "
            "https: behind a TLS proxy, whose X-Forwarded-Proto/Host are trusted from "
            "$FORWARDED_ALLOW_IPS (default 127.0.0.1).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_WORKERS,
            help="Server processes (PostgreSQL only; SQLite has one writer: 1 there).",
        ),
    ] = 1,
) -> None:
    """Serve the carte sanitaire: the map page at / and the HTTP API under /api (docs: /docs)."""
    import uvicorn
    from sqlalchemy import make_url

    from qurb.app.web import create_app
    from qurb.platform.settings import Settings

    url_db = database_url(db)
    if workers > 1 and make_url(url_db).get_backend_name() == "sqlite":
        raise fail(
            say("cli.serve.workers_need_postgres", workers=workers),
            say("cli.serve.workers_hint"),
        )
    open_engine(url_db).dispose()  # first run: create and load the database, with progress
    settings = Settings.from_env(database_url=url_db, tile_url=tile_url, public_url=public_url)
    app = create_app(settings)
    first_start(app.state.qurb)
    shown_host = "localhost" if host in ("127.0.0.1", "::1") else host
    url = f"{settings.public_url}/" if settings.public_url else f"http://{shown_host}:{port}/"
    out.print(say("cli.serve.banner", url=url))
    if open_browser:
        threading.Timer(1.0, webbrowser.open, [url]).start()
    from qurb.platform.request_log import configure_logging  # Starlette: only to serve

    configure_logging()  # one JSON line per request on stderr
    # X-Forwarded-* are read by the app itself, only behind an https public URL.
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
        return
    # N processes, each its own app made by `worker_app` from the same settings (passed
    # down in the environment); the database is ready, the first administrator made.
    app.state.qurb.close()
    os.environ[DATABASE_URL_ENV] = url_db
    for variable, value in ((TILE_URL_ENV, tile_url), (PUBLIC_URL_ENV, public_url)):
        if value:
            os.environ[variable] = value
    uvicorn.run(
        "qurb.app.serve:worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=False,
    )


def worker_app() -> FastAPI:
    """One server process of `qurb serve --workers N`: its logging, its app."""
    from qurb.app.web import create_app
    from qurb.platform.request_log import configure_logging

    configure_logging()
    return create_app()


def first_start(state: AppState) -> None:
    """With no account yet, create the administrator `admin`; its one-time password (or
    the one $QURB_ADMIN_PASSWORD gives) is said on stderr, this once."""
    from qurb.identity.first_start import ADMIN_USERNAME, ensure_administrator
    from qurb.territory.service import TerritoryIndex

    given = os.environ.get(ADMIN_PASSWORD_ENV) or None
    try:
        with state.write() as session:
            password = ensure_administrator(session, state.part(TerritoryIndex), given)
    except QurbError as error:  # a password $QURB_ADMIN_PASSWORD gives that is refused
        raise fail(f"{ADMIN_PASSWORD_ENV}: {worded(error)}", error.hint) from None
    if password is None:
        return
    if given:
        err.print(say("cli.serve.admin_given", username=ADMIN_USERNAME, setting=ADMIN_PASSWORD_ENV))
    else:
        err.print(
            say("cli.serve.admin_created", username=ADMIN_USERNAME, password=escape(password))
        )
