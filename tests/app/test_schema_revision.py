"""The schema revision constant follows Alembic, and an older database upgrades itself."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.orm import Session

from qurb.app.schema import MIGRATIONS_DIR, SCHEMA_REVISION, schema_revision, upgrade_if_behind
from qurb.audit import service as audit
from qurb.audit.keys import server_key
from qurb.platform.database import make_engine
from qurb.registry.service import facility_history


def test_schema_revision_is_alembic_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


# The tables revision 0007 and later made (those referring to others first).
SINCE_0007 = (
    "sessions",
    "sign_in_failures",
    "account_grants",
    "account_tokens",
    "accounts",
    "partner_contacts",
    "partners",
    "audit_head",
    "audit_entries",
)
# The facility history's table before revision 0007 moved it into the audit trail, as
# Alembic made it on each engine.
FACILITY_CHANGES = """CREATE TABLE facility_changes (
    id {serial} NOT NULL PRIMARY KEY, facility_id VARCHAR(80) NOT NULL,
    action VARCHAR(24) NOT NULL, changed_by VARCHAR(120) NOT NULL,
    changed_at {datetime} NOT NULL, reason TEXT, "before" JSON, "after" JSON)"""
TYPES = {
    "sqlite": {"serial": "INTEGER", "datetime": "DATETIME"},
    "postgresql": {"serial": "SERIAL", "datetime": "TIMESTAMP WITHOUT TIME ZONE"},
}


def _before_0012(connection: Connection) -> None:
    """What revision 0012 added gone: the scenarios' partner and visibility."""
    connection.execute(text("DROP INDEX ix_scenarios_partner_id"))
    connection.execute(text("ALTER TABLE scenarios DROP COLUMN visibility"))
    connection.execute(text("ALTER TABLE scenarios DROP COLUMN partner_id"))


def _before_0011(connection: Connection) -> None:
    """What revision 0011 added gone: the facilities' versions, each kind's last entry."""
    _before_0012(connection)
    connection.execute(text("DROP TABLE audit_kind_heads"))
    connection.execute(text("ALTER TABLE facilities DROP COLUMN version"))


def _before_0007(connection: Connection, history: Sequence[Mapping[str, Any]] = ()) -> None:
    """The tables of revision 0007 and later gone (the audit trail's, the partners'), the
    facility history in its own table again."""
    _before_0011(connection)
    for table in SINCE_0007:
        connection.execute(text(f"DROP TABLE {table}"))
    connection.execute(text(FACILITY_CHANGES.format_map(TYPES[connection.dialect.name])))
    for index in ("changed_at", "facility_id"):
        connection.execute(
            text(f"CREATE INDEX ix_facility_changes_{index} ON facility_changes ({index})")
        )
    for row in history:
        connection.execute(
            text(
                "INSERT INTO facility_changes (facility_id, action, changed_by, changed_at, "
                'reason, "before", "after") VALUES (:facility_id, :action, :changed_by, '
                ":changed_at, :reason, :before, :after)"
            ),
            row,
        )


def test_a_database_at_0001_gains_the_later_tables(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    later = (
        "job_slots",
        "caravan_records",
        "caravan_stops",
        "caravan_campaigns",
        "scenarios",
    )
    with engine.begin() as connection:  # as a database made before revision 0002
        _before_0007(connection)
        for table in later:
            connection.execute(text(f"DROP TABLE {table}"))
        connection.execute(text("ALTER TABLE facilities DROP COLUMN services"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert schema_revision(engine) == "0001"
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    assert all(inspect(engine).has_table(table) for table in (*later, *SINCE_0007))
    assert not inspect(engine).has_table("facility_changes")
    assert "services" in {c["name"] for c in inspect(engine).get_columns("facilities")}
    assert upgrade_if_behind(engine) is False
    engine.dispose()


def test_a_database_at_0003_gains_per_facility_services(scratch_db: str) -> None:
    """Revision 0004 adds the services column and classes the CHU units (HIR) from the
    bundled lines; other rows keep NULL, read as their category's defaults."""
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0004
        _before_0007(connection)
        connection.execute(text("DROP TABLE job_slots"))
        connection.execute(text("ALTER TABLE facilities DROP COLUMN services"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    assert upgrade_if_behind(engine) is True
    with engine.connect() as connection:
        services: dict[str, Any] = dict(
            connection.execute(
                text("SELECT id, CAST(services AS TEXT) FROM facilities WHERE id IN (:a, :b, :c)"),
                {
                    "a": "hosp-04.421.01.01-med-ben-abdellah",
                    "b": "hosp-04.421.01.01-ibn-sina",
                    "c": "hosp-03.231.01.01-al-ghassani",
                },
            ).all()
        )
    oncology = json.loads(services["hosp-04.421.01.01-med-ben-abdellah"])
    assert "oncology" in oncology and "delivery" not in oncology
    assert "general_hospital" in json.loads(services["hosp-04.421.01.01-ibn-sina"])
    assert services["hosp-03.231.01.01-al-ghassani"] is None  # an HR: its category's defaults
    engine.dispose()


def test_a_database_at_0006_moves_its_facility_history_into_the_audit_trail(
    scratch_db: str,
) -> None:
    """Revision 0007: every history row becomes an audit entry, oldest first, its author
    `unverified:<name>` (nobody signed in: "Minister" is what a client sent), the chain
    signed with the database's key and intact; the old table is gone."""
    facility = "hosp-03.231.01.01-al-ghassani"
    snapshot = {"id": facility, "commune_code": "03.231.01.01", "status": "open"}
    closed = {**snapshot, "status": "closed"}
    history = [
        {
            "facility_id": facility,
            "action": "create",
            "changed_by": "qurb db init",
            "changed_at": "2026-11-01 10:00:00.000000",
            "reason": "loaded from the Ministry's list",
            "before": None,
            "after": json.dumps(snapshot),
        },
        {
            "facility_id": facility,
            "action": "close",
            "changed_by": "Minister",
            "changed_at": "2026-11-02 09:30:00.000000",
            "reason": "merged",
            "before": json.dumps(snapshot),
            "after": json.dumps(closed),
        },
    ]
    engine = make_engine(scratch_db)
    with engine.begin() as connection:
        _before_0007(connection, history)
        connection.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    assert upgrade_if_behind(engine) is True
    assert not inspect(engine).has_table("facility_changes")
    with Session(engine) as session:
        changes = facility_history(session, facility)
        problems = audit.verify(session, server_key(scratch_db).public_key)
        head = audit.head(session)
    assert [(c.id, c.action, c.changed_by, c.reason) for c in changes] == [
        (1, "create", "unverified:qurb db init", "loaded from the Ministry's list"),
        (2, "close", "unverified:Minister", "merged"),
    ]
    assert changes[1].changed_at == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert changes[1].before == snapshot and changes[1].after == closed
    assert problems == []
    assert head.seq == 2 and head.signature is not None
    engine.dispose()


def test_a_database_at_0011_keeps_its_scenarios_for_no_partner(scratch_db: str) -> None:
    """Revision 0012: a scenario saved before it was saved for no partner and is seen by
    its partner only (the Ministry's own accounts, the administrators)."""
    engine = make_engine(scratch_db)
    with engine.begin() as connection:
        _before_0012(connection)
        connection.execute(
            text(
                "INSERT INTO scenarios (id, name, kind, territory_code, params, result, "
                "created_at, created_by) VALUES ('0123456789ab', 'old', 'siting', '03.131', "
                "'{}', '{}', :at, 'amina')"
            ),
            {"at": datetime(2026, 12, 1, 9, 0, tzinfo=UTC)},
        )
        connection.execute(text("UPDATE alembic_version SET version_num = '0011'"))
    assert upgrade_if_behind(engine) is True
    with engine.connect() as connection:
        row = connection.execute(text("SELECT partner_id, visibility FROM scenarios")).one()
    assert tuple(row) == (None, "partner")
    engine.dispose()


def test_an_empty_file_is_not_a_qurb_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert schema_revision(engine) is None
    assert upgrade_if_behind(engine) is False
