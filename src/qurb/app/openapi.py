"""The OpenAPI document as the API answers: an error is JSON (`ErrorBody`) on every route,
a GeoJSON, CSV or iCalendar route too, whatever media type its success has; who may call
each route (its security requirement: a personal token or the session cookie, with the
permission it needs), and the 401 and 403 that follow."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from qurb.platform.access import Access, declarations
from qurb.platform.schemas import ErrorBody

JSON = "application/json"


def errors_as_json(spec: dict[str, Any]) -> dict[str, Any]:
    """FastAPI files a route's error models under the route's own media type: move them
    to `application/json`, the media type every error is sent with."""
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content")
                if not status.startswith(("4", "5")) or not content or set(content) == {JSON}:
                    continue
                schema = content.get(JSON, next(iter(content.values())))
                response["content"] = {JSON: schema}
    return spec


SCHEMES = {
    "token": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token (`qurb_…`): `qurb login`, or /api/auth/tokens.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "qurb_session",
        "description": "A browser's session (/api/auth/sign-in); its writes also carry the "
        "session's CSRF token in `X-CSRF-Token`.",
    },
}
WRITES = ("post", "put", "patch", "delete")


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {JSON: {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }


def _secure(operation: dict[str, Any], method: str, access: Access) -> None:
    for parameter in operation.get("parameters", []):
        # A write to a versioned record must name the version (`platform.http.IfMatch`):
        # without it the route answers 428, which a declared default would hide.
        if parameter.get("in") == "header" and parameter.get("name") == "If-Match":
            parameter["required"] = True
    responses = operation.setdefault("responses", {})
    # Any request may carry a token the server refuses (unknown, expired, revoked).
    responses.setdefault(
        "401",
        _error(
            "A token unknown, expired or revoked, or nobody "
            "signed in where the route needs an account."
        ),
    )
    if method in WRITES:  # a database busy with other writers (platform.database.is_busy)
        busy = _error(
            "The database is busy with other writes (`database_busy`), or every slot for "
            "heavy work is taken: nothing was written; Retry-After says when to try again."
        )
        busy["headers"] = {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        }
        responses.setdefault("503", busy)
    if access.public and method not in WRITES:
        return
    responses.setdefault(
        "403",
        _error(
            "The account may not do this (`account_not_allowed`), "
            "not over this object (`outside_scope`), must change "
            "its password first; or a write without the session's "
            "CSRF token or from another origin."
        ),
    )
    if access.public:
        return
    scopes = [access.permission] if access.permission else []
    operation["security"] = [{"token": scopes}, {"session": scopes}]
    needs = access.describe()
    operation["description"] = (operation.get("description", "") + f"\n\nWho: {needs}.").strip()


def with_security(spec: dict[str, Any], routes: list[APIRoute]) -> dict[str, Any]:
    """Each operation's security requirement and 401/403, from its route's declaration."""
    spec.setdefault("components", {})["securitySchemes"] = SCHEMES
    schemas = spec["components"].setdefault("schemas", {})
    if "ErrorBody" not in schemas:  # every router names it today; stay whole if one does not
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(body.pop("$defs", {}))
        schemas["ErrorBody"] = body
    for route in routes:
        item = spec.get("paths", {}).get(route.path_format)
        found = declarations(route.dependant)
        if item is None or len(found) != 1:
            continue
        for method in route.methods or ():
            operation = item.get(method.lower())
            if operation is not None:
                _secure(operation, method.lower(), found[0])
    return spec


def install_openapi(app: FastAPI, routes: list[APIRoute]) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_security(errors_as_json(generate()), routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
