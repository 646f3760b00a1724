"""The conventions' web tests' world: a test client and the accounts that ask, each
request sent as one of them (or nobody), under a convention's address when one is given."""

from __future__ import annotations

from typing import Any

from tests.accounts import Someone
from tests.web_clients import TestClient


class World:
    def __init__(
        self, client: TestClient, people: dict[str, Someone], convention: int | None = None
    ) -> None:
        self.client, self.people = client, people
        self.prefix = "" if convention is None else f"/api/conventions/{convention}"

    def ask(self, who: str | None, method: str, url: str, **kw: Any) -> Any:
        """`url` (after the convention's address, when the world has one) as `who`."""
        headers = {**kw.pop("headers", {}), **(self.people[who].headers if who else {})}
        return self.client.request(method, self.prefix + url, headers=headers, **kw)
