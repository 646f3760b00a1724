"""What a reader sees on the scanner of tests/sharing_region.py: `GET /api/sharing/bookings`
gives a clerk its partner's bookings only (clerk A never sees partner B's), the manager
every booking of its resource, filtered by status, dates and resource; a resource's week
names a booking's partner to that partner and to the manager only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from qurb.app.web import create_app
from qurb.platform.settings import Settings
from tests.sharing_region import PARTNER_A, PARTNER_B, Clock, Scanner, sharing_clock
from tests.web_clients import TestClient

__all__ = ["sharing_clock"]

# Tuesday 8 December 2026, 08:00 and 09:00 local (UTC+1): two slots of the scanner.
EIGHT = "2026-12-08T08:00:00+01:00"
NINE = "2026-12-08T09:00:00+01:00"


@pytest.fixture
def world(
    small_region_db,  # type: ignore[no-untyped-def]
    region_engine: Engine,
    sharing_clock: Clock,
) -> Iterator[tuple[TestClient, Scanner, dict[str, int]]]:
    scanner = Scanner(small_region_db())
    app = create_app(Settings(database_url=region_engine.url.render_as_string(hide_password=False)))
    with TestClient(app, raise_server_exceptions=False) as client:
        made = {}
        for who, start in (("clerk_a", EIGHT), ("clerk_b", NINE)):
            body = {"resource_id": scanner.resource, "start": start}
            answer = client.post(
                "/api/sharing/bookings", json=body, headers=getattr(scanner, who).headers
            )
            assert answer.status_code == 201, answer.text
            made[who] = answer.json()["id"]
        yield client, scanner, made
    app.state.qurb.close()


def _listed(client: TestClient, headers: dict[str, str], **params: object) -> list[object]:
    answer = client.get("/api/sharing/bookings", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return [(b["id"], b["partner_id"]) for b in answer.json()]


def test_a_clerk_lists_its_partner_s_bookings_and_a_manager_its_resource_s(
    world: tuple[TestClient, Scanner, dict[str, int]],
) -> None:
    client, scanner, made = world
    a, b = made["clerk_a"], made["clerk_b"]
    assert _listed(client, scanner.clerk_a.headers) == [(a, PARTNER_A)]
    assert _listed(client, scanner.clerk_b.headers) == [(b, PARTNER_B)]
    assert _listed(client, scanner.manager.headers) == [(a, PARTNER_A), (b, PARTNER_B)]
    # A manager of another province manages nothing here: none of them.
    assert _listed(client, scanner.elsewhere.headers) == []


def test_the_list_s_filters_and_its_refusals(
    world: tuple[TestClient, Scanner, dict[str, int]],
) -> None:
    client, scanner, made = world
    manager = scanner.manager.headers
    cancelled = client.post(
        f"/api/sharing/bookings/{made['clerk_b']}/cancel", json={}, headers=scanner.clerk_b.headers
    )
    assert cancelled.status_code == 200
    assert _listed(client, manager, status="cancelled") == [(made["clerk_b"], PARTNER_B)]
    assert _listed(client, manager, status="confirmed") == [(made["clerk_a"], PARTNER_A)]
    # From 08:30 local: the 09:00 one only; before 08:30: the 08:00 one only.
    half = "2026-12-08T07:30:00Z"
    assert _listed(client, manager, **{"from": half}) == [(made["clerk_b"], PARTNER_B)]
    assert _listed(client, manager, to=half) == [(made["clerk_a"], PARTNER_A)]
    assert _listed(client, manager, resource_id=scanner.resource + 1) == []
    assert len(_listed(client, manager, limit=1)) == 1
    for bad in ({"status": "lost"}, {"limit": 0}, {"from": "1500-01-01T00:00:00Z"}):
        answer = client.get("/api/sharing/bookings", params=bad, headers=manager)
        assert answer.status_code == 422, bad


def test_the_week_names_a_booking_s_partner_to_it_and_to_the_manager_only(
    world: tuple[TestClient, Scanner, dict[str, int]],
) -> None:
    client, scanner, made = world
    url = f"/api/sharing/resources/{scanner.resource}/week"
    week = client.get(url, params={"day": "2026-12-10"}, headers=scanner.clerk_a.headers).json()
    assert week["first"] == "2026-12-07" and (week["books"], week["manages"]) == (True, False)
    assert week["partner_id"] == PARTNER_A and week["today"] == "2026-12-07"
    # Monday to Friday, 4 slots a day: Monday's too soon to book (24 h of notice),
    # Tuesday's first two booked, its third free to book.
    assert len(week["slots"]) == 20
    assert [s["bookable"] for s in week["slots"][:7]] == [False] * 6 + [True]
    booked = {s["start"]: (s["state"], s["partner_id"]) for s in week["slots"][4:6]}
    assert booked == {
        "2026-12-08T07:00:00Z": ("booked", PARTNER_A),
        "2026-12-08T08:00:00Z": ("booked", None),
    }
    seen = client.get(url, params={"day": "2026-12-07"}, headers=scanner.manager.headers).json()
    assert seen["manages"] is True
    assert [s["partner_id"] for s in seen["slots"][4:6]] == [PARTNER_A, PARTNER_B]
    assert [s["booking_id"] for s in seen["slots"][4:6]] == [made["clerk_a"], made["clerk_b"]]
    down = client.post(
        f"/api/sharing/resources/{scanner.resource}/downtime",
        json={
            "start": "2026-12-09T00:00:00+01:00",
            "end": "2026-12-10T00:00:00+01:00",
            "reason": "panne",
        },
        headers=scanner.manager.headers,
    )
    assert down.status_code == 201
    week = client.get(url, params={"day": "2026-12-09"}, headers=scanner.clerk_b.headers).json()
    assert [(s["state"], s["reason"]) for s in week["slots"][8:12]] == [("down", "panne")] * 4
    assert [d["reason"] for d in week["downtime"]] == ["panne"]
    assert (
        client.get(url, params={"day": "1999-12-31"}, headers=scanner.manager.headers).status_code
        == 422
    )
