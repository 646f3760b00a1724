"""The declarative base every feature's tables share, and the column types they share.
Portable SQL only: SQLite by default, PostgreSQL too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Dialect,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def row_version() -> Mapped[int]:
    """The version of an editable row: 1 when it is written first, one more at each
    update. A table maps it as its `version_id_col` (SQLAlchemy then updates the row only
    `WHERE version = <the version read>`, and a row another writer changed meanwhile
    fails the write instead of being overwritten); the web gives it as the ETag."""
    return mapped_column(Integer, nullable=False, default=1, server_default="1")


class DatasetMetaRow(Base):
    __tablename__ = "dataset_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC and read back as an aware UTC datetime on every engine.

    PostgreSQL keeps it in a `timestamp with time zone`; SQLite, which has no zone, as the
    text of its UTC time (the format SQLAlchemy has always written there), read back as
    UTC. A datetime without a zone is refused: nobody can tell which moment it is."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ValueError(f"a timestamp needs its time zone: {value!r}")
        moment = value.astimezone(UTC)
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite, or a column written without its zone
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
