"""Alembic environment: runs on the connection Qurb hands over (see storage.database)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from qurb.app.features import import_tables
from qurb.platform.tables import Base

import_tables()  # every feature's tables, for autogenerate
target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url") or "sqlite:///qurb.sqlite"
        with create_engine(url).begin() as own:
            context.configure(connection=own, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
