"""Errors as JSON `{"error": ..., "detail": [...]}`: what a user can fix is a 4xx."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from qurb.kernel.errors import (
    Conflict,
    Forbidden,
    InputError,
    NotFound,
    QurbError,
    Unavailable,
)
from qurb.kernel.rows import validation_errors
from qurb.platform.licence_link import LICENCE_LINK
from qurb.platform.request_log import logging_for, scope_request_id
from qurb.platform.security import security_headers

log = logging.getLogger("qurb.web")

LOCATIONS = ("body", "query", "path", "header")


def error_response(
    status: int,
    message: str,
    detail: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"error": message, "detail": detail or []}, status_code=status, headers=headers
    )


# The HTTP status of each kind of error a user can fix, by class (most specific first).
STATUSES: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (Forbidden, 403),
    (Unavailable, 503),
    (InputError, 422),
    (QurbError, 422),
)


def status_for(error: Exception) -> int:
    return next((status for kind, status in STATUSES if isinstance(error, kind)), 500)


def _qurb(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, QurbError)
    status = status_for(error)
    items = [{"field": e.field, "reason": e.reason, "row": e.row} for e in error.errors]
    if isinstance(error, Unavailable) and error.retry_after_s is not None:
        return error_response(
            status, str(error), items, headers={"Retry-After": str(error.retry_after_s)}
        )
    if not items or (isinstance(error, InputError) and error.worded):
        return error_response(status, str(error), items)
    if isinstance(error, NotFound):
        return error_response(status, error.errors[0].reason, items)
    head = "; ".join(str(e) for e in error.errors[:3])
    message = f"{len(error.errors)} problem(s), nothing was written: {head}"
    return error_response(status, message, items)


def _request_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    items: list[dict[str, Any]] = []
    fields: set[str] = set()
    for item in error.errors():
        loc = [str(p) for p in item.get("loc", ())]
        where = loc[0] if loc and loc[0] in LOCATIONS else None
        name = ".".join(loc[1:] if where else loc) or (where or "request")
        shown = (
            "" if item.get("type") == "missing" or "input" not in item else _short(item["input"])
        )
        got = f" (got {shown})" if shown else ""
        items.append({"field": name, "reason": f"{item.get('msg', 'invalid')}{got}", "row": None})
        fields.add(name)
    named = ", ".join(sorted(fields))
    return error_response(422, f"invalid request: {named}; nothing was written", items)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _pydantic(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ValidationError)
    items = [{"field": e.field, "reason": e.reason, "row": e.row} for e in validation_errors(error)]
    return error_response(422, "invalid values; nothing was written", items)


def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    headers = error.headers
    if error.status_code == 405:
        allowed = allowed_methods(request)
        if allowed is not None:
            headers = {**(headers or {}), "Allow": allowed}
    return error_response(error.status_code, str(error.detail), headers=headers)


def allowed_methods(request: Request) -> str | None:
    """Every method the resource at this path takes, as the OpenAPI document lists them
    (Starlette's 405 names only those of the first route matched): those of the path
    written as is, else those of the templates it matches (`/api/access/what-if` is not a
    territory code). None for a path the document does not list."""
    path = request.scope["path"]
    literal: set[str] = set()
    templated: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        methods = {method.upper() for method in item if method in HTTP_METHODS}
        if template == path:
            literal |= methods
        elif "{" in template and _template(template).fullmatch(path):
            templated |= methods
    return ", ".join(sorted(literal or templated)) or None


HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@lru_cache(maxsize=256)
def _template(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def _integrity(request: Request, error: Exception) -> JSONResponse:
    # The statement and its values stay in the server's log: they are no client's business.
    log.warning("database refused %s %s: %s", request.method, request.url.path, error)
    return error_response(
        409,
        "the database refused the change (it clashes with what is stored); nothing was written",
    )


def _unexpected(request: Request, error: Exception) -> JSONResponse:
    # Answered outside every middleware (Starlette's last resort), once the request's log
    # line is written: the headers are set here, the request id read from the scope.
    rid = scope_request_id(request.scope)
    with logging_for(rid):
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    headers = {**security_headers(), "link": LICENCE_LINK}
    if rid is not None:
        headers["x-request-id"] = rid
    # The type of the error only: its text and traceback are in the server's log.
    return error_response(
        500, f"internal error ({type(error).__name__}); this is a bug in Qurb", headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(QurbError, _qurb)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _pydantic)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
