"""`qurb serve`: the map and the HTTP API on a local web server."""

from __future__ import annotations

import threading
import webbrowser
from typing import Annotated

import typer

from qurb.platform.cli import DbOption, err, open_engine, out
from qurb.platform.database import default_url

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: DbOption = None,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in a web browser.")
    ] = False,
    local_edit: Annotated[
        bool | None,
        typer.Option(
            "--local-edit/--read-only",
            help="Allow editing the registry from the page (default: on, or $QURB_LOCAL_MODE).",
        ),
    ] = None,
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
) -> None:
    """Serve the carte sanitaire: the map page at / and the HTTP API under /api (docs: /docs)."""
    import uvicorn

    from qurb.app.web import create_app
    from qurb.platform.settings import Settings

    url_db = db or default_url()
    open_engine(url_db).dispose()  # first run: create and load the database, with progress
    settings = Settings.from_env(
        database_url=url_db, local_mode=local_edit, tile_url=tile_url, public_url=public_url
    )
    app = create_app(settings)
    shown_host = "localhost" if host in ("127.0.0.1", "::1") else host
    url = f"{settings.public_url}/" if settings.public_url else f"http://{shown_host}:{port}/"
    mode = "editing on (local mode)" if settings.local_mode else "read-only"
    out.print(f"Qurb — carte sanitaire: [bold]{url}[/]  (API docs: {url}docs; {mode})")
    if settings.local_mode and host not in LOOPBACK:
        err.print(
            "[yellow]warning:[/] editing is on and the server listens beyond this machine; "
            "anyone who reaches it can change the registry (use --read-only)."
        )
    if open_browser:
        threading.Timer(1.0, webbrowser.open, [url]).start()
    from qurb.platform.request_log import configure_logging  # Starlette: only to serve

    configure_logging()  # one JSON line per request on stderr
    # X-Forwarded-* are read by the app itself, only behind an https public URL.
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
