"""`create_app(settings)`: the FastAPI app (HTTP API under /api, the map page at /).

Nothing happens at import time; creating the app opens the database (creating and
loading it on first use, as the CLI does) and keeps what does not change in memory.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.middleware.gzip import GZipMiddleware

from qurb.app.errors import install_error_handlers
from qurb.app.features import routers
from qurb.app.openapi import install_openapi
from qurb.app.pages import TEMPLATES
from qurb.app.schema import SCHEMA_REVISION, schema_revision
from qurb.app.state import open_state
from qurb.data import LOCALES_DIR
from qurb.identity.dependencies import session_policy
from qurb.identity.web_sessions import resolver
from qurb.platform.access import Public
from qurb.platform.auth import Authentication
from qurb.platform.files import FileLimits
from qurb.platform.form_upload import form_body_limit, upload_paths
from qurb.platform.licence_link import LicenceLink
from qurb.platform.limits import BodySizeLimit, body_limits
from qurb.platform.request_log import RequestLog
from qurb.platform.security import HostAndOrigin, SecurityHeaders
from qurb.platform.settings import Settings
from qurb.platform.templating import LAYOUT_STATIC, render

STATIC_DIR = Path(__file__).resolve().parent / "static"
log = logging.getLogger("qurb.web")

DESCRIPTION = """The carte sanitaire of Morocco as data: territories (HCP 2024) down to the
commune, every public health facility of the Ministry's lists, the OpenStreetMap private
offer, and norm gaps. Unknown figures are `null`, never 0. Errors are
`{"error": message, "code": code, "detail": [{"field", "reason", "row", "code"}]}`,
worded in the language of `Accept-Language` (fr, ar, en; English by default). Every
response links to the data licences (`Link: </licences>; rel="license"`); downloadable
files (CSV, GeoJSON) name their sources and licences (a `# Sources:` comment line;
`attribution` and `license` members)."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    state = open_state(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    app = FastAPI(
        title="Qurb — carte sanitaire",
        version=version("qurb"),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below from the vendored Swagger UI: no CDN
        redoc_url=None,
    )
    app.state.qurb = state
    install_error_handlers(app)
    included = routers()
    api_routes = [r for router in included for r in router.routes if isinstance(r, APIRoute)]
    install_openapi(app, api_routes)
    for router in included:
        app.include_router(router)

    @app.get("/docs", include_in_schema=False)
    def docs(_: Public) -> HTMLResponse:
        # The vendored Swagger UI, started by a static script (no inline script: the CSP).
        return HTMLResponse(
            render(
                TEMPLATES,
                "docs.html",
                lang="en",
                title="Qurb — API",
                stylesheets=["/static/vendor/swagger-ui/swagger-ui.css"],
            )
        )

    @app.get("/health", include_in_schema=False)
    def health(_: Public) -> JSONResponse:
        report = health_report(state.engine)
        status = 200 if report["status"] == "ok" else 503
        return JSONResponse(report, status_code=status, headers={"Cache-Control": "no-store"})

    # The base layout's own files (the printable documents' style sheet), then the app's.
    app.mount("/static/layout", StaticFiles(directory=LAYOUT_STATIC), name="layout")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # The catalogues of words, read by the page as by the server (`platform.i18n`).
    app.mount("/locales", StaticFiles(directory=LOCALES_DIR), name="locales")
    # Who asks (a bearer token or the session cookie), once per request; the CSRF rule.
    app.add_middleware(Authentication, resolve=resolver(state.factory, session_policy(settings)))
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_bytes,
        upload_bytes=form_body_limit(FileLimits.from_env()),
        is_upload=upload_paths(api_routes),
        route_limit=body_limits(api_routes),
    )
    app.add_middleware(HostAndOrigin, public_url=settings.public_url)
    # Outer ones: even a refused host, origin or body carries these headers.
    app.add_middleware(SecurityHeaders, tile_url=settings.tile_url)
    app.add_middleware(LicenceLink)
    app.add_middleware(RequestLog)
    return app


def health_report(engine: Engine) -> dict[str, Any]:
    """Is the database reachable, and is its schema the one this Qurb expects?"""
    try:
        revision = schema_revision(engine)
    except SQLAlchemyError as error:
        log.warning("health: database unreachable: %s", error)
        return {
            "status": "unavailable",
            "database": "unreachable",
            "schema": None,
            "schema_current": False,
        }
    current = revision == SCHEMA_REVISION
    return {
        "status": "ok" if current else "unavailable",
        "database": "ok" if revision is not None else "not a Qurb database",
        "schema": revision,
        "schema_current": current,
    }
