"""Errors as JSON `{"error": ..., "code": ..., "detail": [...]}`: what a user can fix is a
4xx. The message and each problem's reason are worded in the language of the request's
`Accept-Language` (fr, ar, en; English when it names none) from the catalogues
(`qurb.kernel.i18n`); `code` (and each problem's `code`) names the error whatever the
language, for a client to act on."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from qurb.kernel.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InputError,
    NotFound,
    PreconditionRequired,
    QurbError,
    Say,
    StaleVersion,
    Throttled,
    Unauthenticated,
    Unavailable,
)
from qurb.kernel.i18n import negotiate, say_in
from qurb.kernel.rows import pydantic_values, validation_errors
from qurb.platform.database import BUSY_RETRY_AFTER_S, is_busy
from qurb.platform.http import version_etag
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
    code: str | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"error": message, "code": code, "detail": detail or []},
        status_code=status,
        headers=headers,
    )


def sayer(request: Request) -> Say:
    """Words a catalogue message in the language of the request."""
    return say_in(negotiate(request.headers.get("accept-language")))


def _item(error: FieldError, say: Say) -> dict[str, Any]:
    return {
        "field": error.field,
        "reason": error.rendered(say),
        "row": error.row,
        "code": error.code or None,
    }


# The HTTP status of each kind of error a user can fix, by class (most specific first).
STATUSES: tuple[tuple[type[Exception], int], ...] = (
    (NotFound, 404),
    (Conflict, 409),
    (PreconditionRequired, 428),
    (Throttled, 429),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (Unavailable, 503),
    (InputError, 422),
    (QurbError, 422),
)


def status_for(error: Exception) -> int:
    return next((status for kind, status in STATUSES if isinstance(error, kind)), 500)


def _page_sign_in(request: Request) -> RedirectResponse | None:
    """A page (not the API) that needs an account, asked by nobody: the sign-in page,
    which comes back to it."""
    if request.method != "GET" or request.url.path.startswith("/api/"):
        return None
    back = quote(request.url.path, safe="/")
    return RedirectResponse(f"/sign-in?next={back}", status_code=303)


def _qurb(request: Request, error: Exception) -> Response:
    assert isinstance(error, QurbError)
    status = status_for(error)
    say = sayer(request)
    items = [_item(e, say) for e in error.errors]
    code = error.code or None
    if isinstance(error, Unavailable | Throttled) and error.retry_after_s is not None:
        headers = {"Retry-After": str(error.retry_after_s)}
        return error_response(status, error.rendered(say), items, headers=headers, code=code)
    if isinstance(error, StaleVersion):  # the version to read again, as an ETag
        headers = {"ETag": version_etag(error.current)}
        return error_response(status, error.rendered(say), items, headers=headers, code=code)
    if isinstance(error, Unauthenticated):
        page = _page_sign_in(request)
        if page is not None:
            return page
        headers = {"WWW-Authenticate": "Bearer"}
        return error_response(status, error.rendered(say), items, headers=headers, code=code)
    message, code = _worded(error, items, say)
    return error_response(status, message, items, code=code)


def _worded(error: QurbError, items: list[dict[str, Any]], say: Say) -> tuple[str, str | None]:
    """The message and the code of an error's document."""
    if not items or (isinstance(error, InputError) and error.worded) or error.code:
        return error.rendered(say), error.code or None
    if isinstance(error, NotFound):
        return items[0]["reason"], error.errors[0].code
    head = "; ".join(e.located(say) for e in error.errors[:3])
    return say("error.problems", {"count": len(error.errors), "head": head}), "problems"


def problem_document(error: BaseException, lang: str) -> tuple[int, dict[str, Any]]:
    """An error as the API answers it (status, body) in `lang`, outside a request: a
    background job's failure, shown to whoever polls it."""
    say = say_in(lang)
    if not isinstance(error, QurbError):
        message = say("error.internal", {"kind": type(error).__name__})
        return 500, {"error": message, "code": "internal", "detail": []}
    items = [_item(e, say) for e in error.errors]
    message, code = _worded(error, items, say)
    return status_for(error), {"error": message, "code": code, "detail": items}


def _request_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    say = sayer(request)
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
        reason = f"{item.get('msg', 'invalid')}{got}"
        values = pydantic_values(item)
        if values is not None:
            reason = say(f"reason.pydantic.{item['type']}", values)
            reason += f" {say('reason.got', {'got': shown})}" if shown else ""
        items.append({"field": name, "reason": reason, "row": None, "code": item.get("type")})
        fields.add(name)
    named = ", ".join(sorted(fields))
    message = say("error.invalid_request", {"fields": named})
    return error_response(422, message, items, code="invalid_request")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _pydantic(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ValidationError)
    say = sayer(request)
    items = [_item(e, say) for e in validation_errors(error)]
    message = say("error.invalid_values", {})
    return error_response(422, message, items, code="invalid_values")


def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    headers = error.headers
    if error.status_code == 405:
        allowed = allowed_methods(request)
        if allowed is not None:
            headers = {**(headers or {}), "Allow": allowed}
    code = HTTP_CODES.get(error.status_code)
    message = sayer(request)(f"error.{code}", {}) if code else str(error.detail)
    return error_response(error.status_code, message, headers=headers, code=code)


# The framework's own refusals that the catalogues word: a path no route serves, a method
# it does not take (the others, as the framework words them).
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


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
    message = sayer(request)("error.database_refused", {})
    return error_response(409, message, code="database_refused")


def _operational(request: Request, error: Exception) -> JSONResponse:
    """The database busy (SQLite locked past its timeout; a PostgreSQL deadlock or lock
    timeout): 503 with Retry-After, nothing written. Anything else is a fault."""
    if not is_busy(error):
        return _unexpected(request, error)
    log.warning("database busy on %s %s: %s", request.method, request.url.path, error)
    message = sayer(request)("error.database_busy", {"seconds": BUSY_RETRY_AFTER_S})
    headers = {"Retry-After": str(BUSY_RETRY_AFTER_S)}
    return error_response(503, message, headers=headers, code="database_busy")


def _stale(request: Request, error: Exception) -> JSONResponse:
    """An update SQLAlchemy found 0 rows for at the version it read: another write
    changed the record in between (a backstop: writes read the record locked)."""
    log.warning("record changed meanwhile on %s %s: %s", request.method, request.url.path, error)
    message = sayer(request)("error.edited_meanwhile", {})
    return error_response(409, message, code="edited_meanwhile")


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
    message = sayer(request)("error.internal", {"kind": type(error).__name__})
    return error_response(500, message, headers=headers, code="internal")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(QurbError, _qurb)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _pydantic)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(OperationalError, _operational)
    app.add_exception_handler(PoolTimeout, _operational)
    app.add_exception_handler(StaleDataError, _stale)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
