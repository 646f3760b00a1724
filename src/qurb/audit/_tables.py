"""The audit trail's tables: its entries, append-only, and its one signed head row."""

from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime

HEAD_ID = 1  # the head table's one row


class AuditEntryRow(Base):
    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    time = mapped_column(UTCDateTime, nullable=False)
    actor: Mapped[str] = mapped_column(String(200))
    actor_kind: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[str | None] = mapped_column(String(100))
    grant_id: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100))
    entity_kind: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(200))
    territory_code: Mapped[str | None] = mapped_column(String(32))
    before: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(100))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_entries_entity", "entity_kind", "entity_id"),
        Index("ix_audit_entries_actor", "actor"),
        Index("ix_audit_entries_time", "time"),
    )


class AuditHeadRow(Base):
    """The chain's head: the last entry's seq and hash, signed. Every append locks it
    first, so that appends follow one another."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(128))  # hex
    key_id: Mapped[str | None] = mapped_column(String(64))


class AuditKindHeadRow(Base):
    """The last entry's seq for each kind of entity (`facility`, `partner`, ...), written by
    every append in its transaction: a number every server process reads to know whether
    what it keeps in memory about that kind is still true (`service.last_seq`)."""

    __tablename__ = "audit_kind_heads"

    entity_kind: Mapped[str] = mapped_column(String(50), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
