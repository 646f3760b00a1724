"""The conventions' pages kept in memory, encoded, until the next write: the key holds
the audit trail's last seq (every write appends its entry in its own transaction,
whichever process made it, so a body is never older than the last write) and the day
(what "today" decides).

A request whose credential was resolved knows the head already (read with who asks,
`platform.auth.Resolution.head`): a body kept under it is answered from the event loop,
with no trip to the thread pool and no database read. Anyone else, or a body not kept
yet, is answered in a worker thread, on a read session of its own that reads the head
with the rows."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date

from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from qurb.audit import service as audit
from qurb.platform.auth import resolved
from qurb.platform.cache import CachedBody
from qurb.platform.state import AppState

CACHE_CONTROL = "private, no-cache"  # the reader's own; asked again, an ETag may be a 304
Key = tuple[Hashable, ...]
Check = Callable[[Session, int], None]


async def kept_response(
    request: Request,
    state: AppState,
    key: Key,
    make: Callable[[Session], BaseModel],
    day: date,
    check: Check | None = None,
    check_kept: Callable[[int], bool] | None = None,
) -> Response:
    """The body `make` gives on a read session, kept under `key`, the head and `day`.
    `check(session, head)` runs first on a read session (a refusal raised); on the kept
    path `check_kept(head)` stands for it from what is kept (a refusal raised; False when
    it cannot tell: the read session's path then)."""
    head = resolved(request).head
    if head is not None and (check_kept is None or check_kept(head)):
        found = state.results.peek((*key, head, day))
        if isinstance(found, CachedBody):
            return found.response(request, CACHE_CONTROL)
    return await run_in_threadpool(_computed, request, state, key, make, day, check)


def _computed(
    request: Request,
    state: AppState,
    key: Key,
    make: Callable[[Session], BaseModel],
    day: date,
    check: Check | None,
) -> Response:
    with state.factory() as session:
        head = audit.head(session).seq
        if check is not None:
            check(session, head)

        def encode() -> CachedBody:
            return CachedBody.from_bytes(make(session).model_dump_json().encode())

        body = state.results.get_or_compute((*key, head, day), encode)
        return body.response(request, CACHE_CONTROL)
