"""Every response points to the data licences: `Link: </licences>; rel="license"`."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qurb.kernel.attribution import LICENCES_PATH

LICENCE_LINK = f'<{LICENCES_PATH}>; rel="license"'
LINK_HEADER = (b"link", LICENCE_LINK.encode())


class LicenceLink:
    """Pure ASGI middleware: adds the licence `Link` header to every HTTP response (the data
    served is the census, the Ministry's lists and OpenStreetMap, each under its licence)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_link(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), LINK_HEADER]}
            await send(message)

        await self.app(scope, receive, send_with_link)
