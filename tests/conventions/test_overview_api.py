"""A convention's page in one body, and the figures kept in memory until the next write,
on the small region of `tests/regions.py` (SQLite and PostgreSQL): the overview holds what
the four routes it stands for answer, field for field; a write (an actual reported, a
contribution added) shows at once in the overview and in the partner's figures; a body
held is a 304; a reader outside the convention's territories is refused, 403, and an
unknown convention is a 404."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conventions.test_deliverables_api import (  # noqa: F401 - the fixture below takes it
    COUNCIL,
    SCANNERS,
    SYSTEM,
    _add,
    world,
)
from tests.conventions.web import World


@pytest.fixture
def seen(world: World) -> World:  # noqa: F811 - the deliverables' tests' world
    """The convention of the deliverables' tests, with its accounts."""
    return world


def _overview(w: World, who: str = "viewer", **headers: str) -> Any:
    return w.ask(who, "GET", "/overview?period=2026", headers=headers)


def test_the_overview_holds_what_the_four_routes_answer(seen: World) -> None:
    scanners = _add(seen, SCANNERS)
    _add(seen, SYSTEM)
    reported = seen.ask(
        "chu", "POST", f"/deliverables/{scanners}/actuals", json={"period": "2026", "value": 50}
    )
    assert reported.status_code == 201, reported.text
    answer = _overview(seen)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["convention"] == seen.ask("viewer", "GET", "").json()
    assert body["deliverables"] == seen.ask("viewer", "GET", "/deliverables").json()
    physical = seen.ask("viewer", "GET", "/execution/physical?period=2026").json()
    assert body["physical"] == physical
    assert (physical["measured"], physical["unknown_actual"]) == (1, 1)  # 50 of 100; unknown
    assert body["financial"] == seen.ask("viewer", "GET", "/execution/financial").json()


def test_a_write_shows_at_once_and_a_body_held_is_a_304(seen: World) -> None:
    scanners = _add(seen, SCANNERS)
    first = _overview(seen)
    assert first.json()["physical"]["measured"] == 0
    again = _overview(seen, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    seen.ask(
        "chu", "POST", f"/deliverables/{scanners}/actuals", json={"period": "2026", "value": 25}
    )
    after = _overview(seen, **{"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert after.json()["physical"]["percent"] == "25.0"
    assert after.headers["ETag"] != first.headers["ETag"]

    partner = f"/api/conventions/partners/{COUNCIL}/figures"
    before = seen.client.get(partner, headers=seen.people["viewer"].headers).json()
    assert before["totals"]["committed_mad"] == "0.00"
    added = seen.ask(
        "secretariat",
        "POST",
        "/contributions",
        json={"partner_id": COUNCIL, "kind": "money", "year": 2026, "amount": 1500000},
    )
    assert added.status_code == 201, added.text
    now = seen.client.get(partner, headers=seen.people["viewer"].headers).json()
    assert now["totals"]["committed_mad"] == "1500000.00"


def test_outside_its_territories_or_unknown_is_refused(seen: World) -> None:
    assert _overview(seen, who="party_imi").status_code == 403
    assert _overview(seen, who=None).status_code in {401, 403}
    missing = seen.client.get(
        "/api/conventions/999999/overview", headers=seen.people["viewer"].headers
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "no_convention")
    bad = seen.ask("viewer", "GET", "/overview?period=2026-13")
    assert bad.status_code == 422


def test_a_kept_page_is_answered_on_the_head_read_with_who_asks(seen: World) -> None:
    """Asked again by a known token, the overview and the partner's figures cost one
    statement: the audit head, read with who asks; the refusal stands on the kept path
    (the light convention kept too)."""
    from sqlalchemy import event

    _add(seen, SCANNERS)
    engine = seen.client.app.state.qurb.engine  # type: ignore[attr-defined]
    partner = f"/api/conventions/partners/{COUNCIL}/figures"
    viewer = seen.people["viewer"].headers
    first = (_overview(seen).json(), seen.client.get(partner, headers=viewer).json())
    assert first[1]["partner_id"] == COUNCIL
    assert _overview(seen, who="party_imi").status_code == 403
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() not in ("BEGIN", "BEGIN IMMEDIATE"):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        again = (_overview(seen).json(), seen.client.get(partner, headers=viewer).json())
        refused = _overview(seen, who="party_imi")
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert again == first
    assert refused.status_code == 403
    assert len(sent) == 3 and all("audit_head" in s for s in sent)
