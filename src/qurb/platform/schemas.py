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
