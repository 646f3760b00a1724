"""SQLAlchemy tables of the conventions (a `conventions_` prefix): the convention, the
territories it covers, its articles, its parties and their people, its amendments, its
documents (their bytes in the database, so that every server process sees them). A
partial date is three nullable integer columns. Portable SQL only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qurb.platform.tables import Base, UTCDateTime, row_version


def _part() -> Mapped[int | None]:
    return mapped_column(Integer, nullable=True)


class ConventionRow(Base):
    __tablename__ = "conventions_conventions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(80), unique=True)
    title_fr: Mapped[str] = mapped_column(String(300))
    title_ar: Mapped[str | None] = mapped_column(String(300))
    object_fr: Mapped[str | None] = mapped_column(Text)
    object_ar: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(24))
    deliberation_number: Mapped[str | None] = mapped_column(String(200))
    deliberation_year: Mapped[int | None] = _part()
    deliberation_month: Mapped[int | None] = _part()
    deliberation_day: Mapped[int | None] = _part()
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    approval_year: Mapped[int | None] = _part()
    approval_month: Mapped[int | None] = _part()
    approval_day: Mapped[int | None] = _part()
    signature_year: Mapped[int | None] = _part()
    signature_month: Mapped[int | None] = _part()
    signature_day: Mapped[int | None] = _part()
    signature_place: Mapped[str | None] = mapped_column(String(200))
    start_year: Mapped[int | None] = _part()
    start_month: Mapped[int | None] = _part()
    start_day: Mapped[int | None] = _part()
    end_year: Mapped[int | None] = _part()
    end_month: Mapped[int | None] = _part()
    end_day: Mapped[int | None] = _part()
    status: Mapped[str] = mapped_column(String(24), index=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = row_version()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it


class ConventionTerritoryRow(Base):
    __tablename__ = "conventions_territories"

    convention_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_conventions.id"), primary_key=True
    )
    territory_code: Mapped[str] = mapped_column(
        String(16), ForeignKey("territories.code"), primary_key=True, index=True
    )


class ArticleRow(Base):
    __tablename__ = "conventions_articles"
    __table_args__ = (UniqueConstraint("convention_id", "number", name="uq_conventions_article"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    convention_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_conventions.id"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(String(300))
    text_fr: Mapped[str | None] = mapped_column(Text)
    text_ar: Mapped[str | None] = mapped_column(Text)


class PartyRow(Base):
    __tablename__ = "conventions_parties"
    __table_args__ = (
        UniqueConstraint("convention_id", "partner_id", "role", name="uq_conventions_party"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    convention_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_conventions.id"), index=True
    )
    partner_id: Mapped[str] = mapped_column(String(80), ForeignKey("partners.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(24))  # None: not published


class PersonRow(Base):
    """A party's signatory or contact person."""

    __tablename__ = "conventions_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_id: Mapped[int] = mapped_column(Integer, ForeignKey("conventions_parties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(200))


class AmendmentRow(Base):
    """An amendment, with the end date it set and the one it replaced (history kept)."""

    __tablename__ = "conventions_amendments"
    __table_args__ = (UniqueConstraint("convention_id", "number", name="uq_conventions_amendment"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    convention_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_conventions.id"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    on_year: Mapped[int | None] = _part()
    on_month: Mapped[int | None] = _part()
    on_day: Mapped[int | None] = _part()
    changes_end: Mapped[bool] = mapped_column(Boolean, default=False)
    end_year: Mapped[int | None] = _part()
    end_month: Mapped[int | None] = _part()
    end_day: Mapped[int | None] = _part()
    previous_end_year: Mapped[int | None] = _part()
    previous_end_month: Mapped[int | None] = _part()
    previous_end_day: Mapped[int | None] = _part()
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class DocumentRow(Base):
    __tablename__ = "conventions_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    convention_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("conventions_conventions.id"), index=True
    )
    amendment_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("conventions_amendments.id")
    )
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
