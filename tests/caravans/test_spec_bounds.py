"""A campaign's numbers stay within what a caravan can be: staff and consultations a day
per specialty at most `MAX_COUNT`, a solver seed within PyVRP's 32 bits. A value beyond is
a 422 naming its field before any planning (not a plan of 2⁶³ consultations, not a 500)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from qurb.kernel.values import MAX_COUNT, MAX_SEED
from tests.caravan_requests import campaign
from tests.web_clients import TestClient

START = date.today() + timedelta(days=30)


def _refused(client: TestClient, body: dict[str, object]) -> str:
    answer = client.post("/api/caravans", json=body)
    assert answer.status_code == 422, answer.text[:300]
    return str(answer.json())


@pytest.mark.parametrize("value", [MAX_COUNT + 1, 2**63])
def test_a_unit_capacity_beyond_the_bound_is_refused(edit_client: TestClient, value: int) -> None:
    body = campaign(START)
    body["units"][0]["capacity"]["general_medicine"] = value  # type: ignore[index]
    assert "capacity" in _refused(edit_client, body)


def test_a_team_staff_beyond_the_bound_is_refused(edit_client: TestClient) -> None:
    body = campaign(START)
    body["teams"][0]["staff"]["general_medicine"] = 2**63  # type: ignore[index]
    assert "staff" in _refused(edit_client, body)


def test_a_seed_in_the_settings_beyond_32_bits_is_refused(edit_client: TestClient) -> None:
    body = campaign(START)
    body["settings"] = {"time_limit_s": 1, "seed": MAX_SEED + 1}
    assert "seed" in _refused(edit_client, body)
