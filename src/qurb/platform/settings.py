"""What the web app is configured with: the database, editing rights, the base map, the
public address."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator

from qurb.kernel.errors import InputError
from qurb.platform.database import default_url

TILE_URL_ENV = "QURB_TILE_URL"  # e.g. a local tile server; none: territory polygons only
PUBLIC_URL_ENV = "QURB_PUBLIC_URL"  # e.g. https://carte.example.ma behind a TLS proxy
# Heavy work (siting, what-if, campaign planning): worker processes of this server, jobs
# at once across every server process on the database, and each job's hard deadline (s).
HEAVY_WORKERS_ENV = "QURB_HEAVY_WORKERS"
HEAVY_JOBS_ENV = "QURB_HEAVY_JOBS"
HEAVY_DEADLINE_ENV = "QURB_HEAVY_DEADLINE_S"
# A signed-in browser's session ends after this many idle minutes, and at the latest after
# this many hours.
SESSION_IDLE_ENV = "QURB_SESSION_IDLE_MINUTES"
SESSION_HOURS_ENV = "QURB_SESSION_HOURS"


def env_int(name: str, default: int) -> int:
    """A whole-number setting of at least 1 from the environment, else `default`; any
    other value is refused naming the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise InputError(code="setting_not_whole", values={"name": name, "value": repr(raw)})
    return int(raw)


class Settings(BaseModel):
    """Settings of one app. `Settings.from_env()` reads them like the CLI does."""

    database_url: str = Field(
        default_factory=default_url,
        description="SQLAlchemy URL; default $QURB_DATABASE_URL or ./qurb.sqlite",
    )
    tile_url: str | None = Field(
        default=None,
        description="Background tiles URL template ({z}/{x}/{y}); none: polygons only, offline.",
    )
    tile_attribution: str | None = None
    max_request_bytes: int = Field(default=256 * 1024, ge=1024)

    heavy_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Worker processes of this server for heavy work (siting, what-if, "
        "campaign planning), run below the server's priority.",
    )
    heavy_jobs: int = Field(
        default=1,
        ge=1,
        le=256,
        description="Heavy jobs at once across every server process on this database; "
        "beyond, 503 with Retry-After.",
    )
    heavy_deadline_s: float = Field(
        default=120.0,
        gt=0,
        le=3600,
        description="Hard deadline of one heavy job in seconds, building its model included: "
        "the worker is stopped at it (and when the client leaves).",
    )

    session_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="A signed-in browser's session ends after this many minutes unused.",
    )
    session_hours: int = Field(
        default=12,
        ge=1,
        le=24 * 30,
        description="A signed-in browser's session ends this many hours after sign-in, "
        "used or not.",
    )

    public_url: str | None = Field(
        default=None,
        description="The URL users reach the server at (e.g. https://carte.example.ma): the only "
        "host name accepted and the origin writes must come from; https: behind a TLS proxy "
        "whose X-Forwarded-Proto/Host are trusted. None: this machine only (localhost).",
    )

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a public URL is http:// or https:// and names a host")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("a public URL has no user, query or fragment")
        if parts.path not in ("", "/"):
            raise ValueError("Qurb is served at the root of its host: a public URL has no path")
        return f"{parts.scheme}://{parts.netloc.lower()}"

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over TLS: when the public URL is https."""
        return bool(self.public_url and self.public_url.startswith("https://"))

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "tile_url": os.environ.get(TILE_URL_ENV) or None,
            "public_url": os.environ.get(PUBLIC_URL_ENV) or None,
            "heavy_workers": os.environ.get(HEAVY_WORKERS_ENV) or None,
            "heavy_jobs": os.environ.get(HEAVY_JOBS_ENV) or None,
            "heavy_deadline_s": os.environ.get(HEAVY_DEADLINE_ENV) or None,
            "session_idle_minutes": os.environ.get(SESSION_IDLE_ENV) or None,
            "session_hours": os.environ.get(SESSION_HOURS_ENV) or None,
        }
        values = {k: v for k, v in values.items() if v is not None}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)
