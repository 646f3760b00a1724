"""A cap on request bodies: an oversized one is answered 413 before any route runs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qurb.platform.security import refuse


class BodySizeLimit:
    """Pure ASGI middleware: refuses a body over `max_bytes` (declared or streamed); a
    form's file (`multipart/form-data`) sent to a route that reads one (`is_upload`) may
    reach `upload_bytes` (an input file's limit and its envelope), the route then
    checking its own file's limit."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        upload_bytes: int = 0,
        is_upload: Callable[[str], bool] = lambda _path: False,
        route_limit: Callable[[str], int] = lambda _path: 0,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes
        self.is_upload = is_upload
        self.route_limit = route_limit

    def _limit(self, scope: Scope) -> int:
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        form = content_type.lower().startswith(b"multipart/form-data")
        if form and self.is_upload(scope.get("path", "")):
            return max(self.max_bytes, self.upload_bytes)
        return max(self.max_bytes, self.route_limit(scope.get("path", "")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, limit)
            return
        # Read the body now (bounded), then hand it to the app as one message.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], receive), send)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        values = {"limit": limit}
        closing = ((b"connection", b"close"),)
        await refuse(scope, send, 413, code="body_too_large", values=values, headers=closing)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


LARGE_BODY = "x-qurb-body-limit"  # a route's own cap on its JSON body, in bytes


def large_body(megabytes: int) -> dict[str, Any]:
    """A route's `openapi_extra` for a JSON body larger than the server's cap (a DHIS2
    payload): the cap it takes instead."""
    return {LARGE_BODY: megabytes * 1024 * 1024}


def body_limits(routes: Iterable[BaseRoute]) -> Callable[[str], int]:
    """The cap each route declares on its body (`large_body`), by path; 0 for the others."""
    declared = [
        (route.path_regex, int((route.openapi_extra or {})[LARGE_BODY]))
        for route in routes
        if isinstance(route, APIRoute) and LARGE_BODY in (route.openapi_extra or {})
    ]

    def limit(path: str) -> int:
        return max((n for pattern, n in declared if pattern.match(path)), default=0)

    return limit
