"""Engine and sessions. The default database is an embedded SQLite file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest Alembic revision in migrations/versions (a test checks they agree): lets a
# start-up see that a database is behind without loading Alembic.
SCHEMA_REVISION = "0004"
DEFAULT_DB_PATH = Path("qurb.sqlite")


def default_url() -> str:
    """`QURB_DATABASE_URL` if set, else `sqlite:///qurb.sqlite` in the working directory."""
    return os.environ.get("QURB_DATABASE_URL", f"sqlite:///{DEFAULT_DB_PATH}")


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll everything back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision (creates it on a new database)."""
    from alembic import command  # imported here: a third of a second at every start-up
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision a database is at (None: not a Qurb database yet)."""
    from sqlalchemy import inspect, text

    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_if_behind(engine: Engine) -> bool:
    """Migrate a database created by an older Qurb to the current schema; True if it did."""
    revision = schema_revision(engine)
    if revision is None or revision == SCHEMA_REVISION:
        return False
    migrate(engine)
    return True
