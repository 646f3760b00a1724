"""`/api/sharing` on the scanner of tests/sharing_region.py: a clerk books for its
partner (201), the same slot again is 409 `slot_taken`, a start in a buffer is 422
`in_buffer`; the clerk's partner's quota and the month's reconciliation read back; a
clerk may not approve (403); a manager closes the scanner and the booking is displaced."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from qurb.app.web import create_app
from qurb.platform.settings import Settings
from tests.sharing_region import PARTNER_A, Clock, Scanner, sharing_clock
from tests.web_clients import TestClient

__all__ = ["sharing_clock"]


@pytest.fixture
def world(
    small_region_db,  # type: ignore[no-untyped-def]
    region_engine: Engine,
    sharing_clock: Clock,
) -> Iterator[tuple[TestClient, Scanner]]:
    scanner = Scanner(small_region_db())
    app = create_app(Settings(database_url=region_engine.url.render_as_string(hide_password=False)))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, scanner
    app.state.qurb.close()


def test_book_refuse_and_read_the_month(world: tuple[TestClient, Scanner]) -> None:
    client, scanner = world
    clerk, manager = scanner.clerk_a.headers, scanner.manager.headers
    slots = client.get(
        "/api/sharing/slots",
        params={"specialty": "ct_scanner", "region": "99", "limit": 1},
        headers=clerk,
    )
    # The first slot beyond the 24 hours' notice (today's are too soon to book).
    assert slots.status_code == 200 and slots.json()[0]["start"] == "2026-12-08T07:00:00Z"
    body = {"resource_id": scanner.resource, "start": "2026-12-08T08:00:00+01:00"}
    booked = client.post("/api/sharing/bookings", json=body, headers=clerk)
    assert booked.status_code == 201, booked.text
    assert (booked.json()["partner_id"], booked.json()["status"]) == (PARTNER_A, "confirmed")
    again = client.post("/api/sharing/bookings", json=body, headers=scanner.clerk_b.headers)
    assert (again.status_code, again.json()["code"]) == (409, "slot_taken")
    buffer = {"resource_id": scanner.resource, "start": "2026-12-08T08:45:00+01:00"}
    refused = client.post("/api/sharing/bookings", json=buffer, headers=clerk)
    assert (refused.status_code, refused.json()["code"]) == (422, "in_buffer")
    booking = booked.json()["id"]
    not_yours = client.post(f"/api/sharing/bookings/{booking}/approve", headers=clerk)
    assert not_yours.status_code == 403
    month = client.get(
        f"/api/sharing/resources/{scanner.resource}/reconciliation",
        params={"month": "2026-12"},
        headers=manager,
    )
    assert month.status_code == 200
    assert [(line["partner_id"], line["booked"], line["from_pool"]) for line in month.json()] == [
        (PARTNER_A, 1, 1)
    ]
    down = client.post(
        f"/api/sharing/resources/{scanner.resource}/downtime",
        json={
            "start": "2026-12-08T00:00:00+01:00",
            "end": "2026-12-09T00:00:00+01:00",
            "reason": "panne",
        },
        headers=manager,
    )
    assert down.status_code == 201, down.text
    assert (down.json()["slots_closed"], down.json()["bookings_displaced"]) == (4, 1)
    listed = client.get(f"/api/sharing/resources/{scanner.resource}/bookings", headers=manager)
    assert [b["status"] for b in listed.json()] == ["displaced"]


def test_the_next_free_slots_are_those_of_the_territory_asked(
    world: tuple[TestClient, Scanner],
) -> None:
    """The scanner stands at Tizgui's hospital: its slots are found in the region, the
    province and Tizgui, none in Aït Lhou; an unknown territory is 404."""
    from tests.regions import AIT_LHOU, PROVINCE_CODE, TIZGUI

    client, scanner = world

    def first(territory: str) -> list[str]:
        params = {"specialty": "ct_scanner", "region": territory, "limit": 1}
        answer = client.get("/api/sharing/slots", params=params, headers=scanner.clerk_a.headers)
        assert answer.status_code == 200, answer.text
        return [s["start"] for s in answer.json()]

    found = first("99")
    assert found == ["2026-12-08T07:00:00Z"]  # the first slot after the 24 h notice
    assert first(PROVINCE_CODE) == first(TIZGUI) == found
    assert first(AIT_LHOU) == []
    unknown = client.get(
        "/api/sharing/slots",
        params={"specialty": "ct_scanner", "region": "98"},
        headers=scanner.clerk_a.headers,
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "no_territory"
