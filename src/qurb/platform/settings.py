"""What the web app is configured with: the database, editing rights, the base map."""

from __future__ import annotations

import getpass
import os

from pydantic import BaseModel, Field

from qurb.platform.database import default_url

LOCAL_MODE_ENV = "QURB_LOCAL_MODE"  # "0"/"false": the registry is read-only on the web
TILE_URL_ENV = "QURB_TILE_URL"  # e.g. a local tile server; none: territory polygons only


def _default_user() -> str:
    try:
        return os.environ.get("QURB_USER") or getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "web"


def _env_flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off")


class Settings(BaseModel):
    """Settings of one app. `Settings.from_env()` reads them like the CLI does."""

    database_url: str = Field(
        default_factory=default_url,
        description="SQLAlchemy URL; default $QURB_DATABASE_URL or ./qurb.sqlite",
    )
    local_mode: bool = Field(
        default=True,
        description="Single-user editing allowed (add, update, close facilities from the page).",
    )
    tile_url: str | None = Field(
        default=None,
        description="Background tiles URL template ({z}/{x}/{y}); none: polygons only, offline.",
    )
    tile_attribution: str | None = None
    max_request_bytes: int = Field(default=256 * 1024, ge=1024)
    default_user: str = Field(
        default_factory=_default_user,
        description="Who an edit is recorded as when the request names nobody.",
    )

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "local_mode": _env_flag(LOCAL_MODE_ENV, True),
            "tile_url": os.environ.get(TILE_URL_ENV) or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)
