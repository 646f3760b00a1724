"""Route dependencies as `Annotated` aliases: `SessionDep`, `SettingsDep`, `StateDep`…"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Header, Path, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, StringConstraints
from sqlalchemy.orm import Session

from qurb.kernel.errors import InputError, PreconditionRequired
from qurb.kernel.names import MAX_NAME_CHARS
from qurb.kernel.values import ID_PATTERN, TERRITORY_CODE_PATTERN, check_name
from qurb.platform.geojson import GEOJSON_MEDIA_TYPE
from qurb.platform.heavy import HeavyWork
from qurb.platform.settings import Settings
from qurb.platform.state import AppState

# A code, name or id in a path (territory code, facility, campaign, scenario id…): at most
# MAX_NAME_CHARS characters, else a 422 before the route runs. Query parameters that take
# one declare `Query(max_length=MAX_NAME_CHARS)`; `NameText` is one item of a list of them.
CodePath = Annotated[str, Path(max_length=MAX_NAME_CHARS)]
NameText = Annotated[str, StringConstraints(max_length=MAX_NAME_CHARS)]

# A territory in a path. Where the route takes an HCP code only, any other text is a 422
# naming the parameter before a lookup; where it also takes a French or Arabic name, the
# name is read as a person reads it: no NUL, no bidi override, no look-alike letters mixed.
TerritoryCodePath = Annotated[
    str,
    Path(
        max_length=MAX_NAME_CHARS,
        pattern=TERRITORY_CODE_PATTERN,
        description="an HCP code: MA, 03, 03.231, 03.231.81 or 03.231.81.03",
    ),
]
TerritoryPath = Annotated[
    str,
    Path(
        max_length=MAX_NAME_CHARS,
        description="an HCP code (03.231.81.03) or a French or Arabic name (accents optional)",
    ),
    AfterValidator(check_name),
]


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.qurb
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_settings(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(state: StateDep) -> AsyncIterator[Session]:
    """A read session; writes go through `AppState.write()` (one transaction each).

    Made in the event loop (a new session touches no database) and ended in a worker
    thread only when it holds a connection (ending it talks to the database): a route's
    dependencies are plain functions of the loop, one trip to the thread pool fewer each,
    which is what ten clients at once wait on."""
    session = state.factory()
    try:
        yield session
    finally:
        if session.in_transaction():
            await to_thread.run_sync(_end, session)
        else:
            session.close()


def _end(session: Session) -> None:
    session.rollback()
    session.close()


SessionDep = Annotated[Session, Depends(get_session)]

# An id in a path (a facility, a campaign, a scenario): any other string is a 422 naming
# the parameter, before a database sees it.
IdPath = Annotated[str, Path(pattern=ID_PATTERN, description="an id: a-z, 0-9, '.', '-'")]


async def heavy_work(state: StateDep) -> HeavyWork:
    """The app's heavy work (siting, what-if, planning): the routes that use it declare
    the permission it needs (`plan.run`, `caravans.plan`), so nobody runs it anonymously."""
    return state.part(HeavyWork)


HeavyDep = Annotated[HeavyWork, Depends(heavy_work)]


class GeoJSONResponse(JSONResponse):
    """JSON sent as `application/geo+json` (RFC 7946)."""

    media_type = GEOJSON_MEDIA_TYPE


# Optimistic concurrency: a record's version is its ETag on a read; a write to it names
# the version it read in If-Match. None given: 428; another one than the record's: 409
# with the record's ETag (`kernel.errors.StaleVersion`). `*` is a client saying, on
# purpose, that it writes over whatever is there. The OpenAPI document marks the header
# required (`app.openapi`): the route takes its absence to answer 428, not 422.
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='the ETag of the record as read (e.g. "3"), or * to write over any',
        min_length=1,
        max_length=200,
    ),
]


def version_etag(version: int) -> str:
    """A record's version as its (strong) ETag."""
    return f'"{version}"'


def wanted_versions(if_match: str | None) -> frozenset[int] | None:
    """The versions an If-Match names (a list of ETags; a weak one, `W/"3"` as a proxy
    that compressed the answer sends it back, names the same version: the ETag is the
    record's version, not its bytes); None for `*`. PreconditionRequired (428) without
    one; InputError (422) for an ETag that is no version Qurb gave."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(code="if_match_required")
    if if_match.strip() == "*":
        return None
    versions: set[int] = set()
    for tag in if_match.split(","):
        value = tag.strip().removeprefix("W/")
        inner = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else ""
        if not (inner.isascii() and inner.isdigit()) or len(inner) > 12:
            raise InputError(code="bad_if_match", values={"value": repr(tag.strip()[:40])})
        versions.add(int(inner))
    return frozenset(versions)
