"""The API's shapes, one per direction: requests extend the registry's own models (the
same validation as the CLI), responses are `*Read` models built from service results."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorItem(BaseModel):
    field: str | None = None
    reason: str
    row: int | None = None


class ErrorBody(BaseModel):
    error: str
    detail: list[ErrorItem] = []


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 403, 404, 409, 413, 422)
}

# Signing in (platform.auth): who asks is not proven, too many failed sign-ins.
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorBody,
        "description": "Not signed in, a wrong username or password, or a token unknown, "
        "expired or revoked (`code` says which).",
    },
    429: {
        "model": ErrorBody,
        "description": "Too many failed sign-ins for this username or address: nothing was "
        "checked; Retry-After says when to try again.",
        "headers": {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        },
    },
}

# Heavy work (platform.heavy): every slot taken (with Retry-After), past the deadline, or
# the worker lost.
HEAVY_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorBody,
        "description": "Not now: every slot for heavy work is taken (Retry-After says when "
        "to try again), or the work ran past the server's deadline; nothing was written.",
        "headers": {
            "Retry-After": {
                "description": "seconds to wait (when every slot is taken)",
                "schema": {"type": "integer"},
            }
        },
    }
}

# A write to a record that carries a version (`platform.http.IfMatch`): no If-Match (428),
# or one naming a version the record has moved past (409, with its ETag).
VERSIONED_WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorBody,
        "description": "The record changed since the version in If-Match "
        "(`stale_version`; the ETag header gives its version now), or the write clashes "
        "with what is stored: nothing was written. Read it again, then write.",
        "headers": {
            "ETag": {"description": "the record's version now", "schema": {"type": "string"}}
        },
    },
    428: {
        "model": ErrorBody,
        "description": "No If-Match (`if_match_required`): name the version read (the ETag "
        "of GET), or * to write over any.",
    },
}
