"""Errors as JSON `{"error": ..., "detail": [...]}`: what a user can fix is a 4xx."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from qurb.adapters.tabular import InputFileError
from qurb.domain.errors import QurbError
from qurb.domain.norms import NormError
from qurb.services.gaps import GapInputError
from qurb.services.registry import RegistryError, validation_errors
from qurb.services.territories import TerritoryNotFound
from qurb.web.indicators import IndicatorNotFound

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


def _registry(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RegistryError)
    items = [{"field": e.field, "reason": e.reason, "row": e.row} for e in error.errors]
    missing = any(e.field == "id" and e.reason.startswith("no facility") for e in error.errors)
    if missing:
        return error_response(404, error.errors[0].reason, items)
    head = "; ".join(str(e) for e in error.errors[:3])
    message = f"{len(error.errors)} problem(s), nothing was written: {head}"
    return error_response(422, message, items)


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


def _status(status: int) -> Any:
    def handler(request: Request, error: Exception) -> JSONResponse:
        return error_response(status, str(error.args[0] if error.args else error))

    return handler


def _http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return error_response(error.status_code, str(error.detail), headers=error.headers)


def _integrity(request: Request, error: Exception) -> JSONResponse:
    return error_response(409, f"the database refused the change, nothing was written: {error}")


def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, f"internal error ({type(error).__name__}); this is a bug in Qurb")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RegistryError, _registry)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ValidationError, _pydantic)
    app.add_exception_handler(TerritoryNotFound, _status(404))
    app.add_exception_handler(IndicatorNotFound, _status(404))
    app.add_exception_handler(GapInputError, _status(422))
    app.add_exception_handler(NormError, _status(422))
    app.add_exception_handler(InputFileError, _status(422))
    app.add_exception_handler(QurbError, _status(422))
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
