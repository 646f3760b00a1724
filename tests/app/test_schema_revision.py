"""The schema revision constant follows Alembic, and an older database upgrades itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from qurb.app.schema import MIGRATIONS_DIR, SCHEMA_REVISION, schema_revision, upgrade_if_behind
from qurb.platform.database import make_engine


def test_schema_revision_is_alembic_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


def test_a_database_at_0001_gains_the_later_tables(scratch_db: str) -> None:
    engine = make_engine(scratch_db)
    later = (
        "sign_in_failures",
        "account_grants",
        "account_tokens",
        "accounts",
        "audit_head",
        "audit_entries",
        "job_slots",
        "caravan_records",
        "caravan_stops",
        "caravan_campaigns",
        "scenarios",
    )
    with engine.begin() as connection:  # as a database made before revision 0002
        for table in later:
            connection.execute(text(f"DROP TABLE {table}"))
        connection.execute(text("ALTER TABLE facilities DROP COLUMN services"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert schema_revision(engine) == "0001"
    assert upgrade_if_behind(engine) is True
    assert schema_revision(engine) == SCHEMA_REVISION
    assert all(inspect(engine).has_table(table) for table in later)
    assert "services" in {c["name"] for c in inspect(engine).get_columns("facilities")}
    assert upgrade_if_behind(engine) is False
    engine.dispose()


def test_a_database_at_0003_gains_per_facility_services(scratch_db: str) -> None:
    """Revision 0004 adds the services column and classes the CHU units (HIR) from the
    bundled lines; other rows keep NULL, read as their category's defaults."""
    engine = make_engine(scratch_db)
    with engine.begin() as connection:  # as a database made before revision 0004
        for table in (
            "sign_in_failures",
            "account_grants",
            "account_tokens",
            "accounts",
            "audit_head",
            "audit_entries",
            "job_slots",
        ):
            connection.execute(text(f"DROP TABLE {table}"))
        connection.execute(text("ALTER TABLE facilities DROP COLUMN services"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    assert upgrade_if_behind(engine) is True
    with engine.connect() as connection:
        services: dict[str, Any] = dict(
            connection.execute(
                text("SELECT id, services FROM facilities WHERE id IN (:a, :b, :c)"),
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


def test_an_empty_file_is_not_a_qurb_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert schema_revision(engine) is None
    assert upgrade_if_behind(engine) is False
