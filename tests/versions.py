"""The If-Match a write to a versioned record sends (`platform.http.IfMatch`)."""

from __future__ import annotations

from typing import Any

ANY_VERSION = {"If-Match": "*"}  # a client that writes over whatever is there, on purpose


def read_at(client: Any, facility_id: str) -> dict[str, str]:
    """If-Match naming the facility's version as `client` reads it now (its ETag)."""
    response = client.get(f"/api/facilities/{facility_id}")
    assert response.status_code == 200, response.text
    return {"If-Match": response.headers["etag"]}
