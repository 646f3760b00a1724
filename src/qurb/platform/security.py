"""On a network: the server answers only to its own host names (a DNS-rebinding page gets
400), takes writes only from its own pages (another `Origin` gets 403), and every answer
carries a Content-Security-Policy and the other security headers."""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qurb.kernel.i18n import negotiate, say_in

# Without a public URL the server is this machine's: loopback names (and the test client's).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "testserver"})
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
# Addresses whose X-Forwarded-* headers are believed (uvicorn's variable; "*": any).
FORWARDED_ALLOW_IPS_ENV = "FORWARDED_ALLOW_IPS"


def _origin(scheme: str, host: str) -> str:
    default = {"http": ":80", "https": ":443"}.get(scheme, "")
    host = host.lower()
    return f"{scheme}://{host.removesuffix(default) if default else host}"


def host_name(host: str) -> str:
    """`example.ma:8000` → `example.ma`; `[::1]:8000` → `[::1]`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _trusted(peer: str | None, allowed: str) -> bool:
    names = {a.strip() for a in allowed.split(",") if a.strip()}
    if "*" in names:
        return True
    if peer is None:
        return False
    for name in names:
        try:
            if ipaddress.ip_address(peer) in ipaddress.ip_network(name, strict=False):
                return True
        except ValueError:
            continue
    return False


def _ip(text: str) -> str | None:
    """`text` as an IP address (v4 or v6, with or without a port: `1.2.3.4:5678`,
    `[2001:db8::1]:443`), or None if it is not one."""
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


class HostAndOrigin:
    """Pure ASGI middleware: 400 for a `Host` not the server's, 403 for a write whose `Origin`
    is present and not the server's own. Behind a TLS proxy (an https public URL), the proxy's
    `X-Forwarded-Proto` and `X-Forwarded-Host` are taken from the addresses in
    $FORWARDED_ALLOW_IPS (default 127.0.0.1)."""

    def __init__(self, app: ASGIApp, public_url: str | None) -> None:
        self.app = app
        self.public_origin: str | None = None
        self.hosts = LOCAL_HOSTS
        self.behind_proxy = False
        if public_url:
            parts = urlsplit(public_url)
            self.public_origin = _origin(parts.scheme, parts.netloc)
            self.hosts = frozenset({host_name(parts.netloc)})
            self.behind_proxy = parts.scheme == "https"
        self.forwarded_allow_ips = os.environ.get(FORWARDED_ALLOW_IPS_ENV, "127.0.0.1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get(b"host", "")
        if self.behind_proxy and _trusted(
            (scope.get("client") or (None,))[0], self.forwarded_allow_ips
        ):
            scope = self._forwarded(scope, headers)
            host = headers.get(b"x-forwarded-host", host).split(",")[0].strip()
        if host_name(host) not in self.hosts:
            await refuse(scope, send, 400, code="unknown_host")
            return
        origin = headers.get(b"origin")
        if scope["method"] in WRITES and origin is not None:
            own = self.public_origin or _origin(scope.get("scheme", "http"), host)
            if origin.lower() != own:
                await refuse(scope, send, 403, code="foreign_origin")
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _forwarded(scope: Scope, headers: dict[bytes, str]) -> Scope:
        """The scheme the client used, and its address: the last one X-Forwarded-For
        names, which the trusted proxy added (those before it, the client may have
        written), so that the sign-in throttle counts each client's address."""
        proto = headers.get(b"x-forwarded-proto", "").split(",")[0].strip().lower()
        if proto in ("http", "https"):
            scope = {**scope, "scheme": proto}
        chain = headers.get(b"x-forwarded-for", "").split(",")
        address = _ip(chain[-1].strip())
        if address is not None:
            scope = {**scope, "client": (address, 0)}
        return scope


def content_security_policy(tile_url: str | None) -> str:
    """No inline script or style anywhere; images also from the tile server if one is set."""
    images = "'self' data:"
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "*"))
        if parts.scheme in ("http", "https") and parts.netloc:
            images += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    )


def security_headers(tile_url: str | None = None) -> dict[str, str]:
    return {
        "content-security-policy": content_security_policy(tile_url),
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "x-frame-options": "DENY",
    }


class SecurityHeaders:
    """Pure ASGI middleware: the CSP, nosniff, same-origin referrer and no framing, on every
    HTTP answer (pages, the API, static files, errors)."""

    def __init__(self, app: ASGIApp, tile_url: str | None) -> None:
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in security_headers(tile_url).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def refuse(
    scope: Scope,
    send: Send,
    status: int,
    code: str,
    values: Mapping[str, object] | None = None,
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    """A middleware's refusal, shaped as every error of the app (`{"error", "code",
    "detail"}`) and worded in the language of the request's `Accept-Language`."""
    accept = dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1")
    message = say_in(negotiate(accept))(f"error.{code}", values or {})
    payload = json.dumps({"error": message, "code": code, "detail": []}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
