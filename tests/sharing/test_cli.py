"""`qurb sharing` on the scanner of tests/sharing_region.py: the free slots as JSON, a
booking made with the clerk's token (for its partner) then cancelled, and the month's
utilisation and reconciliation as CSV."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from qurb.app.cli import app
from qurb.platform.database import transaction
from qurb.registry._tables import EquipmentRow
from qurb.registry.specialists import add_specialist
from qurb.sharing import booking_service as bookings
from qurb.sharing._tables import BookingRow, ResourceRow
from qurb.sharing.service import RuleInput, share_specialist
from tests.regions import HP_TIZGUI
from tests.sharing_region import (
    CSR_AIT_LHOU,
    PARTNER_A,
    PARTNER_B,
    Clock,
    Scanner,
    sharing_clock,
    utc,
)

__all__ = ["sharing_clock"]
runner = CliRunner()


def test_slots_book_cancel_and_the_months_measures(
    small_region_db,  # type: ignore[no-untyped-def]
    region_engine: Engine,
    sharing_clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scanner = Scanner(small_region_db())
    db = region_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("QURB_LANG", "en")
    listed = runner.invoke(
        app,
        ["sharing", "slots", "--specialty", "ct_scanner", "--limit", "2", "-f", "json", "--db", db],
    )
    assert listed.exit_code == 0, listed.output
    starts = [row["start"] for row in json.loads(listed.stdout)["rows"]]
    assert starts == [utc(8, 7).isoformat(), utc(8, 8).isoformat()]  # beyond the 24 h notice
    monkeypatch.setenv("QURB_TOKEN", scanner.clerk_a.token)
    booked = runner.invoke(
        app,
        [
            "sharing",
            "book",
            str(scanner.resource),
            "--start",
            "2026-12-08T08:00:00+01:00",
            "--db",
            db,
        ],
    )
    assert booked.exit_code == 0, booked.output
    assert "Booking 1: confirmed, from 2026-12-08T07:00:00+00:00." in booked.stdout
    refused = runner.invoke(
        app,
        [
            "sharing",
            "book",
            str(scanner.resource),
            "--start",
            "2026-12-08T08:10:00+01:00",
            "--db",
            db,
        ],
    )
    assert refused.exit_code == 2 and "is not the start of a slot" in refused.output
    used = runner.invoke(
        app,
        [
            "sharing",
            "reconciliation",
            str(scanner.resource),
            "--month",
            "2026-12",
            "-f",
            "csv",
            "--db",
            db,
        ],
    )
    assert used.exit_code == 0, used.output
    assert f"{PARTNER_A},,1,0,0,0,0,1," in used.stdout
    cancelled = runner.invoke(app, ["sharing", "cancel", "1", "--reason", "better", "--db", db])
    assert cancelled.exit_code == 0 and "Booking 1 cancelled." in cancelled.stdout
    month = runner.invoke(
        app,
        [
            "sharing",
            "utilisation",
            str(scanner.resource),
            "--month",
            "2026-12",
            "-f",
            "json",
            "--db",
            db,
        ],
    )
    assert month.exit_code == 0, month.output
    [row] = json.loads(month.stdout)["rows"]
    assert (row["open"], row["booked"]) == (76, 0)
    bad = runner.invoke(app, ["sharing", "utilisation", "1", "--month", "2026-13", "--db", db])
    assert bad.exit_code == 2 and "Not a month YYYY-MM: 2026-13." in bad.output


def test_a_manager_sets_a_quota_and_closes_the_scanner(
    small_region_db,  # type: ignore[no-untyped-def]
    region_engine: Engine,
    sharing_clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scanner = Scanner(small_region_db())
    db = region_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("QURB_LANG", "en")
    monkeypatch.setenv("QURB_TOKEN", scanner.manager.token)
    quota = runner.invoke(
        app,
        ["sharing", "quota", str(scanner.resource), "--partner", PARTNER_A,
         "--convention", str(scanner.convention), "--amount", "3", "--unit", "hours", "--db", db],
    )  # fmt: skip
    assert quota.exit_code == 0, quota.output
    assert "Quota of hp-tizgui: 4 slots a month." in quota.stdout  # 180 min / 40
    down = runner.invoke(
        app,
        ["sharing", "downtime", str(scanner.resource), "--start", "2026-12-08T00:00:00+01:00",
         "--end", "2026-12-09T00:00:00+01:00", "--reason", "panne", "--db", db],
    )  # fmt: skip
    assert down.exit_code == 0, down.output
    assert "Out of use: 4 slots closed, 0 bookings displaced." in down.stdout
    monkeypatch.setenv("QURB_TOKEN", scanner.clerk_a.token)  # a clerk manages nothing
    refused = runner.invoke(
        app,
        ["sharing", "downtime", str(scanner.resource), "--start", "2026-12-10T00:00:00+01:00",
         "--reason", "x", "--db", db],
    )  # fmt: skip
    assert refused.exit_code == 2


def test_a_manager_shares_an_ultrasound_open_on_saturdays(
    small_region_db,  # type: ignore[no-untyped-def]
    region_engine: Engine,
    sharing_clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`qurb sharing share` then `availability`: Saturdays 08:00–10:00, 30-minute uses,
    at most two a day, 60 days ahead of Monday 7 December 2026: the eight Saturdays from
    12 December to 30 January, two slots each. A manager of another province is refused;
    an opening written wrong is named."""
    scanner = Scanner(small_region_db())
    db = region_engine.url.render_as_string(hide_password=False)
    with transaction(scanner.db) as s:
        ultrasound = EquipmentRow(
            facility_id=HP_TIZGUI, kind="ultrasound", status="working", source="test",
            updated_at=sharing_clock.now(),
        )  # fmt: skip
        s.add(ultrasound)
        s.flush()
        equipment = ultrasound.id
    monkeypatch.setenv("QURB_LANG", "en")
    share = ["sharing", "share", "--equipment", str(equipment), "--service", "imaging",
             "--slot-minutes", "30", "--db", db]  # fmt: skip
    monkeypatch.setenv("QURB_TOKEN", scanner.elsewhere.token)
    assert runner.invoke(app, share).exit_code == 2  # outside its province
    monkeypatch.setenv("QURB_TOKEN", scanner.manager.token)
    shared = runner.invoke(app, share)
    assert shared.exit_code == 0, shared.output
    resource = scanner.resource + 1
    assert f"Shared resource {resource}: ultrasound." in shared.stdout
    opened = runner.invoke(
        app, ["sharing", "availability", str(resource), "--open", "sat 08:00-10:00/2", "--db", db]
    )
    assert opened.exit_code == 0, opened.output
    assert "Slots: 16 added, 0 free ones removed." in opened.stdout
    listed = runner.invoke(
        app,
        ["sharing", "slots", "--specialty", "ultrasound", "--limit", "3", "-f", "json", "--db", db],
    )
    starts = [row["start"] for row in json.loads(listed.stdout)["rows"]]
    assert starts == [utc(12, 7).isoformat(), utc(12, 7, 30).isoformat(), utc(19, 7).isoformat()]
    wrong = runner.invoke(
        app, ["sharing", "availability", str(resource), "--open", "samedi 8h-10h", "--db", db]
    )
    assert wrong.exit_code == 2 and "Unreadable opening: 'samedi 8h-10h'" in wrong.output


def _json(result: Result) -> list[dict[str, object]]:
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)["rows"]
    return rows


def test_approve_check_in_move_and_the_waiting_list_from_the_command_line(
    small_region_db,  # type: ignore[no-untyped-def]
    region_engine: Engine,
    sharing_clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The scanner asks for approval: clerk A's booking waits for it, its manager approves
    it; A moves it; clerk B waits for Tuesday 8 December; A's other booking cancelled
    offers B its slot; the manager lists the bookings and the waiting list and refuses a
    request; B withdraws."""
    scanner = Scanner(small_region_db())
    with transaction(scanner.db) as s:
        s.get_one(ResourceRow, scanner.resource).approval_required = True
    db = region_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("QURB_LANG", "en")

    def run(token: str, *args: str) -> Result:
        monkeypatch.setenv("QURB_TOKEN", token)
        return runner.invoke(app, [*args, "--db", db])

    clerk_a, clerk_b, manager = (
        scanner.clerk_a.token,
        scanner.clerk_b.token,
        scanner.manager.token,
    )
    resource = str(scanner.resource)
    first = run(clerk_a, "sharing", "book", resource, "--start", "2026-12-08T08:00:00+01:00")
    assert "Booking 1: requested, from 2026-12-08T07:00:00+00:00." in first.stdout, first.output
    assert run(clerk_a, "sharing", "approve", "1").exit_code == 2  # a clerk decides nothing
    approved = run(manager, "sharing", "approve", "1")
    assert "Booking 1: confirmed." in approved.stdout, approved.output
    moved = run(clerk_a, "sharing", "reschedule", "1", "--start", "2026-12-09T10:00:00+01:00")
    assert "Booking 1: confirmed, from 2026-12-09T09:00:00+00:00." in moved.stdout, moved.output
    second = run(clerk_a, "sharing", "book", resource, "--start", "2026-12-08T09:00:00+01:00")
    assert "Booking 2: requested" in second.stdout, second.output
    waited = run(clerk_b, "sharing", "wait", resource, "--from", "2026-12-08", "--to", "2026-12-08")
    assert "On the waiting list: entry 1." in waited.stdout, waited.output
    refused = run(manager, "sharing", "refuse", "2", "--reason", "maintenance")
    assert "Booking 2: refused." in refused.stdout, refused.output
    [entry] = _json(run(manager, "sharing", "waiting", resource, "-f", "json"))
    assert (entry["partner_id"], entry["status"]) == (PARTNER_B, "offered")
    listed = _json(run(manager, "sharing", "bookings", resource, "-f", "json"))
    assert [(b["id"], b["status"], b["start"]) for b in listed] == [
        (2, "refused", utc(8, 8).isoformat()),
        (1, "confirmed", utc(9, 9).isoformat()),
    ]
    withdrawn = run(clerk_b, "sharing", "withdraw", "1")
    assert "Waiting entry 1 withdrawn." in withdrawn.stdout, withdrawn.output
    sharing_clock.moment = utc(9, 9, 5)
    came = run(manager, "sharing", "check-in", "1")
    assert "Booking 1: checked_in." in came.stdout, came.output
    bad = run(clerk_b, "sharing", "wait", resource, "--from", "8/12/2026", "--to", "2026-12-09")
    assert bad.exit_code == 2 and "Not a day written YYYY-MM-DD: 8/12/2026." in bad.output


def test_a_specialist_s_mission_from_the_command_line(
    small_region_db,  # type: ignore[no-untyped-def]
    region_engine: Engine,
    sharing_clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An ophthalmologist of the Tizgui hospital visits the Aït Lhou CSR on Thursday
    10 December 09:00–11:00 local: four 30-minute slots, none held (no referral pending
    there), listed by `missions`; a second mission on the same hours overlaps."""
    scanner = Scanner(small_region_db())
    with transaction(scanner.db) as s:
        specialist = add_specialist(s, scanner.local, "ophthalmology", HP_TIZGUI, "Ophtalmo", "t")
        rules = RuleInput(slot_minutes=30, buffer_minutes=0, min_notice_hours=24)
        resource = str(share_specialist(s, scanner.actor("manager"), specialist.id, rules, "o").id)
    db = region_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("QURB_LANG", "en")
    monkeypatch.setenv("QURB_TOKEN", scanner.manager.token)
    plan = ["sharing", "mission", resource, "--facility", CSR_AIT_LHOU, "--day", "2026-12-10",
            "--opens", "09:00", "--closes", "11:00", "--db", db]  # fmt: skip
    made = runner.invoke(app, plan)
    assert "Mission 1: 4 slots opened, 0 held for pending referrals." in made.stdout, made.output
    [row] = _json(runner.invoke(app, ["sharing", "missions", resource, "-f", "json", "--db", db]))
    assert (row["facility_id"], row["day"], row["slots"], row["held"]) == (
        CSR_AIT_LHOU,
        "2026-12-10",
        4,
        0,
    )
    again = runner.invoke(app, plan)
    assert again.exit_code == 2 and "2026-12-10" in again.output


def test_the_bookings_check_finds_an_overlap_written_behind_the_service_s_back(
    small_region_db,  # type: ignore[no-untyped-def]
    region_engine: Engine,
    sharing_clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two slots booked by one booking: no overlap, 2 slots held by 1 booking. A second
    active booking written straight into the table over the same hour (what the claim
    forbids) is one overlapping pair."""
    scanner = Scanner(small_region_db())
    with transaction(scanner.db) as s:
        booked = bookings.book(s, scanner.actor("clerk_a"), scanner.resource, utc(8, 7), 2)
    db = region_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("QURB_LANG", "en")
    ask = ["sharing", "check", str(scanner.resource), "-f", "json", "--db", db]
    [clean] = _json(runner.invoke(app, ask))
    assert (clean["overlapping_pairs"], clean["slots_held"], clean["holding_bookings"]) == (0, 2, 1)
    with transaction(scanner.db) as s:
        row = s.get_one(BookingRow, booked.id)
        copy = {c.key: getattr(row, c.key) for c in BookingRow.__table__.columns if c.key != "id"}
        copy["start"] = utc(8, 7, 30)
        s.add(BookingRow(**copy))
    [broken] = _json(runner.invoke(app, ask))
    assert broken["overlapping_pairs"] == 1
    unknown = runner.invoke(app, ["sharing", "check", "999", "--db", db])
    assert unknown.exit_code != 0 and "999" in unknown.output
