"""Response bodies kept in memory: encoded once, with their ETag and a gzipped copy."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

_T = TypeVar("_T")

GZIP_MIN_BYTES = 1024


def encode_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()


@dataclass(frozen=True)
class CachedBody:
    """A JSON body ready to send: bytes, gzipped bytes (when worth it) and a strong ETag."""

    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str = "application/json"

    @classmethod
    def from_bytes(cls, body: bytes, media_type: str = "application/json") -> CachedBody:
        digest = hashlib.sha256(body).hexdigest()[:32]
        packed = (
            gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
        )
        return cls(body, packed, f'"{digest}"', media_type)

    @classmethod
    def from_json(cls, value: Any, media_type: str = "application/json") -> CachedBody:
        return cls.from_bytes(encode_json(value), media_type)

    def response(self, request: Request, cache_control: str) -> Response:
        """200 with the body (gzipped if the client takes it), or 304 if it has it."""
        headers = {"ETag": self.etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding"}
        if _matches(request.headers.get("if-none-match"), self.etag):
            return Response(status_code=304, headers=headers)
        if self.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(self.gzipped, media_type=self.media_type, headers=headers)
        return Response(self.body, media_type=self.media_type, headers=headers)


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return etag in tags or "*" in tags


class ResultCache:
    """A bounded, thread-safe memo: least recently used entries go first."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def peek(self, key: Hashable) -> Any | None:
        """The entry under `key` if there is one (None otherwise): nothing computed."""
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key]

    def get_or_compute(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                value: _T = self._entries[key]
                return value
        value = compute()  # outside the lock: two threads may compute the same entry once
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
