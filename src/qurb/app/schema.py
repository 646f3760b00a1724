"""The database schema over time: Alembic migrations (`app/migrations`, revision ids and
chain kept since the first release), and how a database is made ready when opened."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, inspect, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest Alembic revision in migrations/versions (a test checks they agree): lets a
# start-up see that a database is behind without loading Alembic.
SCHEMA_REVISION = "0026"


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


def has_dataset(engine: Engine) -> bool:
    return inspect(engine).has_table("dataset_meta")


def prepare_database(
    engine: Engine, load: Callable[[Engine], None], upgraded: Callable[[], None]
) -> None:
    """A database without the dataset is created and loaded (`load`); one made by an
    older Qurb is upgraded (`upgraded` is told)."""
    if not has_dataset(engine):
        load(engine)
    elif upgrade_if_behind(engine):
        upgraded()
