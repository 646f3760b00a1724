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


# The tables revision 0014 added: capacity values, equipment, capacity imports.
CAPACITY_TABLES = ("capacity_values", "equipment", "capacity_imports")


JOBS_TABLES = ("alert_reads", "alerts", "job_locks", "job_runs")


# The tables revision 0019 added: a convention's money (those referring to others first).
MONEY_TABLES = (
    "conventions_disbursements",
    "conventions_tranches",
    "conventions_contribution_changes",
    "conventions_contributions",
)
# The tables revision 0020 added: the conventions' deliverables and their parts.
DELIVERABLE_TABLES = ("documents", "actuals", "refs")
# The tables revision 0021 added: the steering committees.
COMMITTEE_TABLES = ("decisions", "agenda", "attendance", "meetings", "members", "rules")


# The tables revision 0026 added: shared resources and referrals (those referring to
# others first).
SHARING_TABLES = (
    "referral_events",
    "referrals",
    "sharing_quota_releases",
    "sharing_quotas",
    "sharing_waiting",
    "sharing_slots",
    "sharing_bookings",
    "sharing_downtime",
    "sharing_missions",
    "sharing_availability",
    "sharing_resources",
    "registry_specialists",
)


def _before_0026(connection: Connection) -> None:
    """What revision 0026 added gone: shared resources, their slots and bookings, and the
    referrals."""
    for table in SHARING_TABLES:
        connection.execute(text(f"DROP TABLE {table}"))


def _before_0025(connection: Connection) -> None:
    """What revisions 0025 and later added gone: the signals' triage (its steps,
    invitations, and the signals' triage state and version), and the shared resources."""
    _before_0026(connection)
    connection.execute(text("DROP TABLE watch_signal_invitations"))
    connection.execute(text("DROP TABLE watch_triage_steps"))
    connection.execute(text("ALTER TABLE watch_signals DROP COLUMN version"))
    connection.execute(text("ALTER TABLE watch_signals DROP COLUMN triage_state"))


def _before_0024(connection: Connection) -> None:
    """What revisions 0024 and later added gone: the outbreak signals (and their
    triage)."""
    _before_0025(connection)
    connection.execute(text("DROP TABLE watch_signals"))


def _before_0023(connection: Connection) -> None:
    """What revisions 0023 and later added gone: the deliverables' history of changes
    (and the outbreak signals)."""
    _before_0024(connection)
    connection.execute(text("DROP TABLE conventions_deliverable_changes"))


def _before_0022(connection: Connection) -> None:
    """What revisions 0022 and later added gone: the partners' IATI identifiers (and the
    deliverables' history of changes)."""
    _before_0023(connection)
    connection.execute(text("ALTER TABLE partners DROP COLUMN iati_ref"))


def _before_0021(connection: Connection) -> None:
    """What revisions 0021 and later added gone: the conventions' steering committees
    (and the partners' IATI identifiers)."""
    _before_0022(connection)
    for table in COMMITTEE_TABLES:
        connection.execute(text(f"DROP TABLE conventions_committee_{table}"))


def _before_0020(connection: Connection) -> None:
    """What revisions 0020 and later added gone: the conventions' deliverables and their
    parts (and the committees, the partners' IATI identifiers)."""
    _before_0021(connection)
    for table in DELIVERABLE_TABLES:
        connection.execute(text(f"DROP TABLE conventions_deliverable_{table}"))
    connection.execute(text("DROP TABLE conventions_deliverables"))


def _before_0019(connection: Connection) -> None:
    """What revisions 0019 and later added gone: contributions, tranches, disbursements
    (and the deliverables, the committees, the partners' IATI identifiers)."""
    _before_0020(connection)
    for table in MONEY_TABLES:
        connection.execute(text(f"DROP TABLE {table}"))


def _before_0018(connection: Connection) -> None:
    """What revisions 0018 and later added gone: the time-based jobs' runs and lock, the
    alerts (and a convention's money, deliverables, committee, the partners' IATI
    identifiers)."""
    _before_0019(connection)
    for table in JOBS_TABLES:
        connection.execute(text(f"DROP TABLE {table}"))


def _before_0017(connection: Connection) -> None:
    """What revisions 0017 and later added gone: the conventions and their parts (and the
    jobs' tables)."""
    _before_0018(connection)
    for table in ("documents", "amendments", "people", "parties", "articles", "territories"):
        connection.execute(text(f"DROP TABLE conventions_{table}"))
    connection.execute(text("DROP TABLE conventions_conventions"))


def _before_0016(connection: Connection) -> None:
    """What revision 0016 added gone: the periodic reports, the data sets' validations
    (and the conventions, the jobs' tables)."""
    _before_0017(connection)
    for table in ("watch_report_values", "watch_reports", "watch_dataset_validations"):
        connection.execute(text(f"DROP TABLE {table}"))


def _before_0015(connection: Connection) -> None:
    """What revisions 0015 and later added gone: the regional plan's projects (and the
    reports)."""
    _before_0016(connection)
    for table in ("plan_project_events", "plan_projects"):
        connection.execute(text(f"DROP TABLE {table}"))


def _before_0014(connection: Connection) -> None:
    """What revisions 0014 and later added gone: capacity values, equipment, capacity
    imports (and the plan's projects, the reports)."""
    _before_0015(connection)
    for table in CAPACITY_TABLES:
        connection.execute(text(f"DROP TABLE {table}"))


def _before_0013(connection: Connection) -> None:
    """What revisions 0013 and later added gone: the background jobs, capacity, the
    plan's projects, the reports."""
    _before_0014(connection)
    connection.execute(text("DROP TABLE jobs"))


def _before_0012(connection: Connection) -> None:
    """What revisions 0012 and later added gone: the scenarios' partner and visibility,
    the background jobs."""
    _before_0013(connection)
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


def test_a_database_at_0016_gains_the_conventions_tables(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0017
        _before_0017(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0016'"))
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    tables = ("conventions", "territories", "articles", "parties", "people", "amendments")
    assert all(inspect(engine).has_table(f"conventions_{t}") for t in (*tables, "documents"))
    assert all(inspect(engine).has_table(table) for table in JOBS_TABLES)
    engine.dispose()


def test_a_database_at_0018_gains_the_money_tables(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0019
        _before_0019(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0018'"))
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    assert all(inspect(engine).has_table(table) for table in MONEY_TABLES)
    columns = {c["name"]: c for c in inspect(engine).get_columns("conventions_contributions")}
    assert columns["amount"]["nullable"] and columns["valuation"]["nullable"]
    assert upgrade_if_behind(engine) is False
    engine.dispose()


def test_a_database_at_0019_gains_the_deliverables_tables(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0020
        _before_0020(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0019'"))
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    names = [
        "conventions_deliverables",
        *(f"conventions_deliverable_{t}" for t in DELIVERABLE_TABLES),
    ]
    assert all(inspect(engine).has_table(name) for name in names)
    assert upgrade_if_behind(engine) is False
    engine.dispose()


def test_a_database_at_0020_gains_the_committee_tables(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0021
        _before_0021(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0020'"))
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    names = [f"conventions_committee_{t}" for t in COMMITTEE_TABLES]
    assert all(inspect(engine).has_table(name) for name in names)
    assert upgrade_if_behind(engine) is False
    engine.dispose()


def test_a_database_at_0017_gains_the_jobs_and_alerts_tables(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0018
        _before_0018(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0017'"))
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    assert all(inspect(engine).has_table(table) for table in JOBS_TABLES)
    uniques = inspect(engine).get_unique_constraints("alerts")
    assert [u["column_names"] for u in uniques] == [["dedupe_key"]]
    assert upgrade_if_behind(engine) is False
    engine.dispose()


def test_a_database_at_0021_gains_the_partners_iati_identifiers(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0022
        _before_0022(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0021'"))
    assert "iati_ref" not in {c["name"] for c in inspect(engine).get_columns("partners")}
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    assert "iati_ref" in {c["name"] for c in inspect(engine).get_columns("partners")}
    assert upgrade_if_behind(engine) is False
    engine.dispose()


def test_a_database_at_0022_gains_the_deliverables_history(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0023
        _before_0023(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0022'"))
    assert not inspect(engine).has_table("conventions_deliverable_changes")
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    assert inspect(engine).has_table("conventions_deliverable_changes")
    assert upgrade_if_behind(engine) is False
    engine.dispose()


def test_a_database_at_0023_gains_the_outbreak_signals(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0024
        _before_0024(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0023'"))
    assert not inspect(engine).has_table("watch_signals")
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    assert inspect(engine).has_table("watch_signals")
    uniques = inspect(engine).get_unique_constraints("watch_signals")
    assert [u["column_names"] for u in uniques] == [["dataset_id", "element", "unit_code", "week"]]
    assert upgrade_if_behind(engine) is False
    engine.dispose()


def test_a_database_at_0024_gains_the_signals_triage(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0025
        _before_0025(connection)
        connection.execute(
            text(
                "INSERT INTO watch_signals (dataset_id, element, unit_code, level, "
                "territory_code, week, method, parameters, alarm, status, provisional, "
                "first_raised_at, last_computed_at) VALUES ('mdo', 'cholera', 'x', 'commune', "
                "'03.131.01.03', '2026W48', 'single-case', '{}', :yes, 'active', :yes, "
                ":at, :at)"
            ),
            {"yes": True, "at": datetime(2026, 12, 1, tzinfo=UTC)},
        )
        connection.execute(text("UPDATE alembic_version SET version_num = '0024'"))
    assert not inspect(engine).has_table("watch_triage_steps")
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    assert inspect(engine).has_table("watch_triage_steps")
    assert inspect(engine).has_table("watch_signal_invitations")
    with engine.connect() as connection:  # a signal kept before: open, at version 1
        kept = connection.execute(text("SELECT triage_state, version FROM watch_signals")).all()
    assert [tuple(row) for row in kept] == [("open", 1)]
    assert upgrade_if_behind(engine) is False
    engine.dispose()


def test_a_database_at_0025_gains_the_shared_resources_and_referrals(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0026
        _before_0026(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0025'"))
    assert not inspect(engine).has_table("sharing_slots")
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    assert {table for table in SHARING_TABLES if inspect(engine).has_table(table)} == set(
        SHARING_TABLES
    )
    unique = inspect(engine).get_unique_constraints("sharing_slots")
    assert [c["column_names"] for c in unique] == [["resource_id", "start"]]
    assert upgrade_if_behind(engine) is False
    engine.dispose()


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


def test_a_database_at_0012_gains_the_jobs_table(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0013
        _before_0013(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0012'"))
    assert not inspect(engine).has_table("jobs")
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    columns = {c["name"] for c in inspect(engine).get_columns("jobs")}
    assert {"status", "cancel_requested", "result_id", "error", "phase"} <= columns
    engine.dispose()


def test_a_database_at_0013_gains_the_capacity_tables_with_every_capacity_unknown(
    scratch_db: str,
) -> None:
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0014
        _before_0014(connection)
        connection.execute(text("UPDATE alembic_version SET version_num = '0013'"))
    assert not inspect(engine).has_table("capacity_values")
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    assert all(inspect(engine).has_table(table) for table in CAPACITY_TABLES)
    columns = {c["name"] for c in inspect(engine).get_columns("equipment")}
    assert {"kind", "status", "down_reason", "down_since", "retired_on", "version"} <= columns
    with engine.connect() as connection:
        for table in CAPACITY_TABLES:  # nothing is filled: capacity starts unknown
            assert connection.scalar(text(f"SELECT COUNT(*) FROM {table}")) == 0
    engine.dispose()
