"""The OpenAPI document as the API answers: an error is JSON (`ErrorBody`) on every route,
a GeoJSON, CSV or iCalendar route too, whatever media type its success has."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

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


def install_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = errors_as_json(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
