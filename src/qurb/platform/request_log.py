"""One JSON log line per request (method, path, status, duration_ms, request_id); the request
id (the client's `X-Request-ID` if sane, else a new one) is returned in `X-Request-ID` and
named by every log line of the `qurb` loggers while the request runs."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("qurb.request")

REQUEST_ID: ContextVar[str | None] = ContextVar("qurb_request_id", default=None)
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# The request's id is also kept in its ASGI scope: an unexpected error is answered by
# Starlette's outermost middleware, after this one has finished, and reads it from there.
SCOPE_KEY = "qurb.request_id"


def scope_request_id(scope: Scope) -> str | None:
    """The id `RequestLog` gave this request (None if it did not see it)."""
    rid = scope.get(SCOPE_KEY)
    return rid if isinstance(rid, str) else None


@contextmanager
def logging_for(rid: str | None) -> Iterator[None]:
    """Log lines written inside name the request `rid`."""
    token = REQUEST_ID.set(rid)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


def install_request_id() -> None:
    """Every record of a `qurb.*` logger gets `record.request_id` (None outside a request): a
    record factory, since a logger's own filter does not see its children's records."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "qurb_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name == "qurb" or record.name.startswith("qurb."):
            record.request_id = REQUEST_ID.get()
        return record

    factory.qurb_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonLines(logging.Formatter):
    """A record as one JSON line; a request's line is already one."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == log.name:
            return record.getMessage()
        line: dict[str, Any] = {
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)


def configure_logging(level: int = logging.INFO) -> None:
    """The server's log: the `qurb` loggers as JSON lines on stderr."""
    install_request_id()
    logger = logging.getLogger("qurb")
    if not any(isinstance(h.formatter, JsonLines) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonLines())
        logger.addHandler(handler)
    logger.setLevel(level)


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name.lower() == b"x-request-id":
            text = value.decode("latin-1")
            if SANE_ID.fullmatch(text):
                return text
    return uuid.uuid4().hex


class RequestLog:
    """Pure ASGI middleware: the request id in and out, and the request's log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        install_request_id()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope["headers"])
        scope[SCOPE_KEY] = rid
        token = REQUEST_ID.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", rid.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.INFO):  # the line is not even made when unlogged
                line = {
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": rid,
                }
                log.info(json.dumps(line))
            REQUEST_ID.reset(token)
