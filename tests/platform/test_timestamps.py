"""Every timestamp is stored with its zone and read back as an aware UTC datetime, on
SQLite and PostgreSQL: registry history, facilities, saved campaigns; and a database whose
timestamps were written without a zone is read (SQLite) or migrated (PostgreSQL) as UTC."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from qurb.app.schema import MIGRATIONS_DIR, SCHEMA_REVISION, schema_revision, upgrade_if_behind
from qurb.kernel import clock
from qurb.kernel.actor import Actor
from qurb.platform.database import transaction
from qurb.registry.model import FacilityChange
from qurb.registry.service import close_facility, facility_history, get_facility
from tests.regions import HP_TIZGUI

Factory = Callable[..., sessionmaker[Session]]
BY = Actor.local("planner")
CASABLANCA_SUMMER = timezone(timedelta(hours=1))
# 09:30 in Morocco (UTC+1) is 08:30 UTC.
MOMENT = datetime(2027, 3, 1, 9, 30, tzinfo=CASABLANCA_SUMMER)
MOMENT_UTC = datetime(2027, 3, 1, 8, 30, tzinfo=UTC)


def _is_utc(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() == timedelta(0)


def test_a_write_keeps_its_moment_and_reads_back_in_utc(
    small_region_db: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = small_region_db()
    monkeypatch.setattr(clock, "now", lambda: MOMENT)
    with transaction(factory) as s:
        close_facility(s, BY, HP_TIZGUI, "merged")
    with factory() as s:
        closed = facility_history(s, HP_TIZGUI)[-1]
        facility = get_facility(s, HP_TIZGUI)
    assert closed.action == "close"
    assert _is_utc(closed.changed_at) and closed.changed_at == MOMENT_UTC
    assert closed.changed_at.hour == 8
    assert _is_utc(facility.updated_at) and facility.updated_at == MOMENT_UTC


def _alembic(engine: Engine, revision: str, *, up: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.upgrade if up else command.downgrade)(config, revision)


def test_timestamps_written_without_a_zone_are_read_as_utc(small_region_db: Factory) -> None:
    """A database at revision 0004 whose history holds a time without zone: on SQLite the
    text SQLAlchemy always wrote, on PostgreSQL a `timestamp without time zone` column (as
    a schema made outside the migrations may have). After the upgrade (the history moved
    into the audit trail) both read it as UTC."""
    factory = small_region_db()
    engine = factory.kw["bind"]
    _alembic(engine, "0004")
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text(
                    "ALTER TABLE facility_changes ALTER COLUMN changed_at "
                    "TYPE timestamp without time zone"
                )
            )
        connection.execute(
            text("UPDATE facility_changes SET changed_at = :at WHERE facility_id = :id"),
            {"at": MOMENT_UTC.replace(tzinfo=None), "id": HP_TIZGUI},
        )
    assert schema_revision(engine) == "0004"
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            kind = connection.scalar(
                text(
                    "SELECT data_type FROM information_schema.columns WHERE table_name = "
                    "'audit_entries' AND column_name = 'time' "
                    "AND table_schema = current_schema()"
                )
            )
        assert kind == "timestamp with time zone"
    with factory() as s:
        [created] = facility_history(s, HP_TIZGUI)
    assert _is_utc(created.changed_at) and created.changed_at == MOMENT_UTC


TIMESTAMP_COLUMNS = (  # those of a revision that has the table
    ("facilities", "updated_at"),
    ("facility_changes", "changed_at"),  # up to 0006; then the audit trail's
    ("audit_entries", "time"),
    ("scenarios", "created_at"),
    ("caravan_campaigns", "created_at"),
    ("caravan_records", "recorded_at"),
)


def _column_types(engine: Engine) -> dict[str, str]:
    """The PostgreSQL type of every timestamp column, or the text SQLite stores."""
    with engine.connect() as connection:
        if engine.dialect.name != "postgresql":
            stored = connection.scalar(
                text("SELECT changed_at FROM facility_changes WHERE action = 'close'")
            )
            return {"facility_changes.changed_at": str(stored)}
        found = {
            f"{t}.{c}": connection.scalar(
                text(
                    "SELECT data_type FROM information_schema.columns WHERE table_name = :t "
                    "AND column_name = :c AND table_schema = current_schema()"
                ),
                {"t": t, "c": c},
            )
            for t, c in TIMESTAMP_COLUMNS
        }
        return {column: kind for column, kind in found.items() if kind is not None}


def test_revision_0005_goes_down_to_0004_and_up_again_keeping_every_moment(
    small_region_db: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Down, 0005 gives back what its upgrade changed: on PostgreSQL a column it turned from
    `timestamp without time zone` into `timestamptz` is one again (its UTC time kept), the
    columns 0001-0004 made `timestamptz` stay so; on SQLite the stored text is untouched.
    Up again, the same moments and the same facilities."""
    factory = small_region_db()
    engine = factory.kw["bind"]
    monkeypatch.setattr(clock, "now", lambda: MOMENT)
    with transaction(factory) as s:
        close_facility(s, BY, HP_TIZGUI, "merged")
    with factory() as s:
        before = (facility_history(s, HP_TIZGUI), get_facility(s, HP_TIZGUI))
    postgres = engine.dialect.name == "postgresql"
    _alembic(engine, "0004")
    if postgres:  # a schema made outside the migrations: one column without its zone
        with engine.begin() as connection:
            connection.execute(
                text(
                    "ALTER TABLE facility_changes ALTER COLUMN changed_at "
                    "TYPE timestamp without time zone USING changed_at AT TIME ZONE 'UTC'"
                )
            )
    at_0004 = _column_types(engine)
    _alembic(engine, "0006", up=True)  # 0005 and what follows it, before the audit trail
    if postgres:
        assert set(_column_types(engine).values()) == {"timestamp with time zone"}
    _alembic(engine, "0004")
    assert schema_revision(engine) == "0004"
    assert _column_types(engine) == at_0004
    if postgres:
        assert at_0004["facility_changes.changed_at"] == "timestamp without time zone"
        assert at_0004["facilities.updated_at"] == "timestamp with time zone"
        with engine.connect() as connection:
            stored = connection.scalar(
                text("SELECT changed_at FROM facility_changes WHERE action = 'close'")
            )
        assert stored == MOMENT_UTC.replace(tzinfo=None)  # the UTC time, without its zone
    else:
        assert at_0004["facility_changes.changed_at"].startswith("2027-03-01 08:30:00")
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    with factory() as s:
        after = (facility_history(s, HP_TIZGUI), get_facility(s, HP_TIZGUI))
    # The same facility; its version starts again at 1, as a downgrade below 0011 drops it.
    assert (after[1].version, replace(after[1], version=before[1].version)) == (1, before[1])
    # The history went down into its old table and up into the audit trail again: the
    # same changes at the same moments, their authors now `unverified:` (a downgrade
    # loses the chain that vouched for them).
    assert [_as_moved(c) for c in after[0]] == [_as_moved(c) for c in before[0]]
    assert {c.changed_by for c in after[0]} == {f"unverified:{c.changed_by}" for c in before[0]}
    assert after[0][-1].changed_at == MOMENT_UTC and _is_utc(after[0][-1].changed_at)


def _as_moved(change: FacilityChange) -> tuple[object, ...]:
    return (change.action, change.changed_at, change.reason, change.before, change.after)
